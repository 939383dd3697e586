/*
 * verdict_mail: the MAIL stage of the policy engine (see verdict.h). Its
 * rules, in order: the strict HELO rule, vouch-required addresses, DNS
 * block lists, SPF of the return path and of the HELO name, the sender
 * callout. An explicit reject or tempfail answers MAIL at once; any other
 * action is said, to be applied per recipient at RCPT.
 */
#include "policy/verdict.h"

#include <stdio.h>
#include <string.h>

#include "policy/verdict_int.h"
#include "util/str.h"

/* Fold a check's action into what the transaction is told. */
static void
say(struct verdict_says *s, int act, const char *status, const char *why)
{
	struct verdict_say *v = act == CONFIG_ACT_MODE ? &s->mode : &s->explicit_;

	if (act == CONFIG_ACT_IGNORE ||
	    (act == CONFIG_ACT_MODE ? v->act == CONFIG_ACT_MODE : act <= v->act))
		return;
	v->act = act;
	str_copy(v->status, sizeof(v->status), status);
	str_copy(v->why, sizeof(v->why), why);
}

static void
refuse(struct verdict *v, int code, const char *status, const char *text, enum verdict_rule rule)
{
	verdict_set(
	    v, code / 100 == 4 ? VERDICT_TEMPFAIL : VERDICT_REJECT, code, status, text, rule);
}

/* Strict mode (DESIGN 6): HELO names that do not check out are refused. */
static int
strict_rule(const struct proofs *sess, const struct policy *p, struct verdict *v)
{
	const struct proof *h = proofs_get(sess, PROOF_HELO);
	char text[500];

	if (!p->l->strict || h == NULL)
		return 0;
	if (h->u.helo.syntax == HELO_FAIL || h->u.helo.literal == HELO_FAIL ||
	    h->u.helo.forward == HELO_FAIL) {
		if (snprintf(text, sizeof(text),
		        "HELO name refused under this server's strict rules "
		        "(XSTRICT): %s",
		        h->reason) >= (int)sizeof(text))
			text[sizeof(text) - 1] = '\0';
		refuse(v, 550, "5.7.1", text, VERDICT_RULE_STRICT);
		return 1;
	}
	if (h->u.helo.forward == HELO_TEMPERROR) {
		refuse(v, 451, "4.7.1", "cannot check the HELO name now (DNS); try again later",
		    VERDICT_RULE_STRICT);
		return 1;
	}
	return 0;
}

/*
 * DESIGN 5.1 step 6: an address whose session was denied in hard mode is
 * vouch-required: its sessions are accepted only when they vouch.
 */
static int
required_rule(
    const struct proofs *sess, const struct proofs *msg, const struct policy *p, struct verdict *v)
{
	const struct proof *xv = proofs_get(sess, PROOF_XVOUCH);
	const struct proof *e = proofs_get(msg, PROOF_REQUIRED);
	char text[600];

	if (p->l->mode != CONFIG_MODE_HARD || (xv && xv->result == PROOF_PASS) ||
	    verdict_allowed(sess) || e == NULL)
		return 0;
	if (xv && xv->result == PROOF_TEMPERROR) {
		str_fmt(text, sizeof(text),
		    "mail from [%s] is taken only from sessions that vouch, and vouching could not be checked (%.200s); try again later",
		    e->identity, xv->reason);
		refuse(v, 451, "4.7.1", text, VERDICT_RULE_REQUIRED);
		return 1;
	}
	str_fmt(text, sizeof(text),
	    "mail from [%s] is taken only from sessions that vouch for themselves (XVOUCH) until %lld, because %.300s",
	    e->identity, (long long)e->u.list.expires, e->reason);
	refuse(v, 550, "5.7.1", text, VERDICT_RULE_REQUIRED);
	return 1;
}

