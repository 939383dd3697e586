/*
 * verdict: the policy engine's stages before MAIL and after the message,
 * and the trust verdict (see verdict.h). MAIL is verdict_mail.c's, RCPT
 * and the verdict header verdict_rcpt.c's, the end of data
 * verdict_data.c's.
 */
#include "policy/verdict.h"

#include <stdio.h>
#include <string.h>

#include "policy/verdict_int.h"
#include "util/str.h"

const char *
verdict_act_name(enum verdict_act a)
{
	switch (a) {
	case VERDICT_ACCEPT: return "accept";
	case VERDICT_TAG: return "tag";
	case VERDICT_UNSAFE: return "unsafe";
	case VERDICT_TEMPFAIL: return "tempfail";
	case VERDICT_REJECT: return "reject";
	}
	return "?";
}

void
verdict_set(struct verdict *v, enum verdict_act act, int code, const char *status, const char *text,
    enum verdict_rule rule)
{
	memset(v, 0, sizeof(*v));
	v->act = act;
	v->code = code;
	str_copy(v->status, sizeof(v->status), status ? status : "");
	str_copy(v->text, sizeof(v->text), text ? text : "");
	v->rule = rule;
}

int
policy_resolve(int act, int mode)
{
	if (act != CONFIG_ACT_MODE)
		return act;
	switch (mode) {
	case CONFIG_MODE_HARD: return CONFIG_ACT_REJECT;
	case CONFIG_MODE_SOFT: return CONFIG_ACT_UNSAFE;
	default: return CONFIG_ACT_IGNORE;
	}
}

int
verdict_authenticated(const struct proofs *sess)
{
	return proofs_get(sess, PROOF_AUTH) != NULL;
}

const struct proof *
verdict_allowed(const struct proofs *sess)
{
	return proofs_get(sess, PROOF_ALLOW);
}

const struct proof *
verdict_trusted_cert(const struct proofs *sess)
{
	const struct proof *c = proofs_has(sess, PROOF_TLS_CERT, PROOF_PASS);

	return c && c->u.tls.ca[0] ? c : NULL;
}

const struct proof *
verdict_dnswl(const struct proofs *sess)
{
	return proofs_has(sess, PROOF_DNSWL, PROOF_LISTED);
}

/* ---- trust --------------------------------------------------------------- */

void
policy_trust(const struct proofs *sess, const struct policy *p, struct policy_trust *t)
{
	const struct proof *allow = verdict_allowed(sess), *wl = verdict_dnswl(sess);
	const struct proof *xv = proofs_has(sess, PROOF_XVOUCH, PROOF_PASS);
	const struct proof *reg = proofs_get(sess, PROOF_REGISTER_NAME);
	const struct proof *addr = proofs_get(sess, PROOF_REGISTER_ADDR);
	int registered = reg && reg->result == PROOF_REGISTERED;
	/* a suspension follows confirmed abuse: no CA washes it out */
	int suspended =
	    (reg && reg->result == PROOF_SUSPENDED) || (addr && addr->result == PROOF_SUSPENDED);
	const struct proof *cert = suspended ? NULL : verdict_trusted_cert(sess);

	memset(t, 0, sizeof(*t));
	if (verdict_authenticated(sess))
		t->how = "authenticated submission";
	else if (allow)
		t->how = "allow-listed";
	else if (wl)
		t->how = "listed in a DNS allow list";
	else if (xv && !p->registrar)
		t->how = "vouched for its session";
	else if (xv && registered)
		t->how = "vouched for its session, registered";
	else if (cert)
		t->how = "certificate from a trusted CA";
	t->verified = t->how != NULL;
	/* what proved it, for people */
	if (allow)
		t->detail = allow->u.list.entry;
	else if (wl)
		t->detail = wl->u.zone.zone;
	else if (cert && !(xv && (!p->registrar || registered)))
		t->detail = cert->reason;
	else if (xv)
		t->detail = xv->identity;
	/*
	 * A proof of a name is not a proof for other domains: a server that
	 * vouched for itself without a registrar behind it proved its own
	 * name, nothing about the domains it sends for. Their SPF is forgiven
	 * only for the admin's own allow list and authenticated users, and for
	 * a vouched server the registrar lists as active (a forwarder whose
	 * owner answers for it; scenario case 8). A certificate proves the
	 * name only, as vouching does.
	 */
	t->forwarder = verdict_authenticated(sess) || allow || (xv && p->registrar && registered);
}

enum policy_transition_state
policy_transition(const struct proofs *sess, const struct policy *p)
{
	if (p->transition_at <= 0 || !p->registrar || verdict_authenticated(sess))
		return POLICY_TRANSITION_NONE;
	/* the admin's allow lists stand above the transition */
	if (verdict_allowed(sess) || verdict_dnswl(sess))
		return POLICY_TRANSITION_NONE;
	if (proofs_has(sess, PROOF_REGISTER_ADDR, PROOF_REGISTERED) ||
	    (proofs_has(sess, PROOF_XVOUCH, PROOF_PASS) &&
	        proofs_has(sess, PROOF_REGISTER_NAME, PROOF_REGISTERED)))
		return POLICY_TRANSITION_NONE;
	return p->now >= p->transition_at ? POLICY_TRANSITION_AFTER : POLICY_TRANSITION_BEFORE;
}

