/*
 * callout_shared: the callout cache and rates of a cluster
 * (callout_share()). A
 * result one node learnt is kept in the nodes' common store too, so the
 * next node asked about the same sender, or a sender of the same domain,
 * answers from it instead of calling the sender's mail server again.
 *
 * The shared store is a network store: it is asked with requests, never
 * with blocking calls (the event loop must not wait for it). A check whose
 * address and domain the node's own cache does not know asks for the
 * domain's result, the address's and how the domain treats unknown users,
 * all at once; it waits (CK_SHARED) until the three answers are in, within
 * its callout_timeout. A result found is copied into the node's own cache
 * (with the same expiry) and answers the check; otherwise the check goes on
 * to the rates and the call. A store that fails counts as knowing nothing:
 * the node calls out itself, as a single node would.
 *
 * The rates: once the node's own token buckets allow a call, the client's
 * and the domain's counts of this clock minute in the shared store must
 * too (one atomic reservation each, keys that Redis forgets two minutes
 * on). A refusal gives back what the other took and the node's own
 * tokens, and the check is a temperror naming the cluster; a store that
 * fails leaves the node's own rates to decide.
 */
#include "auth/callout_int.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "store/store.h"
#include "util/log.h"
#include "util/str.h"

#define NLOOKUPS (CALLOUT_SH_BEHAVIOUR + 1)

static const char *const sh_ns[NLOOKUPS] = {
	[CALLOUT_SH_DOMAIN] = CALLOUT_NS_DOMAIN,
	[CALLOUT_SH_ADDRESS] = CALLOUT_NS_ADDRESS,
	[CALLOUT_SH_BEHAVIOUR] = CALLOUT_NS_BEHAVIOUR,
};

static uint64_t
rate_request(struct callout *co, struct callout_check *chk, unsigned which, int64_t n);

/* A request's ref: the check's id and which request it is. */
#define SH_REF(id, which) (((id) << 3) | (uint64_t)(which))

static struct callout_check *
find_check(struct callout *co, uint64_t id)
{
	for (struct callout_check *chk = co->checks; chk; chk = chk->next)
		if (chk->id == id)
			return chk;
	return NULL;
}

/* Every answer is in: answer from what was found, or go on to call. */
static void
lookups_done(struct callout *co, struct callout_check *chk)
{
	if (chk->sh_hit < 0) {
		callout_proceed(co, chk);
		return;
	}
	str_copy(chk->out.reason, sizeof(chk->out.reason), chk->sh_out.reason);
	chk->out.code = chk->sh_out.code;
	chk->out.null_mx = chk->sh_out.null_mx;
	str_copy(chk->out.mx, sizeof(chk->out.mx), chk->sh_out.mx);
	str_copy(chk->out.mx_addr, sizeof(chk->out.mx_addr), chk->sh_out.mx_addr);
	chk->out.expires = chk->sh_out.expires;
	callout_count(co, CALLOUT_C_SHARED_HITS);
	callout_settle_later(chk, chk->sh_out.result,
	    chk->sh_hit == CALLOUT_SH_DOMAIN ? CALLOUT_SRC_CACHE_DOMAIN
	                                     : CALLOUT_SRC_CACHE_ADDRESS);
}

static void
on_lookup(void *owner, uint64_t ref, const struct store_reply *r)
{
	struct callout *co = owner;
	unsigned which = (unsigned)(ref & 7);
	struct callout_check *chk = find_check(co, ref >> 3);
	struct callout_outcome o;

	if (chk == NULL || chk->state != CK_SHARED || which >= NLOOKUPS)
		return;
	chk->sh_req[which] = 0;
	chk->sh_pending--;
	if (r->rc < 0)
		log_warn("event=callout_store_error op=get ns=%s store=shared action=call",
		    sh_ns[which]);
	if (r->rc == 1 && r->value) {
		const char *key = which == CALLOUT_SH_ADDRESS ? chk->out.address : chk->out.domain;

		/* The node's own cache learns it too, for as long as it lasts. */
		if (store_put(co->store, sh_ns[which], key, r->value, r->expires) < 0)
			log_warn("event=callout_store_error op=put ns=%s", sh_ns[which]);
		memset(&o, 0, sizeof(o));
		if (which == CALLOUT_SH_BEHAVIOUR) {
			/* only looked at when the call is made (start_now) */
		} else if (callout_cache_parse(r->value, strlen(r->value), &o) == 0 &&
		    (chk->sh_hit < 0 || which == CALLOUT_SH_DOMAIN)) {
			/* The domain's result comes before the address's, as in
			 * the node's own cache. */
			o.expires = r->expires;
			chk->sh_out = o;
			chk->sh_hit = (int)which;
		}
	}
	if (chk->sh_pending == 0)
		lookups_done(co, chk);
}

int
callout_shared_lookup(struct callout *co, struct callout_check *chk)
{
	if (co->shared == NULL)
		return 0;
	/* Waiting before the requests go: SQLite or memory answer inside the
	 * call, and the last answer moves the check on. */
	chk->state = CK_SHARED;
	chk->sh_hit = -1;
	chk->sh_pending = NLOOKUPS;
	for (unsigned i = 0; i < NLOOKUPS; i++) {
		const char *key = i == CALLOUT_SH_ADDRESS ? chk->out.address : chk->out.domain;
		uint64_t id =
		    store_req_get(co->shared, sh_ns[i], key, on_lookup, co, SH_REF(chk->id, i));

		/* (an answer that came at once has already been counted) */
		if (id != 0 && chk->state == CK_SHARED)
			chk->sh_req[i] = id;
		if (chk->state != CK_SHARED)
			break;
	}
	return 1;
}

