/*
 * callout: sender callouts (call-back verification, CBV): does the return
 * path exist at its domain's mail server? The check connects to the
 * domain's MX (dns_mx.h), says MAIL FROM:<>, RCPT TO:<address> and RCPT
 * TO:<random local part>@domain, then RSET and QUIT -- never DATA, so no
 * message is ever sent.
 *
 * Results (enum callout_result): pass (the address was accepted and the
 * random one was not), fail (the address was refused with 5xx), catch-all
 * (the random local part was accepted too: unverifiable), no MX (null MX,
 * RFC 7505, or no usable mail host), no such domain, and temperror
 * (timeouts, 4xx, connection failures, DNS trouble).
 *
 * This is the check people get blacklisted for when it is abused, so it is
 * polite by construction:
 *   - caches first: positive and negative results per address, and
 *     domain-level results (catch-all, no MX, NXDOMAIN, unreachable) per
 *     domain, each with its own lifetime, kept in the store (store.h) so
 *     they survive restarts;
 *   - at most callout_max_per_domain callouts at once to one domain and
 *     callout_max_total in all; the rest wait in one queue (bounded) and
 *     look at the cache again before they start;
 *   - at most callout_domain_per_minute callouts a minute to one domain,
 *     callout_client_per_minute caused by one client address, and
 *     callout_max_senders_per_session senders verified in one session
 *     (the caller's count): random local parts, which no address cache
 *     stops, cannot turn us into a flood of a third party's MX (issue 13);
 *   - a domain whose server refused the random local part is known to
 *     refuse unknown users: while that is fresh (callout_domain_ttl) it is
 *     asked about the address alone; one that accepted it accepts
 *     everything, which answers every new address without a callout;
 *   - one time budget per callout, waiting included;
 *   - never to loopback, private, link-local, multicast or otherwise
 *     special addresses unless configured (test worlds).
 * Callers skip the callout when a cheaper proof settles the sender (SPF
 * pass for the domain, a vouched registered server, an allow-listed
 * sender) and say so with callout_skip() for the statistics.
 *
 * Use from an event loop (one struct callout per process, one check per
 * MAIL FROM):
 *
 *	sess->co = callout_start(d->callout, "user@example.com", on_co, sess);
 *	...
 *	static void on_co(const struct callout_outcome *o, void *arg) {
 *		struct session *sess = arg;
 *		... o->result, o->reason, o->source ...
 *		callout_check_free(sess->co);	// allowed here
 *		sess->co = NULL;
 *	}
 *
 * The check belongs to its caller. The callback runs exactly once, from the
 * event loop (never inside callout_start), unless callout_check_free()
 * comes first: that cancels DNS and closes the connection, and no callback
 * follows. Freeing the struct callout first cancels every check it runs
 * (their callbacks never come); each check must still be freed by its
 * owner.
 */
#ifndef VOUCH_AUTH_CALLOUT_H
#define VOUCH_AUTH_CALLOUT_H

#include <stdint.h>
#include <sys/socket.h>

#include "auth/callout_config.h"
#include "dns/dns_mx.h"
#include "smtp/smtp_addr.h"

struct dns_client;
struct store;
struct callout;
struct callout_check;
typedef struct ssl_ctx_st SSL_CTX;

enum callout_result {
	CALLOUT_PASS = 0,  /* the address exists */
	CALLOUT_FAIL,      /* refused with 5xx: the address does not exist */
	CALLOUT_CATCHALL,  /* the domain accepts any local part: unverifiable */
	CALLOUT_NOMX,      /* null MX or no usable mail host (domain level) */
	CALLOUT_NXDOMAIN,  /* the domain does not exist (domain level) */
	CALLOUT_TEMPERROR, /* try again later: timeout, 4xx, unreachable, DNS */
	CALLOUT_RESULT_COUNT
};

/* Where a result came from. */
enum callout_source {
	CALLOUT_SRC_SMTP = 0,      /* a dialogue with the MX just now */
	CALLOUT_SRC_DNS,           /* DNS settled it; no connection was made */
	CALLOUT_SRC_CACHE_ADDRESS, /* remembered for this address */
	CALLOUT_SRC_CACHE_DOMAIN,  /* remembered for the whole domain */
	CALLOUT_SRC_LOCAL,         /* decided here: bad address, limits, budget */
};

/* Why a caller did not call out (counted for the statistics). */
enum callout_skip {
	CALLOUT_SKIP_SPF_PASS = 0, /* SPF passed for the return-path domain */
	CALLOUT_SKIP_VOUCHED,      /* a vouched, registered server sent it */
	CALLOUT_SKIP_ALLOWED,      /* the sender is allow-listed */
	CALLOUT_SKIP_NULL_SENDER,  /* <>: nothing to verify */
	CALLOUT_SKIP_COUNT
};

/* Statistics counters; each is also kept in the store per hour. */
enum callout_counter {
	CALLOUT_C_CALLS = 0,    /* callouts asked for (skips not included) */
	CALLOUT_C_CACHE_HITS,   /* answered from the cache */
	CALLOUT_C_QUEUED,       /* had to wait for a slot */
	CALLOUT_C_BAD_DOMAIN,   /* NXDOMAIN or null MX */
	CALLOUT_C_NO_MX,        /* no usable mail host */
	CALLOUT_C_BAD_CONNECT,  /* connection attempts that failed */
	CALLOUT_C_RATE_LIMITED, /* not made: a domain's or a client's rate, a session's cap */
	CALLOUT_C_SHARED_HITS,  /* of the cache hits: found in a cluster's shared store */
	CALLOUT_C_SKIP_FIRST,   /* + enum callout_skip */
	CALLOUT_C_RESULT_FIRST = CALLOUT_C_SKIP_FIRST + CALLOUT_SKIP_COUNT,
	/* + enum callout_result */
	CALLOUT_C_COUNT = CALLOUT_C_RESULT_FIRST + CALLOUT_RESULT_COUNT
};

