/*
 * ratelimit: token buckets by key, for the rates that guard vouch's
 * resources and other people's (issue 13: AUTH guesses for one user from
 * many addresses, sender callouts to one domain or caused by one client).
 *
 * Each key has a bucket of `burst` tokens refilled at `per_minute`; an
 * event takes one. With max_wait_ms > 0 a bucket may go into debt: the
 * event is granted, but only after *wait_ms (the caller holds it back
 * that long), so the long-run rate stays per_minute and nobody is locked
 * out, only slowed down; past max_wait_ms it is refused. Pure: the caller
 * passes the time. The table is bounded: when it is full, buckets that
 * have refilled are dropped, and a new key is refused if none has.
 */
#ifndef VOUCH_POLICY_RATELIMIT_H
#define VOUCH_POLICY_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

struct ratelimit;

/* A table of at most max_keys buckets. */
struct ratelimit *ratelimit_new(size_t max_keys);
void ratelimit_free(struct ratelimit *rl);

/*
 * Take a token for key at now_ms. 1: granted, after *wait_ms (0 = now);
 * 0: refused (the wait would pass max_wait_ms, or the table is full).
 * per_minute >= 1, burst >= 1.
 */
int ratelimit_take(struct ratelimit *rl, const void *key, size_t keylen, long long per_minute,
    long long burst, int64_t now_ms, int64_t max_wait_ms, int64_t *wait_ms);
/* Give back a token taken (an event that did not happen after all). */
void ratelimit_give_back(struct ratelimit *rl, const void *key, size_t keylen);
size_t ratelimit_count(const struct ratelimit *rl);

#endif
