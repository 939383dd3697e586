/*
 * dns: vouch's asynchronous DNS client.
 *
 * Owns the table of queries in flight, their timeouts, and the delivery of
 * typed results to callbacks on the caller's libevent loop. Resolution is
 * done by a backend behind a small interface (dns_backend.h): libunbound
 * (dns_unbound.c, the default) or an in-memory table (dns_mem.c, tests and
 * benchmarks). There is no thread per query: libunbound's one background
 * worker hands answers back through a pipe that is an event on the base.
 *
 * Use from an event loop:
 *
 *	id = dns_client_lookup(dns, "example.com", DNS_T_MX, on_mx, sess);
 *	...
 *	static void on_mx(struct dns_result *res, void *arg) {
 *		... use res->status, res->rr[i] ...
 *		dns_result_free(res);	// the callback owns res
 *	}
 *
 * The callback is called exactly once per query, always from the event
 * loop (never from inside dns_client_lookup), unless the query is cancelled
 * first with dns_client_cancel(), after which it is never called: an owner
 * that goes away (an SMTP session closing) cancels its queries and no
 * callback can then reach freed memory. Queries are named by 64-bit ids
 * that are never reused, so cancelling an id that already completed is a
 * harmless no-op.
 */
#ifndef VOUCH_DNS_DNS_H
#define VOUCH_DNS_DNS_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;
struct dns_config;
struct dns_mem;

/* RR types (RFC 1035 3.2.2, RFC 3596). Adding one: a row in dns.c's type
 * table and, if its rdata is structured, a decoder in dns_unbound.c. */
enum dns_type {
	DNS_T_A = 1,
	DNS_T_NS = 2,
	DNS_T_CNAME = 5,
	DNS_T_PTR = 12,
	DNS_T_MX = 15,
	DNS_T_TXT = 16,
	DNS_T_AAAA = 28,
};

/* What became of a query: the 4xx/5xx distinction starts here. */
enum dns_status {
	DNS_ANSWER = 0, /* one or more records of the type asked */
	DNS_NXDOMAIN,   /* the name does not exist (RCODE 3) */
	DNS_NODATA,     /* the name exists, without records of this type */
	DNS_TEMPFAIL,   /* timeout, SERVFAIL, DNSSEC bogus, no resolver: retry later */
	DNS_PERMFAIL,   /* can never be answered (malformed name, unknown type) */
};

/* DNSSEC state of an answer (RFC 4035 4.3). */
enum dns_sec {
	DNS_SEC_INSECURE = 0, /* not validated (no anchor, or unsigned zone) */
	DNS_SEC_SECURE,       /* validated from the trust anchor */
	DNS_SEC_BOGUS,        /* validation failed: status is DNS_TEMPFAIL */
};

/* One record of an answer. Names are dotted text without a trailing dot. */
struct dns_rr {
	enum dns_type type;
	union {
		struct in_addr a;     /* A */
		struct in6_addr aaaa; /* AAAA */
		struct {
			unsigned pref;
			char *host; /* "" for a null MX (RFC 7505) */
		} mx;               /* MX */
		char *name;         /* PTR, CNAME, NS */
		struct {
			char *data; /* character-strings joined, NUL added */
			size_t len; /* bytes in data (may hold NULs) */
			unsigned nstrings;
		} txt; /* TXT */
	} u;
};

/* A query's result. Owned by whoever receives it; dns_result_free(). */
struct dns_result {
	enum dns_status status;
	enum dns_sec sec;
	enum dns_type qtype;
	char *qname; /* as asked (stored with the result) */
	char *canon; /* name after CNAMEs, or NULL when none */
	int rcode;   /* DNS RCODE when known, else -1 */
	unsigned ttl;
	char *why; /* reason for a failure ("timeout", ...), or NULL */
	size_t nrr;
	struct dns_rr *rr;
};

/* Called once per query from the event loop; owns res. */
typedef void (*dns_callback)(struct dns_result *res, void *arg);

struct dns_client;

/*
 * Create a client on base with the libunbound backend configured by cfg
 * (resolver, trust anchor, timeout). On failure returns NULL and writes a
 * reason into err. Free with dns_client_free().
 */
struct dns_client *
dns_client_new(struct event_base *base, const struct dns_config *cfg, char *err, size_t errsz);
/*
 * Create a client answering from an in-memory table (dns_mem.h), which it
 * borrows: the table must outlive the client. timeout_ms bounds queries to
 * "silent" names (see dns_mem_add_timeout); 0 means 10 seconds.
 */
struct dns_client *
dns_client_new_mem(struct event_base *base, const struct dns_mem *table, long long timeout_ms);
/*
 * Cancel every query (no callback is called) and free the client. NULL-safe.
 * May be called from inside a dns callback; the memory is then released
 * when that callback returns.
 */
void dns_client_free(struct dns_client *c);

/*
 * Start a lookup of name (dotted, trailing dot optional) for type; cb(res,
 * arg) follows from the event loop. Returns the query's id (never 0).
 */
uint64_t dns_client_lookup(
    struct dns_client *c, const char *name, enum dns_type type, dns_callback cb, void *arg);
/* Cancel a query: its callback will not be called. Unknown ids are ignored. */
void dns_client_cancel(struct dns_client *c, uint64_t id);
/*
 * Keep answers for their TTL in front of the backend (dns_cache.h), at
 * most max of them; 0 turns the cache off (and empties it). Clients made
 * by dns_client_new() have one of DNS_CLIENT_CACHE_DEFAULT entries; the
 * in-memory ones have none, so a test that changes its table sees the
 * change at once.
 */
#define DNS_CLIENT_CACHE_DEFAULT 10000
void dns_client_cache(struct dns_client *c, size_t max);
/* Answers in the cache now. */
size_t dns_client_cached(const struct dns_client *c);
/* Number of queries started and not yet delivered or cancelled. */
size_t dns_client_pending(const struct dns_client *c);
/* The event base the client runs on. */
struct event_base *dns_client_base(const struct dns_client *c);

/*
 * Synchronous convenience for the CLI, tests and benchmarks: run the
 * client's event base until the answer is in. Only for a client whose base
 * nobody else is running (never inside vouchd's loop). Caller frees.
 */
struct dns_result *
dns_client_lookup_sync(struct dns_client *c, const char *name, enum dns_type type);

/* "A", "MX", ... for the types above; "?" for any other. */
const char *dns_type_name(enum dns_type type);
/* Parse a type name (case-insensitive); 0 if unknown. */
enum dns_type dns_type_parse(const char *name);
/* "answer", "nxdomain", "nodata", "tempfail", "permfail". */
const char *dns_status_name(enum dns_status st);
/* "insecure", "secure", "bogus". */
const char *dns_sec_name(enum dns_sec sec);

#endif
