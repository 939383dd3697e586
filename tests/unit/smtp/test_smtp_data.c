/*
 * Unit tests for smtp_data: end-of-data detection, dot-unstuffing, and
 * the strict line rules, including every SMTP smuggling sequence.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "smtp/smtp_data.h"

/* Decode in one go (step 0) or in pieces of `step` octets. */
static size_t
decode(struct smtp_data *d, const char *in, size_t len, size_t step, char *out,
    size_t *outlen)
{
	size_t pos = 0, o = 0;

	while (pos < len && !d->done) {
		size_t n = step ? (len - pos < step ? len - pos : step) : len - pos;
		size_t got;
		pos += smtp_data_feed(d, in + pos, n, out + o, &got);
		o += got;
	}
	*outlen = o;
	return pos;
}

struct case_ {
	const char *name;
	const char *in;
	size_t len;
	int done;		/* end marker found */
	enum smtp_data_err err;
	const char *out;	/* decoded text when OK */
	size_t consumed;	/* 0 = all */
};

#define S(x) x, sizeof(x) - 1

static const struct case_ cases[] = {
	{ "simple", S("Subject: x\r\n\r\nhello\r\n.\r\n"), 1, SMTP_DATA_OK, "Subject: x\r\n\r\nhello\r\n", 0 },
	{ "empty", S(".\r\n"), 1, SMTP_DATA_OK, "", 0 },
	{ "stuffed", S("..hidden\r\n...\r\n.\r\n"), 1, SMTP_DATA_OK, ".hidden\r\n..\r\n", 0 },
	{ "dot-mid-line", S("a.b\r\n.x\r\n.\r\n"), 1, SMTP_DATA_OK, "a.b\r\nx\r\n", 0 },
	{ "stops-at-end", S("x\r\n.\r\nMAIL FROM:<a@b>\r\n"), 1, SMTP_DATA_OK, "x\r\n", 6 },
	{ "no-end-yet", S("x\r\n"), 0, SMTP_DATA_OK, "x\r\n", 0 },
	{ "8bit", S("caf\xc3\xa9\r\n.\r\n"), 1, SMTP_DATA_OK, "caf\xc3\xa9\r\n", 0 },
	/* The smuggling sequences: none may end the data, all make it bad. */
	{ "smuggle \\n.\\n", S("x\r\n\n.\nMAIL FROM:<evil@x>\r\n.\r\n"), 1, SMTP_DATA_E_BARE_LF, NULL, 0 },
	{ "smuggle \\r.\\r", S("x\r.\rMAIL FROM:<evil@x>\r\n.\r\n"), 1, SMTP_DATA_E_BARE_CR, NULL, 0 },
	{ "smuggle \\r.\\n", S("x\r.\nMAIL FROM:<evil@x>\r\n.\r\n"), 1, SMTP_DATA_E_BARE_CR, NULL, 0 },
	{ "smuggle \\n.\\r", S("x\n.\rMAIL FROM:<evil@x>\r\n.\r\n"), 1, SMTP_DATA_E_BARE_LF, NULL, 0 },
	{ "smuggle \\n.\\r\\n", S("x\n.\r\nMAIL FROM:<evil@x>\r\n.\r\n"), 1, SMTP_DATA_E_BARE_LF, NULL, 0 },
	{ "smuggle \\r\\n.\\n", S("x\r\n.\nMAIL FROM:<evil@x>\r\n.\r\n"), 1, SMTP_DATA_E_BARE_LF, NULL, 0 },
	{ "smuggle \\r.\\r\\n", S("x\r.\r\nMAIL FROM:<evil@x>\r\n.\r\n"), 1, SMTP_DATA_E_BARE_CR, NULL, 0 },
	{ "smuggle \\r\\n.\\r", S("x\r\n.\rMAIL FROM:<evil@x>\r\n.\r\n"), 1, SMTP_DATA_E_BARE_CR, NULL, 0 },
	{ "smuggle \\r\\n\\0.\\r\\n", S("x\r\n\0.\r\nMAIL FROM:<evil@x>\r\n.\r\n"), 1, SMTP_DATA_E_NUL, NULL, 0 },
	{ "smuggle \\r\\n.\\0\\r\\n", S("x\r\n.\0\r\nMAIL FROM:<evil@x>\r\n.\r\n"), 1, SMTP_DATA_E_NUL, NULL, 0 },
	{ "smuggle \\r\\n.\\r\\r\\n", S("x\r\n.\r\r\nMAIL FROM:<evil@x>\r\n.\r\n"), 1, SMTP_DATA_E_BARE_CR, NULL, 0 },
	{ "smuggle \\r\\r\\n.\\r\\r\\n", S("x\r\r\n.\r\r\nMAIL FROM:<evil@x>\r\n.\r\n"), 1, SMTP_DATA_E_BARE_CR, NULL, 0 },
};