/* Since the struct callout was made. */
struct callout_stats {
	unsigned long long n[CALLOUT_C_COUNT];
};

/* What a check found. */
struct callout_outcome {
	enum callout_result result;
	enum callout_source source;
	char address[SMTP_PATH_MAX + 1]; /* as asked, domain lower-cased */
	char domain[SMTP_DOMAIN_MAX + 1];
	int null_mx;               /* NOMX because of a null MX (RFC 7505) */
	int queued;                /* waited for a slot */
	unsigned tries;            /* connection attempts made */
	int code;                  /* the SMTP reply that decided, or 0 */
	char mx[DNS_NAME_MAX + 1]; /* the MX host that answered or was tried last */
	char mx_addr[INET6_ADDRSTRLEN];
	long long expires; /* Unix time the cached result expires, 0 = not cached */
	char reason[400];  /* one line of printable ASCII for logs and replies */
};

/* How the callout presents itself. */
struct callout_params {
	const char *helo;                /* our name for EHLO (copied) */
	SSL_CTX *tls;                    /* STARTTLS when offered, or NULL; borrowed */
	const struct sockaddr *bind_src; /* local address to call from, or NULL */
	socklen_t bind_srclen;
};

/*
 * Who a callout is for (all optional). client: the SMTP client address
 * whose session asks, held to callout_client_per_minute. cache_only: the
 * session has called out for as many senders as it may, so only a result
 * already known may answer; otherwise temperror with cache_only_why.
 */
struct callout_request {
	const char *client;
	int cache_only;
	const char *cache_only_why;
};

/* Called once; o is valid until callout_check_free(). */
typedef void (*callout_cb)(const struct callout_outcome *o, void *arg);

/*
 * Make the callout service. dns and store are borrowed and must outlive
 * it; cfg and p are copied (a reload makes a new service or keeps this
 * one). The event base is dns's.
 */
struct callout *callout_new(struct dns_client *dns, struct store *store,
    const struct callout_config *cfg, const struct callout_params *p);
/*
 * In a cluster: also look up results in shared (the nodes' common store,
 * borrowed; asked without blocking, after the node's own cache misses)
 * and remember fresh ones there, so a result one node learnt answers on
 * every node; a result found there is copied into the node's own cache.
 * And hold callout_client_per_minute and callout_domain_per_minute across
 * the nodes: after the node's own rates allow a call, the shared store's
 * counts of the clock minute must too. When shared does not answer, the
 * node's own cache and rates decide alone.
 */
void callout_share(struct callout *co, struct store *shared);
/* Cancel every check (no callbacks follow), close connections, free. NULL-safe. */
void callout_free(struct callout *co);

/*
 * Verify address ("local@domain", no angle brackets). The callback comes
 * from the event loop, from the cache or after the dialogue. Free the
 * returned check with callout_check_free().
 */
struct callout_check *
callout_start(struct callout *co, const char *address, callout_cb cb, void *arg);
/* The same for a session (rq may be NULL): its client's rate, its cap. */
struct callout_check *callout_start_for(struct callout *co, const char *address,
    const struct callout_request *rq, callout_cb cb, void *arg);
/* Cancel if still running and free. NULL-safe; allowed inside the callback. */
void callout_check_free(struct callout_check *chk);
/* The outcome (final once the callback ran). */
const struct callout_outcome *callout_check_outcome(const struct callout_check *chk);

/* Count a callout the caller decided not to make. */
void callout_skip(struct callout *co, enum callout_skip why);
/* Counters since callout_new(). */
void callout_stats(const struct callout *co, struct callout_stats *out);
/* Checks running or waiting. */
size_t callout_pending(const struct callout *co);
/* SMTP connections open (checks' and those still saying QUIT). */
size_t callout_connections(const struct callout *co);
/*
 * Forget what the cache holds for address (and, with domain_too, for its
 * domain), e.g. after a correction by an administrator. 0, or -1 on a
 * store error.
 */
int callout_forget(struct callout *co, const char *address, int domain_too);

/*
 * Parse a cached record ("<result>\t<code>\t<null_mx>\t<mx>\t<mx address>\t
 * <reason>", as the service stores them) into o's result, code, null_mx,
 * mx, mx_addr and reason.
 * Pure; 0, or -1 when value is not such a record.
 */
int callout_cache_parse(const char *value, size_t len, struct callout_outcome *o);

/* "pass", "fail", "catchall", "nomx", "nxdomain", "temperror". */
const char *callout_result_name(enum callout_result r);
/* "smtp", "dns", "cache-address", "cache-domain", "local". */
const char *callout_source_name(enum callout_source s);
/* "spf-pass", "vouched", "allowed", "null-sender". */
const char *callout_skip_name(enum callout_skip s);
/* The store key of a counter, e.g. "callout.calls", "callout.skip.spf-pass". */
const char *callout_counter_name(enum callout_counter c);

#endif
