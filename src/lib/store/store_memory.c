/*
 * store_memory: an in-memory backend with the same behaviour as SQLite's,
 * for tests and for state that need not survive a restart.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_impl.h"
#include "util/hmap.h"
#include "util/str.h"
#include "util/xmalloc.h"

struct rec {
	char *value;
	int64_t expires;
};

struct mem {
	struct hmap *counters; /* "key\0bucket" -> int64_t* */
	struct hmap *records;  /* "ns\0key" -> struct rec */
	struct strbuf key;
};

static const char *
mkkey(struct mem *m, const char *a, const char *b, size_t *len)
{
	strbuf_reset(&m->key);
	strbuf_puts(&m->key, a);
	strbuf_append(&m->key, "", 1);
	strbuf_puts(&m->key, b);
	*len = m->key.len;
	return m->key.s;
}

static int
mem_counter_add(void *impl, const char *key, int64_t bucket, int64_t n)
{
	struct mem *m = impl;
	char b[24];
	size_t len;
	const char *k;
	int64_t *v;

	snprintf(b, sizeof(b), "%lld", (long long)bucket);
	k = mkkey(m, key, b, &len);
	v = hmap_get(m->counters, k, len);
	if (v == NULL) {
		v = xcalloc(1, sizeof(*v));
		hmap_put(m->counters, k, len, v);
	}
	*v += n;
	return 0;
}

struct sum_ctx {
	const char *key;
	size_t keylen;
	int64_t from, sum;
};

static void
sum_one(const void *k, size_t klen, void *value, void *arg)
{
	struct sum_ctx *c = arg;

	if (klen > c->keylen && memcmp(k, c->key, c->keylen) == 0 &&
	    ((const char *)k)[c->keylen] == '\0') {
		char b[24];
		size_t bl = klen - c->keylen - 1;
		if (bl >= sizeof(b))
			return;
		memcpy(b, (const char *)k + c->keylen + 1, bl);
		b[bl] = '\0';
		if (strtoll(b, NULL, 10) >= c->from)
			c->sum += *(int64_t *)value;
	}
}

static int
mem_counter_sum(void *impl, const char *key, int64_t from, int64_t *sum)
{
	struct mem *m = impl;
	struct sum_ctx c = { key, strlen(key), from, 0 };

	hmap_foreach(m->counters, sum_one, &c);
	*sum = c.sum;
	return 0;
}

static int
mem_counter_reserve(void *impl, const char *key, int64_t bucket, int64_t n, int64_t from,
    int64_t limit, int64_t *sum)
{
	struct mem *m = impl;
	char b[24];
	size_t len = 0;
	const char *k;
	int64_t cur = 0, *v;

	mem_counter_sum(impl, key, from, &cur);
	if (n > 0 && cur + n > limit) {
		*sum = cur;
		return 0;
	}
	mem_counter_add(impl, key, bucket, n);
	snprintf(b, sizeof(b), "%lld", (long long)bucket);
	k = mkkey(m, key, b, &len);
	v = hmap_get(m->counters, k, len);
	if (v && *v < 0)
		*v = 0;
	mem_counter_sum(impl, key, from, sum);
	return 1;
}

static int
mem_put(void *impl, const char *ns, const char *key, const char *value, int64_t expires)
{
	struct mem *m = impl;
	size_t len;
	const char *k = mkkey(m, ns, key, &len);
	struct rec *r = hmap_get(m->records, k, len);

	if (r == NULL) {
		r = xcalloc(1, sizeof(*r));
		hmap_put(m->records, k, len, r);
	}
	free(r->value);
	r->value = xstrdup(value);
	r->expires = expires;
	return 0;
}

static int
mem_get(void *impl, const char *ns, const char *key, char **value, int64_t *expires, int64_t now)
{
	struct mem *m = impl;
	size_t len;
	const char *k = mkkey(m, ns, key, &len);
	struct rec *r = hmap_get(m->records, k, len);

	if (r == NULL || (r->expires != 0 && r->expires <= now))
		return 0;
	*value = xstrdup(r->value);
	*expires = r->expires;
	return 1;
}

static int
mem_del(void *impl, const char *ns, const char *key)
{
	struct mem *m = impl;
	size_t len;
	const char *k = mkkey(m, ns, key, &len);
	struct rec *r = hmap_del(m->records, k, len);

	if (r) {
		free(r->value);
		free(r);
	}
	return 0;
}

struct list_item {
	char *key;
	struct rec *r;
};

struct list_ctx {
	const char *ns;
	size_t nslen;
	int64_t now;
	struct list_item *v;
	size_t n;
};

