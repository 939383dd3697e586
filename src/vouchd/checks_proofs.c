/*
 * checks_proofs: the proofs a session gathers besides SPF, HELO and
 * XVOUCH (see checks.h for the stages):
 *
 *   connect  DNS block and allow lists (RFC 5782) and the registrar's
 *            word on the client address (DESIGN 5.3), all at once; the
 *            greeting does not wait for them, MAIL does
 *   XVOUCH   the registrar's word on the vouched name: with registrar
 *            zones configured, only a registered, active server counts
 *            as verified
 *   MAIL     the sender callout (CBV), unless a cheaper proof settles the
 *            sender: SPF pass, a verified server, an allow-listed sender,
 *            or the null sender
 *
 * Each outcome is kept as a short summary in the session (the outcomes
 * themselves are large) and the check freed at once.
 */
#include "checks.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vouchd.h"
#include "smtpd.h"
#include "msg/authres.h"
#include "smtp/smtp_session.h"
#include "tls/tls_ctx.h"
#include "util/log.h"
#include "util/xmalloc.h"

#include <openssl/ssl.h>

static void
proofs_in(struct smtpd_sess *ss)
{
	/* MAIL may be waiting for this one. */
	if (ss->checks_waiting)
		checks_mail_continue(ss);
}

/* ---- DNS lists ----------------------------------------------------------- */

static void
take_lists(struct smtpd_sess *ss, const struct dnslist_outcome *o, int allow)
{
	struct checks_proofs *pr = &ss->pr;
	enum dnslist_result r = DNSLIST_NOT_LISTED;
	const struct dnslist_zone_result *z = NULL;

	/* One zone decides: a listing first, then a zone that could not answer. */
	for (size_t i = 0; i < o->nzones; i++)
		if (o->zones[i].result == DNSLIST_LISTED && r != DNSLIST_LISTED) {
			r = DNSLIST_LISTED;
			z = &o->zones[i];
		}
	for (size_t i = 0; r == DNSLIST_NOT_LISTED && i < o->nzones; i++)
		if (o->zones[i].result == DNSLIST_TEMPERROR) {
			r = DNSLIST_TEMPERROR;
			z = &o->zones[i];
		}
	if (allow) {
		pr->wl_done = 1;
		pr->wl_listed = r == DNSLIST_LISTED;
		str_copy(pr->wl_zone, sizeof(pr->wl_zone), z ? z->zone : "");
		str_copy(pr->wl_reason, sizeof(pr->wl_reason), z ? z->reason : "not listed");
	} else {
		pr->bl_done = 1;
		pr->bl_result = r;
		str_copy(pr->bl_zone, sizeof(pr->bl_zone), z ? z->zone : "");
		str_copy(pr->bl_reason, sizeof(pr->bl_reason), z ? z->reason : "not listed");
	}
	if (log_enabled(LOG_LVL_INFO)) {
		char esc[LOG_ESC_MAX];
		log_info("sid=%016llx event=%s result=%s zone=%s reason=%s",
		    (unsigned long long)ss->sid, allow ? "dnswl" : "dnsbl", dnslist_result_name(r),
		    z ? z->zone : "-",
		    log_str(esc, sizeof(esc), z ? z->reason : "not listed in any zone"));
	}
	checks_count(ss, allow ? "dnswl" : "dnsbl", dnslist_result_name(r));
}

static void
on_bl(const struct dnslist_outcome *o, void *arg)
{
	struct smtpd_sess *ss = arg;

	take_lists(ss, o, 0);
	dnslist_check_free(ss->pr.bl);
	ss->pr.bl = NULL;
	proofs_in(ss);
}

static void
on_wl(const struct dnslist_outcome *o, void *arg)
{
	struct smtpd_sess *ss = arg;

	take_lists(ss, o, 1);
	dnslist_check_free(ss->pr.wl);
	ss->pr.wl = NULL;
	proofs_in(ss);
}

/* ---- the registrar --------------------------------------------------------- */

static void
take_register(struct smtpd_sess *ss, struct checks_reg *r, const struct register_outcome *o)
{
	const struct register_zone_result *z = o->decided_by >= 0 ? &o->zones[o->decided_by] : NULL;

	r->done = 1;
	r->status = o->status;
	str_copy(r->zone, sizeof(r->zone), z ? z->zone : "");
	r->klass[0] = '\0';
	if (z && z->has_txt && !o->by_address)
		str_copy(r->klass, sizeof(r->klass), register_class_name(z->txt.klass));
	str_copy(r->reason, sizeof(r->reason), o->reason);
	if (log_enabled(LOG_LVL_INFO)) {
		char esc[LOG_ESC_MAX], why_esc[LOG_ESC_MAX];
		log_info("sid=%016llx event=register by=%s query=%s status=%s zone=%s class=%s "
		         "reason=%s",
		    (unsigned long long)ss->sid, o->by_address ? "address" : "name",
		    log_token(esc, sizeof(esc), o->query), register_status_name(o->status),
		    r->zone[0] ? r->zone : "-", r->klass[0] ? r->klass : "-",
		    log_str(why_esc, sizeof(why_esc), o->reason));
	}
	checks_count(
	    ss, o->by_address ? "register_ip" : "register", register_status_name(o->status));
}

