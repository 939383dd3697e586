/* Unit tests for auth/gen: what one XGEN claim may cost (issue 13 item 9:
 * "XGEN 0 <cookie>" against generation 1000000 hashed a million times on
 * the event loop), and the cache of proven cookies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "auth/gen.h"

static void
test_newer_distance_is_bounded(void **state)
{
	uint8_t c0[GEN_COOKIE_LEN], c[60][GEN_COOKIE_LEN], other[GEN_COOKIE_LEN];

	(void)state;
	gen_seed_new(c0);
	for (int g = 0; g < 60; g++)
		gen_cookie(c0, g, c[g]);
	gen_seed_new(other);
	/* ours 50: 40 is 10 newer, within max_newer 10; 39 is not */
	assert_int_equal(gen_verify(50, c[50], 3, 10, 40, c[40]), GEN_NEWER);
	assert_int_equal(gen_verify(50, c[50], 3, 10, 39, c[39]), GEN_TOO_NEW);
	assert_int_equal(gen_verify(50, c[50], 3, 10, 39, other), GEN_TOO_NEW);
	/* the claim of the issue: answered without a million hashes */
	assert_int_equal(gen_verify(GEN_MAX, c[50], 10, 1000, 0, other), GEN_TOO_NEW);
	assert_string_equal(gen_result_name(GEN_TOO_NEW), "too-new");
}

static void
test_cache(void **state)
{
	uint8_t c0[GEN_COOKIE_LEN], c[60][GEN_COOKIE_LEN], c1[GEN_COOKIE_LEN];
	uint8_t d[60][GEN_COOKIE_LEN];
	struct gen_cache cache;

	(void)state;
	memset(&cache, 0, sizeof(cache));
	gen_seed_new(c0);
	gen_seed_new(c1);
	for (int g = 0; g < 60; g++) {
		gen_cookie(c0, g, c[g]);
		gen_cookie(c1, g, d[g]);
	}
	assert_int_equal(gen_verify_cached(&cache, 50, c[50], 5, 20, 40, c[40]), GEN_NEWER);
	/* proven once: the same claim again, and a different cookie refuted */
	assert_int_equal(gen_verify_cached(&cache, 50, c[50], 5, 20, 40, c[40]), GEN_NEWER);
	assert_int_equal(gen_verify_cached(&cache, 50, c[50], 5, 20, 40, c[41]), GEN_INVALID);
	assert_int_equal(gen_verify_cached(&cache, 50, c[50], 5, 20, 53, c[53]), GEN_OLDER);
	/* settings still apply to a cached cookie */
	assert_int_equal(gen_verify_cached(&cache, 50, c[50], 2, 20, 53, c[53]), GEN_TOO_OLD);
	assert_int_equal(gen_verify_cached(&cache, 50, c[50], 5, 5, 40, c[40]), GEN_TOO_NEW);
	/* a new chain of our own: nothing proven against the old one counts */
	assert_int_equal(gen_verify_cached(&cache, 50, d[50], 5, 20, 40, c[40]), GEN_INVALID);
	assert_int_equal(gen_verify_cached(&cache, 50, d[50], 5, 20, 40, d[40]), GEN_NEWER);
	/* more proven cookies than slots: the oldest go, answers stay right */
	for (int g = 30; g < 50; g++)
		assert_int_equal(gen_verify_cached(&cache, 50, d[50], 5, 20, g, d[g]), GEN_NEWER);
	for (int g = 30; g < 50; g++)
		assert_int_equal(gen_verify_cached(&cache, 50, d[50], 5, 20, g, c[g]), GEN_INVALID);
	assert_int_equal(gen_verify_cached(&cache, 50, d[50], 5, 20, 50, d[50]), GEN_CURRENT);
	assert_int_equal(gen_verify_cached(&cache, 50, d[50], 5, 20, -1, d[50]), GEN_INVALID);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_newer_distance_is_bounded),
		cmocka_unit_test(test_cache),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