static void
list_one(const void *k, size_t klen, void *value, void *arg)
{
	struct list_ctx *c = arg;
	struct rec *r = value;

	if (klen > c->nslen && memcmp(k, c->ns, c->nslen) == 0 &&
	    ((const char *)k)[c->nslen] == '\0' && (r->expires == 0 || r->expires > c->now)) {
		c->v = xrealloc(c->v, (c->n + 1) * sizeof(*c->v));
		c->v[c->n].key = xstrndup((const char *)k + c->nslen + 1, klen - c->nslen - 1);
		c->v[c->n].r = r;
		c->n++;
	}
}

static int
cmp_items(const void *a, const void *b)
{
	return strcmp(((const struct list_item *)a)->key, ((const struct list_item *)b)->key);
}

static int
mem_list(void *impl, const char *ns, int64_t now,
    void (*fn)(void *arg, const char *key, const char *value, int64_t expires), void *arg)
{
	struct mem *m = impl;
	struct list_ctx c = { ns, strlen(ns), now, NULL, 0 };

	hmap_foreach(m->records, list_one, &c);
	if (c.n > 1) /* qsort(NULL, 0) is undefined */
		qsort(c.v, c.n, sizeof(*c.v), cmp_items);
	for (size_t i = 0; i < c.n; i++) {
		fn(arg, c.v[i].key, c.v[i].r->value, c.v[i].r->expires);
		free(c.v[i].key);
	}
	free(c.v);
	return 0;
}

struct doomed {
	char **keys;
	size_t *lens;
	size_t n;
	int64_t now, before;
	int counters;
};

static void
find_expired(const void *k, size_t klen, void *value, void *arg)
{
	struct doomed *d = arg;
	int dead;

	if (d->counters) {
		/* "key NUL bucket": the bucket is not NUL-terminated in the map. */
		const char *nul = memchr(k, '\0', klen);
		char b[24];
		size_t bl = nul ? klen - (size_t)(nul + 1 - (const char *)k) : 0;
		if (nul == NULL || bl >= sizeof(b))
			return;
		memcpy(b, nul + 1, bl);
		b[bl] = '\0';
		dead = strtoll(b, NULL, 10) < d->before;
	} else {
		const struct rec *r = value;
		dead = r->expires != 0 && r->expires <= d->now;
	}
	if (dead) {
		d->keys = xrealloc(d->keys, (d->n + 1) * sizeof(*d->keys));
		d->lens = xrealloc(d->lens, (d->n + 1) * sizeof(*d->lens));
		d->keys[d->n] = xmemdup(k, klen);
		d->lens[d->n++] = klen;
	}
}

static int
mem_expire(void *impl, int64_t now, int64_t before)
{
	struct mem *m = impl;

	for (int pass = 0; pass < 2; pass++) {
		struct doomed d = { NULL, NULL, 0, now, before, pass };
		struct hmap *h = pass ? m->counters : m->records;
		hmap_foreach(h, find_expired, &d);
		for (size_t i = 0; i < d.n; i++) {
			void *v = hmap_del(h, d.keys[i], d.lens[i]);
			if (!pass)
				free(((struct rec *)v)->value);
			free(v);
			free(d.keys[i]);
		}
		free(d.keys);
		free(d.lens);
	}
	return 0;
}

static void
free_counter(const void *k, size_t klen, void *value, void *arg)
{
	(void)k;
	(void)klen;
	(void)arg;
	free(value);
}

static void
free_rec(const void *k, size_t klen, void *value, void *arg)
{
	struct rec *r = value;

	(void)k;
	(void)klen;
	(void)arg;
	free(r->value);
	free(r);
}

static void
mem_close(void *impl)
{
	struct mem *m = impl;

	hmap_foreach(m->counters, free_counter, NULL);
	hmap_foreach(m->records, free_rec, NULL);
	hmap_free(m->counters);
	hmap_free(m->records);
	strbuf_free(&m->key);
	free(m);
}

static const struct store_ops memory_ops = {
	mem_counter_add, mem_counter_sum, mem_put, mem_get, mem_del, mem_list, mem_expire,
	mem_close, mem_counter_reserve, NULL, /* blocking: requests complete at once (store.h) */
};

struct store *
store_open_memory(void)
{
	struct mem *m = xcalloc(1, sizeof(*m));
	struct store *s = xcalloc(1, sizeof(*s));

	m->counters = hmap_new();
	m->records = hmap_new();
	strbuf_init(&m->key, 4096);
	s->ops = &memory_ops;
	s->impl = m;
	return s;
}
