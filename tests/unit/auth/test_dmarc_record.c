/*
 * Unit tests for the DMARC record parser (dmarc_record.c, RFC 7489 6.3,
 * 6.4, 6.6.3 step 6): a table of records with what a receiver must read
 * from each, the canonical text, and mailto: URIs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "auth/dmarc_record.h"

#define N DMARC_POLICY_NONE
#define Q DMARC_POLICY_QUARANTINE
#define R DMARC_POLICY_REJECT
#define REL DMARC_ALIGN_RELAXED
#define STR DMARC_ALIGN_STRICT

struct rcase {
	const char *txt;
	enum dmarc_record_status st;
	enum dmarc_policy p, sp;
	unsigned pct;
	enum dmarc_align adkim, aspf;
	unsigned fo;
	uint32_t ri;
	size_t nrua;
	const char *rua0;
	uint64_t limit0;
	int p_assumed;
	const char *note; /* a text the notes must hold, or NULL for no notes */
};

static const struct rcase cases[] = {
	/* the minimal record and every default (6.3) */
	{ "v=DMARC1; p=none", DMARC_RECORD_OK, N, N, 100, REL, REL, DMARC_FO_0, 86400, 0, NULL, 0,
	    0, NULL },
	{ "v=DMARC1;p=reject;", DMARC_RECORD_OK, R, R, 100, REL, REL, DMARC_FO_0, 86400, 0, NULL, 0,
	    0, NULL },
	/* white space around everything (6.4 *WSP), keywords in any case (ABNF) */
	{ "  v = DMARC1 ;  P = Quarantine ; SP=none ; pct = 25 ; adkim=S; ASPF=s ", DMARC_RECORD_OK,
	    Q, N, 25, STR, STR, DMARC_FO_0, 86400, 0, NULL, 0, 0, NULL },
	/* every tag */
	{ "v=DMARC1; p=reject; sp=quarantine; pct=0; adkim=r; aspf=s; fo=1:d:s; rf=afrf; "
	  "ri=3600; rua=mailto:agg@example.com!10m, mailto:x@example.net; ruf=mailto:f@example.com",
	    DMARC_RECORD_OK, R, Q, 0, REL, STR, DMARC_FO_1 | DMARC_FO_D | DMARC_FO_S, 3600, 2,
	    "mailto:agg@example.com", 10ull << 20, 0, NULL },
	/* size units (6.2): k m g t, or bytes */
	{ "v=DMARC1; p=none; rua=mailto:a@example.com!500", DMARC_RECORD_OK, N, N, 100, REL, REL,
	    DMARC_FO_0, 86400, 1, "mailto:a@example.com", 500, 0, NULL },
	{ "v=DMARC1; p=none; rua=mailto:a@example.com!2K", DMARC_RECORD_OK, N, N, 100, REL, REL,
	    DMARC_FO_0, 86400, 1, "mailto:a@example.com", 2048, 0, NULL },
	{ "v=DMARC1; p=none; rua=mailto:a@example.com!1t", DMARC_RECORD_OK, N, N, 100, REL, REL,
	    DMARC_FO_0, 86400, 1, "mailto:a@example.com", 1ull << 40, 0, NULL },
	{ "v=DMARC1; p=none; rua=mailto:a@example.com!99999999999999999999t", DMARC_RECORD_OK, N, N,
	    100, REL, REL, DMARC_FO_0, 86400, 0, NULL, 0, 0, "bad size limit" },
	{ "v=DMARC1; p=none; rua=mailto:a@example.com!18446744073709551615k", DMARC_RECORD_OK, N, N,
	    100, REL, REL, DMARC_FO_0, 86400, 1, "mailto:a@example.com", UINT64_MAX, 0, NULL },
	/* v= must be first and exactly DMARC1 (6.3 v=) */
	{ "p=reject; v=DMARC1", DMARC_RECORD_NOT_DMARC, N, N, 100, REL, REL, DMARC_FO_0, 86400, 0,
	    NULL, 0, 0, NULL },
	{ "v=dmarc1; p=reject", DMARC_RECORD_NOT_DMARC, N, N, 100, REL, REL, DMARC_FO_0, 86400, 0,
	    NULL, 0, 0, NULL },
	{ "v=DMARC10; p=reject", DMARC_RECORD_NOT_DMARC, N, N, 100, REL, REL, DMARC_FO_0, 86400, 0,
	    NULL, 0, 0, NULL },
	{ "v=DMARC1 p=reject", DMARC_RECORD_NOT_DMARC, N, N, 100, REL, REL, DMARC_FO_0, 86400, 0,
	    NULL, 0, 0, NULL },
	{ "v=spf1 -all", DMARC_RECORD_NOT_DMARC, N, N, 100, REL, REL, DMARC_FO_0, 86400, 0, NULL, 0,
	    0, NULL },
	{ "", DMARC_RECORD_NOT_DMARC, N, N, 100, REL, REL, DMARC_FO_0, 86400, 0, NULL, 0, 0, NULL },
	/* no usable p= (6.6.3 step 6) */
	{ "v=DMARC1", DMARC_RECORD_NO_POLICY, N, N, 100, REL, REL, DMARC_FO_0, 86400, 0, NULL, 0, 0,
	    NULL },
	{ "v=DMARC1; p=block", DMARC_RECORD_NO_POLICY, N, N, 100, REL, REL, DMARC_FO_0, 86400, 0,
	    NULL, 0, 0, "p=\"block\" invalid" },
	{ "v=DMARC1; p=reject; sp=maybe", DMARC_RECORD_NO_POLICY, R, R, 100, REL, REL, DMARC_FO_0,
	    86400, 0, NULL, 0, 0, "sp=\"maybe\" invalid" },
	/* ... unless rua= has a valid URI: then it acts as p=none */
	{ "v=DMARC1; rua=mailto:a@example.com", DMARC_RECORD_OK, N, N, 100, REL, REL, DMARC_FO_0,
	    86400, 1, "mailto:a@example.com", 0, 1, NULL },
	{ "v=DMARC1; p=bogus; sp=reject; rua=mailto:a@example.com", DMARC_RECORD_OK, N, N, 100, REL,
	    REL, DMARC_FO_0, 86400, 1, "mailto:a@example.com", 0, 1, "p=\"bogus\" invalid" },
	{ "v=DMARC1; rua=not a uri", DMARC_RECORD_NO_POLICY, N, N, 100, REL, REL, DMARC_FO_0, 86400,
	    0, NULL, 0, 0, "not a URI" },
	/* invalid values of other tags fall back to their defaults (6.3) */
	{ "v=DMARC1; p=reject; pct=101; adkim=x; aspf=strict; fo=2; ri=-1; rf=iodef",
	    DMARC_RECORD_OK, R, R, 100, REL, REL, DMARC_FO_0, 86400, 0, NULL, 0, 0, "pct=\"101\"" },
	{ "v=DMARC1; p=reject; pct=0100", DMARC_RECORD_OK, R, R, 100, REL, REL, DMARC_FO_0, 86400,
	    0, NULL, 0, 0, "pct=\"0100\" invalid" },
	{ "v=DMARC1; p=reject; pct=050", DMARC_RECORD_OK, R, R, 50, REL, REL, DMARC_FO_0, 86400, 0,
	    NULL, 0, 0, NULL },
	{ "v=DMARC1; p=reject; ri=4294967295", DMARC_RECORD_OK, R, R, 100, REL, REL, DMARC_FO_0,
	    4294967295u, 0, NULL, 0, 0, NULL },
	{ "v=DMARC1; p=reject; ri=4294967296", DMARC_RECORD_OK, R, R, 100, REL, REL, DMARC_FO_0,
	    86400, 0, NULL, 0, 0, "ri=" },
	{ "v=DMARC1; p=reject; fo=0:x", DMARC_RECORD_OK, R, R, 100, REL, REL, DMARC_FO_0, 86400, 0,
	    NULL, 0, 0, "fo=" },
	/* unknown tags are ignored (6.3), and noted */
	{ "v=DMARC1; p=quarantine; np=reject; t=y; psd=n", DMARC_RECORD_OK, Q, Q, 100, REL, REL,
	    DMARC_FO_0, 86400, 0, NULL, 0, 0, "unknown tag \"np\" ignored" },
	/* a second tag is ignored; the first counts */
	{ "v=DMARC1; p=reject; p=none", DMARC_RECORD_OK, R, R, 100, REL, REL, DMARC_FO_0, 86400, 0,
	    NULL, 0, 0, "second p= ignored" },
	/* p= not second is read, with a note */
	{ "v=DMARC1; pct=100; p=reject", DMARC_RECORD_OK, R, R, 100, REL, REL, DMARC_FO_0, 86400, 0,
	    NULL, 0, 0, "not the second tag" },
	/* malformed parts are skipped */
	{ "v=DMARC1;; p=reject; garbage; 9x=1", DMARC_RECORD_OK, R, R, 100, REL, REL, DMARC_FO_0,
	    86400, 0, NULL, 0, 0, "\"garbage\" is no tag=value" },
	/* bad URIs are dropped, good ones kept; commas must be encoded */
	{ "v=DMARC1; p=none; rua=mailto:a@example.com,,http://x.example/r?a%2Cb, bad",
	    DMARC_RECORD_OK, N, N, 100, REL, REL, DMARC_FO_0, 86400, 2, "mailto:a@example.com", 0,
	    0, "empty URI ignored" },
	{ "v=DMARC1; p=none; rua=mailto:a@example.com!1x", DMARC_RECORD_OK, N, N, 100, REL, REL,
	    DMARC_FO_0, 86400, 0, NULL, 0, 0, "bad size unit" },
	{ "v=DMARC1; p=none; rua=mailto:a%zz@example.com", DMARC_RECORD_OK, N, N, 100, REL, REL,
	    DMARC_FO_0, 86400, 0, NULL, 0, 0, "not a URI" },
};

