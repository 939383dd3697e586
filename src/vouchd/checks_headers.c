/*
 * checks_headers: what the checks found, written into the message
 * (Authentication-Results, RFC 8601; Received-SPF, RFC 7208 9.1;
 * X-Vouch-Verdict), and the removal of such fields that arrive with a
 * message claiming to be ours.
 */
#include "checks.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "vouchd.h"
#include "smtpd.h"
#include "auth/gen.h"
#include "msg/authres.h"
#include "msg/hdrfilter.h"
#include "smtp/smtp_session.h"

/* ---- headers ------------------------------------------------------------- */

static void
spf_comment(const struct spf_outcome *o, const char *ip, const char *who, char *out, size_t outsz)
{
	switch (o->result) {
	case SPF_PASS:
		snprintf(out, outsz, "domain of %s designates %s as permitted sender", who, ip);
		break;
	case SPF_FAIL:
		snprintf(
		    out, outsz, "domain of %s does not designate %s as permitted sender", who, ip);
		break;
	case SPF_SOFTFAIL:
		snprintf(out, outsz,
		    "domain of transitioning %s does not designate %s as permitted sender", who,
		    ip);
		break;
	case SPF_NEUTRAL:
		snprintf(out, outsz, "%s is neither permitted nor denied by domain of %s", ip, who);
		break;
	case SPF_NONE:
		snprintf(out, outsz, "domain of %s does not provide an SPF record", who);
		break;
	default: snprintf(out, outsz, "%s", o->reason); break;
	}
}