static void
on_reg_addr(const struct register_outcome *o, void *arg)
{
	struct smtpd_sess *ss = arg;

	take_register(ss, &ss->pr.addr, o);
	register_check_free(ss->pr.addr.chk);
	ss->pr.addr.chk = NULL;
	proofs_in(ss);
}

static void
on_reg_name(const struct register_outcome *o, void *arg)
{
	struct smtpd_sess *ss = arg;

	take_register(ss, &ss->pr.name, o);
	register_check_free(ss->pr.name.chk);
	ss->pr.name.chk = NULL;
	proofs_in(ss);
}

/* ---- connect ----------------------------------------------------------- */

void
proofs_connect(struct smtpd_sess *ss, struct smtp_session *s)
{
	struct vouchd *d = ss->d;
	const struct config *cfg = ss->cfg;
	struct checks_proofs *pr = &ss->pr;
	struct dnslist_zone zones[DNSLIST_ZONES_MAX];
	struct strbuf errs;
	socklen_t len;
	const struct sockaddr *peer = smtp_session_peer(s, &len);
	const void *addr;
	int af = peer->sa_family, n;

	pr->co_skip = -1;
	/* Submission clients prove themselves with AUTH. */
	if (ss->submission)
		return;
	if (af == AF_INET)
		addr = &((const struct sockaddr_in *)(const void *)peer)->sin_addr;
	else if (af == AF_INET6)
		addr = &((const struct sockaddr_in6 *)(const void *)peer)->sin6_addr;
	else
		return;
	/* The zones were checked when the configuration was loaded. */
	strbuf_init(&errs, 4096);
	if (!ss->allowed &&
	    (n = dnslist_config_zones(&cfg->dnslist.bl_zones, "dnsbl_zones", zones, &errs)) > 0) {
		pr->bl_started = 1;
		pr->bl = dnslist_check_start(d->dns, zones, (size_t)n, af, addr, on_bl, ss);
	}
	if (!ss->allowed &&
	    (n = dnslist_config_zones(&cfg->dnslist.wl_zones, "dnswl_zones", zones, &errs)) > 0) {
		pr->wl_started = 1;
		pr->wl = dnslist_check_start(d->dns, zones, (size_t)n, af, addr, on_wl, ss);
	}
	strbuf_free(&errs);
	if (!ss->allowed && cfg->reg.zones.n > 0) {
		pr->addr.started = 1;
		pr->addr.chk = register_check_addr(d->dns, (const char *const *)cfg->reg.zones.v,
		    cfg->reg.zones.n, af, addr, on_reg_addr, ss);
	}
}

void
proofs_forget_xvouch(struct smtpd_sess *ss)
{
	register_check_free(ss->pr.name.chk);
	memset(&ss->pr.name, 0, sizeof(ss->pr.name));
}

void
proofs_after_xvouch(struct smtpd_sess *ss, struct smtp_session *s)
{
	const struct config *cfg = ss->cfg;
	struct checks_reg *r = &ss->pr.name;

	(void)s;
	register_check_free(r->chk);
	memset(r, 0, sizeof(*r));
	if (cfg->reg.zones.n == 0)
		return;
	r->started = 1;
	r->chk = register_check_name(ss->d->dns, (const char *const *)cfg->reg.zones.v,
	    cfg->reg.zones.n, ss->xv.name, on_reg_name, ss);
}

int
proofs_pending(const struct smtpd_sess *ss)
{
	const struct checks_proofs *pr = &ss->pr;

	return (pr->bl_started && !pr->bl_done) || (pr->wl_started && !pr->wl_done) ||
	    (pr->addr.started && !pr->addr.done) || (pr->name.started && !pr->name.done) ||
	    (pr->co_started && !pr->co_done);
}

const char *
proofs_verified_how(const struct smtpd_sess *ss)
{
	if (ss->pr.wl_listed)
		return "listed in a DNS allow list";
	if (ss->xv.state != XV_PASS)
		return NULL;
	if (ss->cfg->reg.zones.n == 0)
		return "vouched for its session";
	if (ss->pr.name.done && ss->pr.name.status == REGISTER_ACTIVE)
		return "vouched for its session, registered";
	return NULL;
}

