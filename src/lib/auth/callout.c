/*
 * callout: the sender callout service (see callout.h): checks, the caches
 * in the store, the per-domain and total limits with their wait queue,
 * the time budget and the statistics. The dialogue itself (DNS, SMTP) is
 * in callout_run.c.
 */
#include "auth/callout_int.h"

#include <event2/event.h>
#include <openssl/rand.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "policy/ratelimit.h"
#include "store/store.h"
#include "util/hmap.h"
#include "util/log.h"
#include "util/str.h"
#include "util/xmalloc.h"

/* Slots a domain holds (an hmap value). */
struct callout_slots {
	unsigned n;
};

static const char *const result_names[CALLOUT_RESULT_COUNT] = {
	"pass",
	"fail",
	"catchall",
	"nomx",
	"nxdomain",
	"temperror",
};
static const char *const source_names[] = {
	"smtp",
	"dns",
	"cache-address",
	"cache-domain",
	"local",
};
static const char *const skip_names[CALLOUT_SKIP_COUNT] = {
	"spf-pass",
	"vouched",
	"allowed",
	"null-sender",
};
static const char *const counter_names[CALLOUT_C_COUNT] = {
	[CALLOUT_C_CALLS] = "callout.calls",
	[CALLOUT_C_CACHE_HITS] = "callout.cache_hits",
	[CALLOUT_C_QUEUED] = "callout.queued",
	[CALLOUT_C_BAD_DOMAIN] = "callout.bad_domains",
	[CALLOUT_C_NO_MX] = "callout.no_mx",
	[CALLOUT_C_BAD_CONNECT] = "callout.bad_connects",
	[CALLOUT_C_RATE_LIMITED] = "callout.rate_limited",
	[CALLOUT_C_SHARED_HITS] = "callout.shared_hits",
	[CALLOUT_C_SKIP_FIRST + CALLOUT_SKIP_SPF_PASS] = "callout.skip.spf-pass",
	[CALLOUT_C_SKIP_FIRST + CALLOUT_SKIP_VOUCHED] = "callout.skip.vouched",
	[CALLOUT_C_SKIP_FIRST + CALLOUT_SKIP_ALLOWED] = "callout.skip.allowed",
	[CALLOUT_C_SKIP_FIRST + CALLOUT_SKIP_NULL_SENDER] = "callout.skip.null-sender",
	[CALLOUT_C_RESULT_FIRST + CALLOUT_PASS] = "callout.result.pass",
	[CALLOUT_C_RESULT_FIRST + CALLOUT_FAIL] = "callout.result.fail",
	[CALLOUT_C_RESULT_FIRST + CALLOUT_CATCHALL] = "callout.result.catchall",
	[CALLOUT_C_RESULT_FIRST + CALLOUT_NOMX] = "callout.result.nomx",
	[CALLOUT_C_RESULT_FIRST + CALLOUT_NXDOMAIN] = "callout.result.nxdomain",
	[CALLOUT_C_RESULT_FIRST + CALLOUT_TEMPERROR] = "callout.result.temperror",
};

const char *
callout_result_name(enum callout_result r)
{
	return (unsigned)r < CALLOUT_RESULT_COUNT ? result_names[r] : "?";
}

const char *
callout_source_name(enum callout_source s)
{
	return (unsigned)s < sizeof(source_names) / sizeof(source_names[0]) ? source_names[s] : "?";
}

const char *
callout_skip_name(enum callout_skip s)
{
	return (unsigned)s < CALLOUT_SKIP_COUNT ? skip_names[s] : "?";
}

const char *
callout_counter_name(enum callout_counter c)
{
	return (unsigned)c < CALLOUT_C_COUNT ? counter_names[c] : "?";
}

long long
callout_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
callout_count(struct callout *co, enum callout_counter c)
{
	co->stats.n[c]++;
	/* Hourly buckets, like the submission counters: vouchctl stats sums them. */
	if (co->store)
		store_req_counter_add(co->store, counter_names[c], (int64_t)time(NULL) / 3600, 1,
		    store_done_log, "callout_counter", 0);
}

void
callout_skip(struct callout *co, enum callout_skip why)
{
	if ((unsigned)why < CALLOUT_SKIP_COUNT)
		callout_count(co, (enum callout_counter)(CALLOUT_C_SKIP_FIRST + why));
}

void
callout_stats(const struct callout *co, struct callout_stats *out)
{
	*out = co->stats;
}

/* --- slots and the wait queue ----------------------------------------- */

