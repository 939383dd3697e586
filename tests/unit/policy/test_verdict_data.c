/*
 * Unit tests for policy/verdict_data: the end of data with an ARC chain
 * (RFC 8617 7.2: a trusted chain may stand for the DMARC pass a forwarder
 * broke) and what the message's proofs add to X-Vouch-Verdict. Tables of
 * cases, and every combination of chain x sealers x first hop x DMARC
 * result x mode checked against the rule. No I/O: proofs built by hand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "auth/proofs.h"
#include "policy/verdict.h"

static struct proof *
add(struct proofs *ps, enum proof_method m, enum proof_result r, const char *identity)
{
	struct proof p;

	memset(&p, 0, sizeof(p));
	p.method = m;
	p.result = r;
	snprintf(p.identity, sizeof(p.identity), "%s", identity ? identity : "");
	snprintf(p.reason, sizeof(p.reason), "%s reason", proof_method_name(m));
	proofs_add(ps, &p);
	return &ps->v[ps->n - 1];
}

/* The chain as the table gives it. */
enum chain { CH_NONE, CH_PASS, CH_FAIL };
/* Which sealers are trusted: the chain is lists.example.org (newest),
 * then relay.example.net (oldest). */
enum sealers { SE_ALL, SE_NEWEST_ONLY, SE_OLDEST_ONLY, SE_NONE, SE_CUT };
/* What the oldest AAR recorded. */
enum origin { OR_DMARC, OR_DKIM, OR_SPF, OR_NONE, OR_OTHER_DOMAIN };

static const char *const trusted_all[] = { "lists.example.org", "RELAY.example.net." };
static const char *const trusted_newest[] = { "lists.example.org" };
static const char *const trusted_oldest[] = { "relay.example.net" };

static void
set_policy(struct policy *p, enum sealers se)
{
	switch (se) {
	case SE_ALL:
	case SE_CUT:
		p->arc_trusted = trusted_all;
		p->narc_trusted = 2;
		break;
	case SE_NEWEST_ONLY:
		p->arc_trusted = trusted_newest;
		p->narc_trusted = 1;
		break;
	case SE_OLDEST_ONLY:
		p->arc_trusted = trusted_oldest;
		p->narc_trusted = 1;
		break;
	default:
		p->arc_trusted = NULL;
		p->narc_trusted = 0;
		break;
	}
}

static void
add_arc(struct proofs *msg, enum chain ch, enum sealers se, enum origin o)
{
	if (ch == CH_NONE) {
		add(msg, PROOF_ARC, PROOF_NONE, "");
		return;
	}
	struct proof *a =
	    add(msg, PROOF_ARC, ch == CH_PASS ? PROOF_PASS : PROOF_FAIL, "lists.example.org");
	snprintf(a->reason, sizeof(a->reason), "%s",
	    ch == CH_PASS ? "2 ARC sets verified" : "ARC-Seal i=1: signature did not verify");
	a->u.arc.instances = 2;
	snprintf(a->u.arc.sealers, sizeof(a->u.arc.sealers), "lists.example.org relay.example.net");
	a->u.arc.sealers_cut = se == SE_CUT;
	snprintf(a->u.arc.origin_authserv, sizeof(a->u.arc.origin_authserv), "relay.example.net");
	switch (o) {
	case OR_DMARC: a->u.arc.origin = ARC_ORIGIN_DMARC; break;
	case OR_DKIM: a->u.arc.origin = ARC_ORIGIN_DKIM; break;
	case OR_SPF: a->u.arc.origin = ARC_ORIGIN_SPF; break;
	case OR_OTHER_DOMAIN: a->u.arc.origin = ARC_ORIGIN_DMARC; break;
	default: a->u.arc.origin = ARC_ORIGIN_NONE; break;
	}
	if (a->u.arc.origin != ARC_ORIGIN_NONE)
		snprintf(a->u.arc.origin_domain, sizeof(a->u.arc.origin_domain), "%s",
		    o == OR_OTHER_DOMAIN ? "other.example" : "example.com");
}

