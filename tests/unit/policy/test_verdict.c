/*
 * Unit tests for policy/verdict: the engine as tables of cases. The main
 * table crosses every check and result with every action and every mode
 * and follows the case through MAIL and RCPT; smaller tables cover the
 * rules that have no action setting (the block list, strict HELO,
 * vouch-required addresses, the XVOUCH answer, trust and forwarders, the
 * callout's skips, recipients without an unsafe folder, the verdict
 * header). No I/O: proof sets are built by hand.
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

/* ---- building proofs ------------------------------------------------------- */

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

static void
add_spf(struct proofs *ps, enum proof_method m, enum proof_result r)
{
	struct proof *p = add(ps, m, r, m == PROOF_SPF_HELO ? "mx.example.com" : "a@example.com");
	snprintf(p->u.spf.domain, sizeof(p->u.spf.domain), "%s",
	    m == PROOF_SPF_HELO ? "mx.example.com" : "example.com");
}

static void
add_zone(struct proofs *ps, enum proof_method m, enum proof_result r, const char *identity,
    const char *zone)
{
	struct proof *p = add(ps, m, r, identity);
	snprintf(p->u.zone.zone, sizeof(p->u.zone.zone), "%s", zone);
}

static void
add_helo(
    struct proofs *ps, enum helo_result syntax, enum helo_result literal, enum helo_result forward)
{
	struct proof *p = add(ps, PROOF_HELO, PROOF_PASS, "mx.example.com");
	p->u.helo.syntax = syntax;
	p->u.helo.literal = literal;
	p->u.helo.forward = forward;
}

static void
add_list(struct proofs *ps, enum proof_method m, const char *entry, int64_t expires)
{
	struct proof *p = add(ps, m, PROOF_LISTED, "192.0.2.1");
	snprintf(p->u.list.entry, sizeof(p->u.list.entry), "%s", entry);
	p->u.list.expires = expires;
}

/* A listener whose every action is "ignore": each case sets the one it tests. */
static void
quiet(struct listener_config *l, int mode)
{
	memset(l, 0, sizeof(*l));
	l->mode = mode;
	l->xvouch = 1;
}

static const char *const mode_names[] = { "off", "soft", "hard" };

/* ---- the main table: check x result x action x mode ------------------------------ */

enum check {
	CK_SPF_MAIL,
	CK_SPF_HELO,
	CK_DNSBL,
	CK_CALLOUT,
	CK_XVOUCH,
	CK_REG_NAME,
	CK_REG_ADDR,
	CK_XGEN,
	CK_XGEN_OFFERED, /* we offer generations (xgen_none applies) */
	CK_TLS,          /* a client certificate that proves nothing */
};
static const char *const check_names[] = { "spf-mailfrom", "spf-helo", "dnsbl", "callout", "xvouch",
	"register-name", "register-addr", "xgen", "xgen-offered", "tls-cert" };
enum stage { AT_MAIL, AT_RCPT };
#define NO_ACTION ((size_t)-1)
#define F(x) offsetof(struct listener_config, x)

/*
 * One check's result: the listener setting that says its action (or none:
 * the result leads to nothing), the stage that applies explicit refusals,
 * the refusals it gives at MAIL (reject, tempfail), the enhanced status a
 * hard mode gives at RCPT, and a piece of the reason.
 */
static const struct check_case {
	enum check ck;
	enum proof_result r; /* PROOF_NONE with CK_XVOUCH/CK_XGEN: no proof at all */
	size_t field;
	enum stage stage;
	int rcode;
	const char *rstatus;
	int tcode;
	const char *tstatus;
	const char *mstatus;
	const char *text;
} checks[] = {
	{ CK_SPF_MAIL, PROOF_PASS, NO_ACTION, AT_MAIL, 0, NULL, 0, NULL, NULL, NULL },
	{ CK_SPF_MAIL, PROOF_FAIL, F(spf_fail), AT_MAIL, 550, "5.7.23", 451, "4.7.24", "5.7.23",
	    "example.com" },
	{ CK_SPF_MAIL, PROOF_SOFTFAIL, F(spf_softfail), AT_MAIL, 550, "5.7.23", 451, "4.7.24",
	    "5.7.23", "example.com" },
	{ CK_SPF_MAIL, PROOF_NEUTRAL, F(spf_neutral), AT_MAIL, 550, "5.7.23", 451, "4.7.24",
	    "5.7.23", "example.com" },
	{ CK_SPF_MAIL, PROOF_NONE, F(spf_none), AT_MAIL, 550, "5.7.23", 451, "4.7.24", "5.7.23",
	    "example.com" },
	{ CK_SPF_MAIL, PROOF_TEMPERROR, F(spf_temperror), AT_MAIL, 550, "5.7.23", 451, "4.7.24",
	    "5.7.24", "example.com" },
	{ CK_SPF_MAIL, PROOF_PERMERROR, F(spf_permerror), AT_MAIL, 550, "5.7.24", 451, "4.7.24",
	    "5.7.24", "example.com" },
	{ CK_SPF_HELO, PROOF_PASS, NO_ACTION, AT_MAIL, 0, NULL, 0, NULL, NULL, NULL },
	{ CK_SPF_HELO, PROOF_FAIL, F(spf_fail), AT_MAIL, 550, "5.7.23", 451, "4.7.24", "5.7.23",
	    "mx.example.com" },
	{ CK_SPF_HELO, PROOF_SOFTFAIL, F(spf_softfail), AT_MAIL, 550, "5.7.23", 451, "4.7.24",
	    "5.7.23", "mx.example.com" },
	{ CK_SPF_HELO, PROOF_NEUTRAL, F(spf_neutral), AT_MAIL, 550, "5.7.23", 451, "4.7.24",
	    "5.7.23", "mx.example.com" },
	{ CK_SPF_HELO, PROOF_NONE, F(spf_none), AT_MAIL, 550, "5.7.23", 451, "4.7.24", "5.7.23",
	    "mx.example.com" },
	{ CK_SPF_HELO, PROOF_TEMPERROR, F(spf_temperror), AT_MAIL, 550, "5.7.23", 451, "4.7.24",
	    "5.7.24", "mx.example.com" },
	{ CK_SPF_HELO, PROOF_PERMERROR, F(spf_permerror), AT_MAIL, 550, "5.7.24", 451, "4.7.24",
	    "5.7.24", "mx.example.com" },
	{ CK_DNSBL, PROOF_NOT_LISTED, NO_ACTION, AT_MAIL, 0, NULL, 0, NULL, NULL, NULL },
	{ CK_DNSBL, PROOF_LISTED, F(dnsbl_listed), AT_MAIL, 554, "5.7.1", 451, "4.7.1", "5.7.1",
	    "blocked using bl.test" },
	{ CK_DNSBL, PROOF_TEMPERROR, F(dnsbl_temperror), AT_MAIL, 554, "5.7.1", 451, "4.7.1",
	    "5.7.1", "cannot check the DNS block list bl.test" },
	{ CK_CALLOUT, PROOF_PASS, NO_ACTION, AT_MAIL, 0, NULL, 0, NULL, NULL, NULL },
	{ CK_CALLOUT, PROOF_FAIL, F(callout_fail), AT_MAIL, 550, "5.1.7", 451, "4.1.7", "5.1.7",
	    "does not exist" },
	{ CK_CALLOUT, PROOF_NOMX, F(callout_nodomain), AT_MAIL, 550, "5.7.27", 451, "4.7.27",
	    "5.7.27", "cannot receive mail" },
	{ CK_CALLOUT, PROOF_NXDOMAIN, F(callout_nodomain), AT_MAIL, 550, "5.1.8", 451, "4.1.8",
	    "5.1.8", "cannot receive mail" },
	{ CK_CALLOUT, PROOF_CATCHALL, F(callout_catchall), AT_MAIL, 550, "5.1.7", 451, "4.1.7",
	    "5.1.7", "accepts any address" },
	{ CK_CALLOUT, PROOF_TEMPERROR, F(callout_temperror), AT_MAIL, 550, "5.1.7", 451, "4.1.7",
	    "5.1.7", "could not be verified now" },
	{ CK_XVOUCH, PROOF_NONE, F(xvouch_none), AT_RCPT, 0, NULL, 0, NULL, "5.7.1",
	    "did not vouch" },
	{ CK_XVOUCH, PROOF_PASS, NO_ACTION, AT_RCPT, 0, NULL, 0, NULL, NULL, NULL },
	{ CK_XVOUCH, PROOF_FAIL, F(xvouch_fail), AT_RCPT, 0, NULL, 0, NULL, "5.7.1",
	    "session not vouched for by mx.example.com" },
	{ CK_XVOUCH, PROOF_TEMPERROR, F(xvouch_temperror), AT_RCPT, 0, NULL, 0, NULL, "5.7.1",
	    "vouching could not be checked" },
	{ CK_REG_NAME, PROOF_REGISTERED, NO_ACTION, AT_RCPT, 0, NULL, 0, NULL, NULL, NULL },
	{ CK_REG_NAME, PROOF_UNREGISTERED, F(register_unregistered), AT_RCPT, 0, NULL, 0, NULL,
	    "5.7.1", "is not registered" },
	{ CK_REG_NAME, PROOF_SUSPENDED, F(register_suspended), AT_RCPT, 0, NULL, 0, NULL, "5.7.1",
	    "is suspended by its registrar reg.test" },
	{ CK_REG_NAME, PROOF_TEMPERROR, F(register_temperror), AT_RCPT, 0, NULL, 0, NULL, "5.7.1",
	    "could not be asked about mx.example.com" },
	{ CK_REG_ADDR, PROOF_REGISTERED, NO_ACTION, AT_RCPT, 0, NULL, 0, NULL, NULL, NULL },
	{ CK_REG_ADDR, PROOF_UNREGISTERED, NO_ACTION, AT_RCPT, 0, NULL, 0, NULL, NULL, NULL },
	{ CK_REG_ADDR, PROOF_TEMPERROR, NO_ACTION, AT_RCPT, 0, NULL, 0, NULL, NULL, NULL },
	{ CK_REG_ADDR, PROOF_SUSPENDED, F(register_suspended), AT_RCPT, 0, NULL, 0, NULL, "5.7.1",
	    "client address belongs to a server suspended" },
	{ CK_XGEN, PROOF_NONE, NO_ACTION, AT_RCPT, 0, NULL, 0, NULL, NULL, NULL },
	{ CK_XGEN, PROOF_CURRENT, NO_ACTION, AT_RCPT, 0, NULL, 0, NULL, NULL, NULL },
	{ CK_XGEN, PROOF_NEWER, NO_ACTION, AT_RCPT, 0, NULL, 0, NULL, NULL, NULL },
	{ CK_XGEN, PROOF_OLDER, NO_ACTION, AT_RCPT, 0, NULL, 0, NULL, NULL, NULL },
	{ CK_XGEN, PROOF_TOO_OLD, F(xgen_too_old), AT_RCPT, 0, NULL, 0, NULL, "5.7.1",
	    "software generation 7 is too old" },
	{ CK_XGEN, PROOF_INVALID, F(xgen_invalid), AT_RCPT, 0, NULL, 0, NULL, "5.7.1",
	    "software generation 7 does not verify" },
	{ CK_XGEN, PROOF_TOO_NEW, F(xgen_invalid), AT_RCPT, 0, NULL, 0, NULL, "5.7.1",
	    "is too far ahead to be checked" },
	{ CK_XGEN_OFFERED, PROOF_NONE, F(xgen_none), AT_RCPT, 0, NULL, 0, NULL, "5.7.1",
	    "gave no software generation (XGEN)" },
	{ CK_XGEN_OFFERED, PROOF_CURRENT, NO_ACTION, AT_RCPT, 0, NULL, 0, NULL, NULL, NULL },
	{ CK_TLS, PROOF_FAIL, F(tls_cert_fail), AT_RCPT, 0, NULL, 0, NULL, "5.7.1",
	    "client certificate (CN=mx.example.com) does not prove mx.example.com" },
	/* PROOF_PERMERROR stands for a certificate its trusted CA revoked */
	{ CK_TLS, PROOF_PERMERROR, F(tls_cert_revoked), AT_RCPT, 0, NULL, 0, NULL, "5.7.1",
	    "client certificate for mx.example.com is revoked" },
	/* verified only by tls_client_ca: recorded, proves nothing, not failed */
	{ CK_TLS, PROOF_PASS, F(tls_cert_fail), AT_RCPT, 0, NULL, 0, NULL, "5.7.1",
	    "does not prove mx.example.com" },
};

