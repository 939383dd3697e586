/*
 * Unit tests for auth/proofs and auth/proofs_header: the set, each check's
 * outcome as a proof (tables of outcomes), the result words (the same as
 * each check's own, since the headers print them), and the trace fields
 * written from the proofs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "auth/proofs.h"
#include "auth/proofs_header.h"
#include "policy/lists.h"

static void
test_set(void **state)
{
	struct proofs ps;
	struct proof p;

	(void)state;
	proofs_init(&ps);
	assert_null(proofs_get(&ps, PROOF_DNSBL));
	assert_null(proofs_get(NULL, PROOF_DNSBL));
	memset(&p, 0, sizeof(p));
	/* room for several of a method (a message's signatures) */
	for (int i = 0; i < 20; i++) {
		p.method = i % 2 ? PROOF_CALLOUT : PROOF_DNSBL;
		p.result = i < 2 ? PROOF_LISTED : PROOF_NOT_LISTED;
		proofs_add(&ps, &p);
	}
	assert_int_equal(proofs_count(&ps), 20);
	assert_int_equal(proofs_get(&ps, PROOF_DNSBL)->result, PROOF_LISTED);
	assert_non_null(proofs_has(&ps, PROOF_DNSBL, PROOF_NOT_LISTED));
	assert_null(proofs_has(&ps, PROOF_CALLOUT, PROOF_PASS));
	/* put: in place of the method's proofs */
	p.method = PROOF_DNSBL;
	p.result = PROOF_TEMPERROR;
	proofs_put(&ps, &p);
	assert_int_equal(proofs_count(&ps), 11);
	assert_int_equal(proofs_get(&ps, PROOF_DNSBL)->result, PROOF_TEMPERROR);
	proofs_del(&ps, PROOF_CALLOUT);
	assert_int_equal(proofs_count(&ps), 1);
	assert_int_equal(proofs_at(&ps, 0)->method, PROOF_DNSBL);
	assert_null(proofs_at(&ps, 1));
	proofs_clear(&ps);
	assert_int_equal(proofs_count(&ps), 0);
	proofs_clear(&ps);
}

/* The words a header prints are each check's own. */
static void
test_names(void **state)
{
	(void)state;
	for (int r = SPF_NONE; r <= SPF_PERMERROR; r++)
		assert_string_equal(proof_result_name(proofs_spf_result((enum spf_result)r)),
		    spf_result_name((enum spf_result)r));
	for (int r = HELO_NONE; r <= HELO_TEMPERROR; r++)
		assert_string_equal(proof_result_name(proofs_helo_result((enum helo_result)r)),
		    helo_result_name((enum helo_result)r));
	for (int r = GEN_NONE; r <= GEN_TOO_NEW; r++)
		assert_string_equal(proof_result_name(proofs_gen_result((enum gen_result)r)),
		    gen_result_name((enum gen_result)r));
	for (int r = 0; r < CALLOUT_RESULT_COUNT; r++) {
		struct callout_outcome o;
		struct proof p;
		memset(&o, 0, sizeof(o));
		o.result = (enum callout_result)r;
		proofs_from_callout(&p, &o);
		assert_string_equal(proof_result_name(p.result), callout_result_name(o.result));
	}
	for (int st = REGISTER_UNREGISTERED; st <= REGISTER_TEMPERROR; st++) {
		struct register_outcome o;
		struct proof p;
		memset(&o, 0, sizeof(o));
		o.status = (enum register_status)st;
		o.decided_by = -1;
		proofs_from_register(&p, PROOF_REGISTER_NAME, "mx.example.com", &o);
		assert_string_equal(proof_result_name(p.result), register_status_name(o.status));
	}
	assert_string_equal(proof_result_name(PROOF_LISTED), dnslist_result_name(DNSLIST_LISTED));
	assert_string_equal(
	    proof_result_name(PROOF_NOT_LISTED), dnslist_result_name(DNSLIST_NOT_LISTED));
	for (int m = 0; m < PROOF_METHOD_COUNT; m++)
		assert_string_not_equal(proof_method_name((enum proof_method)m), "?");
}