static struct proof *
add_dmarc(struct proofs *msg, enum proof_result r, enum dmarc_policy pol)
{
	struct proof *dm = add(msg, PROOF_DMARC, r, "example.com");
	dm->u.dmarc.has_policy = 1;
	dm->u.dmarc.policy = pol;
	dm->u.dmarc.disposition = r == PROOF_FAIL ? pol : DMARC_POLICY_NONE;
	return dm;
}

static void
listener(struct listener_config *l, int mode)
{
	memset(l, 0, sizeof(*l));
	l->mode = mode;
	l->xvouch = 1;
	l->dmarc_reject = CONFIG_ACT_MODE; /* the shipped actions */
	l->dmarc_quarantine = CONFIG_ACT_UNSAFE;
	l->dmarc_temperror = CONFIG_ACT_IGNORE;
}

static const struct arc_case {
	const char *name;
	enum chain chain;
	enum sealers sealers;
	enum origin origin;
	enum proof_result dmarc;
	enum dmarc_policy policy;
	int mode;
	enum verdict_act act;
	int code;
	enum verdict_rule rule;
	const char *why; /* a part of v.why, or NULL */
} arc_cases[] = {
	/* the mailing list of scenario case 8b: trusted, first hop saw dmarc=pass */
	{ "trusted, dmarc at first hop, hard", CH_PASS, SE_ALL, OR_DMARC, PROOF_FAIL,
	    DMARC_POLICY_REJECT, CONFIG_MODE_HARD, VERDICT_ACCEPT, 250, VERDICT_RULE_ARC,
	    "the ARC chain sealed by lists.example.org relay.example.net (trusted) shows an "
	    "aligned dmarc pass at its first hop (relay.example.net)" },
	{ "trusted, dmarc at first hop, soft", CH_PASS, SE_ALL, OR_DMARC, PROOF_FAIL,
	    DMARC_POLICY_REJECT, CONFIG_MODE_SOFT, VERDICT_ACCEPT, 250, VERDICT_RULE_ARC,
	    "(trusted)" },
	{ "trusted, aligned dkim at first hop", CH_PASS, SE_ALL, OR_DKIM, PROOF_FAIL,
	    DMARC_POLICY_REJECT, CONFIG_MODE_HARD, VERDICT_ACCEPT, 250, VERDICT_RULE_ARC,
	    "aligned dkim pass" },
	{ "trusted, aligned spf at first hop", CH_PASS, SE_ALL, OR_SPF, PROOF_FAIL,
	    DMARC_POLICY_QUARANTINE, CONFIG_MODE_HARD, VERDICT_ACCEPT, 250, VERDICT_RULE_ARC,
	    "aligned spf pass" },
	/* the list is not trusted: DMARC policy as without ARC */
	{ "untrusted, hard", CH_PASS, SE_NONE, OR_DMARC, PROOF_FAIL, DMARC_POLICY_REJECT,
	    CONFIG_MODE_HARD, VERDICT_REJECT, 550, VERDICT_RULE_DMARC,
	    "the ARC chain's sealer lists.example.org is not trusted (arc_trusted_sealers)" },
	{ "untrusted, soft", CH_PASS, SE_NONE, OR_DMARC, PROOF_FAIL, DMARC_POLICY_REJECT,
	    CONFIG_MODE_SOFT, VERDICT_UNSAFE, 250, VERDICT_RULE_DMARC, "is not trusted" },
	{ "untrusted, quarantine", CH_PASS, SE_NONE, OR_DMARC, PROOF_FAIL, DMARC_POLICY_QUARANTINE,
	    CONFIG_MODE_HARD, VERDICT_UNSAFE, 250, VERDICT_RULE_DMARC, "asks for quarantine" },
	/* every sealer must be trusted: the newest alone is not enough, nor the oldest */
	{ "newest trusted only", CH_PASS, SE_NEWEST_ONLY, OR_DMARC, PROOF_FAIL, DMARC_POLICY_REJECT,
	    CONFIG_MODE_HARD, VERDICT_REJECT, 550, VERDICT_RULE_DMARC,
	    "sealer relay.example.net is not trusted" },
	{ "oldest trusted only", CH_PASS, SE_OLDEST_ONLY, OR_DMARC, PROOF_FAIL, DMARC_POLICY_REJECT,
	    CONFIG_MODE_HARD, VERDICT_REJECT, 550, VERDICT_RULE_DMARC,
	    "sealer lists.example.org is not trusted" },
	{ "sealers cut", CH_PASS, SE_CUT, OR_DMARC, PROOF_FAIL, DMARC_POLICY_REJECT,
	    CONFIG_MODE_HARD, VERDICT_REJECT, 550, VERDICT_RULE_DMARC,
	    "more sealers than vouch reads" },
	/* a broken chain proves nothing, trusted or not */
	{ "broken chain, trusted", CH_FAIL, SE_ALL, OR_DMARC, PROOF_FAIL, DMARC_POLICY_REJECT,
	    CONFIG_MODE_HARD, VERDICT_REJECT, 550, VERDICT_RULE_DMARC,
	    "the ARC chain does not validate (ARC-Seal i=1: signature did not verify)" },
	{ "broken chain, soft", CH_FAIL, SE_ALL, OR_DMARC, PROOF_FAIL, DMARC_POLICY_REJECT,
	    CONFIG_MODE_SOFT, VERDICT_UNSAFE, 250, VERDICT_RULE_DMARC, "does not validate" },
	{ "no chain", CH_NONE, SE_ALL, OR_DMARC, PROOF_FAIL, DMARC_POLICY_REJECT, CONFIG_MODE_HARD,
	    VERDICT_REJECT, 550, VERDICT_RULE_DMARC, NULL },
	/* the first hop saw no pass, or a pass for another From domain */
	{ "first hop saw nothing", CH_PASS, SE_ALL, OR_NONE, PROOF_FAIL, DMARC_POLICY_REJECT,
	    CONFIG_MODE_HARD, VERDICT_REJECT, 550, VERDICT_RULE_DMARC,
	    "does not show a pass for example.com at its first hop" },
	{ "first hop, other domain", CH_PASS, SE_ALL, OR_OTHER_DOMAIN, PROOF_FAIL,
	    DMARC_POLICY_REJECT, CONFIG_MODE_HARD, VERDICT_REJECT, 550, VERDICT_RULE_DMARC,
	    "does not show a pass" },
	/* DMARC itself passed or could not be known: ARC changes nothing */
	{ "dmarc pass", CH_PASS, SE_ALL, OR_DMARC, PROOF_PASS, DMARC_POLICY_REJECT,
	    CONFIG_MODE_HARD, VERDICT_ACCEPT, 250, VERDICT_RULE_NONE, NULL },
	{ "dmarc temperror", CH_PASS, SE_ALL, OR_DMARC, PROOF_TEMPERROR, DMARC_POLICY_REJECT,
	    CONFIG_MODE_HARD, VERDICT_ACCEPT, 250, VERDICT_RULE_NONE, NULL },
	/* p=none fails with nothing to act on; a trusted chain still says so */
	{ "p=none, trusted", CH_PASS, SE_ALL, OR_DMARC, PROOF_FAIL, DMARC_POLICY_NONE,
	    CONFIG_MODE_HARD, VERDICT_ACCEPT, 250, VERDICT_RULE_ARC, "(trusted)" },
	{ "p=none, untrusted", CH_PASS, SE_NONE, OR_DMARC, PROOF_FAIL, DMARC_POLICY_NONE,
	    CONFIG_MODE_HARD, VERDICT_ACCEPT, 250, VERDICT_RULE_NONE, NULL },
};

