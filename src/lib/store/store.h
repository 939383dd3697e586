/*
 * store: the small storage interface for vouch's state other than the
 * queue: rate counters, account and address blocks, caches, statistics.
 * Backends sit behind a struct of function pointers (STYLE 12): SQLite in
 * WAL mode in the data directory (the default), an in-memory table for
 * tests, and Redis for a cluster of nodes sharing their state.
 *
 * Two kinds of data:
 *   counters  (key, bucket) -> count; buckets are time slots chosen by the
 *             caller (e.g. hours), summed over a range;
 *   records   (namespace, key) -> value with an expiry time (0 = never).
 *
 * Two ways to ask:
 *   requests  (store_req_*): what the daemon's event loop uses. Each takes
 *             a completion callback and an (owner, ref) pair handed back
 *             to it: owner is something that outlives every request (the
 *             daemon), ref an id the callback finds its session by
 *             (STYLE 8), never a pointer to something that may be gone.
 *             SQLite and memory complete AT ONCE, inside the call, so their
 *             behaviour is what it was when every call was synchronous; a
 *             network store (Redis) completes later, from the loop. So a
 *             caller puts itself in its waiting state BEFORE the call and
 *             touches nothing after it that the callback may have changed.
 *             The call returns the request's id while it is pending (for
 *             store_req_cancel), or 0 when it has already completed.
 *   blocking  (store_get, store_put, ...): for programs and moments with
 *             no event loop to stall: vouchctl, start-up, tests. On a
 *             network store they wait for the answer (with a timeout).
 */
#ifndef VOUCH_STORE_STORE_H
#define VOUCH_STORE_STORE_H

#include <stddef.h>
#include <stdint.h>

struct store;
struct store_req;
struct event_base;

/* The blocking operations of a backend; all return -1 on error. */
struct store_ops {
	int (*counter_add)(void *impl, const char *key, int64_t bucket, int64_t n);
	int (*counter_sum)(void *impl, const char *key, int64_t from_bucket, int64_t *sum);
	int (*put)(void *impl, const char *ns, const char *key, const char *value, int64_t expires);
	/* *value is malloc'd (caller frees); returns 1 found, 0 not, -1 error */
	int (*get)(void *impl, const char *ns, const char *key, char **value, int64_t *expires,
	    int64_t now);
	int (*del)(void *impl, const char *ns, const char *key);
	/* Call fn for each unexpired record of ns, ordered by key. */
	int (*list)(void *impl, const char *ns, int64_t now,
	    void (*fn)(void *arg, const char *key, const char *value, int64_t expires), void *arg);
	/* Forget expired records and counters older than before_bucket. */
	int (*expire)(void *impl, int64_t now, int64_t before_bucket);
	void (*close)(void *impl);
	/* counter_add, atomically checked against a limit (store_counter_reserve) */
	int (*counter_reserve)(void *impl, const char *key, int64_t bucket, int64_t n,
	    int64_t from_bucket, int64_t limit, int64_t *sum);
	/*
	 * Optional (NULL: the blocking op runs and the request completes at
	 * once): start request id on the event loop; the backend calls
	 * store_complete(s, id, ...) exactly once, later, from the loop. The
	 * request's strings are valid only during the call. -1: not started
	 * (the request then completes at once with rc -1).
	 */
	int (*submit)(void *impl, struct store *s, uint64_t id, const struct store_req *req);
};

/* An SQLite store at path (created if missing; WAL mode). */
struct store *store_open_sqlite(const char *path, char *err, size_t errsz);
/* An in-memory store (tests, or state that needs no persistence). */
struct store *store_open_memory(void);
/*
 * A Redis store at url (redis://host[:port][/db]), AUTH with the first
 * line of password_file when given; no request waits past timeout_ms.
 * With base, requests run on that event loop (and the store reconnects by
 * itself); without, they block. The connection is made later: a store
 * that cannot reach Redis yet is still returned (its requests fail).
 */
struct store *store_open_redis(const char *url, const char *password_file, long long timeout_ms,
    struct event_base *base, char *err, size_t errsz);
/*
 * shared, with local behind it: what shared fails (rc -1: unreachable,
 * timed out) is asked of local instead (store_fallback = local). Owns
 * shared (closed with it), borrows local (which must outlive it).
 */
struct store *store_with_fallback(struct store *shared, struct store *local);
/* Parse redis://host[:port][/db] (port 6379, db 0 when absent); -1 if not that. */
int store_redis_url_parse(const char *url, char *host, size_t hostsz, int *port, int *db);
/* Pending requests are cancelled (their callbacks never run). NULL-safe. */
void store_close(struct store *s);

