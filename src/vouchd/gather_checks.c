/*
 * gather_checks: the proofs a session gathers from DNS lists, the
 * registrar and the sender callout (see gather.h for the stages), and the
 * callout service they use.
 *
 * Each outcome becomes a proof (auth/proofs.h) and the check is freed at
 * once: the outcomes themselves are large.
 */
#include "gather.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vouchd.h"
#include "gather_int.h"
#include "smtp/smtp_session.h"
#include "tls/tls_ctx.h"
#include "util/log.h"
#include "util/xmalloc.h"

#include <openssl/ssl.h>

/* ---- DNS lists ----------------------------------------------------------- */

static void
on_list(const struct dnslist_outcome *o, void *arg)
{
	struct gather_job *j = arg;
	struct gather *g = gather_job_owner(j);
	int allow = j->kind == GJ_DNSWL;
	struct proof p;

	if (g == NULL)
		return;
	/* One zone decides: a listing first, then a zone that could not answer. */
	proofs_from_dnslist(&p, allow ? PROOF_DNSWL : PROOF_DNSBL, g->client_ip, o);
	proofs_put(&g->sess, &p);
	gather_job_drop(g, j->kind, 0);
	const char *r = p.result == PROOF_LISTED ? dnslist_result_name(DNSLIST_LISTED)
	    : p.result == PROOF_TEMPERROR        ? dnslist_result_name(DNSLIST_TEMPERROR)
	                                         : dnslist_result_name(DNSLIST_NOT_LISTED);
	if (log_enabled(LOG_LVL_INFO)) {
		char esc[LOG_ESC_MAX];
		log_info("sid=%016llx event=%s result=%s zone=%s reason=%s",
		    (unsigned long long)g->sid, allow ? "dnswl" : "dnsbl", r,
		    p.u.zone.zone[0] ? p.u.zone.zone : "-",
		    log_str(
		        esc, sizeof(esc), p.u.zone.zone[0] ? p.reason : "not listed in any zone"));
	}
	gather_count(g, allow ? "dnswl" : "dnsbl", r);
	gather_proof_in(g);
}

/* ---- the registrar --------------------------------------------------------- */

static void
on_register(const struct register_outcome *o, void *arg)
{
	struct gather_job *j = arg;
	struct gather *g = gather_job_owner(j);
	int by_name = j->kind == GJ_REG_NAME;
	struct proof p;

	if (g == NULL)
		return;
	proofs_from_register(&p, by_name ? PROOF_REGISTER_NAME : PROOF_REGISTER_ADDR,
	    by_name ? g->xv.name : g->client_ip, o);
	proofs_put(&g->sess, &p);
	if (log_enabled(LOG_LVL_INFO)) {
		char esc[LOG_ESC_MAX], why_esc[LOG_ESC_MAX];
		log_info("sid=%016llx event=register by=%s query=%s status=%s zone=%s class=%s "
		         "reason=%s",
		    (unsigned long long)g->sid, o->by_address ? "address" : "name",
		    log_token(esc, sizeof(esc), o->query), register_status_name(o->status),
		    p.u.zone.zone[0] ? p.u.zone.zone : "-",
		    p.u.zone.klass[0] ? p.u.zone.klass : "-",
		    log_str(why_esc, sizeof(why_esc), o->reason));
	}
	gather_count(
	    g, o->by_address ? "register_ip" : "register", register_status_name(o->status));
	gather_job_drop(g, j->kind, 0);
	gather_proof_in(g);
}

void
gather_register_name(struct gather *g)
{
	const struct config *cfg = g->cfg;

	gather_job_drop(g, GJ_REG_NAME, 1);
	proofs_del(&g->sess, PROOF_REGISTER_NAME);
	if (cfg->reg.zones.n == 0)
		return;
	struct gather_job *j = gather_job_new(g, GJ_REG_NAME);
	j->h.reg = register_check_name(g->d->dns, (const char *const *)cfg->reg.zones.v,
	    cfg->reg.zones.n, g->xv.name, on_register, j);
}