/* What an action leads to, by stage: at MAIL ('R' the check's reject,
 * 'T' its tempfail, else accepted with mail_act), and at RCPT for each
 * recipient mode (off, soft, hard); RCPT refusals of MAIL-stage checks
 * under "mode" carry the check's status, those of RCPT-stage checks 5.7.1
 * (4.7.1 for tempfail). */
static const struct action_case {
	int act;
	char mail;
	enum verdict_act mail_act;
	enum verdict_act rcpt[3];
} mail_stage[] = {
	{ CONFIG_ACT_IGNORE, 0, VERDICT_ACCEPT, { VERDICT_ACCEPT, VERDICT_ACCEPT, VERDICT_ACCEPT } },
	{ CONFIG_ACT_TAG, 0, VERDICT_TAG, { VERDICT_TAG, VERDICT_TAG, VERDICT_TAG } },
	{ CONFIG_ACT_UNSAFE, 0, VERDICT_UNSAFE, { VERDICT_UNSAFE, VERDICT_UNSAFE, VERDICT_UNSAFE } },
	{ CONFIG_ACT_TEMPFAIL, 'T', VERDICT_TEMPFAIL, { 0, 0, 0 } },
	{ CONFIG_ACT_REJECT, 'R', VERDICT_REJECT, { 0, 0, 0 } },
	{ CONFIG_ACT_MODE, 0, VERDICT_ACCEPT, { VERDICT_ACCEPT, VERDICT_UNSAFE, VERDICT_REJECT } },
},
  rcpt_stage[] = {
	  { CONFIG_ACT_IGNORE, 0, VERDICT_ACCEPT,
	      { VERDICT_ACCEPT, VERDICT_ACCEPT, VERDICT_ACCEPT } },
	  /* off: the trust checks are only recorded */
	  { CONFIG_ACT_TAG, 0, VERDICT_ACCEPT, { VERDICT_ACCEPT, VERDICT_TAG, VERDICT_TAG } },
	  { CONFIG_ACT_UNSAFE, 0, VERDICT_ACCEPT,
	      { VERDICT_ACCEPT, VERDICT_UNSAFE, VERDICT_UNSAFE } },
	  { CONFIG_ACT_TEMPFAIL, 0, VERDICT_ACCEPT,
	      { VERDICT_ACCEPT, VERDICT_TEMPFAIL, VERDICT_TEMPFAIL } },
	  { CONFIG_ACT_REJECT, 0, VERDICT_ACCEPT,
	      { VERDICT_ACCEPT, VERDICT_REJECT, VERDICT_REJECT } },
	  { CONFIG_ACT_MODE, 0, VERDICT_ACCEPT, { VERDICT_ACCEPT, VERDICT_UNSAFE, VERDICT_REJECT } },
  };

/* The proofs of one case: an unverified session that says nothing else. */
static void
build(const struct check_case *c, struct proofs *sess, struct proofs *msg, struct policy *p)
{
	struct proof *x;

	/* every session has said EHLO and MAIL */
	switch (c->ck) {
	case CK_SPF_MAIL: add_spf(msg, PROOF_SPF_MAILFROM, c->r); break;
	case CK_SPF_HELO: add_spf(sess, PROOF_SPF_HELO, c->r); break;
	case CK_DNSBL: add_zone(sess, PROOF_DNSBL, c->r, "192.0.2.1", "bl.test"); break;
	case CK_CALLOUT: add(msg, PROOF_CALLOUT, c->r, "a@example.com"); break;
	case CK_XVOUCH:
		if (c->r != PROOF_NONE)
			add(sess, PROOF_XVOUCH, c->r, "mx.example.com");
		break;
	case CK_REG_NAME:
		p->registrar = 1;
		add(sess, PROOF_XVOUCH, PROOF_PASS, "mx.example.com");
		add_zone(sess, PROOF_REGISTER_NAME, c->r, "mx.example.com", "reg.test");
		break;
	case CK_REG_ADDR:
		p->registrar = 1;
		add_zone(sess, PROOF_REGISTER_ADDR, c->r, "192.0.2.1", "reg.test");
		break;
	case CK_XGEN:
	case CK_XGEN_OFFERED:
		p->xgen = c->ck == CK_XGEN_OFFERED;
		if (c->r != PROOF_NONE) {
			x = add(sess, PROOF_XGEN, c->r, NULL);
			x->u.gen.peer = 7;
		}
		break;
	case CK_TLS:
		x = add(sess, PROOF_TLS_CERT, c->r == PROOF_PASS ? PROOF_PASS : PROOF_FAIL,
		    "mx.example.com");
		snprintf(x->u.tls.subject, sizeof(x->u.tls.subject), "CN=mx.example.com");
		x->u.tls.revoked = c->r == PROOF_PERMERROR;
		break;
	}
}

static void
check_refusal(
    const char *what, const struct verdict *v, int code, const char *status, const char *text)
{
	if (v->code != code || strcmp(v->status, status) != 0 || !strstr(v->text, text))
		fail_msg("%s: got %d %s \"%s\", want %d %s \"...%s...\"", what, v->code, v->status,
		    v->text, code, status, text);
}

static void
test_matrix(void **state)
{
	size_t n = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		const struct check_case *c = &checks[i];
		const struct action_case *acts = c->stage == AT_MAIL ? mail_stage : rcpt_stage;
		for (size_t a = 0; a < 6; a++) {
			for (int mode = CONFIG_MODE_OFF; mode <= CONFIG_MODE_HARD; mode++) {
				const struct action_case *ac = &acts[a];
				struct listener_config l;
				struct policy p = { .l = &l };
				struct policy_rcpt r = { .mode = mode };
				struct proofs sess, msg;
				struct verdict v;
				char what[200];
				int acts_here = c->field != NO_ACTION;

				quiet(&l, mode);
				if (acts_here)
					*(int *)(void *)((char *)&l + c->field) = ac->act;
				proofs_init(&sess);
				proofs_init(&msg);
				build(c, &sess, &msg, &p);
				snprintf(what, sizeof(what), "case %zu (%s %s, %s, %s)", i,
				    check_names[c->ck], proof_result_name(c->r),
				    config_action_names[ac->act], mode_names[mode]);

				/* MAIL */
				policy_mail(&sess, &msg, &p, "a@example.com", &v);
				char mail = acts_here ? ac->mail : 0;
				if (mail == 'R')
					check_refusal(what, &v, c->rcode, c->rstatus, c->text);
				else if (mail == 'T')
					check_refusal(what, &v, c->tcode, c->tstatus, c->text);
				else if (v.code != 250 || strcmp(v.status, "2.1.0") != 0 ||
				    v.act != (acts_here ? ac->mail_act : VERDICT_ACCEPT))
					fail_msg("%s: MAIL got %d %s act %s", what, v.code,
					    v.status, verdict_act_name(v.act));
				/* RCPT, when MAIL was accepted */
				if (mail == 0) {
					enum verdict_act want =
					    acts_here ? ac->rcpt[mode] : VERDICT_ACCEPT;
					policy_rcpt(&sess, &msg, &p, &r, &v);
					if (v.act != want)
						fail_msg("%s: RCPT got %s, want %s", what,
						    verdict_act_name(v.act),
						    verdict_act_name(want));
					if (want == VERDICT_REJECT)
						check_refusal(what, &v, 550,
						    ac->act == CONFIG_ACT_MODE ? c->mstatus
						                               : "5.7.1",
						    c->text);
					else if (want == VERDICT_TEMPFAIL)
						check_refusal(
						    what, &v, 451, "4.7.1", "try again later");
					else if (v.code != 250 || strcmp(v.status, "2.1.5") != 0)
						fail_msg(
						    "%s: RCPT got %d %s", what, v.code, v.status);
					if ((want == VERDICT_TAG || want == VERDICT_UNSAFE) &&
					    !strstr(v.why, c->text))
						fail_msg("%s: RCPT why \"%s\"", what, v.why);
				}
				proofs_clear(&sess);
				proofs_clear(&msg);
				n++;
			}
		}
	}
	assert_int_equal(n, sizeof(checks) / sizeof(checks[0]) * 6 * 3);
}

