/*
 * smtpd_data: the message of an inbound transaction (see smtpd.h): our
 * trace fields on top (what was proven, the verdict, Received), forged
 * copies of ours removed as it streams into the queue, its DKIM
 * signatures and DMARC checked as it streams (msgauth.h), the end-of-data
 * verdict, and 250 only once the message is durable. The results of the
 * message's own checks are known only at its end, after the top of the
 * file is written: their Authentication-Results field is kept in the
 * envelope (envelope.h "trace") and put above the message on delivery.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vouchd.h"
#include "challenge.h"
#include "gather.h"
#include "msgauth.h"
#include "outsign.h"
#include "qmgr.h"
#include "smtpd_int.h"
#include "srsfwd.h"
#include "submit.h"
#include "transition.h"
#include "auth/proofs_header.h"
#include "msg/mime_hdr.h"
#include "msg/mime_notice.h"
#include "msg/received.h"
#include "util/log.h"
#include "util/xmalloc.h"

/* A commit in flight: it finds its session again by id. */
struct smtpd_commit {
	struct vouchd *d;
	uint64_t sid;
	struct envelope env;
	char tracking[24];
	struct submit_rsv rsv;      /* remote recipients reserved for the user */
	struct challenge_txn *chal; /* challenges to send once it is durable */
};

static struct smtpd_sess *
sess(struct smtp_session *s)
{
	return smtp_session_udata(s);
}

/* The first field of out if it is an Authentication-Results field (with
 * its CRLF), or NULL. */
static char *
first_authres(const struct strbuf *out)
{
	static const char ar[] = "Authentication-Results:";

	if (out->len <= sizeof(ar) || strncmp(out->s, ar, sizeof(ar) - 1) != 0)
		return NULL;
	for (size_t i = 0; i + 1 < out->len; i++)
		if (out->s[i] == '\r' && out->s[i + 1] == '\n' &&
		    (i + 2 >= out->len || (out->s[i + 2] != ' ' && out->s[i + 2] != '\t')))
			return xstrndup(out->s, i + 2);
	return NULL;
}

/* Whatever goes into the spool file passes the signer too (outsign.h). */
static int
spool(struct smtpd_sess *ss, const char *p, size_t n)
{
	outsign_feed(ss->os, p, n);
	return queue_writer_write(ss->w, p, n);
}

/* RFC 8601 5 and RFC 7208 9.1: our results go above our Received. */
static void
trace_fields(struct smtpd_sess *ss, struct smtp_session *s, struct strbuf *out)
{
	const struct proofs *sp = gather_session(ss->g), *mp = gather_message(ss->g);
	const char *user = smtp_session_user(s);
	const struct user *u = user ? users_find(ss->d->users, user) : NULL;
	struct proofs_header_in in = {
		.hostname = ss->cfg->hostname,
		.client_ip = smtp_session_peer_addr(s),
		.helo = smtp_session_helo(s) ? smtp_session_helo(s) : "",
		.sender = ss->env.sender ? ss->env.sender : "",
		/* The login is named only for a user with stamp_user (issue 13
		 * item 17); the tracking id in Received finds it in the log. */
		.named_user = u && u->stamp_user ? user : NULL,
	};
	const struct proof *iprev = proofs_get(sp, PROOF_IPREV);
	struct received_info ri;

	proofs_header_write(sp, mp, &in, out);
	/* Our Authentication-Results comes first: kept, so the message's own
	 * results can join it at the end (envelope.h "trace"). */
	free(ss->authres_head);
	ss->authres_head = first_authres(out);
	size_t ar_end = ss->authres_head ? strlen(ss->authres_head) : 0;
	free(ss->authres_arc);
	ss->authres_arc = NULL;
	if (in.named_user) {
		/* the ARC set leaves with the message: it names nobody */
		struct strbuf anon;
		strbuf_init(&anon, 64 * 1024);
		in.named_user = NULL;
		proofs_header_write(sp, mp, &in, &anon);
		ss->authres_arc = first_authres(&anon);
		strbuf_free(&anon);
	}
	/* The verdict, for people and filters; rewritten at the end with what
	 * the message itself proves (DMARC), as Authentication-Results is. */
	free(ss->trace_mid);
	ss->trace_mid = xstrndup(out->s + ar_end, out->len - ar_end);
	size_t verdict_off = out->len;
	policy_verdict_header(sp, mp, &ss->pol, out);
	ss->verdict_len = out->len - verdict_off;
	memset(&ri, 0, sizeof(ri));
	ri.helo = smtp_session_helo(s);
	ri.verified_name =
	    iprev && iprev->u.iprev.verified_name[0] ? iprev->u.iprev.verified_name : NULL;
	ri.client_addr = smtp_session_peer_addr(s);
	ri.by = ss->cfg->hostname;
	ri.protocol = received_protocol(
	    smtp_session_esmtp(s), smtp_session_tls(s), user != NULL, ss->env.smtputf8);
	ri.queue_id = ss->env.id;
	ri.tls_version = smtp_session_tls_version(s);
	ri.tls_cipher = smtp_session_tls_cipher(s);
	ri.for_rcpt = ss->env.nrcpts == 1
	    ? (ss->env.rcpts[0].orig ? ss->env.rcpts[0].orig : ss->env.rcpts[0].addr)
	    : NULL;
	if (user) {
		submit_tracking_id(ss->tracking, sizeof(ss->tracking));
		ri.tracking = ss->tracking;
		if (u && u->stamp_user)
			ri.user = u->address;
	}
	ri.when = time(NULL);
	received_format(&ri, out);
}

