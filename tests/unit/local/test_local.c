/* Unit tests for local/users, local/aliases and local/resolve. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "local/aliases.h"
#include "local/resolve.h"
#include "local/users.h"

static const char users_text[] =
    "# comment\n"
    "alice@example.com password=$y$j9T$abc$def max_rcpt_day=50 challenge=yes\n"
    "Bob@Example.com stamp_user=1 no_unsafe=1\n"
    "noreply@example.com discard=1 challenge=0\n"
    "pupil@school.example refuse_classes=Bulk,isp\n"
    "desk@school.example refuse_classes=none\n"
    "\n";

static void
test_users(void **state)
{
	struct strbuf errs, out;
	struct users *u;

	(void)state;
	strbuf_init(&errs, 65536);
	u = users_parse(users_text, strlen(users_text), "users", &errs);
	assert_non_null(u);
	assert_int_equal(users_count(u), 5);
	assert_true(users_find(u, "noreply@example.com")->discard);
	/* refused mail classes: a list (lower case), "none", or not set */
	const struct user *pupil = users_find(u, "pupil@school.example");
	assert_true(pupil->refuse_classes_set);
	assert_int_equal(pupil->refuse_classes.n, 2);
	assert_string_equal(pupil->refuse_classes.v[0], "bulk");
	assert_string_equal(pupil->refuse_classes.v[1], "isp");
	assert_true(users_find(u, "desk@school.example")->refuse_classes_set);
	assert_int_equal(users_find(u, "desk@school.example")->refuse_classes.n, 0);
	assert_false(users_find(u, "bob@example.com")->refuse_classes_set);
	assert_false(users_find(u, "bob@example.com")->discard);
	assert_string_equal(users_find(u, "ALICE@example.com")->password, "$y$j9T$abc$def");
	assert_int_equal(users_find(u, "alice@example.com")->max_rcpt_day, 50);
	assert_true(users_find(u, "bob@example.com")->stamp_user);
	/* challenge: yes/1, no/0, or the domain's default */
	assert_int_equal(users_find(u, "alice@example.com")->challenge, 1);
	assert_int_equal(users_find(u, "noreply@example.com")->challenge, -1);
	assert_int_equal(users_find(u, "bob@example.com")->challenge, 0);
	assert_null(users_find(u, "carol@example.com"));
	strbuf_init(&out, 65536);
	assert_int_equal(users_write(u, &out), 0);
	struct users *u2 = users_parse(out.s, out.len, "users", &errs);
	assert_non_null(u2);
	assert_int_equal(users_count(u2), 5);
	assert_true(users_find(u2, "noreply@example.com")->discard);
	assert_non_null(strstr(out.s, "pupil@school.example refuse_classes=bulk,isp\n"));
	assert_non_null(strstr(out.s, "desk@school.example refuse_classes=none\n"));
	assert_int_equal(users_find(u2, "pupil@school.example")->refuse_classes.n, 2);
	assert_int_equal(users_find(u2, "alice@example.com")->challenge, 1);
	assert_int_equal(users_find(u2, "noreply@example.com")->challenge, -1);
	users_free(u2);
	assert_int_equal(users_del(u, "bob@example.com"), 0);
	assert_int_equal(users_del(u, "bob@example.com"), -1);
	users_free(u);

	static const char *const bad[] = {
		"alice\n",
		"../x@example.com\n",
		"a/b@example.com\n",
		"\"q\"@example.com\n",
		"a@[127.0.0.1]\n",
		"a@example.com a@example.com\n",
		"a@example.com what\n",
		"a@example.com max_rcpt_day=many\n",
		"a@example.com\nA@example.com\n",
		"a@example.com refuse_classes=spam\n",
		"a@example.com refuse_classes=none,bulk\n",
		"a@example.com challenge=maybe\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		strbuf_reset(&errs);
		u = users_parse(bad[i], strlen(bad[i]), "users", &errs);
		if (u != NULL)
			fail_msg("case %zu accepted: %s", i, bad[i]);
		assert_non_null(strstr(errs.s, "users:"));
	}
	strbuf_free(&errs);
	strbuf_free(&out);
}

static const char aliases_text[] = "postmaster: alice@example.com   # the admin\n"
                                   "team@example.com: alice@example.com, bob\n"
                                   "fwd@example.com: someone@elsewhere.net\n"
                                   "self@example.com: self@example.com, bob\n"
                                   "loop1@example.com: loop2\n"
                                   "loop2@example.com: loop1\n"
                                   "dangling@example.com: nobody\n";

static void
test_resolve(void **state)
{
	struct strbuf errs;
	struct users *u;
	struct aliases *a;
	struct resolved r;
	char *dv[] = { "example.com", "example.org" };
	struct conf_list domains = { dv, 2 };

	(void)state;
	strbuf_init(&errs, 65536);
	u = users_parse(users_text, strlen(users_text), "users", &errs);
	a = aliases_parse(aliases_text, strlen(aliases_text), "aliases", &errs);
	assert_non_null(a);

	assert_int_equal(resolve_address(u, a, &domains, "alice", "example.com", &r), RESOLVE_OK);
	assert_int_equal(r.nlocal, 1);
	resolved_clear(&r);
	assert_int_equal(resolve_address(u, a, &domains, "Team", "Example.com", &r), RESOLVE_OK);
	assert_int_equal(r.nlocal, 2);
	assert_string_equal(r.local[1], "bob@example.com");
	resolved_clear(&r);
	/* bare postmaster alias applies in every domain */
	assert_int_equal(
	    resolve_address(u, a, &domains, "postmaster", "example.org", &r), RESOLVE_OK);
	assert_string_equal(r.local[0], "alice@example.com");
	resolved_clear(&r);
	assert_int_equal(resolve_address(u, a, &domains, "fwd", "example.com", &r), RESOLVE_OK);
	assert_int_equal(r.nlocal, 0);
	assert_int_equal(r.nremote, 1);
	resolved_clear(&r);
	/* an alias naming itself keeps its own mailbox (even without a user) */
	assert_int_equal(resolve_address(u, a, &domains, "self", "example.com", &r), RESOLVE_OK);
	assert_int_equal(r.nlocal, 2);
	resolved_clear(&r);
	assert_int_equal(resolve_address(u, a, &domains, "loop1", "example.com", &r), RESOLVE_LOOP);
	assert_int_equal(
	    resolve_address(u, a, &domains, "dangling", "example.com", &r), RESOLVE_UNKNOWN);
	assert_int_equal(
	    resolve_address(u, a, &domains, "carol", "example.com", &r), RESOLVE_UNKNOWN);
	/* postmaster exists in a local domain even without user or alias */
	aliases_free(a);
	a = aliases_parse("", 0, "aliases", &errs);
	assert_int_equal(
	    resolve_address(u, a, &domains, "PostMaster", "example.org", &r), RESOLVE_OK);
	assert_string_equal(r.local[0], "postmaster@example.org");
	resolved_clear(&r);

	static const char *const bad[] = { "noColon\n", "a b: c\n", "x: \n", "x: a\nx: b\n",
		"x: a b@\n" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		strbuf_reset(&errs);
		struct aliases *b = aliases_parse(bad[i], strlen(bad[i]), "aliases", &errs);
		if (b != NULL)
			fail_msg("case %zu accepted", i);
		assert_non_null(strstr(errs.s, "aliases:1") ? errs.s : strstr(errs.s, "aliases:2"));
	}
	aliases_free(a);
	users_free(u);
	strbuf_free(&errs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_users),
		cmocka_unit_test(test_resolve),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