static void
run(enum chain ch, enum sealers se, enum origin o, enum proof_result dmarc, enum dmarc_policy pol,
    int mode, struct verdict *v)
{
	struct listener_config l;
	struct policy p = { .l = &l };
	struct proofs sess, msg;

	proofs_init(&sess);
	proofs_init(&msg);
	listener(&l, mode);
	set_policy(&p, se);
	add(&msg, PROOF_DKIM, PROOF_FAIL, "example.com"); /* the list broke it */
	add_arc(&msg, ch, se, o);
	add_dmarc(&msg, dmarc, pol);
	policy_data_end(&sess, &msg, &p, NULL, v);
	proofs_clear(&sess);
	proofs_clear(&msg);
}

static void
test_arc_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(arc_cases) / sizeof(arc_cases[0]); i++) {
		const struct arc_case *c = &arc_cases[i];
		struct verdict v;
		run(c->chain, c->sealers, c->origin, c->dmarc, c->policy, c->mode, &v);
		if (v.act != c->act || v.code != c->code || v.rule != c->rule ||
		    (c->why && strstr(v.why, c->why) == NULL))
			fail_msg("%s: got %s %d rule %d why \"%s\"", c->name,
			    verdict_act_name(v.act), v.code, (int)v.rule, v.why);
	}
}

