/*
 * gather: a session's proofs, gathered (see gather.h): the jobs that find
 * their session by id, the stages before MAIL and MAIL itself. The DNS
 * lists, the registrar and the callout are gather_checks.c's; XVOUCH is
 * gather_xvouch.c's.
 */
#include "gather.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vouchd.h"
#include "gather_int.h"
#include "smtpd.h"
#include "auth/spf_check.h"
#include "auth/spf_config.h"
#include "dns/dns.h"
#include "policy/lists.h"
#include "policy/stats.h"
#include "smtp/smtp_session.h"
#include "tls/tls_ctx.h"
#include "tls/tls_trust.h"
#include "util/log.h"
#include "util/xmalloc.h"

/* ---- jobs ------------------------------------------------------------------ */

struct gather *
gather_job_owner(const struct gather_job *j)
{
	struct smtp_session *s = smtp_server_find(j->d->smtp, j->sid);
	struct gather *g = s ? smtpd_gather(s) : NULL;

	return g && g->job[j->kind] == j ? g : NULL;
}

struct gather_job *
gather_job_new(struct gather *g, enum gather_kind k)
{
	struct gather_job *j = xcalloc(1, sizeof(*j));

	gather_job_drop(g, k, 1);
	j->d = g->d;
	j->sid = g->sid;
	j->kind = k;
	g->job[k] = j;
	return j;
}

void
gather_job_drop(struct gather *g, enum gather_kind k, int cancel)
{
	struct gather_job *j = g->job[k];

	if (j == NULL)
		return;
	g->job[k] = NULL;
	switch (k) {
	case GJ_HELO: helo_check_free(j->h.helo); break;
	case GJ_SPF_HELO:
	case GJ_SPF_MAIL: spf_check_free(j->h.spf); break;
	case GJ_DNSBL:
	case GJ_DNSWL: dnslist_check_free(j->h.dl); break;
	case GJ_REG_ADDR:
	case GJ_REG_NAME: register_check_free(j->h.reg); break;
	case GJ_CALLOUT: callout_check_free(j->h.co); break;
	case GJ_XV_A:
	case GJ_XV_AAAA:
		/* an answered query is gone already */
		if (cancel && j->h.q)
			dns_client_cancel(g->d->dns, j->h.q);
		break;
	case GJ_XV_BUDGET:
		if (j->h.ev)
			event_free(j->h.ev);
		break;
	default: break;
	}
	free(j);
}

void
gather_count(const struct gather *g, const char *check, const char *result)
{
	if (g->d->counters)
		stats_count(g->d->counters, check, result);
}

/* ---- the session's gathering ------------------------------------------------- */

struct gather *
gather_new(struct vouchd *d, uint64_t sid, const struct config *cfg,
    const struct listener_config *l, int submission)
{
	struct gather *g = xcalloc(1, sizeof(*g));

	g->d = d;
	g->sid = sid;
	g->cfg = cfg;
	g->l = l;
	g->submission = submission;
	proofs_init(&g->sess);
	proofs_init(&g->msg);
	return g;
}

void
gather_free(struct gather *g)
{
	if (g == NULL)
		return;
	gather_xvouch_cancel(g);
	for (int k = 0; k < GJ_COUNT; k++)
		gather_job_drop(g, (enum gather_kind)k, 1);
	proofs_clear(&g->sess);
	proofs_clear(&g->msg);
	free(g->co_senders);
	free(g);
}

const struct proofs *
gather_session(const struct gather *g)
{
	return &g->sess;
}

const struct proofs *
gather_message(const struct gather *g)
{
	return &g->msg;
}

void
gather_add(struct gather *g, const struct proof *p)
{
	proofs_put(&g->sess, p);
}

void
gather_add_message(void *arg, const struct proof *p)
{
	struct gather *g = arg;

	proofs_add(&g->msg, p);
}

static int
authenticated(const struct gather *g)
{
	return proofs_get(&g->sess, PROOF_AUTH) != NULL;
}

