/*
 * dns_mem: the in-memory DNS table (see dns_mem.h). A hash table of names
 * (lower-cased, without trailing dot), each holding its records in the
 * order they were added. Adding a name adds its ancestors as empty names
 * too (empty non-terminals: NODATA, as a real zone answers for them).
 */
#include "dns/dns_mem.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dns/dns_name.h"
#include "dns/dns_result.h"
#include "util/str.h"
#include "util/xmalloc.h"

/* CNAME hops followed before the chain counts as a loop. */
#define MEM_CNAME_MAX 8

struct mem_name {
	char *name;
	size_t len;
	int timeout;
	long long delay_ms;
	struct dns_result *rrs; /* records of every type, as a holder */
	struct mem_name *next;
};

struct dns_mem {
	struct mem_name **buckets;
	size_t nbuckets;
	size_t count;
	int silent;
};

static uint32_t
hash_name(const char *s, size_t n)
{
	uint32_t h = 2166136261u; /* FNV-1a over the lower-cased name */

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		h = (h ^ c) * 16777619u;
	}
	return h;
}

static size_t
key_len(const char *name)
{
	size_t n = strlen(name);

	return n > 1 && name[n - 1] == '.' ? n - 1 : n;
}

struct dns_mem *
dns_mem_new(void)
{
	struct dns_mem *t = xcalloc(1, sizeof(*t));

	t->nbuckets = 64;
	t->buckets = xcalloc(t->nbuckets, sizeof(*t->buckets));
	return t;
}

void
dns_mem_free(struct dns_mem *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->nbuckets; i++) {
		struct mem_name *e = t->buckets[i], *next;
		for (; e; e = next) {
			next = e->next;
			free(e->name);
			dns_result_free(e->rrs);
			free(e);
		}
	}
	free(t->buckets);
	free(t);
}

static struct mem_name *
find(const struct dns_mem *t, const char *name)
{
	size_t n = key_len(name);
	struct mem_name *e = t->buckets[hash_name(name, n) & (t->nbuckets - 1)];

	for (; e; e = e->next)
		if (e->len == n && strncasecmp(e->name, name, n) == 0)
			return e;
	return NULL;
}

static void
grow(struct dns_mem *t)
{
	size_t nb = t->nbuckets * 2;
	struct mem_name **b = xcalloc(nb, sizeof(*b));

	for (size_t i = 0; i < t->nbuckets; i++) {
		struct mem_name *e = t->buckets[i], *next;
		for (; e; e = next) {
			next = e->next;
			size_t h = hash_name(e->name, e->len) & (nb - 1);
			e->next = b[h];
			b[h] = e;
		}
	}
	free(t->buckets);
	t->buckets = b;
	t->nbuckets = nb;
}

static struct mem_name *
get(struct dns_mem *t, const char *name)
{
	struct mem_name *e = find(t, name);
	const char *dot;
	size_t n, h;

	if (e)
		return e;
	if (t->count >= t->nbuckets)
		grow(t);
	n = key_len(name);
	e = xcalloc(1, sizeof(*e));
	e->name = str_lower(xstrndup(name, n));
	e->len = n;
	e->rrs = dns_result_new(e->name, 0, DNS_NODATA);
	h = hash_name(name, n) & (t->nbuckets - 1);
	e->next = t->buckets[h];
	t->buckets[h] = e;
	t->count++;
	/* RFC 8020: a name exists when names below it do. */
	dot = memchr(e->name, '.', e->len);
	if (dot && dot[1] != '\0')
		get(t, dot + 1);
	return e;
}

static void
strip_dot(char *s)
{
	size_t n = strlen(s);

	if (n > 1 && s[n - 1] == '.')
		s[n - 1] = '\0';
	else if (n == 1 && s[0] == '.')
		s[0] = '\0';
}

int
dns_mem_add(struct dns_mem *t, const char *name, enum dns_type type, const char *text)
{
	struct in_addr a;
	struct in6_addr a6;
	char host[DNS_NAME_MAX + 2];
	long long pref;

	switch (type) {
	case DNS_T_A:
		if (inet_pton(AF_INET, text, &a) != 1)
			return -1;
		dns_result_add_a(get(t, name)->rrs, &a);
		return 0;
	case DNS_T_AAAA:
		if (inet_pton(AF_INET6, text, &a6) != 1)
			return -1;
		dns_result_add_aaaa(get(t, name)->rrs, &a6);
		return 0;
	case DNS_T_MX: {
		const char *sp = strchr(text, ' ');
		char num[8];
		size_t nl = sp ? (size_t)(sp - text) : strlen(text);
		if (nl == 0 || nl >= sizeof(num))
			return -1;
		memcpy(num, text, nl);
		num[nl] = '\0';
		if (str_to_ll(num, 0, 65535, &pref) < 0)
			return -1;
		if (str_copy(host, sizeof(host), sp ? sp + 1 : "") >= sizeof(host))
			return -1;
		strip_dot(host);
		dns_result_add_mx(get(t, name)->rrs, (unsigned)pref, host);
		return 0;
	}
	case DNS_T_PTR:
	case DNS_T_CNAME:
	case DNS_T_NS:
		if (str_copy(host, sizeof(host), text) >= sizeof(host))
			return -1;
		strip_dot(host);
		dns_result_add_name(get(t, name)->rrs, type, host);
		return 0;
	case DNS_T_TXT: {
		size_t n = strlen(text);
		/* RFC 1035 3.3: on the wire, strings of at most 255 octets. */
		dns_result_add_txt(get(t, name)->rrs, text, n, n ? (unsigned)((n + 254) / 255) : 1);
		return 0;
	}
	}
	return -1;
}

