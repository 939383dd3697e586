/*
 * mime_strip: the unsafe copy of a message (see mime_strip.h).
 *
 * Two passes over the parsed tree: decide() chooses for every part to
 * keep it, replace it by a notice, drop it (an HTML alternative) or
 * descend into it; emit() writes the result. Deciding first lets the
 * X-Vouch-Unsafe field at the top name everything that was removed.
 */
#include "msg/mime_strip.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg/mime_html.h"
#include "msg/mime_notice.h"
#include "msg/mime_text.h"
#include "util/xmalloc.h"

/* Text taken from HTML parts, in all (UTF-8, before encoding). */
#define HTML_TEXT_MAX (256 * 1024)
/* HTML read for its text, decoded. */
#define HTML_IN_MAX (2 * 1024 * 1024)
/* Types named in X-Vouch-Unsafe. */
#define SUMMARY_TYPES 8

enum act { ACT_KEEP, ACT_NOTICE, ACT_DESCEND };
enum role { ROLE_TOP, ROLE_PART, ROLE_EMBEDDED };

struct sctx {
	const char *buf;
	size_t len;
	uint64_t total;
	const struct mime_strip_opts *o;
	struct mime_tree t;
	unsigned char *act;  /* enum act, per part */
	unsigned char *drop; /* left out (an alternative not chosen) */
	const char **why;    /* why a notice replaces the part, or NULL */
	unsigned removed;
	char types[SUMMARY_TYPES][100];
	int ntypes, more_types;
	const char *whole; /* the whole body goes: why */
	size_t html_budget;
	char tag[128];
	struct strbuf *out;
};

void
mime_strip_defaults(struct mime_strip_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->subject_tag = "[UNSAFE]";
	o->strip = 1;
	o->html_text = 1;
	o->max_size = 25 * 1024 * 1024;
	o->limits.max_depth = 16;
	o->limits.max_parts = 200;
	o->limits.max_line = 998;
}

size_t
mime_strip_bound(size_t len, const struct mime_strip_opts *o)
{
	/* kept text is copied once; each part may become a notice, each
	 * multipart gets a new Content-Type and delimiters; the text taken
	 * from HTML is quoted-printable (3 octets per octet at most, plus
	 * soft breaks); the top gets a few fields */
	return len + (o->limits.max_parts + 1) * (MIME_NOTICE_MAX + 2 * MIME_BOUNDARY_MAX + 256) +
	    4 * HTML_TEXT_MAX + 16 * 1024;
}

/* --- deciding -------------------------------------------------------- */

static int
is_space_or_tab(char c)
{
	return c == ' ' || c == '\t';
}

/* Why a leaf cannot stay as it is: NULL to keep it, "" for a part that
 * is simply not plain text. Sets c->whole when a line is too long. */
static const char *
keep_problem(struct sctx *c, const struct mime_part *p)
{
	const char *b = c->buf;
	size_t pos = p->body_off, max = c->o->limits.max_line;

	if (!mime_part_is(p, "text", "plain"))
		return "";
	/* attachments are attachments whatever their type: a text/plain
	 * "invoice.html" opens in a browser */
	if (p->ct.disposition == MIME_DISP_ATTACHMENT || p->ct.disposition == MIME_DISP_OTHER ||
	    p->ct.name[0])
		return "";
	if (p->cte == MIME_CTE_OTHER)
		return "its transfer encoding is unknown";
	while (pos < p->body_end) {
		size_t eol, n = mime_line(b, pos, p->body_end, &eol);
		const char *s = b + pos;
		if (max && n > max) {
			c->whole = "it has lines too long to pass on";
			return NULL;
		}
		/* uuencoded or yEnc data: an attachment inside the text, which
		 * some readers decode and offer */
		if (n > 10 && memcmp(s, "begin ", 6) == 0 && s[6] >= '0' && s[6] <= '7' &&
		    s[7] >= '0' && s[7] <= '7' && s[8] >= '0' && s[8] <= '7' &&
		    (s[9] == ' ' || (s[9] >= '0' && s[9] <= '7' && s[10] == ' ')))
			return "it holds uuencoded data (an attachment)";
		if (n > 8 && memcmp(s, "=ybegin ", 8) == 0)
			return "it holds yEnc data (an attachment)";
		pos += n + eol;
		if (eol == 0)
			break;
	}
	return NULL;
}

