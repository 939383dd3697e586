/*
 * ratelimit: token buckets by key (see ratelimit.h).
 */
#include "policy/ratelimit.h"

#include <stdlib.h>

#include "util/hmap.h"
#include "util/xmalloc.h"

/* A token is 60000 units: per_minute tokens a minute is per_minute units
 * a millisecond, exactly, so refills of any length add up. */
#define TOKEN 60000LL

struct bucket {
	int64_t tokens; /* units of 1/60000; negative: debt (granted, waiting) */
	int64_t at_ms;  /* when tokens was last brought up to date */
	int64_t burst;  /* units of 1/60000, as last asked */
	int64_t per_minute;
};

struct ratelimit {
	struct hmap *buckets;
	size_t max_keys;
};

struct ratelimit *
ratelimit_new(size_t max_keys)
{
	struct ratelimit *rl = xcalloc(1, sizeof(*rl));

	rl->buckets = hmap_new();
	rl->max_keys = max_keys ? max_keys : 1;
	return rl;
}

static void
free_one(const void *k, size_t kl, void *v, void *arg)
{
	(void)k;
	(void)kl;
	(void)arg;
	free(v);
}

void
ratelimit_free(struct ratelimit *rl)
{
	if (rl == NULL)
		return;
	hmap_foreach(rl->buckets, free_one, NULL);
	hmap_free(rl->buckets);
	free(rl);
}

size_t
ratelimit_count(const struct ratelimit *rl)
{
	return hmap_count(rl->buckets);
}

static void
refill(struct bucket *b, int64_t now_ms)
{
	if (now_ms > b->at_ms && b->tokens < b->burst) {
		/* per_minute tokens per 60000 ms; past the time to fill up, full */
		int64_t elapsed = now_ms - b->at_ms;
		int64_t full_ms = (b->burst - b->tokens) / b->per_minute + 1;
		if (elapsed >= full_ms)
			b->tokens = b->burst;
		else
			b->tokens += elapsed * b->per_minute;
		if (b->tokens > b->burst)
			b->tokens = b->burst;
	}
	b->at_ms = now_ms;
}

/* Full again: nothing would be lost by forgetting them. */
struct prune {
	struct ratelimit *rl;
	int64_t now_ms;
	const void **keys;
	size_t *lens, n, cap;
};

static void
find_full(const void *k, size_t kl, void *v, void *arg)
{
	struct prune *p = arg;
	struct bucket *b = v;

	refill(b, p->now_ms);
	if (b->tokens >= b->burst && p->n < p->cap) {
		p->keys[p->n] = k;
		p->lens[p->n++] = kl;
	}
}

static void
prune(struct ratelimit *rl, int64_t now_ms)
{
	struct prune p = { rl, now_ms, NULL, NULL, 0, hmap_count(rl->buckets) };
	char **copies;

	p.keys = xcalloc(p.cap + 1, sizeof(*p.keys));
	p.lens = xcalloc(p.cap + 1, sizeof(*p.lens));
	hmap_foreach(rl->buckets, find_full, &p);
	/* copy the keys first: removing frees the map's own */
	copies = xcalloc(p.n + 1, sizeof(*copies));
	for (size_t i = 0; i < p.n; i++)
		copies[i] = xmemdup(p.keys[i], p.lens[i]);
	for (size_t i = 0; i < p.n; i++) {
		free(hmap_del(rl->buckets, copies[i], p.lens[i]));
		free(copies[i]);
	}
	free(copies);
	free(p.keys);
	free(p.lens);
}

int
ratelimit_take(struct ratelimit *rl, const void *key, size_t keylen, long long per_minute,
    long long burst, int64_t now_ms, int64_t max_wait_ms, int64_t *wait_ms)
{
	struct bucket *b = hmap_get(rl->buckets, key, keylen);

	*wait_ms = 0;
	if (per_minute < 1)
		per_minute = 1;
	if (burst < 1)
		burst = 1;
	if (b == NULL) {
		if (hmap_count(rl->buckets) >= rl->max_keys)
			prune(rl, now_ms);
		if (hmap_count(rl->buckets) >= rl->max_keys)
			return 0;
		b = xcalloc(1, sizeof(*b));
		b->tokens = burst * TOKEN;
		b->at_ms = now_ms;
		hmap_put(rl->buckets, key, keylen, b);
	}
	b->burst = burst * TOKEN;
	b->per_minute = per_minute;
	refill(b, now_ms);
	if (b->tokens >= TOKEN) {
		b->tokens -= TOKEN;
		return 1;
	}
	/* In debt: the wait until this token will have been refilled. */
	int64_t need = TOKEN - b->tokens;
	int64_t wait = (need + per_minute - 1) / per_minute;
	if (wait > max_wait_ms)
		return 0;
	b->tokens -= TOKEN;
	*wait_ms = wait;
	return 1;
}

void
ratelimit_give_back(struct ratelimit *rl, const void *key, size_t keylen)
{
	struct bucket *b = hmap_get(rl->buckets, key, keylen);

	if (b && (b->tokens += TOKEN) > b->burst)
		b->tokens = b->burst;
}