/* ---- connect: the block list ------------------------------------------------------ */

static void
test_connect(void **state)
{
	static const struct {
		int blocked, allowed;
		int64_t expires;
		int code;
		const char *text;
	} c[] = {
		{ 0, 0, 0, 220, "" },
		{ 1, 0, 0, 554, "192.0.2.1 is blocked: block reason" },
		{ 1, 0, 1900000000, 554, "192.0.2.1 is blocked until 1900000000: block reason" },
		/* an allow-listed client is never blocked */
		{ 1, 1, 0, 220, "" },
		{ 0, 1, 0, 220, "" },
	};
	struct listener_config l;
	struct policy p = { .l = &l };

	(void)state;
	quiet(&l, CONFIG_MODE_HARD);
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct proofs sess;
		struct verdict v;
		proofs_init(&sess);
		if (c[i].blocked)
			add_list(&sess, PROOF_BLOCK, "192.0.2.1", c[i].expires);
		if (c[i].allowed)
			add_list(&sess, PROOF_ALLOW, "192.0.2.0/24", 0);
		policy_connect(&sess, &p, &v);
		if (v.code != c[i].code || strcmp(v.text, c[i].text) != 0 ||
		    (v.code == 554) != (v.act == VERDICT_REJECT))
			fail_msg("case %zu: %d \"%s\"", i, v.code, v.text);
		if (v.code == 554)
			assert_string_equal(v.status, "5.7.1");
		proofs_clear(&sess);
	}
	/* HELO decides nothing by itself (RFC 5321 4.1.4) */
	struct proofs sess;
	struct verdict v;
	proofs_init(&sess);
	add_helo(&sess, HELO_FAIL, HELO_NONE, HELO_FAIL);
	l.strict = 1;
	policy_helo(&sess, &p, &v);
	assert_int_equal(v.code, 250);
	proofs_clear(&sess);
}

/* ---- XVOUCH's answer ------------------------------------------------------------ */

static void
test_xvouch(void **state)
{
	static const struct {
		enum proof_result r;
		int listener_mode, xvouch_fail;
		int code;
		const char *status;
		unsigned flags;
		const char *text;
	} c[] = {
		{ PROOF_PASS, CONFIG_MODE_HARD, CONFIG_ACT_MODE, 250, "2.7.0", 0,
		    "vouched for mx.example.com" },
		{ PROOF_TEMPERROR, CONFIG_MODE_HARD, CONFIG_ACT_MODE, 451, "4.7.0", 0,
		    "cannot verify the session now: xvouch reason" },
		/* hard mode: refused, closed, the address made vouch-required */
		{ PROOF_FAIL, CONFIG_MODE_HARD, CONFIG_ACT_MODE, 550, "5.7.1",
		    VERDICT_CLOSE | VERDICT_REQUIRE_VOUCH,
		    "session not vouched for by mx.example.com: xvouch reason" },
		{ PROOF_FAIL, CONFIG_MODE_SOFT, CONFIG_ACT_REJECT, 550, "5.7.1",
		    VERDICT_CLOSE | VERDICT_REQUIRE_VOUCH, "xvouch reason" },
		/* soft mode: the refusal is the answer; the session goes on */
		{ PROOF_FAIL, CONFIG_MODE_SOFT, CONFIG_ACT_MODE, 550, "5.7.1", 0,
		    "(the session goes on unverified)" },
		{ PROOF_FAIL, CONFIG_MODE_OFF, CONFIG_ACT_MODE, 550, "5.7.1", 0,
		    "(the session goes on unverified)" },
		{ PROOF_FAIL, CONFIG_MODE_HARD, CONFIG_ACT_UNSAFE, 550, "5.7.1", 0,
		    "(the session goes on unverified)" },
		{ PROOF_FAIL, CONFIG_MODE_HARD, CONFIG_ACT_TEMPFAIL, 550, "5.7.1", 0,
		    "(the session goes on unverified)" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct listener_config l;
		struct policy p = { .l = &l };
		struct proofs sess;
		struct verdict v;
		quiet(&l, c[i].listener_mode);
		l.xvouch_fail = c[i].xvouch_fail;
		proofs_init(&sess);
		add(&sess, PROOF_XVOUCH, c[i].r, "mx.example.com");
		policy_xvouch(&sess, &p, &v);
		check_refusal("xvouch", &v, c[i].code, c[i].status, c[i].text);
		if (v.flags != c[i].flags)
			fail_msg("case %zu: flags %u", i, v.flags);
		proofs_clear(&sess);
	}
}

/* ---- XGEN's answer -------------------------------------------------------------- */

static void
test_xgen(void **state)
{
	static const struct {
		enum proof_result r; /* PROOF_NONE: no XGEN proof */
		enum verdict_act act;
		int code;
		const char *status, *text;
	} c[] = {
		{ PROOF_NONE, VERDICT_ACCEPT, 250, "2.7.0", "no generation to answer" },
		{ PROOF_CURRENT, VERDICT_ACCEPT, 250, "2.7.0", "generation 7 accepted (current)" },
		{ PROOF_NEWER, VERDICT_ACCEPT, 250, "2.7.0", "generation 7 accepted (newer)" },
		{ PROOF_OLDER, VERDICT_ACCEPT, 250, "2.7.0", "generation 7 accepted (older)" },
		{ PROOF_TOO_OLD, VERDICT_REJECT, 550, "5.7.1",
		    "generation 7 is too old: the oldest accepted here is 40" },
		{ PROOF_TOO_NEW, VERDICT_REJECT, 550, "5.7.1",
		    "generation 7 is more than 100 newer than ours (30): not checked" },
		{ PROOF_INVALID, VERDICT_REJECT, 550, "5.7.1",
		    "generation cookie does not verify" },
	};
	(void)state;
	/* the answer is the same whatever the mode and the xgen_* actions:
	 * those say what the generation leads to at RCPT (test_matrix) */
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		for (int mode = CONFIG_MODE_OFF; mode <= CONFIG_MODE_HARD; mode++) {
			struct listener_config l;
			struct policy p = { .l = &l };
			struct proofs sess;
			struct verdict v;
			char what[100];
			quiet(&l, mode);
			l.xgen_invalid = l.xgen_too_old = CONFIG_ACT_REJECT;
			proofs_init(&sess);
			if (c[i].r != PROOF_NONE) {
				struct proof *x = add(&sess, PROOF_XGEN, c[i].r, NULL);
				x->u.gen.peer = 7;
				x->u.gen.ours = 30;
				x->u.gen.tolerance = 10;
				x->u.gen.max_newer = 100;
			}
			policy_xgen(&sess, &p, &v);
			snprintf(what, sizeof(what), "xgen %s, %s", proof_result_name(c[i].r),
			    mode_names[mode]);
			check_refusal(what, &v, c[i].code, c[i].status, c[i].text);
			if (strcmp(v.text, c[i].text) != 0 || v.act != c[i].act || v.flags != 0)
				fail_msg("%s: \"%s\" act %s flags %u", what, v.text,
				    verdict_act_name(v.act), v.flags);
			proofs_clear(&sess);
		}
	}
}

/* ---- MAIL: the rules without an action setting, and their order ------------------- */

enum mail_setup {
	MS_NONE = 0,
	MS_STRICT = 1 << 0,           /* strict = yes */
	MS_HELO_BAD = 1 << 1,         /* the name does not resolve to the client */
	MS_HELO_SYNTAX = 1 << 2,      /* not an FQDN */
	MS_HELO_LITERAL = 1 << 3,     /* a literal that is not the client */
	MS_HELO_TEMP = 1 << 4,        /* DNS trouble */
	MS_REQUIRED = 1 << 5,         /* the address is vouch-required */
	MS_XV_PASS = 1 << 6,          /* vouched */
	MS_XV_TEMP = 1 << 7,          /* vouching could not be checked */
	MS_ALLOWED = 1 << 8,          /* allow-listed */
	MS_DNSBL = 1 << 9,            /* listed; dnsbl_listed = reject */
	MS_SPF_FAIL = 1 << 10,        /* return path SPF fail; spf_fail = reject */
	MS_AUTH = 1 << 11,            /* authenticated */
	MS_SUBMISSION = 1 << 12,      /* a submission port */
	MS_DNSWL = 1 << 13,           /* listed in a DNS allow list */
	MS_REGISTERED = 1 << 14,      /* registrar zones; the vouched name is active */
	MS_SPF_HELO_FAIL = 1 << 15,   /* HELO SPF fail */
	MS_SPF_SOFT_TAG = 1 << 16,    /* return path softfail; spf_softfail = tag */
	MS_SPF_HELO_UNSAFE = 1 << 17, /* HELO neutral; spf_neutral = unsafe */
	MS_CERT = 1 << 18,            /* a certificate for the HELO name from trusted CA corp */
	MS_CERT_CLIENT_CA = 1 << 19,  /* one verified by tls_client_ca only */
	MS_SUSPENDED = 1 << 20        /* registrar zones; the vouched name is suspended */
};

