/*
 * Unit tests for DMARC as a whole: policy discovery (dmarc_check.c) over
 * the in-memory DNS, then the evaluation (dmarc_eval.c) and its
 * Authentication-Results text, as one table of cases: aligned and
 * unaligned SPF and DKIM, relaxed and strict, subdomain policy, pct,
 * missing, multiple and unusable records, DNS failures. Also the
 * asynchronous driver's contract (callback from the loop, cancellation).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/dmarc_check.h"
#include "auth/dmarc_eval.h"
#include "auth/orgdomain.h"
#include "dns/dns.h"
#include "dns/dns_mem.h"
#include "msg/authres.h"

struct world {
	struct event_base *base;
	struct dns_mem *t;
	struct dns_client *dns;
	struct orgdomain *od;
};

static void
txt(struct dns_mem *t, const char *name, const char *text)
{
	assert_int_equal(dns_mem_add(t, name, DNS_T_TXT, text), 0);
}

static int
setup(void **state)
{
	struct world *w = calloc(1, sizeof(*w));
	char err[200];

	w->base = event_base_new();
	w->t = dns_mem_new();
	txt(w->t, "_dmarc.example.com", "v=DMARC1; p=reject; rua=mailto:d@example.com");
	txt(w->t, "_dmarc.strict.example", "v=DMARC1; p=reject; adkim=s; aspf=s");
	/* exämple.com: DNS holds the A-label */
	txt(w->t, "_dmarc.xn--exmple-cua.com", "v=DMARC1; p=reject");
	txt(w->t, "_dmarc.sub.example", "v=DMARC1; p=reject; sp=quarantine");
	txt(w->t, "_dmarc.own.sub.example", "v=DMARC1; p=none");
	txt(w->t, "_dmarc.pct.example", "v=DMARC1; p=reject; pct=30");
	txt(w->t, "_dmarc.pctq.example", "v=DMARC1; p=quarantine; pct=0");
	txt(w->t, "_dmarc.multi.example", "v=DMARC1; p=reject");
	txt(w->t, "_dmarc.multi.example", "v=DMARC1; p=none");
	txt(w->t, "_dmarc.nopolicy.example", "v=DMARC1; adkim=s");
	txt(w->t, "_dmarc.assumed.example", "v=DMARC1; p=typo; rua=mailto:r@assumed.example");
	txt(w->t, "_dmarc.other.example", "google-site-verification=abc");
	txt(w->t, "_dmarc.other.example", "v=DMARC1; p=quarantine");
	txt(w->t, "_dmarc.other.example", "v=spf1 -all");
	txt(w->t, "_dmarc.none-policy.example", "v=DMARC1; p=none");
	txt(w->t, "_dmarc.example.co.uk", "v=DMARC1; p=reject; sp=none");
	txt(w->t, "_dmarc.cname.example", "v=DMARC1; p=quarantine");
	assert_int_equal(
	    dns_mem_add(w->t, "_dmarc.alias.example", DNS_T_CNAME, "_dmarc.cname.example"), 0);
	/* a multi-string record is joined (RFC 7208 3.3 style; DMARC reads it whole) */
	static const char *const parts[] = { "v=DMARC1; p=rej", "ect; pct=100" };
	static const size_t lens[] = { 15, 12 };
	dns_mem_add_txt(w->t, "_dmarc.split.example", parts, lens, 2);
	dns_mem_add_timeout(w->t, "_dmarc.temp.example");
	dns_mem_add_timeout(w->t, "_dmarc.temporg.example");
	/* the From domain times out while its organizational domain has a record */
	dns_mem_add_timeout(w->t, "_dmarc.slow.example.com");
	w->dns = dns_client_new_mem(w->base, w->t, 0);
	w->od = orgdomain_open(NULL, err, sizeof(err));
	assert_non_null(w->od);
	*state = w;
	return 0;
}

static int
teardown(void **state)
{
	struct world *w = *state;

	dns_client_free(w->dns);
	dns_mem_free(w->t);
	event_base_free(w->base);
	orgdomain_free(w->od);
	free(w);
	return 0;
}