/* ---- once greeted ---------------------------------------------------------- */

void
gather_greeted(struct gather *g, struct smtp_session *s)
{
	struct vouchd *d = g->d;
	const struct config *cfg = g->cfg;
	struct dnslist_zone zones[DNSLIST_ZONES_MAX];
	struct strbuf errs;
	socklen_t len;
	const struct sockaddr *peer = smtp_session_peer(s, &len);
	const void *addr;
	int af = peer->sa_family, n;
	int allowed = proofs_get(&g->sess, PROOF_ALLOW) != NULL;

	/* Submission clients prove themselves with AUTH; an allow-listed
	 * client is not held to the lists. */
	if (g->submission || allowed)
		return;
	if (af == AF_INET)
		addr = &((const struct sockaddr_in *)(const void *)peer)->sin_addr;
	else if (af == AF_INET6)
		addr = &((const struct sockaddr_in6 *)(const void *)peer)->sin6_addr;
	else
		return;
	/* The zones were checked when the configuration was loaded. */
	strbuf_init(&errs, 4096);
	if ((n = dnslist_config_zones(&cfg->dnslist.bl_zones, "dnsbl_zones", zones, &errs)) > 0) {
		struct gather_job *j = gather_job_new(g, GJ_DNSBL);
		j->h.dl = dnslist_check_start(d->dns, zones, (size_t)n, af, addr, on_list, j);
	}
	if ((n = dnslist_config_zones(&cfg->dnslist.wl_zones, "dnswl_zones", zones, &errs)) > 0) {
		struct gather_job *j = gather_job_new(g, GJ_DNSWL);
		j->h.dl = dnslist_check_start(d->dns, zones, (size_t)n, af, addr, on_list, j);
	}
	strbuf_free(&errs);
	if (cfg->reg.zones.n > 0) {
		struct gather_job *j = gather_job_new(g, GJ_REG_ADDR);
		j->h.reg = register_check_addr(d->dns, (const char *const *)cfg->reg.zones.v,
		    cfg->reg.zones.n, af, addr, on_register, j);
	}
}

/* ---- the sender callout -------------------------------------------------------- */

/* FNV-1a of the address, case-insensitively: the session's list of
 * senders called out for. */
static uint64_t
sender_hash(const char *addr)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *addr; addr++) {
		unsigned char c = (unsigned char)*addr;
		h = (h ^ (c >= 'A' && c <= 'Z' ? c + 32 : c)) * 1099511628211ULL;
	}
	return h;
}

static int
sender_called(const struct gather *g, const char *addr)
{
	uint64_t h = sender_hash(addr);

	for (size_t i = 0; i < g->co_nsenders; i++)
		if (g->co_senders[i] == h)
			return 1;
	return 0;
}

static void
on_callout(const struct callout_outcome *o, void *arg)
{
	struct gather_job *j = arg;
	struct gather *g = gather_job_owner(j);
	struct proof p;

	if (g == NULL)
		return;
	proofs_from_callout(&p, o);
	proofs_put(&g->msg, &p);
	if (log_enabled(LOG_LVL_INFO)) {
		char esc[LOG_ESC_MAX], why_esc[LOG_ESC_MAX];
		log_info("sid=%016llx event=callout address=%s result=%s source=%s reason=%s",
		    (unsigned long long)g->sid, log_token(esc, sizeof(esc), o->address),
		    callout_result_name(o->result), callout_source_name(o->source),
		    log_str(why_esc, sizeof(why_esc), o->reason));
	}
	gather_count(g, "callout", callout_result_name(o->result));
	/* a callout really made (not a remembered result): one more sender */
	if ((o->source == CALLOUT_SRC_SMTP || o->source == CALLOUT_SRC_DNS) &&
	    !sender_called(g, o->address)) {
		g->co_senders = xrealloc(g->co_senders, (g->co_nsenders + 1) * sizeof(uint64_t));
		g->co_senders[g->co_nsenders++] = sender_hash(o->address);
	}
	gather_job_drop(g, GJ_CALLOUT, 0);
	gather_proof_in(g);
}

