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
#include "policy/stats.h"
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
	else
		h = proofs_verified_how(ss);
	if (how)
		*how = h;
	return h != NULL;
}

int
checks_trusted_forwarder(const struct smtpd_sess *ss, struct smtp_session *s)
{
	/*
	 * A proof of a name is not a proof for other domains: a server that
	 * vouched for itself without a registrar behind it proved its own
	 * name, nothing about the domains it sends for. Their SPF is forgiven
	 * only for the admin's own allow list and authenticated users, and for
	 * a vouched server the registrar lists as active (a forwarder whose
	 * owner answers for it; scenario case 8).
	 */
	return smtp_session_user(s) || ss->allowed ||
	    (ss->xv.state == XV_PASS && ss->cfg->reg.zones.n > 0 && ss->pr.name.done &&
	        ss->pr.name.status == REGISTER_ACTIVE);
}

const char *
checks_verified_name(const struct smtpd_sess *ss)
{
	return ss->helo_done && ss->helo.verified_name[0] ? ss->helo.verified_name : NULL;
}

void
checks_unverified_why(const struct smtpd_sess *ss, char *out, size_t outsz)
{
	struct strbuf b;
	const struct checks_reg *r = &ss->pr.name;

	strbuf_init(&b, 2048);
	if (ss->xv.state == XV_PASS && r->done)
		strbuf_printf(&b, "vouched, but %s by the registrar%s%s",
		    register_status_name(r->status), r->zone[0] ? " " : "", r->zone);
	else if (ss->xv.state == XV_NONE)
		strbuf_puts(&b, "no XVOUCH");
	else
		strbuf_puts(&b, ss->xv.reason);
	if (ss->pr.addr.done && ss->pr.addr.status == REGISTER_SUSPENDED)
		strbuf_puts(&b, "; the client address is suspended by the registrar");
	/* what the MAIL stage found */
	if (ss->checks.verdict.why[0])
		strbuf_printf(&b, "; %s", ss->checks.verdict.why);
	if (ss->checks.mode.why[0] && strcmp(ss->checks.mode.why, ss->checks.verdict.why) != 0)
		strbuf_printf(&b, "; %s", ss->checks.mode.why);
	str_copy(out, outsz, b.s ? b.s : "");
	strbuf_free(&b);
}

void
checks_count(const struct smtpd_sess *ss, const char *check, const char *result)
{
	if (ss->d->counters)
		stats_count(ss->d->counters, check, result);
}

void
checks_count_refusal(struct smtpd_sess *ss, const char *stage)
{
	static const char *const stages[] = { "helo", "xvouch", "mail", "rcpt", "data", NULL };
	char r[40];

	for (unsigned i = 0; stages[i]; i++) {
		if (strcmp(stages[i], stage) != 0)
			continue;
		/* sessions refused at a stage: once per session */
		if (ss->refused_stages & (1u << i))
			return;
		ss->refused_stages |= 1u << i;
		snprintf(r, sizeof(r), "refused_%s", stage);
		checks_count(ss, "session", r);
		return;
	}
}

void
checks_say(struct checks *ck, int act, const char *status, const char *why)
{
	struct checks_say *v = act == CONFIG_ACT_MODE ? &ck->mode : &ck->verdict;

	if (act == CONFIG_ACT_IGNORE ||
	    (act == CONFIG_ACT_MODE ? v->act == CONFIG_ACT_MODE : act <= v->act))
		return;
	v->act = act;
	str_copy(v->status, sizeof(v->status), status);
	str_copy(v->why, sizeof(v->why), why);
}

/* ---- connect ----------------------------------------------------------- */

