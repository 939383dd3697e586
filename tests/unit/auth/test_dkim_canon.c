/*
 * Unit tests for DKIM canonicalization (dkim_canon.c, RFC 6376 3.4) and
 * the header collector (dkim_hdr.c): tables of header fields and bodies
 * with their canonical forms, the RFC's own example (3.4.6), every body
 * fed whole, split at each offset and one octet at a time (the output may
 * not depend on the chunking), the body hash of an empty body (3.4.3,
 * 3.4.4), l= limits, and bottom-up picking of fields (5.4.2).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "auth/dkim.h"
#include "auth/dkim_canon.h"
#include "auth/dkim_hdr.h"

static void
sink_buf(void *arg, const void *p, size_t n)
{
	assert_int_equal(strbuf_append(arg, p, n), 0);
}

struct hcase {
	enum dkim_canon c;
	const char *in, *out;
};

static const struct hcase hcases[] = {
	{ DKIM_CANON_SIMPLE, "Subject:  Hi There ", "Subject:  Hi There \r\n" },
	{ DKIM_CANON_SIMPLE, "Subject: a\r\n\tb", "Subject: a\r\n\tb\r\n" },
	{ DKIM_CANON_RELAXED, "SubJect:  Hi   There ", "subject:Hi There\r\n" },
	{ DKIM_CANON_RELAXED, "Subject : x", "subject:x\r\n" },
	{ DKIM_CANON_RELAXED, "To: a@b.example,\r\n\t c@d.example \r\n ",
	    "to:a@b.example, c@d.example\r\n" },
	{ DKIM_CANON_RELAXED, "X-Empty:", "x-empty:\r\n" },
	{ DKIM_CANON_RELAXED, "X-Empty:   \r\n\t", "x-empty:\r\n" },
	/* RFC 6376 3.4.6 */
	{ DKIM_CANON_RELAXED, "A: X", "a:X\r\n" },
	{ DKIM_CANON_RELAXED, "B : Y\t\r\n\tZ  ", "b:Y Z\r\n" },
	{ DKIM_CANON_SIMPLE, "B : Y\t\r\n\tZ  ", "B : Y\t\r\n\tZ  \r\n" },
};

static void
test_header(void **state)
{
	struct strbuf out;

	(void)state;
	strbuf_init(&out, 4096);
	for (size_t i = 0; i < sizeof(hcases) / sizeof(hcases[0]); i++) {
		const struct hcase *c = &hcases[i];
		strbuf_reset(&out);
		dkim_canon_header(c->c, c->in, strlen(c->in), 1, sink_buf, &out);
		if (strcmp(out.s, c->out) != 0)
			fail_msg("case %zu: \"%s\" gave \"%s\"", i, c->in, out.s);
		/* without the CRLF (the signature's own field) */
		strbuf_reset(&out);
		dkim_canon_header(c->c, c->in, strlen(c->in), 0, sink_buf, &out);
		assert_int_equal(out.len, strlen(c->out) - 2);
		assert_memory_equal(out.s, c->out, out.len);
	}
	strbuf_free(&out);
}

struct bcase {
	const char *in;
	const char *simple, *relaxed;
};

static const struct bcase bcases[] = {
	/* 3.4.3: an empty body is one CRLF in simple; 3.4.4: nothing in relaxed */
	{ "", "\r\n", "" },
	{ "\r\n", "\r\n", "" },
	{ "\r\n\r\n\r\n", "\r\n", "" },
	{ "abc", "abc\r\n", "abc\r\n" },
	{ "abc\r\n", "abc\r\n", "abc\r\n" },
	{ "abc\r\n\r\n\r\n", "abc\r\n", "abc\r\n" },
	{ "abc  \r\n \r\n", "abc  \r\n \r\n", "abc\r\n" },
	{ " a \t b \r\n", " a \t b \r\n", " a b\r\n" },
	{ "\r\n\r\nabc\r\n", "\r\n\r\nabc\r\n", "\r\n\r\nabc\r\n" },
	{ "a\r\n\r\nb\r\n\r\n", "a\r\n\r\nb\r\n", "a\r\n\r\nb\r\n" },
	/* RFC 6376 3.4.6 */
	{ " C \r\nD \t E\r\n\r\n\r\n", " C \r\nD \t E\r\n", " C\r\nD E\r\n" },
	/* a bare LF ends a line, read as CRLF; a lone CR is an octet */
	{ "a\nb\n\n", "a\r\nb\r\n", "a\r\nb\r\n" },
	{ "a\rb\r\n", "a\rb\r\n", "a\rb\r\n" },
	{ "a\r", "a\r\r\n", "a\r\r\n" },
	/* trailing white space before a final line without CRLF */
	{ "abc \t", "abc \t\r\n", "abc\r\n" },
	{ "\xc3\xa9  x", "\xc3\xa9  x\r\n", "\xc3\xa9 x\r\n" },
};

