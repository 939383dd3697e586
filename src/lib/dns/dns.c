/*
 * dns: the asynchronous DNS client (see dns.h): query ids, timeouts, the
 * queue of answers waiting for their callbacks, and cancellation.
 *
 * Each query in flight sits in a slot; its id is the slot number plus a
 * per-slot generation, so a stale id (a query that already completed or was
 * cancelled) never finds a newer query. Answers from the backend are queued
 * and handed to callbacks from one event, so no callback runs inside
 * dns_client_lookup() or inside the backend's own processing.
 */
#include "dns/dns.h"

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>

#include "dns/dns_backend.h"
#include "dns/dns_cache.h"
#include "dns/dns_config.h"
#include "dns/dns_mem.h"
#include "dns/dns_name.h"
#include "dns/dns_result.h"
#include "util/log.h"
#include "util/xmalloc.h"

struct dns_pending {
	struct dns_client *client; /* for the timer; timers die with the client */
	uint64_t id;
	dns_callback cb; /* NULL once cancelled while queued */
	void *arg;
	char *name; /* stored after the struct */
	enum dns_type type;
	struct event *timer;      /* stored after the struct (event_assign) */
	void *q;                  /* the backend's handle */
	struct dns_result *res;   /* set when delivered */
	struct dns_pending *next; /* in the ready queue */
};

struct dns_slot {
	uint32_t gen;
	struct dns_pending *p; /* NULL when free */
};

struct dns_client {
	struct event_base *base;
	const struct dns_backend_ops *ops;
	void *state;
	const struct timeval *timeout; /* a libevent common timeout */

	struct dns_slot *slots;
	size_t nslots;
	uint32_t *freelist; /* indexes of free slots */
	size_t nfree;
	size_t npending;

	struct dns_pending *ready_head, *ready_tail;
	struct event *ready_ev;
	int dispatching; /* inside ready_cb */
	int dying;       /* dns_client_free called from a callback */

	struct dns_cache *cache; /* answers kept for their TTL, or NULL */
};

static const struct {
	enum dns_type type;
	const char *name;
} type_names[] = {
	{ DNS_T_A, "A" },
	{ DNS_T_NS, "NS" },
	{ DNS_T_CNAME, "CNAME" },
	{ DNS_T_PTR, "PTR" },
	{ DNS_T_MX, "MX" },
	{ DNS_T_TXT, "TXT" },
	{ DNS_T_AAAA, "AAAA" },
};