void
checks_connect(struct smtpd_sess *ss, struct smtp_session *s)
{
	struct vouchd *d = ss->d;
	socklen_t len;
	const struct sockaddr *peer = smtp_session_peer(s, &len);
	int64_t now = (int64_t)time(NULL);

	str_copy(ss->client_ip, sizeof(ss->client_ip), smtp_session_peer_addr(s));
	ss->pr.co_skip = -1;
	const struct list_entry *b = list_match(d->block, peer, NULL, NULL, now);
	const struct list_entry *a = list_match(d->allow, peer, NULL, NULL, now);

	if (b && !a) {
		char text[400];
		if (b->expires)
			snprintf(text, sizeof(text), "%s is blocked until %lld: %.250s",
			    smtp_session_peer_addr(s), (long long)b->expires, b->reason);
		else
			snprintf(text, sizeof(text), "%s is blocked: %.250s",
			    smtp_session_peer_addr(s), b->reason);
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
	/* DNS lists and the registrar: the greeting does not wait, MAIL does. */
	proofs_connect(ss, s);
	smtp_session_decide(s, 220, NULL, NULL);
}

/* ---- SPF ------------------------------------------------------------------- */

/* A check came in: MAIL may be waiting for it. */
static void
proofs_in_mail(struct smtpd_sess *ss)
{
	if (ss->checks_waiting)
		checks_mail_continue(ss);
}

static void
log_spf(const struct smtpd_sess *ss, const char *identity, const struct spf_outcome *o)
{
	if (log_enabled(LOG_LVL_INFO)) {
		char esc[LOG_ESC_MAX], mech_esc[LOG_ESC_MAX], why_esc[LOG_ESC_MAX];
		log_info("sid=%016llx event=spf identity=%s domain=%s result=%s%s mechanism=%s "
		         "lookups=%u reason=%s",
		    (unsigned long long)ss->sid, identity, log_token(esc, sizeof(esc), o->domain),
		    spf_result_name(o->result), o->from_table ? " source=table" : "",
		    log_str(mech_esc, sizeof(mech_esc), o->mechanism), o->lookups,
		    log_str(why_esc, sizeof(why_esc), o->reason));
	}
	checks_count(
	    ss, strcmp(identity, "helo") == 0 ? "spf_helo" : "spf", spf_result_name(o->result));
}

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
	proofs_in_mail(ss);
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
	proofs_in_mail(ss);
}

static int
start_spf(struct smtpd_sess *ss, struct smtp_session *s, struct checks_spf *c, enum spf_identity id,
    const char *sender, spf_check_cb cb)
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
	if (log_enabled(LOG_LVL_INFO)) {
		char esc[LOG_ESC_MAX], why_esc[LOG_ESC_MAX];
		log_info("sid=%016llx event=helo_check syntax=%s literal=%s forward=%s fcrdns=%s "
		         "verified_name=%s reason=%s",
		    (unsigned long long)ss->sid, helo_result_name(ss->helo.syntax),
		    helo_result_name(ss->helo.literal), helo_result_name(ss->helo.forward),
		    helo_result_name(ss->helo.fcrdns),
		    log_token(
		        esc, sizeof(esc), ss->helo.verified_name[0] ? ss->helo.verified_name : "-"),
		    log_str(why_esc, sizeof(why_esc), ss->helo.reason));
	}
	checks_count(ss, "helo",
	    helo_result_name(ss->helo.syntax != HELO_PASS ? ss->helo.syntax
	            : ss->helo.literal != HELO_NONE       ? ss->helo.literal
	                                                  : ss->helo.forward));
	checks_count(ss, "iprev", helo_result_name(ss->helo.fcrdns));
	proofs_in_mail(ss);
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

void
checks_refuse_mail(
    struct smtpd_sess *ss, struct smtp_session *s, int code, const char *status, const char *text)
{
	if (log_enabled(LOG_LVL_INFO)) {
		char esc[LOG_ESC_MAX];
		log_info("sid=%016llx event=mail_refused code=%d reason=%s",
		    (unsigned long long)ss->sid, code, log_str(esc, sizeof(esc), text));
	}
	ss->d->stats.messages_refused++;
	checks_count_refusal(ss, "mail");
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
		if (snprintf(text, sizeof(text),
		        "HELO name refused under this server's strict rules "
		        "(XSTRICT): %s",
		        h->reason) >= (int)sizeof(text))
			text[sizeof(text) - 1] = '\0';
		checks_refuse_mail(ss, s, 550, "5.7.1", text);
		return 1;
	}
	if (h->forward == HELO_TEMPERROR) {
		checks_refuse_mail(
		    ss, s, 451, "4.7.1", "cannot check the HELO name now (DNS); try again later");
		return 1;
	}
	return 0;
}

/*
 * DESIGN 5.1 step 6: an address whose session was denied in hard mode is
 * vouch-required: its sessions are accepted only when they vouch.
 */
static int
vouch_required_refusal(struct smtpd_sess *ss, struct smtp_session *s)
{
	socklen_t len;
	const struct list_entry *e;
	char text[600];

	if (ss->listener->mode != CONFIG_MODE_HARD || ss->xv.state == XV_PASS || ss->allowed ||
	    (e = list_match(ss->d->required, smtp_session_peer(s, &len), NULL, NULL,
	         (int64_t)time(NULL))) == NULL)
		return 0;
	checks_count(ss, "xvouch", "required");
	if (ss->xv.state == XV_TEMPERROR) {
		str_fmt(text, sizeof(text),
		    "mail from [%s] is taken only from sessions that vouch, and vouching could not be checked (%.200s); try again later",
		    ss->client_ip, ss->xv.reason);
		checks_refuse_mail(ss, s, 451, "4.7.1", text);
		return 1;
	}
	str_fmt(text, sizeof(text),
	    "mail from [%s] is taken only from sessions that vouch for themselves (XVOUCH) until %lld, because %.300s",
	    ss->client_ip, (long long)e->expires, e->reason);
	checks_refuse_mail(ss, s, 550, "5.7.1", text);
	return 1;
}

