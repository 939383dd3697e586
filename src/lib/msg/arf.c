/*
 * arf: feedback reports and forwarded messages (see arf.h).
 */
#include "msg/arf.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "msg/mime_parse.h"
#include "msg/header_fields.h"
#include "util/str.h"

const char *
arf_kind_name(enum arf_kind k)
{
	switch (k) {
	case ARF_FEEDBACK: return "arf";
	case ARF_ATTACHED: return "attached";
	case ARF_INLINE: return "inline";
	case ARF_DIRECT: return "direct";
	}
	return "unknown";
}

static size_t
skip_line(const char *t, size_t len, size_t off)
{
	const char *nl = memchr(t + off, '\n', len - off);

	return nl ? (size_t)(nl - t) + 1 : len;
}

/* RFC 5965 3.1/3.2: the machine-readable part is a block of fields. */
static void
parse_feedback_fields(const char *t, size_t len, struct arf_report *a)
{
	struct header_fields r;
	struct header_field *f = malloc(sizeof(*f));

	if (f == NULL)
		return;
	header_fields_init(&r, t, len);
	while (header_fields_next(&r, f)) {
		char *v = str_trim(f->value);
		if (str_ieq(f->name, "Feedback-Type")) {
			str_copy(a->feedback_type, sizeof(a->feedback_type), v);
			str_lower(a->feedback_type);
		} else if (str_ieq(f->name, "User-Agent")) {
			str_copy(a->user_agent, sizeof(a->user_agent), v);
		} else if (str_ieq(f->name, "Version")) {
			str_copy(a->version, sizeof(a->version), v);
		} else if (str_ieq(f->name, "Source-IP")) {
			unsigned char bin[16];
			if (inet_pton(AF_INET, v, bin) == 1 || inet_pton(AF_INET6, v, bin) == 1)
				str_copy(a->source_ip, sizeof(a->source_ip), v);
		} else if (str_ieq(f->name, "Original-Mail-From")) {
			str_copy(a->original_mail_from, sizeof(a->original_mail_from), v);
		} else if (str_ieq(f->name, "Arrival-Date") || str_ieq(f->name, "Received-Date")) {
			str_copy(a->arrival_date, sizeof(a->arrival_date), v);
		} else if (str_ieq(f->name, "Reported-Domain")) {
			str_copy(a->reported_domain, sizeof(a->reported_domain), v);
		} else if (str_ieq(f->name, "Original-Rcpt-To") && a->nrcpt < ARF_RCPTS) {
			str_copy(
			    a->original_rcpt_to[a->nrcpt++], sizeof(a->original_rcpt_to[0]), v);
		}
	}
	free(f);
}

/*
 * The parts of a multipart message, as libvouch's MIME parser splits them
 * (RFC 2046 5.1: only an exact delimiter line ends a part). Returns 1 when
 * a reported message was found (and fills a).
 */
static int
walk_parts(const char *t, const struct mime_tree *tree, struct arf_report *a)
{
	int found = 0, feedback = 0;

	for (int i = tree->parts[0].first_child; i >= 0; i = tree->parts[i].next) {
		const struct mime_part *p = &tree->parts[i];
		size_t len = p->body_end > p->body_off ? p->body_end - p->body_off : 0;

		if (mime_part_is(p, "message", "feedback-report")) {
			parse_feedback_fields(t + p->body_off, len, a);
			feedback = 1;
		} else if (!found &&
		    (mime_part_is(p, "message", "rfc822") ||
		        mime_part_is(p, "text", "rfc822-headers") ||
		        mime_part_is(p, "message", "rfc822-headers"))) {
			a->orig_off = p->body_off;
			a->orig_len = len;
			found = 1;
		}
	}
	if (found)
		a->kind = (mime_part_is(&tree->parts[0], "multipart", "report") && feedback)
		    ? ARF_FEEDBACK
		    : ARF_ATTACHED;
	return found;
}

static const char *const markers[] = {
	"---------- Forwarded message",
	"-------- Forwarded Message",
	"-------- Original Message",
	"-----Original Message-----",
	"Begin forwarded message:",
	NULL,
};

/* An inline forward: a marker line, then header fields. */
static int
find_inline(const char *t, size_t len, size_t body, struct arf_report *a)
{
	for (size_t off = body; off < len; off = skip_line(t, len, off)) {
		const char *line = t + off;
		size_t rest = len - off;

		for (int m = 0; markers[m]; m++) {
			size_t ml = strlen(markers[m]);
			size_t k = 0;

			while (k < rest && (line[k] == ' ' || line[k] == '>'))
				k++;
			if (rest - k >= ml && strncasecmp(line + k, markers[m], ml) == 0) {
				size_t start = skip_line(t, len, off);
				/* blank lines between the marker and the header */
				while (start < len && (t[start] == '\n' || t[start] == '\r'))
					start = skip_line(t, len, start);
				a->orig_off = start;
				a->orig_len = len - start;
				a->kind = ARF_INLINE;
				return 1;
			}
		}
	}
	return 0;
}

void
arf_parse(const char *msg, size_t len, struct arf_report *a)
{
	static const struct mime_limits lim = { 8, 256, 0 };
	struct mime_tree tree;
	size_t body;

	memset(a, 0, sizeof(*a));
	a->kind = ARF_DIRECT;
	a->orig_off = 0;
	a->orig_len = len;
	header_fields_find(msg, len, "From", a->reporter, sizeof(a->reporter));
	/* a tree cut short by a limit is still walked as far as it goes */
	mime_parse(msg, len, &lim, &tree);
	body = tree.nparts > 0 ? tree.parts[0].body_off : len;
	if (tree.nparts > 0 && tree.parts[0].kind == MIME_MULTIPART) {
		if (!walk_parts(msg, &tree, a) && !find_inline(msg, len, body, a)) {
			a->kind = ARF_DIRECT;
			a->orig_off = 0;
			a->orig_len = len;
		}
	} else {
		find_inline(msg, len, body, a);
	}
	mime_tree_free(&tree);
	header_fields_find(
	    msg + a->orig_off, a->orig_len, "Subject", a->subject, sizeof(a->subject));
}