static const char *
flag_problem(unsigned flags)
{
	if (flags & MIME_P_AMBIG_HDR)
		return "its header fields are malformed or contradictory";
	if (flags & MIME_P_AMBIG_BODY)
		return "it holds a line that looks like a MIME boundary";
	if (flags & MIME_P_BAD_BOUNDARY)
		return "it is a multipart without a usable boundary";
	if (flags & MIME_P_EMPTY)
		return "it is a multipart without parts";
	if (flags & MIME_P_BAD_TYPE)
		return "its Content-Type is malformed";
	if (flags & MIME_P_BAD_CTE)
		return "it has a transfer encoding its type does not allow";
	return NULL;
}

static int
has_html(const struct sctx *c, int idx)
{
	const struct mime_part *p = &c->t.parts[idx];

	if (p->kind == MIME_LEAF)
		return mime_part_is(p, "text", "html");
	for (int k = p->first_child; k >= 0; k = c->t.parts[k].next)
		if (has_html(c, k))
			return 1;
	return 0;
}

/* Decide idx and its subtree; 1 if plain text stays in it. */
static int
decide(struct sctx *c, int idx)
{
	const struct mime_part *p = &c->t.parts[idx];
	const char *why = flag_problem(p->flags & ~(unsigned)MIME_P_UNCLOSED);
	int plain = 0;

	c->why[idx] = NULL;
	if (why) {
		c->act[idx] = ACT_NOTICE;
		c->why[idx] = why;
		return 0;
	}
	if (p->kind == MIME_MESSAGE) {
		if (c->o->strip_messages) {
			c->act[idx] = ACT_NOTICE;
			return 0;
		}
		c->act[idx] = ACT_DESCEND;
		return decide(c, p->first_child);
	}
	if (p->kind == MIME_MULTIPART) {
		int keep = -1, any = 0;
		c->act[idx] = ACT_DESCEND;
		for (int k = p->first_child; k >= 0; k = c->t.parts[k].next) {
			int hp = decide(c, k);
			c->drop[k] = !hp; /* provisional, for alternatives */
			plain |= hp;
		}
		if (strcmp(p->ct.subtype, "alternative") != 0) {
			for (int k = p->first_child; k >= 0; k = c->t.parts[k].next)
				c->drop[k] = 0;
			return plain;
		}
		/* RFC 2046 5.1.4: keep the plain alternatives; without one, the
		 * richest HTML one (the last), which becomes a notice with its
		 * text; without HTML, the last */
		if (plain)
			return 1;
		for (int k = p->first_child; k >= 0; k = c->t.parts[k].next) {
			if (!any)
				keep = k;
			if (has_html(c, k)) {
				keep = k;
				any = 1;
			}
		}
		for (int k = p->first_child; k >= 0; k = c->t.parts[k].next)
			c->drop[k] = k != keep;
		return 0;
	}
	why = keep_problem(c, p);
	if (why == NULL) {
		c->act[idx] = ACT_KEEP;
		return 1;
	}
	c->act[idx] = ACT_NOTICE;
	c->why[idx] = why[0] ? why : NULL;
	return 0;
}

static void
note_type(struct sctx *c, const struct mime_part *p)
{
	char t[100];

	c->removed++;
	if (p->ct.type[0])
		snprintf(t, sizeof(t), "%s/%s", p->ct.type, p->ct.subtype);
	else
		str_copy(t, sizeof(t), "unknown");
	for (int i = 0; i < c->ntypes; i++)
		if (strcmp(c->types[i], t) == 0)
			return;
	if (c->ntypes == SUMMARY_TYPES) {
		c->more_types = 1;
		return;
	}
	str_copy(c->types[c->ntypes++], sizeof(c->types[0]), t);
}