static void
body(enum dkim_canon c, const char *in, size_t len, size_t step, size_t split, struct strbuf *out)
{
	struct dkim_canon_body b;

	strbuf_reset(out);
	dkim_canon_body_init(&b, c, sink_buf, out);
	if (split) {
		dkim_canon_body_feed(&b, in, split);
		dkim_canon_body_feed(&b, in + split, len - split);
	} else {
		for (size_t off = 0; off < len; off += step)
			dkim_canon_body_feed(&b, in + off, len - off < step ? len - off : step);
	}
	dkim_canon_body_finish(&b);
	assert_int_equal(b.emitted, out->len);
}

static void
test_body(void **state)
{
	struct strbuf out;

	(void)state;
	strbuf_init(&out, 1 << 16);
	for (size_t i = 0; i < sizeof(bcases) / sizeof(bcases[0]); i++) {
		const struct bcase *c = &bcases[i];
		size_t len = strlen(c->in);
		for (int k = 0; k < 2; k++) {
			enum dkim_canon canon = k ? DKIM_CANON_RELAXED : DKIM_CANON_SIMPLE;
			const char *want = k ? c->relaxed : c->simple;
			body(canon, c->in, len, len ? len : 1, 0, &out);
			if (strcmp(out.s, want) != 0)
				fail_msg("case %zu %s: \"%s\" gave \"%s\"", i,
				    dkim_canon_name(canon), c->in, out.s);
			body(canon, c->in, len, 1, 0, &out);
			assert_string_equal(out.s, want);
			for (size_t split = 1; split < len; split++) {
				body(canon, c->in, len, 0, split, &out);
				assert_string_equal(out.s, want);
			}
		}
	}
	strbuf_free(&out);
}

/* Long runs: empty lines and white space held back across many chunks
 * must come out exactly once (the sink's staging buffer fills several
 * times). */
static void
test_body_long(void **state)
{
	static char in[20000];
	struct strbuf a, b;
	size_t n = 0;

	(void)state;
	for (int i = 0; i < 1000; i++)
		n += (size_t)snprintf(
		    in + n, sizeof(in) - n, "line %d   \t\r\n%s", i, i % 7 ? "" : "\r\n\r\n");
	strbuf_init(&a, 1 << 16);
	strbuf_init(&b, 1 << 16);
	for (int k = 0; k < 2; k++) {
		enum dkim_canon c = k ? DKIM_CANON_RELAXED : DKIM_CANON_SIMPLE;
		body(c, in, n, n, 0, &a);
		static const size_t steps[] = { 1, 2, 3, 7, 1000, 2047, 2048, 2049 };
		for (size_t s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
			body(c, in, n, steps[s], 0, &b);
			assert_int_equal(a.len, b.len);
			assert_memory_equal(a.s, b.s, a.len);
		}
	}
	strbuf_free(&a);
	strbuf_free(&b);
}

static void
hash_of(enum dkim_canon c, const char *in, int has_limit, unsigned long long limit,
    struct dkim_bodyhash *h)
{
	dkim_bodyhash_init(h, c, has_limit, limit);
	dkim_bodyhash_feed(h, in, strlen(in));
	dkim_bodyhash_finish(h);
}

static void
test_bodyhash(void **state)
{
	/* SHA-256 of "\r\n" and of "": the bh= of an empty body (RFC 8463 A.3's
	 * body is not empty; these two are in every DKIM implementation's tests) */
	static const char crlf_b64[] = "frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=";
	static const char empty_b64[] = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
	struct dkim_bodyhash h;
	struct strbuf b64;

	(void)state;
	strbuf_init(&b64, 100);
	hash_of(DKIM_CANON_SIMPLE, "", 0, 0, &h);
	assert_int_equal(dkim_b64_encode(h.digest, 32, &b64), 0);
	assert_string_equal(b64.s, crlf_b64);
	assert_int_equal(h.total, 2);
	dkim_bodyhash_free(&h);
	strbuf_reset(&b64);
	hash_of(DKIM_CANON_RELAXED, "\r\n\r\n", 0, 0, &h);
	assert_int_equal(dkim_b64_encode(h.digest, 32, &b64), 0);
	assert_string_equal(b64.s, empty_b64);
	assert_int_equal(h.total, 0);
	dkim_bodyhash_free(&h);

	/* l=: the first octets of the canonical body are hashed, all counted */
	struct dkim_bodyhash whole, part;
	hash_of(DKIM_CANON_SIMPLE, "abc\r\n", 0, 0, &whole);
	hash_of(DKIM_CANON_SIMPLE, "abc\r\nmore text\r\n", 1, 5, &part);
	assert_memory_equal(whole.digest, part.digest, 32);
	assert_int_equal(part.hashed, 5);
	assert_int_equal(part.total, 16);
	dkim_bodyhash_free(&whole);
	dkim_bodyhash_free(&part);
	/* l=0 hashes nothing */
	hash_of(DKIM_CANON_RELAXED, "", 0, 0, &whole);
	hash_of(DKIM_CANON_RELAXED, "anything\r\n", 1, 0, &part);
	assert_memory_equal(whole.digest, part.digest, 32);
	dkim_bodyhash_free(&whole);
	dkim_bodyhash_free(&part);
	dkim_bodyhash_free(NULL);
	strbuf_free(&b64);
}