/* ---- requests ------------------------------------------------------------ */

enum store_op {
	STORE_OP_GET,
	STORE_OP_PUT,
	STORE_OP_DEL,
	STORE_OP_COUNTER_ADD,
	STORE_OP_COUNTER_SUM,
	STORE_OP_COUNTER_RESERVE,
	STORE_OP_LIST,
	STORE_OP_PUT_NEW, /* put only if absent: rc 1 made, 0 there already */
};

/* What a request asks (the arguments of the blocking call of its op).
 * expires: of a put; of a counter_reserve, optionally (0 = the backend's
 * own lifetime), the Unix time after which the key's counts are no longer
 * read, so a store with TTLs (Redis) may forget them then. */
struct store_req {
	enum store_op op;
	const char *ns, *key, *value;
	int64_t expires;
	int64_t bucket, n, from_bucket, limit;
};

struct store_row {
	const char *key, *value;
	int64_t expires;
};

/*
 * A finished request. rc is what the blocking call returns: get 1 found,
 * 0 not; counter_reserve 1 added, 0 refused; others 0; -1 the store
 * failed (unreachable, timed out: always temporary, a 4xx to a client).
 * Everything pointed to is valid only during the callback. put_new: 1
 * made, 0 an unexpired record was there (it is kept).
 */
struct store_reply {
	int rc;
	const char *value; /* get, when found */
	int64_t expires;   /* get */
	int64_t sum;       /* counter_sum, counter_reserve (after, or the refusing one) */
	const struct store_row *rows; /* list: unexpired records, ordered by key */
	size_t nrows;
};

typedef void (*store_done_fn)(void *owner, uint64_t ref, const struct store_reply *r);

/* Start req; done (may be NULL: nobody waits) gets owner and ref back.
 * Returns the pending request's id, or 0 if it has completed already. */
uint64_t store_request(
    struct store *s, const struct store_req *req, store_done_fn done, void *owner, uint64_t ref);
/* The callback of a pending request will not run (its session is gone). */
void store_req_cancel(struct store *s, uint64_t id);

/* The common requests, shorter. */
uint64_t store_req_get(struct store *s, const char *ns, const char *key, store_done_fn done,
    void *owner, uint64_t ref);
uint64_t store_req_put(struct store *s, const char *ns, const char *key, const char *value,
    int64_t expires, store_done_fn done, void *owner, uint64_t ref);
uint64_t store_req_del(struct store *s, const char *ns, const char *key, store_done_fn done,
    void *owner, uint64_t ref);
uint64_t store_req_counter_add(struct store *s, const char *key, int64_t bucket, int64_t n,
    store_done_fn done, void *owner, uint64_t ref);
uint64_t store_req_counter_reserve(struct store *s, const char *key, int64_t bucket, int64_t n,
    int64_t from_bucket, int64_t limit, store_done_fn done, void *owner, uint64_t ref);

/* A done callback for writes nobody waits for: logs a failure with what
 * (a static string naming the operation, passed as owner). */
void store_done_log(void *what, uint64_t ref, const struct store_reply *r);

/* ---- blocking calls ------------------------------------------------------- */

int store_counter_add(struct store *s, const char *key, int64_t bucket, int64_t n);
/* Sum of the key's buckets >= from_bucket (0 when none). */
int64_t store_counter_sum(struct store *s, const char *key, int64_t from_bucket);
/*
 * Add n to (key, bucket) only if the key's buckets >= from_bucket then sum
 * to at most limit, as one atomic step of the store (so parallel sessions,
 * or several nodes sharing it, cannot each take the last unit). A negative
 * n gives units back and always succeeds; no bucket goes below zero.
 * 1 added, 0 refused (over the limit), -1 error; *sum (may be NULL) gets
 * the sum after, or the one that refused.
 */
int store_counter_reserve(struct store *s, const char *key, int64_t bucket, int64_t n,
    int64_t from_bucket, int64_t limit, int64_t *sum);
int store_put(struct store *s, const char *ns, const char *key, const char *value, int64_t expires);
/* 1 found (value malloc'd, may pass NULL), 0 not found or expired, -1 error. */
int store_get(struct store *s, const char *ns, const char *key, char **value, int64_t *expires);
int store_del(struct store *s, const char *ns, const char *key);
int store_list(struct store *s, const char *ns,
    void (*fn)(void *arg, const char *key, const char *value, int64_t expires), void *arg);
int store_expire(struct store *s, int64_t before_bucket);

#endif
