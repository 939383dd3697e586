/*
 * Fuzz target: canonicalization (dkim_canon.c, RFC 6376 3.4) and the
 * header collector (dkim_hdr.c). The first octet picks the body
 * canonicalization and a split point; the rest is a message.
 *
 *   - the body's canonical form is the same fed whole, split in two at any
 *     point, and one octet at a time (a CRLF may be cut anywhere);
 *   - it is a fixed point: canonicalizing it again changes nothing;
 *   - simple ends with exactly one CRLF after text, or is CRLF alone;
 *     relaxed has no white space before a line end, no runs of white space,
 *     and is empty or ends with CRLF followed by text;
 *   - the header collector takes the same fields whatever the chunking,
 *     each field's relaxed form is one line: "name:value" + CRLF, name in
 *     lower case, no white space at either end of the value.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/dkim_canon.h"
#include "auth/dkim_hdr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
sink(void *arg, const void *p, size_t n)
{
	if (strbuf_append(arg, p, n) < 0)
		abort();
}

/* Equal contents (an empty strbuf may hold no buffer at all). */
static int
same(const struct strbuf *a, const struct strbuf *b)
{
	return a->len == b->len && (a->len == 0 || memcmp(a->s, b->s, a->len) == 0);
}

static void
canon(enum dkim_canon c, const char *p, size_t n, size_t split, size_t step, struct strbuf *out)
{
	struct dkim_canon_body b;

	strbuf_reset(out);
	dkim_canon_body_init(&b, c, sink, out);
	if (step) {
		for (size_t off = 0; off < n; off += step)
			dkim_canon_body_feed(&b, p + off, n - off < step ? n - off : step);
	} else {
		dkim_canon_body_feed(&b, p, split);
		dkim_canon_body_feed(&b, p + split, n - split);
	}
	dkim_canon_body_finish(&b);
	if (b.emitted != out->len)
		abort();
}

static void
check_body(enum dkim_canon c, const char *p, size_t n, size_t split)
{
	struct strbuf a, b;

	strbuf_init(&a, 4 * n + 16);
	strbuf_init(&b, 4 * n + 16);
	canon(c, p, n, n, 0, &a);
	canon(c, p, n, split, 0, &b);
	if (!same(&a, &b))
		abort();
	if (n <= 4096) {
		canon(c, p, n, 0, 1, &b);
		if (!same(&a, &b))
			abort();
	}
	/* a fixed point */
	canon(c, a.s ? a.s : "", a.len, a.len, 0, &b);
	if (!same(&a, &b))
		abort();
	/* every line ends in CRLF */
	if (c == DKIM_CANON_SIMPLE && (a.len < 2 || memcmp(a.s + a.len - 2, "\r\n", 2) != 0))
		abort();
	if (a.len >= 4 && memcmp(a.s + a.len - 4, "\r\n\r\n", 4) == 0)
		abort(); /* empty lines at the end are removed */
	if (c == DKIM_CANON_RELAXED) {
		if (a.len && (a.len < 2 || memcmp(a.s + a.len - 2, "\r\n", 2) != 0))
			abort();
		for (size_t i = 0; i + 1 < a.len; i++) {
			int ws = a.s[i] == ' ' || a.s[i] == '\t';
			if (a.s[i] == '\t' || (ws && (a.s[i + 1] == ' ' || a.s[i + 1] == '\t')))
				abort();
			if (ws && a.s[i + 1] == '\r' && i + 2 < a.len && a.s[i + 2] == '\n')
				abort();
		}
	}
	strbuf_free(&a);
	strbuf_free(&b);
}

static void
collect(const char *p, size_t n, size_t step, struct dkim_hdr *h)
{
	dkim_hdr_init(h, 64 * 1024);
	for (size_t off = 0; off < n; off += step)
		dkim_hdr_feed(h, p + off, n - off < step ? n - off : step);
	dkim_hdr_finish(h);
}

static void
check_header(const char *p, size_t n, size_t step)
{
	struct dkim_hdr a, b;
	struct strbuf out;

	collect(p, n, n ? n : 1, &a);
	collect(p, n, step, &b);
	if (a.nf != b.nf || a.text.len != b.text.len ||
	    (a.text.len && memcmp(a.text.s, b.text.s, a.text.len) != 0) ||
	    a.prefix_len != b.prefix_len || memcmp(a.prefix, b.prefix, a.prefix_len) != 0)
		abort();
	strbuf_init(&out, 256 * 1024);
	for (size_t i = 0; i < a.nf; i++) {
		size_t len;
		const char *f = dkim_hdr_field(&a, i, &len);
		if (a.f[i].name_len == 0 || a.f[i].name_len >= len + 1 || f[a.f[i].name_len] != ':')
			abort();
		strbuf_reset(&out);
		dkim_canon_header(DKIM_CANON_RELAXED, f, len, 1, sink, &out);
		const char *colon = memchr(out.s, ':', out.len);
		if (out.len < 3 || colon == NULL || memcmp(out.s + out.len - 2, "\r\n", 2) != 0)
			abort();
		for (const char *q = out.s; q < colon; q++)
			if ((*q >= 'A' && *q <= 'Z') || *q == ' ' || *q == '\t')
				abort();
		if (memchr(out.s, '\n', out.len - 1) != NULL)
			abort();
		size_t vlen = (size_t)(out.s + out.len - 2 - colon - 1);
		const char *v = colon + 1;
		if (vlen && (v[0] == ' ' || v[vlen - 1] == ' '))
			abort();
	}
	strbuf_free(&out);
	dkim_hdr_free(&a);
	dkim_hdr_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const char *p = (const char *)data + 1;
	size_t n = size - 1;
	enum dkim_canon c = data[0] & 1 ? DKIM_CANON_RELAXED : DKIM_CANON_SIMPLE;
	size_t split = n ? (size_t)(data[0] >> 1) % (n + 1) : 0;

	check_body(c, p, n, split);
	check_header(p, n, 1 + (data[0] >> 1) % 13);
	return 0;
}
