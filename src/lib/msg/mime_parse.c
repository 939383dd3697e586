/*
 * mime_parse: the MIME tree of a message (see mime_parse.h).
 */
#include "msg/mime_parse.h"

#include <stdlib.h>
#include <string.h>

#include "util/str.h"
#include "util/xmalloc.h"

struct pctx {
	const char *buf;
	const struct mime_limits *lim;
	struct mime_tree *t;
	size_t cap;
};

static int
parse_entity(struct pctx *c, size_t start, size_t end, int depth, int parent, int digest_child);

int
mime_part_is(const struct mime_part *p, const char *type, const char *subtype)
{
	return strcmp(p->ct.type, type) == 0 &&
	    (subtype == NULL || strcmp(p->ct.subtype, subtype) == 0);
}

static int
new_part(struct pctx *c, int parent, int depth)
{
	struct mime_tree *t = c->t;
	struct mime_part *p;

	if (t->nparts >= c->lim->max_parts) {
		t->limits |= MIME_LIMIT_PARTS;
		return -1;
	}
	if (t->nparts == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 8;
		if (c->cap > c->lim->max_parts)
			c->cap = c->lim->max_parts;
		t->parts = xrealloc(t->parts, c->cap * sizeof(*t->parts));
	}
	p = &t->parts[t->nparts];
	memset(p, 0, sizeof(*p));
	p->parent = parent;
	p->first_child = p->next = -1;
	p->depth = depth;
	if (parent >= 0) {
		/* append to the parent's children */
		int *link = &t->parts[parent].first_child;
		while (*link >= 0)
			link = &t->parts[*link].next;
		*link = (int)t->nparts;
	}
	return (int)t->nparts++;
}

/* Does boundary a start with b, or b with a? (Either makes lines of one
 * look like lines of the other.) */
static int
boundaries_clash(const char *a, size_t al, const char *b, size_t bl)
{
	return memcmp(a, b, al < bl ? al : bl) == 0;
}

enum { LINE_TEXT, LINE_DELIM, LINE_CLOSE, LINE_AMBIG };

/* RFC 2046 5.1.1: "--" boundary, then "--" for the close delimiter, then
 * only linear white space. Anything else that starts the same way is a
 * line some reader may take for a delimiter. */
static int
classify(const char *s, size_t len, const char *b, size_t bl)
{
	size_t i;
	int close = 0;

	if (len < bl + 2 || s[0] != '-' || s[1] != '-' || memcmp(s + 2, b, bl) != 0)
		return LINE_TEXT;
	i = bl + 2;
	if (i + 2 <= len && s[i] == '-' && s[i + 1] == '-') {
		close = 1;
		i += 2;
	}
	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i != len)
		return LINE_AMBIG;
	return close ? LINE_CLOSE : LINE_DELIM;
}

/* A multipart body: find its parts and parse each. */
static int
parse_multipart(struct pctx *c, int idx)
{
	struct mime_part *p = &c->t->parts[idx];
	const char *buf = c->buf;
	char b[MIME_BOUNDARY_MAX + 1];
	size_t bl = p->ct.boundary_len;
	size_t pos = p->body_off, end = p->body_end, prev_eol = 0, child = 0;
	int open = 0, depth = p->depth, ambig = 0, closed = 0, digest;
	int nchildren = 0;

	memcpy(b, p->ct.boundary, bl);
	digest = strcmp(p->ct.subtype, "digest") == 0;
	while (pos < end) {
		size_t eol, len = mime_line(buf, pos, end, &eol);
		int kind = classify(buf + pos, len, b, bl);

		if (kind == LINE_DELIM || kind == LINE_CLOSE) {
			if (open) {
				/* the line break before a delimiter belongs to it */
				size_t cend = pos - prev_eol > child ? pos - prev_eol : child;
				int k = parse_entity(c, child, cend, depth + 1, idx, digest);
				if (k == -2)
					return -1;
				nchildren++;
				if (k >= 0 && ambig)
					c->t->parts[k].flags |= MIME_P_AMBIG_BODY;
			}
			ambig = 0;
			if (kind == LINE_CLOSE) {
				closed = 1;
				break;
			}
			open = 1;
			child = pos + len + eol;
		} else if (kind == LINE_AMBIG && open) {
			ambig = 1;
		}
		prev_eol = eol;
		pos += len + eol;
		if (eol == 0)
			break;
	}
	if (open && !closed) {
		/* no close delimiter: the last part runs to the end */
		int k = parse_entity(c, child, end > child ? end : child, depth + 1, idx, digest);
		if (k == -2)
			return -1;
		nchildren++;
		if (k >= 0 && ambig)
			c->t->parts[k].flags |= MIME_P_AMBIG_BODY;
	}
	p = &c->t->parts[idx];
	if (!closed)
		p->flags |= MIME_P_UNCLOSED;
	if (nchildren == 0)
		p->flags |= MIME_P_EMPTY;
	return 0;
}

/*
 * One entity (the message, a body part, or an attached message): its
 * header section, its type, and what is inside. Returns its index, -1
 * when it could not be recorded, -2 when a limit stops the parse.
 */
