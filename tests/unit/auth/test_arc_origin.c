/*
 * Unit tests for auth/arc_origin: what the oldest ARC set's
 * ARC-Authentication-Results says passed for a From domain. A table of
 * payloads as dkimpy, OpenARC and Gmail write them, with comments,
 * quoting, CFWS around '=', versions, and alignment under the Public
 * Suffix List (relaxed) and strict modes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "auth/arc_origin.h"
#include "auth/orgdomain.h"

#define R DMARC_ALIGN_RELAXED
#define S DMARC_ALIGN_STRICT

static const struct origin_case {
	const char *name;
	const char *aar;
	const char *from;
	enum dmarc_align adkim, aspf;
	enum arc_origin_pass want;
	const char *domain;
	const char *authserv;
} cases[] = {
	{ "dkimpy",
	    " lists.example.org; spf=pass smtp.mailfrom=a@example.com; dkim=pass "
	    "header.d=example.com; dmarc=pass header.from=example.com",
	    "example.com", R, R, ARC_ORIGIN_DMARC, "example.com", "lists.example.org" },
	{ "dmarc for another domain", "mx.example.org; dmarc=pass header.from=other.example",
	    "example.com", R, R, ARC_ORIGIN_NONE, "", "mx.example.org" },
	{ "dmarc fail, dkim pass aligned",
	    "mx.example.org; dmarc=fail header.from=example.com; "
	    "dkim=pass (2048-bit key) header.d=mail.example.com",
	    "example.com", R, R, ARC_ORIGIN_DKIM, "mail.example.com", "mx.example.org" },
	{ "dkim pass, strict, subdomain", "mx.example.org; dkim=pass header.d=mail.example.com",
	    "example.com", S, R, ARC_ORIGIN_NONE, "", "mx.example.org" },
	{ "dkim header.i only", "mx.example.org; dkim=pass header.i=@example.com", "example.com", R,
	    R, ARC_ORIGIN_DKIM, "example.com", "mx.example.org" },
	{ "dkim unaligned", "mx.example.org; dkim=pass header.d=example.net", "example.com", R, R,
	    ARC_ORIGIN_NONE, "", "mx.example.org" },
	{ "spf aligned", "mx.example.org; spf=pass smtp.mailfrom=bounce@bounce.example.com",
	    "example.com", R, R, ARC_ORIGIN_SPF, "bounce.example.com", "mx.example.org" },
	{ "spf aligned, strict", "mx.example.org; spf=pass smtp.mailfrom=b@bounce.example.com",
	    "example.com", R, S, ARC_ORIGIN_NONE, "", "mx.example.org" },
	{ "spf softfail", "mx.example.org; spf=softfail smtp.mailfrom=a@example.com", "example.com",
	    R, R, ARC_ORIGIN_NONE, "", "mx.example.org" },
	{ "not across a public suffix", "mx.example.org; dkim=pass header.d=other.co.uk",
	    "example.co.uk", R, R, ARC_ORIGIN_NONE, "", "mx.example.org" },
	{ "gmail style, comments",
	    "mx.google.com; dkim=pass header.i=@example.com "
	    "header.s=s1 header.b=AbCd; spf=pass (google.com: domain of "
	    "a@example.com designates 192.0.2.1 as permitted sender) "
	    "smtp.mailfrom=a@example.com; dmarc=pass (p=REJECT sp=REJECT "
	    "dis=NONE) header.from=example.com",
	    "example.com", R, R, ARC_ORIGIN_DMARC, "example.com", "mx.google.com" },
	{ "a semicolon in a comment",
	    "mx.example.org; dkim=fail (bad; really) header.d=example.com"
	    "; dmarc=pass header.from=example.com",
	    "example.com", R, R, ARC_ORIGIN_DMARC, "example.com", "mx.example.org" },
	{ "CFWS around =, version, upper case",
	    "mx.example.org 1; DMARC / 1 = PASS header.from = "
	    "Example.COM",
	    "example.com", R, R, ARC_ORIGIN_DMARC, "example.com", "mx.example.org" },
	{ "quoted value", "mx.example.org; dmarc=pass header.from=\"example.com\"", "example.com",
	    R, R, ARC_ORIGIN_DMARC, "example.com", "mx.example.org" },
	{ "the pass word in a comment",
	    "mx.example.org; dmarc=fail (was pass) "
	    "header.from=example.com",
	    "example.com", R, R, ARC_ORIGIN_NONE, "", "mx.example.org" },
	{ "none", "mx.example.org; none", "example.com", R, R, ARC_ORIGIN_NONE, "",
	    "mx.example.org" },
	{ "empty", "", "example.com", R, R, ARC_ORIGIN_NONE, "", "" },
	{ "unbalanced comment", "mx.example.org; dmarc=pass (header.from=example.com",
	    "example.com", R, R, ARC_ORIGIN_NONE, "", "mx.example.org" },
};

static void
test_table(void **state)
{
	char err[200];
	struct orgdomain *od = orgdomain_open(NULL, err, sizeof(err));

	(void)state;
	assert_non_null(od);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct origin_case *c = &cases[i];
		struct arc_origin o;
		enum arc_origin_pass got =
		    arc_origin_read(c->aar, c->from, od, c->adkim, c->aspf, &o);
		if (got != c->want || o.pass != got || strcmp(o.domain, c->domain) != 0 ||
		    strcmp(o.authserv_id, c->authserv) != 0)
			fail_msg("%s: got %s \"%s\" by \"%s\"", c->name, arc_origin_name(got),
			    o.domain, o.authserv_id);
	}
	orgdomain_free(od);
}

/* Without a suffix list, alignment is the same name only. */
static void
test_no_suffix_list(void **state)
{
	struct arc_origin o;

	(void)state;
	assert_int_equal(arc_origin_read("x; dkim=pass header.d=mail.example.com", "example.com",
	                     NULL, R, R, &o),
	    ARC_ORIGIN_NONE);
	assert_int_equal(
	    arc_origin_read("x; dkim=pass header.d=example.com", "example.com", NULL, R, R, &o),
	    ARC_ORIGIN_DKIM);
	assert_int_equal(arc_origin_read(NULL, "example.com", NULL, R, R, &o), ARC_ORIGIN_NONE);
	assert_int_equal(
	    arc_origin_read("x; dmarc=pass header.from=", "", NULL, R, R, &o), ARC_ORIGIN_NONE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_no_suffix_list),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