/* ---- connect ----------------------------------------------------------- */

void
gather_connect(struct gather *g, struct smtp_session *s)
{
	struct vouchd *d = g->d;
	socklen_t len;
	const struct sockaddr *peer = smtp_session_peer(s, &len);
	int64_t now = (int64_t)time(NULL);
	const struct list_entry *e;
	struct proof p;

	str_copy(g->client_ip, sizeof(g->client_ip), smtp_session_peer_addr(s));
	if (len <= sizeof(g->peer))
		memcpy(&g->peer, peer, len);
	if ((e = list_match(d->block, peer, NULL, NULL, now)) != NULL) {
		proofs_from_list(&p, PROOF_BLOCK, g->client_ip, e);
		proofs_put(&g->sess, &p);
	}
	if ((e = list_match(d->allow, peer, NULL, NULL, now)) != NULL) {
		proofs_from_list(&p, PROOF_ALLOW, g->client_ip, e);
		proofs_put(&g->sess, &p);
	}
}

/* ---- HELO -------------------------------------------------------------- */

static void
log_spf(const struct gather *g, const char *identity, const struct spf_outcome *o)
{
	if (log_enabled(LOG_LVL_INFO)) {
		char esc[LOG_ESC_MAX], mech_esc[LOG_ESC_MAX], why_esc[LOG_ESC_MAX];
		log_info("sid=%016llx event=spf identity=%s domain=%s result=%s%s mechanism=%s "
		         "lookups=%u reason=%s",
		    (unsigned long long)g->sid, identity, log_token(esc, sizeof(esc), o->domain),
		    spf_result_name(o->result), o->from_table ? " source=table" : "",
		    log_str(mech_esc, sizeof(mech_esc), o->mechanism), o->lookups,
		    log_str(why_esc, sizeof(why_esc), o->reason));
	}
	gather_count(
	    g, strcmp(identity, "helo") == 0 ? "spf_helo" : "spf", spf_result_name(o->result));
}

/* The session's HELO name as it stands, "" if none. */
static const char *
helo_of(const struct gather *g)
{
	struct smtp_session *s = smtp_server_find(g->d->smtp, g->sid);

	return s && smtp_session_helo(s) ? smtp_session_helo(s) : "";
}

static void
on_spf(const struct spf_outcome *o, void *arg)
{
	struct gather_job *j = arg;
	struct gather *g = gather_job_owner(j);
	int helo = j->kind == GJ_SPF_HELO;
	struct spf_outcome copy;
	struct proof p;

	if (g == NULL)
		return; /* the session has gone; its end frees the check */
	/* o belongs to the check: use the copy once it is freed. */
	copy = *o;
	proofs_from_spf(
	    &p, helo ? PROOF_SPF_HELO : PROOF_SPF_MAILFROM, helo ? helo_of(g) : g->sender, &copy);
	proofs_put(helo ? &g->sess : &g->msg, &p);
	gather_job_drop(g, j->kind, 0);
	log_spf(g, helo ? "helo" : "mailfrom", &copy);
	gather_proof_in(g);
}

static void
start_spf(struct gather *g, struct smtp_session *s, enum gather_kind k, const char *sender)
{
	struct spf_request req;
	socklen_t len;

	memset(&req, 0, sizeof(req));
	if (spf_ip_from_sockaddr(smtp_session_peer(s, &len), &req.ip) < 0)
		return;
	req.identity = k == GJ_SPF_HELO ? SPF_ID_HELO : SPF_ID_MAILFROM;
	req.sender = sender;
	req.helo = smtp_session_helo(s) ? smtp_session_helo(s) : "";
	/* The table belongs to the session's configuration, which it holds. */
	spf_config_options(&g->cfg->spf, g->cfg->hostname, g->cfg->spf_known, &g->spf_opts);
	struct gather_job *j = gather_job_new(g, k);
	j->h.spf = spf_check_start(g->d->dns, &req, &g->spf_opts, g->cfg->spf.timeout, on_spf, j);
}