/* The MAIL command is accepted: the transaction goes on with its verdict. */
static void
accept_mail(struct smtpd_sess *ss, struct smtp_session *s)
{
	ss->tag_subject = ss->checks.verdict.act == CONFIG_ACT_TAG;
	smtp_session_decide(s, 250, "2.1.0", "Ok");
}

/* SPF's say: refuses explicit reject and tempfail at once. */
static int
spf_say(struct smtpd_sess *ss, struct smtp_session *s)
{
	struct checks *ck = &ss->checks;
	const struct listener_config *l = ss->listener;
	/* the MAIL FROM identity first: it names the domain in the reply */
	const struct checks_spf *ids[2] = { &ck->mail, &ck->helo };
	static const char *const names[2] = { "mailfrom", "helo" };
	char text[700];

	/* A trusted forwarder answers for its mail: SPF is recorded only. */
	if (checks_trusted_forwarder(ss, s))
		return 0;
	for (int want = CONFIG_ACT_REJECT; want >= CONFIG_ACT_TEMPFAIL; want--) {
		for (int i = 0; i < 2; i++) {
			const struct spf_outcome *o = &ids[i]->out;
			if (!ids[i]->done || spf_action(l, o->result) != want)
				continue;
			int perm = o->result == SPF_PERMERROR;
			if (want == CONFIG_ACT_REJECT) {
				/* The explanation is the domain's text: the reply is capped. */
				if (snprintf(text, sizeof(text), "SPF %s for %s: %s",
				        perm ? "permerror" : "check failed", o->domain,
				        perm ? o->reason
				             : (o->explanation[0] ? o->explanation : o->reason)) >=
				    (int)sizeof(text))
					text[sizeof(text) - 1] = '\0';
				/* RFC 7372: 5.7.23 SPF validation failed, 5.7.24 validation error */
				checks_refuse_mail(ss, s, 550, perm ? "5.7.24" : "5.7.23", text);
			} else {
				if (snprintf(text, sizeof(text),
				        "SPF check for %s could not be completed, "
				        "try again later (%s)",
				        o->domain, o->reason) >= (int)sizeof(text))
					text[sizeof(text) - 1] = '\0';
				checks_refuse_mail(ss, s, 451, "4.7.24", text);
			}
			return 1;
		}
	}
	for (int i = 0; i < 2; i++) {
		const struct spf_outcome *o = &ids[i]->out;
		if (!ids[i]->done || spf_action(l, o->result) == CONFIG_ACT_IGNORE)
			continue;
		snprintf(text, sizeof(text), "SPF %s for %s %s", spf_result_name(o->result),
		    names[i], o->domain);
		checks_say(ck, spf_action(l, o->result),
		    o->result == SPF_PERMERROR || o->result == SPF_TEMPERROR ? "5.7.24" : "5.7.23",
		    text);
	}
	return 0;
}

/* Every check MAIL waits for is in: decide. */
void
checks_mail_continue(struct smtpd_sess *ss)
{
	struct checks *ck = &ss->checks;
	struct smtp_session *s = smtp_server_find(ss->d->smtp, ss->sid);

	if (ss->helo_chk || (ck->helo.started && !ck->helo.done) ||
	    (ck->mail.started && !ck->mail.done) || proofs_pending(ss))
		return;
	ss->checks_waiting = 0;
	if (s == NULL)
		return;
	if (ck->callout_wait) {
		/* the last word: the sender callout */
		ck->callout_wait = 0;
		if (!proofs_callout_say(ss, s))
			accept_mail(ss, s);
		return;
	}
	if (strict_refusal(ss, s) || vouch_required_refusal(ss, s) || proofs_mail_lists(ss, s))
		return;
	/* The sender's SPF failed: whatever happens, never send it a DSN. */
	ss->env.sender_spf_fail = ck->mail.done && ck->mail.out.result == SPF_FAIL;
	if (spf_say(ss, s))
		return;
	if (proofs_callout(ss, s, ss->env.sender ? ss->env.sender : "")) {
		ck->callout_wait = 1;
		ss->checks_waiting = 1;
		return;
	}
	accept_mail(ss, s);
}

static void
say_clear(struct checks_say *v)
{
	v->act = CONFIG_ACT_IGNORE;
	v->status[0] = '\0';
	v->why[0] = '\0';
}