void
dns_mem_add_txt(
    struct dns_mem *t, const char *name, const char *const *strings, const size_t *lens, size_t n)
{
	struct strbuf sb;
	unsigned pieces = 0;

	strbuf_init(&sb, (size_t)-1 / 2);
	for (size_t i = 0; i < n; i++) {
		strbuf_append(&sb, strings[i], lens[i]);
		/* a string longer than 255 octets is several on the wire */
		pieces += lens[i] ? (unsigned)((lens[i] + 254) / 255) : 1;
	}
	dns_result_add_txt(get(t, name)->rrs, sb.s ? sb.s : "", sb.len, pieces);
	strbuf_free(&sb);
}

void
dns_mem_add_timeout(struct dns_mem *t, const char *name)
{
	get(t, name)->timeout = 1;
}

void
dns_mem_add_delay(struct dns_mem *t, const char *name, long long ms)
{
	get(t, name)->delay_ms = ms;
}

long long
dns_mem_delay(const struct dns_mem *t, const char *name)
{
	const struct mem_name *e = find(t, name);

	return e ? e->delay_ms : 0;
}

void
dns_mem_set_silent_timeouts(struct dns_mem *t, int silent)
{
	t->silent = silent;
}

size_t
dns_mem_size(const struct dns_mem *t)
{
	return t->count;
}

static int
has_type(const struct mem_name *e, enum dns_type type)
{
	for (size_t i = 0; i < e->rrs->nrr; i++)
		if (e->rrs->rr[i].type == type)
			return 1;
	return 0;
}

static const char *
cname_of(const struct mem_name *e)
{
	for (size_t i = 0; i < e->rrs->nrr; i++)
		if (e->rrs->rr[i].type == DNS_T_CNAME)
			return e->rrs->rr[i].u.name;
	return NULL;
}

/* Follow CNAMEs from name to the entry that answers (NULL: NXDOMAIN).
 * Sets *loop when the chain is too long. */
static const struct mem_name *
resolve(
    const struct dns_mem *t, const char *name, enum dns_type type, const char **canon, int *loop)
{
	const struct mem_name *e = find(t, name);

	*loop = 0;
	*canon = NULL;
	for (int hops = 0; e != NULL; hops++) {
		const char *target;
		if (type == DNS_T_CNAME || has_type(e, type) || e->timeout)
			return e;
		if ((target = cname_of(e)) == NULL)
			return e;
		if (hops >= MEM_CNAME_MAX) {
			*loop = 1;
			return NULL;
		}
		*canon = target;
		e = find(t, target);
	}
	return NULL;
}

struct dns_result *
dns_mem_lookup(const struct dns_mem *t, const char *name, enum dns_type type)
{
	const struct mem_name *e;
	struct dns_result *res;
	const char *canon;
	int loop;

	if (dns_name_check(name) < 0)
		return dns_result_fail(name, type, DNS_PERMFAIL, "malformed name");
	e = resolve(t, name, type, &canon, &loop);
	if (loop)
		return dns_result_fail(name, type, DNS_TEMPFAIL, "CNAME loop");
	res = dns_result_new(name, type, e ? DNS_NODATA : DNS_NXDOMAIN);
	res->rcode = e ? 0 : 3;
	res->ttl = 300;
	if (canon)
		res->canon = xstrdup(canon);
	if (e == NULL)
		return res;
	for (size_t i = 0; i < e->rrs->nrr; i++) {
		const struct dns_rr *rr = &e->rrs->rr[i];
		if (rr->type != type)
			continue;
		switch (type) {
		case DNS_T_A: dns_result_add_a(res, &rr->u.a); break;
		case DNS_T_AAAA: dns_result_add_aaaa(res, &rr->u.aaaa); break;
		case DNS_T_MX: dns_result_add_mx(res, rr->u.mx.pref, rr->u.mx.host); break;
		case DNS_T_TXT:
			dns_result_add_txt(res, rr->u.txt.data, rr->u.txt.len, rr->u.txt.nstrings);
			break;
		default: dns_result_add_name(res, type, rr->u.name); break;
		}
	}
	dns_result_settle(res);
	if (res->nrr == 0 && e->timeout) {
		res->status = DNS_TEMPFAIL;
		res->rcode = -1;
		dns_result_set_why(res, "timeout");
	}
	return res;
}

int
dns_mem_is_silent(const struct dns_mem *t, const char *name, enum dns_type type)
{
	const struct mem_name *e;
	const char *canon;
	int loop;

	if (!t->silent)
		return 0;
	e = resolve(t, name, type, &canon, &loop);
	return e != NULL && e->timeout && !has_type(e, type);
}