static int forged_judge(void *arg, const char *field, size_t len);

void
smtpd_data_start(void *host, struct smtp_session *s)
{
	struct vouchd *d = host;
	struct smtpd_sess *ss = sess(s);
	char err[256];
	struct strbuf hdr;

	queue_new_id(d->queue, ss->env.id);
	ss->w = queue_writer_new(d->queue, ss->env.id, err, sizeof(err));
	if (ss->w == NULL) {
		log_err(
		    "sid=%016llx event=queue_error error=\"%s\"", (unsigned long long)ss->sid, err);
		smtp_session_decide(
		    s, 451, "4.3.0", "Error: queue file write error, try again later");
		return;
	}
	strbuf_init(&hdr, 64 * 1024);
	trace_fields(ss, s, &hdr);
	/* Our users' mail is signed; what goes to remote addresses is sealed:
	 * an alias's forwarding, an authenticated user's relaying. */
	int remote = 0;
	for (size_t i = 0; i < ss->env.nrcpts; i++)
		remote |= !ss->env.rcpts[i].local;
	ss->os = outsign_new(d, ss->cfg, smtp_session_user(s) != NULL, remote);
	/* our Authentication-Results does not leave (outbound.c) */
	outsign_skip(ss->os, ss->authres_head ? strlen(ss->authres_head) : 0);
	spool(ss, hdr.s, hdr.len);
	strbuf_free(&hdr);
	/* our users' mail proves itself with AUTH: nothing to verify */
	if (!ss->pol.submission && smtp_session_user(s) == NULL)
		ss->ma = msgauth_new(d, ss->sid, ss->cfg);
	msgauth_remote(ss->ma, smtp_session_peer_addr(s));
	hdrfilter_init(&ss->hdr, forged_judge, ss);
	strbuf_init(&ss->hdr_out, 4 * HDRFILTER_FIELD_MAX);
	ss->hdr_active = 1;
	smtp_session_decide(s, 354, NULL, NULL);
}

/*
 * Trace fields that claim to be ours, arriving with the message, go; a
 * "tag" verdict tags the Subject. The judge writes the tagged field into
 * the same output the filter appends to, so the order is kept. (The
 * filter runs inside the session's own data path: ss is alive.)
 */
