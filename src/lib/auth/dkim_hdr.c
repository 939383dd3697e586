/*
 * dkim_hdr: the header section, collected (see dkim_hdr.h).
 */
#include "auth/dkim_hdr.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/str.h"
#include "util/xmalloc.h"

enum { H_LINE_START, H_START_CR, H_NAME, H_VALUE, H_CR };

void
dkim_hdr_init(struct dkim_hdr *h, size_t max)
{
	memset(h, 0, sizeof(*h));
	strbuf_init(&h->text, max);
}

void
dkim_hdr_free(struct dkim_hdr *h)
{
	if (h == NULL)
		return;
	strbuf_free(&h->text);
	free(h->f);
	h->f = NULL;
	h->nf = h->capf = 0;
}

static int
is_namechar(unsigned char c)
{
	return c >= 33 && c <= 126 && c != ':';
}

static void
close_field(struct dkim_hdr *h)
{
	if (!h->open)
		return;
	struct dkim_hfield *f = &h->f[h->nf - 1];
	size_t end = h->text.len;
	/* the final CRLF is not part of the field's text */
	if (end >= f->off + 2 && h->text.s[end - 2] == '\r' && h->text.s[end - 1] == '\n')
		end -= 2;
	f->len = end - f->off;
	h->open = 0;
}

static void
end_header(struct dkim_hdr *h)
{
	close_field(h);
	h->done = 1;
}

static int
add(struct dkim_hdr *h, const char *p, size_t n)
{
	if (strbuf_append(&h->text, p, n) < 0) {
		h->overflow = 1;
		h->done = 1;
		return -1;
	}
	return 0;
}

/* The line begun at line_start is no field: it starts the body. */
static void
junk_line(struct dkim_hdr *h)
{
	size_t n = h->text.len - h->line_start;

	if (n > sizeof(h->prefix))
		n = sizeof(h->prefix); /* cannot happen: junk is decided early */
	if (n)
		memcpy(h->prefix, h->text.s + h->line_start, n);
	h->prefix_len = n;
	/* nothing collected yet (junk on the first line): no text to cut */
	if (h->text.s) {
		h->text.len = h->line_start;
		h->text.s[h->text.len] = '\0';
	}
	end_header(h);
}

static void
new_field(struct dkim_hdr *h)
{
	if (h->nf == h->capf) {
		h->capf = h->capf ? h->capf * 2 : 32;
		h->f = xrealloc(h->f, h->capf * sizeof(*h->f));
	}
	h->f[h->nf++] = (struct dkim_hfield){ h->text.len, 0, 0, 0 };
	h->open = 1;
}

size_t
dkim_hdr_feed(struct dkim_hdr *h, const char *p, size_t n)
{
	size_t i = 0;

	while (i < n && !h->done) {
		unsigned char c = (unsigned char)p[i];
		switch (h->state) {
		case H_LINE_START:
			if (c == '\r') {
				h->state = H_START_CR;
				i++;
			} else if (c == '\n') {
				end_header(h); /* a bare LF empty line */
				i++;
			} else if (c == ' ' || c == '\t') {
				if (!h->open) {
					end_header(h); /* the body starts with this line */
					break;
				}
				h->state = H_VALUE; /* a continuation line */
			} else {
				close_field(h);
				h->line_start = h->text.len;
				if (!is_namechar(c)) {
					junk_line(h);
					break;
				}
				new_field(h);
				h->state = H_NAME;
			}
			break;
		case H_START_CR:
			if (c == '\n') {
				end_header(h);
				i++;
			} else {
				/* a CR at the start of a line: not a field */
				close_field(h);
				h->prefix[0] = '\r';
				h->prefix_len = 1;
				end_header(h);
			}
			break;
		case H_NAME: {
			/* a name longer than the prefix could hold is no field */
			size_t room = sizeof(h->prefix) - 1 - (h->text.len - h->line_start);
			size_t j = i;
			while (j < n && j - i < room && is_namechar((unsigned char)p[j]))
				j++;
			if (j > i && add(h, p + i, j - i) < 0)
				return n;
			i = j;
			if (i >= n)
				break;
			if (p[i] == ':') {
				h->f[h->nf - 1].name_len = h->text.len - h->line_start;
				if (add(h, ":", 1) < 0)
					return n;
				h->state = H_VALUE;
				i++;
			} else {
				/* white space, a line end or a control in the name */
				h->nf--;
				h->open = 0;
				junk_line(h);
			}
			break;
		}
		case H_VALUE: {
			size_t j = i;
			while (j < n && p[j] != '\r' && p[j] != '\n')
				j++;
			if (j > i && add(h, p + i, j - i) < 0)
				return n;
			i = j;
			if (i >= n)
				break;
			if (p[i] == '\r') {
				h->state = H_CR;
			} else {
				if (add(h, "\r\n", 2) < 0) /* bare LF read as CRLF */
					return n;
				h->state = H_LINE_START;
			}
			i++;
			break;
		}
		case H_CR:
			if (c == '\n') {
				if (add(h, "\r\n", 2) < 0)
					return n;
				h->state = H_LINE_START;
				i++;
			} else {
				if (add(h, "\r", 1) < 0) /* a CR inside a value */
					return n;
				h->state = H_VALUE;
			}
			break;
		}
	}
	if (h->overflow)
		return n;
	return i;
}