static void
test_table(void **state)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct rcase *c = &cases[i];
		struct dmarc_record rec;
		char err[300];
		enum dmarc_record_status st =
		    dmarc_record_parse(c->txt, strlen(c->txt), &rec, err, sizeof(err));

		if (st != c->st)
			fail_msg("'%s': status %d, want %d (%s)", c->txt, st, c->st, err);
		if (st != DMARC_RECORD_OK && err[0] == '\0')
			fail_msg("'%s': no reason", c->txt);
		if (st == DMARC_RECORD_NOT_DMARC)
			continue;
		if (st == DMARC_RECORD_OK &&
		    (rec.p != c->p || rec.sp != c->sp || rec.p_assumed != c->p_assumed))
			fail_msg(
			    "'%s': p=%d sp=%d assumed=%d", c->txt, rec.p, rec.sp, rec.p_assumed);
		if (rec.pct != c->pct || rec.adkim != c->adkim || rec.aspf != c->aspf ||
		    rec.fo != c->fo || rec.ri != c->ri)
			fail_msg("'%s': pct=%u adkim=%d aspf=%d fo=%u ri=%u", c->txt, rec.pct,
			    rec.adkim, rec.aspf, rec.fo, rec.ri);
		if (rec.nrua != c->nrua)
			fail_msg("'%s': %zu rua URIs (%s)", c->txt, rec.nrua, rec.notes);
		if (c->rua0 && (strcmp(rec.rua[0].uri, c->rua0) || rec.rua[0].limit != c->limit0))
			fail_msg("'%s': rua[0] %s !%llu", c->txt, rec.rua[0].uri,
			    (unsigned long long)rec.rua[0].limit);
		if (c->note && !strstr(rec.notes, c->note))
			fail_msg("'%s': notes '%s' lack '%s'", c->txt, rec.notes, c->note);
		if (!c->note && rec.notes[0] && st == DMARC_RECORD_OK)
			fail_msg("'%s': unexpected notes '%s'", c->txt, rec.notes);
	}
}