static int
forged_judge(void *arg, const char *field, size_t len)
{
	struct smtpd_sess *ss = arg;
	const char *value;
	size_t vlen;

	if (ss->ma && hdrfilter_field_is(field, len, "From", &value, &vlen))
		msgauth_from(ss->ma, value, vlen);
	ss->chal_hdr |= challenge_header_flags(field, len);
	if (proofs_header_forged(field, len, ss->cfg->hostname)) {
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

int
smtpd_data_write(void *host, struct smtp_session *s, const char *p, size_t n)
{
	struct smtpd_sess *ss = sess(s);
	int rc;

	(void)host;
	if (ss->w == NULL)
		return -1;
	/* DKIM verifies the message as it came, before our filter */
	msgauth_feed(ss->ma, p, n);
	if (!ss->hdr_active)
		return spool(ss, p, n);
	strbuf_reset(&ss->hdr_out);
	if (hdrfilter_feed(&ss->hdr, p, n, &ss->hdr_out) < 0)
		return -1;
	rc = ss->hdr_out.len ? spool(ss, ss->hdr_out.s, ss->hdr_out.len) : 0;
	return rc;
}

static void
committed(void *arg, int err)
{
	struct smtpd_commit *c = arg;
	struct vouchd *d = c->d;
	struct smtp_session *s = smtp_server_find(d->smtp, c->sid);
	char text[128];

	challenge_committed(d, c->chal, err);
	if (err) {
		d->stats.messages_refused++;
		submit_release(d, &c->rsv);
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
	if (c->env.auth_user) {
		submit_committed(d, c->env.auth_user, c->tracking, c->env.id, c->rsv.n);
		/* everyone a user writes to is on the user's whitelist */
		challenge_submitted(d, c->env.auth_user, &c->env);
	}
	/* The message is durable even if the client has gone: deliver it. */
	qmgr_add(d->qmgr, &c->env);
	if (s)
		smtp_session_decide(s, 250, "2.0.0", text);
	free(c);
}

static void authenticated(struct vouchd *d, uint64_t sid);
static void decide(struct vouchd *d, struct smtp_session *s);

void
smtpd_data_end(void *host, struct smtp_session *s, const struct smtp_data_result *res)
{
	struct vouchd *d = host;
	struct smtpd_sess *ss = sess(s);

	(void)res;
	if (ss->w && ss->hdr_active) {
		strbuf_reset(&ss->hdr_out);
		hdrfilter_finish(&ss->hdr, &ss->hdr_out);
		if (ss->hdr_out.len)
			spool(ss, ss->hdr_out.s, ss->hdr_out.len);
		hdrfilter_free(&ss->hdr);
		strbuf_free(&ss->hdr_out);
		ss->hdr_active = 0;
	}
	if (ss->w == NULL || queue_writer_errno(ss->w)) {
		int e = ss->w ? queue_writer_errno(ss->w) : EIO;
		log_err("sid=%016llx qid=%s event=queue_write_failed error=\"%s\"",
		    (unsigned long long)ss->sid, ss->env.id, strerror(e));
		smtpd_txn_clear(ss);
		d->stats.messages_refused++;
		smtp_session_decide(s, 451, e == ENOSPC ? "4.3.1" : "4.3.0",
		    e == ENOSPC ? "Insufficient system storage, try again later"
		                : "Error: queue file write error, try again later");
		return;
	}
	if (ss->ma) {
		/* the keys and the policy may still be on their way */
		msgauth_end(ss->ma, gather_session(ss->g), gather_message(ss->g), authenticated);
		return;
	}
	decide(d, s);
}

/*
 * One Authentication-Results field of ours (RFC 8601 2.1: one per
 * authserv-id is what readers expect): the one written when DATA began,
 * with the message's entries (ar, a whole field) after its own; then the
 * fields written between them as they were, and the verdict header made
 * again with the message's proofs. It goes in the envelope, replacing
 * those fields of the body file on delivery.
 */
static void
merge_trace(struct smtpd_sess *ss, const struct strbuf *ar)
{
	const char *entries = ar->len ? strchr(ar->s, ';') : NULL;
	const char *mid = ss->trace_mid ? ss->trace_mid : "";
	size_t hl = ss->authres_head ? strlen(ss->authres_head) : 0;
	struct strbuf m;

	strbuf_init(&m, hl + ar->len + strlen(mid) + 4096);
	if (entries && ss->authres_head) {
		size_t kl = hl - 2; /* without its CRLF */
		if (kl >= 6 && memcmp(ss->authres_head + kl - 6, "; none", 6) == 0)
			kl -= 6; /* RFC 8601 2.2: "none" only when there is no result */
		strbuf_append(&m, ss->authres_head, kl);
		strbuf_puts(&m, entries);
	} else if (entries) {
		strbuf_append(&m, ar->s, ar->len); /* none written: a field of its own */
	} else if (ss->authres_head) {
		strbuf_puts(&m, ss->authres_head);
	}
	strbuf_puts(&m, mid);
	policy_verdict_header(gather_session(ss->g), gather_message(ss->g), &ss->pol, &m);
	free(ss->env.trace);
	ss->env.trace = strbuf_steal(&m);
	ss->env.trace_skip = hl + strlen(mid) + ss->verdict_len;
}

/* The DMARC result and what verdict v did with the message, for the
 * aggregate report of the From domain's policy: from the client's
 * address, to the first recipient's domain. */
static void
report_dmarc(struct smtpd_sess *ss, struct smtp_session *s, const struct verdict *v)
{
	const char *to = NULL;

	if (ss->env.nrcpts > 0) {
		const char *rc =
		    ss->env.rcpts[0].orig ? ss->env.rcpts[0].orig : ss->env.rcpts[0].addr;
		const char *at = rc ? strrchr(rc, '@') : NULL;
		to = at ? at + 1 : NULL;
	}
	msgauth_report(ss->ma, v, smtp_session_peer_addr(s), to);
}

/* The message's checks are in: their proofs join the transaction's. */
static void
authenticated(struct vouchd *d, uint64_t sid)
{
	struct smtp_session *s = smtp_server_find(d->smtp, sid);
	struct smtpd_sess *ss = s ? sess(s) : NULL;
	char esc[LOG_ESC_MAX], esc2[LOG_ESC_MAX];
	const struct proof *dm, *arc;

	if (ss == NULL || ss->ma == NULL)
		return; /* gone: its end freed the check (this never comes then) */
	msgauth_proofs(ss->ma, gather_add_message, ss->g);
	ss->arc_cv = msgauth_arc_cv(ss->ma); /* for a seal of ours (outsign.h) */
	dm = proofs_get(gather_message(ss->g), PROOF_DMARC);
	if (dm)
		log_info("sid=%016llx qid=%s event=dmarc result=%s from=%s",
		    (unsigned long long)sid, ss->env.id, proof_result_name(dm->result),
		    log_token(esc, sizeof(esc), dm->identity));
	arc = proofs_get(gather_message(ss->g), PROOF_ARC);
	if (arc && arc->result != PROOF_NONE)
		log_info("sid=%016llx qid=%s event=arc result=%s sets=%u sealers=%s reason=%s",
		    (unsigned long long)sid, ss->env.id, proof_result_name(arc->result),
		    arc->u.arc.instances, log_str(esc, sizeof(esc), arc->u.arc.sealers),
		    log_str(esc2, sizeof(esc2), arc->reason));
	for (size_t i = 0; i < proofs_count(gather_message(ss->g)); i++) {
		const struct proof *p = proofs_at(gather_message(ss->g), i);
		if (p->method != PROOF_DKIM)
			continue;
		log_info("sid=%016llx qid=%s event=dkim result=%s d=%s s=%s",
		    (unsigned long long)sid, ss->env.id, proof_result_name(p->result),
		    log_token(esc, sizeof(esc), p->identity),
		    log_token(esc2, sizeof(esc2), p->u.dkim.selector));
	}
	decide(d, s);
}

/* The AAR payload: our Authentication-Results field of the message (the
 * one delivered), without its name and final CRLF. NULL if none. The
 * envelope's trace holds more fields after it (the verdict header, made
 * again at the end of data): only the first is ours to seal. */
static char *
aar_payload(const struct smtpd_sess *ss)
{
	const char *f = ss->authres_arc ? ss->authres_arc
	    : ss->env.trace             ? ss->env.trace
	                                : ss->authres_head;
	const char *colon = f ? strchr(f, ':') : NULL;
	size_t n = 0;

	if (colon == NULL)
		return NULL;
	colon++;
	while (*colon == ' ' || *colon == '\t')
		colon++;
	/* to the CRLF that is not followed by a continuation line */
	while (colon[n] &&
	    !(colon[n] == '\r' && colon[n + 1] == '\n' && colon[n + 2] != ' ' &&
	        colon[n + 2] != '\t'))
		n++;
	while (n && (colon[n - 1] == '\r' || colon[n - 1] == '\n'))
		n--;
	return xstrndup(colon, n);
}

/* What the message gets for leaving (outsign.h, srsfwd.h), made once now,
 * before it is committed: retries send the same. */
static void
outbound_auth(struct smtpd_sess *ss)
{
	if (ss->os) {
		struct strbuf head;
		char *aar = aar_payload(ss);
		struct outsign_msg m = { ss->sid, ss->env.id, ss->env.sender ? ss->env.sender : "",
			aar, ss->arc_cv };
		strbuf_init(&head, 512 * 1024);
		if (outsign_finish(ss->os, &m, &head) > 0 && head.len)
			ss->env.out_head = strbuf_steal(&head);
		strbuf_free(&head);
		free(aar);
		outsign_free(ss->os);
		ss->os = NULL;
	}
	ss->env.srs_sender = srsfwd_sender(ss->d, ss->cfg, &ss->env);
}

/* The end-of-data verdict, then the commit. */
static void
decide(struct vouchd *d, struct smtp_session *s)
{
	struct smtpd_sess *ss = sess(s);
	struct smtpd_commit *c;
	struct verdict v;
	struct policy_rcpt all = { .mode = ss->listener->mode };

	for (size_t i = 0; i < ss->env.nrcpts; i++) {
		const struct user *u =
		    ss->env.rcpts[i].local ? users_find(d->users, ss->env.rcpts[i].addr) : NULL;
		if (u && u->no_unsafe)
			all.no_unsafe = 1;
	}
	policy_data_end(gather_session(ss->g), gather_message(ss->g), &ss->pol, &all, &v);
	if (v.rule == VERDICT_RULE_ARC) {
		const struct proof *arc = proofs_get(gather_message(ss->g), PROOF_ARC);
		char esc[LOG_ESC_MAX];
		log_info("sid=%016llx qid=%s event=dmarc_arc_override reason=%s",
		    (unsigned long long)ss->sid, ss->env.id, log_str(esc, sizeof(esc), v.why));
		msgauth_arc_override(ss->ma, arc ? arc->identity : "");
	}
	if (ss->ma && v.code < 400) {
		/* the message's results join ours, and the verdict header is made
		 * again with them */
		struct strbuf ar;
		strbuf_init(&ar, 64 * 1024);
		msgauth_authres(ss->ma, ss->cfg->hostname, &ar);
		merge_trace(ss, &ar);
		strbuf_free(&ar);
	}
	if (ss->ma)
		report_dmarc(ss, s, &v); /* refused or not (a 4xx waits for the retry) */
	msgauth_free(ss->ma);
	ss->ma = NULL;
	/* challenge/response: held recipients, or 451 past its rate limits */
	struct challenge_txn *chal = NULL;
	if (v.code < 400)
		challenge_data_end(d, ss->cfg, gather_session(ss->g), gather_message(ss->g),
		    &ss->pol, ss->chal_hdr, &ss->env, &v, &chal);
	if (v.code >= 400) {
		char esc[LOG_ESC_MAX];
		log_info("sid=%016llx event=data_refused code=%d reason=%s",
		    (unsigned long long)ss->sid, v.code, log_str(esc, sizeof(esc), v.text));
		smtpd_txn_clear(ss);
		d->stats.messages_refused++;
		smtpd_count_refusal(ss, "data");
		smtpd_reply(s, &v);
		return;
	}
	if (ss->chal_token[0]) {
		/* a reply to a challenge: confirmed now that it is accepted */
		char text[VERDICT_TEXT_MAX];
		int rc = challenge_confirm(d, ss->chal_token, "reply", text, sizeof(text));
		ss->chal_token[0] = '\0';
		if (ss->env.nrcpts == 0) { /* nothing else to keep */
			challenge_committed(d, chal, ECANCELED);
			smtpd_txn_clear(ss);
			smtp_session_decide(
			    s, rc == 0 ? 250 : 550, rc == 0 ? "2.0.0" : "5.7.1", text);
			return;
		}
	}
	if (v.act == VERDICT_UNSAFE) {
		/* one verdict for the message: every local copy goes to .Unsafe */
		char esc[LOG_ESC_MAX];
		log_info("sid=%016llx qid=%s event=data_unsafe reason=%s",
		    (unsigned long long)ss->sid, ss->env.id, log_str(esc, sizeof(esc), v.why));
		for (size_t i = 0; i < ss->env.nrcpts; i++)
			if (ss->env.rcpts[i].local)
				ss->env.rcpts[i].unsafe = 1;
	}
	transition_data_end(d, ss->cfg, &ss->pol, gather_session(ss->g), gather_message(ss->g),
	    ss->chal_hdr != 0, ss->sid, &ss->env);
	ss->env.arrival = time(NULL);
	ss->env.release_at = submit_release_at(s, ss->env.arrival);
	ss->env.size = queue_writer_size(ss->w);
	outbound_auth(ss);
	ss->env.helo = smtp_session_helo(s) ? xstrdup(smtp_session_helo(s)) : NULL;
	ss->env.client_addr = xstrdup(smtp_session_peer_addr(s));
	if (smtp_session_user(s))
		ss->env.auth_user = xstrdup(smtp_session_user(s));
	c = xcalloc(1, sizeof(*c));
	c->d = d;
	c->sid = ss->sid;
	c->env = ss->env; /* the commit takes the envelope over */
	str_copy(c->tracking, sizeof(c->tracking), ss->tracking);
	submit_txn_take(ss->sub, &c->rsv);
	c->chal = chal;
	envelope_init(&ss->env);
	queue_writer_commit(ss->w, &c->env, committed, c);
	ss->w = NULL;
}
