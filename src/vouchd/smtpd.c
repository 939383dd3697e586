/*
 * smtpd: vouchd's side of inbound SMTP sessions (see smtpd.h), from the
 * connection to RCPT: who may send to whom (local domains, no relaying,
 * local recipients that exist) and what the trust checks lead to. Each
 * command is checked here, its proofs gathered (gather.h, maybe
 * asynchronously), the policy engine asked (policy/verdict.h), and its
 * verdict applied. The message itself is smtpd_data.c's.
 */
#include "smtpd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "vouchd.h"
#include "challenge.h"
#include "gather.h"
#include "msgauth.h"
#include "outsign.h"
#include "listen.h"
#include "lists.h"
#include "smtpd_int.h"
#include "srsfwd.h"
#include "submit.h"
#include "xgen.h"
#include "xvouch.h"
#include "local/resolve.h"
#include "policy/stats.h"
#include "util/log.h"
#include "util/xmalloc.h"

static struct smtpd_sess *
sess(struct smtp_session *s)
{
	return smtp_session_udata(s);
}

struct gather *
smtpd_gather(struct smtp_session *s)
{
	struct smtpd_sess *ss = sess(s);

	return ss ? ss->g : NULL;
}

struct submit_sess *
smtpd_submit(struct smtp_session *s)
{
	struct smtpd_sess *ss = sess(s);

	return ss ? ss->sub : NULL;
}

/* The session with this id and its state, or NULL if it has gone. */
static struct smtpd_sess *
find(struct vouchd *d, uint64_t sid, struct smtp_session **s)
{
	*s = smtp_server_find(d->smtp, sid);
	return *s ? sess(*s) : NULL;
}

void
smtpd_reply(struct smtp_session *s, const struct verdict *v)
{
	smtp_session_decide(
	    s, v->code, v->status[0] ? v->status : NULL, v->text[0] ? v->text : NULL);
}

void
smtpd_count(const struct smtpd_sess *ss, const char *check, const char *result)
{
	if (ss->d->counters)
		stats_count(ss->d->counters, check, result);
}

void
smtpd_count_refusal(struct smtpd_sess *ss, const char *stage)
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
		smtpd_count(ss, "session", r);
		return;
	}
}

static void
hdr_stop(struct smtpd_sess *ss)
{
	if (ss->hdr_active) {
		hdrfilter_free(&ss->hdr);
		strbuf_free(&ss->hdr_out);
		ss->hdr_active = 0;
	}
}

void
smtpd_txn_clear(struct smtpd_sess *ss)
{
	if (ss->w) {
		queue_writer_abort(ss->w);
		ss->w = NULL;
	}
	hdr_stop(ss);
	msgauth_free(ss->ma); /* cancels its lookups: its callback never comes */
	ss->ma = NULL;
	free(ss->authres_head);
	ss->authres_head = NULL;
	free(ss->trace_mid);
	ss->trace_mid = NULL;
	ss->verdict_len = 0;
	outsign_free(ss->os);
	ss->os = NULL;
	free(ss->authres_arc);
	ss->authres_arc = NULL;
	ss->arc_cv = ARC_CV_NONE;
	gather_reset_txn(ss->g);
	envelope_clear(&ss->env);
	submit_txn_release(ss->sub);
	ss->tracking[0] = '\0';
	ss->tag_subject = 0;
	ss->chal_hdr = 0;
	ss->chal_token[0] = '\0';
}

/* ---- connect, HELO ---------------------------------------------------------- */

