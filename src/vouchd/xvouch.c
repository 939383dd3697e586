/*
 * xvouch: session vouching in vouchd (see xvouch.h).
 */
#include "xvouch.h"

#include <arpa/inet.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "vouchd.h"
#include "checks.h"
#include "outbound.h"
#include "smtpd.h"
#include "auth/vouch_check.h"
#include "dns/dns.h"
#include "dns/dns_result.h"
#include "store/store.h"
#include "util/hmap.h"
#include "util/ipspecial.h"
#include "util/log.h"
#include "util/xmalloc.h"

/* Asking addresses remembered by the answering side before it starts over. */
#define ASKERS_MAX 10000

/* Unknown ids asked about by one address, in the current minute. */
struct asker {
	int64_t minute;
	long long failures;
	long long beyond; /* answered 421 this minute */
};

const char *
xvouch_state_name(enum xvouch_state st)
{
	switch (st) {
	case XV_PASS: return "pass";
	case XV_FAIL: return "fail";
	case XV_TEMPERROR: return "temperror";
	case XV_RUNNING: return "running";
	default: return "none";
	}
}

/* ---- the answering side (X) ------------------------------------------------ */

static struct asker *
asker_of(struct vouchd *d, const char *addr)
{
	struct asker *a = hmap_get(d->xvouch_askers, addr, strlen(addr));
	int64_t minute = (int64_t)time(NULL) / 60;

	if (a == NULL) {
		if (hmap_count(d->xvouch_askers) >= ASKERS_MAX) {
			/* bounded: a flood from many addresses forgets the counts */
			xvouch_askers_free(d);
			d->xvouch_askers = hmap_new();
		}
		a = xcalloc(1, sizeof(*a));
		hmap_put(d->xvouch_askers, addr, strlen(addr), a);
	}
	if (a->minute != minute) {
		if (a->beyond > 0)
			log_warn(
			    "event=xvouch_check_flood client=%s failures=%lld answered_421=%lld",
			    addr, a->failures, a->beyond);
		a->minute = minute;
		a->failures = a->beyond = 0;
	}
	return a;
}

/*
 * DESIGN 5.1 step 5. An id we hold for a session whose peer is the asking
 * address is always confirmed, whatever came before. Unknown ids (or ids
 * of another peer's session) are refused; past xvouch_check_max_failures
 * of them in a minute the asker gets 421 and the connection closes, so a
 * flood costs us nothing, while a later check of a real session still
 * passes.
 */
static void
answer_check(struct smtpd_sess *ss, struct smtp_session *s, const char *id)
{
	struct vouchd *d = ss->d;
	const char *addr = smtp_session_peer_addr(s);
	char reply[200];
	int rc = vouch_table_check(d->store, id, addr);

	if (rc == 1) {
		log_info("sid=%016llx event=xvouch_check result=confirmed client=%s",
		    (unsigned long long)ss->sid, addr);
		snprintf(reply, sizeof(reply), "%s confirmed", id);
		smtp_session_decide(s, 250, "2.7.0", reply);
		return;
	}
	if (rc < 0) {
		smtp_session_decide(s, 451, "4.3.0", "Session table unavailable; try again later");
		return;
	}
	struct asker *a = asker_of(d, addr);
	if (a->failures >= ss->cfg->xvouch_check_max_failures) {
		if (a->beyond++ == 0)
			log_warn(
			    "sid=%016llx event=xvouch_check result=flood client=%s failures=%lld",
			    (unsigned long long)ss->sid, addr, a->failures);
		smtp_session_decide(
		    s, 421, "4.7.0", "Too many unknown sessions asked about; try again later");
		smtp_session_close(s);
		return;
	}
	a->failures++;
	/* Unknown id, or known for another peer: the same answer for both. */
	log_info("sid=%016llx event=xvouch_check result=unknown client=%s",
	    (unsigned long long)ss->sid, addr);
	smtp_session_answer(s, 550, "5.7.1", "unknown session");
}

/* ---- the receiver (R) -------------------------------------------------------- */