static void
test_is_dmarc1(void **state)
{
	assert_true(dmarc_record_is_dmarc1("v=DMARC1", 8));
	assert_true(dmarc_record_is_dmarc1("v=DMARC1;", 9));
	assert_true(dmarc_record_is_dmarc1(" V =\tDMARC1 ; p=none", 20));
	assert_false(dmarc_record_is_dmarc1("v=DMARC", 7));
	assert_false(dmarc_record_is_dmarc1("v=DMARC1x", 9));
	assert_false(dmarc_record_is_dmarc1("x=DMARC1", 8));
	assert_false(dmarc_record_is_dmarc1("v=DMARC1", 7)); /* length is honoured */
}

static void
test_format_round_trip(void **state)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct dmarc_record a, b;
		struct strbuf ta, tb;
		char err[300];

		if (dmarc_record_parse(cases[i].txt, strlen(cases[i].txt), &a, err, sizeof(err)) !=
		    DMARC_RECORD_OK)
			continue;
		strbuf_init(&ta, 8192);
		strbuf_init(&tb, 8192);
		dmarc_record_format(&a, &ta);
		if (dmarc_record_parse(ta.s, ta.len, &b, err, sizeof(err)) != DMARC_RECORD_OK)
			fail_msg("canonical '%s' does not parse: %s", ta.s, err);
		if (b.notes[0])
			fail_msg("canonical '%s' has notes: %s", ta.s, b.notes);
		dmarc_record_format(&b, &tb);
		assert_string_equal(ta.s, tb.s);
		strbuf_free(&ta);
		strbuf_free(&tb);
	}
	struct dmarc_record r;
	struct strbuf t;
	char err[100];
	const char *txt = "v=DMARC1; p=reject; fo=d; rua=mailto:a@example.com!1k";
	assert_int_equal(dmarc_record_parse(txt, strlen(txt), &r, err, sizeof(err)), 0);
	strbuf_init(&t, 1024);
	dmarc_record_format(&r, &t);
	assert_string_equal(t.s,
	    "v=DMARC1; p=reject; sp=reject; pct=100; adkim=r; aspf=r; fo=d; "
	    "rf=afrf; ri=86400; rua=mailto:a@example.com!1024");
	strbuf_free(&t);
}