const char *
dns_type_name(enum dns_type type)
{
	for (size_t i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
		if (type_names[i].type == type)
			return type_names[i].name;
	return "?";
}

enum dns_type
dns_type_parse(const char *name)
{
	for (size_t i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
		if (strcasecmp(type_names[i].name, name) == 0)
			return type_names[i].type;
	return 0;
}

const char *
dns_status_name(enum dns_status st)
{
	static const char *const names[] = { "answer", "nxdomain", "nodata", "tempfail",
		"permfail" };

	return (unsigned)st < sizeof(names) / sizeof(names[0]) ? names[st] : "?";
}

const char *
dns_sec_name(enum dns_sec sec)
{
	static const char *const names[] = { "insecure", "secure", "bogus" };

	return (unsigned)sec < sizeof(names) / sizeof(names[0]) ? names[sec] : "?";
}

static struct dns_pending *
slot_find(const struct dns_client *c, uint64_t id)
{
	uint32_t idx = (uint32_t)(id & 0xffffffffu);
	uint32_t gen = (uint32_t)(id >> 32);

	if (idx == 0 || idx > c->nslots)
		return NULL;
	if (c->slots[idx - 1].gen != gen)
		return NULL;
	return c->slots[idx - 1].p;
}

static uint64_t
slot_take(struct dns_client *c, struct dns_pending *p)
{
	uint32_t idx;

	if (c->nfree == 0) {
		size_t n = c->nslots ? c->nslots * 2 : 16;
		if (n > 0xffffffffu)
			log_panic("dns: too many queries in flight");
		c->slots = xrealloc(c->slots, n * sizeof(*c->slots));
		c->freelist = xrealloc(c->freelist, n * sizeof(*c->freelist));
		for (size_t i = n; i > c->nslots; i--) {
			c->slots[i - 1].gen = 0;
			c->slots[i - 1].p = NULL;
			c->freelist[c->nfree++] = (uint32_t)(i - 1);
		}
		c->nslots = n;
	}
	idx = c->freelist[--c->nfree];
	/* Generation 0 is never used, so id 0 cannot occur. */
	if (++c->slots[idx].gen == 0)
		c->slots[idx].gen = 1;
	c->slots[idx].p = p;
	c->npending++;
	return ((uint64_t)c->slots[idx].gen << 32) | (idx + 1);
}

static void
slot_release(struct dns_client *c, uint64_t id)
{
	uint32_t idx = (uint32_t)(id & 0xffffffffu) - 1;

	c->slots[idx].p = NULL;
	c->freelist[c->nfree++] = idx;
	c->npending--;
}

#define ALIGN16(n) (((n) + 15) & ~(size_t)15)

/* One allocation per query: the pending record, its timer, its name. */
static struct dns_pending *
pending_new(struct dns_client *c, const char *name)
{
	size_t evoff = ALIGN16(sizeof(struct dns_pending));
	size_t nameoff = evoff + ALIGN16(event_get_struct_event_size());
	size_t n = strlen(name);
	struct dns_pending *p = xmalloc(nameoff + n + 1);

	memset(p, 0, sizeof(*p));
	p->timer = (struct event *)(void *)((char *)p + evoff);
	p->name = (char *)p + nameoff;
	memcpy(p->name, name, n + 1);
	return p;
}

static void
pending_free(struct dns_pending *p)
{
	event_del(p->timer);
	dns_result_free(p->res);
	free(p);
}

static void client_destroy(struct dns_client *c);

static void
ready_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dns_client *c = arg;
	struct dns_pending *p;

	c->dispatching++;
	while ((p = c->ready_head) != NULL && !c->dying) {
		c->ready_head = p->next;
		if (c->ready_head == NULL)
			c->ready_tail = NULL;
		if (p->cb == NULL) {
			/* Cancelled while queued: its slot is already free. */
			pending_free(p);
			continue;
		}
		dns_callback cb = p->cb;
		void *cbarg = p->arg;
		struct dns_result *res = p->res;

		p->res = NULL;
		slot_release(c, p->id);
		pending_free(p);
		cb(res, cbarg);
	}
	c->dispatching--;
	if (c->dying && c->dispatching == 0)
		client_destroy(c);
}

static void
timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dns_pending *p = arg;
	struct dns_client *c = p->client;

	c->ops->cancel(c->state, p->id, p->q);
	dns_client_deliver(c, p->id, dns_result_fail(p->name, p->type, DNS_TEMPFAIL, "timeout"));
}

static int64_t
now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec;
}

/* Queue res for query p's callback. */
static void
queue_answer(struct dns_client *c, struct dns_pending *p, struct dns_result *res)
{
	event_del(p->timer);
	p->res = res;
	p->next = NULL;
	if (c->ready_tail)
		c->ready_tail->next = p;
	else
		c->ready_head = p;
	c->ready_tail = p;
	event_active(c->ready_ev, EV_READ, 0);
}

void
dns_client_deliver(struct dns_client *c, uint64_t id, struct dns_result *res)
{
	struct dns_pending *p = slot_find(c, id);

	if (p == NULL || p->res != NULL) {
		/* Cancelled or already answered: a late answer goes nowhere. */
		dns_result_free(res);
		return;
	}
	if (c->cache)
		dns_cache_put(c->cache, res, now_mono());
	queue_answer(c, p, res);
}

void
dns_client_cache(struct dns_client *c, size_t max)
{
	dns_cache_free(c->cache);
	c->cache = max ? dns_cache_new(max) : NULL;
}

size_t
dns_client_cached(const struct dns_client *c)
{
	return c->cache ? dns_cache_count(c->cache) : 0;
}