static void
on_connect(void *host, struct smtp_session *s)
{
	struct vouchd *d = host;
	struct smtpd_sess *ss = xcalloc(1, sizeof(*ss));
	int submission = 0, auth_offer = 0;
	struct verdict v;

	ss->d = d;
	ss->cfg = config_ref(d->cfg);
	ss->sid = smtp_session_id(s);
	envelope_init(&ss->env);
	ss->listener = &ss->cfg->listeners[0];
	for (size_t i = 0; i < ss->cfg->nlisteners; i++) {
		const struct listener_config *lc = &ss->cfg->listeners[i];
		if (strcmp(lc->name, smtp_session_conf(s)->listener) == 0) {
			ss->listener = lc;
			submission = lc->submission;
			auth_offer = lc->submission || lc->auth;
		}
	}
	ss->pol.l = ss->listener;
	ss->pol.submission = submission;
	ss->pol.registrar = ss->cfg->reg.zones.n > 0;
	ss->pol.arc_trusted = (const char *const *)ss->cfg->dkim.arc_trusted_sealers.v;
	ss->pol.narc_trusted = ss->cfg->dkim.arc_trusted_sealers.n;
	ss->pol.xgen = xgen_offered(ss->cfg, ss->listener);
	ss->pol.transition_at = ss->cfg->transition_at;
	ss->pol.transition_action = ss->cfg->transition_action;
	ss->pol.transition_url = ss->cfg->transition_url;
	ss->g = gather_new(d, ss->sid, ss->cfg, ss->listener, submission);
	ss->sub = submit_sess_new(d, ss->cfg, ss->sid, auth_offer, submission);
	smtp_session_set_udata(s, ss);

	gather_connect(ss->g, s);
	policy_connect(gather_session(ss->g), &ss->pol, &v);
	if (v.code >= 400) {
		const struct proof *b = proofs_get(gather_session(ss->g), PROOF_BLOCK);
		log_info("sid=%016llx event=connection_refused reason=blocked entry=%s",
		    (unsigned long long)ss->sid, b ? b->u.list.entry : "-");
		d->stats.refused_connections++;
		smtpd_reply(s, &v);
		return;
	}
	/* DNS lists and the registrar: the greeting does not wait, MAIL does. */
	gather_greeted(ss->g, s);
	smtpd_reply(s, &v);
}

static void
on_helo(void *host, struct smtp_session *s, const char *name, enum smtp_helo_kind kind, int esmtp)
{
	struct smtpd_sess *ss = sess(s);
	struct verdict v;

	(void)host;
	(void)esmtp;
	gather_helo(ss->g, s, name, kind == SMTP_HELO_DOMAIN);
	policy_helo(gather_session(ss->g), &ss->pol, &v);
	if (v.code >= 400) {
		smtpd_count_refusal(ss, "helo");
		smtpd_reply(s, &v);
		return;
	}
	/* Keywords that depend on the session: AUTH (after TLS), XGEN. */
	char kw[200] = "", gen[64];
	const char *auth = submit_ehlo_keywords(ss->sub, s);
	const char *xg = xgen_ehlo(ss->d, ss->cfg, ss->listener, gen, sizeof(gen));
	snprintf(kw, sizeof(kw), "%s%s%s", auth ? auth : "", auth && xg ? "\n" : "", xg ? xg : "");
	smtp_session_decide(s, v.code, NULL, kw[0] ? kw : NULL);
}

/* ---- XVOUCH, XGEN ------------------------------------------------------------ */

/* The vouching's proof is in: answer XVOUCH. */
static void
on_vouched(struct vouchd *d, uint64_t sid)
{
	struct smtp_session *s;
	struct smtpd_sess *ss = find(d, sid, &s);
	struct verdict v;
	char err[200];

	if (ss == NULL)
		return;
	policy_xvouch(gather_session(ss->g), &ss->pol, &v);
	if ((v.flags & VERDICT_REQUIRE_VOUCH) && ss->cfg->xvouch_required_time > 0 &&
	    lists_add(d, LISTS_REQUIRED, smtp_session_peer_addr(s),
	        (int64_t)time(NULL) + ss->cfg->xvouch_required_time / 1000, v.text, err,
	        sizeof(err)) < 0)
		log_err("sid=%016llx event=block_failed error=\"%s\"", (unsigned long long)ss->sid,
		    err);
	if (v.flags & VERDICT_CLOSE)
		smtpd_count_refusal(ss, "xvouch");
	smtpd_reply(s, &v);
	if (v.flags & VERDICT_CLOSE)
		smtp_session_close(s);
}