static void
check_case(const struct case_ *c, size_t step)
{
	struct smtp_data d;
	char *out = malloc(c->len + 3);
	size_t outlen, used;

	smtp_data_init(&d, SMTP_DATA_DOT, 1000);
	used = decode(&d, c->in, c->len, step, out, &outlen);
	if (d.done != c->done || d.err != c->err)
		fail_msg("%s (step %zu): done=%d err=%d, want done=%d err=%d", c->name, step,
		    d.done, d.err, c->done, c->err);
	if (c->consumed)
		assert_int_equal(used, c->consumed);
	else
		assert_int_equal(used, c->len);
	if (c->err == SMTP_DATA_OK) {
		assert_int_equal(outlen, strlen(c->out));
		assert_memory_equal(out, c->out, outlen);
		assert_int_equal(d.out_total, outlen);
	}
	free(out);
}

static void
test_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		check_case(&cases[i], 0);
		check_case(&cases[i], 1);	/* one octet at a time */
		check_case(&cases[i], 2);
		check_case(&cases[i], 3);
	}
}

static void
test_smuggled_command_is_data(void **state)
{
	/* After a fake end, the real end comes after the smuggled command: the
	 * decoder must consume everything through the real CRLF.CRLF. */
	static const char in[] = "a\r\n\n.\nMAIL FROM:<evil@x>\r\nRCPT TO:<v@y>\r\nDATA\r\n.\r\nQUIT\r\n";
	struct smtp_data d;
	char out[sizeof(in) + 2];
	size_t outlen;

	(void)state;
	smtp_data_init(&d, SMTP_DATA_DOT, 1000);
	size_t used = decode(&d, in, sizeof(in) - 1, 0, out, &outlen);
	assert_true(d.done);
	assert_int_equal(d.err, SMTP_DATA_E_BARE_LF);
	assert_int_equal(used, sizeof(in) - 1 - strlen("QUIT\r\n"));
}

static void
test_line_length(void **state)
{
	char in[1200];
	char out[1300];
	size_t outlen;
	struct smtp_data d;

	(void)state;
	/* 998 octets + CRLF = 1000: allowed */
	memset(in, 'a', 998);
	memcpy(in + 998, "\r\n.\r\n", 5);
	smtp_data_init(&d, SMTP_DATA_DOT, 1000);
	decode(&d, in, 1003, 7, out, &outlen);
	assert_true(d.done);
	assert_int_equal(d.err, SMTP_DATA_OK);
	/* 999 octets + CRLF: too long */
	memset(in, 'a', 999);
	memcpy(in + 999, "\r\n.\r\n", 5);
	smtp_data_init(&d, SMTP_DATA_DOT, 1000);
	decode(&d, in, 1004, 7, out, &outlen);
	assert_true(d.done);
	assert_int_equal(d.err, SMTP_DATA_E_LINE_LONG);
	/* a stuffed dot counts: "." + 998 octets is 999 + CRLF */
	in[0] = '.';
	memset(in + 1, 'a', 998);
	memcpy(in + 999, "\r\n.\r\n", 5);
	smtp_data_init(&d, SMTP_DATA_DOT, 1000);
	decode(&d, in, 1004, 0, out, &outlen);
	assert_int_equal(d.err, SMTP_DATA_E_LINE_LONG);
}

static void
test_chunk_mode(void **state)
{
	struct smtp_data d;
	char out[64];
	size_t outlen, fin;

	(void)state;
	/* No dot handling or end marker in BDAT. */
	smtp_data_init(&d, SMTP_DATA_CHUNK, 1000);
	assert_int_equal(smtp_data_feed(&d, ".\r\n..x\r\n", 8, out, &outlen), 8);
	assert_false(d.done);
	assert_int_equal(outlen, 8);
	assert_memory_equal(out, ".\r\n..x\r\n", 8);
	smtp_data_finish(&d, out, &fin);
	assert_int_equal(fin, 0);
	assert_int_equal(d.err, SMTP_DATA_OK);
	/* An unterminated last line is completed with CRLF. */
	smtp_data_init(&d, SMTP_DATA_CHUNK, 1000);
	smtp_data_feed(&d, "abc", 3, out, &outlen);
	smtp_data_finish(&d, out, &fin);
	assert_int_equal(fin, 2);
	/* A bare LF in a chunk is refused as in DATA. */
	smtp_data_init(&d, SMTP_DATA_CHUNK, 1000);
	smtp_data_feed(&d, "a\nb\r\n", 5, out, &outlen);
	assert_int_equal(d.err, SMTP_DATA_E_BARE_LF);
	/* A CR at the very end of the last chunk is bare. */
	smtp_data_init(&d, SMTP_DATA_CHUNK, 1000);
	smtp_data_feed(&d, "a\r", 2, out, &outlen);
	smtp_data_finish(&d, out, &fin);
	assert_int_equal(d.err, SMTP_DATA_E_BARE_CR);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_smuggled_command_is_data),
		cmocka_unit_test(test_line_length),
		cmocka_unit_test(test_chunk_mode),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