void
dkim_hdr_finish(struct dkim_hdr *h)
{
	if (h->done)
		return;
	if (h->state == H_CR)
		add(h, "\r", 1);
	else if (h->state == H_START_CR) {
		h->prefix[0] = '\r';
		h->prefix_len = 1;
	} else if (h->state == H_NAME) {
		h->nf--;
		h->open = 0;
		junk_line(h);
		return;
	}
	end_header(h);
}

const char *
dkim_hdr_field(const struct dkim_hdr *h, size_t i, size_t *len)
{
	*len = h->f[i].len;
	return h->text.s + h->f[i].off;
}

int
dkim_hdr_is(const struct dkim_hdr *h, size_t i, const char *name, size_t namelen)
{
	return h->f[i].name_len == namelen &&
	    strncasecmp(h->text.s + h->f[i].off, name, namelen) == 0;
}

const char *
dkim_hdr_value(const struct dkim_hdr *h, size_t i, size_t *len)
{
	*len = h->f[i].len - h->f[i].name_len - 1;
	return h->text.s + h->f[i].off + h->f[i].name_len + 1;
}

void
dkim_hdr_pick_reset(struct dkim_hdr *h)
{
	for (size_t i = 0; i < h->nf; i++)
		h->f[i].used = 0;
}

long
dkim_hdr_pick(struct dkim_hdr *h, const char *name, size_t namelen)
{
	for (size_t i = h->nf; i-- > 0;) {
		if (!h->f[i].used && dkim_hdr_is(h, i, name, namelen)) {
			h->f[i].used = 1;
			return (long)i;
		}
	}
	return -1;
}

int
dkim_hdr_prepend(struct dkim_hdr *h, const char *text, size_t len)
{
	struct dkim_hdr t;
	size_t base;
	int rc = 0;

	if (h->overflow)
		return -1;
	/* the fields read as a header section of their own */
	dkim_hdr_init(&t, len + 2);
	dkim_hdr_feed(&t, text, len);
	dkim_hdr_feed(&t, "\r\n", 2);
	dkim_hdr_finish(&t);
	if (t.overflow || t.nf == 0 || t.prefix_len) {
		dkim_hdr_free(&t);
		return -1; /* not fields, or too long */
	}
	base = h->text.len;
	if (strbuf_append(&h->text, t.text.s, t.text.len) < 0) {
		h->overflow = 1;
		dkim_hdr_free(&t);
		return -1;
	}
	if (h->nf + t.nf > h->capf) {
		h->capf = h->nf + t.nf + 32;
		h->f = xrealloc(h->f, h->capf * sizeof(*h->f));
	}
	memmove(h->f + t.nf, h->f, h->nf * sizeof(*h->f));
	for (size_t i = 0; i < t.nf; i++) {
		h->f[i] = t.f[i];
		h->f[i].off += base;
		h->f[i].used = 0;
	}
	h->nf += t.nf;
	dkim_hdr_free(&t);
	return rc;
}
