/*
 * dns_cache: answers kept for their TTL (see dns_cache.h). A hash table
 * of chains for lookups, and one list in order of use for eviction.
 */
#include "dns/dns_cache.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns_name.h"
#include "dns/dns_result.h"
#include "util/xmalloc.h"

struct entry {
	struct entry *chain;       /* next in the bucket */
	struct entry *prev, *next; /* use order: head is the most recent */
	uint64_t hash;
	enum dns_type type;
	int64_t expires;
	struct dns_result *res;
	char key[]; /* lower case, no trailing dot */
};

struct dns_cache {
	struct entry **buckets;
	size_t nbuckets; /* a power of two */
	size_t n, max;
	struct entry *head, *tail;
};

/* The key of name: lower case, without a trailing dot; its length. */
static size_t
key_of(const char *name, char *out, size_t outsz)
{
	size_t n = 0;

	for (; name[n] && n + 1 < outsz; n++)
		out[n] = (char)tolower((unsigned char)name[n]);
	if (n > 0 && out[n - 1] == '.')
		n--;
	out[n] = '\0';
	return n;
}

static uint64_t
hash_of(const char *key, enum dns_type type)
{
	uint64_t h = 1469598103934665603ULL ^ (uint64_t)type; /* FNV-1a */

	for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
		h ^= *p;
		h *= 1099511628211ULL;
	}
	return h;
}

struct dns_cache *
dns_cache_new(size_t max)
{
	struct dns_cache *c = xcalloc(1, sizeof(*c));

	c->max = max ? max : 1;
	c->nbuckets = 64;
	while (c->nbuckets < c->max && c->nbuckets < ((size_t)1 << 20))
		c->nbuckets <<= 1;
	c->buckets = xcalloc(c->nbuckets, sizeof(*c->buckets));
	return c;
}

static void
unlink_use(struct dns_cache *c, struct entry *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		c->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		c->tail = e->prev;
	e->prev = e->next = NULL;
}

static void
push_use(struct dns_cache *c, struct entry *e)
{
	e->prev = NULL;
	e->next = c->head;
	if (c->head)
		c->head->prev = e;
	c->head = e;
	if (c->tail == NULL)
		c->tail = e;
}

static void
drop(struct dns_cache *c, struct entry *e)
{
	struct entry **pp = &c->buckets[e->hash & (c->nbuckets - 1)];

	while (*pp != e)
		pp = &(*pp)->chain;
	*pp = e->chain;
	unlink_use(c, e);
	dns_result_free(e->res);
	free(e);
	c->n--;
}

static struct entry *
find(struct dns_cache *c, const char *key, enum dns_type type, uint64_t h)
{
	for (struct entry *e = c->buckets[h & (c->nbuckets - 1)]; e; e = e->chain)
		if (e->hash == h && e->type == type && strcmp(e->key, key) == 0)
			return e;
	return NULL;
}

struct dns_result *
dns_cache_get(struct dns_cache *c, const char *name, enum dns_type type, int64_t now)
{
	char key[DNS_NAME_MAX + 2];
	struct dns_result *r;
	struct entry *e;
	uint64_t h;

	key_of(name, key, sizeof(key));
	h = hash_of(key, type);
	if ((e = find(c, key, type, h)) == NULL)
		return NULL;
	if (e->expires <= now) {
		drop(c, e);
		return NULL;
	}
	unlink_use(c, e);
	push_use(c, e);
	r = dns_result_copy_as(e->res, name);
	r->ttl = (unsigned)(e->expires - now);
	return r;
}

void
dns_cache_put(struct dns_cache *c, const struct dns_result *res, int64_t now)
{
	char key[DNS_NAME_MAX + 2];
	unsigned ttl = res->ttl;
	struct entry *e;
	size_t n;
	uint64_t h;

	if (res->qname == NULL || ttl == 0 || res->sec == DNS_SEC_BOGUS ||
	    (res->status != DNS_ANSWER && res->status != DNS_NXDOMAIN && res->status != DNS_NODATA))
		return;
	if (res->status == DNS_ANSWER ? ttl > DNS_CACHE_MAX_TTL : ttl > DNS_CACHE_MAX_NEG_TTL)
		ttl = res->status == DNS_ANSWER ? DNS_CACHE_MAX_TTL : DNS_CACHE_MAX_NEG_TTL;
	n = key_of(res->qname, key, sizeof(key));
	h = hash_of(key, res->qtype);
	if ((e = find(c, key, res->qtype, h)) != NULL)
		drop(c, e); /* a newer answer (two queries were in flight) */
	while (c->n >= c->max && c->tail)
		drop(c, c->tail);
	e = xmalloc(sizeof(*e) + n + 1);
	memset(e, 0, sizeof(*e));
	memcpy(e->key, key, n + 1);
	e->hash = h;
	e->type = res->qtype;
	e->expires = now + ttl;
	e->res = dns_result_copy(res);
	e->chain = c->buckets[h & (c->nbuckets - 1)];
	c->buckets[h & (c->nbuckets - 1)] = e;
	push_use(c, e);
	c->n++;
}

size_t
dns_cache_count(const struct dns_cache *c)
{
	return c->n;
}

void
dns_cache_free(struct dns_cache *c)
{
	if (c == NULL)
		return;
	while (c->head)
		drop(c, c->head);
	free(c->buckets);
	free(c);
}