static void
xvouch_command(struct smtpd_sess *ss, struct smtp_session *s, const char *arg, size_t len)
{
	enum vouch_cmd kind;
	char id[VOUCH_ID_LEN + 1];
	const char *helo = smtp_session_helo(s);

	if (vouch_cmd_parse(arg, len, &kind, id) < 0) {
		smtp_session_decide(s, 501, "5.5.4",
		    "Syntax: XVOUCH <id> | XVOUCH CHECK <id> "
		    "(id: 128 letters and digits)");
		return;
	}
	if (kind == VOUCH_CMD_CHECK) {
		xvouch_answer(ss->d, s, id);
		return;
	}
	if (!ss->listener->xvouch || ss->listener->mode == CONFIG_MODE_OFF) {
		smtp_session_decide(s, 502, "5.5.1", "XVOUCH not offered here");
		return;
	}
	if (gather_xvouch_given(ss->g)) {
		smtp_session_decide(s, 503, "5.5.1", "XVOUCH already given in this session");
		return;
	}
	if (smtp_session_mail(s)) {
		smtp_session_decide(s, 503, "5.5.1", "XVOUCH goes before MAIL");
		return;
	}
	if (helo == NULL || helo[0] == '[' || !strchr(helo, '.')) {
		smtp_session_decide(
		    s, 550, "5.7.1", "XVOUCH needs the sending host's name (an FQDN) in EHLO");
		return;
	}
	gather_xvouch(ss->g, s, id, on_vouched);
}

static void
xgen_command(struct smtpd_sess *ss, struct smtp_session *s, const char *arg, size_t len)
{
	struct xgen_answer a;
	struct proof p;
	struct verdict v;

	if (!xgen_judge(ss->d, ss->cfg, ss->listener, ss->xgen_given, ss->sid, arg, len, &p, &a)) {
		smtp_session_decide(s, a.code, a.status, a.text);
		return;
	}
	ss->xgen_given = 1;
	gather_add(ss->g, &p);
	policy_xgen(gather_session(ss->g), &ss->pol, &v);
	smtpd_reply(s, &v);
}

static void
on_extra(void *host, struct smtp_session *s, const struct smtp_cmd *cmd)
{
	(void)host;
	if (cmd->verb == SMTP_VERB_AUTH) {
		submit_auth(sess(s)->sub, s, cmd->arg, cmd->arglen);
		return;
	}
	if (cmd->verb == SMTP_VERB_XVOUCH) {
		xvouch_command(sess(s), s, cmd->arg, cmd->arglen);
		return;
	}
	if (cmd->verb == SMTP_VERB_XGEN) {
		xgen_command(sess(s), s, cmd->arg, cmd->arglen);
		return;
	}
	smtp_session_decide(s, 502, "5.5.1", "Error: command not implemented");
}

/* ---- MAIL ---------------------------------------------------------------- */

