/*
 * store: the small storage interface for vouch's state other than the
 * queue: rate counters, account and address blocks, caches, statistics.
 * Backends sit behind a struct of function pointers (STYLE 12): SQLite in
 * WAL mode in the data directory (the default), and an in-memory table
 * for tests. All calls are synchronous and made from the event loop.
 *
 * Two kinds of data:
 *   counters  (key, bucket) -> count; buckets are time slots chosen by the
 *             caller (e.g. hours), summed over a range;
 *   records   (namespace, key) -> value with an expiry time (0 = never).
 */
#ifndef VOUCH_STORE_STORE_H
#define VOUCH_STORE_STORE_H

#include <stddef.h>
#include <stdint.h>

struct store;

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
};

/* An SQLite store at path (created if missing; WAL mode). */
struct store *store_open_sqlite(const char *path, char *err, size_t errsz);
/* An in-memory store (tests, or state that needs no persistence). */
struct store *store_open_memory(void);
void store_close(struct store *s);

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