struct dns_client *
dns_client_new_backend(
    struct event_base *base, const struct dns_backend_ops *ops, void *state, long long timeout_ms)
{
	struct dns_client *c = xcalloc(1, sizeof(*c));
	struct timeval tv;

	if (timeout_ms <= 0)
		timeout_ms = 10000;
	tv.tv_sec = (time_t)(timeout_ms / 1000);
	tv.tv_usec = (suseconds_t)((timeout_ms % 1000) * 1000);
	c->base = base;
	c->ops = ops;
	c->state = state;
	c->timeout = event_base_init_common_timeout(base, &tv);
	if (c->timeout == NULL)
		log_panic("dns: cannot set up the query timeout");
	c->ready_ev = event_new(base, -1, 0, ready_cb, c);
	if (c->ready_ev == NULL)
		log_panic("dns: event_new failed");
	return c;
}

static void
client_destroy(struct dns_client *c)
{
	struct dns_pending *p;

	for (size_t i = 0; i < c->nslots; i++) {
		p = c->slots[i].p;
		if (p == NULL)
			continue;
		/* Queued answers are freed below from the ready list. */
		if (p->res == NULL) {
			c->ops->cancel(c->state, p->id, p->q);
			pending_free(p);
		}
		c->slots[i].p = NULL;
	}
	while ((p = c->ready_head) != NULL) {
		c->ready_head = p->next;
		pending_free(p);
	}
	c->ops->free(c->state);
	dns_cache_free(c->cache);
	event_free(c->ready_ev);
	free(c->slots);
	free(c->freelist);
	free(c);
}

void
dns_client_free(struct dns_client *c)
{
	if (c == NULL)
		return;
	if (c->dispatching > 0) {
		/* Inside a callback: stop everything now, release the memory
		 * once ready_cb unwinds. */
		if (!c->dying) {
			c->dying = 1;
			for (size_t i = 0; i < c->nslots; i++) {
				struct dns_pending *p = c->slots[i].p;
				if (p == NULL)
					continue;
				if (p->res == NULL) {
					c->ops->cancel(c->state, p->id, p->q);
					pending_free(p);
				} else {
					p->cb = NULL;
				}
				c->slots[i].p = NULL;
			}
			c->npending = 0;
		}
		return;
	}
	client_destroy(c);
}

uint64_t
dns_client_lookup(
    struct dns_client *c, const char *name, enum dns_type type, dns_callback cb, void *arg)
{
	struct dns_pending *p = pending_new(c, name);
	struct dns_result *hit;

	p->client = c;
	p->cb = cb;
	p->arg = arg;
	p->type = type;
	p->id = slot_take(c, p);
	if (evtimer_assign(p->timer, c->base, timeout_cb, p) < 0)
		log_panic("dns: evtimer_assign failed");
	evtimer_add(p->timer, c->timeout);
	if (strcmp(dns_type_name(type), "?") == 0) {
		dns_client_deliver(
		    c, p->id, dns_result_fail(name, type, DNS_PERMFAIL, "unsupported type"));
	} else if (dns_name_check(name) < 0) {
		dns_client_deliver(
		    c, p->id, dns_result_fail(name, type, DNS_PERMFAIL, "malformed name"));
	} else if (c->cache && (hit = dns_cache_get(c->cache, name, type, now_mono())) != NULL) {
		queue_answer(c, p, hit); /* from the loop, as every answer */
	} else if (c->ops->submit(c->state, p->id, name, type, &p->q) < 0) {
		dns_client_deliver(
		    c, p->id, dns_result_fail(name, type, DNS_TEMPFAIL, "resolver unavailable"));
	}
	return p->id;
}

void
dns_client_cancel(struct dns_client *c, uint64_t id)
{
	struct dns_pending *p = slot_find(c, id);

	if (p == NULL)
		return;
	slot_release(c, id);
	if (p->res != NULL) {
		/* Already queued: ready_cb frees it without calling back. */
		p->cb = NULL;
		return;
	}
	c->ops->cancel(c->state, id, p->q);
	pending_free(p);
}

size_t
dns_client_pending(const struct dns_client *c)
{
	return c->npending;
}