/* The proofs MAIL waits for are in: ask the engine. */
static void
on_mail_proven(struct vouchd *d, uint64_t sid)
{
	struct smtp_session *s;
	struct smtpd_sess *ss = find(d, sid, &s);
	struct verdict v;

	if (ss == NULL)
		return;
	const struct proofs *sp = gather_session(ss->g), *mp = gather_message(ss->g);
	policy_mail(sp, mp, &ss->pol, ss->env.sender ? ss->env.sender : "", &v);
	if (v.code >= 400) {
		if (v.rule == VERDICT_RULE_REQUIRED)
			smtpd_count(ss, "xvouch", "required");
		if (log_enabled(LOG_LVL_INFO)) {
			char esc[LOG_ESC_MAX];
			log_info("sid=%016llx event=mail_refused code=%d reason=%s",
			    (unsigned long long)ss->sid, v.code, log_str(esc, sizeof(esc), v.text));
		}
		d->stats.messages_refused++;
		smtpd_count_refusal(ss, "mail");
		smtpd_reply(s, &v);
		return;
	}
	if (v.callout == VERDICT_CALLOUT_RUN &&
	    gather_callout(ss->g, ss->env.sender ? ss->env.sender : "", on_mail_proven) == 0)
		return; /* the last word: the sender callout */
	if (v.callout == VERDICT_CALLOUT_SKIP)
		gather_callout_skip(ss->g, ss->env.sender ? ss->env.sender : "", v.skip);
	/* The sender's SPF failed: whatever happens, never send it a DSN. */
	ss->env.sender_spf_fail = proofs_has(mp, PROOF_SPF_MAILFROM, PROOF_FAIL) != NULL;
	ss->tag_subject = v.act == VERDICT_TAG;
	smtpd_reply(s, &v);
}

/* MAIL, once submission's checks have passed (at once, or when the store
 * answered): the command's arguments are in ss->mail. */
static void
mail_go(struct smtp_session *s)
{
	struct smtpd_sess *ss = sess(s);
	const struct smtp_mail_args *m = &ss->mail;
	long long avail = queue_free_space(ss->d->queue);
	long long need = ss->cfg->min_free_space + (m->size > 0 ? m->size : 0);
	char from[SMTP_PATH_MAX * 2];

	smtp_addr_format(&m->from, from, sizeof(from));
	/* RFC 1870 6.1 and RFC 3463 4.3.1: no room, ask the client to wait. */
	if (avail >= 0 && avail < need) {
		log_warn("sid=%016llx event=low_disk free=%lld needed=%lld",
		    (unsigned long long)ss->sid, avail, need);
		smtp_session_decide(
		    s, 452, "4.3.1", "Insufficient system storage, try again later");
		return;
	}
	smtpd_txn_clear(ss);
	ss->pol.now = (long long)time(NULL); /* the transition day is judged per transaction */
	ss->env.sender = xstrdup(from);
	ss->env.body_8bit = m->body == SMTP_BODY_8BITMIME;
	ss->env.smtputf8 = m->smtputf8;
	ss->env.ret = m->ret;
	ss->env.envid = m->envid[0] ? xstrdup(m->envid) : NULL;
	/* The sender's identity checks decide the reply. */
	gather_mail(ss->g, s, from, on_mail_proven);
}

static void
on_mail(void *host, struct smtp_session *s, const struct smtp_mail_args *m)
{
	struct smtpd_sess *ss = sess(s);
	char from[SMTP_PATH_MAX * 2];

	(void)host;
	ss->mail = *m;
	smtp_addr_format(&m->from, from, sizeof(from));
	submit_check_mail(ss->sub, s, from, mail_go);
}

/* ---- RCPT ---------------------------------------------------------------- */

/* A relayed recipient, once counted (ss->rcpt, ss->rcpt_dup). */
static void
relay_rcpt_go(struct smtp_session *s)
{
	struct smtpd_sess *ss = sess(s);
	const struct smtp_rcpt_args *r = &ss->rcpt;
	char addr[SMTP_PATH_MAX * 2];

	smtp_addr_format(&r->to, addr, sizeof(addr));
	if (!ss->rcpt_dup)
		envelope_add_rcpt(
		    &ss->env, addr, NULL, r->orcpt[0] ? r->orcpt : NULL, r->notify, 0);
	ss->d->stats.recipients_accepted++;
	smtp_session_decide(s, 250, "2.1.5", "Ok");
}

