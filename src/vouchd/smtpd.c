/*
 * smtpd: vouchd's side of inbound SMTP sessions: who may send to whom
 * (local domains, no relaying, local recipients that exist), writing the
 * message into the queue, and answering 250 only once it is durable.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "vouchd.h"
#include "qmgr.h"
#include "smtpd.h"
#include "local/resolve.h"
#include "msg/mime_hdr.h"
#include "msg/mime_notice.h"
#include "msg/received.h"
#include "smtp/smtp_session.h"
#include "auth/gen.h"
#include "tls/tls_ctx.h"
#include "util/log.h"
#include "util/xmalloc.h"

/* A commit in flight: it finds its session again by id. */
struct smtpd_commit {
	struct vouchd *d;
	uint64_t sid;
	struct envelope env;
	char tracking[24];
	unsigned remote_rcpts; /* reserved for rsv_user in rsv_hour */
	int64_t rsv_hour;
	char rsv_user[SMTP_PATH_MAX + 1];
};

static struct smtpd_sess *
sess(struct smtp_session *s)
{
	return smtp_session_udata(s);
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

static void
txn_clear(struct smtpd_sess *ss)
{
	if (ss->w) {
		queue_writer_abort(ss->w);
		ss->w = NULL;
	}
	hdr_stop(ss);
	checks_reset_txn(ss);
	envelope_clear(&ss->env);
	/* no message: its reserved recipients go back to the daily limit */
	submit_release(ss->d, ss->rsv_user, ss->rsv_hour, ss->remote_rcpts);
	ss->remote_rcpts = 0;
	ss->tracking[0] = '\0';
}

static void
on_connect(void *host, struct smtp_session *s)
{
	struct vouchd *d = host;
	struct smtpd_sess *ss = xcalloc(1, sizeof(*ss));

	ss->d = d;
	ss->cfg = config_ref(d->cfg);
	ss->sid = smtp_session_id(s);
	envelope_init(&ss->env);
	ss->listener = &ss->cfg->listeners[0];
	for (size_t i = 0; i < ss->cfg->nlisteners; i++) {
		const struct listener_config *lc = &ss->cfg->listeners[i];
		if (strcmp(lc->name, smtp_session_conf(s)->listener) == 0) {
			ss->listener = lc;
			ss->submission = lc->submission;
			ss->auth_offer = lc->submission || lc->auth;
		}
	}
	smtp_session_set_udata(s, ss);
	checks_connect(ss, s);
}

/* After TLS: does the client's certificate prove its HELO name? */
static void
check_client_cert(struct smtpd_sess *ss, struct smtp_session *s, const char *name)
{
	char esc[LOG_ESC_MAX], subj[LOG_ESC_MAX];

	ss->tls_cert_verified = tls_peer_verified_for(
	    smtp_session_ssl(s), name, ss->tls_cert_subject, sizeof(ss->tls_cert_subject));
	if (ss->tls_cert_subject[0] == '\0')
		return; /* no certificate presented */
	log_info("sid=%016llx event=tls_client_cert verified=%s helo=%s subject=%s",
	    (unsigned long long)ss->sid, ss->tls_cert_verified ? "yes" : "no",
	    log_escape(esc, sizeof(esc), name, strlen(name)),
	    log_escape(subj, sizeof(subj), ss->tls_cert_subject, strlen(ss->tls_cert_subject)));
}

static void
on_helo(void *host, struct smtp_session *s, const char *name, enum smtp_helo_kind kind, int esmtp)
{
	struct smtpd_sess *ss = sess(s);

	(void)host;
	(void)esmtp;
	ss->tls_cert_verified = 0;
	ss->tls_cert_subject[0] = '\0';
	if (smtp_session_tls(s))
		check_client_cert(ss, s, name);
	checks_helo(ss, s, name, kind == SMTP_HELO_DOMAIN);
	ss->xgen = GEN_NONE;
	/* Keywords that depend on the session: AUTH (after TLS), XGEN. */
	char kw[200] = "", gen[64];
	const char *auth = submit_ehlo_keywords(ss, s);
	const char *xg = xgen_ehlo(ss, gen, sizeof(gen));
	snprintf(kw, sizeof(kw), "%s%s%s", auth ? auth : "", auth && xg ? "\n" : "", xg ? xg : "");
	smtp_session_decide(s, 250, NULL, kw[0] ? kw : NULL);
}

static void
on_extra(void *host, struct smtp_session *s, const struct smtp_cmd *cmd)
{
	(void)host;
	if (cmd->verb == SMTP_VERB_AUTH) {
		submit_auth(sess(s), s, cmd->arg, cmd->arglen);
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

static void
on_mail(void *host, struct smtp_session *s, const struct smtp_mail_args *m)
{
	struct vouchd *d = host;
	struct smtpd_sess *ss = sess(s);
	char from[SMTP_PATH_MAX * 2];
	long long avail = queue_free_space(d->queue);
	long long need = ss->cfg->min_free_space + (m->size > 0 ? m->size : 0);

	smtp_addr_format(&m->from, from, sizeof(from));
	if (submit_check_mail(ss, s, from))
		return;
	/* RFC 1870 6.1 and RFC 3463 4.3.1: no room, ask the client to wait. */
	if (avail >= 0 && avail < need) {
		log_warn("sid=%016llx event=low_disk free=%lld needed=%lld",
		    (unsigned long long)ss->sid, avail, need);
		smtp_session_decide(
		    s, 452, "4.3.1", "Insufficient system storage, try again later");
		return;
	}
	txn_clear(ss);
	ss->env.sender = xstrdup(from);
	ss->env.body_8bit = m->body == SMTP_BODY_8BITMIME;
	ss->env.smtputf8 = m->smtputf8;
	ss->env.ret = m->ret;
	ss->env.envid = m->envid[0] ? xstrdup(m->envid) : NULL;
	/* The sender's identity checks decide the reply. */
	checks_mail(ss, s, from);
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

	if (smtp_session_user(s) && !(r->to.flags & SMTP_ADDR_POSTMASTER) &&
	    ((r->to.flags & SMTP_ADDR_LITERAL) || !config_is_local_domain(cfg, domain))) {
		/* Authenticated users may relay; a repeated recipient is not
		 * reserved twice. */
		int dup = 0;
		for (size_t k = 0; k < ss->env.nrcpts; k++)
			if (strcasecmp(ss->env.rcpts[k].addr, addr) == 0)
				dup = 1;
		if (submit_check_rcpt(ss, s, !dup))
			return;
		if (!dup)
			envelope_add_rcpt(
			    &ss->env, addr, NULL, r->orcpt[0] ? r->orcpt : NULL, r->notify, 0);
		d->stats.recipients_accepted++;
		smtp_session_decide(s, 250, "2.1.5", "Ok");
		return;
	}
	if ((r->to.flags & SMTP_ADDR_LITERAL) || !config_is_local_domain(cfg, domain)) {
		d->stats.recipients_refused++;
		log_info("sid=%016llx event=relay_denied client=%s rcpt=%s",
		    (unsigned long long)ss->sid, smtp_session_peer_addr(s), esc);
		smtp_session_decide(s, 550, "5.7.1",
		    "Relay access denied: this server only accepts mail for its own domains");
		return;
	}
	/* Percent hack, bang paths, "user@other"@local: routing we refuse. */
	if (strpbrk(r->to.local_raw, "%!@") != NULL) {
		d->stats.recipients_refused++;
		log_info(
		    "sid=%016llx event=relay_denied client=%s rcpt=%s reason=routing_in_local_part",
		    (unsigned long long)ss->sid, smtp_session_peer_addr(s), esc);
		smtp_session_decide(s, 550, "5.7.1",
		    "Relay access denied: routing characters (% ! @) in the local part are not accepted");
		return;
	}
	st = resolve_address(d->users, d->aliases, &cfg->domains, r->to.local_raw, domain, &res);
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
	if (submit_check_rcpt(ss, s, 0)) {
		resolved_clear(&res);
		return;
	}
	/* What the trust checks say for this recipient's domain (DESIGN 6). */
	char why[400], text[600], status[8];
	int act = checks_rcpt(ss, s, domain, why, sizeof(why), status);
	if (act == CONFIG_ACT_REJECT || act == CONFIG_ACT_TEMPFAIL) {
		int temp = act == CONFIG_ACT_TEMPFAIL;
		resolved_clear(&res);
		d->stats.recipients_refused++;
		checks_count_refusal(ss, "rcpt");
		char why_esc[LOG_ESC_MAX];
		log_info("sid=%016llx event=rcpt_refused client=%s rcpt=%s reason=%s",
		    (unsigned long long)ss->sid, smtp_session_peer_addr(s), esc,
		    log_str(why_esc, sizeof(why_esc), why));
		if (snprintf(text, sizeof(text), "%s%s", why, temp ? "; try again later" : "") >=
		    (int)sizeof(text))
			text[sizeof(text) - 1] = '\0';
		if (temp)
			status[0] = '4';
		smtp_session_decide(s, temp ? 451 : 550, status, text);
		return;
	}
	/*
	 * Unsafe mail goes to the recipient's .Unsafe folder; a recipient who
	 * wants no such folder refuses it now, never with a later bounce.
	 */
	if (act == CONFIG_ACT_UNSAFE) {
		for (size_t i = 0; i < res.nlocal; i++) {
			const struct user *u = users_find(d->users, res.local[i]);
			if (u && u->no_unsafe) {
				resolved_clear(&res);
				d->stats.recipients_refused++;
				if (snprintf(text, sizeof(text),
				        "Recipient accepts only verified mail, and "
				        "this message is not: %s",
				        why) >= (int)sizeof(text))
					text[sizeof(text) - 1] = '\0';
				checks_count_refusal(ss, "rcpt");
				smtp_session_decide(s, 550, "5.7.1", text);
				return;
			}
		}
		checks_count(ss, "rcpt", "unsafe");
		char why_esc[LOG_ESC_MAX];
		log_info("sid=%016llx event=rcpt_unsafe rcpt=%s reason=%s",
		    (unsigned long long)ss->sid, esc, log_str(why_esc, sizeof(why_esc), why));
	}
	if (act == CONFIG_ACT_TAG)
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
			er->unsafe = i < res.nlocal && act == CONFIG_ACT_UNSAFE;
		}
	}
	resolved_clear(&res);
	d->stats.recipients_accepted++;
	smtp_session_decide(s, 250, "2.1.5", "Ok");
}

static int forged_judge(void *arg, const char *field, size_t len);

static void
on_data_start(void *host, struct smtp_session *s)
{
	struct vouchd *d = host;
	struct smtpd_sess *ss = sess(s);
	char err[256];
	struct strbuf hdr;
	struct received_info ri;

	queue_new_id(d->queue, ss->env.id);
	ss->w = queue_writer_new(d->queue, ss->env.id, err, sizeof(err));
	if (ss->w == NULL) {
		log_err(
		    "sid=%016llx event=queue_error error=\"%s\"", (unsigned long long)ss->sid, err);
		smtp_session_decide(
		    s, 451, "4.3.0", "Error: queue file write error, try again later");
		return;
	}
	memset(&ri, 0, sizeof(ri));
	ri.helo = smtp_session_helo(s);
	ri.verified_name = checks_verified_name(ss);
	ri.client_addr = smtp_session_peer_addr(s);
	ri.by = ss->cfg->hostname;
	ri.protocol = received_protocol(smtp_session_esmtp(s), smtp_session_tls(s),
	    smtp_session_user(s) != NULL, ss->env.smtputf8);
	ri.queue_id = ss->env.id;
	ri.tls_version = smtp_session_tls_version(s);
	ri.tls_cipher = smtp_session_tls_cipher(s);
	ri.for_rcpt = ss->env.nrcpts == 1
	    ? (ss->env.rcpts[0].orig ? ss->env.rcpts[0].orig : ss->env.rcpts[0].addr)
	    : NULL;
	if (smtp_session_user(s)) {
		const struct user *u = users_find(d->users, smtp_session_user(s));
		submit_tracking_id(ss->tracking, sizeof(ss->tracking));
		ri.tracking = ss->tracking;
		if (u && u->stamp_user)
			ri.user = u->address;
	}
	ri.when = time(NULL);
	/* RFC 8601 5 and RFC 7208 9.1: our results go above our Received. */
	strbuf_init(&hdr, 64 * 1024);
	checks_headers(ss, s, &hdr);
	received_format(&ri, &hdr);
	queue_writer_write(ss->w, hdr.s, hdr.len);
	strbuf_free(&hdr);
	hdrfilter_init(&ss->hdr, forged_judge, ss);
	strbuf_init(&ss->hdr_out, 4 * HDRFILTER_FIELD_MAX);
	ss->hdr_active = 1;
	smtp_session_decide(s, 354, NULL, NULL);
}

/*
 * Trace fields that claim to be ours, arriving with the message, go; a
 * "tag" action tags the Subject. The judge writes the tagged field into
 * the same output the filter appends to, so the order is kept.
 */
static int
forged_judge(void *arg, const char *field, size_t len)
{
	struct smtpd_sess *ss = arg;

	if (checks_forged_header(ss, field, len)) {
		/* the field as it came: folded lines, anything (issue 13 item 13) */
		char esc[100];
		log_info("sid=%016llx event=forged_header_removed field=%s",
		    (unsigned long long)ss->sid, log_escape(esc, sizeof(esc), field, len));
		return 0;
	}
	if (ss->tag_subject && hdrfilter_field_is(field, len, "Subject", NULL, NULL)) {
		struct mime_hdrs h;
		struct mime_field f;
		char tag[MIME_NOTICE_TAG_MAX * 4];
		mime_notice_tag(ss->cfg->unsafe.subject_tag, tag, sizeof(tag));
		mime_hdrs_init(&h, field, 0, len, len + 1);
		/* only a field the MIME reader takes whole (the filter's field
		 * ends at CRLF; the reader also ends lines at a lone CR or LF) */
		if (tag[0] && mime_hdrs_next(&h, &f) == 1 && f.off == 0 && f.len == len &&
		    mime_notice_subject(field, &f, tag, &ss->hdr_out) == 0) {
			ss->tag_subject = 0; /* one Subject is tagged */
			return 0;
		}
	}
	return 1;
}

static int
on_data_write(void *host, struct smtp_session *s, const char *p, size_t n)
{
	struct smtpd_sess *ss = sess(s);
	int rc;

	(void)host;
	if (ss->w == NULL)
		return -1;
	if (!ss->hdr_active)
		return queue_writer_write(ss->w, p, n);
	strbuf_reset(&ss->hdr_out);
	if (hdrfilter_feed(&ss->hdr, p, n, &ss->hdr_out) < 0)
		return -1;
	rc = ss->hdr_out.len ? queue_writer_write(ss->w, ss->hdr_out.s, ss->hdr_out.len) : 0;
	return rc;
}

static void
committed(void *arg, int err)
{
	struct smtpd_commit *c = arg;
	struct vouchd *d = c->d;
	struct smtp_session *s = smtp_server_find(d->smtp, c->sid);
	char text[128];

	if (err) {
		d->stats.messages_refused++;
		submit_release(d, c->rsv_user, c->rsv_hour, c->remote_rcpts);
		log_err("sid=%016llx qid=%s event=queue_commit_failed error=\"%s\"",
		    (unsigned long long)c->sid, c->env.id, strerror(err));
		if (s)
			smtp_session_decide(
			    s, 451, "4.3.0", "Error: could not store the message, try again later");
		envelope_clear(&c->env);
		free(c);
		return;
	}
	d->stats.messages_accepted++;
	log_info("sid=%016llx qid=%s event=queued size=%llu nrcpt=%zu%s",
	    (unsigned long long)c->sid, c->env.id, (unsigned long long)c->env.size, c->env.nrcpts,
	    s ? "" : " client=gone");
	snprintf(text, sizeof(text), "Ok: queued as %s", c->env.id);
	if (c->env.auth_user)
		submit_committed(d, c->env.auth_user, c->tracking, c->env.id, c->remote_rcpts);
	/* The message is durable even if the client has gone: deliver it. */
	qmgr_add(d->qmgr, &c->env);
	if (s)
		smtp_session_decide(s, 250, "2.0.0", text);
	free(c);
}

static void
on_data_end(void *host, struct smtp_session *s, const struct smtp_data_result *res)
{
	struct vouchd *d = host;
	struct smtpd_sess *ss = sess(s);
	struct smtpd_commit *c;

	if (ss->w && ss->hdr_active) {
		strbuf_reset(&ss->hdr_out);
		hdrfilter_finish(&ss->hdr, &ss->hdr_out);
		if (ss->hdr_out.len)
			queue_writer_write(ss->w, ss->hdr_out.s, ss->hdr_out.len);
		hdr_stop(ss);
	}
	if (ss->w == NULL || queue_writer_errno(ss->w)) {
		int e = ss->w ? queue_writer_errno(ss->w) : EIO;
		log_err("sid=%016llx qid=%s event=queue_write_failed error=\"%s\"",
		    (unsigned long long)ss->sid, ss->env.id, strerror(e));
		txn_clear(ss);
		d->stats.messages_refused++;
		smtp_session_decide(s, 451, e == ENOSPC ? "4.3.1" : "4.3.0",
		    e == ENOSPC ? "Insufficient system storage, try again later"
		                : "Error: queue file write error, try again later");
		return;
	}
	(void)res;
	ss->env.arrival = time(NULL);
	ss->env.size = queue_writer_size(ss->w);
	ss->env.helo = smtp_session_helo(s) ? xstrdup(smtp_session_helo(s)) : NULL;
	ss->env.client_addr = xstrdup(smtp_session_peer_addr(s));
	if (smtp_session_user(s))
		ss->env.auth_user = xstrdup(smtp_session_user(s));
	c = xcalloc(1, sizeof(*c));
	c->d = d;
	c->sid = ss->sid;
	c->env = ss->env; /* the commit takes the envelope over */
	str_copy(c->tracking, sizeof(c->tracking), ss->tracking);
	c->remote_rcpts = ss->remote_rcpts;
	c->rsv_hour = ss->rsv_hour;
	str_copy(c->rsv_user, sizeof(c->rsv_user), ss->rsv_user);
	envelope_init(&ss->env);
	ss->remote_rcpts = 0;
	queue_writer_commit(ss->w, &c->env, committed, c);
	ss->w = NULL;
}

static void
on_reset(void *host, struct smtp_session *s)
{
	(void)host;
	txn_clear(sess(s));
}

static void
on_close(void *host, struct smtp_session *s)
{
	struct vouchd *d = host;
	struct smtpd_sess *ss = sess(s);

	listen_release(d, smtp_session_peer(s, NULL));
	if (ss == NULL)
		return;
	txn_clear(ss);
	checks_free(ss);
	config_unref(ss->cfg);
	free(ss);
	smtp_session_set_udata(s, NULL);
}

/* RFC 3207 4.2: everything learned before TLS is discarded, so is vouching. */
static void
on_tls_done(void *host, struct smtp_session *s)
{
	struct smtpd_sess *ss = sess(s);

	(void)host;
	if (ss->xv.state != XV_NONE)
		log_info("sid=%016llx event=xvouch_forgotten reason=starttls",
		    (unsigned long long)ss->sid);
	xvouch_forget(ss);
	proofs_forget_xvouch(ss);
	ss->xgen = GEN_NONE;
	ss->xgen_peer = 0;
}

static const struct smtp_session_ops smtpd_ops = {
	.connect = on_connect,
	.helo = on_helo,
	.mail = on_mail,
	.rcpt = on_rcpt,
	.data_start = on_data_start,
	.data_write = on_data_write,
	.data_end = on_data_end,
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