/* Every combination: the override comes exactly when the chain passes,
 * every sealer is trusted and all of them are known, the first hop saw
 * an aligned pass for this From domain, and DMARC failed; otherwise the
 * verdict is DMARC's own, as if there were no chain. */
static void
test_arc_every_combination(void **state)
{
	(void)state;
	for (int ch = CH_NONE; ch <= CH_FAIL; ch++)
		for (int se = SE_ALL; se <= SE_CUT; se++)
			for (int o = OR_DMARC; o <= OR_OTHER_DOMAIN; o++)
				for (int r = 0; r < 3; r++)
					for (int mode = CONFIG_MODE_OFF; mode <= CONFIG_MODE_HARD;
					     mode++) {
						static const enum proof_result rs[] = { PROOF_FAIL,
							PROOF_PASS, PROOF_TEMPERROR };
						struct verdict v, plain;
						run(ch, se, o, rs[r], DMARC_POLICY_REJECT, mode,
						    &v);
						run(CH_NONE, se, o, rs[r], DMARC_POLICY_REJECT,
						    mode, &plain);
						int want = ch == CH_PASS && se == SE_ALL &&
						    (o == OR_DMARC || o == OR_DKIM ||
						        o == OR_SPF) &&
						    rs[r] == PROOF_FAIL;
						if (want) {
							assert_int_equal(v.act, VERDICT_ACCEPT);
							assert_int_equal(v.code, 250);
							assert_int_equal(v.rule, VERDICT_RULE_ARC);
						} else {
							if (v.act != plain.act ||
							    v.code != plain.code ||
							    v.rule != plain.rule)
								fail_msg(
								    "ch %d se %d o %d r %d mode %d: "
								    "%s %d, without ARC %s %d",
								    ch, se, o, r, mode,
								    verdict_act_name(v.act), v.code,
								    verdict_act_name(plain.act),
								    plain.code);
						}
					}
}

/* Our users' and allow-listed clients' mail is not judged by DMARC: no
 * override is needed or made. */
static void
test_arc_not_for_trusted_clients(void **state)
{
	struct listener_config l;
	struct policy p = { .l = &l };
	struct proofs sess, msg;
	struct verdict v;

	(void)state;
	proofs_init(&sess);
	proofs_init(&msg);
	listener(&l, CONFIG_MODE_HARD);
	set_policy(&p, SE_ALL);
	add(&sess, PROOF_AUTH, PROOF_PASS, "alice");
	add_arc(&msg, CH_PASS, SE_ALL, OR_DMARC);
	add_dmarc(&msg, PROOF_FAIL, DMARC_POLICY_REJECT);
	policy_data_end(&sess, &msg, &p, NULL, &v);
	assert_int_equal(v.act, VERDICT_ACCEPT);
	assert_int_equal(v.rule, VERDICT_RULE_NONE);
	proofs_clear(&sess);
	proofs_clear(&msg);
}

