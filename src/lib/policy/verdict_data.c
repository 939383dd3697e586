/*
 * verdict_data: the end-of-data stage of the policy engine (see
 * verdict.h): the message's own proofs -- DMARC, and an ARC chain that
 * may stand for a DMARC pass a forwarder broke -- and what they add to
 * the verdict the message carries.
 */
#include "policy/verdict.h"

#include <stdio.h>
#include <string.h>

#include "dns/dns_name.h"
#include "policy/verdict_int.h"
#include "util/str.h"

static int
trusted(const struct policy *p, const char *sealer, size_t len)
{
	char d[DMARC_DOMAIN_MAX + 1];

	if (len == 0 || len >= sizeof(d))
		return 0;
	memcpy(d, sealer, len);
	d[len] = '\0';
	for (size_t i = 0; i < p->narc_trusted; i++)
		if (dns_name_eq(p->arc_trusted[i], d))
			return 1;
	return 0;
}

/*
 * RFC 8617 7.2: a receiver may let a validated chain stand for the
 * authentication a forwarder broke, for sealers it trusts. Every sealer
 * must be trusted, not only the newest: AMS(N) vouches for the message
 * only as the newest sealer passed it on, and each seal only for the ARC
 * sets below it, so an untrusted hop in the middle could have replaced
 * the body of a message whose first hop really saw DMARC pass, and
 * sealed it again. And the first hop must have seen a pass for this very
 * From domain.
 */
int
verdict_arc_override(const struct proofs *msg, const struct policy *p, const struct proof *dm,
    char *why, size_t whysz)
{
	const struct proof *arc = proofs_get(msg, PROOF_ARC);

	why[0] = '\0';
	if (dm == NULL || dm->result != PROOF_FAIL || arc == NULL || arc->result == PROOF_NONE)
		return 0;
	if (arc->result != PROOF_PASS) {
		str_fmt(why, whysz, "the ARC chain does not validate (%.200s)", arc->reason);
		return 0;
	}
	if (arc->u.arc.sealers_cut) {
		str_fmt(why, whysz, "the ARC chain has more sealers than vouch reads");
		return 0;
	}
	for (const char *s = arc->u.arc.sealers; *s;) {
		size_t n = strcspn(s, " ");
		if (!trusted(p, s, n)) {
			str_fmt(why, whysz,
			    "the ARC chain's sealer %.*s is not trusted (arc_trusted_sealers)",
			    (int)(n > 200 ? 200 : n), s);
			return 0;
		}
		s += n;
		while (*s == ' ')
			s++;
	}
	if (arc->u.arc.origin == ARC_ORIGIN_NONE ||
	    !dns_name_eq(arc->u.arc.origin_domain, dm->identity)) {
		str_fmt(why, whysz,
		    "the ARC chain sealed by %.200s does not show a pass for %.100s at its first hop",
		    arc->u.arc.sealers, dm->identity);
		return 0;
	}
	str_fmt(why, whysz,
	    "DMARC fails for %.100s, but the ARC chain sealed by %.200s (trusted) shows an "
	    "aligned %s pass at its first hop (%.100s)",
	    dm->identity, arc->u.arc.sealers, arc_origin_name(arc->u.arc.origin),
	    arc->u.arc.origin_authserv[0] ? arc->u.arc.origin_authserv : "?");
	return 1;
}

/*
 * End of data: DMARC (RFC 7489 6.7, 10.3). The domain owner's request for
 * a message that failed -- the disposition, after pct -- maps to the
 * listener's action for it; "mode" is the listener's mode, as one reply
 * answers every recipient. A temporary failure never refuses for good.
 * Our own users' and the admin's allow-listed clients' mail is not judged
 * (their proof is stronger than the From domain's), and DKIM alone
 * decides nothing: an unsigned or broken message is only as good as
 * DMARC says -- or as a trusted ARC chain says it was (verdict.h).
 */