static void
mail_case(unsigned ms, int mode, struct listener_config *l, struct policy *p, struct proofs *sess,
    struct proofs *msg)
{
	quiet(l, mode);
	p->l = l;
	p->registrar = 0;
	p->submission = (ms & MS_SUBMISSION) != 0;
	l->strict = (ms & MS_STRICT) != 0;
	l->dnsbl_listed = CONFIG_ACT_REJECT;
	l->spf_fail = CONFIG_ACT_REJECT;
	l->spf_softfail = CONFIG_ACT_TAG;
	l->spf_neutral = CONFIG_ACT_UNSAFE;
	proofs_init(sess);
	proofs_init(msg);
	if (ms & (MS_HELO_BAD | MS_HELO_SYNTAX | MS_HELO_LITERAL | MS_HELO_TEMP))
		add_helo(sess, ms & MS_HELO_SYNTAX ? HELO_FAIL : HELO_PASS,
		    ms & MS_HELO_LITERAL ? HELO_FAIL : HELO_NONE,
		    ms & MS_HELO_BAD        ? HELO_FAIL
		        : ms & MS_HELO_TEMP ? HELO_TEMPERROR
		                            : HELO_PASS);
	else
		add_helo(sess, HELO_PASS, HELO_NONE, HELO_PASS);
	if (ms & MS_REQUIRED)
		add_list(msg, PROOF_REQUIRED, "192.0.2.1", 1900000000);
	if (ms & MS_XV_PASS)
		add(sess, PROOF_XVOUCH, PROOF_PASS, "mx.example.com");
	if (ms & MS_XV_TEMP)
		add(sess, PROOF_XVOUCH, PROOF_TEMPERROR, "mx.example.com");
	if (ms & MS_REGISTERED) {
		p->registrar = 1;
		add_zone(sess, PROOF_REGISTER_NAME, PROOF_REGISTERED, "mx.example.com", "reg.test");
	}
	if (ms & MS_SUSPENDED) {
		p->registrar = 1;
		add_zone(sess, PROOF_REGISTER_NAME, PROOF_SUSPENDED, "mx.example.com", "reg.test");
	}
	if (ms & (MS_CERT | MS_CERT_CLIENT_CA)) {
		struct proof *c = add(sess, PROOF_TLS_CERT, PROOF_PASS, "mx.example.com");
		snprintf(c->u.tls.subject, sizeof(c->u.tls.subject), "CN=mx.example.com");
		if (ms & MS_CERT) {
			snprintf(c->u.tls.ca, sizeof(c->u.tls.ca), "corp");
			snprintf(c->reason, sizeof(c->reason),
			    "mx.example.com, certified by trusted CA corp");
		}
	}
	if (ms & MS_ALLOWED)
		add_list(sess, PROOF_ALLOW, "192.0.2.0/24", 0);
	if (ms & MS_DNSWL)
		add_zone(sess, PROOF_DNSWL, PROOF_LISTED, "192.0.2.1", "wl.test");
	if (ms & MS_DNSBL)
		add_zone(sess, PROOF_DNSBL, PROOF_LISTED, "192.0.2.1", "bl.test");
	if (ms & MS_SPF_FAIL)
		add_spf(msg, PROOF_SPF_MAILFROM, PROOF_FAIL);
	else if (ms & MS_SPF_SOFT_TAG)
		add_spf(msg, PROOF_SPF_MAILFROM, PROOF_SOFTFAIL);
	else
		add_spf(msg, PROOF_SPF_MAILFROM, PROOF_PASS);
	if (ms & MS_SPF_HELO_FAIL)
		add_spf(sess, PROOF_SPF_HELO, PROOF_FAIL);
	else if (ms & MS_SPF_HELO_UNSAFE)
		add_spf(sess, PROOF_SPF_HELO, PROOF_NEUTRAL);
	if (ms & MS_AUTH)
		add(sess, PROOF_AUTH, PROOF_PASS, "alice@example.com");
}

