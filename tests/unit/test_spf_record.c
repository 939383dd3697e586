/*
 * Unit tests for the SPF record parser (spf_record.c): a table of records,
 * each either parsing to a canonical form or failing with a reason.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/spf_record.h"

struct rcase {
	const char *text;
	const char *canon;	/* expected spf_record_format, or NULL: error */
	const char *err;	/* substring of the error when canon is NULL */
};

static const struct rcase cases[] = {
	/* versions and spacing (RFC 7208 4.5, 4.6.1) */
	{ "v=spf1", "v=spf1", NULL },
	{ "V=SpF1 -ALL", "v=spf1 -all", NULL },
	{ "v=spf1  a   -all ", "v=spf1 a -all", NULL },
	{ "v=spf10", NULL, "not a v=spf1" },
	{ "v=spf1\t-all", NULL, "control character" },
	{ "v=spf1 -all\r", NULL, "control character" },
	{ "v=spf1 \xc3\xa9", NULL, "non-ASCII" },
	{ "spf1 -all", NULL, "not a v=spf1" },
	/* qualifiers and all */
	{ "v=spf1 +all ?all ~all -all", "v=spf1 all ?all ~all -all", NULL },
	{ "v=spf1 -all.", NULL, "takes no argument" },
	{ "v=spf1 -all/8", NULL, "takes no argument" },
	{ "v=spf1 !all", NULL, "unknown mechanism" },
	{ "v=spf1 foo", NULL, "unknown mechanism" },
	/* a, mx and dual CIDR (5.3, 5.4) */
	{ "v=spf1 a mx", "v=spf1 a mx", NULL },
	{ "v=spf1 a/24 a//64 a/24//64 a:x.example/0//0",
	  "v=spf1 a/24 a//64 a/24//64 a:x.example/0//0", NULL },
	{ "v=spf1 mx:%{d}/30", "v=spf1 mx:%{d}/30", NULL },
	{ "v=spf1 a/33", NULL, "CIDR" },
	{ "v=spf1 a//129", NULL, "CIDR" },
	{ "v=spf1 a/032", NULL, "CIDR" },
	{ "v=spf1 a/24/64", NULL, "CIDR" },
	{ "v=spf1 a:", NULL, "empty domain-spec" },
	{ "v=spf1 a:museum", NULL, "top-level label" },
	{ "v=spf1 a:museum.", NULL, "top-level label" },
	{ "v=spf1 a:abc.123", NULL, "top-level label" },
	{ "v=spf1 a:example.-com", NULL, "top-level label" },
	{ "v=spf1 a:foo.xn--zckzah", "v=spf1 a:foo.xn--zckzah", NULL },
	{ "v=spf1 a:foo.123-456", "v=spf1 a:foo.123-456", NULL },
	{ "v=spf1 a:foo:bar/baz.example.com", "v=spf1 a:foo:bar/baz.example.com", NULL },
	{ "v=spf1 a:example.com.", "v=spf1 a:example.com.", NULL },
	{ "v=spf1 ax", NULL, "unknown mechanism" },
	/* include, exists, ptr (5.2, 5.5, 5.7) */
	{ "v=spf1 include:_spf.example.com exists:%{i}.bl.example ptr ptr:example.org",
	  "v=spf1 include:_spf.example.com exists:%{i}.bl.example ptr ptr:example.org", NULL },
	{ "v=spf1 include", NULL, "expected ':'" },
	{ "v=spf1 include:", NULL, "empty domain-spec" },
	{ "v=spf1 include:x.example/24", NULL, "top-level label" },
	{ "v=spf1 exists", NULL, "expected ':'" },
	{ "v=spf1 ptr/0", NULL, "expected ':'" },
	{ "v=spf1 exists:%{x}.example", NULL, "unknown macro letter" },
	{ "v=spf1 exists:%{c}.example", NULL, "only allowed in explanations" },
	{ "v=spf1 exists:%{d0}.example", NULL, "zero parts" },
	/* ip4, ip6 (5.6) */
	{ "v=spf1 ip4:192.0.2.0/24 ip4:192.0.2.1 ip6:2001:DB8::/32 ip6:::1.1.1.1/0",
	  "v=spf1 ip4:192.0.2.0/24 ip4:192.0.2.1 ip6:2001:db8::/32 ip6:::1.1.1.1/0", NULL },
	{ "v=spf1 ip4:1.2.3", NULL, "IPv4 network" },
	{ "v=spf1 ip4:1.2.3.4:8080", NULL, "IPv4 network" },
	{ "v=spf1 ip4:01.2.3.4", NULL, "IPv4 network" },
	{ "v=spf1 ip4:256.2.3.4", NULL, "IPv4 network" },
	{ "v=spf1 ip4:1.2.3.4/33", NULL, "CIDR" },
	{ "v=spf1 ip4:1.2.3.4//32", NULL, "CIDR" },
	{ "v=spf1 ip4:1.2.3.4/", NULL, "CIDR" },
	{ "v=spf1 ip4", NULL, "expected ':'" },
	{ "v=spf1 ip6::CAFE::BABE", NULL, "IPv6 network" },
	{ "v=spf1 ip6:::1/129", NULL, "CIDR" },
	{ "v=spf1 ip6:::1//64", NULL, "CIDR" },
	/* modifiers (6) */
	{ "v=spf1 redirect=_spf.example.com", "v=spf1 redirect=_spf.example.com", NULL },
	{ "v=spf1 -all exp=explain.%{d}", "v=spf1 -all exp=explain.%{d}", NULL },
	{ "v=spf1 Redirect=a.example EXP=b.example", "v=spf1 redirect=a.example exp=b.example", NULL },
	{ "v=spf1 moo.cow-far_out=man:dog/cat -all", "v=spf1 -all", NULL },
	{ "v=spf1 default=+ x=%{c}", "v=spf1", NULL },
	{ "v=spf1 redirect=a.example redirect=b.example", NULL, "given twice" },
	{ "v=spf1 exp=a.example exp=b.example", NULL, "given twice" },
	{ "v=spf1 redirect=", NULL, "empty domain-spec" },
	{ "v=spf1 exp=", NULL, "empty domain-spec" },
	{ "v=spf1 exp=-all", NULL, "top-level label" },
	{ "v=spf1 exp=%{r}.example", NULL, "only allowed in explanations" },
	{ "v=spf1 foo=%abc", NULL, "'%' not followed" },
	{ "v=spf1 1up=foo", NULL, "unknown mechanism" },
	{ "v=spf1 =all", NULL, "unknown mechanism" },
	{ "v=spf1 redirect:a.example", NULL, "unknown mechanism" },
	{ "v=spf1 moo.cow/far_out=man", NULL, "unknown mechanism" },
};