void
gather_callout_skip(struct gather *g, const char *sender, enum callout_skip why)
{
	char r[64];
	struct proof p;

	if (g->d->callout == NULL)
		return;
	proofs_from_callout_skip(&p, sender, why);
	proofs_put(&g->msg, &p);
	callout_skip(g->d->callout, why);
	snprintf(r, sizeof(r), "skip:%s", callout_skip_name(why));
	/* "skip:spf-pass" reads "skip:spf_pass" in the statistics */
	for (char *c = r; *c; c++)
		if (*c == '-')
			*c = '_';
	gather_count(g, "callout", r);
}

int
gather_callout(struct gather *g, const char *sender, gather_cb cb)
{
	char why[200];
	struct callout_request rq = { g->client_ip, 0, why };

	if (g->d->callout == NULL)
		return -1;
	/*
	 * A session cycling through senders (random local parts, RSET
	 * between them) makes a callout for each: past
	 * callout_max_senders_per_session different ones, only what is
	 * already known answers (issue 13 item 3). The client's address is
	 * held to callout_client_per_minute by the service.
	 */
	if (g->co_nsenders >= (size_t)g->cfg->callout.max_senders && !sender_called(g, sender)) {
		rq.cache_only = 1;
		snprintf(why, sizeof(why),
		    "this session has had %zu senders verified already (callout_max_senders_per_session)",
		    g->co_nsenders);
	}
	struct gather_job *j = gather_job_new(g, GJ_CALLOUT);
	g->mail_cb = cb;
	g->mail_waiting = 1;
	j->h.co = callout_start_for(g->d->callout, sender, &rq, on_callout, j);
	return 0;
}

/* ---- the callout service ----------------------------------------------- */

int
gather_service_start(struct vouchd *d, char *err, size_t errsz)
{
	const struct config *cfg = d->cfg;
	struct sockaddr_storage src;
	struct callout_params p;

	memset(&p, 0, sizeof(p));
	memset(&src, 0, sizeof(src));
	p.helo = cfg->hostname;
	/* Callouts come from the address our mail goes out from. */
	if (cfg->outbound_bind[0]) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&src;
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&src;
		if (inet_pton(AF_INET, cfg->outbound_bind, &s4->sin_addr) == 1) {
			s4->sin_family = AF_INET;
			p.bind_srclen = sizeof(*s4);
		} else if (inet_pton(AF_INET6, cfg->outbound_bind, &s6->sin6_addr) == 1) {
			s6->sin6_family = AF_INET6;
			p.bind_srclen = sizeof(*s6);
		} else {
			snprintf(err, errsz, "outbound_bind '%s' is not an IP address",
			    cfg->outbound_bind);
			return -1;
		}
		p.bind_src = (const struct sockaddr *)&src;
	}
	/* STARTTLS when the MX offers it; no client certificate is needed. */
	d->callout_tls = tls_ctx_client_new(cfg->outbound_tls_ca, NULL, NULL, err, errsz);
	if (d->callout_tls == NULL)
		return -1;
	p.tls = d->callout_tls;
	/* the node's own store, looked up with blocking calls (SQLite: no
	 * network wait); in a cluster the shared store too, with requests, so
	 * what one node learnt answers on all (callout_share()) */
	d->callout = callout_new(d->dns, d->local_store, &cfg->callout, &p);
	if (d->callout == NULL) {
		snprintf(err, errsz, "cannot start the callout service");
		return -1;
	}
	if (d->store != d->local_store)
		callout_share(d->callout, d->store);
	d->callout_cfg = cfg->callout;
	return 0;
}

void
gather_service_stop(struct vouchd *d)
{
	/* Checks still out are cancelled; their sessions free them. */
	callout_free(d->callout);
	d->callout = NULL;
	if (d->callout_tls)
		SSL_CTX_free(d->callout_tls);
	d->callout_tls = NULL;
}