/* The verdict is in: tell the client and act on it. */
static void
conclude(struct smtpd_sess *ss, enum xvouch_state st, const char *why)
{
	struct vouchd *d = ss->d;
	struct xvouch_rx *xv = &ss->xv;
	struct smtp_session *s = smtp_server_find(d->smtp, ss->sid);
	char text[600];

	if (xv->budget) {
		event_free(xv->budget);
		xv->budget = NULL;
	}
	if (xv->req) {
		vouch_checker_cancel(d->xvcheck, xv->req);
		xv->req = 0;
	}
	xv->state = st;
	str_copy(xv->reason, sizeof(xv->reason), why);
	char name_esc[LOG_ESC_MAX], why_esc[LOG_ESC_MAX];
	log_info("sid=%016llx event=xvouch result=%s name=%s target=%s reason=%s",
	    (unsigned long long)ss->sid, xvouch_state_name(st),
	    log_token(name_esc, sizeof(name_esc), xv->name), xv->target[0] ? xv->target : "-",
	    log_str(why_esc, sizeof(why_esc), why));
	checks_count(ss, "xvouch", xvouch_state_name(st));
	if (s == NULL)
		return;
	if (st == XV_PASS) {
		snprintf(text, sizeof(text), "vouched for %s", xv->name);
		smtp_session_decide(s, 250, "2.7.0", text);
		checks_after_xvouch(ss, s);
		return;
	}
	if (st == XV_TEMPERROR) {
		str_fmt(text, sizeof(text), "cannot verify the session now: %s", why);
		smtp_session_decide(s, 451, "4.7.0", text);
		return;
	}
	/* XV_FAIL */
	int act = checks_action(ss, ss->listener->xvouch_fail, NULL);
	if (act == CONFIG_ACT_REJECT) {
		/*
		 * DESIGN 5.1 step 6, hard mode: refuse and close; the address
		 * becomes vouch-required, not blocked: the honest server behind
		 * the same NAT address keeps delivering when it vouches.
		 */
		str_fmt(text, sizeof(text), "session not vouched for by %s: %s", xv->name, why);
		if (ss->cfg->xvouch_required_time > 0)
			checks_require_vouch(ss, s, ss->cfg->xvouch_required_time / 1000, text);
		checks_count_refusal(ss, "xvouch");
		smtp_session_decide(s, 550, "5.7.1", text);
		smtp_session_close(s);
		return;
	}
	str_fmt(text, sizeof(text),
	    "session not vouched for by %s: %s (the session goes on unverified)", xv->name, why);
	smtp_session_decide(s, 550, "5.7.1", text);
}

/* The checker's answer; the session is found by its id. */
static void
on_checked(void *owner, uint64_t sid, enum vouch_check_result r, const char *why)
{
	struct vouchd *d = owner;
	struct smtp_session *s = smtp_server_find(d->smtp, sid);
	struct smtpd_sess *ss = s ? smtp_session_udata(s) : NULL;

	if (ss == NULL || ss->xv.state != XV_RUNNING)
		return;
	ss->xv.req = 0;
	if (r == VOUCH_CHECK_PASS)
		conclude(ss, XV_PASS, "the host confirmed the session");
	else
		conclude(ss, r == VOUCH_CHECK_FAIL ? XV_FAIL : XV_TEMPERROR, why);
}

static void
on_budget(evutil_socket_t fd, short what, void *arg)
{
	struct smtpd_sess *ss = arg;

	(void)fd;
	(void)what;
	for (int i = 0; i < 2; i++)
		if (ss->xv.q[i])
			dns_client_cancel(ss->d->dns, ss->xv.q[i]);
	ss->xv.q[0] = ss->xv.q[1] = 0;
	ss->xv.pending = 0;
	conclude(ss, XV_TEMPERROR, "the vouching host did not answer in time");
}

/* The EHLO name's addresses are in: pick X and ask it. */
static void
call_back(struct smtpd_sess *ss)
{
	struct vouchd *d = ss->d;
	struct xvouch_rx *xv = &ss->xv;
	struct smtp_session *s = smtp_server_find(d->smtp, ss->sid);
	struct sockaddr_storage to;
	socklen_t tolen, fromlen;
	char why[400];

	if (s == NULL)
		return;
	if (xv->ntargets == 0) {
		snprintf(why, sizeof(why), "%s has no address", xv->name);
		conclude(ss, xv->state == XV_TEMPERROR ? XV_TEMPERROR : XV_FAIL, why);
		return;
	}
	xv->state = XV_RUNNING;
	/* DESIGN 5.1 step 3: the client's own address if the name has it. */
	str_copy(xv->target, sizeof(xv->target), xv->targets[0]);
	for (size_t i = 0; i < xv->ntargets; i++)
		if (strcmp(xv->targets[i], smtp_session_peer_addr(s)) == 0)
			str_copy(xv->target, sizeof(xv->target), xv->targets[i]);
	const char *special = ipspecial_text(xv->target);
	if (!ss->cfg->xvouch_allow_private && special) {
		/* the filter every outbound check shares (util/ipspecial) */
		snprintf(why, sizeof(why), "refusing to call back private address %s (%s)",
		    xv->target, special);
		xv->target[0] = '\0';
		conclude(ss, XV_FAIL, why);
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
	    (unsigned long long)ss->sid, xv->target, ss->cfg->xvouch_port);
	xv->req = vouch_checker_ask(d->xvcheck, (const struct sockaddr *)&to, tolen, local, fromlen,
	    xv->name, xv->id, ss->sid);
}