/* ---- X-Vouch-Verdict ---------------------------------------------------------- */

enum hclient { HC_ANON, HC_VOUCHED, HC_REGISTERED };

static const struct header_case {
	const char *name;
	enum hclient client;
	int registrar;
	enum proof_result dmarc;
	int dkim_aligned;
	enum dmarc_policy policy;
	int mode;
	enum chain chain;
	enum sealers sealers;
	const char *want; /* the whole field, or its start when it ends in '*' */
} header_cases[] = {
	{ "strongest", HC_REGISTERED, 1, PROOF_PASS, 1, DMARC_POLICY_REJECT, CONFIG_MODE_HARD,
	    CH_NONE, SE_NONE,
	    "X-Vouch-Verdict: verified+dmarc (vouched for its session, registered: "
	    "a.example.net; DMARC pass for example.com with an aligned DKIM signature "
	    "d=example.com)\r\n" },
	{ "vouched, registered, spf only", HC_REGISTERED, 1, PROOF_PASS, 0, DMARC_POLICY_REJECT,
	    CONFIG_MODE_HARD, CH_NONE, SE_NONE,
	    "X-Vouch-Verdict: verified (vouched for its session, registered: a.example.net; "
	    "DMARC pass for example.com on aligned SPF)\r\n" },
	{ "vouched, no registrar", HC_VOUCHED, 0, PROOF_PASS, 1, DMARC_POLICY_REJECT,
	    CONFIG_MODE_HARD, CH_NONE, SE_NONE,
	    "X-Vouch-Verdict: verified (vouched for its session: a.example.net; DMARC pass for "
	    "example.com with an aligned DKIM signature d=example.com)\r\n" },
	{ "anonymous, pass", HC_ANON, 0, PROOF_PASS, 1, DMARC_POLICY_REJECT, CONFIG_MODE_OFF,
	    CH_NONE, SE_NONE,
	    "X-Vouch-Verdict: unverified (no XVOUCH; DMARC pass for example.com with an aligned "
	    "DKIM signature d=example.com)\r\n" },
	{ "forged From, soft", HC_REGISTERED, 1, PROOF_FAIL, 0, DMARC_POLICY_REJECT,
	    CONFIG_MODE_SOFT, CH_NONE, SE_NONE,
	    "X-Vouch-Verdict: unsafe (message from example.com fails DMARC; the domain's owner "
	    "asks for rejection (p=reject): dmarc reason; the server is verified (vouched for "
	    "its session, registered: a.example.net))\r\n" },
	{ "quarantine, anonymous", HC_ANON, 0, PROOF_FAIL, 0, DMARC_POLICY_QUARANTINE,
	    CONFIG_MODE_HARD, CH_NONE, SE_NONE,
	    "X-Vouch-Verdict: unsafe (message from example.com fails DMARC; the domain's owner "
	    "asks for quarantine (p=quarantine): dmarc reason; the server is unverified: no "
	    "XVOUCH)\r\n" },
	{ "list, trusted", HC_REGISTERED, 1, PROOF_FAIL, 0, DMARC_POLICY_REJECT, CONFIG_MODE_SOFT,
	    CH_PASS, SE_ALL,
	    "X-Vouch-Verdict: verified (vouched for its session, registered: a.example.net; "
	    "DMARC fails for example.com, but the ARC chain sealed by lists.example.org "
	    "relay.example.net (trusted) shows an aligned dmarc pass at its first hop "
	    "(relay.example.net))\r\n" },
	{ "list, untrusted", HC_REGISTERED, 1, PROOF_FAIL, 0, DMARC_POLICY_REJECT, CONFIG_MODE_SOFT,
	    CH_PASS, SE_NONE, "X-Vouch-Verdict: unsafe (message from example.com fails DMARC;*" },
	{ "p=none fail", HC_REGISTERED, 1, PROOF_FAIL, 0, DMARC_POLICY_NONE, CONFIG_MODE_HARD,
	    CH_NONE, SE_NONE,
	    "X-Vouch-Verdict: verified (vouched for its session, registered: a.example.net; "
	    "DMARC fail for example.com)\r\n" },
};

