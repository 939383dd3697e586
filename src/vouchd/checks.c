/*
 * checks: identity checks on SMTP sessions and their actions (see
 * checks.h). SPF here; HELO name checks through auth/helo; vouching in
 * xvouch.c; lists in lists.c.
 */
#include "checks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "vouchd.h"
#include "smtpd.h"
#include "auth/gen.h"
#include "auth/spf_check.h"
#include "auth/spf_config.h"
#include "msg/authres.h"
#include "msg/hdrfilter.h"
#include "smtp/smtp_session.h"
#include "util/log.h"

/* ---- actions ----------------------------------------------------------- */

int
checks_action(const struct smtpd_sess *ss, int act, const char *domain)
{
	if (act != CONFIG_ACT_MODE)
		return act;
	switch (config_mode_for(ss->cfg, ss->listener, domain)) {
	case CONFIG_MODE_HARD: return CONFIG_ACT_REJECT;
	case CONFIG_MODE_SOFT: return CONFIG_ACT_UNSAFE;
	default: return CONFIG_ACT_IGNORE;
	}
}

static int
spf_action(const struct listener_config *l, enum spf_result r)
{
	switch (r) {
	case SPF_FAIL: return l->spf_fail;
	case SPF_SOFTFAIL: return l->spf_softfail;
	case SPF_NEUTRAL: return l->spf_neutral;
	case SPF_NONE: return l->spf_none;
	case SPF_TEMPERROR: return l->spf_temperror;
	case SPF_PERMERROR: return l->spf_permerror;
	case SPF_PASS: return CONFIG_ACT_IGNORE;
	}
	return CONFIG_ACT_IGNORE;
}

int
checks_verified(const struct smtpd_sess *ss, struct smtp_session *s, const char **how)
{
	const char *h = NULL;

	if (smtp_session_user(s))
		h = "authenticated submission";
	else if (ss->allowed)
		h = "allow-listed";
	else if (ss->xv.state == XV_PASS)
		h = "vouched for its session";
	if (how)
		*how = h;
	return h != NULL;
}

const char *
checks_verified_name(const struct smtpd_sess *ss)
{
	return ss->helo_done && ss->helo.verified_name[0] ? ss->helo.verified_name : NULL;
}

/* ---- connect ----------------------------------------------------------- */

void
checks_connect(struct smtpd_sess *ss, struct smtp_session *s)
{
	struct vouchd *d = ss->d;
	socklen_t len;
	const struct sockaddr *peer = smtp_session_peer(s, &len);
	int64_t now = (int64_t)time(NULL);
	const struct list_entry *b = list_match(d->block, peer, NULL, NULL, now);
	const struct list_entry *a = list_match(d->allow, peer, NULL, NULL, now);

	if (b && !a) {
		char text[400];
		if (b->expires)
			snprintf(text, sizeof(text), "%s is blocked until %lld: %.250s",
			    smtp_session_peer_addr(s), (long long)b->expires, b->reason);
		else
			snprintf(text, sizeof(text), "%s is blocked: %.250s", smtp_session_peer_addr(s),
			    b->reason);
		log_info("sid=%016llx event=connection_refused reason=blocked entry=%s",
		    (unsigned long long)ss->sid, b->text);
		d->stats.refused_connections++;
		smtp_session_decide(s, 554, "5.7.1", text);
		return;
	}
	if (a) {
		ss->allowed = a;
		str_copy(ss->allowed_text, sizeof(ss->allowed_text), a->text);
	}
	smtp_session_decide(s, 220, NULL, NULL);
}

/* ---- SPF ------------------------------------------------------------------- */

static void
log_spf(const struct smtpd_sess *ss, const char *identity, const struct spf_outcome *o)
{
	log_info("sid=%016llx event=spf identity=%s domain=%s result=%s%s mechanism=\"%s\" "
	    "lookups=%u reason=\"%.200s\"", (unsigned long long)ss->sid, identity, o->domain,
	    spf_result_name(o->result), o->from_table ? " source=table" : "", o->mechanism,
	    o->lookups, o->reason);
}

static void decide_mail(struct smtpd_sess *ss);

static void
on_spf_helo(const struct spf_outcome *o, void *arg)
{
	struct smtpd_sess *ss = arg;

	ss->checks.helo.out = *o;
	ss->checks.helo.done = 1;
	/* o belongs to the check: use the copy once it is freed. */
	spf_check_free(ss->checks.helo.chk);
	ss->checks.helo.chk = NULL;
	log_spf(ss, "helo", &ss->checks.helo.out);
	if (ss->checks_waiting)
		decide_mail(ss);
}

