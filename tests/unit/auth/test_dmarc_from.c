/*
 * Unit tests for the RFC5322.From domain (dmarc_from.c): a table of From
 * field values with the domain DMARC must evaluate, or why there is none.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "auth/dmarc_from.h"

struct fcase {
	const char *value;
	enum dmarc_from_status st;
	const char *domain; /* for OK and MULTI */
	unsigned naddrs;
};

static const struct fcase cases[] = {
	{ " alice@example.com", DMARC_FROM_OK, "example.com", 1 },
	{ "alice@Example.COM.", DMARC_FROM_OK, "example.com", 1 },
	{ " Alice <alice@example.com>", DMARC_FROM_OK, "example.com", 1 },
	{ " \"Alice, the one\" <alice@example.com>", DMARC_FROM_OK, "example.com", 1 },
	{ " =?utf-8?q?Al=C3=AFce?= <alice@example.com>", DMARC_FROM_OK, "example.com", 1 },
	{ " (comment (nested)) alice@example.com (more)", DMARC_FROM_OK, "example.com", 1 },
	{ " Alice\r\n <alice@example.com>", DMARC_FROM_OK, "example.com", 1 },
	{ " \"a@evil.example\"@example.com", DMARC_FROM_OK, "example.com", 1 },
	/* the display name is not the address: its "@" does not count */
	{ " ceo@bank.example <forger@evil.example>", DMARC_FROM_OK, "evil.example", 1 },
	{ " \"ceo@bank.example\" <forger@evil.example>", DMARC_FROM_OK, "evil.example", 1 },
	/* obsolete route (RFC 5322 4.4) */
	{ " <@relay.example,@other.example:alice@example.com>", DMARC_FROM_OK, "example.com", 1 },
	/* UTF-8 (RFC 6532) */
	{ " Jöran <jöran@exämple.com>", DMARC_FROM_OK, "exämple.com", 1 },
	/* several addresses: one domain is fine, two are not (6.6.1) */
	{ " a@example.com, B <b@EXAMPLE.com>", DMARC_FROM_OK, "example.com", 2 },
	{ " a@example.com, b@example.org", DMARC_FROM_MULTI, "example.com", 2 },
	{ " a@example.com, b@[192.0.2.1]", DMARC_FROM_MULTI, "example.com", 2 },
	/* groups (RFC 6854) */
	{ " Team: a@example.com, b@example.com;", DMARC_FROM_OK, "example.com", 2 },
	{ " undisclosed-recipients:;", DMARC_FROM_NONE, "", 0 },
	{ "", DMARC_FROM_NONE, "", 0 },
	{ "  (just a comment)", DMARC_FROM_NONE, "", 0 },
	/* address literals cannot have a DMARC policy */
	{ " a@[192.0.2.1]", DMARC_FROM_LITERAL, "", 1 },
	/* not a mailbox-list */
	{ " alice", DMARC_FROM_SYNTAX, "", 0 },
	{ " Alice <alice>", DMARC_FROM_SYNTAX, "", 0 },
	{ " <alice@example.com", DMARC_FROM_SYNTAX, "", 0 },
	{ " alice@example.com>", DMARC_FROM_SYNTAX, "", 0 },
	{ " \"unterminated <a@example.com>", DMARC_FROM_SYNTAX, "", 0 },
	{ " (unterminated a@example.com", DMARC_FROM_SYNTAX, "", 0 },
	{ " @example.com", DMARC_FROM_SYNTAX, "", 0 },
	{ " a@", DMARC_FROM_SYNTAX, "", 0 },
	{ " a@example..com", DMARC_FROM_SYNTAX, "", 0 },
	/* found by fuzz_dmarc_from: two trailing dots left "a." after the first went */
	{ " Al<ace@A..>", DMARC_FROM_SYNTAX, "", 0 },
	{ " a@example.com..", DMARC_FROM_SYNTAX, "", 0 },
	{ " a@.", DMARC_FROM_SYNTAX, "", 0 },
	{ " a@.example.com", DMARC_FROM_SYNTAX, "", 0 },
	{ " a@exa mple.com", DMARC_FROM_SYNTAX, "", 0 },
	{ " a@\"example.com\"", DMARC_FROM_SYNTAX, "", 0 },
	{ " Team: a@example.com", DMARC_FROM_SYNTAX, "", 1 },
	{ " a@example.com;", DMARC_FROM_SYNTAX, "", 1 },
	{ " x: y: a@example.com;;", DMARC_FROM_SYNTAX, "", 0 },
	{ " a\001b@example.com", DMARC_FROM_SYNTAX, "", 0 },
	{ " <a@example.com, b@example.com>", DMARC_FROM_SYNTAX, "", 0 },
};

static void
test_table(void **state)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct fcase *c = &cases[i];
		char dom[254];
		unsigned n = 99;
		enum dmarc_from_status st =
		    dmarc_from_parse(c->value, strlen(c->value), dom, sizeof(dom), &n);

		if (st != c->st)
			fail_msg("'%s': %s, want %s", c->value, dmarc_from_status_name(st),
			    dmarc_from_status_name(c->st));
		if (strcmp(dom, c->domain) != 0)
			fail_msg("'%s': domain '%s', want '%s'", c->value, dom, c->domain);
		if (st != DMARC_FROM_SYNTAX && n != c->naddrs)
			fail_msg("'%s': %u addresses, want %u", c->value, n, c->naddrs);
	}
}

static void
test_bounds(void **state)
{
	char big[DMARC_FROM_MAX + 2];
	char dom[254];

	memset(big, ' ', sizeof(big));
	memcpy(big + sizeof(big) - 14, "a@example.com", 13);
	assert_int_equal(
	    dmarc_from_parse(big, sizeof(big) - 1, dom, sizeof(dom), NULL), DMARC_FROM_SYNTAX);
	assert_int_equal(
	    dmarc_from_parse(big + 2, sizeof(big) - 3, dom, sizeof(dom), NULL), DMARC_FROM_OK);
	/* a domain over 253 characters */
	char longd[400];
	size_t o = (size_t)snprintf(longd, sizeof(longd), "a@");
	for (int i = 0; i < 6; i++)
		o += (size_t)snprintf(longd + o, sizeof(longd) - o, "%s.",
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	snprintf(longd + o, sizeof(longd) - o, "com");
	assert_int_equal(
	    dmarc_from_parse(longd, strlen(longd), dom, sizeof(dom), NULL), DMARC_FROM_SYNTAX);
	/* too small an output buffer is refused, not overrun */
	assert_int_equal(dmarc_from_parse("a@example.com", 13, dom, 10, NULL), DMARC_FROM_SYNTAX);
	/* length is honoured: no reading past len */
	assert_int_equal(
	    dmarc_from_parse("a@example.comXYZ", 13, dom, sizeof(dom), NULL), DMARC_FROM_OK);
	assert_string_equal(dom, "example.com");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_bounds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