static int
can_start(const struct callout *co, const char *domain)
{
	const struct callout_slots *s = hmap_get(co->active, domain, strlen(domain));

	return co->nactive < (size_t)co->cfg.max_total &&
	    (s == NULL || s->n < (unsigned)co->cfg.max_per_domain);
}

static void
slot_take(struct callout *co, const char *domain)
{
	struct callout_slots *s = hmap_get(co->active, domain, strlen(domain));

	if (s == NULL) {
		s = xcalloc(1, sizeof(*s));
		hmap_put(co->active, domain, strlen(domain), s);
	}
	s->n++;
	co->nactive++;
}

static void
start_now(struct callout *co, struct callout_check *chk)
{
	chk->skip_random = callout_cache_rejects_unknown(co, chk);
	slot_take(co, chk->out.domain);
	chk->holds_slot = 1;
	chk->state = CK_RUNNING;
	callout_run_start(chk);
}

static void
queue_remove(struct callout *co, struct callout_check *chk)
{
	for (struct callout_check **pp = &co->qhead; *pp; pp = &(*pp)->qnext) {
		if (*pp == chk) {
			*pp = chk->qnext;
			if (co->qtail == &chk->qnext)
				co->qtail = pp;
			co->nqueued--;
			chk->qnext = NULL;
			return;
		}
	}
}

/*
 * A slot of domain was given back: start what waits, in order, where the
 * limits now allow. A waiting check of that domain (whose result may just
 * have been stored) or one about to start looks at the cache first; the
 * others need no store lookup now.
 */
static void
dispatch(struct callout *co, const char *domain)
{
	struct callout_check *chk = co->qhead, *next;

	for (; chk; chk = next) {
		int startable;
		next = chk->qnext;
		startable = can_start(co, chk->out.domain);
		if (!startable && strcmp(chk->out.domain, domain) != 0)
			continue;
		if (callout_cache_lookup(co, chk)) {
			queue_remove(co, chk);
			callout_settle_later(chk, chk->out.result, chk->out.source);
		} else if (startable) {
			queue_remove(co, chk);
			start_now(co, chk);
		}
	}
}

void
callout_slot_release(struct callout *co, const char *domain)
{
	struct callout_slots *s = hmap_get(co->active, domain, strlen(domain));
	char name[SMTP_DOMAIN_MAX + 1];

	if (s == NULL)
		log_panic("callout: releasing a slot %s does not hold", domain);
	/* domain may belong to what is being freed: keep a copy */
	str_copy(name, sizeof(name), domain);
	co->nactive--;
	if (--s->n == 0) {
		hmap_del(co->active, name, strlen(name));
		free(s);
	}
	dispatch(co, name);
}

/* --- checks ------------------------------------------------------------ */

static void
on_ready(evutil_socket_t fd, short what, void *arg)
{
	struct callout_check *chk = arg;

	callout_finish(chk, chk->out.result, chk->out.source);
}

/* A result known without I/O: delivered from the loop, never from inside
 * callout_start(). */
void
callout_settle_later(struct callout_check *chk, enum callout_result r, enum callout_source src)
{
	chk->out.result = r;
	chk->out.source = src;
	chk->state = CK_NEW;
	event_active(chk->ready_ev, 0, 0);
}

static void
on_budget(evutil_socket_t fd, short what, void *arg)
{
	struct callout_check *chk = arg;
	struct callout *co = chk->co;
	enum callout_source src = CALLOUT_SRC_LOCAL;

	if (chk->state == CK_QUEUED) {
		queue_remove(co, chk);
		snprintf(chk->out.reason, sizeof(chk->out.reason),
		    "no callout slot for %s within %llds (callout_max_per_domain, callout_max_total)",
		    chk->out.domain, co->cfg.timeout / 1000);
	} else if (chk->state == CK_SHARED) {
		callout_shared_cancel(chk);
		snprintf(chk->out.reason, sizeof(chk->out.reason),
		    "the cluster's store did not answer within %llds (callout_timeout)",
		    co->cfg.timeout / 1000);
	} else if (chk->state == CK_RUNNING) {
		/* Hosts that connect and then stall are left alone for a while
		 * too, like those that do not answer at all. */
		if (chk->out.tries > 0)
			chk->unreachable = 1;
		src = chk->out.tries > 0 ? CALLOUT_SRC_SMTP : CALLOUT_SRC_DNS;
		snprintf(chk->out.reason, sizeof(chk->out.reason),
		    "no answer within %llds (callout_timeout)%s%.200s", co->cfg.timeout / 1000,
		    chk->last_error[0] ? "; last: " : "", chk->last_error);
	} else {
		return;
	}
	callout_finish(chk, CALLOUT_TEMPERROR, src);
}