/* Count what goes: notices, and every part of a dropped subtree. */
static void
account(struct sctx *c, int idx, int dropped)
{
	const struct mime_part *p = &c->t.parts[idx];

	dropped |= c->drop[idx];
	if (c->act[idx] == ACT_NOTICE || (c->act[idx] == ACT_KEEP && dropped)) {
		note_type(c, p);
		return;
	}
	if (c->act[idx] == ACT_DESCEND)
		for (int k = p->first_child; k >= 0; k = c->t.parts[k].next)
			account(c, k, dropped);
}

/* --- writing --------------------------------------------------------- */

/* Copy a field, leaving out continuation lines of only white space and
 * ending its last line with CRLF if it had no line break. */
static int
copy_field(struct sctx *c, const char *s, size_t len)
{
	size_t pos = 0;

	while (pos < len) {
		size_t eol, n = mime_line(s, pos, len, &eol), i = 0;
		while (pos > 0 && i < n && is_space_or_tab(s[pos + i]))
			i++;
		if (!(pos > 0 && i == n) &&
		    (strbuf_append(c->out, s + pos, n + eol) < 0 ||
		        (eol == 0 && strbuf_puts(c->out, "\r\n") < 0)))
			return -1;
		pos += n + eol;
		if (eol == 0)
			break;
	}
	return 0;
}

static int
field_longest(const char *s, size_t len)
{
	size_t pos = 0, longest = 0;

	while (pos < len) {
		size_t eol, n = mime_line(s, pos, len, &eol);
		if (n > longest)
			longest = n;
		pos += n + eol;
		if (eol == 0)
			break;
	}
	return (int)(longest > 100000 ? 100000 : longest);
}

static int
summary(struct sctx *c)
{
	struct strbuf s;
	int rc;

	strbuf_init(&s, 2048);
	if (c->whole)
		strbuf_printf(&s, "body removed (%s)", c->whole);
	else if (!c->o->strip)
		strbuf_puts(&s, "not stripped");
	else if (c->removed == 0)
		strbuf_puts(&s, "nothing stripped");
	else {
		strbuf_printf(&s, "stripped %u part%s (", c->removed, c->removed == 1 ? "" : "s");
		for (int i = 0; i < c->ntypes; i++)
			strbuf_printf(&s, "%s%s", i ? ", " : "", c->types[i]);
		strbuf_puts(&s, c->more_types ? ", ...)" : ")");
	}
	rc = mime_notice_summary(s.s, c->o->reason, c->out);
	strbuf_free(&s);
	return rc;
}

/* The subtype a multipart keeps: nothing refers to anything any more
 * (related), and signatures no longer hold (signed, encrypted). */
static const char *
multipart_subtype(const struct mime_part *p)
{
	if (strcmp(p->ct.subtype, "alternative") == 0 || strcmp(p->ct.subtype, "digest") == 0)
		return p->ct.subtype;
	return "mixed";
}

/*
 * The header fields of an entity, from buf[off..end). At the top the
 * Subject is tagged and X-Vouch-Unsafe replaced; an entity that becomes a
 * notice loses its Content-* fields and gets the notice's; a multipart
 * gets its Content-Type written anew.
 */
static int
emit_fields(
    struct sctx *c, int idx, size_t off, size_t end, enum role role, enum act a, int cut_last)
{
	const struct mime_part *p = idx >= 0 ? &c->t.parts[idx] : NULL;
	int notice = a == ACT_NOTICE, regen = a == ACT_DESCEND && p && p->kind == MIME_MULTIPART;
	int wrote_ct = 0, subject = 0, mv = 0, rc = 0;
	struct mime_hdrs h;
	struct mime_field f;
	size_t max = c->o->limits.max_line;

