/* Unit tests for policy/ratelimit: token buckets with a bounded debt. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "policy/ratelimit.h"

static int
take(struct ratelimit *rl, const char *key, long long per_min, long long burst, int64_t now,
    int64_t max_wait, int64_t *wait)
{
	return ratelimit_take(rl, key, strlen(key), per_min, burst, now, max_wait, wait);
}

static void
test_burst_then_rate(void **state)
{
	struct ratelimit *rl = ratelimit_new(100);
	int64_t w;

	(void)state;
	/* 10 per minute, a burst of 10, no waiting: 10 now, then one per 6 s */
	for (int i = 0; i < 10; i++)
		assert_int_equal(take(rl, "d", 10, 10, 1000, 0, &w), 1);
	assert_int_equal(take(rl, "d", 10, 10, 1000, 0, &w), 0);
	assert_int_equal(take(rl, "d", 10, 10, 6999, 0, &w), 0);
	assert_int_equal(take(rl, "d", 10, 10, 7000, 0, &w), 1);
	assert_int_equal(take(rl, "d", 10, 10, 7000, 0, &w), 0);
	/* another key is not affected */
	assert_int_equal(take(rl, "e", 10, 10, 7000, 0, &w), 1);
	/* after a long time, only a burst again */
	for (int i = 0; i < 10; i++)
		assert_int_equal(take(rl, "d", 10, 10, 10000000, 0, &w), 1);
	assert_int_equal(take(rl, "d", 10, 10, 10000000, 0, &w), 0);
	/* refills in small steps add up (1 ms at a time) */
	int got = 0;
	for (int64_t t = 10000001; t <= 10012000; t++)
		got += take(rl, "d", 10, 10, t, 0, &w);
	assert_int_equal(got, 2);
	ratelimit_free(rl);
}

static void
test_debt_slows_down(void **state)
{
	struct ratelimit *rl = ratelimit_new(100);
	int64_t w;

	(void)state;
	/* 10 a minute, burst 10, waits of up to 15 s: 10 at once, then waits of
	 * 6 s and 12 s, then refused (18 s) */
	for (int i = 0; i < 10; i++) {
		assert_int_equal(take(rl, "u", 10, 10, 0, 15000, &w), 1);
		assert_int_equal(w, 0);
	}
	assert_int_equal(take(rl, "u", 10, 10, 0, 15000, &w), 1);
	assert_int_equal(w, 6000);
	assert_int_equal(take(rl, "u", 10, 10, 0, 15000, &w), 1);
	assert_int_equal(w, 12000);
	assert_int_equal(take(rl, "u", 10, 10, 0, 15000, &w), 0);
	/* giving one back shortens the line */
	ratelimit_give_back(rl, "u", 1);
	assert_int_equal(take(rl, "u", 10, 10, 0, 15000, &w), 1);
	assert_int_equal(w, 12000);
	ratelimit_free(rl);
}

static void
test_bounded(void **state)
{
	struct ratelimit *rl = ratelimit_new(3);
	int64_t w;

	(void)state;
	assert_int_equal(take(rl, "a", 1, 1, 0, 0, &w), 1);
	assert_int_equal(take(rl, "b", 1, 1, 0, 0, &w), 1);
	assert_int_equal(take(rl, "c", 1, 1, 0, 0, &w), 1);
	/* full of buckets still in use: a new key is refused */
	assert_int_equal(take(rl, "d", 1, 1, 0, 0, &w), 0);
	assert_int_equal(ratelimit_count(rl), 3);
	/* once they have refilled, they make room */
	assert_int_equal(take(rl, "d", 1, 1, 60000, 0, &w), 1);
	assert_int_equal(ratelimit_count(rl), 1);
	ratelimit_free(rl);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_then_rate),
		cmocka_unit_test(test_debt_slows_down),
		cmocka_unit_test(test_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
