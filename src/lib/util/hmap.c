/*
 * hmap: chained hash map with FNV-1a hashing and doubling (see hmap.h).
 */
#include "util/hmap.h"

#include <stdlib.h>
#include <string.h>

#include "util/xmalloc.h"

struct hnode {
	struct hnode *next;
	uint64_t hash;
	void *value;
	size_t keylen;
	unsigned char key[];
};

struct hmap {
	struct hnode **b;
	size_t nb; /* power of two */
	size_t n;
	uint64_t seed; /* per-map, so hostile keys cannot be precomputed */
};

static uint64_t
hash_bytes(uint64_t seed, const void *key, size_t len)
{
	const unsigned char *p = key;
	uint64_t h = 1469598103934665603ULL ^ seed;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 1099511628211ULL;
	}
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 32;
	return h;
}

struct hmap *
hmap_new(void)
{
	struct hmap *m = xcalloc(1, sizeof(*m));

	m->nb = 64;
	m->b = xcalloc(m->nb, sizeof(*m->b));
	m->seed = ((uint64_t)(uintptr_t)m * 0x9e3779b97f4a7c15ULL) ^ (uint64_t)random();
	return m;
}

void
hmap_free(struct hmap *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->nb; i++) {
		struct hnode *n = m->b[i];
		while (n) {
			struct hnode *next = n->next;
			free(n);
			n = next;
		}
	}
	free(m->b);
	free(m);
}

static struct hnode **
find(const struct hmap *m, const void *key, size_t keylen, uint64_t h)
{
	struct hnode **pp = &m->b[h & (m->nb - 1)];

	for (; *pp; pp = &(*pp)->next)
		if ((*pp)->hash == h && (*pp)->keylen == keylen &&
		    memcmp((*pp)->key, key, keylen) == 0)
			return pp;
	return pp;
}

void *
hmap_get(const struct hmap *m, const void *key, size_t keylen)
{
	struct hnode **pp = find(m, key, keylen, hash_bytes(m->seed, key, keylen));

	return *pp ? (*pp)->value : NULL;
}

static void
grow(struct hmap *m)
{
	size_t nb = m->nb * 2;
	struct hnode **b = xcalloc(nb, sizeof(*b));

	for (size_t i = 0; i < m->nb; i++) {
		struct hnode *n = m->b[i];
		while (n) {
			struct hnode *next = n->next;
			n->next = b[n->hash & (nb - 1)];
			b[n->hash & (nb - 1)] = n;
			n = next;
		}
	}
	free(m->b);
	m->b = b;
	m->nb = nb;
}

void *
hmap_put(struct hmap *m, const void *key, size_t keylen, void *value)
{
	uint64_t h = hash_bytes(m->seed, key, keylen);
	struct hnode **pp = find(m, key, keylen, h);
	struct hnode *n;

	if (*pp) {
		void *old = (*pp)->value;
		(*pp)->value = value;
		return old;
	}
	n = xmalloc(sizeof(*n) + keylen);
	n->next = NULL;
	n->hash = h;
	n->value = value;
	n->keylen = keylen;
	memcpy(n->key, key, keylen);
	*pp = n;
	if (++m->n > m->nb)
		grow(m);
	return NULL;
}

void *
hmap_del(struct hmap *m, const void *key, size_t keylen)
{
	struct hnode **pp = find(m, key, keylen, hash_bytes(m->seed, key, keylen));
	struct hnode *n = *pp;
	void *v;

	if (n == NULL)
		return NULL;
	*pp = n->next;
	v = n->value;
	free(n);
	m->n--;
	return v;
}

size_t
hmap_count(const struct hmap *m)
{
	return m->n;
}

void
hmap_foreach(const struct hmap *m,
    void (*fn)(const void *key, size_t keylen, void *value, void *arg), void *arg)
{
	for (size_t i = 0; i < m->nb; i++)
		for (struct hnode *n = m->b[i]; n; n = n->next)
			fn(n->key, n->keylen, n->value, arg);
}
