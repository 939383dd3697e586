/*
 * test_registry_rate: per-client rate limits (src/registry/core/reg_rate.c) on
 * an in-memory database with the clock given: a sliding window, refused
 * events not counted, clients apart, IPv6 counted per /64.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "reg_db.h"
#include "reg_err.h"
#include "reg_rate.h"

static void
test_window(void **state)
{
	struct reg_db *db;
	struct strbuf err;
	long long ra, t = 1800000000;

	(void)state;
	strbuf_init(&err, 1024);
	assert_int_equal(reg_db_open(":memory:", &db, &err), REG_OK);
	for (int i = 0; i < 3; i++)
		assert_int_equal(reg_rate_take(db, "application", "192.0.2.1", 3, 60, t + i, &ra),
		    REG_OK);
	assert_int_equal(reg_rate_take(db, "application", "192.0.2.1", 3, 60, t + 10, &ra),
	    REG_ELIMIT);
	assert_int_equal(ra, 50); /* the first one leaves the window at t + 60 */
	/* refusals are not counted: still free once the first leaves */
	for (int i = 0; i < 5; i++)
		assert_int_equal(
		    reg_rate_take(db, "application", "192.0.2.1", 3, 60, t + 20, &ra), REG_ELIMIT);
	assert_int_equal(reg_rate_take(db, "application", "192.0.2.1", 3, 60, t + 60, &ra), REG_OK);
	assert_int_equal(reg_rate_take(db, "application", "192.0.2.1", 3, 60, t + 60, &ra),
	    REG_ELIMIT);
	/* another client, another kind: their own counts */
	assert_int_equal(reg_rate_take(db, "application", "192.0.2.2", 3, 60, t + 60, &ra), REG_OK);
	assert_int_equal(reg_rate_take(db, "report", "192.0.2.1", 3, 60, t + 60, &ra), REG_OK);
	/* 0: no limit */
	for (int i = 0; i < 10; i++)
		assert_int_equal(reg_rate_take(db, "report", "192.0.2.9", 0, 60, t, &ra), REG_OK);
	reg_db_close(db);
	strbuf_free(&err);
}

static void
test_keys(void **state)
{
	char a[REG_RATE_KEY_MAX], b[REG_RATE_KEY_MAX];

	(void)state;
	reg_rate_key("192.0.2.7", a);
	assert_string_equal(a, "192.0.2.7");
	reg_rate_key("2001:db8:1:2::1", a);
	reg_rate_key("2001:db8:1:2:ffff:1:2:3", b);
	assert_string_equal(a, b);
	assert_string_equal(a, "2001:db8:1:2::/64");
	reg_rate_key("2001:db8:1:3::1", b);
	assert_string_not_equal(a, b);
	reg_rate_key("garbage", a);
	assert_string_equal(a, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