static void
test_table(void **state)
{
	char err[300];
	struct strbuf sb;

	strbuf_init(&sb, 4096);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct rcase *c = &cases[i];
		struct spf_record *rec = NULL;
		int r = spf_record_parse(c->text, strlen(c->text), &rec, err, sizeof(err));

		if (c->canon == NULL) {
			if (r == 0)
				fail_msg("'%s' parsed, expected an error with '%s'", c->text, c->err);
			if (strstr(err, c->err) == NULL)
				fail_msg("'%s': error '%s' lacks '%s'", c->text, err, c->err);
			assert_null(rec);
			continue;
		}
		if (r != 0)
			fail_msg("'%s' failed: %s", c->text, err);
		strbuf_reset(&sb);
		spf_record_format(rec, &sb);
		if (strcmp(sb.s, c->canon) != 0)
			fail_msg("'%s' formats as '%s', expected '%s'", c->text, sb.s, c->canon);
		/* The canonical form parses to itself. */
		struct spf_record *again = NULL;
		assert_int_equal(spf_record_parse(sb.s, sb.len, &again, err, sizeof(err)), 0);
		spf_record_free(again);
		spf_record_free(rec);
	}
	strbuf_free(&sb);
}

static void
test_terms(void **state)
{
	const char *txt = "v=spf1 ~a:%{d}.example/24//64 -ip6:2001:db8::/48 redirect=r.example";
	struct spf_record *rec;
	const struct spf_term *t;
	char err[200];

	assert_int_equal(spf_record_parse(txt, strlen(txt), &rec, err, sizeof(err)), 0);
	assert_int_equal(spf_record_nterms(rec), 2);
	t = spf_record_term(rec, 0);
	assert_int_equal(t->mech, SPF_M_A);
	assert_int_equal(t->qual, SPF_SOFTFAIL);
	assert_string_equal(t->text, "~a:%{d}.example/24//64");
	assert_string_equal(t->spec, "%{d}.example");
	assert_int_equal(t->spec_len, 12);
	assert_int_equal(t->cidr4, 24);
	assert_int_equal(t->cidr6, 64);
	t = spf_record_term(rec, 1);
	assert_int_equal(t->mech, SPF_M_IP6);
	assert_int_equal(t->qual, SPF_FAIL);
	assert_int_equal(t->cidr6, 48);
	assert_int_equal(t->net[0], 0x20);
	assert_null(spf_record_term(rec, 2));
	assert_string_equal(spf_record_redirect(rec), "r.example");
	assert_null(spf_record_exp(rec));
	assert_string_equal(spf_mech_name(SPF_M_EXISTS), "exists");
	spf_record_free(rec);
	spf_record_free(NULL);
}

static void
test_selection(void **state)
{
	assert_true(spf_record_is_spf1("v=spf1", 6));
	assert_true(spf_record_is_spf1("V=SPF1 a", 8));
	assert_false(spf_record_is_spf1("v=spf1a", 7));
	assert_false(spf_record_is_spf1("v=spf", 5));
	assert_false(spf_record_is_spf1(" v=spf1", 7));
}

static void
test_binary(void **state)
{
	/* A NUL inside the text must not end it early or be accepted. */
	static const char txt[] = "v=spf1 a:foo.example.com\0 -all";
	struct spf_record *rec;
	char err[200];

	assert_int_equal(spf_record_parse(txt, sizeof(txt) - 1, &rec, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "control character"));
}

static void
test_long_record(void **state)
{
	/* A hostile record of many terms parses in bounded memory. */
	size_t n = 20000;
	char *txt = malloc(7 + n * 12);
	size_t len = 0;
	struct spf_record *rec;
	char err[200];

	memcpy(txt, "v=spf1", 6);
	len = 6;
	for (size_t i = 0; i < n; i++) {
		memcpy(txt + len, " a:%{d}.x.y", 11);
		len += 11;
	}
	assert_int_equal(spf_record_parse(txt, len, &rec, err, sizeof(err)), 0);
	assert_int_equal(spf_record_nterms(rec), n);
	spf_record_free(rec);
	free(txt);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_terms),
		cmocka_unit_test(test_selection),
		cmocka_unit_test(test_binary),
		cmocka_unit_test(test_long_record),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
