/*
 * gather_xvouch: session vouching, the receiver's side (DESIGN 5.1 steps
 * 3 to 6, docs/protocol.md): on "XVOUCH <id>", resolve the client's EHLO
 * name, pick the host X it names, and have the callback checker
 * (auth/vouch_check) ask X "XVOUCH CHECK <id>" from the local address the
 * client reached us on, on a callback connection it reuses. Every session
 * is proven by its own check: nothing is cached. The callback is never
 * aimed at just anything: no special-purpose targets unless configured
 * (util/ipspecial), connection limits per target (the checker), a total
 * time budget. The outcome is a proof; what it leads to is the policy
 * engine's (policy_xvouch).
 */
#include "gather.h"

#include <arpa/inet.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "vouchd.h"
#include "gather_int.h"
#include "smtpd.h"
#include "auth/vouch_check.h"
#include "dns/dns.h"
#include "dns/dns_result.h"
#include "smtp/smtp_session.h"
#include "util/ipspecial.h"
#include "util/log.h"

int
gather_xvouch_given(const struct gather *g)
{
	return g->xv.state != GXV_NONE;
}

void
gather_xvouch_cancel(struct gather *g)
{
	gather_job_drop(g, GJ_XV_A, 1);
	gather_job_drop(g, GJ_XV_AAAA, 1);
	gather_job_drop(g, GJ_XV_BUDGET, 1);
	if (g->xv.req) {
		vouch_checker_cancel(g->d->xvcheck, g->xv.req);
		g->xv.req = 0;
	}
}

/* The outcome is in: a proof, and the session goes on. */
static void
conclude(struct gather *g, enum proof_result r, const char *why)
{
	struct gather_xv *xv = &g->xv;
	struct proof p;

	gather_xvouch_cancel(g);
	xv->state = GXV_DONE;
	proofs_from_xvouch(&p, xv->name, r, why);
	proofs_put(&g->sess, &p);
	char name_esc[LOG_ESC_MAX], why_esc[LOG_ESC_MAX];
	log_info("sid=%016llx event=xvouch result=%s name=%s target=%s reason=%s",
	    (unsigned long long)g->sid, proof_result_name(r),
	    log_token(name_esc, sizeof(name_esc), xv->name), xv->target[0] ? xv->target : "-",
	    log_str(why_esc, sizeof(why_esc), why));
	gather_count(g, "xvouch", proof_result_name(r));
	/* with registrar zones, a vouched name counts once it is registered */
	if (r == PROOF_PASS)
		gather_register_name(g);
	xv->cb(g->d, g->sid);
}

void
gather_xvouch_checked(void *owner, uint64_t sid, enum vouch_check_result r, const char *why)
{
	struct vouchd *d = owner;
	struct smtp_session *s = smtp_server_find(d->smtp, sid);
	struct gather *g = s ? smtpd_gather(s) : NULL;

	if (g == NULL || g->xv.state != GXV_RUNNING)
		return;
	g->xv.req = 0;
	if (r == VOUCH_CHECK_PASS)
		conclude(g, PROOF_PASS, "the host confirmed the session");
	else
		conclude(g, r == VOUCH_CHECK_FAIL ? PROOF_FAIL : PROOF_TEMPERROR, why);
}

static void
on_budget(evutil_socket_t fd, short what, void *arg)
{
	struct gather_job *j = arg;
	struct gather *g = gather_job_owner(j);

	(void)fd;
	(void)what;
	if (g == NULL)
		return;
	g->xv.pending = 0;
	conclude(g, PROOF_TEMPERROR, "the vouching host did not answer in time");
}