static void
on_spf_mail(const struct spf_outcome *o, void *arg)
{
	struct smtpd_sess *ss = arg;

	ss->checks.mail.out = *o;
	ss->checks.mail.done = 1;
	spf_check_free(ss->checks.mail.chk);
	ss->checks.mail.chk = NULL;
	log_spf(ss, "mailfrom", &ss->checks.mail.out);
	if (ss->checks_waiting)
		decide_mail(ss);
}

static int
start_spf(struct smtpd_sess *ss, struct smtp_session *s, struct checks_spf *c,
    enum spf_identity id, const char *sender, spf_check_cb cb)
{
	struct vouchd *d = ss->d;
	struct spf_request req;
	socklen_t len;

	memset(&req, 0, sizeof(req));
	if (spf_ip_from_sockaddr(smtp_session_peer(s, &len), &req.ip) < 0)
		return -1;
	req.identity = id;
	req.sender = sender;
	req.helo = smtp_session_helo(s) ? smtp_session_helo(s) : "";
	/* The table belongs to the session's configuration, which it holds. */
	spf_config_options(&ss->cfg->spf, ss->cfg->hostname, ss->cfg->spf_known, &ss->spf_opts);
	c->started = 1;
	c->done = 0;
	c->chk = spf_check_start(d->dns, &req, &ss->spf_opts, ss->cfg->spf.timeout, cb, ss);
	return 0;
}

/* ---- HELO -------------------------------------------------------------- */

static void
on_helo_checked(const struct helo_outcome *o, void *arg)
{
	struct smtpd_sess *ss = arg;

	ss->helo = *o;
	ss->helo_done = 1;
	helo_check_free(ss->helo_chk);
	ss->helo_chk = NULL;
	log_info("sid=%016llx event=helo_check syntax=%s literal=%s forward=%s fcrdns=%s "
	    "verified_name=%s reason=\"%.200s\"", (unsigned long long)ss->sid,
	    helo_result_name(ss->helo.syntax), helo_result_name(ss->helo.literal),
	    helo_result_name(ss->helo.forward), helo_result_name(ss->helo.fcrdns),
	    ss->helo.verified_name[0] ? ss->helo.verified_name : "-", ss->helo.reason);
	if (ss->checks_waiting)
		decide_mail(ss);
}

void
checks_helo(struct smtpd_sess *ss, struct smtp_session *s, const char *name, int is_domain)
{
	socklen_t len;

	spf_check_free(ss->checks.helo.chk);
	memset(&ss->checks.helo, 0, sizeof(ss->checks.helo));
	helo_check_free(ss->helo_chk);
	ss->helo_chk = NULL;
	ss->helo_done = 0;
	memset(&ss->helo, 0, sizeof(ss->helo));
	if (smtp_session_user(s) || ss->submission)
		return;
	/* The name and the reverse DNS are checked for every client: they go
	 * into Received and Authentication-Results, and strict mode needs them. */
	ss->helo_chk = helo_check_start(ss->d->dns, name, smtp_session_peer(s, &len),
	    ss->cfg->helo_timeout, on_helo_checked, ss);
	/* RFC 7208 2.3: the HELO identity's SPF too; MAIL waits for both. */
	if (is_domain)
		start_spf(ss, s, &ss->checks.helo, SPF_ID_HELO, "", on_spf_helo);
}

/* ---- MAIL ---------------------------------------------------------------- */

static void
refuse_mail(struct smtpd_sess *ss, struct smtp_session *s, int code, const char *status,
    const char *text)
{
	log_info("sid=%016llx event=mail_refused code=%d reason=\"%.250s\"",
	    (unsigned long long)ss->sid, code, text);
	ss->d->stats.messages_refused++;
	smtp_session_decide(s, code, status, text);
}

/* Strict mode (DESIGN 6): HELO names that do not check out are refused. */
static int
strict_refusal(struct smtpd_sess *ss, struct smtp_session *s)
{
	const struct helo_outcome *h = &ss->helo;
	char text[500];

	if (!ss->listener->strict || !ss->helo_done)
		return 0;
	if (h->syntax == HELO_FAIL || h->literal == HELO_FAIL || h->forward == HELO_FAIL) {
		if (snprintf(text, sizeof(text), "HELO name refused under this server's strict rules "
		    "(XSTRICT): %s", h->reason) >= (int)sizeof(text))
			text[sizeof(text) - 1] = '\0';
		refuse_mail(ss, s, 550, "5.7.1", text);
		return 1;
	}
	if (h->forward == HELO_TEMPERROR) {
		refuse_mail(ss, s, 451, "4.7.1", "cannot check the HELO name now (DNS); try again later");
		return 1;
	}
	return 0;
}

