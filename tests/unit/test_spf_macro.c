/*
 * Unit tests for the SPF macro language (spf_macro.c): RFC 7208 7.4's
 * examples and the edge cases of section 7, as tables.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "auth/spf.h"
#include "auth/spf_macro.h"

struct mcase {
	const char *in;
	int flags;
	const char *out;	/* NULL: expect err */
	int err;
};

/* RFC 7208 7.4: sender strong-bad@email.example.com, IP 192.0.2.3. */
static void
example_vars(struct spf_macro_vars *v)
{
	memset(v, 0, sizeof(*v));
	SPF_MACRO_VAR(v, 's') = "strong-bad@email.example.com";
	SPF_MACRO_VAR(v, 'l') = "strong-bad";
	SPF_MACRO_VAR(v, 'o') = "email.example.com";
	SPF_MACRO_VAR(v, 'd') = "email.example.com";
	SPF_MACRO_VAR(v, 'i') = "192.0.2.3";
	SPF_MACRO_VAR(v, 'c') = "192.0.2.3";
	SPF_MACRO_VAR(v, 'v') = "in-addr";
	SPF_MACRO_VAR(v, 'h') = "mx.example.org";
	SPF_MACRO_VAR(v, 'p') = "unknown";
	SPF_MACRO_VAR(v, 'r') = "receiver.example.net";
	SPF_MACRO_VAR(v, 't') = "1400000000";
}

static const struct mcase cases[] = {
	/* RFC 7208 7.4 */
	{ "%{s}", 0, "strong-bad@email.example.com", 0 },
	{ "%{o}", 0, "email.example.com", 0 },
	{ "%{d}", 0, "email.example.com", 0 },
	{ "%{d4}", 0, "email.example.com", 0 },
	{ "%{d3}", 0, "email.example.com", 0 },
	{ "%{d2}", 0, "example.com", 0 },
	{ "%{d1}", 0, "com", 0 },
	{ "%{dr}", 0, "com.example.email", 0 },
	{ "%{d2r}", 0, "example.email", 0 },
	{ "%{l}", 0, "strong-bad", 0 },
	{ "%{l-}", 0, "strong.bad", 0 },
	{ "%{lr}", 0, "strong-bad", 0 },
	{ "%{lr-}", 0, "bad.strong", 0 },
	{ "%{l1r-}", 0, "strong", 0 },
	{ "%{ir}.%{v}._spf.%{d2}", 0, "3.2.0.192.in-addr._spf.example.com", 0 },
	{ "%{lr-}.lp._spf.%{d2}", 0, "bad.strong.lp._spf.example.com", 0 },
	{ "%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", 0,
	  "bad.strong.lp.3.2.0.192.in-addr._spf.example.com", 0 },
	{ "%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", 0,
	  "3.2.0.192.in-addr.strong.lp._spf.example.com", 0 },
	{ "%{d2}.trusted-domains.example.net", 0,
	  "example.com.trusted-domains.example.net", 0 },
	/* escapes, case, delimiters, large digit counts */
	{ "a%%b%_c%-d", 0, "a%b c%20d", 0 },
	{ "%{D}", 0, "email.example.com", 0 },
	{ "%{S}", 0, "strong-bad%40email.example.com", 0 },
	{ "%{L-}", 0, "strong.bad", 0 },
	{ "%{d99999999999999999999}", 0, "email.example.com", 0 },
	{ "%{s-.}", 0, "strong.bad@email.example.com", 0 },
	{ "%{l1-}", 0, "bad", 0 },
	{ "%{s1r.-+,/_=}", 0, "strong", 0 },
	{ "%{s-@}", 0, NULL, SPF_MACRO_ESYNTAX },	/* '@' is no delimiter */
	{ "%{h}", 0, "mx.example.org", 0 },
	{ "%{p}", 0, "unknown", 0 },
	/* explanation-only letters and spaces */
	{ "%{c} via %{r} at %{t}", SPF_MACRO_EXP, "192.0.2.3 via receiver.example.net at 1400000000", 0 },
	{ "%{c}", 0, NULL, SPF_MACRO_ESYNTAX },
	{ "%{r}", 0, NULL, SPF_MACRO_ESYNTAX },
	{ "%{t}", 0, NULL, SPF_MACRO_ESYNTAX },
	/* syntax errors (7.1) */
	{ "%", 0, NULL, SPF_MACRO_ESYNTAX },
	{ "a%", 0, NULL, SPF_MACRO_ESYNTAX },
	{ "%x", 0, NULL, SPF_MACRO_ESYNTAX },
	{ "%(ir)", 0, NULL, SPF_MACRO_ESYNTAX },
	{ "%{", 0, NULL, SPF_MACRO_ESYNTAX },
	{ "%{d", 0, NULL, SPF_MACRO_ESYNTAX },
	{ "%{a}", 0, NULL, SPF_MACRO_ESYNTAX },
	{ "%{x}", SPF_MACRO_EXP, NULL, SPF_MACRO_ESYNTAX },
	{ "%{d0}", 0, NULL, SPF_MACRO_ESYNTAX },
	{ "%{d2rr}", 0, NULL, SPF_MACRO_ESYNTAX },
	{ "%{d!}", 0, NULL, SPF_MACRO_ESYNTAX },
};