static void
on_helo_checked(const struct helo_outcome *o, void *arg)
{
	struct gather_job *j = arg;
	struct gather *g = gather_job_owner(j);
	struct helo_outcome h;
	struct proof name, iprev;

	if (g == NULL)
		return;
	h = *o;
	gather_job_drop(g, GJ_HELO, 0);
	proofs_from_helo(&name, &iprev, helo_of(g), g->client_ip, &h);
	proofs_put(&g->sess, &name);
	proofs_put(&g->sess, &iprev);
	if (log_enabled(LOG_LVL_INFO)) {
		char esc[LOG_ESC_MAX], why_esc[LOG_ESC_MAX];
		log_info("sid=%016llx event=helo_check syntax=%s literal=%s forward=%s fcrdns=%s "
		         "verified_name=%s reason=%s",
		    (unsigned long long)g->sid, helo_result_name(h.syntax),
		    helo_result_name(h.literal), helo_result_name(h.forward),
		    helo_result_name(h.fcrdns),
		    log_token(esc, sizeof(esc), h.verified_name[0] ? h.verified_name : "-"),
		    log_str(why_esc, sizeof(why_esc), h.reason));
	}
	gather_count(g, "helo",
	    helo_result_name(h.syntax != HELO_PASS ? h.syntax
	            : h.literal != HELO_NONE       ? h.literal
	                                           : h.forward));
	gather_count(g, "iprev", helo_result_name(h.fcrdns));
	gather_proof_in(g);
}

/* After TLS: does the client's certificate prove its HELO name, and is
 * it from a trusted CA (tls_trust_ca) that has not revoked it? */
static void
check_client_cert(struct gather *g, struct smtp_session *s, const char *name)
{
	char esc[LOG_ESC_MAX], subj[LOG_ESC_MAX], ca_esc[LOG_ESC_MAX], subject[256],
	    ca[TLS_TRUST_NAME_MAX], why[300];
	SSL *ssl = smtp_session_ssl(s);
	struct proof p;

	int verified = tls_peer_verified_for(ssl, name, subject, sizeof(subject));
	if (subject[0] == '\0')
		return; /* no certificate presented */
	enum tls_trust_result tr =
	    tls_trust_check(tls_trust_of(ssl), ssl, name, ca, sizeof(ca), why, sizeof(why));
	if (tr == TLS_TRUST_PASS)
		verified = 1;
	else if (tr == TLS_TRUST_REVOKED)
		verified = 0; /* whatever tls_client_ca says: its CA revoked it */
	if (tr != TLS_TRUST_PASS && tr != TLS_TRUST_REVOKED)
		ca[0] = '\0';
	proofs_from_tls(&p, name, verified, subject, ca, tr == TLS_TRUST_REVOKED,
	    tr == TLS_TRUST_PASS || tr == TLS_TRUST_REVOKED ? why : NULL);
	proofs_put(&g->sess, &p);
	log_info("sid=%016llx event=tls_client_cert verified=%s helo=%s subject=%s trust=%s ca=%s",
	    (unsigned long long)g->sid, verified ? "yes" : "no",
	    log_escape(esc, sizeof(esc), name, strlen(name)),
	    log_escape(subj, sizeof(subj), subject, strlen(subject)), tls_trust_result_name(tr),
	    log_token(ca_esc, sizeof(ca_esc), ca[0] ? ca : "-"));
	gather_count(g, "tls_cert",
	    tls_trust_of(ssl) ? tls_trust_result_name(tr) : (verified ? "pass" : "fail"));
}