/* ---- MAIL ---------------------------------------------------------------- */

int
proofs_mail_lists(struct smtpd_sess *ss, struct smtp_session *s)
{
	const struct checks_proofs *pr = &ss->pr;
	const struct listener_config *l = ss->listener;
	char text[600];
	int act;

	if (!pr->bl_done || ss->allowed || pr->wl_listed)
		return 0;
	if (pr->bl_result == DNSLIST_LISTED) {
		act = l->dnsbl_listed;
		str_fmt(text, sizeof(text), "client host [%s] blocked using %s: %.400s",
		    smtp_session_peer_addr(s), pr->bl_zone, pr->bl_reason);
	} else if (pr->bl_result == DNSLIST_TEMPERROR) {
		act = l->dnsbl_temperror;
		str_fmt(text, sizeof(text), "cannot check the DNS block list %s now (%.400s)",
		    pr->bl_zone, pr->bl_reason);
	} else {
		return 0;
	}
	if (act == CONFIG_ACT_REJECT || act == CONFIG_ACT_TEMPFAIL) {
		checks_refuse_mail(ss, s, act == CONFIG_ACT_REJECT ? 554 : 451,
		    act == CONFIG_ACT_REJECT ? "5.7.1" : "4.7.1", text);
		return 1;
	}
	checks_say(&ss->checks, act, "5.7.1", text);
	return 0;
}

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
sender_called(const struct checks_proofs *pr, const char *addr)
{
	uint64_t h = sender_hash(addr);

	for (size_t i = 0; i < pr->co_nsenders; i++)
		if (pr->co_senders[i] == h)
			return 1;
	return 0;
}

static void
on_callout(const struct callout_outcome *o, void *arg)
{
	struct smtpd_sess *ss = arg;
	struct checks_proofs *pr = &ss->pr;

	pr->co_done = 1;
	pr->co_result = o->result;
	str_copy(pr->co_source, sizeof(pr->co_source), callout_source_name(o->source));
	str_copy(pr->co_reason, sizeof(pr->co_reason), o->reason);
	if (log_enabled(LOG_LVL_INFO)) {
		char esc[LOG_ESC_MAX], why_esc[LOG_ESC_MAX];
		log_info("sid=%016llx event=callout address=%s result=%s source=%s reason=%s",
		    (unsigned long long)ss->sid, log_token(esc, sizeof(esc), o->address),
		    callout_result_name(o->result), callout_source_name(o->source),
		    log_str(why_esc, sizeof(why_esc), o->reason));
	}
	checks_count(ss, "callout", callout_result_name(o->result));
	/* a callout really made (not a remembered result): one more sender */
	if ((o->source == CALLOUT_SRC_SMTP || o->source == CALLOUT_SRC_DNS) &&
	    !sender_called(pr, o->address)) {
		pr->co_senders = xrealloc(pr->co_senders, (pr->co_nsenders + 1) * sizeof(uint64_t));
		pr->co_senders[pr->co_nsenders++] = sender_hash(o->address);
	}
	callout_check_free(pr->co);
	pr->co = NULL;
	proofs_in(ss);
}

static void
skip_callout(struct smtpd_sess *ss, enum callout_skip why)
{
	char r[64];

	ss->pr.co_skip = (int)why;
	if (ss->d->callout)
		callout_skip(ss->d->callout, why);
	snprintf(r, sizeof(r), "skip:%s", callout_skip_name(why));
	/* "skip:spf-pass" reads "skip:spf_pass" in the statistics */
	for (char *p = r; *p; p++)
		if (*p == '-')
			*p = '_';
	checks_count(ss, "callout", r);
}