static void
log_outcome(const struct callout_check *chk)
{
	const struct callout_outcome *o = &chk->out;
	char addr[LOG_ESC_MAX], mx[LOG_ESC_MAX], why[LOG_ESC_MAX];

	if (!log_enabled(LOG_LVL_INFO))
		return;
	/* Addresses, names from DNS and replies from peers: all escaped. */
	log_info("event=callout address=%s result=%s source=%s mx=%s addr=%s code=%d tries=%u "
	         "queued=%d reason=%s",
	    log_escape(addr, sizeof(addr), o->address, strlen(o->address)), result_names[o->result],
	    callout_source_name(o->source), log_escape(mx, sizeof(mx), o->mx, strlen(o->mx)),
	    o->mx_addr[0] ? o->mx_addr : "-", o->code, o->tries, o->queued,
	    log_escape(why, sizeof(why), o->reason, strlen(o->reason)));
}

void
callout_finish(struct callout_check *chk, enum callout_result r, enum callout_source src)
{
	struct callout *co = chk->co;
	int cached = src == CALLOUT_SRC_CACHE_ADDRESS || src == CALLOUT_SRC_CACHE_DOMAIN;

	callout_run_stop(chk);
	chk->state = CK_DONE;
	event_del(chk->budget_ev);
	event_del(chk->ready_ev);
	chk->out.result = r;
	chk->out.source = src;
	/* The reason may quote a peer and DNS names: printable ASCII only, so
	 * a caller can put it in an SMTP reply or a header as it is. */
	callout_clean_copy(chk->out.reason, sizeof(chk->out.reason), chk->out.reason);
	if (src == CALLOUT_SRC_SMTP || src == CALLOUT_SRC_DNS)
		callout_cache_store(co, chk);
	if (cached)
		callout_count(co, CALLOUT_C_CACHE_HITS);
	if (r == CALLOUT_NXDOMAIN || (r == CALLOUT_NOMX && chk->out.null_mx))
		callout_count(co, CALLOUT_C_BAD_DOMAIN);
	else if (r == CALLOUT_NOMX)
		callout_count(co, CALLOUT_C_NO_MX);
	callout_count(co, (enum callout_counter)(CALLOUT_C_RESULT_FIRST + r));
	log_outcome(chk);
	if (chk->holds_slot) {
		chk->holds_slot = 0;
		callout_slot_release(co, chk->out.domain);
	}
	/* Last thing: the callback may free chk. */
	chk->cb(&chk->out, chk->arg);
}

/* <random>@domain: 16 characters from the CSPRNG, so a server cannot tell
 * the catch-all probe from a real address and cannot guess it. */