/* The EHLO name's addresses are in: pick X and ask it. */
static void
call_back(struct gather *g)
{
	struct vouchd *d = g->d;
	struct gather_xv *xv = &g->xv;
	struct smtp_session *s = smtp_server_find(d->smtp, g->sid);
	struct sockaddr_storage to;
	socklen_t tolen, fromlen;
	char why[400];

	if (s == NULL)
		return;
	if (xv->ntargets == 0) {
		snprintf(why, sizeof(why), "%s has no address", xv->name);
		conclude(g, xv->temperror ? PROOF_TEMPERROR : PROOF_FAIL, why);
		return;
	}
	/* DESIGN 5.1 step 3: the client's own address if the name has it. */
	str_copy(xv->target, sizeof(xv->target), xv->targets[0]);
	for (size_t i = 0; i < xv->ntargets; i++)
		if (strcmp(xv->targets[i], smtp_session_peer_addr(s)) == 0)
			str_copy(xv->target, sizeof(xv->target), xv->targets[i]);
	const char *special = ipspecial_text(xv->target);
	if (!g->cfg->xvouch_allow_private && special) {
		/* the filter every outbound check shares (util/ipspecial) */
		snprintf(why, sizeof(why), "refusing to call back private address %s (%s)",
		    xv->target, special);
		xv->target[0] = '\0';
		conclude(g, PROOF_FAIL, why);
		return;
	}
	memset(&to, 0, sizeof(to));
	if (strchr(xv->target, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&to;
		s6->sin6_family = AF_INET6;
		inet_pton(AF_INET6, xv->target, &s6->sin6_addr);
		tolen = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&to;
		s4->sin_family = AF_INET;
		inet_pton(AF_INET, xv->target, &s4->sin_addr);
		tolen = sizeof(*s4);
	}
	/* DESIGN 5.1 step 4: from the local address the client reached. */
	const struct sockaddr *local = smtp_session_local(s, &fromlen);
	log_debug("sid=%016llx event=xvouch_callback target=%s port=%lld",
	    (unsigned long long)g->sid, xv->target, g->cfg->xvouch_port);
	xv->req = vouch_checker_ask(d->xvcheck, (const struct sockaddr *)&to, tolen, local, fromlen,
	    xv->name, xv->id, g->sid);
}

static void
on_address(struct dns_result *res, void *arg)
{
	struct gather_job *j = arg;
	struct gather *g = gather_job_owner(j);
	struct gather_xv *xv;

	if (g == NULL) {
		dns_result_free(res);
		return;
	}
	xv = &g->xv;
	/* answered: nothing to cancel */
	j->h.q = 0;
	gather_job_drop(g, j->kind, 0);
	if (res->status == DNS_ANSWER) {
		for (size_t i = 0; i < res->nrr && xv->ntargets < 8; i++) {
			char t[64];
			if (res->rr[i].type == DNS_T_A)
				inet_ntop(AF_INET, &res->rr[i].u.a, t, sizeof(t));
			else if (res->rr[i].type == DNS_T_AAAA)
				inet_ntop(AF_INET6, &res->rr[i].u.aaaa, t, sizeof(t));
			else
				continue;
			str_copy(xv->targets[xv->ntargets++], sizeof(xv->targets[0]), t);
		}
	} else if (res->status == DNS_TEMPFAIL) {
		xv->dns_tempfail = 1;
	}
	dns_result_free(res);
	if (--xv->pending == 0) {
		if (xv->ntargets == 0 && xv->dns_tempfail)
			xv->temperror = 1;
		call_back(g);
	}
}

void
gather_xvouch(struct gather *g, struct smtp_session *s, const char *id, gather_cb cb)
{
	struct vouchd *d = g->d;
	struct gather_xv *xv = &g->xv;
	/* the caller checked that it is a domain name (an FQDN) */
	const char *helo = smtp_session_helo(s);
	struct gather_job *j;

	gather_xvouch_cancel(g);
	memset(xv, 0, sizeof(*xv));
	str_copy(xv->name, sizeof(xv->name), helo);
	str_copy(xv->id, sizeof(xv->id), id);
	xv->cb = cb;
	/* Every session is proven by its own callback (DESIGN 5.1): no answer
	 * for another session, however recent, stands for this one. */
	xv->state = GXV_RUNNING;
	j = gather_job_new(g, GJ_XV_BUDGET);
	j->h.ev = evtimer_new(d->base, on_budget, j);
	struct timeval tv = { g->cfg->xvouch_timeout / 1000,
		(g->cfg->xvouch_timeout % 1000) * 1000 };
	evtimer_add(j->h.ev, &tv);
	xv->pending = 2;
	j = gather_job_new(g, GJ_XV_A);
	j->h.q = dns_client_lookup(d->dns, helo, DNS_T_A, on_address, j);
	j = gather_job_new(g, GJ_XV_AAAA);
	j->h.q = dns_client_lookup(d->dns, helo, DNS_T_AAAA, on_address, j);
}