/* DNS block lists; allow-listed clients are not held to them. */
static int
dnsbl_rule(
    const struct proofs *sess, const struct policy *p, struct verdict_says *s, struct verdict *v)
{
	const struct proof *bl = proofs_get(sess, PROOF_DNSBL);
	char text[600];
	int act;

	if (bl == NULL || verdict_allowed(sess) || verdict_dnswl(sess))
		return 0;
	if (bl->result == PROOF_LISTED) {
		act = p->l->dnsbl_listed;
		str_fmt(text, sizeof(text), "client host [%s] blocked using %s: %.400s",
		    bl->identity, bl->u.zone.zone, bl->reason);
	} else if (bl->result == PROOF_TEMPERROR) {
		act = p->l->dnsbl_temperror;
		str_fmt(text, sizeof(text), "cannot check the DNS block list %s now (%.400s)",
		    bl->u.zone.zone, bl->reason);
	} else {
		return 0;
	}
	if (act == CONFIG_ACT_REJECT || act == CONFIG_ACT_TEMPFAIL) {
		refuse(v, act == CONFIG_ACT_REJECT ? 554 : 451,
		    act == CONFIG_ACT_REJECT ? "5.7.1" : "4.7.1", text, VERDICT_RULE_DNSBL);
		return 1;
	}
	say(s, act, "5.7.1", text);
	return 0;
}

static int
spf_action(const struct listener_config *l, enum proof_result r)
{
	switch (r) {
	case PROOF_FAIL: return l->spf_fail;
	case PROOF_SOFTFAIL: return l->spf_softfail;
	case PROOF_NEUTRAL: return l->spf_neutral;
	case PROOF_NONE: return l->spf_none;
	case PROOF_TEMPERROR: return l->spf_temperror;
	case PROOF_PERMERROR: return l->spf_permerror;
	default: return CONFIG_ACT_IGNORE;
	}
}

/* SPF of both identities: an explicit reject or tempfail refuses at once. */
static int
spf_rule(const struct proofs *sess, const struct proofs *msg, const struct policy *p,
    struct verdict_says *s, struct verdict *v)
{
	/* the MAIL FROM identity first: it names the domain in the reply */
	const struct proof *ids[2] = { proofs_get(msg, PROOF_SPF_MAILFROM),
		proofs_get(sess, PROOF_SPF_HELO) };
	static const char *const names[2] = { "mailfrom", "helo" };
	struct policy_trust t;
	char text[700];

	/* A trusted forwarder answers for its mail: SPF is recorded only. */
	policy_trust(sess, p, &t);
	if (t.forwarder)
		return 0;
	for (int want = CONFIG_ACT_REJECT; want >= CONFIG_ACT_TEMPFAIL; want--) {
		for (int i = 0; i < 2; i++) {
			const struct proof *o = ids[i];
			if (o == NULL || spf_action(p->l, o->result) != want)
				continue;
			int perm = o->result == PROOF_PERMERROR;
			if (want == CONFIG_ACT_REJECT) {
				/* The explanation is the domain's text: the reply is capped. */
				if (snprintf(text, sizeof(text), "SPF %s for %s: %s",
				        perm ? "permerror" : "check failed", o->u.spf.domain,
				        perm ? o->reason
				             : (o->u.spf.explanation[0] ? o->u.spf.explanation
				                                        : o->reason)) >=
				    (int)sizeof(text))
					text[sizeof(text) - 1] = '\0';
				/* RFC 7372: 5.7.23 SPF validation failed, 5.7.24 validation error */
				refuse(v, 550, perm ? "5.7.24" : "5.7.23", text, VERDICT_RULE_SPF);
			} else {
				if (snprintf(text, sizeof(text),
				        "SPF check for %s could not be completed, "
				        "try again later (%s)",
				        o->u.spf.domain, o->reason) >= (int)sizeof(text))
					text[sizeof(text) - 1] = '\0';
				refuse(v, 451, "4.7.24", text, VERDICT_RULE_SPF);
			}
			return 1;
		}
	}
	for (int i = 0; i < 2; i++) {
		const struct proof *o = ids[i];
		if (o == NULL || spf_action(p->l, o->result) == CONFIG_ACT_IGNORE)
			continue;
		snprintf(text, sizeof(text), "SPF %s for %s %s", proof_result_name(o->result),
		    names[i], o->u.spf.domain);
		say(s, spf_action(p->l, o->result),
		    o->result == PROOF_PERMERROR || o->result == PROOF_TEMPERROR ? "5.7.24"
		                                                                 : "5.7.23",
		    text);
	}
	return 0;
}

