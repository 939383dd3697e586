/*
 * dkim_canon: RFC 6376 3.4 canonicalization and the body hash (see
 * dkim_canon.h).
 */
#include "auth/dkim_canon.h"

#include <string.h>

#include "util/log.h"

void
dkim_sink_md(void *arg, const void *p, size_t n)
{
	if (n && EVP_DigestUpdate((EVP_MD_CTX *)arg, p, n) != 1)
		log_panic("EVP_DigestUpdate failed");
}

/* 3.4.2 relaxed header canonicalization, written out in one pass. */
static void
relaxed_header(const char *f, size_t len, int crlf, dkim_sink sink, void *arg)
{
	char buf[512];
	size_t o = 0, i = 0, name_end;
	int space = 0, any = 0;
	const char *colon = memchr(f, ':', len);

	name_end = colon ? (size_t)(colon - f) : len;
	/* the name in lower case, without white space before the colon */
	size_t nl = name_end;
	while (nl > 0 && (f[nl - 1] == ' ' || f[nl - 1] == '\t'))
		nl--;
	for (i = 0; i < nl; i++) {
		char c = f[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		buf[o++] = c;
		if (o == sizeof(buf)) {
			sink(arg, buf, o);
			o = 0;
		}
	}
	buf[o++] = ':';
	for (i = name_end + 1; i < len; i++) {
		char c = f[i];
		/* unfold: a CRLF inside a field is a fold */
		if (c == '\r' && i + 1 < len && f[i + 1] == '\n') {
			i++;
			continue;
		}
		if (c == ' ' || c == '\t') {
			space = 1;
			continue;
		}
		if (o + 2 > sizeof(buf)) {
			sink(arg, buf, o);
			o = 0;
		}
		/* white space runs become one SP; none after the colon or at the end */
		if (space && any)
			buf[o++] = ' ';
		space = 0;
		any = 1;
		buf[o++] = c;
	}
	if (o + 2 > sizeof(buf)) {
		sink(arg, buf, o);
		o = 0;
	}
	if (crlf) {
		buf[o++] = '\r';
		buf[o++] = '\n';
	}
	sink(arg, buf, o);
}

void
dkim_canon_header(
    enum dkim_canon c, const char *field, size_t len, int crlf, dkim_sink sink, void *arg)
{
	if (c == DKIM_CANON_RELAXED) {
		relaxed_header(field, len, crlf, sink, arg);
		return;
	}
	/* 3.4.1 simple: the field exactly as it is */
	sink(arg, field, len);
	if (crlf)
		sink(arg, "\r\n", 2);
}

/* --- body ----------------------------------------------------------- */

static void
flush(struct dkim_canon_body *b)
{
	if (b->blen) {
		b->sink(b->arg, b->buf, b->blen);
		b->blen = 0;
	}
}

static void
put(struct dkim_canon_body *b, const char *p, size_t n)
{
	b->emitted += n;
	if (n > sizeof(b->buf) / 2) {
		flush(b);
		b->sink(b->arg, p, n);
		return;
	}
	if (b->blen + n > sizeof(b->buf))
		flush(b);
	memcpy(b->buf + b->blen, p, n);
	b->blen += n;
}

/* Text on the line: the empty lines held back were not the end after all. */
static void
content(struct dkim_canon_body *b, const char *p, size_t n)
{
	while (b->pending_crlf) {
		put(b, "\r\n", 2);
		b->pending_crlf--;
	}
	if (b->pending_wsp) {
		put(b, " ", 1);
		b->pending_wsp = 0;
	}
	put(b, p, n);
	b->line_content = 1;
}

static void
line_end(struct dkim_canon_body *b)
{
	b->pending_wsp = 0; /* relaxed: trailing white space is dropped */
	if (b->line_content) {
		put(b, "\r\n", 2);
		b->line_content = 0;
	} else {
		b->pending_crlf++; /* an empty line: held until text follows */
	}
}

void
dkim_canon_body_init(struct dkim_canon_body *b, enum dkim_canon c, dkim_sink sink, void *arg)
{
	memset(b, 0, sizeof(*b));
	b->canon = c;
	b->sink = sink;
	b->arg = arg;
}

void
dkim_canon_body_feed(struct dkim_canon_body *b, const char *p, size_t n)
{
	int relaxed = b->canon == DKIM_CANON_RELAXED;
	size_t i = 0;

	while (i < n) {
		if (b->cr) {
			b->cr = 0;
			if (p[i] == '\n') {
				line_end(b);
				i++;
				continue;
			}
			content(b, "\r", 1);
		}
		char c = p[i];
		if (c == '\r') {
			b->cr = 1;
			i++;
			continue;
		}
		if (c == '\n') {
			line_end(b);
			i++;
			continue;
		}
		if (relaxed && (c == ' ' || c == '\t')) {
			b->pending_wsp = 1;
			i++;
			continue;
		}
		/* a run of ordinary octets goes out in one piece */
		size_t j = i + 1;
		while (j < n && p[j] != '\r' && p[j] != '\n' &&
		    !(relaxed && (p[j] == ' ' || p[j] == '\t')))
			j++;
		content(b, p + i, j - i);
		i = j;
	}
}

void
dkim_canon_body_finish(struct dkim_canon_body *b)
{
	if (b->cr) {
		b->cr = 0;
		content(b, "\r", 1);
	}
	/* 3.4.3, 3.4.4: a last line without CRLF gets one; trailing empty
	 * lines (pending) are dropped */
	if (b->line_content) {
		put(b, "\r\n", 2);
		b->line_content = 0;
	}
	/* 3.4.3: an empty body is one CRLF in simple canonicalization */
	if (b->canon == DKIM_CANON_SIMPLE && b->emitted == 0)
		put(b, "\r\n", 2);
	b->pending_crlf = 0;
	flush(b);
}

/* --- body hash ------------------------------------------------------ */

static void
bodyhash_sink(void *arg, const void *p, size_t n)
{
	struct dkim_bodyhash *h = arg;

	h->total += n;
	if (h->has_limit) {
		if (h->hashed >= h->limit)
			return;
		if (n > h->limit - h->hashed)
			n = (size_t)(h->limit - h->hashed);
	}
	dkim_sink_md(h->md, p, n);
	h->hashed += n;
}

void
dkim_bodyhash_init(
    struct dkim_bodyhash *h, enum dkim_canon c, int has_limit, unsigned long long limit)
{
	memset(h, 0, sizeof(*h));
	h->md = EVP_MD_CTX_new();
	if (h->md == NULL || EVP_DigestInit_ex(h->md, EVP_sha256(), NULL) != 1)
		log_panic("cannot start SHA-256");
	h->has_limit = has_limit;
	h->limit = limit;
	dkim_canon_body_init(&h->canon, c, bodyhash_sink, h);
}

void
dkim_bodyhash_feed(struct dkim_bodyhash *h, const char *p, size_t n)
{
	if (!h->done)
		dkim_canon_body_feed(&h->canon, p, n);
}

void
dkim_bodyhash_finish(struct dkim_bodyhash *h)
{
	unsigned len = 0;

	if (h->done)
		return;
	dkim_canon_body_finish(&h->canon);
	if (EVP_DigestFinal_ex(h->md, h->digest, &len) != 1 || len != 32)
		log_panic("SHA-256 failed");
	h->done = 1;
}

void
dkim_bodyhash_free(struct dkim_bodyhash *h)
{
	if (h == NULL)
		return;
	EVP_MD_CTX_free(h->md);
	h->md = NULL;
}
