/*
 * xvouch: session vouching in vouchd (see xvouch.h); the receiver's
 * callback check is gather_xvouch.c's.
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
#include "gather.h"
#include "lists.h"
#include "outbound.h"
#include "auth/vouch_check.h"
#include "smtp/smtp_session.h"
#include "store/store.h"
#include "util/hmap.h"
#include "util/log.h"
#include "util/str.h"
#include "util/xmalloc.h"

/* Asking addresses remembered by the answering side before it starts over. */
#define ASKERS_MAX 10000

/* Unknown ids asked about by one address, in the current minute. */
struct asker {
	int64_t minute;
	long long failures;
	long long beyond; /* answered 421 this minute */
};

/* ---- the answering side (X) ------------------------------------------------ */

static void
free_value(const void *key, size_t keylen, void *value, void *arg)
{
	(void)key;
	(void)keylen;
	(void)arg;
	free(value);
}

static void
askers_free(struct vouchd *d)
{
	if (d->xvouch_askers == NULL)
		return;
	hmap_foreach(d->xvouch_askers, free_value, NULL);
	hmap_free(d->xvouch_askers);
	d->xvouch_askers = NULL;
}

static struct asker *
asker_of(struct vouchd *d, const char *addr)
{
	struct asker *a = hmap_get(d->xvouch_askers, addr, strlen(addr));
	int64_t minute = (int64_t)time(NULL) / 60;

	if (a == NULL) {
		if (hmap_count(d->xvouch_askers) >= ASKERS_MAX) {
			/* bounded: a flood from many addresses forgets the counts */
			askers_free(d);
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

/* A check waiting for the session table; the request owns it. */
struct xvouch_ask {
	struct vouchd *d;
	uint64_t sid;
	char id[VOUCH_ID_LEN + 1];
};

/*
 * DESIGN 5.1 step 5. An id we hold for a session whose peer is the asking
 * address is always confirmed, whatever came before. Unknown ids (or ids
 * of another peer's session) are refused; past xvouch_check_max_failures
 * of them in a minute the asker gets 421 and the connection closes, so a
 * flood costs us nothing, while a later check of a real session still
 * passes. The table may be shared by a cluster (store.h): the answer comes
 * when the store's does, to the session found again by its id.
 */
static void
answered(void *owner, uint64_t ref, const struct store_reply *r)
{
	struct xvouch_ask *ask = owner;
	struct vouchd *d = ask->d;
	struct smtp_session *s = smtp_server_find(d->smtp, ref);
	char reply[200];

	if (s == NULL)
		goto done; /* the asker has gone */
	const char *addr = smtp_session_peer_addr(s);
	if (r->rc == 1 && vouch_table_matches(r->value, addr)) {
		log_info("sid=%016llx event=xvouch_check result=confirmed client=%s",
		    (unsigned long long)ref, addr);
		snprintf(reply, sizeof(reply), "%s confirmed", ask->id);
		smtp_session_decide(s, 250, "2.7.0", reply);
		goto done;
	}
	if (r->rc < 0) {
		log_warn("sid=%016llx event=store_error op=xvouch_check client=%s",
		    (unsigned long long)ref, addr);
		smtp_session_decide(s, 451, "4.3.0", "Session table unavailable; try again later");
		goto done;
	}
	struct asker *a = asker_of(d, addr);
	if (a->failures >= d->cfg->xvouch_check_max_failures) {
		if (a->beyond++ == 0)
			log_warn(
			    "sid=%016llx event=xvouch_check result=flood client=%s failures=%lld",
			    (unsigned long long)ref, addr, a->failures);
		smtp_session_decide(
		    s, 421, "4.7.0", "Too many unknown sessions asked about; try again later");
		smtp_session_close(s);
		goto done;
	}
	a->failures++;
	/* Unknown id, or known for another peer: the same answer for both. */
	log_info("sid=%016llx event=xvouch_check result=unknown client=%s", (unsigned long long)ref,
	    addr);
	smtp_session_answer(s, 550, "5.7.1", "unknown session");
done:
	free(ask);
}

void
xvouch_answer(struct vouchd *d, struct smtp_session *s, const char *id)
{
	struct xvouch_ask *ask = xcalloc(1, sizeof(*ask));

	ask->d = d;
	ask->sid = smtp_session_id(s);
	str_copy(ask->id, sizeof(ask->id), id);
	/* the session waits (reads nothing) until answered() decides */
	store_req_get(d->store, "xvouch", id, answered, ask, ask->sid);
}

/* ---- the daemon's part ----------------------------------------------------------- */

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
	/* its answers go to the session's proof gathering, by session id */
	d->xvcheck = vouch_checker_new(d->base, gather_xvouch_checked, d);
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
	askers_free(d);
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