	if (role == ROLE_PART && notice)
		return mime_notice_fields(c->out) |
		    strbuf_puts(c->out, "Content-Disposition: inline\r\n");
	if (role == ROLE_TOP && summary(c) < 0)
		return -1;
	mime_hdrs_init(&h, c->buf, off, end, 0);
	while (rc == 0 && mime_hdrs_next(&h, &f)) {
		const char *s = c->buf + f.off;
		if (cut_last && h.pos >= end)
			break; /* maybe cut short by the end of what was read */
		if (role == ROLE_TOP && mime_field_is(c->buf, &f, "X-Vouch-Unsafe"))
			continue;
		if (c->whole && max && (size_t)field_longest(s, f.len) > max)
			continue;
		if (mime_field_is(c->buf, &f, "MIME-Version"))
			mv = 1;
		if (mime_field_is(c->buf, &f, "Content-Type")) {
			if (wrote_ct && (notice || regen))
				continue;
			if (notice) {
				rc = mime_notice_fields(c->out);
				wrote_ct = 1;
				continue;
			}
			if (regen) {
				rc = strbuf_printf(c->out,
				    "Content-Type: multipart/%s;\r\n boundary=\"%s\"\r\n",
				    multipart_subtype(p), p->ct.boundary);
				wrote_ct = 1;
				continue;
			}
		}
		if (notice &&
		    (mime_field_is(c->buf, &f, "Content-Transfer-Encoding") ||
		        mime_field_is(c->buf, &f, "Content-Disposition")))
			continue;
		if (role == ROLE_TOP && c->tag[0] && mime_field_is(c->buf, &f, "Subject")) {
			struct strbuf t;
			strbuf_init(&t, f.len + 256);
			subject = 1;
			rc = mime_notice_subject(c->buf, &f, c->tag, &t);
			if (rc == 0)
				rc = copy_field(c, t.s, t.len);
			strbuf_free(&t);
			continue;
		}
		rc = copy_field(c, s, f.len);
	}
	if (rc == 0 && role == ROLE_TOP && c->tag[0] && !subject)
		rc = strbuf_printf(c->out, "Subject: %s\r\n", c->tag);
	if (rc == 0 && role == ROLE_TOP && !mv && c->o->strip)
		rc = strbuf_puts(c->out, "MIME-Version: 1.0\r\n");
	if (rc == 0 && notice && !wrote_ct)
		rc = mime_notice_fields(c->out);
	return rc;
}

/* The text of an HTML part, for its notice, within the budget left. */
static void
html_text(struct sctx *c, const struct mime_part *p, struct strbuf *text)
{
	struct strbuf raw, utf;
	size_t n = p->body_end - p->body_off;
	const char *b = c->buf + p->body_off;

	if (c->html_budget == 0)
		return;
	/* the first 2 MiB of HTML give text enough */
	strbuf_init(&raw, HTML_IN_MAX);
	if (p->cte == MIME_CTE_BASE64)
		mime_text_b64_decode(b, n, &raw);
	else if (p->cte == MIME_CTE_QP)
		mime_text_qp_decode(b, n, &raw);
	else if (p->cte != MIME_CTE_OTHER)
		strbuf_append(&raw, b, n < HTML_IN_MAX ? n : HTML_IN_MAX);
	strbuf_init(&utf, 4 * raw.len + 16);
	/* no charset: UTF-8 if it is (and '?' where it is not) */
	mime_text_to_utf8(
	    p->ct.charset[0] ? p->ct.charset : "utf-8", raw.s ? raw.s : "", raw.len, &utf);
	strbuf_free(&raw);
	strbuf_init(text, c->html_budget);
	mime_html_text(utf.s ? utf.s : "", utf.len, text);
	strbuf_free(&utf);
	c->html_budget -= text->len < c->html_budget ? text->len : c->html_budget;
}

