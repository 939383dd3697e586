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
#include "dns/dns.h"
#include "dns/dns_result.h"
#include "smtp/smtp_client.h"
#include "store/store.h"
#include "util/hmap.h"
#include "util/ipspecial.h"
#include "util/log.h"
#include "util/xmalloc.h"

/* DESIGN 5.1 step 5: after a wrong id, 3 minutes of 421. */
#define CHECK_THROTTLE_S 180

/* Callbacks per target address: at once, and in the current minute. */
struct xv_target {
	int active;
	int64_t minute;
	long long count;
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

/* ---- the answering side ------------------------------------------------ */

static void
answer_check(struct smtpd_sess *ss, struct smtp_session *s, const char *id)
{
	struct vouchd *d = ss->d;
	const char *addr = smtp_session_peer_addr(s);
	char reply[200];
	int rc;

	if (store_get(d->store, "xvouch_throttle", addr, NULL, NULL) == 1) {
		log_info("sid=%016llx event=xvouch_check result=throttled client=%s",
		    (unsigned long long)ss->sid, addr);
		smtp_session_decide(
		    s, 421, "4.7.0", "Too many unknown sessions asked about; try again later");
		return;
	}
	rc = vouch_table_check(d->store, id, addr);
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
	/* Unknown id, or known for another peer: the same answer for both. */
	store_put(d->store, "xvouch_throttle", addr, "unknown session",
	    (int64_t)time(NULL) + CHECK_THROTTLE_S);
	log_info("sid=%016llx event=xvouch_check result=unknown client=%s",
	    (unsigned long long)ss->sid, addr);
	smtp_session_decide(s, 550, "5.7.1", "unknown session");
}

/* ---- the receiver's callback --------------------------------------------- */

static struct xv_target *
target_of(struct vouchd *d, const char *addr)
{
	struct xv_target *t = hmap_get(d->xvouch_targets, addr, strlen(addr));

	if (t == NULL) {
		if (hmap_count(d->xvouch_targets) > 10000) {
			/* Bounded: forget idle targets' minute counts. */
			hmap_free(d->xvouch_targets);
			d->xvouch_targets = hmap_new();
		}
		t = xcalloc(1, sizeof(*t));
		hmap_put(d->xvouch_targets, addr, strlen(addr), t);
	}
	return t;
}

static void
target_release(struct vouchd *d, const char *addr)
{
	struct xv_target *t = hmap_get(d->xvouch_targets, addr, strlen(addr));

	if (t && t->active > 0)
		t->active--;
}

static void
cache_key(const struct xvouch_rx *xv, const char *client, char *out, size_t outsz)
{
	snprintf(out, outsz, "%s|%s", xv->name, client);
	str_lower(out);
}

/* The verdict is in: tell the client and act on it. */
static void
conclude(struct smtpd_sess *ss, enum xvouch_state st, const char *why)
{
	struct vouchd *d = ss->d;
	struct xvouch_rx *xv = &ss->xv;
	struct smtp_session *s = smtp_server_find(d->smtp, ss->sid);
	char text[600], key[400];

	if (xv->budget) {
		event_free(xv->budget);
		xv->budget = NULL;
	}
	if (xv->cli) {
		smtp_client_free(xv->cli);
		xv->cli = NULL;
	}
	if (xv->target[0])
		target_release(d, xv->target);
	xv->state = st;
	str_copy(xv->reason, sizeof(xv->reason), why);
	log_info("sid=%016llx event=xvouch result=%s name=%s target=%s%s reason=\"%s\"",
	    (unsigned long long)ss->sid, xvouch_state_name(st), xv->name,
	    xv->target[0] ? xv->target : "-", xv->from_cache ? " cached=1" : "", why);
	checks_count(ss, "xvouch", xvouch_state_name(st));
	if (s == NULL)
		return;
	if (st == XV_PASS) {
		if (!xv->from_cache && ss->cfg->xvouch_cache_ttl > 0) {
			cache_key(xv, smtp_session_peer_addr(s), key, sizeof(key));
			store_put(d->store, "xvouch_ok", key, xv->id,
			    (int64_t)time(NULL) + ss->cfg->xvouch_cache_ttl / 1000);
		}
		snprintf(text, sizeof(text), "vouched for %s", xv->name);
		smtp_session_decide(s, 250, "2.7.0", text);
		checks_after_xvouch(ss, s);
		return;
	}
	if (st == XV_TEMPERROR) {
		if (snprintf(text, sizeof(text), "cannot verify the session now: %s", why) >=
		    (int)sizeof(text))
			text[sizeof(text) - 1] = '\0';
		smtp_session_decide(s, 451, "4.7.0", text);
		return;
	}
	/* XV_FAIL */
	int act = checks_action(ss, ss->listener->xvouch_fail, NULL);
	if (act == CONFIG_ACT_REJECT) {
		/* DESIGN 5.1 step 6, hard mode: refuse, close, block the address. */
		if (snprintf(text, sizeof(text), "session not vouched for by %s: %s", xv->name,
		        why) >= (int)sizeof(text))
			text[sizeof(text) - 1] = '\0';
		if (ss->cfg->xvouch_block_time > 0)
			checks_block_client(ss, s, ss->cfg->xvouch_block_time / 1000, text);
		checks_count_refusal(ss, "xvouch");
		smtp_session_decide(s, 550, "5.7.1", text);
		smtp_session_close(s);
		return;
	}
	if (snprintf(text, sizeof(text),
	        "session not vouched for by %s: %s (the session goes on "
	        "unverified)",
	        xv->name, why) >= (int)sizeof(text))
		text[sizeof(text) - 1] = '\0';
	smtp_session_decide(s, 550, "5.7.1", text);
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

static void
on_client(struct smtp_client *c, enum smtp_client_event ev, void *arg)
{
	struct smtpd_sess *ss = arg;
	const struct smtp_client_info *in = smtp_client_info(c);
	char why[400];

	if (ev == SMTP_CLIENT_READY) {
		const struct smtp_client_reply *r = &in->xvouch_check;
		if (r->code == 250) {
			conclude(ss, XV_PASS, "the host confirmed the session");
		} else if (r->code >= 500) {
			snprintf(why, sizeof(why), "%s answered %d %.200s", ss->xv.target, r->code,
			    r->text);
			conclude(ss, XV_FAIL, why);
		} else {
			snprintf(why, sizeof(why), "%s answered %d %.200s", ss->xv.target, r->code,
			    r->text);
			conclude(ss, XV_TEMPERROR, why);
		}
		return;
	}
	if (ev == SMTP_CLIENT_FAILED) {
		const struct smtp_client_reply *e = smtp_client_error(c);
		if (e->code >= 500)
			snprintf(why, sizeof(why), "%s refused the check: %d %.200s", ss->xv.target,
			    e->code, e->text);
		else
			snprintf(why, sizeof(why), "%s: %.250s", ss->xv.target, e->text);
		conclude(ss, e->code >= 500 ? XV_FAIL : XV_TEMPERROR, why);
	}
}

/* The EHLO name's addresses are in: pick X and call it. */
static void
call_back(struct smtpd_sess *ss)
{
	struct vouchd *d = ss->d;
	struct xvouch_rx *xv = &ss->xv;
	struct smtp_session *s = smtp_server_find(d->smtp, ss->sid);
	struct smtp_client_params p;
	struct sockaddr_storage to, from;
	socklen_t fromlen;
	char why[400];

	if (s == NULL)
		return;
	if (xv->ntargets == 0) {
		snprintf(why, sizeof(why), "%s has no address", xv->name);
		conclude(ss, xv->state == XV_TEMPERROR ? XV_TEMPERROR : XV_FAIL, why);
		return;
	}
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
	struct xv_target *t = target_of(d, xv->target);
	int64_t minute = (int64_t)time(NULL) / 60;
	if (t->minute != minute) {
		t->minute = minute;
		t->count = 0;
	}
	if (t->active >= ss->cfg->xvouch_max_concurrent ||
	    t->count >= ss->cfg->xvouch_max_per_minute) {
		snprintf(why, sizeof(why), "too many callbacks to %s", xv->target);
		xv->target[0] = '\0';
		conclude(ss, XV_TEMPERROR, why);
		return;
	}
	t->active++;
	t->count++;
	memset(&to, 0, sizeof(to));
	if (strchr(xv->target, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&to;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)ss->cfg->xvouch_port);
		inet_pton(AF_INET6, xv->target, &s6->sin6_addr);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&to;
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)ss->cfg->xvouch_port);
		inet_pton(AF_INET, xv->target, &s4->sin_addr);
	}
	/* DESIGN 5.1 step 4: from the local address the client reached. */
	const struct sockaddr *local = smtp_session_local(s, &fromlen);
	memcpy(&from, local, fromlen);
	if (from.ss_family == AF_INET)
		((struct sockaddr_in *)&from)->sin_port = 0;
	else
		((struct sockaddr_in6 *)&from)->sin6_port = 0;
	memset(&p, 0, sizeof(p));
	p.helo = ss->cfg->hostname;
	p.peer_name = xv->name;
	p.tls = outbound_tls_ctx(d->outbound);
	p.xvouch_check = xv->id;
	if (from.ss_family == to.ss_family) {
		p.bind_src = (const struct sockaddr *)&from;
		p.bind_srclen = fromlen;
	}
	p.timeout_connect = ss->cfg->xvouch_timeout;
	p.timeout_command = ss->cfg->xvouch_timeout;
	log_debug("sid=%016llx event=xvouch_callback target=%s port=%lld",
	    (unsigned long long)ss->sid, xv->target, ss->cfg->xvouch_port);
	xv->cli = smtp_client_new(d->base, (const struct sockaddr *)&to,
	    to.ss_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6), &p,
	    on_client, ss);
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
		xv->state = XV_TEMPERROR;
	}
	dns_result_free(res);
	if (--xv->pending == 0)
		call_back(ss);
}

static void
start_offer(struct smtpd_sess *ss, struct smtp_session *s, const char *id)
{
	struct vouchd *d = ss->d;
	struct xvouch_rx *xv = &ss->xv;
	const char *helo = smtp_session_helo(s);
	char key[400], *cached = NULL;

	if (helo == NULL || helo[0] == '[' || !strchr(helo, '.')) {
		smtp_session_decide(
		    s, 550, "5.7.1", "XVOUCH needs the sending host's name (an FQDN) in EHLO");
		return;
	}
	memset(xv, 0, sizeof(*xv));
	str_copy(xv->name, sizeof(xv->name), helo);
	str_copy(xv->id, sizeof(xv->id), id);
	xv->state = XV_RUNNING;
	cache_key(xv, smtp_session_peer_addr(s), key, sizeof(key));
	if (store_get(d->store, "xvouch_ok", key, &cached, NULL) == 1) {
		free(cached);
		xv->from_cache = 1;
		conclude(ss, XV_PASS, "confirmed earlier for this name and address");
		return;
	}
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
	if (xv->cli) {
		smtp_client_free(xv->cli);
		xv->cli = NULL;
		if (xv->target[0])
			target_release(ss->d, xv->target);
	}
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