static void
on_address(struct dns_result *res, void *arg)
{
	struct smtpd_sess *ss = arg;
	struct xvouch_rx *xv = &ss->xv;

	for (int i = 0; i < 2; i++)
		if (xv->q[i] && res->qtype == (i ? DNS_T_AAAA : DNS_T_A))
			xv->q[i] = 0;
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
			xv->state = XV_TEMPERROR;
		call_back(ss);
	}
}

static void
start_offer(struct smtpd_sess *ss, struct smtp_session *s, const char *id)
{
	struct vouchd *d = ss->d;
	struct xvouch_rx *xv = &ss->xv;
	const char *helo = smtp_session_helo(s);

	if (helo == NULL || helo[0] == '[' || !strchr(helo, '.')) {
		smtp_session_decide(
		    s, 550, "5.7.1", "XVOUCH needs the sending host's name (an FQDN) in EHLO");
		return;
	}
	memset(xv, 0, sizeof(*xv));
	str_copy(xv->name, sizeof(xv->name), helo);
	str_copy(xv->id, sizeof(xv->id), id);
	/* Every session is proven by its own callback (DESIGN 5.1): no answer
	 * for another session, however recent, stands for this one. */
	xv->state = XV_RUNNING;
	xv->budget = evtimer_new(d->base, on_budget, ss);
	struct timeval tv = { ss->cfg->xvouch_timeout / 1000,
		(ss->cfg->xvouch_timeout % 1000) * 1000 };
	evtimer_add(xv->budget, &tv);
	xv->pending = 2;
	xv->q[0] = dns_client_lookup(d->dns, helo, DNS_T_A, on_address, ss);
	xv->q[1] = dns_client_lookup(d->dns, helo, DNS_T_AAAA, on_address, ss);
}

void
xvouch_command(struct smtpd_sess *ss, struct smtp_session *s, const char *arg, size_t len)
{
	enum vouch_cmd kind;
	char id[VOUCH_ID_LEN + 1];

	if (vouch_cmd_parse(arg, len, &kind, id) < 0) {
		smtp_session_decide(s, 501, "5.5.4",
		    "Syntax: XVOUCH <id> | XVOUCH CHECK <id> "
		    "(id: 128 letters and digits)");
		return;
	}
	if (kind == VOUCH_CMD_CHECK) {
		answer_check(ss, s, id);
		return;
	}
	if (!ss->listener->xvouch || ss->listener->mode == CONFIG_MODE_OFF) {
		smtp_session_decide(s, 502, "5.5.1", "XVOUCH not offered here");
		return;
	}
	if (ss->xv.state != XV_NONE) {
		smtp_session_decide(s, 503, "5.5.1", "XVOUCH already given in this session");
		return;
	}
	if (smtp_session_mail(s)) {
		smtp_session_decide(s, 503, "5.5.1", "XVOUCH goes before MAIL");
		return;
	}
	start_offer(ss, s, id);
}

void
xvouch_cancel(struct smtpd_sess *ss)
{
	struct xvouch_rx *xv = &ss->xv;

	for (int i = 0; i < 2; i++)
		if (xv->q[i])
			dns_client_cancel(ss->d->dns, xv->q[i]);
	xv->q[0] = xv->q[1] = 0;
	if (xv->budget) {
		event_free(xv->budget);
		xv->budget = NULL;
	}
	if (xv->req) {
		vouch_checker_cancel(ss->d->xvcheck, xv->req);
		xv->req = 0;
	}
}

void
xvouch_forget(struct smtpd_sess *ss)
{
	xvouch_cancel(ss);
	memset(&ss->xv, 0, sizeof(ss->xv));
	ss->xv.state = XV_NONE;
}