void
policy_data_end(const struct proofs *sess, const struct proofs *msg, const struct policy *p,
    const struct policy_rcpt *r, struct verdict *v)
{
	const struct proof *dm = proofs_get(msg, PROOF_DMARC);
	char text[VERDICT_TEXT_MAX], arc[VERDICT_WHY_MAX];
	int act = CONFIG_ACT_IGNORE;
	const char *asks = NULL;

	verdict_set(v, VERDICT_ACCEPT, 250, "2.0.0", NULL, VERDICT_RULE_NONE);
	if (dm == NULL || p->submission || verdict_authenticated(sess) || verdict_allowed(sess))
		return;
	if (verdict_arc_override(msg, p, dm, arc, sizeof(arc))) {
		v->rule = VERDICT_RULE_ARC;
		str_copy(v->why, sizeof(v->why), arc);
		return;
	}
	if (dm->result == PROOF_FAIL && dm->u.dmarc.has_policy) {
		switch (dm->u.dmarc.disposition) {
		case DMARC_POLICY_REJECT:
			act = p->l->dmarc_reject;
			asks = "rejection";
			break;
		case DMARC_POLICY_QUARANTINE:
			act = p->l->dmarc_quarantine;
			asks = "quarantine";
			break;
		default: return;
		}
	} else if (dm->result == PROOF_TEMPERROR) {
		act = p->l->dmarc_temperror;
	} else
		return;
	act = policy_resolve(act, p->l->mode);
	if (dm->result == PROOF_TEMPERROR) {
		if (act == CONFIG_ACT_REJECT)
			act = CONFIG_ACT_TEMPFAIL; /* never 5xx for what may pass later */
		str_fmt(text, sizeof(text), "cannot check the DMARC policy of %s now: %.300s",
		    dm->identity, dm->reason);
	} else
		str_fmt(text, sizeof(text),
		    "message from %s fails DMARC; the domain's owner asks for %s (%s=%s): %.250s%s%s",
		    dm->identity, asks, dm->u.dmarc.subdomain ? "sp" : "p",
		    dmarc_policy_name(dm->u.dmarc.policy), dm->reason, arc[0] ? "; " : "", arc);
	switch (act) {
	case CONFIG_ACT_REJECT:
		verdict_set(v, VERDICT_REJECT, 550, "5.7.1", text, VERDICT_RULE_DMARC);
		break;
	case CONFIG_ACT_TEMPFAIL:
		verdict_set(v, VERDICT_TEMPFAIL, 451, "4.7.1", text, VERDICT_RULE_DMARC);
		break;
	case CONFIG_ACT_UNSAFE:
		if (r && r->no_unsafe) {
			/* as at RCPT: refused now, never a later bounce */
			char refuse[VERDICT_TEXT_MAX];
			str_fmt(refuse, sizeof(refuse),
			    "Recipient accepts only verified mail, and this message is not: %.500s",
			    text);
			verdict_set(
			    v, VERDICT_REJECT, 550, "5.7.1", refuse, VERDICT_RULE_NO_UNSAFE);
			break;
		}
		verdict_set(v, VERDICT_UNSAFE, 250, "2.0.0", NULL, VERDICT_RULE_DMARC);
		break;
	case CONFIG_ACT_TAG:
		verdict_set(v, VERDICT_TAG, 250, "2.0.0", NULL, VERDICT_RULE_DMARC);
		break;
	default: return;
	}
	str_copy(v->why, sizeof(v->why), text);
}

int
policy_dmarc_applied(const struct verdict *v, const struct dmarc_outcome *out,
    enum dmarc_policy *applied, enum dmarc_override *why)
{
	enum dmarc_policy did;

	*applied = out->disposition;
	*why = out->override;
	if (v->code >= 400 && v->code < 500)
		return -1;
	if (out->result != DMARC_FAIL)
		return 0;
	did = v->act == VERDICT_REJECT                          ? DMARC_POLICY_REJECT
	    : v->act == VERDICT_UNSAFE || v->act == VERDICT_TAG ? DMARC_POLICY_QUARANTINE
	                                                        : DMARC_POLICY_NONE;
	if (did != out->disposition) {
		*applied = did;
		*why =
		    v->rule == VERDICT_RULE_ARC ? DMARC_OVERRIDE_ARC : DMARC_OVERRIDE_LOCAL_POLICY;
	}
	return 0;
}

/* ---- what the message adds to its verdict header ---------------------------- */

void
verdict_data_note(const struct proofs *sess, const struct proofs *msg, const struct policy *p,
    struct verdict_note *n)
{
	const struct proof *dm = proofs_get(msg, PROOF_DMARC);
	const struct proof *xv = proofs_has(sess, PROOF_XVOUCH, PROOF_PASS);
	struct verdict end;

	memset(n, 0, sizeof(*n));
	if (dm == NULL)
		return;
	policy_data_end(sess, msg, p, NULL, &end);
	if (end.rule == VERDICT_RULE_DMARC && end.act == VERDICT_UNSAFE) {
		n->kind = VERDICT_NOTE_UNSAFE;
		str_copy(n->text, sizeof(n->text), end.why);
	} else if (end.rule == VERDICT_RULE_DMARC && end.act != VERDICT_ACCEPT) {
		n->kind = VERDICT_NOTE_FAILED;
		str_copy(n->text, sizeof(n->text), end.why);
	} else if (end.rule == VERDICT_RULE_ARC) {
		n->kind = VERDICT_NOTE_PASS;
		str_copy(n->text, sizeof(n->text), end.why);
	} else if (dm->result == PROOF_PASS) {
		n->kind = VERDICT_NOTE_PASS;
		if (dm->u.dmarc.dkim_aligned)
			str_fmt(n->text, sizeof(n->text),
			    "DMARC pass for %.100s with an aligned DKIM signature d=%.100s",
			    dm->identity, dm->u.dmarc.dkim_domain);
		else
			str_fmt(n->text, sizeof(n->text), "DMARC pass for %.100s on aligned SPF",
			    dm->identity);
		/*
		 * The strongest verdict (issue 16): the author's domain signed
		 * the message, and the server that brought it proved its own
		 * session and is registered and active -- each proof something
		 * the sender does not control.
		 */
		n->strongest = dm->u.dmarc.dkim_aligned && xv && p->registrar &&
		    proofs_has(sess, PROOF_REGISTER_NAME, PROOF_REGISTERED) != NULL;
	} else if (dm->result == PROOF_FAIL) {
		str_fmt(n->text, sizeof(n->text), "DMARC fail for %.100s", dm->identity);
	}
}
