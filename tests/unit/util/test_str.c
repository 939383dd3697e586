/*
 * util/str: bounded copies and formatting, case-insensitive helpers,
 * integer parsing, and strbuf's hard maximum.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "util/str.h"

static void
test_copy_and_fmt_always_terminate(void **state)
{
	char b[8];

	(void)state;
	assert_int_equal(str_copy(b, sizeof(b), "abc"), 3);
	assert_string_equal(b, "abc");
	/* truncation: the length of the source says so */
	assert_int_equal(str_copy(b, sizeof(b), "0123456789"), 10);
	assert_string_equal(b, "0123456");
	assert_int_equal(str_fmt(b, sizeof(b), "%s-%d", "ab", 12), 0);
	assert_string_equal(b, "ab-12");
	assert_int_equal(str_fmt(b, sizeof(b), "%s", "a long reason"), 1);
	assert_string_equal(b, "a long ");
	assert_int_equal(str_fmt(b, sizeof(b), "%s", "1234567"), 0);
	assert_int_equal(str_fmt(b, sizeof(b), "%s", "12345678"), 1);
	assert_int_equal(str_fmt(b, 0, "x"), 1);
}

static void
test_case_helpers(void **state)
{
	char s[] = "  MiXeD Case\t\r\n";

	(void)state;
	char *t = str_trim(s);
	assert_string_equal(t, "MiXeD Case");
	assert_ptr_equal(t, s + 2);	/* trimmed in place */
	assert_string_equal(str_lower(t), "mixed case");
	assert_true(str_ieq("Example.COM", "example.com"));
	assert_false(str_ieq("example.com", "example.co"));
	assert_true(str_nieq("HELOx", 4, "helo"));
	assert_false(str_nieq("HEL", 3, "helo"));
	assert_true(str_iends_with("mx.Example.Org", ".example.org"));
	assert_false(str_iends_with("org", ".example.org"));
}

static void
test_to_ll_bounds(void **state)
{
	long long v;

	(void)state;
	assert_int_equal(str_to_ll("42", 0, 100, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(str_to_ll("101", 0, 100, &v), -1);
	assert_int_equal(str_to_ll("-1", 0, 100, &v), -1);
	assert_int_equal(str_to_ll("12x", 0, 100, &v), -1);
	assert_int_equal(str_to_ll("", 0, 100, &v), -1);
	assert_int_equal(str_to_ll("99999999999999999999999", 0, 100, &v), -1);
}

static void
test_strbuf_maximum(void **state)
{
	struct strbuf sb;

	(void)state;
	strbuf_init(&sb, 10);
	assert_int_equal(strbuf_puts(&sb, "12345"), 0);
	assert_int_equal(strbuf_printf(&sb, "%d", 6789), 0);
	assert_string_equal(sb.s, "123456789");
	/* past the maximum: refused, the contents stay as they were */
	assert_int_equal(strbuf_puts(&sb, "ab"), -1);
	assert_string_equal(sb.s, "123456789");
	assert_int_equal(strbuf_printf(&sb, "%s", "toolong"), -1);
	assert_int_equal(sb.len, 9);
	assert_int_equal(strbuf_append(&sb, "0", 1), 0);
	assert_int_equal(sb.len, 10);
	char *taken = strbuf_steal(&sb);
	assert_string_equal(taken, "1234567890");
	free(taken);
	assert_int_equal(sb.len, 0);
	strbuf_free(&sb);
}

static void
test_hex_and_utf8(void **state)
{
	char b[4];

	(void)state;
	assert_int_equal(str_hexval('0'), 0);
	assert_int_equal(str_hexval('9'), 9);
	assert_int_equal(str_hexval('a'), 10);
	assert_int_equal(str_hexval('F'), 15);
	assert_int_equal(str_hexval('g'), -1);
	assert_int_equal(str_hexval(-61), -1);	/* a high octet as a signed char */
	assert_int_equal(str_utf8_put(0x41, b), 1);
	assert_memory_equal(b, "A", 1);
	assert_int_equal(str_utf8_put(0xe9, b), 2);
	assert_memory_equal(b, "\xc3\xa9", 2);
	assert_int_equal(str_utf8_put(0x20ac, b), 3);
	assert_memory_equal(b, "\xe2\x82\xac", 3);
	assert_int_equal(str_utf8_put(0x1f600, b), 4);
	assert_memory_equal(b, "\xf0\x9f\x98\x80", 4);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_copy_and_fmt_always_terminate),
		cmocka_unit_test(test_case_helpers),
		cmocka_unit_test(test_to_ll_bounds),
		cmocka_unit_test(test_strbuf_maximum),
		cmocka_unit_test(test_hex_and_utf8),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