/* An authenticated user's recipient in another domain: relayed. */
static void
relay_rcpt(
    struct smtpd_sess *ss, struct smtp_session *s, const struct smtp_rcpt_args *r, const char *addr)
{
	/* a repeated recipient is not reserved twice */
	int dup = 0;
	for (size_t k = 0; k < ss->env.nrcpts; k++)
		if (strcasecmp(ss->env.rcpts[k].addr, addr) == 0)
			dup = 1;
	ss->rcpt = *r;
	ss->rcpt_dup = dup;
	submit_check_rcpt(ss->sub, s, !dup, relay_rcpt_go);
}

/*
 * An SRS address of ours (srsfwd.h): reversed, the recipient is the
 * address it stands for, forwarded like an alias's (a local one if it is
 * ours). 0 with *res filled, or -1 with the reply given: 550 5.1.1, the
 * address does not exist (any more) here.
 */
static int
srs_rcpt(struct smtpd_sess *ss, struct smtp_session *s, const char *addr, struct resolved *res)
{
	struct vouchd *d = ss->d;
	const struct config *cfg = ss->cfg;
	char orig[SRS_ADDR_MAX + 1], esc[LOG_ESC_MAX], esc2[LOG_ESC_MAX];
	enum srs_status st = srsfwd_reverse(d, cfg, addr, orig, sizeof(orig));
	const char *at = st == SRS_OK ? strrchr(orig, '@') : NULL;

	memset(res, 0, sizeof(*res));
	if (st == SRS_OK && at == NULL)
		st = SRS_E_SYNTAX;
	if (st == SRS_OK && config_is_local_domain(cfg, at + 1)) {
		char local[SRS_ADDR_MAX + 1];
		size_t ll = (size_t)(at - orig);
		memcpy(local, orig, ll);
		local[ll] = '\0';
		if (resolve_address(d->users, d->aliases, &cfg->domains, local, at + 1, res) !=
		    RESOLVE_OK)
			st = SRS_E_SYNTAX; /* it stands for nobody here */
	} else if (st == SRS_OK) {
		res->remote = xcalloc(1, sizeof(*res->remote));
		res->remote[0] = xstrdup(orig);
		res->nremote = 1;
	}
	if (st != SRS_OK) {
		d->stats.recipients_refused++;
		log_info(
		    "sid=%016llx event=rcpt_refused client=%s rcpt=%s reason=srs_invalid srs=%s",
		    (unsigned long long)ss->sid, smtp_session_peer_addr(s),
		    log_token(esc, sizeof(esc), addr),
		    log_str(esc2, sizeof(esc2), srs_status_name(st)));
		char text[200];
		snprintf(text, sizeof(text), "Recipient address rejected: SRS address %s",
		    st == SRS_E_EXPIRED ? "expired" : "not valid here");
		smtp_session_decide(s, 550, "5.1.1", text);
		resolved_clear(res);
		return -1;
	}
	log_info("sid=%016llx event=srs_reversed rcpt=%s to=%s", (unsigned long long)ss->sid,
	    log_token(esc, sizeof(esc), addr), log_token(esc2, sizeof(esc2), orig));
	return 0;
}