/* ---- connect, HELO, XVOUCH, XGEN ------------------------------------------------ */

void
policy_connect(const struct proofs *sess, const struct policy *p, struct verdict *v)
{
	const struct proof *b = proofs_get(sess, PROOF_BLOCK);
	char text[400];

	(void)p;
	if (b && !verdict_allowed(sess)) {
		if (b->u.list.expires)
			str_fmt(text, sizeof(text), "%s is blocked until %lld: %.250s", b->identity,
			    (long long)b->u.list.expires, b->reason);
		else
			str_fmt(
			    text, sizeof(text), "%s is blocked: %.250s", b->identity, b->reason);
		verdict_set(v, VERDICT_REJECT, 554, "5.7.1", text, VERDICT_RULE_BLOCKED);
		return;
	}
	verdict_set(v, VERDICT_ACCEPT, 220, NULL, NULL, VERDICT_RULE_NONE);
}

void
policy_helo(const struct proofs *sess, const struct policy *p, struct verdict *v)
{
	/* RFC 5321 4.1.4: no refusal for the name alone; strict mode refuses
	 * at MAIL, once the name's checks are in. */
	(void)sess;
	(void)p;
	verdict_set(v, VERDICT_ACCEPT, 250, NULL, NULL, VERDICT_RULE_NONE);
}

void
policy_xvouch(const struct proofs *sess, const struct policy *p, struct verdict *v)
{
	const struct proof *xv = proofs_get(sess, PROOF_XVOUCH);
	char text[600];

	if (xv == NULL) {
		verdict_set(
		    v, VERDICT_ACCEPT, 250, "2.7.0", "no vouching to answer", VERDICT_RULE_XVOUCH);
		return;
	}
	if (xv->result == PROOF_PASS) {
		snprintf(text, sizeof(text), "vouched for %s", xv->identity);
		verdict_set(v, VERDICT_ACCEPT, 250, "2.7.0", text, VERDICT_RULE_XVOUCH);
		return;
	}
	if (xv->result == PROOF_TEMPERROR) {
		str_fmt(text, sizeof(text), "cannot verify the session now: %s", xv->reason);
		verdict_set(v, VERDICT_TEMPFAIL, 451, "4.7.0", text, VERDICT_RULE_XVOUCH);
		return;
	}
	/* denied: the listener's own mode decides (no recipient yet) */
	int act = policy_resolve(p->l->xvouch_fail, p->l->mode);
	if (act == CONFIG_ACT_REJECT) {
		/*
		 * DESIGN 5.1 step 6, hard mode: refuse and close; the address
		 * becomes vouch-required, not blocked: the honest server behind
		 * the same NAT address keeps delivering when it vouches.
		 */
		str_fmt(text, sizeof(text), "session not vouched for by %s: %s", xv->identity,
		    xv->reason);
		verdict_set(v, VERDICT_REJECT, 550, "5.7.1", text, VERDICT_RULE_XVOUCH);
		v->flags = VERDICT_CLOSE | VERDICT_REQUIRE_VOUCH;
		return;
	}
	/* soft: the refusal is XVOUCH's answer; the session goes on */
	str_fmt(text, sizeof(text),
	    "session not vouched for by %s: %s (the session goes on unverified)", xv->identity,
	    xv->reason);
	verdict_set(v, (enum verdict_act)act, 550, "5.7.1", text, VERDICT_RULE_XVOUCH);
}

void
policy_xgen(const struct proofs *sess, const struct policy *p, struct verdict *v)
{
	const struct proof *g = proofs_get(sess, PROOF_XGEN);
	char text[200];

	(void)p;
	if (g == NULL) {
		verdict_set(
		    v, VERDICT_ACCEPT, 250, "2.7.0", "no generation to answer", VERDICT_RULE_XGEN);
		return;
	}
	switch (g->result) {
	case PROOF_CURRENT:
	case PROOF_NEWER:
	case PROOF_OLDER:
		snprintf(text, sizeof(text), "generation %lld accepted (%s)", g->u.gen.peer,
		    proof_result_name(g->result));
		verdict_set(v, VERDICT_ACCEPT, 250, "2.7.0", text, VERDICT_RULE_XGEN);
		return;
	case PROOF_TOO_NEW:
		snprintf(text, sizeof(text),
		    "generation %lld is more than %lld newer than ours (%lld): not checked",
		    g->u.gen.peer, g->u.gen.max_newer, g->u.gen.ours);
		break;
	case PROOF_TOO_OLD:
		snprintf(text, sizeof(text),
		    "generation %lld is too old: the oldest accepted here is %lld", g->u.gen.peer,
		    g->u.gen.ours + g->u.gen.tolerance);
		break;
	default: str_copy(text, sizeof(text), "generation cookie does not verify"); break;
	}
	/* the answer to XGEN only: the session goes on */
	verdict_set(v, VERDICT_REJECT, 550, "5.7.1", text, VERDICT_RULE_XGEN);
}
