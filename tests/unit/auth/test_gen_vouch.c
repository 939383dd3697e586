/* Unit tests for auth/gen (XGEN chains, DESIGN 5.2) and auth/vouch
 * (XVOUCH ids, grammar and the session table, DESIGN 5.1). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "auth/gen.h"
#include "auth/vouch.h"
#include "store/store.h"

static void
test_gen_rules(void **state)
{
	uint8_t c0[GEN_COOKIE_LEN], c[101][GEN_COOKIE_LEN], other[GEN_COOKIE_LEN];

	(void)state;
	assert_int_equal(gen_seed_new(c0), 0);
	for (int g = 0; g <= 100; g++)
		assert_int_equal(gen_cookie(c0, g, c[g]), 0);
	/* our generation 50, tolerance 10 */
	assert_int_equal(gen_verify(50, c[50], 10, 1000, 50, c[50]), GEN_CURRENT);
	assert_int_equal(gen_verify(50, c[50], 10, 1000, 40, c[40]), GEN_NEWER);
	assert_int_equal(gen_verify(50, c[50], 10, 1000, 0, c[0]), GEN_NEWER);
	assert_int_equal(gen_verify(50, c[50], 10, 1000, 60, c[60]), GEN_OLDER);
	assert_int_equal(gen_verify(50, c[50], 10, 1000, 61, c[61]), GEN_TOO_OLD);
	/* the wrong cookie for the claimed generation */
	assert_int_equal(gen_verify(50, c[50], 10, 1000, 40, c[41]), GEN_INVALID);
	assert_int_equal(gen_verify(50, c[50], 10, 1000, 55, c[54]), GEN_INVALID);
	assert_int_equal(gen_verify(50, c[50], 10, 1000, 50, c[49]), GEN_INVALID);
	gen_seed_new(other);
	assert_int_equal(gen_verify(50, c[50], 10, 1000, 45, other), GEN_INVALID);
	/* a claim far out does not make us hash: it is simply too old */
	assert_int_equal(gen_verify(50, c[50], 10, 1000, GEN_MAX, other), GEN_TOO_OLD);
	assert_int_equal(gen_verify(50, c[50], 10, 1000, -1, other), GEN_INVALID);
}

static void
test_gen_text(void **state)
{
	uint8_t c[GEN_COOKIE_LEN], back[GEN_COOKIE_LEN];
	char hex[GEN_COOKIE_HEX + 1], arg[100];
	long long g;

	(void)state;
	gen_seed_new(c);
	gen_hex(c, hex);
	assert_int_equal(strlen(hex), 64);
	assert_int_equal(gen_unhex(hex, 64, back), 0);
	assert_memory_equal(c, back, GEN_COOKIE_LEN);
	assert_int_equal(gen_unhex(hex, 63, back), -1);
	snprintf(arg, sizeof(arg), "42 %s", hex);
	assert_int_equal(gen_parse(arg, strlen(arg), &g, back), 0);
	assert_int_equal(g, 42);
	assert_int_equal(gen_parse("42", 2, &g, back), -1);
	assert_int_equal(gen_parse("x 00", 4, &g, back), -1);
	snprintf(arg, sizeof(arg), "99999999999 %s", hex);
	assert_int_equal(gen_parse(arg, strlen(arg), &g, back), -1);
	hex[10] = 'g';
	snprintf(arg, sizeof(arg), "1 %s", hex);
	assert_int_equal(gen_parse(arg, strlen(arg), &g, back), -1);
}

static void
test_vouch_ids_and_grammar(void **state)
{
	char a[VOUCH_ID_LEN + 1], b[VOUCH_ID_LEN + 1], arg[200];
	enum vouch_cmd kind;
	int seen[128] = { 0 };

	(void)state;
	assert_int_equal(vouch_id_new(a), 0);
	assert_int_equal(vouch_id_new(b), 0);
	assert_int_equal(strlen(a), VOUCH_ID_LEN);
	assert_true(vouch_id_ok(a, strlen(a)));
	assert_string_not_equal(a, b);
	for (int i = 0; i < 50; i++) {
		vouch_id_new(a);
		for (int k = 0; k < VOUCH_ID_LEN; k++)
			seen[(unsigned char)a[k]] = 1;
	}
	int letters = 0;
	for (int ch = 0; ch < 128; ch++)
		letters += seen[ch];
	assert_int_equal(letters, 62);	/* every character of [A-Za-z0-9] turns up */
	assert_int_equal(vouch_cmd_parse(a, strlen(a), &kind, b), 0);
	assert_int_equal(kind, VOUCH_CMD_OFFER);
	snprintf(arg, sizeof(arg), "CHECK %s", a);
	assert_int_equal(vouch_cmd_parse(arg, strlen(arg), &kind, b), 0);
	assert_int_equal(kind, VOUCH_CMD_CHECK);
	assert_string_equal(a, b);
	snprintf(arg, sizeof(arg), "check %s", a);
	assert_int_equal(vouch_cmd_parse(arg, strlen(arg), &kind, b), 0);
	assert_int_equal(vouch_cmd_parse("short", 5, &kind, b), -1);
	a[5] = '-';
	assert_int_equal(vouch_cmd_parse(a, strlen(a), &kind, b), -1);
}

static void
test_vouch_table(void **state)
{
	struct store *st = store_open_memory();
	char id[VOUCH_ID_LEN + 1], canon[64];
	int64_t now = (int64_t)time(NULL);

	(void)state;
	vouch_id_new(id);
	assert_int_equal(vouch_table_add(st, id, "192.0.2.20", "mx.example.net", now, 600), 0);
	assert_int_equal(vouch_table_check(st, id, "192.0.2.20"), 1);
	assert_int_equal(vouch_table_check(st, id, "::ffff:192.0.2.20"), 1);
	/* a replay from anyone else is not confirmed (the address binding) */
	assert_int_equal(vouch_table_check(st, id, "192.0.2.99"), 0);
	assert_int_equal(vouch_table_del(st, id), 0);
	assert_int_equal(vouch_table_check(st, id, "192.0.2.20"), 0);
	/* an expired entry is unknown */
	assert_int_equal(vouch_table_add(st, id, "2001:db8::1", "mx", now - 100, 10), 0);
	assert_int_equal(vouch_table_check(st, id, "2001:db8::1"), 0);
	assert_int_equal(vouch_addr_canonical("2001:DB8:0::1", canon, sizeof(canon)), 0);
	assert_string_equal(canon, "2001:db8::1");
	assert_int_equal(vouch_addr_canonical("not an address", canon, sizeof(canon)), -1);
	store_close(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gen_rules),
		cmocka_unit_test(test_gen_text),
		cmocka_unit_test(test_vouch_ids_and_grammar),
		cmocka_unit_test(test_vouch_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