static void
random_address(const char *domain, char *out, size_t outsz)
{
	static const char alnum[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char r[16];
	char local[sizeof(r) + 1];

	if (RAND_bytes(r, sizeof(r)) != 1) {
		for (size_t i = 0; i < sizeof(r); i++)
			r[i] = (unsigned char)(random() ^ (long)callout_now_ms());
	}
	for (size_t i = 0; i < sizeof(r); i++)
		local[i] = alnum[r[i] % (sizeof(alnum) - 1)];
	local[sizeof(r)] = '\0';
	snprintf(out, outsz, "%s@%s", local, domain);
}

/*
 * A callout about to be made over the network: within the session's cap,
 * its client's rate and its domain's? 0 if so; otherwise -1 with the
 * reason in the outcome (it becomes a temperror: try again later).
 */
static int
within_rates(struct callout *co, struct callout_check *chk)
{
	const char *d = chk->out.domain;
	int64_t now = callout_now_ms(), wait = 0;

	if (chk->cache_only) {
		str_copy(chk->out.reason, sizeof(chk->out.reason), chk->cache_only_why);
		return -1;
	}
	if (chk->client[0] &&
	    !ratelimit_take(co->per_client, chk->client, strlen(chk->client),
	        co->cfg.client_per_minute, co->cfg.client_per_minute, now, 0, &wait)) {
		snprintf(chk->out.reason, sizeof(chk->out.reason),
		    "%s has caused more than %lld callouts in a minute (callout_client_per_minute)",
		    chk->client, co->cfg.client_per_minute);
		return -1;
	}
	if (!ratelimit_take(co->per_domain, d, strlen(d), co->cfg.domain_per_minute,
	        co->cfg.domain_per_minute, now, 0, &wait)) {
		if (chk->client[0])
			ratelimit_give_back(co->per_client, chk->client, strlen(chk->client));
		snprintf(chk->out.reason, sizeof(chk->out.reason),
		    "more than %lld callouts to %.200s in a minute (callout_domain_per_minute)",
		    co->cfg.domain_per_minute, d);
		return -1;
	}
	return 0;
}

struct callout_check *
callout_start(struct callout *co, const char *address, callout_cb cb, void *arg)
{
	return callout_start_for(co, address, NULL, cb, arg);
}

struct callout_check *
callout_start_for(struct callout *co, const char *address, const struct callout_request *rq,
    callout_cb cb, void *arg)
{
	struct callout_check *chk = xcalloc(1, sizeof(*chk));
	struct smtp_addr a;
	enum smtp_addr_err e;
	struct timeval tv;
	size_t n;

	chk->co = co;
	chk->cb = cb;
	chk->arg = arg;
	chk->next = co->checks;
	if (co->checks)
		co->checks->prev = chk;
	co->checks = chk;
	chk->ready_ev = event_new(co->base, -1, 0, on_ready, chk);
	chk->budget_ev = evtimer_new(co->base, on_budget, chk);
	chk->id = ++co->next_id;
	if (chk->ready_ev == NULL || chk->budget_ev == NULL)
		log_panic("callout: event_new failed");
	chk->deadline = callout_now_ms() + co->cfg.timeout;
	tv.tv_sec = (time_t)(co->cfg.timeout / 1000);
	tv.tv_usec = (suseconds_t)((co->cfg.timeout % 1000) * 1000);
	evtimer_add(chk->budget_ev, &tv);
	callout_count(co, CALLOUT_C_CALLS);

	callout_clean_copy(chk->out.address, sizeof(chk->out.address), address);
	e = smtp_addr_parse_mailbox(address, strlen(address), SMTP_ADDR_ALLOW_UTF8, &a);
	if (e != SMTP_ADDR_OK) {
		snprintf(chk->out.reason, sizeof(chk->out.reason), "not a mailbox: %s",
		    smtp_addr_strerror(e));
		callout_settle_later(chk, CALLOUT_FAIL, CALLOUT_SRC_LOCAL);
		return chk;
	}
	/* The domain is case-insensitive and named without a final dot; the
	 * local part is the server's to interpret (RFC 5321 2.4), kept as is. */
	str_lower(a.domain);
	n = strlen(a.domain);
	if (n > 1 && a.domain[n - 1] == '.')
		a.domain[n - 1] = '\0';
	str_copy(chk->out.domain, sizeof(chk->out.domain), a.domain);
	if ((size_t)snprintf(chk->out.address, sizeof(chk->out.address), "%s@%s", a.local,
	        a.domain) >= sizeof(chk->out.address)) {
		/* RFC 5321 4.5.3.1.3: a path is at most 256 octets. */
		snprintf(chk->out.reason, sizeof(chk->out.reason), "not a mailbox: %s",
		    smtp_addr_strerror(SMTP_ADDR_E_PATH_LONG));
		callout_settle_later(chk, CALLOUT_FAIL, CALLOUT_SRC_LOCAL);
		return chk;
	}
	str_copy(chk->rcpt_addr, sizeof(chk->rcpt_addr), chk->out.address);
	random_address(a.domain, chk->random_addr, sizeof(chk->random_addr));
	chk->utf8 = (a.flags & SMTP_ADDR_UTF8) != 0;
	if (rq && rq->client)
		str_copy(chk->client, sizeof(chk->client), rq->client);
	if (rq && rq->cache_only) {
		chk->cache_only = 1;
		str_copy(chk->cache_only_why, sizeof(chk->cache_only_why),
		    rq->cache_only_why ? rq->cache_only_why : "no callout for this session now");
	}

	/* The node's own cache; in a cluster, then the shared one (which may
	 * answer later: the check goes on from its callback). */
	if (callout_cache_lookup(co, chk))
		callout_settle_later(chk, chk->out.result, chk->out.source);
	else if (!callout_shared_lookup(co, chk))
		callout_proceed(co, chk);
	return chk;
}

/* Within the node's rates, and in a cluster the cluster's (which may
 * answer later)? */
void
callout_proceed(struct callout *co, struct callout_check *chk)
{
	chk->state = CK_NEW;
	if (within_rates(co, chk) < 0) {
		callout_count(co, CALLOUT_C_RATE_LIMITED);
		callout_settle_later(chk, CALLOUT_TEMPERROR, CALLOUT_SRC_LOCAL);
	} else if (!callout_shared_rates(co, chk)) {
		callout_start_or_wait(co, chk);
	}
}

void
callout_rates_give_back(struct callout *co, struct callout_check *chk)
{
	if (chk->client[0])
		ratelimit_give_back(co->per_client, chk->client, strlen(chk->client));
	ratelimit_give_back(co->per_domain, chk->out.domain, strlen(chk->out.domain));
}

void
callout_start_or_wait(struct callout *co, struct callout_check *chk)
{
	chk->state = CK_NEW;
	if (can_start(co, chk->out.domain)) {
		/* (Whatever waits is blocked by limits this one is not under:
		 * dispatch() starts waiting checks as soon as they can.) */
		start_now(co, chk);
	} else if (co->nqueued >= (size_t)co->cfg.max_queue) {
		snprintf(chk->out.reason, sizeof(chk->out.reason),
		    "too many callouts waiting (callout_max_queue %lld)", co->cfg.max_queue);
		callout_settle_later(chk, CALLOUT_TEMPERROR, CALLOUT_SRC_LOCAL);
	} else {
		/* Wait in line: first come, first served when a slot frees. */
		chk->state = CK_QUEUED;
		chk->out.queued = 1;
		*co->qtail = chk;
		co->qtail = &chk->qnext;
		co->nqueued++;
		callout_count(co, CALLOUT_C_QUEUED);
	}
}

/* Stop whatever the check does and take it out of the service. */
static void
detach(struct callout_check *chk)
{
	struct callout *co = chk->co;

	if (co == NULL)
		return;
	if (chk->state == CK_QUEUED)
		queue_remove(co, chk);
	callout_shared_cancel(chk);
	callout_run_stop(chk);
	if (chk->prev)
		chk->prev->next = chk->next;
	else
		co->checks = chk->next;
	if (chk->next)
		chk->next->prev = chk->prev;
	chk->prev = chk->next = NULL;
	event_free(chk->ready_ev);
	event_free(chk->budget_ev);
	chk->ready_ev = chk->budget_ev = NULL;
	chk->co = NULL;
	if (chk->holds_slot) {
		chk->holds_slot = 0;
		callout_slot_release(co, chk->out.domain);
	}
}

void
callout_check_free(struct callout_check *chk)
{
	if (chk == NULL)
		return;
	detach(chk);
	free(chk);
}

const struct callout_outcome *
callout_check_outcome(const struct callout_check *chk)
{
	return &chk->out;
}

size_t
callout_pending(const struct callout *co)
{
	size_t n = 0;

	for (const struct callout_check *chk = co->checks; chk; chk = chk->next)
		if (chk->state != CK_DONE)
			n++;
	return n;
}

size_t
callout_connections(const struct callout *co)
{
	size_t n = 0;

	for (const struct callout_check *chk = co->checks; chk; chk = chk->next)
		n += chk->conn != NULL;
	for (const struct callout_conn *cn = co->lingers; cn; cn = cn->next)
		n++;
	return n;
}

/* --- the service -------------------------------------------------------- */

struct callout *
callout_new(struct dns_client *dns, struct store *store, const struct callout_config *cfg,
    const struct callout_params *p)
{
	struct callout *co = xcalloc(1, sizeof(*co));

	co->base = dns_client_base(dns);
	co->dns = dns;
	co->store = store;
	co->cfg = *cfg;
	co->helo = xstrdup(p->helo && *p->helo ? p->helo : "localhost");
	co->tls = p->tls;
	if (p->bind_src && p->bind_srclen <= sizeof(co->bind)) {
		memcpy(&co->bind, p->bind_src, p->bind_srclen);
		co->bind_len = p->bind_srclen;
	}
	co->qtail = &co->qhead;
	co->active = hmap_new();
	co->per_domain = ratelimit_new(100000);
	co->per_client = ratelimit_new(100000);
	return co;
}

void
callout_share(struct callout *co, struct store *shared)
{
	co->shared = shared;
}

static void
free_slots(const void *key, size_t keylen, void *value, void *arg)
{
	free(value);
}

void
callout_free(struct callout *co)
{
	if (co == NULL)
		return;
	/* Nothing waits any more: no check may start while others stop. */
	co->qhead = NULL;
	co->qtail = &co->qhead;
	co->nqueued = 0;
	while (co->checks) {
		struct callout_check *chk = co->checks;
		if (chk->state == CK_QUEUED)
			chk->state = CK_DONE;
		chk->holds_slot = 0;
		detach(chk);
	}
	callout_linger_free_all(co);
	hmap_foreach(co->active, free_slots, NULL);
	hmap_free(co->active);
	ratelimit_free(co->per_domain);
	ratelimit_free(co->per_client);
	free(co->helo);
	free(co);
}
