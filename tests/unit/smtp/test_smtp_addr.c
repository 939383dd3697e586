/* Unit tests for smtp_addr: the RFC 5321 4.1.2 path grammar. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "smtp/smtp_addr.h"

struct path_case {
	const char *in;
	int opts;
	enum smtp_addr_err want;
	const char *local;	/* canonical, when OK */
	const char *raw;	/* decoded, when OK */
	const char *domain;
	unsigned flags;		/* flags that must be set */
};

#define N SMTP_ADDR_ALLOW_NULL
#define U SMTP_ADDR_ALLOW_UTF8
#define P SMTP_ADDR_ALLOW_POSTMASTER

static const struct path_case path_cases[] = {
	{ "<user@example.com>", 0, SMTP_ADDR_OK, "user", "user", "example.com", 0 },
	{ "<first.last+tag@sub.example.org>", 0, SMTP_ADDR_OK, "first.last+tag", "first.last+tag", "sub.example.org", 0 },
	{ "<>", N, SMTP_ADDR_OK, "", "", "", SMTP_ADDR_NULL },
	{ "<>", 0, SMTP_ADDR_E_NULL, NULL, NULL, NULL, 0 },
	{ "<Postmaster>", P, SMTP_ADDR_OK, "postmaster", "postmaster", "", SMTP_ADDR_POSTMASTER },
	{ "<postmaster>", 0, SMTP_ADDR_E_SYNTAX, NULL, NULL, NULL, 0 },
	{ "user@example.com", 0, SMTP_ADDR_E_NO_BRACKETS, NULL, NULL, NULL, 0 },
	{ "<user@example.com", 0, SMTP_ADDR_E_NO_BRACKETS, NULL, NULL, NULL, 0 },
	{ "<\"john doe\"@example.com>", 0, SMTP_ADDR_OK, "\"john doe\"", "john doe", "example.com", SMTP_ADDR_QUOTED },
	/* a needlessly quoted dot-string is canonicalised unquoted */
	{ "<\"john\"@example.com>", 0, SMTP_ADDR_OK, "john", "john", "example.com", 0 },
	{ "<\"a\\\"b\"@example.com>", 0, SMTP_ADDR_OK, "\"a\\\"b\"", "a\"b", "example.com", SMTP_ADDR_QUOTED },
	{ "<\"user@other\"@local>", 0, SMTP_ADDR_OK, "\"user@other\"", "user@other", "local", SMTP_ADDR_QUOTED },
	{ "<\"\"@example.com>", 0, SMTP_ADDR_OK, "\"\"", "", "example.com", SMTP_ADDR_QUOTED },
	{ "<\"unterminated@example.com>", 0, SMTP_ADDR_E_NO_BRACKETS, NULL, NULL, NULL, 0 },
	{ "<user%other@local>", 0, SMTP_ADDR_OK, "user%other", "user%other", "local", 0 },
	{ "<other!user@local>", 0, SMTP_ADDR_OK, "other!user", "other!user", "local", 0 },
	{ "<@local:user@other>", 0, SMTP_ADDR_OK, "user", "user", "other", SMTP_ADDR_ROUTE },
	{ "<@a.example,@b.example:user@other>", 0, SMTP_ADDR_OK, "user", "user", "other", SMTP_ADDR_ROUTE },
	{ "<@:user@other>", 0, SMTP_ADDR_E_SYNTAX, NULL, NULL, NULL, 0 },
	{ "<@a.example,b.example:user@other>", 0, SMTP_ADDR_E_SYNTAX, NULL, NULL, NULL, 0 },
	{ "<user@example.com.>", 0, SMTP_ADDR_E_DOMAIN, NULL, NULL, NULL, 0 },
	{ "<user@.example.com>", 0, SMTP_ADDR_E_DOMAIN, NULL, NULL, NULL, 0 },
	{ "<user@exa..mple.com>", 0, SMTP_ADDR_E_DOMAIN, NULL, NULL, NULL, 0 },
	{ "<user@-example.com>", 0, SMTP_ADDR_E_DOMAIN, NULL, NULL, NULL, 0 },
	{ "<user@example-.com>", 0, SMTP_ADDR_E_DOMAIN, NULL, NULL, NULL, 0 },
	{ "<user@exa_mple.com>", 0, SMTP_ADDR_E_DOMAIN, NULL, NULL, NULL, 0 },
	{ "<user@>", 0, SMTP_ADDR_E_DOMAIN, NULL, NULL, NULL, 0 },
	{ "<@example.com>", 0, SMTP_ADDR_E_SYNTAX, NULL, NULL, NULL, 0 },
	{ "<user>", 0, SMTP_ADDR_E_SYNTAX, NULL, NULL, NULL, 0 },
	{ "<.user@example.com>", 0, SMTP_ADDR_E_LOCAL, NULL, NULL, NULL, 0 },
	{ "<user.@example.com>", 0, SMTP_ADDR_E_LOCAL, NULL, NULL, NULL, 0 },
	{ "<us..er@example.com>", 0, SMTP_ADDR_E_LOCAL, NULL, NULL, NULL, 0 },
	{ "<us er@example.com>", 0, SMTP_ADDR_E_LOCAL, NULL, NULL, NULL, 0 },
	{ "<user@[127.0.0.1]>", 0, SMTP_ADDR_OK, "user", "user", "[127.0.0.1]", SMTP_ADDR_LITERAL },
	{ "<user@[IPv6:::1]>", 0, SMTP_ADDR_OK, "user", "user", "[IPv6:::1]", SMTP_ADDR_LITERAL },
	{ "<user@[IPv6:2001:db8::1]>", 0, SMTP_ADDR_OK, "user", "user", "[IPv6:2001:db8::1]", SMTP_ADDR_LITERAL },
	{ "<user@[256.0.0.1]>", 0, SMTP_ADDR_E_DOMAIN, NULL, NULL, NULL, 0 },
	{ "<user@[127.1]>", 0, SMTP_ADDR_E_DOMAIN, NULL, NULL, NULL, 0 },
	{ "<user@[x-tag:whatever]>", 0, SMTP_ADDR_E_DOMAIN, NULL, NULL, NULL, 0 },
	{ "<us\xc3\xa9r@example.com>", 0, SMTP_ADDR_E_UTF8, NULL, NULL, NULL, 0 },
	{ "<us\xc3\xa9r@example.com>", U, SMTP_ADDR_OK, "us\xc3\xa9r", "us\xc3\xa9r", "example.com", SMTP_ADDR_UTF8 },
	{ "<user@\xe4\xbe\x8b\xe3\x81\x88.jp>", U, SMTP_ADDR_OK, "user", "user", "\xe4\xbe\x8b\xe3\x81\x88.jp", SMTP_ADDR_UTF8 },
	{ "<us\xc3r@example.com>", U, SMTP_ADDR_E_LOCAL, NULL, NULL, NULL, 0 },	/* truncated UTF-8 */
	{ "<us\xc0\xafr@example.com>", U, SMTP_ADDR_E_LOCAL, NULL, NULL, NULL, 0 },	/* overlong */
	{ "<us\xed\xa0\x80r@example.com>", U, SMTP_ADDR_E_LOCAL, NULL, NULL, NULL, 0 },	/* surrogate */
	{ "<aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@example.com>", 0,
	  SMTP_ADDR_OK, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "example.com", 0 },
	{ "<aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@example.com>", 0,
	  SMTP_ADDR_E_LOCAL_LONG, NULL, NULL, NULL, 0 },
	{ "<u@aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com>", 0,
	  SMTP_ADDR_E_DOMAIN, NULL, NULL, NULL, 0 },	/* 64-octet label */
};