/* Is this recipient one of ours, and if not, may the client relay? */
static void
on_rcpt(void *host, struct smtp_session *s, const struct smtp_rcpt_args *r)
{
	struct vouchd *d = host;
	struct smtpd_sess *ss = sess(s);
	const struct config *cfg = ss->cfg;
	const char *domain = r->to.domain;
	char addr[SMTP_PATH_MAX * 2], esc[LOG_ESC_MAX];
	struct resolved res;
	enum resolve_status st;

	if (r->to.flags & SMTP_ADDR_POSTMASTER)
		domain = cfg->domains.n ? cfg->domains.v[0] : cfg->hostname;
	smtp_addr_format(&r->to, addr, sizeof(addr));
	log_escape(esc, sizeof(esc), addr, strlen(addr));

	/* a bounce to an SRS address of ours goes back to whom it stands for */
	int srs = !(r->to.flags & (SMTP_ADDR_LITERAL | SMTP_ADDR_POSTMASTER)) &&
	    srsfwd_is_ours(d, cfg, r->to.local_raw, domain);
	if (smtp_session_user(s) && !(r->to.flags & SMTP_ADDR_POSTMASTER) && !srs &&
	    ((r->to.flags & SMTP_ADDR_LITERAL) || !config_is_local_domain(cfg, domain))) {
		relay_rcpt(ss, s, r, addr);
		return;
	}
	if (!srs && ((r->to.flags & SMTP_ADDR_LITERAL) || !config_is_local_domain(cfg, domain))) {
		d->stats.recipients_refused++;
		log_info("sid=%016llx event=relay_denied client=%s rcpt=%s",
		    (unsigned long long)ss->sid, smtp_session_peer_addr(s), esc);
		smtp_session_decide(s, 550, "5.7.1",
		    "Relay access denied: this server only accepts mail for its own domains");
		return;
	}
	/* Percent hack, bang paths, "user@other"@local: routing we refuse. */
	if (!srs && strpbrk(r->to.local_raw, "%!@") != NULL) {
		d->stats.recipients_refused++;
		log_info(
		    "sid=%016llx event=relay_denied client=%s rcpt=%s reason=routing_in_local_part",
		    (unsigned long long)ss->sid, smtp_session_peer_addr(s), esc);
		smtp_session_decide(s, 550, "5.7.1",
		    "Relay access denied: routing characters (% ! @) in the local part are not accepted");
		return;
	}
	/* a reply to a challenge: its token is its proof (challenge.h) */
	char ctext[200];
	switch (challenge_rcpt(d, cfg, r->to.local_raw, ss->chal_token, ctext, sizeof(ctext))) {
	case 0:
		log_info(
		    "sid=%016llx event=challenge_reply rcpt=%s", (unsigned long long)ss->sid, esc);
		smtp_session_decide(s, 250, "2.1.5", "Ok: confirmation");
		return;
	case 1:
		d->stats.recipients_refused++;
		log_info("sid=%016llx event=rcpt_refused client=%s rcpt=%s reason=challenge_token",
		    (unsigned long long)ss->sid, smtp_session_peer_addr(s), esc);
		smtp_session_decide(s, 550, "5.7.1", ctext);
		return;
	default: break;
	}
	if (srs) {
		if (srs_rcpt(ss, s, addr, &res) < 0)
			return; /* refused, the reply given */
		st = RESOLVE_OK;
	} else {
		st = resolve_address(
		    d->users, d->aliases, &cfg->domains, r->to.local_raw, domain, &res);
	}
	if (st != RESOLVE_OK) {
		d->stats.recipients_refused++;
		log_info("sid=%016llx event=rcpt_refused client=%s rcpt=%s reason=%s",
		    (unsigned long long)ss->sid, smtp_session_peer_addr(s), esc,
		    st == RESOLVE_UNKNOWN ? "unknown_user" : "alias_error");
		if (st == RESOLVE_UNKNOWN)
			smtp_session_decide(
			    s, 550, "5.1.1", "Recipient address rejected: no such user here");
		else
			smtp_session_decide(s, 550, "5.4.6",
			    "Recipient address rejected: alias loop or expansion too large");
		return;
	}
	if (submit_check_rcpt_count(ss->sub, s)) {
		resolved_clear(&res);
		return;
	}
	/* What the trust checks say for this recipient's domain (DESIGN 6);
	 * a local recipient may take no unsafe mail. */
	struct policy_rcpt pr = { config_mode_for(cfg, ss->listener, domain), 0, NULL, NULL };
	struct verdict v;
	/* refused mail classes: the mailbox's own (the first of an alias's
	 * that has some), else its domain's, else the listener's */
	pr.refuse_classes = config_refuse_classes_for(cfg, ss->listener, domain);
	pr.refuse_by = pr.refuse_classes == &ss->listener->refuse_classes ? "listener" : "domain";
	for (size_t i = 0; i < res.nlocal; i++) {
		const struct user *u = users_find(d->users, res.local[i]);
		if (u && u->no_unsafe)
			pr.no_unsafe = 1;
		if (u && u->refuse_classes_set && strcmp(pr.refuse_by, "recipient") != 0) {
			pr.refuse_classes = &u->refuse_classes;
			pr.refuse_by = "recipient";
		}
	}
	policy_rcpt(gather_session(ss->g), gather_message(ss->g), &ss->pol, &pr, &v);
	if (v.code >= 400) {
		resolved_clear(&res);
		d->stats.recipients_refused++;
		smtpd_count_refusal(ss, "rcpt");
		if (v.rule != VERDICT_RULE_NO_UNSAFE) {
			char why_esc[LOG_ESC_MAX];
			log_info("sid=%016llx event=rcpt_refused client=%s rcpt=%s reason=%s",
			    (unsigned long long)ss->sid, smtp_session_peer_addr(s), esc,
			    log_str(why_esc, sizeof(why_esc), v.why));
		}
		smtpd_reply(s, &v);
		return;
	}
	/* Unsafe mail goes to the recipient's .Unsafe folder. */
	if (v.act == VERDICT_UNSAFE) {
		smtpd_count(ss, "rcpt", "unsafe");
		char why_esc[LOG_ESC_MAX];
		log_info("sid=%016llx event=rcpt_unsafe rcpt=%s reason=%s",
		    (unsigned long long)ss->sid, esc, log_str(why_esc, sizeof(why_esc), v.why));
	}
	if (v.act == VERDICT_TAG)
		ss->tag_subject = 1;
	for (size_t i = 0; i < res.nlocal + res.nremote; i++) {
		const char *target = i < res.nlocal ? res.local[i] : res.remote[i - res.nlocal];
		int dup = 0;
		for (size_t k = 0; k < ss->env.nrcpts; k++)
			if (strcasecmp(ss->env.rcpts[k].addr, target) == 0)
				dup = 1;
		if (!dup) {
			struct env_rcpt *er = envelope_add_rcpt(&ss->env, target, addr,
			    r->orcpt[0] ? r->orcpt : NULL, r->notify, i < res.nlocal);
			er->unsafe = i < res.nlocal && v.act == VERDICT_UNSAFE;
		}
	}
	resolved_clear(&res);
	d->stats.recipients_accepted++;
	smtpd_reply(s, &v);
}