#define P_N DMARC_POLICY_NONE
#define P_Q DMARC_POLICY_QUARANTINE
#define P_R DMARC_POLICY_REJECT

struct dcase {
	const char *name;
	const char *from;
	enum spf_result spf;
	const char *spf_domain;
	const char *dkim; /* "pass:d1 fail:d2 ...", or "" */
	unsigned sample;
	enum dmarc_result result;
	enum dmarc_policy policy, disposition;
	const char *authres; /* the entry's text after "Authentication-Results: mx;\r\n\t" */
	const char *reason;  /* a part of the reason, or NULL */
};

static const struct dcase cases[] = {
	/* SPF alignment, relaxed (the default) */
	{ "spf-aligned-relaxed", "example.com", SPF_PASS, "bounce.example.com", "", 0, DMARC_PASS,
	    P_R, P_N, "dmarc=pass (p=reject) header.from=example.com",
	    "SPF passed for bounce.example.com, aligned" },
	{ "spf-aligned-exact", "example.com", SPF_PASS, "example.com", "", 0, DMARC_PASS, P_R, P_N,
	    "dmarc=pass (p=reject) header.from=example.com", NULL },
	{ "spf-unaligned", "example.com", SPF_PASS, "mailer.example.net", "", 0, DMARC_FAIL, P_R,
	    P_R, "dmarc=fail (p=reject) header.from=example.com",
	    "SPF pass for mailer.example.net (not aligned, relaxed)" },
	{ "spf-aligned-fail", "example.com", SPF_FAIL, "example.com", "", 0, DMARC_FAIL, P_R, P_R,
	    "dmarc=fail (p=reject) header.from=example.com", "SPF fail for example.com (aligned" },
	{ "spf-softfail", "example.com", SPF_SOFTFAIL, "example.com", "", 0, DMARC_FAIL, P_R, P_R,
	    NULL, NULL },
	{ "spf-none-no-domain", "example.com", SPF_NONE, "", "", 0, DMARC_FAIL, P_R, P_R, NULL,
	    "no SPF domain; no DKIM signature" },
	/* DKIM alignment */
	{ "dkim-aligned", "example.com", SPF_FAIL, "mailer.example.net", "pass:example.com", 0,
	    DMARC_PASS, P_R, P_N, "dmarc=pass (p=reject) header.from=example.com",
	    "DKIM passed for example.com" },
	{ "dkim-aligned-sub", "example.com", SPF_NONE, "", "pass:mail.example.com", 0, DMARC_PASS,
	    P_R, P_N, NULL, NULL },
	{ "dkim-unaligned", "example.com", SPF_NONE, "", "pass:example.net", 0, DMARC_FAIL, P_R,
	    P_R, NULL, "DKIM pass for example.net (not aligned, relaxed)" },
	{ "dkim-aligned-fail", "example.com", SPF_NONE, "", "fail:example.com", 0, DMARC_FAIL, P_R,
	    P_R, NULL, "DKIM fail for example.com (aligned" },
	/* only pass is a pass (RFC 7489 3.1: "a valid signature"); a broken
	 * aligned signature is no temporary error */
	{ "dkim-aligned-permerror", "example.com", SPF_NONE, "", "permerror:example.com", 0,
	    DMARC_FAIL, P_R, P_R, NULL, NULL },
	{ "dkim-aligned-policy-neutral", "example.com", SPF_NONE, "",
	    "policy:example.com neutral:example.com none:example.com", 0, DMARC_FAIL, P_R, P_R,
	    NULL, NULL },
	{ "dkim-second-passes", "example.com", SPF_NONE, "",
	    "fail:example.com pass:example.net pass:example.com", 0, DMARC_PASS, P_R, P_N, NULL,
	    NULL },
	{ "dkim-and-spf", "example.com", SPF_PASS, "example.com", "pass:example.com", 0, DMARC_PASS,
	    P_R, P_N, NULL,
	    "DKIM passed for example.com, aligned with example.com (relaxed); SPF" },
	{ "case-insensitive", "EXAMPLE.com", SPF_NONE, "", "pass:Example.COM", 0, DMARC_PASS, P_R,
	    P_N, "dmarc=pass (p=reject) header.from=example.com", NULL },
	/* strict modes */
	{ "strict-spf-sub", "strict.example", SPF_PASS, "mail.strict.example", "", 0, DMARC_FAIL,
	    P_R, P_R, NULL, "SPF pass for mail.strict.example (not aligned, strict)" },
	{ "strict-spf-exact", "strict.example", SPF_PASS, "strict.example", "", 0, DMARC_PASS, P_R,
	    P_N, NULL, "(strict)" },
	{ "strict-dkim-sub", "strict.example", SPF_NONE, "", "pass:sub.strict.example", 0,
	    DMARC_FAIL, P_R, P_R, NULL, "(not aligned, strict)" },
	{ "strict-dkim-exact", "strict.example", SPF_NONE, "", "pass:strict.example", 0, DMARC_PASS,
	    P_R, P_N, NULL, NULL },
	{ "strict-from-sub", "a.strict.example", SPF_NONE, "", "pass:strict.example", 0, DMARC_FAIL,
	    P_R, P_R, NULL, NULL },
	/* subdomain policy: sp= applies below the organizational domain */
	{ "sp-subdomain", "a.b.sub.example", SPF_NONE, "", "", 0, DMARC_FAIL, P_Q, P_Q,
	    "dmarc=fail (sp=quarantine) header.from=a.b.sub.example",
	    "policy sp=quarantine at sub.example" },
	{ "sp-subdomain-pass", "a.sub.example", SPF_PASS, "sub.example", "", 0, DMARC_PASS, P_Q,
	    P_N, "dmarc=pass (sp=quarantine) header.from=a.sub.example", NULL },
	{ "sp-not-for-org", "sub.example", SPF_NONE, "", "", 0, DMARC_FAIL, P_R, P_R,
	    "dmarc=fail (p=reject) header.from=sub.example", NULL },
	{ "own-record-wins", "own.sub.example", SPF_NONE, "", "", 0, DMARC_FAIL, P_N, P_N,
	    "dmarc=fail (p=none) header.from=own.sub.example", "at own.sub.example" },
	{ "sp-absent-is-p", "mail.example.com", SPF_NONE, "", "", 0, DMARC_FAIL, P_R, P_R,
	    "dmarc=fail (p=reject) header.from=mail.example.com", NULL },
	{ "psl-org", "mail.example.co.uk", SPF_NONE, "", "", 0, DMARC_FAIL, P_N, P_N,
	    "dmarc=fail (sp=none) header.from=mail.example.co.uk", NULL },
	{ "psl-relaxed", "example.co.uk", SPF_PASS, "bounce.example.co.uk", "", 0, DMARC_PASS, P_R,
	    P_N, NULL, NULL },
	{ "psl-not-across-suffix", "example.co.uk", SPF_PASS, "other.co.uk", "pass:co.uk", 0,
	    DMARC_FAIL, P_R, P_R, NULL, "other.co.uk (not aligned, relaxed)" },
	/* pct (6.6.4): sample < pct gets the policy; the rest one step milder */
	{ "pct-applies", "pct.example", SPF_NONE, "", "", 29, DMARC_FAIL, P_R, P_R,
	    "dmarc=fail (p=reject pct=30) header.from=pct.example", NULL },
	{ "pct-sampled-out", "pct.example", SPF_NONE, "", "", 30, DMARC_FAIL, P_R, P_Q,
	    "dmarc=fail (p=reject pct=30 dis=quarantine) header.from=pct.example",
	    "sampled out by pct" },
	{ "pct-pass-unaffected", "pct.example", SPF_PASS, "pct.example", "", 99, DMARC_PASS, P_R,
	    P_N, "dmarc=pass (p=reject pct=30) header.from=pct.example", NULL },
	{ "pct0-quarantine", "pctq.example", SPF_NONE, "", "", 0, DMARC_FAIL, P_Q, P_N,
	    "dmarc=fail (p=quarantine pct=0 dis=none) header.from=pctq.example", NULL },
	{ "p-none", "none-policy.example", SPF_NONE, "", "", 0, DMARC_FAIL, P_N, P_N,
	    "dmarc=fail (p=none) header.from=none-policy.example", NULL },
	/* missing, multiple, unusable records */
	{ "missing", "nowhere.example", SPF_PASS, "nowhere.example", "", 0, DMARC_NONE, P_N, P_N,
	    "dmarc=none (no DMARC record at _dmarc.nowhere.example) header.from=nowhere.example",
	    NULL },
	{ "missing-both", "a.nowhere.example", SPF_PASS, "a.nowhere.example", "", 0, DMARC_NONE,
	    P_N, P_N, NULL,
	    "no DMARC record at _dmarc.a.nowhere.example or _dmarc.nowhere.example" },
	{ "multiple", "multi.example", SPF_PASS, "multi.example", "", 0, DMARC_PERMERROR, P_N, P_N,
	    NULL, "2 DMARC records at _dmarc.multi.example" },
	{ "multiple-no-fallback", "x.multi.example", SPF_NONE, "", "", 0, DMARC_PERMERROR, P_N, P_N,
	    NULL, "at _dmarc.multi.example" },
	{ "no-policy", "nopolicy.example", SPF_NONE, "", "", 0, DMARC_PERMERROR, P_N, P_N, NULL,
	    "unusable DMARC record at _dmarc.nopolicy.example: no p= tag" },
	{ "p-assumed-none", "assumed.example", SPF_NONE, "", "", 0, DMARC_FAIL, P_N, P_N, NULL,
	    NULL },
	{ "other-txt-ignored", "other.example", SPF_NONE, "", "", 0, DMARC_FAIL, P_Q, P_Q, NULL,
	    NULL },
	{ "cname-followed", "alias.example", SPF_NONE, "", "", 0, DMARC_FAIL, P_Q, P_Q, NULL,
	    NULL },
	{ "split-strings", "split.example", SPF_NONE, "", "", 0, DMARC_FAIL, P_R, P_R, NULL, NULL },
	/* temporary errors: never a fail */
	{ "temperror-dns", "temp.example", SPF_NONE, "", "", 0, DMARC_TEMPERROR, P_N, P_N,
	    "dmarc=temperror (DNS failure looking up _dmarc.temp.example: timeout) "
	    "header.from=temp.example",
	    NULL },
	{ "temperror-org", "a.temporg.example", SPF_NONE, "", "", 0, DMARC_TEMPERROR, P_N, P_N,
	    NULL, "_dmarc.temporg.example" },
	/* a failure at the From domain is no reason to use the organizational
	 * domain's policy instead: its own record may say otherwise */
	{ "temperror-from-no-fallback", "slow.example.com", SPF_NONE, "", "", 0, DMARC_TEMPERROR,
	    P_N, P_N, NULL, "DNS failure looking up _dmarc.slow.example.com" },
	{ "temperror-spf-aligned", "example.com", SPF_TEMPERROR, "example.com", "", 0,
	    DMARC_TEMPERROR, P_R, P_N, NULL, "aligned SPF check failed temporarily" },
	{ "temperror-dkim-aligned", "example.com", SPF_FAIL, "example.com", "temperror:example.com",
	    0, DMARC_TEMPERROR, P_R, P_N, NULL, "aligned DKIM check" },
	{ "temperror-unaligned-is-fail", "example.com", SPF_TEMPERROR, "example.net", "", 0,
	    DMARC_FAIL, P_R, P_R, NULL, NULL },
	{ "temperror-but-pass", "example.com", SPF_TEMPERROR, "example.com", "pass:example.com", 0,
	    DMARC_PASS, P_R, P_N, NULL, NULL },
	/* internationalized From domains: asked for as A-labels, aligned in
	 * either form (a UTF-8 name in DNS would find no policy, and let a
	 * forger of exämple.com through as dmarc=none) */
	{ "idn-utf8-from", "ex\xc3\xa4mple.com", SPF_PASS, "bounce.ex\xc3\xa4mple.com", "", 0,
	    DMARC_PASS, P_R, P_N, "dmarc=pass (p=reject) header.from=xn--exmple-cua.com", NULL },
	{ "idn-upper-from-alabel-dkim", "EX\xc3\x84MPLE.com", SPF_NONE, "",
	    "pass:xn--exmple-cua.com", 0, DMARC_PASS, P_R, P_N, NULL, NULL },
	{ "idn-alabel-from-utf8-dkim", "xn--exmple-cua.com", SPF_NONE, "",
	    "pass:mail.ex\xc3\xa4mple.com", 0, DMARC_PASS, P_R, P_N, NULL, NULL },
	{ "idn-forged", "ex\xc3\xa4mple.com", SPF_PASS, "evil.example", "pass:example.com", 0,
	    DMARC_FAIL, P_R, P_R, "dmarc=fail (p=reject) header.from=xn--exmple-cua.com", NULL },
	{ "idn-bad-utf8", "ex\xffmple.com", SPF_NONE, "", "", 0, DMARC_PERMERROR, P_N, P_N, NULL,
	    "is not a domain name" },
	/* a From domain that is no DNS name */
	{ "bad-from", "exa mple..com", SPF_NONE, "", "", 0, DMARC_PERMERROR, P_N, P_N, NULL,
	    "is not a domain name" },
};

