/*
 * test_registry_probe: the SMTP reply parser of the certification client
 * (src/registry/reg_probe.c): single and multi-line replies, partial
 * input, malformed codes, mixed codes, EHLO keyword lookup.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "reg_probe.h"

static void
test_replies(void **state)
{
	struct reg_probe_reply *r = malloc(sizeof(*r));
	size_t used;
	const char *ehlo = "250-mx.example.com Hello\r\n250-PIPELINING\r\n250-STARTTLS\r\n"
	    "250 XVOUCH\r\n221 next";

	(void)state;
	assert_int_equal(reg_probe_parse_reply("220 mx ESMTP\r\n", 14, r, &used), 1);
	assert_int_equal(r->code, 220);
	assert_string_equal(r->text, "mx ESMTP");
	assert_int_equal(used, 14);
	assert_int_equal(reg_probe_parse_reply("250\n", 4, r, &used), 1);
	assert_int_equal(r->code, 250);
	assert_int_equal(reg_probe_parse_reply(ehlo, strlen(ehlo), r, &used), 1);
	assert_int_equal(r->nlines, 4);
	assert_int_equal(used, strlen(ehlo) - 8);
	assert_true(reg_probe_has_ext(r, "STARTTLS"));
	assert_true(reg_probe_has_ext(r, "xvouch"));
	assert_false(reg_probe_has_ext(r, "mx.example.com"));	/* the greeting line */
	assert_false(reg_probe_has_ext(r, "START"));
	/* incomplete */
	assert_int_equal(reg_probe_parse_reply("250-a\r\n250-b", 12, r, &used), 0);
	assert_int_equal(reg_probe_parse_reply("", 0, r, &used), 0);
	/* malformed */
	assert_int_equal(reg_probe_parse_reply("25 x\r\n", 6, r, &used), -1);
	assert_int_equal(reg_probe_parse_reply("abc x\r\n", 7, r, &used), -1);
	assert_int_equal(reg_probe_parse_reply("250x\r\n", 6, r, &used), -1);
	assert_int_equal(reg_probe_parse_reply("250-a\r\n550 b\r\n", 14, r, &used), -1);
	assert_int_equal(reg_probe_parse_reply("650 x\r\n", 7, r, &used), -1);
	/* a line that never ends is refused once it is too long */
	{
		char big[2000];
		memset(big, 'a', sizeof(big));
		memcpy(big, "250 ", 4);
		assert_int_equal(reg_probe_parse_reply(big, sizeof(big), r, &used), -1);
	}
	free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replies),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