/* Every check MAIL waits for is in: decide. */
static void
decide_mail(struct smtpd_sess *ss)
{
	struct checks *ck = &ss->checks;
	struct smtp_session *s = smtp_server_find(ss->d->smtp, ss->sid);
	const struct listener_config *l = ss->listener;
	int act = CONFIG_ACT_IGNORE;
	const struct spf_outcome *worst = NULL;
	const char *identity = "mailfrom";

	if (ss->helo_chk || (ck->helo.started && !ck->helo.done) ||
	    (ck->mail.started && !ck->mail.done))
		return;
	ss->checks_waiting = 0;
	if (s == NULL)
		return;
	if (strict_refusal(ss, s))
		return;
	/* The sender's SPF failed: whatever happens, never send it a DSN. */
	ss->env.sender_spf_fail = ck->mail.done && ck->mail.out.result == SPF_FAIL;
	/* A verified server answers for its mail: SPF is recorded only. */
	if (!checks_verified(ss, s, NULL)) {
		if (ck->helo.done) {
			act = spf_action(l, ck->helo.out.result);
			worst = &ck->helo.out;
			identity = "helo";
		}
		if (ck->mail.done && spf_action(l, ck->mail.out.result) >= act) {
			act = spf_action(l, ck->mail.out.result);
			worst = &ck->mail.out;
			identity = "mailfrom";
		}
	}
	act = checks_action(ss, act, NULL);
	ck->verdict = act;
	ck->why[0] = '\0';
	if (worst && act != CONFIG_ACT_IGNORE)
		snprintf(ck->why, sizeof(ck->why), "SPF %s for %s %s", spf_result_name(worst->result),
		    identity, worst->domain);
	if (act == CONFIG_ACT_REJECT) {
		char text[700];
		int perm = worst->result == SPF_PERMERROR;
		/* The explanation is the domain's text: the reply is capped. */
		if (snprintf(text, sizeof(text), "SPF %s for %s: %s", perm ? "permerror" : "check failed",
		    worst->domain, perm ? worst->reason : (worst->explanation[0] ?
		    worst->explanation : worst->reason)) >= (int)sizeof(text))
			text[sizeof(text) - 1] = '\0';
		/* RFC 7372: 5.7.23 SPF validation failed, 5.7.24 SPF validation error */
		refuse_mail(ss, s, 550, perm ? "5.7.24" : "5.7.23", text);
		return;
	}
	if (act == CONFIG_ACT_TEMPFAIL) {
		char text[400];
		if (snprintf(text, sizeof(text),
		    "SPF check for %s could not be completed, try again later (%s)",
		    worst->domain, worst->reason) >= (int)sizeof(text))
			text[sizeof(text) - 1] = '\0';
		refuse_mail(ss, s, 451, "4.7.24", text);
		return;
	}
	ss->tag_subject = act == CONFIG_ACT_TAG;
	smtp_session_decide(s, 250, "2.1.0", "Ok");
}

void
checks_mail(struct smtpd_sess *ss, struct smtp_session *s, const char *from)
{
	struct checks *ck = &ss->checks;

	spf_check_free(ck->mail.chk);
	memset(&ck->mail, 0, sizeof(ck->mail));
	ck->verdict = CONFIG_ACT_IGNORE;
	ck->why[0] = '\0';
	ss->tag_subject = 0;
	if (smtp_session_user(s) || ss->submission) {
		smtp_session_decide(s, 250, "2.1.0", "Ok");
		return;
	}
	/* RFC 7208 2.4: the null sender is checked as postmaster@HELO. */
	start_spf(ss, s, &ck->mail, SPF_ID_MAILFROM, from, on_spf_mail);
	ss->checks_waiting = 1;
	decide_mail(ss);
}

/* ---- RCPT ---------------------------------------------------------------- */