static void
test_paths(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(path_cases) / sizeof(path_cases[0]); i++) {
		const struct path_case *c = &path_cases[i];
		struct smtp_addr a;
		size_t used = 0;
		enum smtp_addr_err e = smtp_addr_parse_path(c->in, strlen(c->in), c->opts, &a, &used);
		if (e != c->want)
			fail_msg("case %zu %s: got %d (%s), want %d", i, c->in, e,
			    smtp_addr_strerror(e), c->want);
		if (e != SMTP_ADDR_OK)
			continue;
		assert_int_equal(used, strlen(c->in));
		assert_string_equal(a.local, c->local);
		assert_string_equal(a.local_raw, c->raw);
		assert_string_equal(a.domain, c->domain);
		if ((a.flags & c->flags) != c->flags)
			fail_msg("case %zu %s: flags %x lack %x", i, c->in, a.flags, c->flags);
	}
}

static void
test_path_length(void **state)
{
	char buf[400];
	struct smtp_addr a;
	size_t used;

	(void)state;
	/* 64 + 1 + 191 + 2 brackets = 258 > 256 octets */
	memset(buf, 0, sizeof(buf));
	buf[0] = '<';
	memset(buf + 1, 'a', 64);
	buf[65] = '@';
	size_t o = 66;
	for (int label = 0; label < 3; label++) {
		memset(buf + o, 'b', 63);
		o += 63;
		buf[o++] = '.';
	}
	memcpy(buf + o, "com>", 4);
	o += 4;
	assert_int_equal(smtp_addr_parse_path(buf, o, 0, &a, &used), SMTP_ADDR_E_PATH_LONG);
}

static void
test_params_after_path(void **state)
{
	const char *s = "<a@b.example> SIZE=100";
	struct smtp_addr a;
	size_t used;

	(void)state;
	assert_int_equal(smtp_addr_parse_path(s, strlen(s), 0, &a, &used), SMTP_ADDR_OK);
	assert_int_equal(used, 13);
	/* a '>' inside a quoted local part does not end the path */
	s = "<\"a>b\"@c.example>";
	assert_int_equal(smtp_addr_parse_path(s, strlen(s), 0, &a, &used), SMTP_ADDR_OK);
	assert_string_equal(a.local_raw, "a>b");
}

static void
test_format(void **state)
{
	struct smtp_addr a;
	char out[600];
	size_t used;
	const char *s = "<\"x y\"@example.com>";

	(void)state;
	assert_int_equal(smtp_addr_parse_path(s, strlen(s), 0, &a, &used), SMTP_ADDR_OK);
	assert_int_equal(smtp_addr_format(&a, out, sizeof(out)), 17);
	assert_string_equal(out, "\"x y\"@example.com");
	assert_int_equal(smtp_addr_format(&a, out, 5), -1);
	assert_int_equal(smtp_addr_parse_mailbox("bob@example.com", 15, 0, &a), SMTP_ADDR_OK);
	assert_string_equal(a.domain, "example.com");
	assert_int_equal(smtp_addr_parse_mailbox("bob", 3, 0, &a), SMTP_ADDR_E_SYNTAX);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_path_length),
		cmocka_unit_test(test_params_after_path),
		cmocka_unit_test(test_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