static int
emit_notice_body(struct sctx *c, const struct mime_part *p, int idx)
{
	struct mime_notice n;
	struct strbuf text;
	char type[100];
	uint64_t size = p->body_end - p->body_off;
	int rc;

	memset(&n, 0, sizeof(n));
	memset(&text, 0, sizeof(text));
	if (p->ct.type[0])
		snprintf(type, sizeof(type), "%s/%s", p->ct.type, p->ct.subtype);
	else
		str_copy(type, sizeof(type), "unknown");
	if (p->cte == MIME_CTE_BASE64)
		size = size * 3 / 4;
	n.type = type;
	n.name = p->ct.name;
	n.size = size;
	n.why = c->why[idx];
	n.top = p->parent < 0 || c->t.parts[p->parent].kind == MIME_MESSAGE;
	if (c->o->html_text && p->kind == MIME_LEAF && mime_part_is(p, "text", "html") && !n.why) {
		html_text(c, p, &text);
		n.text = text.s;
		n.textlen = text.len;
	}
	rc = mime_notice_body(&n, c->out);
	strbuf_free(&text);
	return rc;
}

static int
emit_entity(struct sctx *c, int idx, enum role role)
{
	const struct mime_part *p = &c->t.parts[idx];
	enum act a = c->act[idx];

	if (emit_fields(c, idx, p->off, p->hdr_end, role, a, 0) < 0 ||
	    strbuf_puts(c->out, "\r\n") < 0)
		return -1;
	if (a == ACT_KEEP)
		return strbuf_append(c->out, c->buf + p->body_off, p->body_end - p->body_off);
	if (a == ACT_NOTICE)
		return emit_notice_body(c, p, idx);
	if (p->kind == MIME_MESSAGE)
		return emit_entity(c, p->first_child, ROLE_EMBEDDED);
	for (int k = p->first_child; k >= 0; k = c->t.parts[k].next) {
		if (c->drop[k])
			continue;
		if (strbuf_printf(c->out, "--%s\r\n", p->ct.boundary) < 0 ||
		    emit_entity(c, k, ROLE_PART) < 0 || strbuf_puts(c->out, "\r\n") < 0)
			return -1;
	}
	return strbuf_printf(c->out, "--%s--\r\n", p->ct.boundary);
}

/* Past a limit: the header fields and a notice in place of the body. */
static int
emit_whole(struct sctx *c)
{
	struct mime_hdrs h;
	struct mime_field f;
	struct mime_notice n;
	struct mime_ctype ct;
	char type[100] = "";
	size_t end;

	/* find the header section again: the tree may be incomplete */
	memset(&ct, 0, sizeof(ct));
	mime_hdrs_init(&h, c->buf, 0, c->len, 0);
	end = 0;
	while (mime_hdrs_next(&h, &f)) {
		end = f.off + f.len;
		if (mime_field_is(c->buf, &f, "Content-Type") && type[0] == '\0') {
			mime_ctype_parse(c->buf, f.value_off, f.value_len, &ct);
			if (ct.type[0])
				snprintf(type, sizeof(type), "%s/%s", ct.type, ct.subtype);
		}
	}
	if (emit_fields(c, -1, 0, end, ROLE_TOP, ACT_NOTICE,
	        c->total > c->len && (h.flags & MIME_HDR_NO_BLANK)) < 0 ||
	    strbuf_puts(c->out, "\r\n") < 0)
		return -1;
	memset(&n, 0, sizeof(n));
	n.type = type[0] ? type : "text/plain";
	n.size = c->total > h.body ? c->total - h.body : 0;
	n.why = c->whole;
	n.whole = 1;
	return mime_notice_body(&n, c->out);
}

int
mime_strip(const char *msg, size_t len, uint64_t total, const struct mime_strip_opts *o,
    struct strbuf *out, struct mime_strip_info *info)
{
	struct sctx c;
	int rc;

