/*
 * test_registry_trap: what makes a spam trap count (src/registry/core/reg_trap.c),
 * as tables of proofs and verdicts: the MX check of a trap's domain, and
 * whether a hit is a confirmed report.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "reg_trap.h"

static void
test_mx_verdict(void **state)
{
	struct dns_rr rr[2];
	struct dns_result r;
	char note[300];

	(void)state;
	memset(&r, 0, sizeof(r));
	memset(rr, 0, sizeof(rr));
	r.rr = rr;
	rr[0].type = rr[1].type = DNS_T_MX;
	rr[0].u.mx.host = "mx1.example.net";
	rr[1].u.mx.host = "MX.Owner.test";
	r.nrr = 2;
	r.status = DNS_ANSWER;
	/* one of the MX hosts is the owner's server */
	assert_int_equal(reg_trap_mx_verdict("traps.owner.test", "mx.owner.test", &r, note,
	                     sizeof(note)),
	    1);
	/* none is */
	r.nrr = 1;
	assert_int_equal(reg_trap_mx_verdict("victim.test", "mx.owner.test", &r, note, sizeof(note)),
	    0);
	assert_non_null(strstr(note, "mx1.example.net"));
	/* a null MX accepts nothing */
	rr[0].u.mx.host = "";
	assert_int_equal(reg_trap_mx_verdict("victim.test", "mx.owner.test", &r, note, sizeof(note)),
	    0);
	assert_non_null(strstr(note, "null MX"));
	/* no MX: only the server's own name (RFC 5321 5.1) */
	r.status = DNS_NODATA;
	r.nrr = 0;
	assert_int_equal(
	    reg_trap_mx_verdict("mx.owner.test", "mx.owner.test", &r, note, sizeof(note)), 1);
	assert_int_equal(reg_trap_mx_verdict("owner.test", "mx.owner.test", &r, note, sizeof(note)),
	    0);
	r.status = DNS_NXDOMAIN;
	assert_int_equal(reg_trap_mx_verdict("gone.test", "mx.owner.test", &r, note, sizeof(note)),
	    0);
	/* a temporary failure decides nothing */
	r.status = DNS_TEMPFAIL;
	assert_int_equal(reg_trap_mx_verdict("owner.test", "mx.owner.test", &r, note, sizeof(note)),
	    -1);
}

static void
test_counts(void **state)
{
	static const struct {
		struct reg_trap_proof p;
		int counts;
		const char *why;
	} cases[] = {
		{ { 1, 1, 1, 0 }, 1, "" },
		{ { 0, 1, 1, 0 }, 0, "not an active server" },
		{ { 1, 0, 1, 0 }, 0, "not passed certification" },
		{ { 1, 1, 0, 0 }, 0, "did not come through" },
		{ { 1, 1, 1, 1 }, 0, "its own server" },
		{ { 0, 0, 0, 0 }, 0, "not an active server" },
	};
	char why[160];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(reg_trap_counts(&cases[i].p, why, sizeof(why)), cases[i].counts);
		assert_non_null(strstr(why, cases[i].why));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mx_verdict),
		cmocka_unit_test(test_counts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