static int
parse_entity(struct pctx *c, size_t start, size_t end, int depth, int parent, int digest_child)
{
	const char *buf = c->buf;
	struct mime_hdrs h;
	struct mime_field f;
	int idx, nct = 0, ncte = 0, ncd = 0;
	struct mime_part *p;
	size_t ct_off = 0, ct_len = 0, cd_off = 0, cd_len = 0;

	if ((size_t)depth > c->lim->max_depth) {
		c->t->limits |= MIME_LIMIT_DEPTH;
		return -2;
	}
	if ((idx = new_part(c, parent, depth)) < 0)
		return -2;
	p = &c->t->parts[idx];
	p->off = p->hdr_end = start;
	p->cte = MIME_CTE_7BIT;
	mime_hdrs_init(&h, buf, start, end, c->lim->max_line);
	while (mime_hdrs_next(&h, &f)) {
		p->nfields++;
		p->hdr_end = f.off + f.len;
		if (mime_field_is(buf, &f, "Content-Type")) {
			if (nct++ == 0) {
				ct_off = f.value_off;
				ct_len = f.value_len;
			}
		} else if (mime_field_is(buf, &f, "Content-Transfer-Encoding")) {
			if (ncte++ == 0)
				p->cte = mime_cte_parse(buf, f.value_off, f.value_len);
		} else if (mime_field_is(buf, &f, "Content-Disposition")) {
			if (ncd++ == 0) {
				cd_off = f.value_off;
				cd_len = f.value_len;
			}
		}
	}
	p->body_off = h.body;
	p->body_end = end;
	p->hdr_longest = h.longest;
	p->hdr_flags = h.flags;
	if (h.flags & MIME_HDR_LONG_LINE) {
		c->t->limits |= MIME_LIMIT_LINE;
		return -2;
	}
	if (nct > 1 || ncte > 1 || ncd > 1)
		p->flags |= MIME_P_AMBIG_HDR;
	/* Inside a part, a header section not ended by an empty line, or a
	 * line of only white space, is read differently by different readers. */
	if (depth > 0 && (h.flags & (MIME_HDR_JUNK | MIME_HDR_WS_LINE)))
		p->flags |= MIME_P_AMBIG_HDR;
	if (nct) {
		p->has_ctype = 1;
		mime_ctype_parse(buf, ct_off, ct_len, &p->ct);
		if (p->ct.bad)
			p->flags |= MIME_P_BAD_TYPE;
	} else {
		/* RFC 2046 5.1.5: parts of a digest are messages by default */
		str_copy(p->ct.type, sizeof(p->ct.type), digest_child ? "message" : "text");
		str_copy(p->ct.subtype, sizeof(p->ct.subtype), digest_child ? "rfc822" : "plain");
	}
	if (ncd)
		mime_disposition_parse(buf, cd_off, cd_len, &p->ct);
	p->kind = MIME_LEAF;
	if (strcmp(p->ct.type, "multipart") == 0) {
		int ok = p->ct.boundary_len > 0;
		/* a boundary that clashes with an enclosing one splits both */
		for (int a = parent; ok && a >= 0; a = c->t->parts[a].parent) {
			const struct mime_part *q = &c->t->parts[a];
			if (q->kind == MIME_MULTIPART &&
			    boundaries_clash(q->ct.boundary, q->ct.boundary_len, p->ct.boundary,
			        p->ct.boundary_len))
				ok = 0;
		}
		if (!ok) {
			p->flags |= MIME_P_BAD_BOUNDARY;
		} else if (p->cte != MIME_CTE_7BIT && p->cte != MIME_CTE_8BIT &&
		    p->cte != MIME_CTE_BINARY) {
			/* RFC 2045 6.4: a multipart is never encoded */
			p->flags |= MIME_P_BAD_CTE;
		} else {
			p->kind = MIME_MULTIPART;
			if (parse_multipart(c, idx) < 0)
				return -2;
		}
	} else if (strcmp(p->ct.type, "message") == 0 &&
	    (strcmp(p->ct.subtype, "rfc822") == 0 || strcmp(p->ct.subtype, "global") == 0)) {
		if (p->cte != MIME_CTE_7BIT && p->cte != MIME_CTE_8BIT &&
		    p->cte != MIME_CTE_BINARY) {
			/* RFC 2046 5.2.1: only identity encodings (message/global
			 * may be encoded: then it stays opaque) */
			if (strcmp(p->ct.subtype, "rfc822") == 0)
				p->flags |= MIME_P_BAD_CTE;
		} else {
			p->kind = MIME_MESSAGE;
			size_t bo = p->body_off, be = p->body_end;
			if (parse_entity(c, bo, be, depth + 1, idx, 0) == -2)
				return -2;
		}
	}
	return idx;
}

int
mime_parse(const char *buf, size_t len, const struct mime_limits *lim, struct mime_tree *t)
{
	struct pctx c = { buf, lim, t, 0 };

	memset(t, 0, sizeof(*t));
	if (lim->max_parts == 0) {
		t->limits |= MIME_LIMIT_PARTS;
		return -1;
	}
	return parse_entity(&c, 0, len, 0, -1, 0) == -2 ? -1 : 0;
}

void
mime_tree_free(struct mime_tree *t)
{
	if (t == NULL)
		return;
	free(t->parts);
	t->parts = NULL;
	t->nparts = 0;
}