static void
test_limits(void **state)
{
	char big[DMARC_RECORD_MAX + 100];
	struct dmarc_record rec;
	char err[300];
	struct strbuf sb;

	/* a record over the limit is refused */
	memset(big, 'a', sizeof(big));
	memcpy(big, "v=DMARC1; p=reject; x=", 22);
	assert_int_equal(
	    dmarc_record_parse(big, sizeof(big), &rec, err, sizeof(err)), DMARC_RECORD_TOO_LONG);
	/* at most DMARC_URIS_MAX URIs are kept */
	strbuf_init(&sb, 8192);
	strbuf_puts(&sb, "v=DMARC1; p=none; rua=");
	for (int i = 0; i < DMARC_URIS_MAX + 3; i++)
		strbuf_printf(&sb, "%smailto:r%d@example.com", i ? "," : "", i);
	assert_int_equal(dmarc_record_parse(sb.s, sb.len, &rec, err, sizeof(err)), 0);
	assert_int_equal(rec.nrua, DMARC_URIS_MAX);
	assert_non_null(strstr(rec.notes, "the rest ignored"));
	strbuf_free(&sb);
	/* a URI over DMARC_URI_MAX is dropped */
	strbuf_init(&sb, 8192);
	strbuf_puts(&sb, "v=DMARC1; p=none; rua=mailto:");
	for (int i = 0; i < DMARC_URI_MAX; i++)
		strbuf_puts(&sb, "a");
	strbuf_puts(&sb, "@example.com");
	assert_int_equal(dmarc_record_parse(sb.s, sb.len, &rec, err, sizeof(err)), 0);
	assert_int_equal(rec.nrua, 0);
	assert_non_null(strstr(rec.notes, "URI too long"));
	strbuf_free(&sb);
	/* many notes end with "..." within the buffer */
	strbuf_init(&sb, 8192);
	strbuf_puts(&sb, "v=DMARC1; p=none");
	for (int i = 0; i < 40; i++)
		strbuf_printf(&sb, "; unknown%d=x", i);
	assert_int_equal(dmarc_record_parse(sb.s, sb.len, &rec, err, sizeof(err)), 0);
	assert_true(strlen(rec.notes) < sizeof(rec.notes));
	assert_non_null(strstr(rec.notes, "..."));
	strbuf_free(&sb);
	/* NUL and control characters make a tag malformed, not the parser confused */
	static const char nul[] = "v=DMARC1; p=reject; rua=mailto:a@b.example\0x; pct=5";
	assert_int_equal(dmarc_record_parse(nul, sizeof(nul) - 1, &rec, err, sizeof(err)), 0);
	assert_int_equal(rec.nrua, 0);
	assert_int_equal(rec.pct, 5);
}

static void
test_mailto(void **state)
{
	char a[256];

	assert_int_equal(dmarc_uri_mailto("mailto:dmarc@example.com", a, sizeof(a)), 0);
	assert_string_equal(a, "dmarc@example.com");
	assert_int_equal(dmarc_uri_mailto("MAILTO:d%2Bx@example.com?subject=hi", a, sizeof(a)), 0);
	assert_string_equal(a, "d+x@example.com");
	assert_int_equal(dmarc_uri_mailto("https://example.com/r", a, sizeof(a)), -1);
	assert_int_equal(
	    dmarc_uri_mailto("mailto:a@example.com%2Cb@example.org", a, sizeof(a)), -1);
	assert_int_equal(dmarc_uri_mailto("mailto:noat", a, sizeof(a)), -1);
	assert_int_equal(dmarc_uri_mailto("mailto:@example.com", a, sizeof(a)), -1);
	assert_int_equal(dmarc_uri_mailto("mailto:a@", a, sizeof(a)), -1);
	assert_int_equal(dmarc_uri_mailto("mailto:a%0d%0aBcc:x@example.com", a, sizeof(a)), -1);
	assert_int_equal(dmarc_uri_mailto("mailto:a@example.com", a, 5), -1);
	assert_int_equal(dmarc_uri_mailto("mailto:a%4@example.com", a, sizeof(a)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_is_dmarc1),
		cmocka_unit_test(test_format_round_trip),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_mailto),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