int
checks_rcpt(struct smtpd_sess *ss, struct smtp_session *s, const char *domain, char *why,
    size_t whysz)
{
	const struct listener_config *l = ss->listener;
	int act = CONFIG_ACT_IGNORE;
	const char *reason = NULL;
	char buf[400];

	why[0] = '\0';
	if (smtp_session_user(s) || config_mode_for(ss->cfg, l, domain) == CONFIG_MODE_OFF)
		return ss->checks.verdict;
	if (!checks_verified(ss, s, NULL)) {
		switch (ss->xv.state) {
		case XV_FAIL:
			act = checks_action(ss, l->xvouch_fail, domain);
			snprintf(buf, sizeof(buf), "session not vouched for by %.150s (%.200s)", ss->xv.name,
			    ss->xv.reason);
			break;
		case XV_TEMPERROR:
			act = checks_action(ss, l->xvouch_temperror, domain);
			snprintf(buf, sizeof(buf), "vouching could not be checked (%.200s)", ss->xv.reason);
			break;
		default:
			act = checks_action(ss, l->xvouch_none, domain);
			snprintf(buf, sizeof(buf), "the sending server did not vouch for its session (XVOUCH)");
			break;
		}
		reason = buf;
	}
	/* Software generations (DESIGN 5.2), when the client said XGEN. */
	int gact = ss->xgen == GEN_INVALID ? checks_action(ss, l->xgen_invalid, domain) :
	    ss->xgen == GEN_TOO_OLD ? checks_action(ss, l->xgen_too_old, domain) : CONFIG_ACT_IGNORE;
	if (gact > act) {
		act = gact;
		snprintf(buf, sizeof(buf), "software generation %lld %s", ss->xgen_peer,
		    ss->xgen == GEN_INVALID ? "does not verify" : "is too old");
		reason = buf;
	}
	/* The stricter of the trust verdict and the MAIL stage's. */
	if (ss->checks.verdict > act) {
		act = ss->checks.verdict;
		reason = ss->checks.why;
	}
	if (reason && act != CONFIG_ACT_IGNORE)
		str_copy(why, whysz, reason);
	return act;
}

void
checks_after_xvouch(struct smtpd_sess *ss, struct smtp_session *s)
{
	(void)ss;
	(void)s;
}

void
checks_block_client(struct smtpd_sess *ss, struct smtp_session *s, int64_t seconds,
    const char *reason)
{
	char err[200];

	if (lists_add(ss->d, 0, smtp_session_peer_addr(s), (int64_t)time(NULL) + seconds, reason,
	    err, sizeof(err)) < 0)
		log_err("sid=%016llx event=block_failed error=\"%s\"", (unsigned long long)ss->sid, err);
}

/* ---- the end of a transaction or a session -------------------------------- */

void
checks_reset_txn(struct smtpd_sess *ss)
{
	spf_check_free(ss->checks.mail.chk);
	memset(&ss->checks.mail, 0, sizeof(ss->checks.mail));
	ss->checks_waiting = 0;
	ss->checks.verdict = CONFIG_ACT_IGNORE;
	ss->checks.why[0] = '\0';
	ss->tag_subject = 0;
}

void
checks_free(struct smtpd_sess *ss)
{
	checks_reset_txn(ss);
	spf_check_free(ss->checks.helo.chk);
	ss->checks.helo.chk = NULL;
	helo_check_free(ss->helo_chk);
	ss->helo_chk = NULL;
	xvouch_cancel(ss);
}

/* ---- headers ------------------------------------------------------------- */

static void
spf_comment(const struct spf_outcome *o, const char *ip, const char *who, char *out,
    size_t outsz)
{
	switch (o->result) {
	case SPF_PASS:
		snprintf(out, outsz, "domain of %s designates %s as permitted sender", who, ip);
		break;
	case SPF_FAIL:
		snprintf(out, outsz, "domain of %s does not designate %s as permitted sender", who, ip);
		break;
	case SPF_SOFTFAIL:
		snprintf(out, outsz, "domain of transitioning %s does not designate %s as permitted sender",
		    who, ip);
		break;
	case SPF_NEUTRAL:
		snprintf(out, outsz, "%s is neither permitted nor denied by domain of %s", ip, who);
		break;
	case SPF_NONE:
		snprintf(out, outsz, "domain of %s does not provide an SPF record", who);
		break;
	default:
		snprintf(out, outsz, "%s", o->reason);
		break;
	}
}