int
proofs_callout(struct smtpd_sess *ss, struct smtp_session *s, const char *sender)
{
	struct checks_proofs *pr = &ss->pr;
	struct checks *ck = &ss->checks;

	if (!ss->listener->callout || ss->d->callout == NULL || smtp_session_user(s) ||
	    ss->submission)
		return 0;
	if (sender[0] == '\0') {
		skip_callout(ss, CALLOUT_SKIP_NULL_SENDER);
		return 0;
	}
	if (ss->allowed || pr->wl_listed) {
		skip_callout(ss, CALLOUT_SKIP_ALLOWED);
		return 0;
	}
	/* only a trusted forwarder (registered): a self-vouched name proves
	 * nothing about the return path's domain */
	if (checks_trusted_forwarder(ss, s)) {
		skip_callout(ss, CALLOUT_SKIP_VOUCHED);
		return 0;
	}
	if (ck->mail.done && ck->mail.out.result == SPF_PASS) {
		skip_callout(ss, CALLOUT_SKIP_SPF_PASS);
		return 0;
	}
	if (list_match(ss->d->allow, NULL, NULL, sender, (int64_t)time(NULL))) {
		skip_callout(ss, CALLOUT_SKIP_ALLOWED);
		return 0;
	}
	/*
	 * A session cycling through senders (random local parts, RSET
	 * between them) makes a callout for each: past
	 * callout_max_senders_per_session different ones, only what is
	 * already known answers (issue 13 item 3). The client's address is
	 * held to callout_client_per_minute by the service.
	 */
	char why[200];
	struct callout_request rq = { ss->client_ip, 0, why };
	if (pr->co_nsenders >= (size_t)ss->cfg->callout.max_senders && !sender_called(pr, sender)) {
		rq.cache_only = 1;
		snprintf(why, sizeof(why),
		    "this session has had %zu senders verified already (callout_max_senders_per_session)",
		    pr->co_nsenders);
	}
	pr->co_started = 1;
	pr->co_done = 0;
	pr->co = callout_start_for(ss->d->callout, sender, &rq, on_callout, ss);
	return 1;
}

int
proofs_callout_say(struct smtpd_sess *ss, struct smtp_session *s)
{
	const struct checks_proofs *pr = &ss->pr;
	const struct listener_config *l = ss->listener;
	const char *status = "5.1.7";
	char text[600];
	int act;

	if (!pr->co_done)
		return 0;
	switch (pr->co_result) {
	case CALLOUT_PASS: return 0;
	case CALLOUT_FAIL:
		act = l->callout_fail;
		str_fmt(text, sizeof(text),
		    "sender address rejected: its mail server says it "
		    "does not exist (%.450s)",
		    pr->co_reason);
		break;
	case CALLOUT_NOMX:
	case CALLOUT_NXDOMAIN:
		act = l->callout_nodomain;
		/* RFC 7505 4.2: 5.7.27 for a sender domain with a null MX */
		status = pr->co_result == CALLOUT_NOMX ? "5.7.27" : "5.1.8";
		str_fmt(text, sizeof(text),
		    "sender address rejected: its domain cannot "
		    "receive mail (%.450s)",
		    pr->co_reason);
		break;
	case CALLOUT_CATCHALL:
		act = l->callout_catchall;
		str_fmt(text, sizeof(text),
		    "sender address cannot be verified: its domain "
		    "accepts any address (%.400s)",
		    pr->co_reason);
		break;
	default:
		act = l->callout_temperror;
		str_fmt(text, sizeof(text), "sender address could not be verified now (%.450s)",
		    pr->co_reason);
		break;
	}
	if (act == CONFIG_ACT_REJECT || act == CONFIG_ACT_TEMPFAIL) {
		char st[8];
		str_copy(st, sizeof(st), status);
		if (act == CONFIG_ACT_TEMPFAIL)
			st[0] = '4';
		checks_refuse_mail(ss, s, act == CONFIG_ACT_REJECT ? 550 : 451, st, text);
		return 1;
	}
	checks_say(&ss->checks, act, status, text);
	return 0;
}

/* ---- RCPT ---------------------------------------------------------------- */

void
proofs_rcpt(struct smtpd_sess *ss, const char *domain, struct checks_say *out)
{
	const struct checks_proofs *pr = &ss->pr;
	const struct listener_config *l = ss->listener;
	char why[500];

	out->act = CONFIG_ACT_IGNORE;
	out->why[0] = '\0';
	str_copy(out->status, sizeof(out->status), "5.7.1");
	if (proofs_verified_how(ss) || ss->allowed)
		return;
	if (ss->xv.state == XV_PASS && pr->name.done) {
		/* vouched, but the registrar does not vouch for the server */
		switch (pr->name.status) {
		case REGISTER_SUSPENDED:
			str_fmt(why, sizeof(why),
			    "the sending server %s is suspended by its "
			    "registrar %s",
			    ss->xv.name, pr->name.zone);
			checks_say_max(
			    out, checks_action(ss, l->register_suspended, domain), "5.7.1", why);
			break;
		case REGISTER_UNREGISTERED:
			str_fmt(why, sizeof(why),
			    "the sending server %s is not registered with a "
			    "registrar this server trusts",
			    ss->xv.name);
			checks_say_max(
			    out, checks_action(ss, l->register_unregistered, domain), "5.7.1", why);
			break;
		case REGISTER_TEMPERROR:
			str_fmt(why, sizeof(why),
			    "the registrar could not be asked about %s (%.300s)", ss->xv.name,
			    pr->name.reason);
			checks_say_max(
			    out, checks_action(ss, l->register_temperror, domain), "5.7.1", why);
			break;
		default: break;
		}
	}
	if (pr->addr.done && pr->addr.status == REGISTER_SUSPENDED) {
		str_fmt(why, sizeof(why),
		    "the client address belongs to a server suspended by "
		    "its registrar %s",
		    pr->addr.zone);
		checks_say_max(out, checks_action(ss, l->register_suspended, domain), "5.7.1", why);
	}
}