static void
test_from_dnslist(void **state)
{
	/* zone results, in order; the proof: one zone decides, a listing
	 * first, then a zone that could not answer */
	static const struct {
		enum dnslist_result z[3];
		size_t n;
		enum proof_result want;
		const char *zone, *reason;
	} c[] = {
		{ { DNSLIST_NOT_LISTED }, 1, PROOF_NOT_LISTED, "", "not listed" },
		{ { DNSLIST_NOT_LISTED, DNSLIST_LISTED }, 2, PROOF_LISTED, "z1.test", "why z1" },
		{ { DNSLIST_TEMPERROR, DNSLIST_LISTED }, 2, PROOF_LISTED, "z1.test", "why z1" },
		{ { DNSLIST_TEMPERROR, DNSLIST_NOT_LISTED }, 2, PROOF_TEMPERROR, "z0.test",
		    "why z0" },
		{ { DNSLIST_LISTED, DNSLIST_LISTED, DNSLIST_TEMPERROR }, 3, PROOF_LISTED, "z0.test",
		    "why z0" },
		{ { 0 }, 0, PROOF_NOT_LISTED, "", "not listed" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct dnslist_outcome o;
		struct proof p;
		memset(&o, 0, sizeof(o));
		o.nzones = c[i].n;
		for (size_t k = 0; k < c[i].n; k++) {
			o.zones[k].result = c[i].z[k];
			snprintf(o.zones[k].zone, sizeof(o.zones[k].zone), "z%zu.test", k);
			snprintf(o.zones[k].reason, sizeof(o.zones[k].reason), "why z%zu", k);
		}
		proofs_from_dnslist(&p, PROOF_DNSBL, "192.0.2.1", &o);
		if (p.result != c[i].want || strcmp(p.u.zone.zone, c[i].zone) != 0 ||
		    strcmp(p.reason, c[i].reason) != 0 || strcmp(p.identity, "192.0.2.1") != 0)
			fail_msg("case %zu: %s %s %s", i, proof_result_name(p.result),
			    p.u.zone.zone, p.reason);
	}
}

static void
test_from_register(void **state)
{
	struct register_outcome o;
	struct proof p;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.status = REGISTER_ACTIVE;
	o.nzones = 2;
	o.decided_by = 1;
	snprintf(o.zones[1].zone, sizeof(o.zones[1].zone), "reg.test");
	o.zones[1].has_txt = 1;
	o.zones[1].txt.klass = REGISTER_CLASS_ISP;
	snprintf(o.reason, sizeof(o.reason), "registered at reg.test");
	proofs_from_register(&p, PROOF_REGISTER_NAME, "mx.example.com", &o);
	assert_int_equal(p.result, PROOF_REGISTERED);
	assert_int_equal(p.about, PROOF_ID_VOUCHED);
	assert_string_equal(p.u.zone.zone, "reg.test");
	assert_string_equal(p.u.zone.klass, "isp");
	assert_string_equal(p.reason, "registered at reg.test");
	/* an address's record names a host, not a class */
	o.by_address = 1;
	proofs_from_register(&p, PROOF_REGISTER_ADDR, "192.0.2.1", &o);
	assert_int_equal(p.about, PROOF_ID_CLIENT);
	assert_string_equal(p.u.zone.klass, "");
	/* nobody decided: no zone */
	o.decided_by = -1;
	o.status = REGISTER_TEMPERROR;
	proofs_from_register(&p, PROOF_REGISTER_ADDR, "192.0.2.1", &o);
	assert_int_equal(p.result, PROOF_TEMPERROR);
	assert_string_equal(p.u.zone.zone, "");
}

static void
test_from_helo(void **state)
{
	static const struct {
		const char *helo;
		enum helo_result syntax, literal, forward, fcrdns;
		enum proof_result name, iprev;
	} c[] = {
		{ "mx.example.com", HELO_PASS, HELO_NONE, HELO_PASS, HELO_PASS, PROOF_PASS,
		    PROOF_PASS },
		{ "mx.example.com", HELO_PASS, HELO_NONE, HELO_FAIL, HELO_FAIL, PROOF_FAIL,
		    PROOF_FAIL },
		{ "mx.example.com", HELO_PASS, HELO_NONE, HELO_TEMPERROR, HELO_TEMPERROR,
		    PROOF_TEMPERROR, PROOF_TEMPERROR },
		{ "localhost", HELO_FAIL, HELO_NONE, HELO_NONE, HELO_NONE, PROOF_FAIL, PROOF_NONE },
		{ "[192.0.2.1]", HELO_PASS, HELO_PASS, HELO_NONE, HELO_PASS, PROOF_PASS,
		    PROOF_PASS },
		{ "[192.0.2.9]", HELO_PASS, HELO_FAIL, HELO_NONE, HELO_PASS, PROOF_FAIL,
		    PROOF_PASS },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct helo_outcome o;
		struct proof name, iprev;
		memset(&o, 0, sizeof(o));
		o.syntax = c[i].syntax;
		o.literal = c[i].literal;
		o.forward = c[i].forward;
		o.fcrdns = c[i].fcrdns;
		if (o.fcrdns == HELO_PASS)
			snprintf(o.verified_name, sizeof(o.verified_name), "ptr.example.com");
		snprintf(o.reason, sizeof(o.reason), "helo %zu", i);
		proofs_from_helo(&name, &iprev, c[i].helo, "192.0.2.1", &o);
		if (name.result != c[i].name || iprev.result != c[i].iprev ||
		    name.u.helo.forward != c[i].forward || strcmp(name.identity, c[i].helo) != 0)
			fail_msg("case %zu: %s %s", i, proof_result_name(name.result),
			    proof_result_name(iprev.result));
		assert_string_equal(iprev.reason,
		    o.fcrdns == HELO_PASS ? "ptr.example.com"
		                          : "no reverse name resolves back to the client");
	}
}

static void
test_from_others(void **state)
{
	struct spf_outcome so;
	struct callout_outcome co;
	struct list_entry e;
	struct proof p;
	char err[100];

	(void)state;
	memset(&so, 0, sizeof(so));
	so.result = SPF_FAIL;
	snprintf(so.domain, sizeof(so.domain), "example.com");
	snprintf(so.mechanism, sizeof(so.mechanism), "-all");
	memset(so.explanation, 'x', SPF_EXPLANATION_MAX);
	proofs_from_spf(&p, PROOF_SPF_MAILFROM, "a@example.com", &so);
	assert_int_equal(p.result, PROOF_FAIL);
	assert_string_equal(p.u.spf.mechanism, "-all");
	/* kept as far as a reply can hold it */
	assert_int_equal(strlen(p.u.spf.explanation), PROOF_SPF_EXPLANATION_MAX - 1);

	memset(&co, 0, sizeof(co));
	co.result = CALLOUT_NOMX;
	co.source = CALLOUT_SRC_CACHE_DOMAIN;
	snprintf(co.address, sizeof(co.address), "a@example.com");
	proofs_from_callout(&p, &co);
	assert_int_equal(p.result, PROOF_NOMX);
	assert_string_equal(p.u.callout.source, "cache-domain");
	assert_int_equal(p.u.callout.skipped, 0);
	proofs_from_callout_skip(&p, "a@example.com", CALLOUT_SKIP_SPF_PASS);
	assert_int_equal(p.result, PROOF_NONE);
	assert_int_equal(p.u.callout.skipped, 1);
	assert_int_equal(p.u.callout.skip, CALLOUT_SKIP_SPF_PASS);

	assert_int_equal(list_parse("192.0.2.0/24", &e, err, sizeof(err)), 0);
	e.expires = 42;
	snprintf(e.reason, sizeof(e.reason), "trusted relay");
	proofs_from_list(&p, PROOF_ALLOW, "192.0.2.1", &e);
	assert_int_equal(p.result, PROOF_LISTED);
	assert_string_equal(p.u.list.entry, "192.0.2.0/24");
	assert_int_equal(p.u.list.expires, 42);
	assert_string_equal(p.reason, "trusted relay");

	proofs_from_gen(&p, GEN_TOO_OLD, 12, 30, 10, 100);
	assert_int_equal(p.result, PROOF_TOO_OLD);
	assert_int_equal(p.u.gen.peer, 12);
	assert_int_equal(p.u.gen.ours, 30);
	assert_int_equal(p.u.gen.tolerance, 10);
	assert_int_equal(p.u.gen.max_newer, 100);
	proofs_from_tls(&p, "mx.example.com", 0, "CN=mx.example.com", NULL, 0, NULL);
	assert_int_equal(p.result, PROOF_FAIL);
	assert_string_equal(p.reason, "CN=mx.example.com");
	proofs_from_tls(&p, "mx.example.com", 1, "CN=mx.example.com", "corp", 0,
	    "mx.example.com, certified by trusted CA corp");
	assert_int_equal(p.result, PROOF_PASS);
	assert_string_equal(p.u.tls.ca, "corp");
	proofs_from_tls(&p, "mx.example.com", 1, "CN=mx.example.com", "corp", 1, "revoked");
	assert_int_equal(p.result, PROOF_FAIL);
	assert_string_equal(p.u.tls.ca, "");
	assert_int_equal(p.u.tls.revoked, 1);
	proofs_from_xvouch(&p, "mx.example.com", PROOF_PASS, "confirmed");
	assert_int_equal(p.about, PROOF_ID_VOUCHED);
	proofs_from_auth(&p, "alice@example.com");
	assert_string_equal(p.identity, "alice@example.com");
}

/* ---- the trace fields ------------------------------------------------------------- */

static struct proof *
add(struct proofs *ps, enum proof_method m, enum proof_result r, const char *identity,
    const char *reason)
{
	struct proof p;

	memset(&p, 0, sizeof(p));
	p.method = m;
	p.result = r;
	snprintf(p.identity, sizeof(p.identity), "%s", identity);
	snprintf(p.reason, sizeof(p.reason), "%s", reason);
	proofs_add(ps, &p);
	return &ps->v[ps->n - 1];
}

/* The ARC chain: sealers newest first, cut when they do not fit, and the
 * first hop's pass kept for the From domain it was read for. */
static void
test_from_arc(void **state)
{
	struct arc_result r;
	struct arc_set sets[3];
	struct arc_origin o;
	struct proof p;

	(void)state;
	memset(&r, 0, sizeof(r));
	memset(sets, 0, sizeof(sets));
	memset(&o, 0, sizeof(o));
	r.status = ARC_CV_PASS;
	r.instances = 2;
	snprintf(r.detail, sizeof(r.detail), "2 ARC sets verified");
	snprintf(sets[0].seal_domain, sizeof(sets[0].seal_domain), "relay.example.net");
	snprintf(sets[1].seal_domain, sizeof(sets[1].seal_domain), "lists.example.org");
	o.pass = ARC_ORIGIN_DMARC;
	snprintf(o.domain, sizeof(o.domain), "example.com");
	snprintf(o.authserv_id, sizeof(o.authserv_id), "relay.example.net");
	proofs_from_arc(&p, &r, sets, 2, "example.com", &o);
	assert_int_equal(p.method, PROOF_ARC);
	assert_int_equal(p.result, PROOF_PASS);
	assert_string_equal(p.identity, "lists.example.org");
	assert_string_equal(p.reason, "2 ARC sets verified");
	assert_string_equal(p.u.arc.sealers, "lists.example.org relay.example.net");
	assert_int_equal(p.u.arc.sealers_cut, 0);
	assert_int_equal(p.u.arc.origin, ARC_ORIGIN_DMARC);
	assert_string_equal(p.u.arc.origin_domain, "example.com");
	assert_string_equal(p.u.arc.origin_authserv, "relay.example.net");
	/* fewer sets read than the chain has: not all sealers are known */
	r.instances = 3;
	r.status = ARC_CV_FAIL;
	proofs_from_arc(&p, &r, sets, 2, "example.com", NULL);
	assert_int_equal(p.result, PROOF_FAIL);
	assert_int_equal(p.u.arc.sealers_cut, 1);
	assert_int_equal(p.u.arc.origin, ARC_ORIGIN_NONE);
	/* no chain */
	memset(&r, 0, sizeof(r));
	proofs_from_arc(&p, &r, NULL, 0, "example.com", NULL);
	assert_int_equal(p.result, PROOF_NONE);
	assert_string_equal(p.identity, "");
	assert_string_equal(p.u.arc.sealers, "");
}

static void
test_header(void **state)
{
	struct proofs sess, msg;
	struct strbuf out;
	struct proof *p;
	struct proofs_header_in in = { "mx.test", "192.0.2.1", "mail.example.com", "a@example.com",
		NULL };

	(void)state;
	proofs_init(&sess);
	proofs_init(&msg);
	/* nothing proven but the missing XVOUCH */
	strbuf_init(&out, 1 << 16);
	proofs_header_write(&sess, &msg, &in, &out);
	assert_string_equal(out.s,
	    "Authentication-Results: mx.test;\r\n"
	    "\tx-vouch=none (the client did not send XVOUCH) smtp.helo=mail.example.com\r\n");
	strbuf_free(&out);

	p = add(&msg, PROOF_SPF_MAILFROM, PROOF_PASS, "a@example.com", "matched");
	snprintf(p->u.spf.mechanism, sizeof(p->u.spf.mechanism), "ip4:192.0.2.0/24");
	add(&sess, PROOF_SPF_HELO, PROOF_NONE, "mail.example.com", "no record");
	p = add(&sess, PROOF_HELO, PROOF_PASS, "mail.example.com", "");
	p->u.helo.syntax = HELO_PASS;
	p->u.helo.forward = HELO_PASS;
	p = add(&sess, PROOF_IPREV, PROOF_PASS, "192.0.2.1", "mail.example.com");
	add(&sess, PROOF_XVOUCH, PROOF_PASS, "mail.example.com", "the host confirmed the session");
	p = add(&sess, PROOF_TLS_CERT, PROOF_PASS, "mail.example.com", "CN=mail.example.com");
	snprintf(p->u.tls.subject, sizeof(p->u.tls.subject), "CN=mail.example.com");
	p = add(&sess, PROOF_XGEN, PROOF_OLDER, "", "");
	p->u.gen.peer = 12;
	add(&sess, PROOF_DNSWL, PROOF_NOT_LISTED, "192.0.2.1", "not listed");
	add(&sess, PROOF_DNSBL, PROOF_LISTED, "192.0.2.1", "listed (spam)");
	p = add(&sess, PROOF_REGISTER_NAME, PROOF_REGISTERED, "mail.example.com", "registered");
	snprintf(p->u.zone.klass, sizeof(p->u.zone.klass), "isp");
	p = add(&msg, PROOF_CALLOUT, PROOF_PASS, "a@example.com", "250 ok");
	snprintf(p->u.callout.source, sizeof(p->u.callout.source), "cache-address");
	strbuf_init(&out, 1 << 16);
	proofs_header_write(&sess, &msg, &in, &out);
	assert_string_equal(out.s,
	    "Authentication-Results: mx.test;\r\n"
	    "\tspf=pass smtp.mailfrom=a@example.com;\r\n"
	    "\tspf=none smtp.helo=mail.example.com;\r\n"
	    "\tiprev=pass (mail.example.com) policy.iprev=192.0.2.1;\r\n"
	    "\tx-vouch-helo=pass (syntax pass, forward pass) smtp.helo=mail.example.com;\r\n"
	    "\tx-vouch=pass (the host confirmed the session) smtp.helo=mail.example.com;\r\n"
	    "\tx-tls-client=pass (CN=mail.example.com) smtp.helo=mail.example.com;\r\n"
	    "\tx-vouch-gen=older policy.generation=12;\r\n"
	    "\tdnswl=none (not listed) policy.ip=192.0.2.1;\r\n"
	    "\tx-vouch-dnsbl=fail (listed \\(spam\\)) policy.ip=192.0.2.1;\r\n"
	    "\tx-vouch-register=registered (class isp: registered) smtp.helo=mail.example.com;\r\n"
	    "\tx-vouch-callout=pass (250 ok; from cache-address) smtp.mailfrom=a@example.com\r\n"
	    "Received-SPF: pass (mx.test: domain of a@example.com designates 192.0.2.1 as permitted sender)\r\n"
	    "\tclient-ip=192.0.2.1; envelope-from=a@example.com; helo=mail.example.com;\r\n"
	    "\treceiver=mx.test; identity=mailfrom; mechanism=\"ip4:192.0.2.0/24\";\r\n");
	strbuf_free(&out);

	/* authenticated: named only for stamp_user; the null sender; a skipped callout is
	 * told only for a sender */
	proofs_clear(&sess);
	proofs_clear(&msg);
	add(&sess, PROOF_AUTH, PROOF_PASS, "alice@example.com", "");
	in.sender = "";
	in.named_user = "alice@example.com";
	p = add(&msg, PROOF_CALLOUT, PROOF_NONE, "", "null-sender");
	p->u.callout.skipped = 1;
	p->u.callout.skip = CALLOUT_SKIP_NULL_SENDER;
	strbuf_init(&out, 1 << 16);
	proofs_header_write(&sess, &msg, &in, &out);
	assert_string_equal(out.s,
	    "Authentication-Results: mx.test;\r\n"
	    "\tauth=pass smtp.auth=alice@example.com\r\n");
	strbuf_free(&out);
	proofs_clear(&sess);
	proofs_clear(&msg);
}

static void
test_forged(void **state)
{
	static const struct {
		const char *field;
		int forged;
	} c[] = {
		{ "Authentication-Results: mx.test; spf=pass\r\n", 1 },
		{ "Authentication-Results: \"MX.TEST.\"; spf=pass\r\n", 1 },
		{ "Authentication-Results: other.test; spf=pass\r\n", 0 },
		{ "X-Vouch-Verdict: verified (allow-listed)\r\n", 1 },
		{ "Received-SPF: pass (x) receiver=mx.test; identity=helo\r\n", 1 },
		{ "Received-SPF: pass (x) receiver=mx.test.example; identity=helo\r\n", 0 },
		{ "Received-SPF: pass (x) receiver=other.test\r\n", 0 },
		{ "Subject: receiver=mx.test\r\n", 0 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		if (proofs_header_forged(c[i].field, strlen(c[i].field), "mx.test") != c[i].forged)
			fail_msg("case %zu: %s", i, c[i].field);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_from_dnslist),
		cmocka_unit_test(test_from_register),
		cmocka_unit_test(test_from_helo),
		cmocka_unit_test(test_from_others),
		cmocka_unit_test(test_from_arc),
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_forged),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