static size_t
parse_dkim(const char *spec, struct dmarc_dkim *out)
{
	char buf[512];
	size_t n = 0;
	char *save = NULL;

	snprintf(buf, sizeof(buf), "%s", spec);
	for (char *w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		char *colon = strchr(w, ':');
		assert_non_null(colon);
		*colon = '\0';
		memset(&out[n], 0, sizeof(out[n]));
		assert_int_equal(dmarc_dkim_result_parse(w, &out[n].result), 0);
		snprintf(out[n].domain, sizeof(out[n].domain), "%s", colon + 1);
		snprintf(out[n].selector, sizeof(out[n].selector), "s%zu", n);
		n++;
	}
	return n;
}

static void
test_table(void **state)
{
	struct world *w = *state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct dcase *c = &cases[i];
		struct dmarc_dkim sigs[8];
		struct dmarc_discovery disc;
		struct dmarc_outcome out;
		struct authres_entry e;
		struct strbuf ar;
		char comment[200];
		struct dmarc_input in = {
			.from_domain = c->from,
			.spf = c->spf,
			.spf_domain = c->spf_domain,
			.dkim = sigs,
			.ndkim = parse_dkim(c->dkim, sigs),
		};

		dmarc_check_sync(w->dns, w->od, c->from, &disc);
		dmarc_eval(&in, &disc, w->od, c->sample, &out);
		if (out.result != c->result)
			fail_msg("%s: %s, want %s (%s)", c->name, dmarc_result_name(out.result),
			    dmarc_result_name(c->result), out.reason);
		if (out.policy != c->policy || out.disposition != c->disposition)
			fail_msg("%s: policy %s disposition %s (%s)", c->name,
			    dmarc_policy_name(out.policy), dmarc_policy_name(out.disposition),
			    out.reason);
		if (c->reason && !strstr(out.reason, c->reason))
			fail_msg("%s: reason '%s' lacks '%s'", c->name, out.reason, c->reason);
		if (out.reason[0] == '\0')
			fail_msg("%s: no reason", c->name);
		dmarc_authres(&out, &e, comment, sizeof(comment));
		strbuf_init(&ar, 4096);
		authres_format("mx", &e, 1, &ar);
		if (c->authres) {
			char want[600];
			snprintf(want, sizeof(want), "Authentication-Results: mx;\r\n\t%s\r\n",
			    c->authres);
			if (strcmp(ar.s, want) != 0)
				fail_msg("%s: '%s', want '%s'", c->name, ar.s, want);
		}
		strbuf_free(&ar);
	}
}

