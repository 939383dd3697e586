/* Unit tests for policy/lists: entry shapes and matching. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "policy/lists.h"

static struct sockaddr_storage
ip(const char *s)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	if (strchr(s, ':')) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		a->sin6_family = AF_INET6;
		inet_pton(AF_INET6, s, &a->sin6_addr);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		inet_pton(AF_INET, s, &a->sin_addr);
	}
	return ss;
}

static void
test_parse(void **state)
{
	static const struct { const char *in; int ok; enum list_kind kind; const char *text; } c[] = {
		{ "192.0.2.7", 1, LIST_ADDR, "192.0.2.7" },
		{ "192.0.2.99/24", 1, LIST_NET, "192.0.2.0/24" },
		{ "192.0.2.7/32", 1, LIST_ADDR, "192.0.2.7" },
		{ "2001:DB8::1", 1, LIST_ADDR, "2001:db8::1" },
		{ "2001:db8::/32", 1, LIST_NET, "2001:db8::/32" },
		{ "User@Example.COM", 1, LIST_SENDER, "user@example.com" },
		{ "@example.com", 1, LIST_DOMAIN, "@example.com" },
		{ "helo:MX.example.com", 1, LIST_HELO, "helo:mx.example.com" },
		{ "192.0.2.0/33", 0, 0, NULL },
		{ "192.0.2.0/x", 0, 0, NULL },
		{ "nonsense", 0, 0, NULL },
		{ "@", 0, 0, NULL },
		{ "helo:bad_name", 0, 0, NULL },
		{ "", 0, 0, NULL },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct list_entry e;
		char err[200];
		int rc = list_parse(c[i].in, &e, err, sizeof(err));
		if ((rc == 0) != c[i].ok)
			fail_msg("case %zu '%s': rc %d (%s)", i, c[i].in, rc, err);
		if (rc == 0) {
			assert_int_equal(e.kind, c[i].kind);
			assert_string_equal(e.text, c[i].text);
		}
	}
}

static void
test_match(void **state)
{
	struct list *l = list_new();
	const char *entries[] = { "10.0.0.0/8", "192.0.2.7", "2001:db8::/32", "@spam.example",
		"boss@corp.example", "helo:bot.example" };
	struct list_entry e;
	char err[100];

	(void)state;
	for (size_t i = 0; i < 6; i++) {
		assert_int_equal(list_parse(entries[i], &e, err, sizeof(err)), 0);
		e.expires = i == 1 ? 1000 : 0;
		list_add(l, &e);
	}
	struct sockaddr_storage a = ip("10.1.2.3"), b = ip("192.0.2.7"), c6 = ip("2001:db8:5::1"),
	    d = ip("198.51.100.1"), m = ip("::ffff:10.9.9.9");
	assert_non_null(list_match(l, (struct sockaddr *)&a, NULL, NULL, 0));
	assert_non_null(list_match(l, (struct sockaddr *)&m, NULL, NULL, 0));
	assert_non_null(list_match(l, (struct sockaddr *)&b, NULL, NULL, 999));
	assert_null(list_match(l, (struct sockaddr *)&b, NULL, NULL, 1000));	/* expired */
	assert_non_null(list_match(l, (struct sockaddr *)&c6, NULL, NULL, 0));
	assert_null(list_match(l, (struct sockaddr *)&d, NULL, NULL, 0));
	assert_non_null(list_match(l, NULL, NULL, "x@SPAM.example", 0));
	assert_null(list_match(l, NULL, NULL, "x@notspam.example", 0));
	assert_non_null(list_match(l, NULL, NULL, "Boss@corp.example", 0));
	assert_non_null(list_match(l, NULL, "BOT.example", NULL, 0));
	assert_int_equal(list_count(l), 6);
	assert_int_equal(list_del(l, "10.0.0.0/8"), 0);
	assert_null(list_match(l, (struct sockaddr *)&a, NULL, NULL, 0));
	assert_int_equal(list_del(l, "10.0.0.0/8"), -1);
	list_free(l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_match),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