/* ---- the end of a transaction or a session -------------------------------- */

static void
on_reset(void *host, struct smtp_session *s)
{
	(void)host;
	smtpd_txn_clear(sess(s));
}

static void
on_close(void *host, struct smtp_session *s)
{
	struct vouchd *d = host;
	struct smtpd_sess *ss = sess(s);

	listen_release(d, smtp_session_peer(s, NULL));
	if (ss == NULL)
		return;
	smtpd_txn_clear(ss);
	gather_free(ss->g);
	submit_sess_free(ss->sub);
	config_unref(ss->cfg);
	free(ss);
	smtp_session_set_udata(s, NULL);
}

/* RFC 3207 4.2: everything learned before TLS is discarded, so is vouching. */
static void
on_tls_done(void *host, struct smtp_session *s)
{
	(void)host;
	gather_tls_done(sess(s)->g);
}

static const struct smtp_session_ops smtpd_ops = {
	.connect = on_connect,
	.helo = on_helo,
	.mail = on_mail,
	.rcpt = on_rcpt,
	.data_start = smtpd_data_start,
	.data_write = smtpd_data_write,
	.data_end = smtpd_data_end,
	.reset = on_reset,
	.close = on_close,
	.extra = on_extra,
	.tls_done = on_tls_done,
};

struct smtp_server *
smtpd_new(struct vouchd *d)
{
	return smtp_server_new(d->base, &smtpd_ops, d);
}