static void
test_expand_table(void **state)
{
	struct spf_macro_vars v;
	char out[SPF_MACRO_MAX];
	size_t n;

	example_vars(&v);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct mcase *c = &cases[i];
		const char *why;
		int r = spf_macro_expand(c->in, strlen(c->in), &v, c->flags, out, sizeof(out), &n);
		int chk = spf_macro_check(c->in, strlen(c->in), c->flags, &why);

		if (c->out == NULL) {
			if (r != c->err)
				fail_msg("'%s': returned %d, expected %d", c->in, r, c->err);
			assert_int_equal(chk, -1);
			continue;
		}
		if (r != SPF_MACRO_OK)
			fail_msg("'%s': returned %d", c->in, r);
		if (strcmp(out, c->out) != 0 || n != strlen(c->out))
			fail_msg("'%s' expands to '%s', expected '%s'", c->in, out, c->out);
		assert_int_equal(chk, 0);
	}
}

static void
test_url_escape(void **state)
{
	/* RFC 7208 7.3: upper-case letters escape all but RFC 3986 unreserved. */
	struct spf_macro_vars v;
	char out[256];

	memset(&v, 0, sizeof(v));
	SPF_MACRO_VAR(&v, 'l') = "~jack&jill=up-a_b3.c /\x7f";
	assert_int_equal(spf_macro_expand("%{L}", 4, &v, 0, out, sizeof(out), NULL), 0);
	assert_string_equal(out, "~jack%26jill%3Dup-a_b3.c%20%2F%7F");
}

static void
test_domain_check(void **state)
{
	static const struct { const char *s; int ok; } dc[] = {
		{ "example.com", 0 }, { "example.com.", 0 }, { "%{d}", 0 }, { "%{d}.", -1 },
		{ "%{d}.example", 0 }, { "x.%{ir}", 0 }, { "x%%", 0 }, { "x%-", 0 },
		{ "com", -1 }, { ".com", 0 }, { "", -1 }, { "a.1", -1 }, { "a.1-", -1 },
		{ "a.-x", -1 }, { "a.x-1", 0 }, { "a.b/c", -1 }, { "a.b c", -1 },
		{ "%{c}.example", -1 }, { "foo%.example", -1 },
	};
	const char *why;

	for (size_t i = 0; i < sizeof(dc) / sizeof(dc[0]); i++) {
		int r = spf_macro_check_domain(dc[i].s, strlen(dc[i].s), &why);
		if (r != dc[i].ok)
			fail_msg("'%s': %d, expected %d", dc[i].s, r, dc[i].ok);
	}
	assert_true(spf_macro_uses("a.%{P}.b", 8, 'p'));
	assert_false(spf_macro_uses("a.%{d}.b%%p", 11, 'p'));
}

static void
test_domain_truncation(void **state)
{
	/* RFC 7208 7.3: labels are removed from the left to fit 253. */
	struct spf_macro_vars v;
	char label[64], spec[64], out[SPF_DOMAIN_MAX + 1];
	char big[600];

	memset(&v, 0, sizeof(v));
	memset(label, 'a', 60);
	label[60] = '\0';
	snprintf(big, sizeof(big), "%s.%s.%s.%s.%s", label, label, label, label, label);
	SPF_MACRO_VAR(&v, 'd') = big;	/* 304 characters */
	snprintf(spec, sizeof(spec), "%%{d}.example.com.");
	assert_int_equal(spf_macro_expand_domain(spec, strlen(spec), &v, out, sizeof(out)), 0);
	assert_true(strlen(out) <= SPF_DOMAIN_MAX);
	/* Three labels of 60 plus dots plus ".example.com" = 194; four would be 255. */
	assert_int_equal(strlen(out), 3 * 61 + 11);
	assert_string_equal(out + strlen(out) - 12, ".example.com");

	/* One label longer than 253 cannot be cut. */
	char huge[300];
	memset(huge, 'b', 299);
	huge[299] = '\0';
	SPF_MACRO_VAR(&v, 'd') = huge;
	assert_int_equal(spf_macro_expand_domain("%{d}", 4, &v, out, sizeof(out)),
	    SPF_MACRO_ETOOLONG);

	/* The trailing dot goes, but not from explanations. */
	SPF_MACRO_VAR(&v, 'd') = "example.com";
	assert_int_equal(spf_macro_expand_domain("%{d}.", 5, &v, out, sizeof(out)), 0);
	assert_string_equal(out, "example.com");
	assert_int_equal(spf_macro_expand("This is %{d}.", 13, &v, SPF_MACRO_EXP, out,
	    sizeof(out), NULL), 0);
	assert_string_equal(out, "This is example.com.");
}

static void
test_bounds(void **state)
{
	/* Expansion never writes past the buffer. */
	struct spf_macro_vars v;
	char out[16];
	char many[4000];
	size_t n;

	example_vars(&v);
	assert_int_equal(spf_macro_expand("%{s}", 4, &v, 0, out, sizeof(out), &n),
	    SPF_MACRO_ETOOLONG);
	assert_int_equal(spf_macro_expand("0123456789abcdef", 16, &v, 0, out, sizeof(out), &n),
	    SPF_MACRO_ETOOLONG);
	assert_int_equal(spf_macro_expand("0123456789abcde", 15, &v, 0, out, sizeof(out), &n), 0);
	for (size_t i = 0; i + 4 <= sizeof(many); i += 4)
		memcpy(many + i, "%{S}", 4);
	{
		char big[SPF_MACRO_MAX];
		assert_int_equal(spf_macro_expand(many, sizeof(many), &v, 0, big, sizeof(big), &n),
		    SPF_MACRO_ETOOLONG);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expand_table),
		cmocka_unit_test(test_url_escape),
		cmocka_unit_test(test_domain_check),
		cmocka_unit_test(test_domain_truncation),
		cmocka_unit_test(test_bounds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