static void
test_discovery_details(void **state)
{
	struct world *w = *state;
	struct dmarc_discovery d;

	dmarc_check_sync(w->dns, w->od, "A.B.Sub.Example.", &d);
	assert_int_equal(d.status, DMARC_DISC_FOUND);
	assert_string_equal(d.from_domain, "a.b.sub.example");
	assert_string_equal(d.org_domain, "sub.example");
	assert_string_equal(d.policy_domain, "sub.example");
	assert_int_equal(d.at_org, 1);
	assert_int_equal(d.queries, 2);
	assert_int_equal(d.sec, DNS_SEC_INSECURE);
	assert_int_equal(d.rec.sp, DMARC_POLICY_QUARANTINE);

	dmarc_check_sync(w->dns, w->od, "example.com", &d);
	assert_int_equal(d.status, DMARC_DISC_FOUND);
	assert_int_equal(d.at_org, 0);
	assert_int_equal(d.queries, 1);
	assert_int_equal(d.rec.nrua, 1);
	assert_string_equal(d.rec.rua[0].uri, "mailto:d@example.com");

	/* a public suffix is its own organizational domain: one query */
	dmarc_check_sync(w->dns, w->od, "co.uk", &d);
	assert_int_equal(d.status, DMARC_DISC_NONE);
	assert_int_equal(d.queries, 1);
	assert_string_equal(d.org_domain, "co.uk");

	/* "_dmarc." must fit: a 250-character From domain is no query */
	char longd[260];
	memset(longd, 'a', sizeof(longd));
	for (size_t i = 60; i < 250; i += 61)
		longd[i] = '.';
	longd[250] = '\0';
	dmarc_check_sync(w->dns, w->od, longd, &d);
	assert_int_equal(d.status, DMARC_DISC_PERMERROR);
	assert_int_equal(d.queries, 0);
	dmarc_check_sync(w->dns, w->od, "", &d);
	assert_int_equal(d.status, DMARC_DISC_PERMERROR);
	dmarc_check_sync(w->dns, w->od, NULL, &d);
	assert_int_equal(d.status, DMARC_DISC_PERMERROR);
}

