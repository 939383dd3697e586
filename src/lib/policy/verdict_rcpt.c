/*
 * verdict_rcpt: the RCPT stage of the policy engine, and the verdict a
 * message carries (see verdict.h). What the MAIL stage's checks said is
 * recomputed from the proofs and joined with the trust verdict on the
 * server, under the recipient domain's mode.
 */
#include "policy/verdict.h"

#include <stdio.h>
#include <string.h>

#include "policy/verdict_int.h"
#include "smtp/smtp_cmd.h"
#include "util/str.h"

/* Keep in best the stricter of it and this resolved action (an empty
 * status is 5.7.1). */
static void
say_max(struct verdict_say *best, int act, const char *status, const char *why)
{
	if (act <= best->act)
		return;
	best->act = act;
	str_copy(best->status, sizeof(best->status), status && status[0] ? status : "5.7.1");
	str_copy(best->why, sizeof(best->why), why);
}

/* The XVOUCH proof's reason as the session kept it (300 octets). */
static void
xvouch_reason(const struct proof *xv, char out[300])
{
	str_copy(out, 300, xv ? xv->reason : "");
}

/* An unverified session: what vouching says for this recipient. */
static void
xvouch_say(const struct proofs *sess, const struct policy *p, int mode, struct verdict_say *best)
{
	const struct proof *xv = proofs_get(sess, PROOF_XVOUCH);
	char buf[400], reason[300];
	int act;

	xvouch_reason(xv, reason);
	if (xv && xv->result == PROOF_PASS)
		return; /* vouched; the registrar's word is below */
	if (xv && xv->result == PROOF_FAIL) {
		act = policy_resolve(p->l->xvouch_fail, mode);
		snprintf(buf, sizeof(buf), "session not vouched for by %.150s (%.200s)",
		    xv->identity, reason);
	} else if (xv && xv->result == PROOF_TEMPERROR) {
		act = policy_resolve(p->l->xvouch_temperror, mode);
		snprintf(buf, sizeof(buf), "vouching could not be checked (%.200s)", reason);
	} else {
		act = policy_resolve(p->l->xvouch_none, mode);
		snprintf(buf, sizeof(buf),
		    "the sending server did not vouch for its "
		    "session (XVOUCH); this domain takes mail only from servers that "
		    "prove who they are");
	}
	if (act != CONFIG_ACT_IGNORE)
		say_max(best, act, "5.7.1", buf);
}

/* An unverified session: the registrar's word on the vouched name and on
 * the client address. */
static void
registrar_say(const struct proofs *sess, const struct policy *p, int mode, struct verdict_say *best)
{
	const struct proof *xv = proofs_has(sess, PROOF_XVOUCH, PROOF_PASS);
	const struct proof *name = proofs_get(sess, PROOF_REGISTER_NAME);
	const struct proof *addr = proofs_get(sess, PROOF_REGISTER_ADDR);
	const struct listener_config *l = p->l;
	char why[500];

	if (xv && name) {
		/* vouched, but the registrar does not vouch for the server */
		switch (name->result) {
		case PROOF_SUSPENDED:
			str_fmt(why, sizeof(why),
			    "the sending server %s is suspended by its "
			    "registrar %s",
			    xv->identity, name->u.zone.zone);
			say_max(best, policy_resolve(l->register_suspended, mode), "5.7.1", why);
			break;
		case PROOF_UNREGISTERED:
			str_fmt(why, sizeof(why),
			    "the sending server %s is not registered with a "
			    "registrar this server trusts",
			    xv->identity);
			say_max(best, policy_resolve(l->register_unregistered, mode), "5.7.1", why);
			break;
		case PROOF_TEMPERROR:
			str_fmt(why, sizeof(why),
			    "the registrar could not be asked about %s (%.300s)", xv->identity,
			    name->reason);
			say_max(best, policy_resolve(l->register_temperror, mode), "5.7.1", why);
			break;
		default: break;
		}
	}
	if (addr && addr->result == PROOF_SUSPENDED) {
		str_fmt(why, sizeof(why),
		    "the client address belongs to a server suspended by "
		    "its registrar %s",
		    addr->u.zone.zone);
		say_max(best, policy_resolve(l->register_suspended, mode), "5.7.1", why);
	}
}