void
gather_helo(struct gather *g, struct smtp_session *s, const char *name, int is_domain)
{
	socklen_t len;

	proofs_del(&g->sess, PROOF_TLS_CERT);
	if (smtp_session_tls(s))
		check_client_cert(g, s, name);
	gather_job_drop(g, GJ_SPF_HELO, 1);
	gather_job_drop(g, GJ_HELO, 1);
	proofs_del(&g->sess, PROOF_SPF_HELO);
	proofs_del(&g->sess, PROOF_HELO);
	proofs_del(&g->sess, PROOF_IPREV);
	/* a generation is proven again after each EHLO (XGEN stays once per
	 * connection) */
	proofs_del(&g->sess, PROOF_XGEN);
	if (authenticated(g) || g->submission)
		return;
	/* The name and the reverse DNS are checked for every client: they go
	 * into Received and Authentication-Results, and strict mode needs them. */
	struct gather_job *j = gather_job_new(g, GJ_HELO);
	j->h.helo = helo_check_start(
	    g->d->dns, name, smtp_session_peer(s, &len), g->cfg->helo_timeout, on_helo_checked, j);
	/* RFC 7208 2.3: the HELO identity's SPF too; MAIL waits for both. */
	if (is_domain)
		start_spf(g, s, GJ_SPF_HELO, "");
}

void
gather_tls_done(struct gather *g)
{
	if (g->xv.state != GXV_NONE)
		log_info("sid=%016llx event=xvouch_forgotten reason=starttls",
		    (unsigned long long)g->sid);
	gather_xvouch_cancel(g);
	memset(&g->xv, 0, sizeof(g->xv));
	gather_job_drop(g, GJ_REG_NAME, 1);
	proofs_del(&g->sess, PROOF_XVOUCH);
	proofs_del(&g->sess, PROOF_REGISTER_NAME);
	proofs_del(&g->sess, PROOF_XGEN);
}

/* ---- MAIL ---------------------------------------------------------------- */

/* The lists MAIL reads, looked up once per transaction when the checks
 * are in: is the client vouch-required, is the sender allow-listed? */
static void
mail_lookups(struct gather *g)
{
	int64_t now = (int64_t)time(NULL);
	const struct list_entry *e;
	struct proof p;

	if (g->mail_looked_up)
		return;
	g->mail_looked_up = 1;
	if ((e = list_match(g->d->required, (const struct sockaddr *)&g->peer, NULL, NULL, now)) !=
	    NULL) {
		proofs_from_list(&p, PROOF_REQUIRED, g->client_ip, e);
		proofs_put(&g->msg, &p);
	}
	if (g->sender[0] && (e = list_match(g->d->allow, NULL, NULL, g->sender, now)) != NULL) {
		proofs_from_list(&p, PROOF_ALLOW_SENDER, g->sender, e);
		proofs_put(&g->msg, &p);
	}
}

void
gather_proof_in(struct gather *g)
{
	if (!g->mail_waiting)
		return;
	for (int k = 0; k < GJ_MAIL_LAST; k++)
		if (g->job[k])
			return;
	g->mail_waiting = 0;
	mail_lookups(g);
	g->mail_cb(g->d, g->sid);
}

void
gather_mail(struct gather *g, struct smtp_session *s, const char *sender, gather_cb cb)
{
	gather_reset_txn(g);
	str_copy(g->sender, sizeof(g->sender), sender);
	g->mail_cb = cb;
	if (authenticated(g) || g->submission) {
		/* submission proves itself with AUTH: nothing to wait for */
		cb(g->d, g->sid);
		return;
	}
	/* RFC 7208 2.4: the null sender is checked as postmaster@HELO. */
	start_spf(g, s, GJ_SPF_MAIL, sender);
	g->mail_waiting = 1;
	gather_proof_in(g);
}

void
gather_reset_txn(struct gather *g)
{
	gather_job_drop(g, GJ_SPF_MAIL, 1);
	gather_job_drop(g, GJ_CALLOUT, 1);
	proofs_clear(&g->msg);
	g->sender[0] = '\0';
	g->mail_waiting = 0;
	g->mail_looked_up = 0;
}
