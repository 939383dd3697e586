/*
 * checks: identity checks on SMTP sessions and their actions (see
 * checks.h).
 */
#include "checks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vouchd.h"
#include "smtpd.h"
#include "auth/spf_check.h"
#include "auth/spf_config.h"
#include "msg/authres.h"
#include "msg/hdrfilter.h"
#include "smtp/smtp_session.h"
#include "util/log.h"

static const struct listener_config *
listener_of(const struct smtpd_sess *ss)
{
	return ss->listener;
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

void
checks_helo(struct smtpd_sess *ss, struct smtp_session *s, const char *name, int is_domain)
{
	(void)name;
	spf_check_free(ss->checks.helo.chk);
	memset(&ss->checks.helo, 0, sizeof(ss->checks.helo));
	if (smtp_session_user(s) || ss->submission || !is_domain)
		return;
	/* RFC 7208 2.3: check the HELO identity too; it starts now and the
	 * MAIL decision waits for it. */
	start_spf(ss, s, &ss->checks.helo, SPF_ID_HELO, "", on_spf_helo);
}

/* Both identities are known: the strictest action wins. */
static void
decide_mail(struct smtpd_sess *ss)
{
	struct checks *ck = &ss->checks;
	struct smtp_session *s = smtp_server_find(ss->d->smtp, ss->sid);
	const struct listener_config *l = listener_of(ss);
	int act = CONFIG_ACT_IGNORE;
	const struct spf_outcome *worst = NULL;
	const char *identity = "mailfrom";

	if ((ck->helo.started && !ck->helo.done) || (ck->mail.started && !ck->mail.done))
		return;
	ss->checks_waiting = 0;
	if (s == NULL)
		return;
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
		log_info("sid=%016llx event=mail_refused reason=\"%s\"", (unsigned long long)ss->sid,
		    ck->why);
		ss->d->stats.messages_refused++;
		/* RFC 7372: 5.7.23 SPF validation failed, 5.7.24 SPF validation error */
		smtp_session_decide(s, 550, perm ? "5.7.24" : "5.7.23", text);
		return;
	}
	if (act == CONFIG_ACT_TEMPFAIL) {
		char text[400];
		if (snprintf(text, sizeof(text),
		    "SPF check for %s could not be completed, try again later (%s)",
		    worst->domain, worst->reason) >= (int)sizeof(text))
			text[sizeof(text) - 1] = '\0';
		smtp_session_decide(s, 451, "4.7.24", text);
		return;
	}
	/* The sender's SPF failed: whatever happens, never send it a DSN. */
	ss->env.sender_spf_fail = ck->mail.done && ck->mail.out.result == SPF_FAIL;
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
	if (smtp_session_user(s) || ss->submission) {
		smtp_session_decide(s, 250, "2.1.0", "Ok");
		return;
	}
	/* RFC 7208 2.4: the null sender is checked as postmaster@HELO. */
	start_spf(ss, s, &ck->mail, SPF_ID_MAILFROM, from, on_spf_mail);
	ss->checks_waiting = 1;
	decide_mail(ss);
}

void
checks_reset_txn(struct smtpd_sess *ss)
{
	spf_check_free(ss->checks.mail.chk);
	memset(&ss->checks.mail, 0, sizeof(ss->checks.mail));
	ss->checks_waiting = 0;
	ss->checks.verdict = CONFIG_ACT_IGNORE;
	ss->checks.why[0] = '\0';
}

void
checks_free(struct smtpd_sess *ss)
{
	checks_reset_txn(ss);
	spf_check_free(ss->checks.helo.chk);
	ss->checks.helo.chk = NULL;
}

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
	struct authres_entry e[8];
	size_t n = 0;
	const char *ip = smtp_session_peer_addr(s);
	const char *helo = smtp_session_helo(s) ? smtp_session_helo(s) : "";
	char pm[300], comment[600];

	if (smtp_session_user(s)) {
		e[n++] = (struct authres_entry){ "auth", "pass", NULL, "smtp.auth", smtp_session_user(s) };
	}
	if (ck->mail.done) {
		snprintf(pm, sizeof(pm), "postmaster@%s", helo);
		const char *who = ss->env.sender[0] ? ss->env.sender : pm;
		e[n++] = (struct authres_entry){ "spf", spf_result_name(ck->mail.out.result),
		    ck->mail.out.from_table ? "from the local table" : NULL, "smtp.mailfrom", who };
	}
	if (ck->helo.done)
		e[n++] = (struct authres_entry){ "spf", spf_result_name(ck->helo.out.result), NULL,
		    "smtp.helo", helo };
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