static void
test_header(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(header_cases) / sizeof(header_cases[0]); i++) {
		const struct header_case *c = &header_cases[i];
		struct listener_config l;
		struct policy p = { .l = &l, .registrar = c->registrar };
		struct proofs sess, msg;
		struct strbuf out;

		proofs_init(&sess);
		proofs_init(&msg);
		strbuf_init(&out, 8192);
		listener(&l, c->mode);
		set_policy(&p, c->sealers);
		if (c->client != HC_ANON)
			add(&sess, PROOF_XVOUCH, PROOF_PASS, "a.example.net");
		if (c->client == HC_REGISTERED)
			add(&sess, PROOF_REGISTER_NAME, PROOF_REGISTERED, "a.example.net");
		if (c->chain != CH_NONE)
			add_arc(&msg, c->chain, c->sealers, OR_DMARC);
		struct proof *dm = add_dmarc(&msg, c->dmarc, c->policy);
		dm->u.dmarc.dkim_aligned = c->dkim_aligned;
		dm->u.dmarc.spf_aligned = !c->dkim_aligned;
		if (c->dkim_aligned)
			snprintf(dm->u.dmarc.dkim_domain, sizeof(dm->u.dmarc.dkim_domain),
			    "example.com");
		policy_verdict_header(&sess, &msg, &p, &out);
		size_t wl = strlen(c->want);
		int ok = c->want[wl - 1] == '*'
		    ? out.len >= wl - 1 && memcmp(out.s, c->want, wl - 1) == 0
		    : out.len == wl && memcmp(out.s, c->want, wl) == 0;
		if (!ok)
			fail_msg("%s: got \"%.*s\"", c->name, (int)out.len, out.s ? out.s : "");
		strbuf_free(&out);
		proofs_clear(&sess);
		proofs_clear(&msg);
	}
}