	memset(info, 0, sizeof(*info));
	memset(&c, 0, sizeof(c));
	c.buf = msg;
	c.len = len;
	c.total = total < len ? len : total;
	c.o = o;
	c.out = out;
	c.html_budget = HTML_TEXT_MAX;
	mime_notice_tag(o->subject_tag, c.tag, sizeof(c.tag));

	if (!o->strip) {
		/* only the header fields change */
		struct mime_hdrs h;
		struct mime_field f;
		size_t end = 0;
		mime_hdrs_init(&h, msg, 0, len, 0);
		while (mime_hdrs_next(&h, &f))
			end = f.off + f.len;
		if (c.total > len && (h.flags & MIME_HDR_NO_BLANK)) {
			/* the last field may go on beyond what was read */
			mime_hdrs_init(&h, msg, 0, len, 0);
			size_t last = 0;
			while (mime_hdrs_next(&h, &f))
				if (f.off + f.len < len)
					last = f.off + f.len;
			end = last;
			h.body = last;
		}
		if (emit_fields(&c, -1, 0, end, ROLE_TOP, ACT_KEEP, 0) < 0 ||
		    strbuf_puts(out, "\r\n") < 0)
			return -1;
		if (c.total > len) {
			info->rest = h.body;
			info->has_rest = 1;
			return 0;
		}
		return strbuf_append(out, msg + h.body, len - h.body);
	}
	if (c.total > o->max_size)
		c.whole = "the message is too large to strip";
	else if (mime_parse(msg, len, &o->limits, &c.t) < 0)
		c.whole = c.t.limits & MIME_LIMIT_DEPTH ? "its parts are nested too deeply"
		    : c.t.limits & MIME_LIMIT_PARTS     ? "it has too many parts"
		                                        : "it has lines too long to pass on";
	if (c.whole == NULL) {
		c.act = xcalloc(c.t.nparts, 1);
		c.drop = xcalloc(c.t.nparts, 1);
		c.why = xcalloc(c.t.nparts, sizeof(*c.why));
		decide(&c, 0);
		if (c.whole == NULL)
			account(&c, 0, 0);
	}
	if (c.whole) {
		info->replaced = 1;
		info->why = c.whole;
		info->removed = 1;
		rc = emit_whole(&c);
	} else {
		info->removed = c.removed;
		rc = emit_entity(&c, 0, ROLE_TOP);
	}
	free(c.act);
	free(c.drop);
	free(c.why);
	mime_tree_free(&c.t);
	return rc < 0 ? -1 : 0;
}

int
mime_strip_check(const char *msg, size_t len, const struct mime_limits *lim, const char **why)
{
	struct mime_tree t;
	int rc = 0, mv = 0;
	struct mime_hdrs h;
	struct mime_field f;

	*why = NULL;
	if (mime_parse(msg, len, lim, &t) < 0) {
		*why = "a limit is exceeded";
		mime_tree_free(&t);
		return -1;
	}
	mime_hdrs_init(&h, msg, 0, len, 0);
	while (mime_hdrs_next(&h, &f))
		if (mime_field_is(msg, &f, "MIME-Version"))
			mv = 1;
	if (!mv)
		*why = "no MIME-Version field";
	for (size_t i = 0; i < t.nparts && *why == NULL; i++) {
		const struct mime_part *p = &t.parts[i];
		if (p->hdr_flags & (MIME_HDR_JUNK | MIME_HDR_NO_BLANK | MIME_HDR_WS_LINE))
			*why = "a header section does not end with an empty line";
		else if (p->flags)
			*why = flag_problem(p->flags) ? flag_problem(p->flags)
			                              : "a multipart is not closed";
		else if (p->kind == MIME_LEAF &&
		    (!mime_part_is(p, "text", "plain") ||
		        p->ct.disposition == MIME_DISP_ATTACHMENT || p->ct.name[0]))
			*why = "a part other than plain text is left";
	}
	if (*why)
		rc = -1;
	mime_tree_free(&t);
	return rc;
}
