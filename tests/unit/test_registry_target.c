/*
 * test_registry_target: where certification may connect
 * (src/registry/cert/reg_target.c): a table of addresses through the shared
 * special-address filter, certify_allow_networks, and the rule that an
 * automatic run needs every address public.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "reg_target.h"

static void
test_table(void **state)
{
	static const struct {
		const char *addr;
		enum reg_target want;
		const char *range; /* a word the reason has */
	} cases[] = {
		{ "8.8.8.8", REG_TARGET_PUBLIC, "" },
		{ "2a00:1450:4001:80b::200e", REG_TARGET_PUBLIC, "" },
		{ "127.0.0.1", REG_TARGET_REFUSED, "loopback" },
		{ "127.0.0.60", REG_TARGET_REFUSED, "loopback" },
		{ "10.1.2.3", REG_TARGET_ALLOWED, "private" },
		{ "10.2.0.1", REG_TARGET_REFUSED, "private" },
		{ "192.168.1.1", REG_TARGET_REFUSED, "private" },
		{ "169.254.169.254", REG_TARGET_REFUSED, "link" },
		{ "192.0.2.25", REG_TARGET_REFUSED, "" },
		{ "0.0.0.0", REG_TARGET_REFUSED, "" },
		{ "224.0.0.1", REG_TARGET_REFUSED, "multicast" },
		{ "::1", REG_TARGET_REFUSED, "loopback" },
		{ "::ffff:127.0.0.1", REG_TARGET_REFUSED, "IPv4-mapped" },
		{ "fd00::1", REG_TARGET_REFUSED, "" },
		{ "fe80::1", REG_TARGET_REFUSED, "" },
		{ "not an address", REG_TARGET_REFUSED, "" },
	};
	struct conf_list nets;
	char *v[] = { "10.1.0.0/16" };
	struct reg_target_allow *allow;
	char why[128];

	(void)state;
	nets.v = v;
	nets.n = 1;
	allow = reg_target_allow_new(&nets, why, sizeof(why));
	assert_non_null(allow);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum reg_target got = reg_target_judge(cases[i].addr, allow, why, sizeof(why));
		if (got != cases[i].want)
			fail_msg("%s: got %d, want %d (%s)", cases[i].addr, got, cases[i].want, why);
		if (cases[i].want == REG_TARGET_PUBLIC)
			assert_string_equal(why, "");
		else
			assert_non_null(strstr(why, cases[i].range));
	}
	/* without the list the lab network is refused too */
	assert_int_equal(reg_target_judge("10.1.2.3", NULL, why, sizeof(why)), REG_TARGET_REFUSED);
	reg_target_allow_free(allow);
	/* a list entry that is no network is refused */
	v[0] = "mx.example.com";
	assert_null(reg_target_allow_new(&nets, why, sizeof(why)));
}

static void
test_automatic(void **state)
{
	const char pub[2][46] = { "8.8.8.8", "2a00:1450:4001:80b::200e" };
	const char mixed[2][46] = { "8.8.8.8", "10.1.2.3" };
	struct conf_list nets;
	char *v[] = { "10.0.0.0/8" };
	struct reg_target_allow *allow;
	char why[200];

	(void)state;
	nets.v = v;
	nets.n = 1;
	allow = reg_target_allow_new(&nets, why, sizeof(why));
	assert_true(reg_target_automatic(pub, 2, allow, why, sizeof(why)));
	/* allowed for a person's run, still not public */
	assert_false(reg_target_automatic(mixed, 2, allow, why, sizeof(why)));
	assert_non_null(strstr(why, "10.1.2.3 is private"));
	assert_false(reg_target_automatic(pub, 0, allow, why, sizeof(why)));
	reg_target_allow_free(allow);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_automatic),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