/* Every rate answered: call, or give back what was taken and say why not. */
static void
rates_done(struct callout *co, struct callout_check *chk)
{
	if (chk->sh_refused < 0) {
		callout_start_or_wait(co, chk);
		return;
	}
	for (unsigned i = CALLOUT_SH_CLIENT_RATE; i < CALLOUT_SH_COUNT; i++)
		if (chk->sh_taken[i])
			rate_request(co, chk, i, -1);
	callout_rates_give_back(co, chk);
	if (chk->sh_refused == CALLOUT_SH_CLIENT_RATE)
		snprintf(chk->out.reason, sizeof(chk->out.reason),
		    "%s has caused more than %lld callouts in a minute on the cluster's nodes "
		    "(callout_client_per_minute)",
		    chk->client, co->cfg.client_per_minute);
	else
		snprintf(chk->out.reason, sizeof(chk->out.reason),
		    "more than %lld callouts to %.200s in a minute from the cluster's nodes "
		    "(callout_domain_per_minute)",
		    co->cfg.domain_per_minute, chk->out.domain);
	callout_count(co, CALLOUT_C_RATE_LIMITED);
	callout_settle_later(chk, CALLOUT_TEMPERROR, CALLOUT_SRC_LOCAL);
}

static void
on_rate(void *owner, uint64_t ref, const struct store_reply *r)
{
	struct callout *co = owner;
	unsigned which = (unsigned)(ref & 7);
	struct callout_check *chk = find_check(co, ref >> 3);

	if (chk == NULL || chk->state != CK_SHARED || which < CALLOUT_SH_CLIENT_RATE ||
	    which >= CALLOUT_SH_COUNT)
		return;
	chk->sh_req[which] = 0;
	chk->sh_pending--;
	if (r->rc < 0)
		/* the node's own rate has allowed it: that holds alone now */
		log_warn("event=store_error op=callout_rate store=shared action=local");
	else if (r->rc == 0 && chk->sh_refused < 0)
		chk->sh_refused = (int)which;
	else if (r->rc == 1)
		chk->sh_taken[which] = 1;
	if (chk->sh_pending == 0)
		rates_done(co, chk);
}

/* One unit (n = 1), or one given back (n = -1), of the check's client's or
 * domain's count of this minute in the shared store. */
static uint64_t
rate_request(struct callout *co, struct callout_check *chk, unsigned which, int64_t n)
{
	int64_t now = (int64_t)time(NULL);
	int client = which == CALLOUT_SH_CLIENT_RATE;
	char key[SMTP_DOMAIN_MAX + 64];
	struct store_req q = { .op = STORE_OP_COUNTER_RESERVE,
		.key = key,
		.n = n,
		.limit = client ? co->cfg.client_per_minute : co->cfg.domain_per_minute,
		/* read within this minute only: forgotten two minutes on */
		.expires = now + 120 };

	snprintf(key, sizeof(key), "callout.rate.%s:%s:%lld", client ? "client" : "domain",
	    client ? chk->client : chk->out.domain, (long long)(now / 60));
	if (n < 0)
		return store_request(co->shared, &q, store_done_log, "callout_rate_give_back", 0);
	return store_request(co->shared, &q, on_rate, co, SH_REF(chk->id, which));
}

int
callout_shared_rates(struct callout *co, struct callout_check *chk)
{
	if (co->shared == NULL)
		return 0;
	chk->state = CK_SHARED;
	chk->sh_refused = -1;
	chk->sh_pending = chk->client[0] ? 2 : 1;
	for (unsigned i = chk->client[0] ? CALLOUT_SH_CLIENT_RATE : CALLOUT_SH_DOMAIN_RATE;
	     i < CALLOUT_SH_COUNT; i++) {
		uint64_t id = rate_request(co, chk, i, 1);

		if (id != 0 && chk->state == CK_SHARED)
			chk->sh_req[i] = id;
		if (chk->state != CK_SHARED)
			break;
	}
	return 1;
}

void
callout_shared_cancel(struct callout_check *chk)
{
	struct callout *co = chk->co;

	if (co == NULL || co->shared == NULL)
		return;
	for (unsigned i = 0; i < CALLOUT_SH_COUNT; i++) {
		if (chk->sh_req[i])
			store_req_cancel(co->shared, chk->sh_req[i]);
		chk->sh_req[i] = 0;
	}
	chk->sh_pending = 0;
}

void
callout_shared_put(
    struct callout *co, const char *ns, const char *key, const char *value, int64_t expires)
{
	if (co->shared && expires > 0)
		store_req_put(
		    co->shared, ns, key, value, expires, store_done_log, "callout_cache_put", 0);
}

void
callout_shared_del(struct callout *co, const char *ns, const char *key)
{
	if (co->shared)
		store_req_del(co->shared, ns, key, store_done_log, "callout_cache_del", 0);
}