void
checks_headers(struct smtpd_sess *ss, struct smtp_session *s, struct strbuf *out)
{
	const struct checks *ck = &ss->checks;
	struct authres_entry e[16];
	char pbufs[4][480];
	size_t n = 0;
	const char *ip = smtp_session_peer_addr(s);
	const char *helo = smtp_session_helo(s) ? smtp_session_helo(s) : "";
	const char *how = NULL;
	char pm[300], comment[600], iprev_reason[300], helo_reason[300];

	if (smtp_session_user(s)) {
		/* The login is named only for a user with stamp_user (issue 13
		 * item 17); the tracking id in Received finds it in the log. */
		const struct user *u = users_find(ss->d->users, smtp_session_user(s));
		int named = u && u->stamp_user;
		e[n++] = (struct authres_entry){ "auth", "pass", NULL, named ? "smtp.auth" : NULL,
			named ? smtp_session_user(s) : NULL };
	}
	if (ck->mail.done) {
		snprintf(pm, sizeof(pm), "postmaster@%s", helo);
		const char *who = ss->env.sender[0] ? ss->env.sender : pm;
		e[n++] = (struct authres_entry){ "spf", spf_result_name(ck->mail.out.result),
			ck->mail.out.from_table ? "from the local table" : NULL, "smtp.mailfrom",
			who };
	}
	if (ck->helo.done)
		e[n++] = (struct authres_entry){ "spf", spf_result_name(ck->helo.out.result), NULL,
			"smtp.helo", helo };
	if (ss->helo_done) {
		/* RFC 8601 2.7.3: iprev, the client's forward-confirmed reverse name */
		snprintf(iprev_reason, sizeof(iprev_reason), "%s",
		    ss->helo.verified_name[0] ? ss->helo.verified_name
		                              : "no reverse name resolves back to the client");
		e[n++] = (struct authres_entry){ "iprev", helo_result_name(ss->helo.fcrdns),
			iprev_reason, "policy.iprev", ip };
		snprintf(helo_reason, sizeof(helo_reason), "syntax %s, %s %s",
		    helo_result_name(ss->helo.syntax), helo[0] == '[' ? "literal" : "forward",
		    helo_result_name(helo[0] == '[' ? ss->helo.literal : ss->helo.forward));
		int ok = ss->helo.syntax == HELO_PASS &&
		    (helo[0] == '[' ? ss->helo.literal == HELO_PASS
		                    : ss->helo.forward == HELO_PASS);
		int temp = ss->helo.forward == HELO_TEMPERROR;
		e[n++] = (struct authres_entry){ "x-vouch-helo",
			ok         ? "pass"
			    : temp ? "temperror"
			           : "fail",
			helo_reason, "smtp.helo", helo };
	}
	if (ss->xv.state != XV_NONE && ss->xv.state != XV_RUNNING)
		e[n++] = (struct authres_entry){ "x-vouch", xvouch_state_name(ss->xv.state),
			ss->xv.reason, "smtp.helo", ss->xv.name };
	else if (!smtp_session_user(s))
		e[n++] = (struct authres_entry){ "x-vouch", "none",
			"the client did not send XVOUCH", "smtp.helo", helo };
	if (ss->tls_cert_verified)
		e[n++] = (struct authres_entry){ "x-tls-client", "pass", ss->tls_cert_subject,
			"smtp.helo", helo };
	char genv[32];
	if (ss->xgen != GEN_NONE) {
		snprintf(genv, sizeof(genv), "%lld", ss->xgen_peer);
		e[n++] = (struct authres_entry){ "x-vouch-gen", gen_result_name(ss->xgen), NULL,
			"policy.generation", genv };
	}
	/* DNS lists, the registrar, the sender callout: at most 4 more */
	n += proofs_authres(ss, e + n, pbufs);
	authres_format(ss->cfg->hostname, e, n, out);
	/* RFC 7208 9.1: one Received-SPF, for the identity that was decisive */
	const struct checks_spf *c = ck->mail.done ? &ck->mail : ck->helo.done ? &ck->helo : NULL;
	if (c) {
		const char *who = c == &ck->mail && ss->env.sender[0] ? ss->env.sender : helo;
		spf_comment(&c->out, ip, who, comment, sizeof(comment));
		char full[700];
		snprintf(full, sizeof(full), "%s: %s", ss->cfg->hostname, comment);
		struct authres_spf r = { spf_result_name(c->out.result), full, ip, ss->env.sender,
			helo, ss->cfg->hostname, c == &ck->mail ? "mailfrom" : "helo",
			c->out.mechanism };
		authres_received_spf(&r, out);
	}
	/* The verdict, for people and filters. */
	int verified = checks_verified(ss, s, &how);
	const char *extra = ss->allowed ? ss->allowed_text
	    : ss->pr.wl_listed          ? ss->pr.wl_zone
	                                : NULL;
	if (ss->xv.state == XV_PASS && !ss->allowed && !ss->pr.wl_listed)
		extra = ss->xv.name;
	/* a proven server, but the message's own checks (SPF of the domain it
	 * sends for) said more than "ignore": the message is not verified */
	const char *said = ck->verdict.act != CONFIG_ACT_IGNORE ? ck->verdict.why
	    : ck->mode.act != CONFIG_ACT_IGNORE                 ? ck->mode.why
	                                                        : NULL;
	if (verified && said) {
		strbuf_printf(out,
		    "X-Vouch-Verdict: unverified (the server is verified (%s%s%s), but %s)\r\n",
		    how, extra ? ": " : "", extra ? extra : "", said);
	} else if (verified) {
		strbuf_printf(out, "X-Vouch-Verdict: verified (%s%s%s)\r\n", how, extra ? ": " : "",
		    extra ? extra : "");
	} else {
		char why[400];
		checks_unverified_why(ss, why, sizeof(why));
		strbuf_printf(out, "X-Vouch-Verdict: unverified (%s)\r\n", why);
	}
}

int
checks_forged_header(const struct smtpd_sess *ss, const char *field, size_t len)
{
	const char *v;
	size_t vl;

	if (hdrfilter_field_is(field, len, "Authentication-Results", &v, &vl))
		return authres_is_ours(v, vl, ss->cfg->hostname);
	/* Nobody but us writes our verdict. */
	if (hdrfilter_field_is(field, len, "X-Vouch-Verdict", NULL, NULL))
		return 1;
	if (hdrfilter_field_is(field, len, "Received-SPF", &v, &vl)) {
		/* RFC 7208 9.1 receiver= names the host that added it */
		char key[300];
		snprintf(key, sizeof(key), "receiver=%s", ss->cfg->hostname);
		for (size_t i = 0; i + strlen(key) <= vl; i++)
			if (strncasecmp(v + i, key, strlen(key)) == 0 &&
			    (i + strlen(key) == vl || strchr(";\r\n \t", v[i + strlen(key)])))
				return 1;
	}
	return 0;
}
