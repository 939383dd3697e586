/*
 * reg_arf: feedback reports and forwarded messages (see reg_arf.h).
 */
#include "reg_arf.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "reg_msg.h"
#include "util/str.h"

const char *
reg_arf_kind_name(enum reg_arf_kind k)
{
	switch (k) {
	case REG_ARF_FEEDBACK: return "arf";
	case REG_ARF_ATTACHED: return "attached";
	case REG_ARF_INLINE: return "inline";
	case REG_ARF_DIRECT: return "direct";
	}
	return "unknown";
}

/* Find "\n--boundary" at or after off; returns the offset of the "--" or len. */
static size_t
find_boundary(const char *t, size_t len, size_t off, const char *b, size_t bl)
{
	for (size_t i = off; i + 2 + bl <= len; i++) {
		if ((i == 0 || t[i - 1] == '\n') && t[i] == '-' && t[i + 1] == '-' &&
		    memcmp(t + i + 2, b, bl) == 0)
			return i;
	}
	return len;
}

static size_t
skip_line(const char *t, size_t len, size_t off)
{
	const char *nl = memchr(t + off, '\n', len - off);

	return nl ? (size_t)(nl - t) + 1 : len;
}

/* RFC 5965 3.1/3.2: the machine-readable part is a block of fields. */
static void
parse_feedback_fields(const char *t, size_t len, struct reg_arf *a)
{
	struct reg_msg_reader r;
	struct reg_msg_field *f = malloc(sizeof(*f));

	if (f == NULL)
		return;
	reg_msg_reader_init(&r, t, len);
	while (reg_msg_next(&r, f)) {
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
		} else if (str_ieq(f->name, "Original-Rcpt-To") && a->nrcpt < REG_ARF_RCPTS) {
			str_copy(
			    a->original_rcpt_to[a->nrcpt++], sizeof(a->original_rcpt_to[0]), v);
		}
	}
	free(f);
}

/*
 * Walk the parts of a multipart body. Returns 1 when a reported message
 * was found (and fills a).
 */
static int
walk_parts(
    const char *t, size_t len, size_t body, const char *boundary, struct reg_arf *a, int is_report)
{
	size_t bl = strlen(boundary), pos = find_boundary(t, len, body, boundary, bl);
	int found = 0, feedback = 0;

	while (pos < len) {
		size_t start, end, pbody;
		char ct[512] = "", mt[64];

		/* "--boundary--" closes the multipart */
		if (pos + 2 + bl + 2 <= len && t[pos + 2 + bl] == '-' && t[pos + 3 + bl] == '-')
			break;
		start = skip_line(t, len, pos);
		end = find_boundary(t, len, start, boundary, bl);
		/* the CRLF before the boundary belongs to the boundary */
		{
			size_t e = end;
			if (e > start && t[e - 1] == '\n')
				e--;
			if (e > start && t[e - 1] == '\r')
				e--;
			reg_msg_find(t + start, e - start, "Content-Type", ct, sizeof(ct));
			reg_msg_media_type(ct, mt, sizeof(mt));
			pbody = start + reg_msg_body_offset(t + start, e - start);
			if (pbody > e)
				pbody = e;
			if (strcmp(mt, "message/feedback-report") == 0) {
				parse_feedback_fields(t + pbody, e - pbody, a);
				feedback = 1;
			} else if ((strcmp(mt, "message/rfc822") == 0 ||
			               strcmp(mt, "text/rfc822-headers") == 0 ||
			               strcmp(mt, "message/rfc822-headers") == 0) &&
			    !found) {
				a->orig_off = pbody;
				a->orig_len = e - pbody;
				found = 1;
			}
		}
		pos = end;
	}
	if (found)
		a->kind = (is_report && feedback) ? REG_ARF_FEEDBACK : REG_ARF_ATTACHED;
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
find_inline(const char *t, size_t len, size_t body, struct reg_arf *a)
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
				a->kind = REG_ARF_INLINE;
				return 1;
			}
		}
	}
	return 0;
}

void
reg_arf_parse(const char *msg, size_t len, struct reg_arf *a)
{
	char ct[1024] = "", mt[64], boundary[256], rt[64];
	size_t body = reg_msg_body_offset(msg, len);

	memset(a, 0, sizeof(*a));
	a->kind = REG_ARF_DIRECT;
	a->orig_off = 0;
	a->orig_len = len;
	reg_msg_find(msg, len, "From", a->reporter, sizeof(a->reporter));
	reg_msg_find(msg, len, "Content-Type", ct, sizeof(ct));
	reg_msg_media_type(ct, mt, sizeof(mt));
	if (strncmp(mt, "multipart/", 10) == 0 &&
	    reg_msg_param(ct, "boundary", boundary, sizeof(boundary))) {
		int is_report = strcmp(mt, "multipart/report") == 0 &&
		    reg_msg_param(ct, "report-type", rt, sizeof(rt)) &&
		    str_ieq(rt, "feedback-report");
		if (!walk_parts(msg, len, body, boundary, a, is_report) &&
		    !find_inline(msg, len, body, a)) {
			a->kind = REG_ARF_DIRECT;
			a->orig_off = 0;
			a->orig_len = len;
		}
	} else {
		find_inline(msg, len, body, a);
	}
	reg_msg_find(msg + a->orig_off, a->orig_len, "Subject", a->subject, sizeof(a->subject));
}