void
checks_mail(struct smtpd_sess *ss, struct smtp_session *s, const char *from)
{
	struct checks *ck = &ss->checks;

	checks_reset_txn(ss);
	if (smtp_session_user(s) || ss->submission) {
		smtp_session_decide(s, 250, "2.1.0", "Ok");
		return;
	}
	/* RFC 7208 2.4: the null sender is checked as postmaster@HELO. */
	start_spf(ss, s, &ck->mail, SPF_ID_MAILFROM, from, on_spf_mail);
	ss->checks_waiting = 1;
	checks_mail_continue(ss);
}

/* ---- RCPT ---------------------------------------------------------------- */

void
checks_say_max(struct checks_say *best, int act, const char *status, const char *why)
{
	if (act <= best->act)
		return;
	best->act = act;
	str_copy(best->status, sizeof(best->status), status && status[0] ? status : "5.7.1");
	str_copy(best->why, sizeof(best->why), why);
}

int
checks_rcpt(struct smtpd_sess *ss, struct smtp_session *s, const char *domain, char *why,
    size_t whysz, char status[8])
{
	const struct listener_config *l = ss->listener;
	const struct checks *ck = &ss->checks;
	struct checks_say best, reg;
	char buf[400];

	say_clear(&best);
	checks_say_max(&best, ck->verdict.act, ck->verdict.status, ck->verdict.why);
	if (!smtp_session_user(s) && config_mode_for(ss->cfg, l, domain) != CONFIG_MODE_OFF) {
		checks_say_max(
		    &best, checks_action(ss, ck->mode.act, domain), ck->mode.status, ck->mode.why);
		if (!checks_verified(ss, s, NULL)) {
			int act = CONFIG_ACT_IGNORE;
			switch (ss->xv.state) {
			case XV_PASS: break; /* vouched; the registrar's word is below */
			case XV_FAIL:
				act = checks_action(ss, l->xvouch_fail, domain);
				snprintf(buf, sizeof(buf),
				    "session not vouched for by %.150s (%.200s)", ss->xv.name,
				    ss->xv.reason);
				break;
			case XV_TEMPERROR:
				act = checks_action(ss, l->xvouch_temperror, domain);
				snprintf(buf, sizeof(buf), "vouching could not be checked (%.200s)",
				    ss->xv.reason);
				break;
			default:
				act = checks_action(ss, l->xvouch_none, domain);
				snprintf(buf, sizeof(buf),
				    "the sending server did not vouch for its "
				    "session (XVOUCH); this domain takes mail only from servers that "
				    "prove who they are");
				break;
			}
			if (act != CONFIG_ACT_IGNORE)
				checks_say_max(&best, act, "5.7.1", buf);
			proofs_rcpt(ss, domain, &reg);
			checks_say_max(&best, reg.act, reg.status, reg.why);
		}
		/* Software generations (DESIGN 5.2), when the client said XGEN. */
		int gact = ss->xgen == GEN_INVALID || ss->xgen == GEN_TOO_NEW
		    ? checks_action(ss, l->xgen_invalid, domain)
		    : ss->xgen == GEN_TOO_OLD ? checks_action(ss, l->xgen_too_old, domain)
		                              : CONFIG_ACT_IGNORE;
		snprintf(buf, sizeof(buf), "software generation %lld %s", ss->xgen_peer,
		    ss->xgen == GEN_INVALID       ? "does not verify"
		        : ss->xgen == GEN_TOO_NEW ? "is too far ahead to be checked"
		                                  : "is too old");
		checks_say_max(&best, gact, "5.7.1", buf);
	}
	why[0] = '\0';
	str_copy(status, 8, best.status[0] ? best.status : "5.7.1");
	if (best.act != CONFIG_ACT_IGNORE)
		str_copy(why, whysz, best.why);
	return best.act;
}

void
checks_after_xvouch(struct smtpd_sess *ss, struct smtp_session *s)
{
	/* with registrar zones, a vouched name counts once it is registered */
	proofs_after_xvouch(ss, s);
}

void
checks_require_vouch(
    struct smtpd_sess *ss, struct smtp_session *s, int64_t seconds, const char *reason)
{
	char err[200];

	if (lists_add(ss->d, LISTS_REQUIRED, smtp_session_peer_addr(s),
	        (int64_t)time(NULL) + seconds, reason, err, sizeof(err)) < 0)
		log_err("sid=%016llx event=block_failed error=\"%s\"", (unsigned long long)ss->sid,
		    err);
}

/* ---- the end of a transaction or a session -------------------------------- */

void
checks_reset_txn(struct smtpd_sess *ss)
{
	spf_check_free(ss->checks.mail.chk);
	memset(&ss->checks.mail, 0, sizeof(ss->checks.mail));
	proofs_reset_txn(ss);
	ss->checks_waiting = 0;
	ss->checks.callout_wait = 0;
	say_clear(&ss->checks.verdict);
	say_clear(&ss->checks.mode);
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
	proofs_free(ss);
	xvouch_cancel(ss);
}