void
checks_headers(struct smtpd_sess *ss, struct smtp_session *s, struct strbuf *out)
{
	const struct checks *ck = &ss->checks;
	struct authres_entry e[12];
	size_t n = 0;
	const char *ip = smtp_session_peer_addr(s);
	const char *helo = smtp_session_helo(s) ? smtp_session_helo(s) : "";
	const char *how = NULL;
	char pm[300], comment[600], iprev_reason[300], helo_reason[300];

	if (smtp_session_user(s))
		e[n++] = (struct authres_entry){ "auth", "pass", NULL, "smtp.auth", smtp_session_user(s) };
	if (ck->mail.done) {
		snprintf(pm, sizeof(pm), "postmaster@%s", helo);
		const char *who = ss->env.sender[0] ? ss->env.sender : pm;
		e[n++] = (struct authres_entry){ "spf", spf_result_name(ck->mail.out.result),
		    ck->mail.out.from_table ? "from the local table" : NULL, "smtp.mailfrom", who };
	}
	if (ck->helo.done)
		e[n++] = (struct authres_entry){ "spf", spf_result_name(ck->helo.out.result), NULL,
		    "smtp.helo", helo };
	if (ss->helo_done) {
		/* RFC 8601 2.7.3: iprev, the client's forward-confirmed reverse name */
		snprintf(iprev_reason, sizeof(iprev_reason), "%s", ss->helo.verified_name[0] ?
		    ss->helo.verified_name : "no reverse name resolves back to the client");
		e[n++] = (struct authres_entry){ "iprev", helo_result_name(ss->helo.fcrdns),
		    iprev_reason, "policy.iprev", ip };
		snprintf(helo_reason, sizeof(helo_reason), "syntax %s, %s %s",
		    helo_result_name(ss->helo.syntax), helo[0] == '[' ? "literal" : "forward",
		    helo_result_name(helo[0] == '[' ? ss->helo.literal : ss->helo.forward));
		int ok = ss->helo.syntax == HELO_PASS && (helo[0] == '[' ?
		    ss->helo.literal == HELO_PASS : ss->helo.forward == HELO_PASS);
		int temp = ss->helo.forward == HELO_TEMPERROR;
		e[n++] = (struct authres_entry){ "x-vouch-helo", ok ? "pass" : temp ? "temperror" :
		    "fail", helo_reason, "smtp.helo", helo };
	}
	if (ss->xv.state != XV_NONE && ss->xv.state != XV_RUNNING)
		e[n++] = (struct authres_entry){ "x-vouch", xvouch_state_name(ss->xv.state),
		    ss->xv.reason, "smtp.helo", ss->xv.name };
	else if (!smtp_session_user(s))
		e[n++] = (struct authres_entry){ "x-vouch", "none", "the client did not send XVOUCH",
		    "smtp.helo", helo };
	if (ss->tls_cert_verified)
		e[n++] = (struct authres_entry){ "x-tls-client", "pass", ss->tls_cert_subject,
		    "smtp.helo", helo };
	char genv[32];
	if (ss->xgen != GEN_NONE) {
		snprintf(genv, sizeof(genv), "%lld", ss->xgen_peer);
		e[n++] = (struct authres_entry){ "x-vouch-gen", gen_result_name(ss->xgen), NULL,
		    "policy.generation", genv };
	}
	authres_format(ss->cfg->hostname, e, n, out);
	/* RFC 7208 9.1: one Received-SPF, for the identity that was decisive */
	const struct checks_spf *c = ck->mail.done ? &ck->mail : ck->helo.done ? &ck->helo : NULL;
	if (c) {
		const char *who = c == &ck->mail && ss->env.sender[0] ? ss->env.sender : helo;
		spf_comment(&c->out, ip, who, comment, sizeof(comment));
		char full[700];
		snprintf(full, sizeof(full), "%s: %s", ss->cfg->hostname, comment);
		struct authres_spf r = { spf_result_name(c->out.result), full, ip, ss->env.sender,
			helo, ss->cfg->hostname, c == &ck->mail ? "mailfrom" : "helo", c->out.mechanism };
		authres_received_spf(&r, out);
	}
	/* The verdict, for people and filters. */
	if (checks_verified(ss, s, &how))
		strbuf_printf(out, "X-Vouch-Verdict: verified (%s%s%s)\r\n", how,
		    ss->allowed ? ": " : "", ss->allowed ? ss->allowed_text : "");
	else
		strbuf_printf(out, "X-Vouch-Verdict: unverified (%s)\r\n",
		    ss->xv.state == XV_NONE ? "no XVOUCH" : ss->xv.reason);
}

int
checks_forged_header(const struct smtpd_sess *ss, const char *field, size_t len)
{
	const char *v;
	size_t vl;
	char id[256];

	if (hdrfilter_field_is(field, len, "Authentication-Results", &v, &vl))
		return authres_authserv_id(v, vl, id, sizeof(id)) == 0 &&
		    strcasecmp(id, ss->cfg->hostname) == 0;
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