/* ---- the daemon's part ----------------------------------------------------------- */

static void
free_value(const void *key, size_t keylen, void *value, void *arg)
{
	(void)key;
	(void)keylen;
	(void)arg;
	free(value);
}

void
xvouch_askers_free(struct vouchd *d)
{
	if (d->xvouch_askers == NULL)
		return;
	hmap_foreach(d->xvouch_askers, free_value, NULL);
	hmap_free(d->xvouch_askers);
	d->xvouch_askers = NULL;
}

struct old_record {
	char *key, *value;
	int64_t expires;
};

struct forget_ctx {
	struct old_record *v;
	size_t n, cap;
	int old_blocks; /* only blocks the old hard-mode rule made */
};

static void
collect(void *arg, const char *key, const char *value, int64_t expires)
{
	struct forget_ctx *c = arg;

	if (c->old_blocks && strncmp(value, "session not vouched for by ", 27) != 0)
		return;
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 64;
		c->v = xrealloc(c->v, c->cap * sizeof(*c->v));
	}
	c->v[c->n].key = xstrdup(key);
	c->v[c->n].value = xstrdup(value);
	c->v[c->n].expires = expires;
	c->n++;
}

static void
forget_ctx_clear(struct forget_ctx *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].key);
		free(c->v[i].value);
	}
	c->n = 0;
}

/*
 * State written under rules vouch no longer has decides nothing: the
 * positive cache (xvouch_ok), the answering side's 3-minute throttle
 * (xvouch_throttle), and address blocks made by a hard-mode failure, which
 * become vouch-required marks with the same expiry.
 */
static void
forget_old_state(struct vouchd *d)
{
	static const char *const gone[] = { "xvouch_ok", "xvouch_throttle" };
	struct forget_ctx c = { NULL, 0, 0, 0 };
	size_t dropped = 0, moved = 0;
	char err[200];

	for (size_t k = 0; k < 2; k++) {
		store_list(d->store, gone[k], collect, &c);
		for (size_t i = 0; i < c.n; i++)
			store_del(d->store, gone[k], c.v[i].key);
		dropped += c.n;
		forget_ctx_clear(&c);
	}
	c.old_blocks = 1;
	store_list(d->store, "block", collect, &c);
	for (size_t i = 0; i < c.n; i++) {
		if (lists_add(d, LISTS_REQUIRED, c.v[i].key, c.v[i].expires, c.v[i].value, err,
		        sizeof(err)) == 0 &&
		    lists_del(d, LISTS_BLOCK, c.v[i].key) == 0)
			moved++;
	}
	forget_ctx_clear(&c);
	free(c.v);
	if (dropped || moved)
		log_info("event=xvouch_old_state_forgotten records=%zu blocks_now_required=%zu",
		    dropped, moved);
}

void
xvouch_configure(struct vouchd *d)
{
	const struct config *cfg = d->cfg;
	struct vouch_check_limits lim = {
		.port = (int)cfg->xvouch_port,
		.max_connections = cfg->xvouch_max_concurrent,
		.max_per_minute = cfg->xvouch_max_per_minute,
		.idle = cfg->xvouch_idle,
		.max_checks = cfg->xvouch_max_checks,
		.timeout = cfg->xvouch_timeout,
	};

	vouch_checker_configure(d->xvcheck, &lim, cfg->hostname, outbound_tls_ctx(d->outbound));
}

int
xvouch_start(struct vouchd *d)
{
	d->xvcheck = vouch_checker_new(d->base, on_checked, d);
	d->xvouch_askers = hmap_new();
	xvouch_configure(d);
	forget_old_state(d);
	return 0;
}

void
xvouch_stop(struct vouchd *d)
{
	vouch_checker_free(d->xvcheck);
	d->xvcheck = NULL;
	xvouch_askers_free(d);
}

/* ---- the sender's side ----------------------------------------------------- */

int
xvouch_register(struct vouchd *d, const char *peer_addr, char id[VOUCH_ID_LEN + 1])
{
	if (vouch_id_new(id) < 0)
		return -1;
	return vouch_table_add(d->store, id, peer_addr, d->cfg->hostname, (int64_t)time(NULL),
	    d->cfg->xvouch_session_ttl / 1000);
}

void
xvouch_unregister(struct vouchd *d, const char *id)
{
	vouch_table_del(d->store, id);
}