/* Software generations (DESIGN 5.2): what the client's XGEN proved, or,
 * when we offer generations, that it gave none (xgen_none; the admin's
 * allow-listed clients are not asked for one). */
static void
xgen_say(const struct proofs *sess, const struct policy *p, int mode, struct verdict_say *best)
{
	const struct proof *g = proofs_get(sess, PROOF_XGEN);
	enum proof_result r = g ? g->result : PROOF_NONE;
	char buf[400];
	int act;

	if (g == NULL) {
		if (!p->xgen || verdict_allowed(sess))
			return;
		act = policy_resolve(p->l->xgen_none, mode);
		if (act != CONFIG_ACT_IGNORE)
			say_max(best, act, "5.7.1",
			    "the sending server gave no software generation (XGEN); this server takes "
			    "mail only from servers that prove their generation");
		return;
	}
	act = r == PROOF_INVALID || r == PROOF_TOO_NEW ? policy_resolve(p->l->xgen_invalid, mode)
	    : r == PROOF_TOO_OLD                       ? policy_resolve(p->l->xgen_too_old, mode)
	                                               : CONFIG_ACT_IGNORE;
	if (act == CONFIG_ACT_IGNORE)
		return;
	snprintf(buf, sizeof(buf), "software generation %lld %s", g->u.gen.peer,
	    r == PROOF_INVALID       ? "does not verify"
	        : r == PROOF_TOO_NEW ? "is too far ahead to be checked"
	                             : "is too old");
	say_max(best, act, "5.7.1", buf);
}

/* An unverified session that showed a client certificate proving nothing
 * (tls_cert_fail), or one its trusted CA revoked (tls_cert_revoked). */
static void
tls_say(const struct proofs *sess, const struct policy *p, int mode, struct verdict_say *best)
{
	const struct proof *c = proofs_get(sess, PROOF_TLS_CERT);
	char buf[500];

	if (c == NULL || verdict_trusted_cert(sess))
		return;
	if (c->u.tls.revoked) {
		str_fmt(buf, sizeof(buf), "the client certificate for %s is revoked: %.300s",
		    c->identity, c->reason);
		say_max(best, policy_resolve(p->l->tls_cert_revoked, mode), "5.7.1", buf);
		return;
	}
	str_fmt(buf, sizeof(buf),
	    "the client certificate (%.200s) does not prove %s: not from a CA this server trusts, "
	    "or for another name",
	    c->u.tls.subject, c->identity);
	say_max(best, policy_resolve(p->l->tls_cert_fail, mode), "5.7.1", buf);
}

/*
 * The register's mail class (DESIGN 5.3), refused by the recipient: the
 * class of the vouched name as the registrar publishes it, never anything
 * the client says. 1 with v set when refused.
 */
static int
class_rule(const struct proofs *sess, const struct policy_rcpt *r, struct verdict *v)
{
	const struct proof *xv = proofs_has(sess, PROOF_XVOUCH, PROOF_PASS);
	const struct proof *reg = proofs_get(sess, PROOF_REGISTER_NAME);
	char text[VERDICT_TEXT_MAX];

	if (r->refuse_classes == NULL || xv == NULL || reg == NULL ||
	    reg->u.zone.klass[0] == '\0' ||
	    (reg->result != PROOF_REGISTERED && reg->result != PROOF_SUSPENDED))
		return 0;
	int hit = 0;
	for (size_t i = 0; i < r->refuse_classes->n && !hit; i++)
		hit = strcmp(r->refuse_classes->v[i], reg->u.zone.klass) == 0;
	if (!hit)
		return 0;
	str_fmt(text, sizeof(text),
	    "mail of class %s is refused for this recipient: the registrar %s lists the sending "
	    "server %s as %s",
	    reg->u.zone.klass, reg->u.zone.zone, xv->identity, reg->u.zone.klass);
	verdict_set(v, VERDICT_REJECT, 550, "5.7.1", text, VERDICT_RULE_CLASS);
	str_fmt(v->why, sizeof(v->why), "class %s (registrar %s) refused by the %s",
	    reg->u.zone.klass, reg->u.zone.zone, r->refuse_by ? r->refuse_by : "recipient");
	return 1;
}