struct event_base *
dns_client_base(const struct dns_client *c)
{
	return c->base;
}

struct sync_wait {
	struct dns_result *res;
	int done;
};

static void
sync_cb(struct dns_result *res, void *arg)
{
	struct sync_wait *w = arg;

	w->res = res;
	w->done = 1;
}

struct dns_result *
dns_client_lookup_sync(struct dns_client *c, const char *name, enum dns_type type)
{
	struct sync_wait w = { NULL, 0 };
	uint64_t id = dns_client_lookup(c, name, type, sync_cb, &w);

	while (!w.done) {
		if (event_base_loop(c->base, EVLOOP_ONCE) < 0) {
			dns_client_cancel(c, id);
			return dns_result_fail(name, type, DNS_TEMPFAIL, "event loop failed");
		}
	}
	return w.res;
}

/*
 * The in-memory backend: answers are computed at submit time and queued,
 * or, for a name the table delays (dns_mem_add_delay), handed over when a
 * timer fires, so answers can arrive in another order than asked, as they
 * do from a real resolver.
 */
struct mem_backend {
	struct dns_client *client;
	const struct dns_mem *table;
};

struct mem_delayed {
	struct mem_backend *m;
	uint64_t id;
	struct dns_result *res;
	struct event *timer;
};

static void
mem_delayed_cb(evutil_socket_t fd, short what, void *arg)
{
	struct mem_delayed *d = arg;
	struct dns_result *res = d->res;
	struct dns_client *c = d->m->client;
	uint64_t id = d->id;

	/* Delivered, the query is the client's again: it never cancels a
	 * delivered query, so nothing refers to d after this. */
	event_free(d->timer);
	free(d);
	dns_client_deliver(c, id, res);
}

static int
mem_submit(void *state, uint64_t id, const char *name, enum dns_type type, void **q)
{
	struct mem_backend *m = state;
	long long delay = dns_mem_delay(m->table, name);

	if (dns_mem_is_silent(m->table, name, type))
		return 0; /* the client's timer will answer */
	if (delay > 0) {
		struct mem_delayed *d = xcalloc(1, sizeof(*d));
		struct timeval tv = { (time_t)(delay / 1000), (suseconds_t)(delay % 1000) * 1000 };
		d->m = m;
		d->id = id;
		d->res = dns_mem_lookup(m->table, name, type);
		d->timer = evtimer_new(m->client->base, mem_delayed_cb, d);
		if (d->timer == NULL)
			log_panic("dns: evtimer_new failed");
		evtimer_add(d->timer, &tv);
		*q = d;
		return 0;
	}
	dns_client_deliver(m->client, id, dns_mem_lookup(m->table, name, type));
	return 0;
}

static void
mem_cancel(void *state, uint64_t id, void *q)
{
	struct mem_delayed *d = q;

	/* Only a delayed answer is held per query. */
	if (d == NULL)
		return;
	event_free(d->timer);
	dns_result_free(d->res);
	free(d);
}

static void
mem_free(void *state)
{
	free(state);
}

static const struct dns_backend_ops mem_ops = {
	"memory",
	mem_submit,
	mem_cancel,
	mem_free,
};

struct dns_client *
dns_client_new_mem(struct event_base *base, const struct dns_mem *table, long long timeout_ms)
{
	struct mem_backend *m = xcalloc(1, sizeof(*m));
	struct dns_client *c = dns_client_new_backend(base, &mem_ops, m, timeout_ms);

	m->client = c;
	m->table = table;
	return c;
}

struct dns_client *
dns_client_new(struct event_base *base, const struct dns_config *cfg, char *err, size_t errsz)
{
	/* The backend needs the client to deliver to: create it empty first. */
	struct dns_client *c = dns_client_new_backend(base, &dns_unbound_ops, NULL, cfg->timeout);

	c->state = dns_unbound_new(c, base, cfg, err, errsz);
	if (c->state == NULL) {
		event_free(c->ready_ev);
		free(c);
		return NULL;
	}
	dns_client_cache(c, DNS_CLIENT_CACHE_DEFAULT);
	return c;
}