/* The sender callout's say, once it was made. */
static int
callout_rule(
    const struct proofs *msg, const struct policy *p, struct verdict_says *s, struct verdict *v)
{
	const struct proof *co = proofs_get(msg, PROOF_CALLOUT);
	const struct listener_config *l = p->l;
	const char *status = "5.1.7";
	char text[600];
	int act;

	if (co == NULL || co->u.callout.skipped)
		return 0;
	switch (co->result) {
	case PROOF_PASS: return 0;
	case PROOF_FAIL:
		act = l->callout_fail;
		str_fmt(text, sizeof(text),
		    "sender address rejected: its mail server says it "
		    "does not exist (%.450s)",
		    co->reason);
		break;
	case PROOF_NOMX:
	case PROOF_NXDOMAIN:
		act = l->callout_nodomain;
		/* RFC 7505 4.2: 5.7.27 for a sender domain with a null MX */
		status = co->result == PROOF_NOMX ? "5.7.27" : "5.1.8";
		str_fmt(text, sizeof(text),
		    "sender address rejected: its domain cannot "
		    "receive mail (%.450s)",
		    co->reason);
		break;
	case PROOF_CATCHALL:
		act = l->callout_catchall;
		str_fmt(text, sizeof(text),
		    "sender address cannot be verified: its domain "
		    "accepts any address (%.400s)",
		    co->reason);
		break;
	default:
		act = l->callout_temperror;
		str_fmt(text, sizeof(text), "sender address could not be verified now (%.450s)",
		    co->reason);
		break;
	}
	if (act == CONFIG_ACT_REJECT || act == CONFIG_ACT_TEMPFAIL) {
		char st[8];
		str_copy(st, sizeof(st), status);
		if (act == CONFIG_ACT_TEMPFAIL)
			st[0] = '4';
		refuse(v, act == CONFIG_ACT_REJECT ? 550 : 451, st, text, VERDICT_RULE_CALLOUT);
		return 1;
	}
	say(s, act, status, text);
	return 0;
}

int
verdict_mail_rules(const struct proofs *sess, const struct proofs *msg, const struct policy *p,
    struct verdict_says *says, struct verdict *v)
{
	memset(says, 0, sizeof(*says));
	says->explicit_.act = says->mode.act = CONFIG_ACT_IGNORE;
	/* Submission proves itself with AUTH: none of the checks apply. */
	if (verdict_authenticated(sess) || p->submission)
		return 0;
	return strict_rule(sess, p, v) || required_rule(sess, msg, p, v) ||
	    dnsbl_rule(sess, p, says, v) || spf_rule(sess, msg, p, says, v) ||
	    callout_rule(msg, p, says, v);
}

/* Is a callout to be made? Only when a cheaper proof does not settle
 * the sender. */
static enum verdict_callout
callout_wanted(const struct proofs *sess, const struct proofs *msg, const struct policy *p,
    const char *sender, enum callout_skip *why)
{
	struct policy_trust t;

	if (!p->l->callout || verdict_authenticated(sess) || p->submission ||
	    proofs_get(msg, PROOF_CALLOUT))
		return VERDICT_CALLOUT_NONE;
	policy_trust(sess, p, &t);
	if (sender == NULL || sender[0] == '\0')
		*why = CALLOUT_SKIP_NULL_SENDER;
	else if (verdict_allowed(sess) || verdict_dnswl(sess))
		*why = CALLOUT_SKIP_ALLOWED;
	/* only a trusted forwarder (registered): a self-vouched name proves
	 * nothing about the return path's domain */
	else if (t.forwarder)
		*why = CALLOUT_SKIP_VOUCHED;
	else if (proofs_has(msg, PROOF_SPF_MAILFROM, PROOF_PASS))
		*why = CALLOUT_SKIP_SPF_PASS;
	else if (proofs_get(msg, PROOF_ALLOW_SENDER))
		*why = CALLOUT_SKIP_ALLOWED;
	else
		return VERDICT_CALLOUT_RUN;
	return VERDICT_CALLOUT_SKIP;
}

void
policy_mail(const struct proofs *sess, const struct proofs *msg, const struct policy *p,
    const char *sender, struct verdict *v)
{
	struct verdict_says says;
	enum callout_skip why = CALLOUT_SKIP_NULL_SENDER;

	if (verdict_mail_rules(sess, msg, p, &says, v))
		return;
	verdict_set(v, (enum verdict_act)says.explicit_.act, 250, "2.1.0", "Ok", VERDICT_RULE_NONE);
	str_copy(v->why, sizeof(v->why), says.explicit_.why);
	v->callout = callout_wanted(sess, msg, p, sender, &why);
	v->skip = why;
}