static void
test_mail_rules(void **state)
{
	static const struct {
		unsigned ms;
		int mode;
		int code;
		const char *status;
		enum verdict_rule rule;
		const char *text;
	} c[] = {
		{ MS_NONE, CONFIG_MODE_HARD, 250, "2.1.0", VERDICT_RULE_NONE, "Ok" },
		/* strict HELO (DESIGN 6): only with strict = yes */
		{ MS_HELO_BAD, CONFIG_MODE_HARD, 250, "2.1.0", VERDICT_RULE_NONE, "Ok" },
		{ MS_STRICT | MS_HELO_BAD, CONFIG_MODE_SOFT, 550, "5.7.1", VERDICT_RULE_STRICT,
		    "strict rules (XSTRICT): helo reason" },
		{ MS_STRICT | MS_HELO_SYNTAX, CONFIG_MODE_SOFT, 550, "5.7.1", VERDICT_RULE_STRICT,
		    "XSTRICT" },
		{ MS_STRICT | MS_HELO_LITERAL, CONFIG_MODE_SOFT, 550, "5.7.1", VERDICT_RULE_STRICT,
		    "XSTRICT" },
		{ MS_STRICT | MS_HELO_TEMP, CONFIG_MODE_SOFT, 451, "4.7.1", VERDICT_RULE_STRICT,
		    "cannot check the HELO name now" },
		{ MS_STRICT, CONFIG_MODE_SOFT, 250, "2.1.0", VERDICT_RULE_NONE, "Ok" },
		/* vouch-required (DESIGN 5.1 step 6): hard mode, unless the
		 * session vouches or is allow-listed */
		{ MS_REQUIRED, CONFIG_MODE_HARD, 550, "5.7.1", VERDICT_RULE_REQUIRED,
		    "mail from [192.0.2.1] is taken only from sessions that vouch for themselves (XVOUCH) until 1900000000, because required reason" },
		{ MS_REQUIRED | MS_XV_TEMP, CONFIG_MODE_HARD, 451, "4.7.1", VERDICT_RULE_REQUIRED,
		    "vouching could not be checked (xvouch reason); try again later" },
		{ MS_REQUIRED | MS_XV_PASS, CONFIG_MODE_HARD, 250, "2.1.0", VERDICT_RULE_NONE,
		    "Ok" },
		{ MS_REQUIRED | MS_ALLOWED, CONFIG_MODE_HARD, 250, "2.1.0", VERDICT_RULE_NONE,
		    "Ok" },
		{ MS_REQUIRED, CONFIG_MODE_SOFT, 250, "2.1.0", VERDICT_RULE_NONE, "Ok" },
		/* DNS block lists: allow-listed clients are not held to them */
		{ MS_DNSBL, CONFIG_MODE_SOFT, 554, "5.7.1", VERDICT_RULE_DNSBL,
		    "client host [192.0.2.1] blocked using bl.test: dnsbl reason" },
		{ MS_DNSBL | MS_ALLOWED, CONFIG_MODE_SOFT, 250, "2.1.0", VERDICT_RULE_NONE, "Ok" },
		{ MS_DNSBL | MS_DNSWL, CONFIG_MODE_SOFT, 250, "2.1.0", VERDICT_RULE_NONE, "Ok" },
		/* the order: strict, required, lists, SPF */
		{ MS_STRICT | MS_HELO_BAD | MS_REQUIRED | MS_DNSBL | MS_SPF_FAIL, CONFIG_MODE_HARD,
		    550, "5.7.1", VERDICT_RULE_STRICT, "XSTRICT" },
		{ MS_REQUIRED | MS_DNSBL | MS_SPF_FAIL, CONFIG_MODE_HARD, 550, "5.7.1",
		    VERDICT_RULE_REQUIRED, "vouch for themselves" },
		{ MS_DNSBL | MS_SPF_FAIL, CONFIG_MODE_HARD, 554, "5.7.1", VERDICT_RULE_DNSBL,
		    "blocked using" },
		/* SPF: the return path names the domain in the reply */
		{ MS_SPF_FAIL | MS_SPF_HELO_FAIL, CONFIG_MODE_HARD, 550, "5.7.23", VERDICT_RULE_SPF,
		    "SPF check failed for example.com: spf-mailfrom reason" },
		{ MS_SPF_HELO_FAIL, CONFIG_MODE_HARD, 550, "5.7.23", VERDICT_RULE_SPF,
		    "SPF check failed for mx.example.com" },
		/* a proof of a name is not a proof for other domains: SPF is
		 * forgiven for trusted forwarders only */
		{ MS_SPF_FAIL | MS_XV_PASS, CONFIG_MODE_HARD, 550, "5.7.23", VERDICT_RULE_SPF,
		    "SPF check failed" },
		{ MS_SPF_FAIL | MS_XV_PASS | MS_REGISTERED, CONFIG_MODE_HARD, 250, "2.1.0",
		    VERDICT_RULE_NONE, "Ok" },
		{ MS_SPF_FAIL | MS_ALLOWED, CONFIG_MODE_HARD, 250, "2.1.0", VERDICT_RULE_NONE,
		    "Ok" },
		{ MS_SPF_FAIL | MS_DNSWL, CONFIG_MODE_HARD, 550, "5.7.23", VERDICT_RULE_SPF,
		    "SPF check failed" },
		/* submission proves itself with AUTH: no check applies */
		{ MS_SPF_FAIL | MS_DNSBL | MS_AUTH, CONFIG_MODE_HARD, 250, "2.1.0",
		    VERDICT_RULE_NONE, "Ok" },
		{ MS_STRICT | MS_HELO_BAD | MS_SUBMISSION, CONFIG_MODE_HARD, 250, "2.1.0",
		    VERDICT_RULE_NONE, "Ok" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct listener_config l;
		struct policy p;
		struct proofs sess, msg;
		struct verdict v;
		char what[40];
		mail_case(c[i].ms, c[i].mode, &l, &p, &sess, &msg);
		snprintf(what, sizeof(what), "mail case %zu", i);
		policy_mail(&sess, &msg, &p, "a@example.com", &v);
		check_refusal(what, &v, c[i].code, c[i].status, c[i].text);
		if (v.rule != c[i].rule)
			fail_msg("%s: rule %d", what, (int)v.rule);
		proofs_clear(&sess);
		proofs_clear(&msg);
	}
}

/* The strictest say wins at RCPT; among equals, the first. */
static void
test_says(void **state)
{
	static const struct {
		unsigned ms;
		int mode;
		enum verdict_act act;
		const char *why;
	} c[] = {
		{ MS_SPF_SOFT_TAG | MS_XV_PASS, CONFIG_MODE_SOFT, VERDICT_TAG,
		    "SPF softfail for mailfrom example.com" },
		{ MS_SPF_SOFT_TAG | MS_SPF_HELO_UNSAFE | MS_XV_PASS, CONFIG_MODE_SOFT,
		    VERDICT_UNSAFE, "SPF neutral for helo mx.example.com" },
		/* unverified, soft: unsafe beats tag; xvouch_none is ignore here */
		{ MS_SPF_SOFT_TAG, CONFIG_MODE_SOFT, VERDICT_TAG, "SPF softfail" },
		/* the mode "off" still files explicit actions */
		{ MS_SPF_HELO_UNSAFE, CONFIG_MODE_OFF, VERDICT_UNSAFE, "SPF neutral for helo" },
		/* a trusted forwarder's SPF is only recorded */
		{ MS_SPF_HELO_UNSAFE | MS_ALLOWED, CONFIG_MODE_SOFT, VERDICT_ACCEPT, "" },
		/* authenticated: no check applies at RCPT either */
		{ MS_SPF_HELO_UNSAFE | MS_AUTH, CONFIG_MODE_HARD, VERDICT_ACCEPT, "" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct listener_config l;
		struct policy p;
		struct policy_rcpt r = { .mode = c[i].mode };
		struct proofs sess, msg;
		struct verdict v;
		mail_case(c[i].ms, c[i].mode, &l, &p, &sess, &msg);
		policy_rcpt(&sess, &msg, &p, &r, &v);
		if (v.act != c[i].act || strncmp(v.why, c[i].why, strlen(c[i].why)) != 0)
			fail_msg("says case %zu: %s \"%s\"", i, verdict_act_name(v.act), v.why);
		proofs_clear(&sess);
		proofs_clear(&msg);
	}
}

/* ---- RCPT: recipients without an unsafe folder, the recipient domain's mode --------- */

static void
test_rcpt(void **state)
{
	static const struct {
		int listener_mode, rcpt_mode, no_unsafe, auth;
		int code;
		const char *status;
		enum verdict_rule rule;
		const char *text;
	} c[] = {
		{ CONFIG_MODE_SOFT, CONFIG_MODE_SOFT, 0, 0, 250, "2.1.5", VERDICT_RULE_TRUST,
		    "Ok" },
		{ CONFIG_MODE_SOFT, CONFIG_MODE_SOFT, 1, 0, 550, "5.7.1", VERDICT_RULE_NO_UNSAFE,
		    "Recipient accepts only verified mail, and this message is not: the sending server did not vouch" },
		/* a domain block makes one recipient domain hard, another off */
		{ CONFIG_MODE_SOFT, CONFIG_MODE_HARD, 0, 0, 550, "5.7.1", VERDICT_RULE_TRUST,
		    "the sending server did not vouch for its session (XVOUCH); this domain takes mail only from servers that prove who they are" },
		{ CONFIG_MODE_HARD, CONFIG_MODE_OFF, 1, 0, 250, "2.1.5", VERDICT_RULE_NONE, "Ok" },
		{ CONFIG_MODE_HARD, CONFIG_MODE_HARD, 1, 1, 250, "2.1.5", VERDICT_RULE_NONE, "Ok" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct listener_config l;
		struct policy p = { .l = &l };
		struct policy_rcpt r = { .mode = c[i].rcpt_mode, .no_unsafe = c[i].no_unsafe };
		struct proofs sess, msg;
		struct verdict v;
		char what[40];
		quiet(&l, c[i].listener_mode);
		l.xvouch_none = CONFIG_ACT_MODE;
		proofs_init(&sess);
		proofs_init(&msg);
		if (c[i].auth)
			add(&sess, PROOF_AUTH, PROOF_PASS, "alice@example.com");
		snprintf(what, sizeof(what), "rcpt case %zu", i);
		policy_rcpt(&sess, &msg, &p, &r, &v);
		check_refusal(what, &v, c[i].code, c[i].status, c[i].text);
		if (v.rule != c[i].rule)
			fail_msg("%s: rule %d", what, (int)v.rule);
		proofs_clear(&sess);
		proofs_clear(&msg);
	}
}

/* ---- RCPT: refused mail classes -------------------------------------------------- */

static void
test_classes(void **state)
{
	static const struct {
		const char *klass;     /* the register's class of the vouched name, "" none */
		enum proof_result reg; /* the register's word */
		int vouched;           /* XVOUCH passed */
		const char *refuse;    /* the recipient's refuse_classes, NULL: none set */
		int mode, auth, submission;
		int code;
		const char *text;
	} c[] = {
		/* a school refuses bulk: a registered bulk sender, in every mode */
		{ "bulk", PROOF_REGISTERED, 1, "bulk", CONFIG_MODE_SOFT, 0, 0, 550,
		    "mail of class bulk is refused for this recipient: the registrar reg.test lists the sending server mx.example.com as bulk" },
		{ "bulk", PROOF_REGISTERED, 1, "isp,bulk", CONFIG_MODE_OFF, 0, 0, 550,
		    "class bulk" },
		{ "bulk", PROOF_REGISTERED, 1, "bulk", CONFIG_MODE_HARD, 0, 0, 550, "class bulk" },
		{ "bulk", PROOF_SUSPENDED, 1, "bulk", CONFIG_MODE_OFF, 0, 0, 550, "class bulk" },
		/* another recipient takes it */
		{ "bulk", PROOF_REGISTERED, 1, NULL, CONFIG_MODE_HARD, 0, 0, 250, "Ok" },
		{ "bulk", PROOF_REGISTERED, 1, "isp", CONFIG_MODE_HARD, 0, 0, 250, "Ok" },
		{ "isp", PROOF_REGISTERED, 1, "bulk", CONFIG_MODE_HARD, 0, 0, 250, "Ok" },
		/* no class from the register, or no proven name: nothing to refuse by */
		{ "", PROOF_REGISTERED, 1, "bulk", CONFIG_MODE_HARD, 0, 0, 250, "Ok" },
		{ "bulk", PROOF_REGISTERED, 0, "bulk", CONFIG_MODE_OFF, 0, 0, 250, "Ok" },
		{ "bulk", PROOF_UNREGISTERED, 1, "bulk", CONFIG_MODE_OFF, 0, 0, 250, "Ok" },
		{ "bulk", PROOF_TEMPERROR, 1, "bulk", CONFIG_MODE_OFF, 0, 0, 250, "Ok" },
		/* our own users are not classed */
		{ "bulk", PROOF_REGISTERED, 1, "bulk", CONFIG_MODE_HARD, 1, 0, 250, "Ok" },
		{ "bulk", PROOF_REGISTERED, 1, "bulk", CONFIG_MODE_HARD, 0, 1, 250, "Ok" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct listener_config l;
		struct policy p = { .l = &l, .registrar = 1, .submission = c[i].submission };
		struct proofs sess, msg;
		struct verdict v;
		char what[40], words[3][16];
		char *wv[3];
		struct conf_list refuse = { wv, 0 };
		struct policy_rcpt r = { .mode = c[i].mode };
		quiet(&l, c[i].mode);
		proofs_init(&sess);
		proofs_init(&msg);
		if (c[i].refuse) {
			const char *s = c[i].refuse;
			while (*s && refuse.n < 3) {
				size_t n = strcspn(s, ",");
				snprintf(words[refuse.n], sizeof(words[0]), "%.*s", (int)n, s);
				wv[refuse.n] = words[refuse.n];
				refuse.n++;
				s += n + (s[n] == ',');
			}
			r.refuse_classes = &refuse;
			r.refuse_by = "recipient";
		}
		if (c[i].vouched)
			add(&sess, PROOF_XVOUCH, PROOF_PASS, "mx.example.com");
		add_zone(&sess, PROOF_REGISTER_NAME, c[i].reg, "mx.example.com", "reg.test");
		snprintf(sess.v[sess.n - 1].u.zone.klass, sizeof(sess.v[0].u.zone.klass), "%s",
		    c[i].klass);
		if (c[i].auth)
			add(&sess, PROOF_AUTH, PROOF_PASS, "alice@example.com");
		add_spf(&msg, PROOF_SPF_MAILFROM, PROOF_PASS);
		snprintf(what, sizeof(what), "class case %zu", i);
		policy_rcpt(&sess, &msg, &p, &r, &v);
		check_refusal(what, &v, c[i].code, c[i].code == 550 ? "5.7.1" : "2.1.5", c[i].text);
		if (c[i].code == 550 &&
		    (v.rule != VERDICT_RULE_CLASS || !strstr(v.why, "refused by the recipient")))
			fail_msg("%s: rule %d why \"%s\"", what, (int)v.rule, v.why);
		proofs_clear(&sess);
		proofs_clear(&msg);
	}
}

/* ---- trust: verified, forwarders, the callout's skips ------------------------------- */

static void
test_trust(void **state)
{
	static const struct {
		unsigned ms;
		int verified, forwarder;
		const char *how, *detail;
	} c[] = {
		{ MS_NONE, 0, 0, NULL, NULL },
		{ MS_AUTH, 1, 1, "authenticated submission", NULL },
		{ MS_ALLOWED, 1, 1, "allow-listed", "192.0.2.0/24" },
		{ MS_DNSWL, 1, 0, "listed in a DNS allow list", "wl.test" },
		/* a vouched name without a registrar: verified, no forwarder */
		{ MS_XV_PASS, 1, 0, "vouched for its session", "mx.example.com" },
		{ MS_XV_PASS | MS_REGISTERED, 1, 1, "vouched for its session, registered",
		    "mx.example.com" },
		{ MS_XV_TEMP, 0, 0, NULL, NULL },
		{ MS_AUTH | MS_ALLOWED, 1, 1, "authenticated submission", "192.0.2.0/24" },
		/* the chain of trust: a trusted CA's certificate proves the name only */
		{ MS_CERT, 1, 0, "certificate from a trusted CA",
		    "mx.example.com, certified by trusted CA corp" },
		{ MS_CERT_CLIENT_CA, 0, 0, NULL, NULL },
		{ MS_CERT | MS_XV_PASS, 1, 0, "vouched for its session", "mx.example.com" },
		/* vouching could not be checked: the CA's word stands */
		{ MS_CERT | MS_XV_TEMP, 1, 0, "certificate from a trusted CA",
		    "mx.example.com, certified by trusted CA corp" },
		/* no CA washes out a suspension */
		{ MS_CERT | MS_XV_PASS | MS_SUSPENDED, 0, 0, NULL, "mx.example.com" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct listener_config l;
		struct policy p;
		struct proofs sess, msg;
		struct policy_trust t;
		mail_case(c[i].ms, CONFIG_MODE_HARD, &l, &p, &sess, &msg);
		policy_trust(&sess, &p, &t);
		if (t.verified != c[i].verified || t.forwarder != c[i].forwarder ||
		    (t.how == NULL) != (c[i].how == NULL) ||
		    (t.how && strcmp(t.how, c[i].how) != 0) ||
		    (t.detail == NULL) != (c[i].detail == NULL) ||
		    (t.detail && strcmp(t.detail, c[i].detail) != 0))
			fail_msg("trust case %zu: %d %d %s %s", i, t.verified, t.forwarder,
			    t.how ? t.how : "-", t.detail ? t.detail : "-");
		proofs_clear(&sess);
		proofs_clear(&msg);
	}
}

static void
test_callout_wanted(void **state)
{
	static const struct {
		unsigned ms;
		int callout, allow_sender, have_proof;
		const char *sender;
		enum verdict_callout want;
		enum callout_skip skip;
	} c[] = {
		{ MS_NONE, 0, 0, 0, "a@example.com", VERDICT_CALLOUT_NONE, 0 },
		{ MS_NONE, 1, 0, 0, "a@example.com", VERDICT_CALLOUT_RUN, 0 },
		{ MS_NONE, 1, 0, 0, "", VERDICT_CALLOUT_SKIP, CALLOUT_SKIP_NULL_SENDER },
		{ MS_ALLOWED, 1, 0, 0, "a@example.com", VERDICT_CALLOUT_SKIP,
		    CALLOUT_SKIP_ALLOWED },
		{ MS_DNSWL, 1, 0, 0, "a@example.com", VERDICT_CALLOUT_SKIP, CALLOUT_SKIP_ALLOWED },
		/* a self-vouched name proves nothing about the return path */
		{ MS_XV_PASS, 1, 0, 0, "a@example.com", VERDICT_CALLOUT_RUN, 0 },
		{ MS_XV_PASS | MS_REGISTERED, 1, 0, 0, "a@example.com", VERDICT_CALLOUT_SKIP,
		    CALLOUT_SKIP_VOUCHED },
		{ MS_SPF_SOFT_TAG, 1, 1, 0, "a@example.com", VERDICT_CALLOUT_SKIP,
		    CALLOUT_SKIP_ALLOWED },
		{ MS_AUTH, 1, 0, 0, "a@example.com", VERDICT_CALLOUT_NONE, 0 },
		{ MS_SUBMISSION, 1, 0, 0, "a@example.com", VERDICT_CALLOUT_NONE, 0 },
		/* made already: its say is what counts now */
		{ MS_SPF_SOFT_TAG, 1, 0, 1, "a@example.com", VERDICT_CALLOUT_NONE, 0 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct listener_config l;
		struct policy p;
		struct proofs sess, msg;
		struct verdict v;
		mail_case(c[i].ms, CONFIG_MODE_HARD, &l, &p, &sess, &msg);
		l.callout = c[i].callout;
		/* SPF pass settles the sender unless the case says otherwise */
		if (c[i].ms & MS_SPF_SOFT_TAG)
			l.spf_softfail = CONFIG_ACT_IGNORE;
		else
			proofs_del(&msg, PROOF_SPF_MAILFROM);
		if (c[i].allow_sender)
			add_list(&msg, PROOF_ALLOW_SENDER, "a@example.com", 0);
		if (c[i].have_proof)
			add(&msg, PROOF_CALLOUT, PROOF_PASS, "a@example.com");
		policy_mail(&sess, &msg, &p, c[i].sender, &v);
		if (v.code != 250 || v.callout != c[i].want ||
		    (v.callout == VERDICT_CALLOUT_SKIP && v.skip != c[i].skip))
			fail_msg("callout case %zu: %d callout %d skip %d", i, v.code,
			    (int)v.callout, (int)v.skip);
		proofs_clear(&sess);
		proofs_clear(&msg);
	}
	/* SPF pass for the return path settles it too */
	struct listener_config l;
	struct policy p;
	struct proofs sess, msg;
	struct verdict v;
	mail_case(MS_NONE, CONFIG_MODE_HARD, &l, &p, &sess, &msg);
	l.callout = 1;
	policy_mail(&sess, &msg, &p, "a@example.com", &v);
	assert_int_equal(v.callout, VERDICT_CALLOUT_SKIP);
	assert_int_equal(v.skip, CALLOUT_SKIP_SPF_PASS);
	proofs_clear(&sess);
	proofs_clear(&msg);
}

/* ---- the verdict header -------------------------------------------------------- */

static void
test_header(void **state)
{
	static const struct {
		unsigned ms;
		int suspended_addr;
		const char *want;
	} c[] = {
		{ MS_NONE, 0, "X-Vouch-Verdict: unverified (no XVOUCH)\r\n" },
		{ MS_XV_TEMP, 0, "X-Vouch-Verdict: unverified (xvouch reason)\r\n" },
		{ MS_NONE, 1,
		    "X-Vouch-Verdict: unverified (no XVOUCH; the client address is suspended by the registrar)\r\n" },
		{ MS_XV_PASS, 0,
		    "X-Vouch-Verdict: verified (vouched for its session: mx.example.com)\r\n" },
		{ MS_ALLOWED, 0, "X-Vouch-Verdict: verified (allow-listed: 192.0.2.0/24)\r\n" },
		{ MS_AUTH, 0, "X-Vouch-Verdict: verified (authenticated submission)\r\n" },
		/* the server is verified, but the message's own checks said more */
		{ MS_XV_PASS | MS_SPF_SOFT_TAG, 0,
		    "X-Vouch-Verdict: unverified (the server is verified (vouched for its session: mx.example.com), but SPF softfail for mailfrom example.com)\r\n" },
		{ MS_SPF_HELO_UNSAFE | MS_SPF_SOFT_TAG, 0,
		    "X-Vouch-Verdict: unverified (no XVOUCH; SPF neutral for helo mx.example.com)\r\n" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct listener_config l;
		struct policy p;
		struct proofs sess, msg;
		struct strbuf out;
		mail_case(c[i].ms, CONFIG_MODE_SOFT, &l, &p, &sess, &msg);
		if (c[i].suspended_addr)
			add_zone(
			    &sess, PROOF_REGISTER_ADDR, PROOF_SUSPENDED, "192.0.2.1", "reg.test");
		strbuf_init(&out, 4096);
		policy_verdict_header(&sess, &msg, &p, &out);
		if (strcmp(out.s ? out.s : "", c[i].want) != 0)
			fail_msg("header case %zu: %s", i, out.s ? out.s : "(none)");
		strbuf_free(&out);
		proofs_clear(&sess);
		proofs_clear(&msg);
	}
	/* vouched, but not registered */
	struct listener_config l;
	struct policy p;
	struct proofs sess, msg;
	struct strbuf out;
	mail_case(MS_XV_PASS, CONFIG_MODE_SOFT, &l, &p, &sess, &msg);
	p.registrar = 1;
	add_zone(&sess, PROOF_REGISTER_NAME, PROOF_UNREGISTERED, "mx.example.com", "");
	strbuf_init(&out, 4096);
	policy_verdict_header(&sess, &msg, &p, &out);
	assert_string_equal(
	    out.s, "X-Vouch-Verdict: unverified (vouched, but unregistered by the registrar)\r\n");
	strbuf_free(&out);
	proofs_clear(&sess);
	proofs_clear(&msg);
}

/* ---- end of data --------------------------------------------------------------- */

static void
test_data_end_no_proofs(void **state)
{
	struct listener_config l;
	struct policy p;
	struct proofs sess, msg;
	struct verdict v;

	(void)state;
	/* no message proofs: whatever the session, the message is taken */
	for (int mode = CONFIG_MODE_OFF; mode <= CONFIG_MODE_HARD; mode++) {
		mail_case(MS_SPF_HELO_UNSAFE, mode, &l, &p, &sess, &msg);
		policy_data_end(&sess, &msg, &p, NULL, &v);
		assert_int_equal(v.code, 250);
		assert_int_equal(v.act, VERDICT_ACCEPT);
		proofs_clear(&sess);
		proofs_clear(&msg);
	}
}

/* Who the client is, for the DMARC table. */
enum de_client { DE_ANON, DE_VOUCHED, DE_AUTH, DE_ALLOWED, DE_SUBMISSION };

static const struct data_end_case {
	const char *name;
	enum de_client client;
	int mode;
	enum proof_result dmarc; /* the DMARC proof's result */
	int has_policy, subdomain;
	enum dmarc_policy policy, disposition;
	int dmarc_reject, dmarc_quarantine, dmarc_temperror; /* the listener's actions */
	enum verdict_act act;
	int code;
	const char *status;
	const char *text; /* a part of the reply's text, or NULL */
} data_end_cases[] = {
	/* p=reject, the shipped actions (reject: mode, quarantine: unsafe) */
	{ "reject hard", DE_ANON, CONFIG_MODE_HARD, PROOF_FAIL, 1, 0, DMARC_POLICY_REJECT,
	    DMARC_POLICY_REJECT, CONFIG_ACT_MODE, CONFIG_ACT_UNSAFE, CONFIG_ACT_IGNORE,
	    VERDICT_REJECT, 550, "5.7.1", "asks for rejection (p=reject)" },
	{ "reject soft", DE_ANON, CONFIG_MODE_SOFT, PROOF_FAIL, 1, 0, DMARC_POLICY_REJECT,
	    DMARC_POLICY_REJECT, CONFIG_ACT_MODE, CONFIG_ACT_UNSAFE, CONFIG_ACT_IGNORE,
	    VERDICT_UNSAFE, 250, "2.0.0", NULL },
	{ "reject off", DE_ANON, CONFIG_MODE_OFF, PROOF_FAIL, 1, 0, DMARC_POLICY_REJECT,
	    DMARC_POLICY_REJECT, CONFIG_ACT_MODE, CONFIG_ACT_UNSAFE, CONFIG_ACT_IGNORE,
	    VERDICT_ACCEPT, 250, "2.0.0", NULL },
	/* an honest, vouched path does not make a forged From good */
	{ "reject hard, vouched", DE_VOUCHED, CONFIG_MODE_HARD, PROOF_FAIL, 1, 0,
	    DMARC_POLICY_REJECT, DMARC_POLICY_REJECT, CONFIG_ACT_MODE, CONFIG_ACT_UNSAFE,
	    CONFIG_ACT_IGNORE, VERDICT_REJECT, 550, "5.7.1", NULL },
	{ "reject soft, vouched", DE_VOUCHED, CONFIG_MODE_SOFT, PROOF_FAIL, 1, 0,
	    DMARC_POLICY_REJECT, DMARC_POLICY_REJECT, CONFIG_ACT_MODE, CONFIG_ACT_UNSAFE,
	    CONFIG_ACT_IGNORE, VERDICT_UNSAFE, 250, "2.0.0", NULL },
	/* a subdomain's policy is named as sp= */
	{ "sp=reject hard", DE_ANON, CONFIG_MODE_HARD, PROOF_FAIL, 1, 1, DMARC_POLICY_REJECT,
	    DMARC_POLICY_REJECT, CONFIG_ACT_MODE, CONFIG_ACT_UNSAFE, CONFIG_ACT_IGNORE,
	    VERDICT_REJECT, 550, "5.7.1", "(sp=reject)" },
	/* pct sampled the message out: the milder disposition applies */
	{ "reject sampled to quarantine", DE_ANON, CONFIG_MODE_HARD, PROOF_FAIL, 1, 0,
	    DMARC_POLICY_REJECT, DMARC_POLICY_QUARANTINE, CONFIG_ACT_MODE, CONFIG_ACT_UNSAFE,
	    CONFIG_ACT_IGNORE, VERDICT_UNSAFE, 250, "2.0.0", NULL },
	{ "reject sampled to none", DE_ANON, CONFIG_MODE_HARD, PROOF_FAIL, 1, 0,
	    DMARC_POLICY_REJECT, DMARC_POLICY_NONE, CONFIG_ACT_MODE, CONFIG_ACT_UNSAFE,
	    CONFIG_ACT_IGNORE, VERDICT_ACCEPT, 250, "2.0.0", NULL },
	/* p=quarantine: unsafe in every mode by default */
	{ "quarantine hard", DE_ANON, CONFIG_MODE_HARD, PROOF_FAIL, 1, 0, DMARC_POLICY_QUARANTINE,
	    DMARC_POLICY_QUARANTINE, CONFIG_ACT_MODE, CONFIG_ACT_UNSAFE, CONFIG_ACT_IGNORE,
	    VERDICT_UNSAFE, 250, "2.0.0", NULL },
	{ "quarantine off", DE_ANON, CONFIG_MODE_OFF, PROOF_FAIL, 1, 0, DMARC_POLICY_QUARANTINE,
	    DMARC_POLICY_QUARANTINE, CONFIG_ACT_MODE, CONFIG_ACT_UNSAFE, CONFIG_ACT_IGNORE,
	    VERDICT_UNSAFE, 250, "2.0.0", NULL },
	/* p=none: reported, never acted on */
	{ "none hard", DE_ANON, CONFIG_MODE_HARD, PROOF_FAIL, 1, 0, DMARC_POLICY_NONE,
	    DMARC_POLICY_NONE, CONFIG_ACT_REJECT, CONFIG_ACT_REJECT, CONFIG_ACT_IGNORE,
	    VERDICT_ACCEPT, 250, "2.0.0", NULL },
	/* the per-listener override */
	{ "reject as tag", DE_ANON, CONFIG_MODE_HARD, PROOF_FAIL, 1, 0, DMARC_POLICY_REJECT,
	    DMARC_POLICY_REJECT, CONFIG_ACT_TAG, CONFIG_ACT_UNSAFE, CONFIG_ACT_IGNORE, VERDICT_TAG,
	    250, "2.0.0", NULL },
	{ "reject ignored", DE_ANON, CONFIG_MODE_HARD, PROOF_FAIL, 1, 0, DMARC_POLICY_REJECT,
	    DMARC_POLICY_REJECT, CONFIG_ACT_IGNORE, CONFIG_ACT_UNSAFE, CONFIG_ACT_IGNORE,
	    VERDICT_ACCEPT, 250, "2.0.0", NULL },
	{ "quarantine rejected", DE_ANON, CONFIG_MODE_SOFT, PROOF_FAIL, 1, 0,
	    DMARC_POLICY_QUARANTINE, DMARC_POLICY_QUARANTINE, CONFIG_ACT_MODE, CONFIG_ACT_REJECT,
	    CONFIG_ACT_IGNORE, VERDICT_REJECT, 550, "5.7.1", "asks for quarantine" },
	{ "reject tempfailed", DE_ANON, CONFIG_MODE_SOFT, PROOF_FAIL, 1, 0, DMARC_POLICY_REJECT,
	    DMARC_POLICY_REJECT, CONFIG_ACT_TEMPFAIL, CONFIG_ACT_UNSAFE, CONFIG_ACT_IGNORE,
	    VERDICT_TEMPFAIL, 451, "4.7.1", NULL },
	/* what passes, or has nothing to say, is taken */
	{ "pass", DE_ANON, CONFIG_MODE_HARD, PROOF_PASS, 1, 0, DMARC_POLICY_REJECT,
	    DMARC_POLICY_NONE, CONFIG_ACT_REJECT, CONFIG_ACT_REJECT, CONFIG_ACT_REJECT,
	    VERDICT_ACCEPT, 250, "2.0.0", NULL },
	{ "none", DE_ANON, CONFIG_MODE_HARD, PROOF_NONE, 0, 0, DMARC_POLICY_NONE, DMARC_POLICY_NONE,
	    CONFIG_ACT_REJECT, CONFIG_ACT_REJECT, CONFIG_ACT_REJECT, VERDICT_ACCEPT, 250, "2.0.0",
	    NULL },
	{ "permerror", DE_ANON, CONFIG_MODE_HARD, PROOF_PERMERROR, 0, 0, DMARC_POLICY_NONE,
	    DMARC_POLICY_NONE, CONFIG_ACT_REJECT, CONFIG_ACT_REJECT, CONFIG_ACT_REJECT,
	    VERDICT_ACCEPT, 250, "2.0.0", NULL },
	/* temperror: ignored by default; never a 5xx */
	{ "temperror", DE_ANON, CONFIG_MODE_HARD, PROOF_TEMPERROR, 0, 0, DMARC_POLICY_NONE,
	    DMARC_POLICY_NONE, CONFIG_ACT_MODE, CONFIG_ACT_UNSAFE, CONFIG_ACT_IGNORE,
	    VERDICT_ACCEPT, 250, "2.0.0", NULL },
	{ "temperror tempfail", DE_ANON, CONFIG_MODE_HARD, PROOF_TEMPERROR, 0, 0, DMARC_POLICY_NONE,
	    DMARC_POLICY_NONE, CONFIG_ACT_MODE, CONFIG_ACT_UNSAFE, CONFIG_ACT_TEMPFAIL,
	    VERDICT_TEMPFAIL, 451, "4.7.1", "cannot check the DMARC policy" },
	{ "temperror reject is tempfail", DE_ANON, CONFIG_MODE_HARD, PROOF_TEMPERROR, 0, 0,
	    DMARC_POLICY_NONE, DMARC_POLICY_NONE, CONFIG_ACT_MODE, CONFIG_ACT_UNSAFE,
	    CONFIG_ACT_MODE, VERDICT_TEMPFAIL, 451, "4.7.1", NULL },
	/* our users and the admin's allow list are not judged by the From domain */
	{ "reject, authenticated", DE_AUTH, CONFIG_MODE_HARD, PROOF_FAIL, 1, 0, DMARC_POLICY_REJECT,
	    DMARC_POLICY_REJECT, CONFIG_ACT_MODE, CONFIG_ACT_UNSAFE, CONFIG_ACT_IGNORE,
	    VERDICT_ACCEPT, 250, "2.0.0", NULL },
	{ "reject, allow-listed", DE_ALLOWED, CONFIG_MODE_HARD, PROOF_FAIL, 1, 0,
	    DMARC_POLICY_REJECT, DMARC_POLICY_REJECT, CONFIG_ACT_MODE, CONFIG_ACT_UNSAFE,
	    CONFIG_ACT_IGNORE, VERDICT_ACCEPT, 250, "2.0.0", NULL },
	{ "reject, submission", DE_SUBMISSION, CONFIG_MODE_HARD, PROOF_FAIL, 1, 0,
	    DMARC_POLICY_REJECT, DMARC_POLICY_REJECT, CONFIG_ACT_MODE, CONFIG_ACT_UNSAFE,
	    CONFIG_ACT_IGNORE, VERDICT_ACCEPT, 250, "2.0.0", NULL },
};

static void
test_data_end_dmarc(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(data_end_cases) / sizeof(data_end_cases[0]); i++) {
		const struct data_end_case *c = &data_end_cases[i];
		struct listener_config l;
		struct policy p = { .l = &l };
		struct proofs sess, msg;
		struct verdict v;

		proofs_init(&sess);
		proofs_init(&msg);
		quiet(&l, c->mode);
		l.dmarc_reject = c->dmarc_reject;
		l.dmarc_quarantine = c->dmarc_quarantine;
		l.dmarc_temperror = c->dmarc_temperror;
		switch (c->client) {
		case DE_VOUCHED: add(&sess, PROOF_XVOUCH, PROOF_PASS, "mx.example.net"); break;
		case DE_AUTH: add(&sess, PROOF_AUTH, PROOF_PASS, "alice"); break;
		case DE_ALLOWED: add_list(&sess, PROOF_ALLOW, "192.0.2.0/24", 0); break;
		case DE_SUBMISSION: p.submission = 1; break;
		default: break;
		}
		add_spf(&msg, PROOF_SPF_MAILFROM, PROOF_PASS);
		add(&msg, PROOF_DKIM, PROOF_FAIL, "example.com");
		struct proof *dm = add(&msg, PROOF_DMARC, c->dmarc, "example.com");
		dm->u.dmarc.has_policy = c->has_policy;
		dm->u.dmarc.subdomain = c->subdomain;
		dm->u.dmarc.policy = c->policy;
		dm->u.dmarc.disposition = c->disposition;

		policy_data_end(&sess, &msg, &p, NULL, &v);
		if (v.act != c->act || v.code != c->code || strcmp(v.status, c->status) != 0 ||
		    (c->text && strstr(v.text, c->text) == NULL))
			fail_msg("%s: got %s %d %s \"%s\"", c->name, verdict_act_name(v.act),
			    v.code, v.status, v.text);
		if (v.act != VERDICT_ACCEPT) {
			assert_int_equal(v.rule, VERDICT_RULE_DMARC);
			assert_non_null(strstr(v.why, "example.com"));
		}
		proofs_clear(&sess);
		proofs_clear(&msg);
	}
}

/* A recipient without an unsafe folder refuses what would go there. */
static void
test_data_end_no_unsafe(void **state)
{
	struct listener_config l;
	struct policy p = { .l = &l };
	struct policy_rcpt r = { .mode = CONFIG_MODE_SOFT, .no_unsafe = 1 };
	struct proofs sess, msg;
	struct verdict v;

	(void)state;
	proofs_init(&sess);
	proofs_init(&msg);
	quiet(&l, CONFIG_MODE_SOFT);
	l.dmarc_reject = CONFIG_ACT_MODE;
	l.dmarc_quarantine = CONFIG_ACT_UNSAFE;
	struct proof *dm = add(&msg, PROOF_DMARC, PROOF_FAIL, "example.com");
	dm->u.dmarc.has_policy = 1;
	dm->u.dmarc.policy = dm->u.dmarc.disposition = DMARC_POLICY_QUARANTINE;
	policy_data_end(&sess, &msg, &p, &r, &v);
	assert_int_equal(v.act, VERDICT_REJECT);
	assert_int_equal(v.code, 550);
	assert_string_equal(v.status, "5.7.1");
	assert_int_equal(v.rule, VERDICT_RULE_NO_UNSAFE);
	assert_non_null(strstr(v.text, "Recipient accepts only verified mail"));
	assert_non_null(strstr(v.text, "asks for quarantine"));
	/* every recipient has a folder: unsafe */
	r.no_unsafe = 0;
	policy_data_end(&sess, &msg, &p, &r, &v);
	assert_int_equal(v.act, VERDICT_UNSAFE);
	assert_int_equal(v.code, 250);
	/* a refusal is a refusal whatever the folders */
	r.no_unsafe = 1;
	dm->u.dmarc.policy = dm->u.dmarc.disposition = DMARC_POLICY_REJECT;
	quiet(&l, CONFIG_MODE_HARD);
	l.dmarc_reject = CONFIG_ACT_MODE;
	policy_data_end(&sess, &msg, &p, &r, &v);
	assert_int_equal(v.rule, VERDICT_RULE_DMARC);
	assert_int_equal(v.code, 550);
	proofs_clear(&sess);
	proofs_clear(&msg);
}

/* The transition day: the date comes in with the policy, never from a
 * clock; before it nothing is judged, after it an unregistered server
 * gets transition_action, a registered or allow-listed one nothing. */
static void
test_transition(void **state)
{
	static const struct {
		long long now;
		enum proof_result addr; /* the registrar's word on the client address */
		int allowed, mode, action;
		enum policy_transition_state want;
		int code; /* at RCPT */
		enum verdict_act act;
	} c[] = {
		{ 999, PROOF_UNREGISTERED, 0, CONFIG_MODE_HARD, CONFIG_ACT_MODE,
		    POLICY_TRANSITION_BEFORE, 250, VERDICT_ACCEPT },
		{ 1000, PROOF_UNREGISTERED, 0, CONFIG_MODE_HARD, CONFIG_ACT_MODE,
		    POLICY_TRANSITION_AFTER, 550, VERDICT_REJECT },
		{ 1000, PROOF_UNREGISTERED, 0, CONFIG_MODE_SOFT, CONFIG_ACT_MODE,
		    POLICY_TRANSITION_AFTER, 250, VERDICT_UNSAFE },
		{ 1000, PROOF_UNREGISTERED, 0, CONFIG_MODE_SOFT, CONFIG_ACT_REJECT,
		    POLICY_TRANSITION_AFTER, 550, VERDICT_REJECT },
		{ 1000, PROOF_UNREGISTERED, 0, CONFIG_MODE_HARD, CONFIG_ACT_UNSAFE,
		    POLICY_TRANSITION_AFTER, 250, VERDICT_UNSAFE },
		{ 5000, PROOF_REGISTERED, 0, CONFIG_MODE_HARD, CONFIG_ACT_MODE,
		    POLICY_TRANSITION_NONE, 250, VERDICT_ACCEPT },
		{ 5000, PROOF_UNREGISTERED, 1, CONFIG_MODE_HARD, CONFIG_ACT_MODE,
		    POLICY_TRANSITION_NONE, 250, VERDICT_ACCEPT },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct listener_config l;
		struct policy p = { .l = &l, .registrar = 1, .now = c[i].now, .transition_at = 1000,
			.transition_action = c[i].action, .transition_url = "https://reg.example/list" };
		struct policy_rcpt r = { .mode = c[i].mode };
		struct proofs sess, msg;
		struct verdict v;

		proofs_init(&sess);
		proofs_init(&msg);
		quiet(&l, c[i].mode);
		add_zone(&sess, PROOF_REGISTER_ADDR, c[i].addr, "192.0.2.1", "reg.example");
		if (c[i].allowed)
			add_list(&sess, PROOF_ALLOW, "192.0.2.1", 0);
		assert_int_equal(policy_transition(&sess, &p), c[i].want);
		policy_rcpt(&sess, &msg, &p, &r, &v);
		if (v.code != c[i].code || v.act != c[i].act)
			fail_msg("case %zu: %d %s, wanted %d", i, v.code, v.text, c[i].code);
		if (c[i].want == POLICY_TRANSITION_AFTER) {
			assert_non_null(strstr(v.why, "since 1970-01-01 this server takes mail only"));
			assert_non_null(strstr(v.why, "registered providers: https://reg.example/list"));
		}
		/* no transition configured: nothing, whatever the date */
		p.transition_at = 0;
		assert_int_equal(policy_transition(&sess, &p), POLICY_TRANSITION_NONE);
		proofs_clear(&sess);
		proofs_clear(&msg);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matrix),
		cmocka_unit_test(test_connect),
		cmocka_unit_test(test_xvouch),
		cmocka_unit_test(test_xgen),
		cmocka_unit_test(test_mail_rules),
		cmocka_unit_test(test_says),
		cmocka_unit_test(test_rcpt),
		cmocka_unit_test(test_classes),
		cmocka_unit_test(test_trust),
		cmocka_unit_test(test_callout_wanted),
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_data_end_no_proofs),
		cmocka_unit_test(test_data_end_dmarc),
		cmocka_unit_test(test_data_end_no_unsafe),
		cmocka_unit_test(test_transition),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