struct cbstate {
	int calls;
	struct dmarc_check *chk;
	enum dmarc_disc_status st;
};

static void
on_disc(const struct dmarc_discovery *d, void *arg)
{
	struct cbstate *s = arg;

	s->calls++;
	s->st = d->status;
	dmarc_check_free(s->chk); /* freeing from inside the callback is allowed */
	s->chk = NULL;
}

static void
test_async(void **state)
{
	struct world *w = *state;
	struct cbstate s = { 0 };

	/* the callback comes from the loop, never from inside start */
	s.chk = dmarc_check_start(w->dns, w->od, "a.sub.example", on_disc, &s);
	assert_int_equal(s.calls, 0);
	event_base_dispatch(w->base);
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.st, DMARC_DISC_FOUND);
	assert_null(s.chk);

	/* the same for a check that needs no query */
	memset(&s, 0, sizeof(s));
	s.chk = dmarc_check_start(w->dns, w->od, "bad..name", on_disc, &s);
	assert_int_equal(s.calls, 0);
	event_base_dispatch(w->base);
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.st, DMARC_DISC_PERMERROR);

	/* freed before the answer: no callback, no query left behind */
	memset(&s, 0, sizeof(s));
	struct dmarc_check *chk = dmarc_check_start(w->dns, w->od, "a.sub.example", on_disc, &s);
	assert_int_equal(dns_client_pending(w->dns), 1);
	dmarc_check_free(chk);
	assert_int_equal(dns_client_pending(w->dns), 0);
	event_base_dispatch(w->base);
	assert_int_equal(s.calls, 0);
	chk = dmarc_check_start(w->dns, w->od, "bad..name", on_disc, &s);
	dmarc_check_free(chk);
	event_base_dispatch(w->base);
	assert_int_equal(s.calls, 0);
}

