/*
 * callout_int: the callout service's private state, shared by callout.c
 * (service, queue, slots, rates, statistics), callout_cache.c (what is
 * remembered in the store) and callout_run.c (the DNS and SMTP dialogue
 * of one check). Nothing else includes it.
 */
#ifndef VOUCH_AUTH_CALLOUT_INT_H
#define VOUCH_AUTH_CALLOUT_INT_H

#include <sys/socket.h>

#include "auth/callout.h"
#include "smtp/smtp_client.h"

struct event;
struct event_base;
struct hmap;
struct ratelimit;

/* CK_SHARED: waiting for the cluster's store (callout_shared.c) */
enum callout_state { CK_NEW, CK_SHARED, CK_QUEUED, CK_RUNNING, CK_DONE };

/* The cluster store's requests of one check: first its lookups, made at
 * once (the domain's result, the address's, how the domain treats unknown
 * users), then, before a call, the client's and the domain's rates. */
enum {
	CALLOUT_SH_DOMAIN,
	CALLOUT_SH_ADDRESS,
	CALLOUT_SH_BEHAVIOUR,
	CALLOUT_SH_CLIENT_RATE,
	CALLOUT_SH_DOMAIN_RATE,
	CALLOUT_SH_COUNT
};

struct callout_check {
	struct callout *co;                /* NULL once the service is gone */
	struct callout_check *prev, *next; /* the service's live checks */
	struct callout_check *qnext;       /* in the wait queue */
	enum callout_state state;
	callout_cb cb;
	void *arg;
	int utf8;                            /* the address needs SMTPUTF8 */
	char rcpt_addr[SMTP_PATH_MAX + 1];   /* local@domain as sent */
	char random_addr[SMTP_PATH_MAX + 1]; /* <random>@domain */
	struct event *ready_ev;              /* delivers results decided without I/O */
	struct event *budget_ev;             /* the total time budget */
	long long deadline;                  /* monotonic ms at which the budget ends */
	int holds_slot;                      /* counts against the domain's limit */
	int skip_random; /* the domain refuses unknown users: no catch-all probe */
	char client[64]; /* who caused it (rates), or "" */
	int cache_only;  /* only a remembered result may answer (the session's cap) */
	char cache_only_why[160];

	/* the cluster's store (callout_shared.c) */
	uint64_t id;                       /* found by it when a store answer comes */
	uint64_t sh_req[CALLOUT_SH_COUNT]; /* pending requests, 0 = none */
	unsigned sh_pending;               /* answers still to come */
	int sh_hit;                        /* a remembered result came: which (SH_*), or -1 */
	int sh_refused;                    /* a shared rate refused: which (SH_*), or -1 */
	int sh_taken[CALLOUT_SH_COUNT];    /* shared rate units taken, to give back */
	struct callout_outcome sh_out;     /* the remembered result */

	/* the dialogue (callout_run.c) */
	struct dns_mx *mx;
	size_t next_addr;          /* index into the MX result's addresses */
	struct callout_conn *conn; /* the connection being tried */
	int sent;                  /* the probe was handed to the client */
	int unreachable;           /* connections failed: remember the domain */
	struct smtp_client_msg msg;
	struct smtp_client_rcpt rcpt[2];
	char last_error[512];

	struct callout_outcome out;
};

/*
 * One SMTP connection, the argument of its client's callbacks. It serves
 * a check; once the check is answered it lingers to say QUIT (bounded by
 * the client's own 10 s) and keeps the domain's slot until it is closed,
 * so the per-domain limit counts real connections.
 */
struct callout_conn {
	struct callout *co;
	struct callout_check *chk; /* the check served, NULL while lingering */
	struct smtp_client *c;
	struct callout_conn *next; /* in the service's lingering list */
	char domain[SMTP_DOMAIN_MAX + 1];
};

struct callout {
	struct event_base *base;
	struct dns_client *dns;
	struct store *store;
	struct callout_config cfg;
	char *helo;
	SSL_CTX *tls;
	struct sockaddr_storage bind;
	socklen_t bind_len;
	struct callout_check *checks; /* live checks (queued, running, answered) */
	struct callout_check *qhead, **qtail;
	size_t nqueued;
	struct hmap *active; /* domain -> struct callout_slots */
	size_t nactive;      /* slots held in all */
	struct callout_conn *lingers;
	struct callout_stats stats;
	struct ratelimit *per_domain; /* callout_domain_per_minute */
	struct ratelimit *per_client; /* callout_client_per_minute */
	struct store *shared;         /* a cluster's store (Redis), or NULL */
	uint64_t next_id;
};

/* callout.c */
long long callout_now_ms(void);
void callout_count(struct callout *co, enum callout_counter c);
/* Settle the check: cache, count, log, release its slot, call back (last). */
void callout_finish(struct callout_check *chk, enum callout_result r, enum callout_source src);
/* Give back one slot of domain and start what waits. */
void callout_slot_release(struct callout *co, const char *domain);

/* After the caches: the rates, then start now or wait for a slot. */
void callout_proceed(struct callout *co, struct callout_check *chk);
/* Every rate allowed the call: start it now, or wait in line for a slot. */
void callout_start_or_wait(struct callout *co, struct callout_check *chk);
/* The node's own rates allowed a call that the cluster's refused. */
void callout_rates_give_back(struct callout *co, struct callout_check *chk);
/* A result known without I/O, delivered from the loop (never from inside
 * callout_start()). */
void
callout_settle_later(struct callout_check *chk, enum callout_result r, enum callout_source src);

/* callout_shared.c: the cluster's store, asked without blocking */
/* Ask the shared store for what the node's own cache lacks: 1 if the check
 * now waits for it (it goes on by itself), 0 if there is no shared store. */
int callout_shared_lookup(struct callout *co, struct callout_check *chk);
/* The cluster's rates, once the node's own allowed the call: 1 if the
 * check now waits for them (it goes on by itself), 0 if there is no shared
 * store. */
int callout_shared_rates(struct callout *co, struct callout_check *chk);
/* What is remembered goes to the shared store too (nobody waits). */
void callout_shared_put(
    struct callout *co, const char *ns, const char *key, const char *value, int64_t expires);
void callout_shared_del(struct callout *co, const char *ns, const char *key);
/* Cancel what the check still waits for from the shared store. */
void callout_shared_cancel(struct callout_check *chk);

/* callout_cache.c */
/* Printable ASCII only (no tabs, which separate cached fields), bounded. */
void callout_clean_copy(char *dst, size_t dstsz, const char *src);
/* A remembered result for the check's domain, then its address: 1 if one
 * was found (the outcome is filled in), else 0. */
int callout_cache_lookup(struct callout *co, struct callout_check *chk);
/* The namespaces of the store records (also those of the shared store). */
#define CALLOUT_NS_ADDRESS "callout.address"
#define CALLOUT_NS_DOMAIN "callout.domain"
#define CALLOUT_NS_BEHAVIOUR "callout.behaviour"
/* Remember a fresh result for as long as its kind is configured to last. */
void callout_cache_store(struct callout *co, struct callout_check *chk);
/* Does the check's domain refuse unknown users, as far as we know now? */
int callout_cache_rejects_unknown(struct callout *co, const struct callout_check *chk);

/* callout_run.c */
/* The check has a slot: resolve, connect, probe. */
void callout_run_start(struct callout_check *chk);
/* Stop the dialogue now (DNS cancelled, connection closed). */
void callout_run_stop(struct callout_check *chk);
/* Close the lingering connections at once. */
void callout_linger_free_all(struct callout *co);

#endif