/* After the transition day, a server no registrar lists gets the
 * post-transition action. */
static void
transition_say(
    const struct proofs *sess, const struct policy *p, int mode, struct verdict_say *best)
{
	char why[400], day[40];
	int act;

	if (policy_transition(sess, p) != POLICY_TRANSITION_AFTER)
		return;
	act = policy_resolve(p->transition_action, mode);
	if (act == CONFIG_ACT_IGNORE)
		return;
	smtp_datetime_format(p->transition_at, day, sizeof(day));
	str_fmt(why, sizeof(why),
	    "since %.10s this server takes mail only from servers a registrar lists, and "
	    "the sending server is not listed%s%.200s",
	    day, p->transition_url && p->transition_url[0] ? "; registered providers: " : "",
	    p->transition_url ? p->transition_url : "");
	say_max(best, act, "5.7.1", why);
}

void
policy_rcpt(const struct proofs *sess, const struct proofs *msg, const struct policy *p,
    const struct policy_rcpt *r, struct verdict *v)
{
	struct verdict_says says;
	struct verdict_say best;
	struct verdict ignored;
	struct policy_trust t;
	char text[600], status[8];

	if (!verdict_authenticated(sess) && !p->submission && class_rule(sess, r, v))
		return;
	/* MAIL was accepted: its checks refused nothing, only said */
	verdict_mail_rules(sess, msg, p, &says, &ignored);
	memset(&best, 0, sizeof(best));
	best.act = CONFIG_ACT_IGNORE;
	say_max(&best, says.explicit_.act, says.explicit_.status, says.explicit_.why);
	if (!verdict_authenticated(sess) && r->mode != CONFIG_MODE_OFF) {
		say_max(
		    &best, policy_resolve(says.mode.act, r->mode), says.mode.status, says.mode.why);
		policy_trust(sess, p, &t);
		if (!t.verified) {
			xvouch_say(sess, p, r->mode, &best);
			registrar_say(sess, p, r->mode, &best);
			tls_say(sess, p, r->mode, &best);
		}
		xgen_say(sess, p, r->mode, &best);
		transition_say(sess, p, r->mode, &best);
	}
	str_copy(status, sizeof(status), best.status[0] ? best.status : "5.7.1");
	if (best.act == CONFIG_ACT_REJECT || best.act == CONFIG_ACT_TEMPFAIL) {
		int temp = best.act == CONFIG_ACT_TEMPFAIL;
		if (snprintf(text, sizeof(text), "%s%s", best.why,
		        temp ? "; try again later" : "") >= (int)sizeof(text))
			text[sizeof(text) - 1] = '\0';
		if (temp)
			status[0] = '4';
		verdict_set(v, (enum verdict_act)best.act, temp ? 451 : 550, status, text,
		    VERDICT_RULE_TRUST);
		str_copy(v->why, sizeof(v->why), best.why);
		return;
	}
	/*
	 * Unsafe mail goes to the recipient's .Unsafe folder; a recipient who
	 * wants no such folder refuses it now, never with a later bounce.
	 */
	if (best.act == CONFIG_ACT_UNSAFE && r->no_unsafe) {
		if (snprintf(text, sizeof(text),
		        "Recipient accepts only verified mail, and "
		        "this message is not: %s",
		        best.why) >= (int)sizeof(text))
			text[sizeof(text) - 1] = '\0';
		verdict_set(v, VERDICT_REJECT, 550, "5.7.1", text, VERDICT_RULE_NO_UNSAFE);
		str_copy(v->why, sizeof(v->why), best.why);
		return;
	}
	verdict_set(v, (enum verdict_act)best.act, 250, "2.1.5", "Ok",
	    best.act == CONFIG_ACT_IGNORE ? VERDICT_RULE_NONE : VERDICT_RULE_TRUST);
	if (best.act != CONFIG_ACT_IGNORE)
		str_copy(v->why, sizeof(v->why), best.why);
}

