/*
 * smtp_sasl: base64 as RFC 4954 uses it (strict: no whitespace, canonical
 * padding only) and PLAIN's three fields (RFC 4616).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "smtp/smtp_sasl.h"

static const struct {
	const char *in;
	int len;		/* decoded length, -1 = refused */
	const char *out;
} b64_cases[] = {
	{ "", 0, "" },
	{ "YQ==", 1, "a" },
	{ "YWI=", 2, "ab" },
	{ "YWJj", 3, "abc" },
	{ "AGFsaWNlAHNlY3JldA==", 13, "\0alice\0secret" },
	{ "YR==", -1, NULL },		/* bits left over by the padding are not zero */
	{ "YWJ=", -1, NULL },
	{ "YQ=", -1, NULL },		/* not a multiple of 4 */
	{ "Y Q==", -1, NULL },		/* whitespace */
	{ "YQ=a", -1, NULL },		/* data after padding */
	{ "=YQ=", -1, NULL },
	{ "Y===", -1, NULL },
	{ "YW!j", -1, NULL },
};

static void
test_b64_decode_table(void **state)
{
	char out[64];

	(void)state;
	for (size_t i = 0; i < sizeof(b64_cases) / sizeof(b64_cases[0]); i++) {
		int n = smtp_sasl_b64_decode(b64_cases[i].in, strlen(b64_cases[i].in), out, sizeof(out));
		if (n != b64_cases[i].len)
			fail_msg("case %zu (%s): %d, wanted %d", i, b64_cases[i].in, n, b64_cases[i].len);
		if (n >= 0)
			assert_memory_equal(out, b64_cases[i].out, (size_t)n);
	}
}

static void
test_b64_roundtrip_and_room(void **state)
{
	char enc[64], dec[8];

	(void)state;
	assert_true(smtp_sasl_b64_encode("secret", 6, enc, sizeof(enc)) >= 0);
	assert_string_equal(enc, "c2VjcmV0");
	/* no room for 6 octets and the terminator */
	assert_int_equal(smtp_sasl_b64_decode(enc, strlen(enc), dec, 6), -1);
	assert_int_equal(smtp_sasl_b64_decode(enc, strlen(enc), dec, sizeof(dec)), 6);
	assert_int_equal(smtp_sasl_b64_encode("secret", 6, enc, 8), -1);
}

static void
test_plain(void **state)
{
	struct smtp_sasl_creds c;

	(void)state;
	/* "\0alice\0secret" */
	assert_int_equal(smtp_sasl_plain("AGFsaWNlAHNlY3JldA==", 20, &c), 0);
	assert_string_equal(c.authzid, "");
	assert_string_equal(c.user, "alice");
	assert_string_equal(c.pass, "secret");
	smtp_sasl_wipe(&c);
	assert_string_equal(c.pass, "");
	/* "admin\0alice\0secret" */
	assert_int_equal(smtp_sasl_plain("YWRtaW4AYWxpY2UAc2VjcmV0", 24, &c), 0);
	assert_string_equal(c.authzid, "admin");
	/* "alice" (no NULs), "\0\0secret" (no user), "\0alice\0" (no password) */
	assert_int_equal(smtp_sasl_plain("YWxpY2U=", 8, &c), -1);
	assert_int_equal(smtp_sasl_plain("AABzZWNyZXQ=", 12, &c), -1);
	assert_int_equal(smtp_sasl_plain("AGFsaWNlAA==", 12, &c), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_b64_decode_table),
		cmocka_unit_test(test_b64_roundtrip_and_room),
		cmocka_unit_test(test_plain),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