/* What the aggregate report says was done (policy_dmarc_applied()). */
static void
test_dmarc_applied(void **state)
{
	static const struct {
		enum verdict_act act;
		int code;
		enum verdict_rule rule;
		enum dmarc_result result;
		enum dmarc_policy asked;
		enum dmarc_override asked_why;
		int ret;
		enum dmarc_policy applied;
		enum dmarc_override why;
	} cases[] = {
		/* a 4xx: the retry is the one counted */
		{ VERDICT_TEMPFAIL, 451, VERDICT_RULE_DMARC, DMARC_FAIL, DMARC_POLICY_REJECT,
		    DMARC_OVERRIDE_NONE, -1, DMARC_POLICY_REJECT, DMARC_OVERRIDE_NONE },
		/* passed: nothing to apply, whatever else decided */
		{ VERDICT_ACCEPT, 250, VERDICT_RULE_NONE, DMARC_PASS, DMARC_POLICY_NONE,
		    DMARC_OVERRIDE_NONE, 0, DMARC_POLICY_NONE, DMARC_OVERRIDE_NONE },
		{ VERDICT_UNSAFE, 250, VERDICT_RULE_XVOUCH, DMARC_PASS, DMARC_POLICY_NONE,
		    DMARC_OVERRIDE_NONE, 0, DMARC_POLICY_NONE, DMARC_OVERRIDE_NONE },
		{ VERDICT_REJECT, 550, VERDICT_RULE_SPF, DMARC_NONE, DMARC_POLICY_NONE,
		    DMARC_OVERRIDE_NONE, 0, DMARC_POLICY_NONE, DMARC_OVERRIDE_NONE },
		/* p=reject refused in hard mode: as asked */
		{ VERDICT_REJECT, 550, VERDICT_RULE_DMARC, DMARC_FAIL, DMARC_POLICY_REJECT,
		    DMARC_OVERRIDE_NONE, 0, DMARC_POLICY_REJECT, DMARC_OVERRIDE_NONE },
		/* p=reject in soft mode: the Unsafe folder, by local policy */
		{ VERDICT_UNSAFE, 250, VERDICT_RULE_DMARC, DMARC_FAIL, DMARC_POLICY_REJECT,
		    DMARC_OVERRIDE_NONE, 0, DMARC_POLICY_QUARANTINE, DMARC_OVERRIDE_LOCAL_POLICY },
		/* p=reject and dmarc_reject = ignore: delivered, by local policy */
		{ VERDICT_ACCEPT, 250, VERDICT_RULE_NONE, DMARC_FAIL, DMARC_POLICY_REJECT,
		    DMARC_OVERRIDE_NONE, 0, DMARC_POLICY_NONE, DMARC_OVERRIDE_LOCAL_POLICY },
		/* a trusted ARC chain stood for DMARC */
		{ VERDICT_ACCEPT, 250, VERDICT_RULE_ARC, DMARC_FAIL, DMARC_POLICY_REJECT,
		    DMARC_OVERRIDE_NONE, 0, DMARC_POLICY_NONE, DMARC_OVERRIDE_ARC },
		/* p=quarantine: Unsafe, or a tagged subject, is quarantine */
		{ VERDICT_UNSAFE, 250, VERDICT_RULE_DMARC, DMARC_FAIL, DMARC_POLICY_QUARANTINE,
		    DMARC_OVERRIDE_NONE, 0, DMARC_POLICY_QUARANTINE, DMARC_OVERRIDE_NONE },
		{ VERDICT_TAG, 250, VERDICT_RULE_DMARC, DMARC_FAIL, DMARC_POLICY_QUARANTINE,
		    DMARC_OVERRIDE_NONE, 0, DMARC_POLICY_QUARANTINE, DMARC_OVERRIDE_NONE },
		/* pct= sampled it out to quarantine, and quarantine it was */
		{ VERDICT_UNSAFE, 250, VERDICT_RULE_DMARC, DMARC_FAIL, DMARC_POLICY_QUARANTINE,
		    DMARC_OVERRIDE_SAMPLED_OUT, 0, DMARC_POLICY_QUARANTINE,
		    DMARC_OVERRIDE_SAMPLED_OUT },
		/* p=none, refused by another check: the receiver's policy */
		{ VERDICT_REJECT, 550, VERDICT_RULE_SPF, DMARC_FAIL, DMARC_POLICY_NONE,
		    DMARC_OVERRIDE_NONE, 0, DMARC_POLICY_REJECT, DMARC_OVERRIDE_LOCAL_POLICY },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct verdict v;
		struct dmarc_outcome out;
		enum dmarc_policy applied;
		enum dmarc_override why;

		memset(&v, 0, sizeof(v));
		memset(&out, 0, sizeof(out));
		v.act = cases[i].act;
		v.code = cases[i].code;
		v.rule = cases[i].rule;
		out.result = cases[i].result;
		out.disposition = cases[i].asked;
		out.override = cases[i].asked_why;
		int ret = policy_dmarc_applied(&v, &out, &applied, &why);
		if (ret != cases[i].ret || applied != cases[i].applied || why != cases[i].why)
			fail_msg("case %zu: got %d %d %d, want %d %d %d", i, ret, (int)applied,
			    (int)why, cases[i].ret, (int)cases[i].applied, (int)cases[i].why);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arc_table),
		cmocka_unit_test(test_arc_every_combination),
		cmocka_unit_test(test_arc_not_for_trusted_clients),
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_dmarc_applied),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