/* ---- headers ------------------------------------------------------------- */

size_t
proofs_authres(const struct smtpd_sess *ss, struct authres_entry *e, char bufs[4][480])
{
	const struct checks_proofs *pr = &ss->pr;
	size_t n = 0;

	if (pr->wl_done) {
		/* RFC 8904: the dnswl method */
		e[n++] = (struct authres_entry){ "dnswl", pr->wl_listed ? "pass" : "none",
			pr->wl_reason, "policy.ip", ss->client_ip };
	}
	if (pr->bl_done)
		e[n++] = (struct authres_entry){ "x-vouch-dnsbl",
			pr->bl_result == DNSLIST_LISTED          ? "fail"
			    : pr->bl_result == DNSLIST_TEMPERROR ? "temperror"
			                                         : "pass",
			pr->bl_reason, "policy.ip", ss->client_ip };
	const struct checks_reg *r = pr->name.done ? &pr->name : pr->addr.done ? &pr->addr : NULL;
	if (r) {
		if (r->klass[0])
			snprintf(bufs[0], sizeof(bufs[0]), "class %s: %s", r->klass, r->reason);
		else
			str_copy(bufs[0], sizeof(bufs[0]), r->reason);
		e[n++] =
		    (struct authres_entry){ "x-vouch-register", register_status_name(r->status),
			    bufs[0], r == &pr->name ? "smtp.helo" : "policy.ip",
			    r == &pr->name ? ss->xv.name : ss->client_ip };
	}
	const char *sender = ss->env.sender && ss->env.sender[0] ? ss->env.sender : NULL;
	if (pr->co_done && sender) {
		snprintf(bufs[1], sizeof(bufs[1]), "%s%s%s", pr->co_reason,
		    strcmp(pr->co_source, "smtp") ? "; from " : "",
		    strcmp(pr->co_source, "smtp") ? pr->co_source : "");
		e[n++] = (struct authres_entry){ "x-vouch-callout",
			callout_result_name(pr->co_result), bufs[1], "smtp.mailfrom", sender };
	} else if (pr->co_skip >= 0 && sender) {
		snprintf(bufs[1], sizeof(bufs[1]), "not called: %s",
		    callout_skip_name((enum callout_skip)pr->co_skip));
		e[n++] = (struct authres_entry){ "x-vouch-callout", "none", bufs[1],
			"smtp.mailfrom", sender };
	}
	return n;
}

/* ---- the end of a transaction or a session -------------------------------- */

void
proofs_reset_txn(struct smtpd_sess *ss)
{
	struct checks_proofs *pr = &ss->pr;

	callout_check_free(pr->co);
	pr->co = NULL;
	pr->co_started = pr->co_done = 0;
	pr->co_skip = -1;
	pr->co_reason[0] = '\0';
}

void
proofs_free(struct smtpd_sess *ss)
{
	struct checks_proofs *pr = &ss->pr;

	proofs_reset_txn(ss);
	free(pr->co_senders);
	pr->co_senders = NULL;
	pr->co_nsenders = 0;
	dnslist_check_free(pr->bl);
	dnslist_check_free(pr->wl);
	register_check_free(pr->addr.chk);
	register_check_free(pr->name.chk);
	pr->bl = pr->wl = NULL;
	pr->addr.chk = pr->name.chk = NULL;
}

/* ---- the callout service ----------------------------------------------- */

int
proofs_service_start(struct vouchd *d, char *err, size_t errsz)
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
	d->callout = callout_new(d->dns, d->store, &cfg->callout, &p);
	if (d->callout == NULL) {
		snprintf(err, errsz, "cannot start the callout service");
		return -1;
	}
	d->callout_cfg = cfg->callout;
	return 0;
}

void
proofs_service_stop(struct vouchd *d)
{
	/* Checks still out are cancelled; their sessions free them. */
	callout_free(d->callout);
	d->callout = NULL;
	if (d->callout_tls)
		SSL_CTX_free(d->callout_tls);
	d->callout_tls = NULL;
}