static void
count_cb(const struct dmarc_discovery *d, void *arg)
{
	(*(int *)arg)++;
}

static void
test_queries(void **state)
{
	struct world *w = *state;
	int calls = 0;
	struct dmarc_check *chk =
	    dmarc_check_start(w->dns, w->od, "a.sub.example", count_cb, &calls);

	dmarc_check_wait(chk);
	assert_int_equal(calls, 1);
	assert_int_equal(dmarc_check_nqueries(chk), 2);
	assert_string_equal(dmarc_check_query(chk, 0)->name, "_dmarc.a.sub.example");
	assert_int_equal(dmarc_check_query(chk, 0)->status, DNS_NXDOMAIN);
	assert_string_equal(dmarc_check_query(chk, 1)->name, "_dmarc.sub.example");
	assert_int_equal(dmarc_check_query(chk, 1)->status, DNS_ANSWER);
	assert_int_equal(dmarc_check_query(chk, 1)->nrr, 1);
	assert_null(dmarc_check_query(chk, 2));
	assert_int_equal(dmarc_check_discovery(chk)->status, DMARC_DISC_FOUND);
	dmarc_check_free(chk);
}

static void
test_sample(void **state)
{
	unsigned seen[100] = { 0 };

	for (int i = 0; i < 20000; i++) {
		unsigned v = dmarc_sample();
		assert_true(v < 100);
		seen[v]++;
	}
	/* roughly uniform: every value drawn, none far too often */
	for (int i = 0; i < 100; i++) {
		assert_true(seen[i] > 100);
		assert_true(seen[i] < 320);
	}
}