/* The header collector: fields whole, continuation lines included, the
 * body's first octets after the empty line, chunking of any size. */
static void
test_hdr(void **state)
{
	static const char msg[] = "From: a@example.com\r\n"
	                          "Subject: one\r\n"
	                          "\ttwo\r\n"
	                          "subject: second\r\n"
	                          "X-Empty:\r\n"
	                          "\r\n"
	                          "Body line\r\n";
	size_t hlen = strlen(msg) - strlen("Body line\r\n");

	(void)state;
	for (size_t step = 1; step <= sizeof(msg); step++) {
		struct dkim_hdr h;
		size_t took = 0, len;
		dkim_hdr_init(&h, 4096);
		for (size_t off = 0; off < sizeof(msg) - 1; off += step) {
			size_t n = sizeof(msg) - 1 - off < step ? sizeof(msg) - 1 - off : step;
			took += dkim_hdr_feed(&h, msg + off, n);
		}
		dkim_hdr_finish(&h);
		assert_true(h.done);
		assert_int_equal(took, hlen);
		assert_int_equal(h.nf, 4);
		const char *f = dkim_hdr_field(&h, 1, &len);
		assert_int_equal(len, strlen("Subject: one\r\n\ttwo"));
		assert_memory_equal(f, "Subject: one\r\n\ttwo", len);
		assert_true(dkim_hdr_is(&h, 2, "SUBJECT", 7));
		const char *v = dkim_hdr_value(&h, 2, &len);
		assert_memory_equal(v, " second", len);
		/* 5.4.2: bottom up, each instance once, then none */
		dkim_hdr_pick_reset(&h);
		assert_int_equal(dkim_hdr_pick(&h, "subject", 7), 2);
		assert_int_equal(dkim_hdr_pick(&h, "Subject", 7), 1);
		assert_int_equal(dkim_hdr_pick(&h, "subject", 7), -1);
		assert_int_equal(dkim_hdr_pick(&h, "from", 4), 0);
		dkim_hdr_pick_reset(&h);
		assert_int_equal(dkim_hdr_pick(&h, "subject", 7), 2);
		dkim_hdr_free(&h);
	}
}

/* A line that is not a field ends the header: it is the body's first line. */
static void
test_hdr_no_blank_line(void **state)
{
	static const char msg[] = "From: a@example.com\r\nnot a field\r\nrest\r\n";
	struct dkim_hdr h;
	size_t took;

	(void)state;
	dkim_hdr_init(&h, 4096);
	took = dkim_hdr_feed(&h, msg, strlen(msg));
	assert_true(h.done);
	assert_int_equal(h.nf, 1);
	/* what was taken plus the prefix is the body */
	assert_true(took <= strlen(msg));
	assert_true(h.prefix_len > 0);
	assert_memory_equal(h.prefix, "not a field", h.prefix_len < 11 ? h.prefix_len : 11);
	dkim_hdr_free(&h);

	/* over the maximum: marked, never more than max kept */
	struct dkim_hdr small;
	dkim_hdr_init(&small, 16);
	dkim_hdr_feed(&small, msg, strlen(msg));
	dkim_hdr_finish(&small);
	assert_true(small.overflow);
	assert_true(small.text.len <= 16);
	dkim_hdr_free(&small);

	/* junk on the very first line, before anything was collected (found
	 * by fuzz_dkim_canon: the empty text had no buffer to cut) */
	static const char *const junk[] = { "\x01From: x\r\n\r\nb\r\n", ": x\r\n", "\x80\r\n" };
	for (size_t i = 0; i < 3; i++) {
		dkim_hdr_init(&h, 4096);
		dkim_hdr_feed(&h, junk[i], strlen(junk[i]));
		dkim_hdr_finish(&h);
		assert_true(h.done);
		assert_int_equal(h.nf, 0);
		dkim_hdr_free(&h);
	}

	/* a message without a body */
	dkim_hdr_init(&h, 4096);
	dkim_hdr_feed(&h, "From: x\r\nTo: y", 14);
	assert_false(h.done);
	dkim_hdr_finish(&h);
	assert_true(h.done);
	assert_int_equal(h.nf, 2);
	dkim_hdr_free(&h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_body),
		cmocka_unit_test(test_body_long),
		cmocka_unit_test(test_bodyhash),
		cmocka_unit_test(test_hdr),
		cmocka_unit_test(test_hdr_no_blank_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