/* ---- the verdict header ---------------------------------------------------- */

/* Why an unverified session is not verified. */
static void
unverified_why(const struct proofs *sess, const struct verdict_says *says, char *out, size_t outsz)
{
	const struct proof *xv = proofs_get(sess, PROOF_XVOUCH);
	const struct proof *name = proofs_get(sess, PROOF_REGISTER_NAME);
	const struct proof *addr = proofs_get(sess, PROOF_REGISTER_ADDR);
	struct strbuf b;
	char reason[300];

	strbuf_init(&b, 2048);
	xvouch_reason(xv, reason);
	if (xv && xv->result == PROOF_PASS && name)
		strbuf_printf(&b, "vouched, but %s by the registrar%s%s",
		    proof_result_name(name->result), name->u.zone.zone[0] ? " " : "",
		    name->u.zone.zone);
	else if (xv == NULL)
		strbuf_puts(&b, "no XVOUCH");
	else
		strbuf_puts(&b, reason);
	if (addr && addr->result == PROOF_SUSPENDED)
		strbuf_puts(&b, "; the client address is suspended by the registrar");
	/* what the MAIL stage found */
	if (says->explicit_.why[0])
		strbuf_printf(&b, "; %s", says->explicit_.why);
	if (says->mode.why[0] && strcmp(says->mode.why, says->explicit_.why) != 0)
		strbuf_printf(&b, "; %s", says->mode.why);
	str_copy(out, outsz, b.s ? b.s : "");
	strbuf_free(&b);
}

void
policy_verdict_header(
    const struct proofs *sess, const struct proofs *msg, const struct policy *p, struct strbuf *out)
{
	struct verdict_says says;
	struct verdict ignored;
	struct policy_trust t;
	struct verdict_note note;
	char server[VERDICT_TEXT_MAX];

	verdict_mail_rules(sess, msg, p, &says, &ignored);
	policy_trust(sess, p, &t);
	verdict_data_note(sess, msg, p, &note);
	/* a proven server, but the message's own checks (SPF of the domain it
	 * sends for) said more than "ignore": the message is not verified */
	const char *said = says.explicit_.act != CONFIG_ACT_IGNORE ? says.explicit_.why
	    : says.mode.act != CONFIG_ACT_IGNORE                   ? says.mode.why
	                                                           : NULL;
	const char *extra = t.detail;
	const char *dmarc = note.text[0] ? note.text : NULL;
	if (note.kind == VERDICT_NOTE_FAILED && !said) {
		said = note.text; /* the listener acts on it: not verified */
		dmarc = NULL;
	}
	if (t.verified)
		str_fmt(
		    server, sizeof(server), "%s%s%s", t.how, extra ? ": " : "", extra ? extra : "");
	if (note.kind == VERDICT_NOTE_UNSAFE) {
		/* DMARC made it unsafe, whatever the server proved */
		if (t.verified)
			strbuf_printf(out,
			    "X-Vouch-Verdict: unsafe (%s; the server is verified (%s))\r\n",
			    note.text, server);
		else {
			char why[400];
			unverified_why(sess, &says, why, sizeof(why));
			strbuf_printf(out,
			    "X-Vouch-Verdict: unsafe (%s; the server is unverified: %s)\r\n",
			    note.text, why);
		}
	} else if (t.verified && said) {
		strbuf_printf(out,
		    "X-Vouch-Verdict: unverified (the server is verified (%s), but %s)\r\n", server,
		    said);
	} else if (t.verified && note.strongest) {
		strbuf_printf(
		    out, "X-Vouch-Verdict: verified+dmarc (%s; %s)\r\n", server, note.text);
	} else if (t.verified) {
		strbuf_printf(out, "X-Vouch-Verdict: verified (%s%s%s)\r\n", server,
		    dmarc ? "; " : "", dmarc ? dmarc : "");
	} else {
		char why[400];
		unverified_why(sess, &says, why, sizeof(why));
		strbuf_printf(out, "X-Vouch-Verdict: unverified (%s%s%s)\r\n", why,
		    note.text[0] ? "; " : "", note.text);
	}
}