static void
test_alignment(void **state)
{
	struct world *w = *state;

	assert_true(dmarc_aligned(w->od, "example.com", "a.b.example.com", DMARC_ALIGN_RELAXED));
	assert_true(dmarc_aligned(w->od, "a.example.com", "b.example.com", DMARC_ALIGN_RELAXED));
	assert_false(dmarc_aligned(w->od, "a.example.com", "b.example.com", DMARC_ALIGN_STRICT));
	assert_true(dmarc_aligned(w->od, "Example.com.", "example.COM", DMARC_ALIGN_STRICT));
	assert_false(dmarc_aligned(w->od, "example.co.uk", "other.co.uk", DMARC_ALIGN_RELAXED));
	assert_false(
	    dmarc_aligned(w->od, "example.com", "example.com.evil.example", DMARC_ALIGN_RELAXED));
	assert_false(dmarc_aligned(w->od, "example.com", "", DMARC_ALIGN_RELAXED));
	assert_false(dmarc_aligned(w->od, "example.com", NULL, DMARC_ALIGN_RELAXED));
	assert_true(
	    dmarc_aligned(w->od, "ex\xc3\xa4mple.com", "xn--exmple-cua.com", DMARC_ALIGN_STRICT));
	assert_true(dmarc_aligned(
	    w->od, "xn--exmple-cua.com", "a.EX\xc3\x84MPLE.com", DMARC_ALIGN_RELAXED));
	assert_false(
	    dmarc_aligned(w->od, "ex\xc3\xa4mple.com", "example.com", DMARC_ALIGN_RELAXED));
	assert_false(dmarc_aligned(w->od, "ex\xffmple.com", "ex\xffmple.com", DMARC_ALIGN_STRICT));
}

static void
test_ascii(void **state)
{
	char out[254];

	assert_int_equal(orgdomain_ascii("Mail.Example.COM.", out, sizeof(out)), 0);
	assert_string_equal(out, "mail.example.com");
	assert_int_equal(orgdomain_ascii("B\xc3\xbc"
	                                 "cher.ex\xc3\xa4mple.com",
	                     out, sizeof(out)),
	    0);
	assert_string_equal(out, "xn--bcher-kva.xn--exmple-cua.com");
	assert_int_equal(orgdomain_ascii("ex\xffmple.com", out, sizeof(out)), -1);
	assert_int_equal(orgdomain_ascii("", out, sizeof(out)), -1);
	assert_int_equal(orgdomain_ascii("ex\xc3\xa4mple.com", out, 10), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_discovery_details),
		cmocka_unit_test(test_async),
		cmocka_unit_test(test_queries),
		cmocka_unit_test(test_sample),
		cmocka_unit_test(test_alignment),
		cmocka_unit_test(test_ascii),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
