/*
 * stats: counters in minute buckets, saved through the store (see stats.h).
 *
 * Saved form, one record per counter in namespace "stats", key
 * "check/result", value "v1 total=N last=M b=OFF:COUNT,OFF:COUNT,..."
 * where M is the newest minute (unix minutes) and OFF counts minutes back
 * from it (only non-empty buckets are written). Record "_meta" holds
 * "first_start=UNIX".
 */
#include "policy/stats_impl.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/store.h"
#include "util/hmap.h"
#include "util/xmalloc.h"

#define NS "stats"

int64_t
stats_now(const struct stats *st)
{
	return st->clock ? st->clock(st->clock_arg) : (int64_t)time(NULL);
}

/* Minutes since the epoch (a clock before it counts as minute 0). */
static int64_t
minute_of(int64_t t)
{
	return t > 0 ? t / 60 : 0;
}

/* Names as they are kept: cut, and only [A-Za-z0-9_.:-]. */
static void
clean_name(char *dst, const char *src)
{
	size_t i;

	for (i = 0; src && src[i] && i < STATS_NAME_MAX; i++) {
		char c = src[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '.' || c == ':' || c == '-';
		dst[i] = ok ? c : '_';
	}
	dst[i] = '\0';
	if (i == 0) {
		dst[0] = '_';
		dst[1] = '\0';
	}
}

/* "check/result" into key (at least 2 * STATS_NAME_MAX + 2 octets). */
static size_t
make_key(char *key, const char *check, const char *result)
{
	size_t cl = strlen(check), rl = strlen(result);

	memcpy(key, check, cl);
	key[cl] = '/';
	memcpy(key + cl + 1, result, rl);
	key[cl + 1 + rl] = '\0';
	return cl + 1 + rl;
}

static struct stats_counter *
find(struct stats *st, const char *check, const char *result)
{
	char c[STATS_NAME_MAX + 1], r[STATS_NAME_MAX + 1], key[2 * STATS_NAME_MAX + 2];
	size_t kl;

	clean_name(c, check);
	clean_name(r, result);
	kl = make_key(key, c, r);
	return hmap_get(st->by_name, key, kl);
}

static struct stats_counter *
create(struct stats *st, const char *check, const char *result)
{
	struct stats_counter *c;
	char key[2 * STATS_NAME_MAX + 2];
	size_t kl;

	if (st->n >= STATS_MAX_COUNTERS)
		return NULL;
	c = xcalloc(1, sizeof(*c));
	c->st = st;
	clean_name(c->check, check);
	clean_name(c->result, result);
	c->last = -1;
	kl = make_key(key, c->check, c->result);
	hmap_put(st->by_name, key, kl, c);
	st->v = xrealloc(st->v, (st->n + 1) * sizeof(*st->v));
	st->v[st->n++] = c;
	return c;
}

struct stats_counter *
stats_counter(struct stats *st, const char *check, const char *result)
{
	struct stats_counter *c = find(st, check, result);

	return c ? c : create(st, check, result);
}

/* Move the ring forward to minute m, emptying the minutes passed over. */
static void
advance(struct stats_counter *c, int64_t m)
{
	if (c->last < 0 || m - c->last >= STATS_MINUTES) {
		memset(c->ring, 0, sizeof(c->ring));
	} else {
		for (int64_t k = c->last + 1; k <= m; k++) /* fewer than 1440 */
			c->ring[k % STATS_MINUTES] = 0;
	}
	c->last = m;
}

void
stats_add(struct stats_counter *c, uint64_t n)
{
	int64_t m;
	uint32_t *b;

	if (c == NULL || n == 0)
		return;
	m = minute_of(stats_now(c->st));
	if (m > c->last)
		advance(c, m);
	/* a clock that went back counts into the newest minute */
	b = &c->ring[(c->last >= 0 ? c->last : 0) % STATS_MINUTES];
	*b = n > UINT32_MAX - *b ? UINT32_MAX : *b + (uint32_t)n;
	c->since_start += n;
	c->dirty = 1;
}

void
stats_count(struct stats *st, const char *check, const char *result)
{
	struct stats_counter *c = stats_counter(st, check, result);

	if (c == NULL)
		st->dropped++;
	stats_add(c, 1);
}

uint64_t
stats_dropped(const struct stats *st)
{
	return st->dropped;
}

void
stats_base(struct stats *st, const char *check, const char *result)
{
	char c[STATS_NAME_MAX + 1];
	size_t i;

	clean_name(c, check);
	for (i = 0; i < st->nbases; i++)
		if (strcmp(st->bases[i].check, c) == 0)
			break;
	if (i == st->nbases) {
		st->bases = xrealloc(st->bases, (st->nbases + 1) * sizeof(*st->bases));
		st->nbases++;
	}
	str_copy(st->bases[i].check, sizeof(st->bases[i].check), c);
	clean_name(st->bases[i].result, result);
}

uint64_t
stats_window(const struct stats_counter *c, int64_t now, int minutes)
{
	uint64_t sum = 0;

	if (c->last < 0)
		return 0;
	for (int64_t m = now - minutes + 1; m <= now; m++) {
		/* only minutes the ring still holds: (last - 1440, last] */
		if (m < 0 || m > c->last || m <= c->last - STATS_MINUTES)
			continue;
		sum += c->ring[m % STATS_MINUTES];
	}
	return sum;
}

void
stats_get(struct stats *st, const char *check, const char *result, struct stats_figures *f)
{
	const struct stats_counter *c = find(st, check, result);
	int64_t now = minute_of(stats_now(st));

	memset(f, 0, sizeof(*f));
	if (c == NULL)
		return;
	f->hour = stats_window(c, now, 60);
	f->day = stats_window(c, now, STATS_MINUTES);
	f->since_start = c->since_start;
	f->total = c->base_total + c->since_start;
}

/* --- saving and loading --------------------------------------------- */

/* Parse a saved counter into c; -1 if the value is not ours. */
static int
load_value(struct stats_counter *c, const char *v, int64_t now)
{
	unsigned long long total;
	long long last;
	int used = 0;
	const char *p;

	if (sscanf(v, "v1 total=%llu last=%lld b=%n", &total, &last, &used) < 2 || used == 0)
		return -1;
	c->base_total = total;
	if (last > now)
		last = now; /* saved by a clock ahead of ours */
	p = v + used;
	while (*p) {
		unsigned long off, cnt;
		int n = 0;
		if (sscanf(p, "%lu:%lu%n", &off, &cnt, &n) != 2 || n == 0)
			return -1;
		p += n;
		if (*p == ',')
			p++;
		int64_t m = last - (int64_t)off;
		if (off >= STATS_MINUTES || m < 0 || m <= now - STATS_MINUTES || cnt > UINT32_MAX)
			continue;
		if (c->last < 0)
			advance(c, now);
		c->ring[m % STATS_MINUTES] = (uint32_t)cnt;
	}
	return 0;
}

static void
load_one(void *arg, const char *key, const char *value, int64_t expires)
{
	struct stats *st = arg;
	const char *slash = strchr(key, '/');
	char check[STATS_NAME_MAX + 1];
	struct stats_counter *c;
	size_t cl;

	(void)expires;
	if (strcmp(key, "_meta") == 0) {
		long long fs;
		if (sscanf(value, "first_start=%lld", &fs) == 1 && fs > 0 && fs < st->first_start)
			st->first_start = fs;
		return;
	}
	if (slash == NULL || (cl = (size_t)(slash - key)) == 0 || cl > STATS_NAME_MAX)
		return;
	memcpy(check, key, cl);
	check[cl] = '\0';
	c = stats_counter(st, check, slash + 1);
	if (c && load_value(c, value, minute_of(stats_now(st))) < 0)
		c->base_total = 0;
}

struct stats *
stats_new(struct store *store, stats_clock clock, void *clock_arg)
{
	struct stats *st = xcalloc(1, sizeof(*st));

	st->store = store;
	st->clock = clock;
	st->clock_arg = clock_arg;
	st->by_name = hmap_new();
	st->started = stats_now(st);
	st->first_start = st->started;
	if (store)
		store_list(store, NS, load_one, st);
	st->meta_dirty = st->first_start == st->started;
	return st;
}

void
stats_free(struct stats *st)
{
	if (st == NULL)
		return;
	for (size_t i = 0; i < st->n; i++)
		free(st->v[i]);
	free(st->v);
	free(st->bases);
	hmap_free(st->by_name);
	free(st);
}

int
stats_flush(struct stats *st)
{
	struct strbuf v;
	char key[2 * STATS_NAME_MAX + 2];
	int rc = 0;

	if (st->store == NULL)
		return 0;
	if (st->meta_dirty) {
		char meta[64];
		snprintf(meta, sizeof(meta), "first_start=%lld", (long long)st->first_start);
		if (store_put(st->store, NS, "_meta", meta, 0) < 0)
			rc = -1;
		else
			st->meta_dirty = 0;
	}
	/* "v1 total=... last=... b=" and at most 1440 "OFF:COUNT," */
	strbuf_init(&v, 64 + STATS_MINUTES * 22);
	for (size_t i = 0; i < st->n; i++) {
		struct stats_counter *c = st->v[i];
		int first = 1;
		if (!c->dirty)
			continue;
		strbuf_reset(&v);
		strbuf_printf(&v,
		    "v1 total=%" PRIu64 " last=%lld b=", c->base_total + c->since_start,
		    (long long)c->last);
		for (int off = 0; c->last - off >= 0 && off < STATS_MINUTES; off++) {
			uint32_t n = c->ring[(c->last - off) % STATS_MINUTES];
			if (n == 0)
				continue;
			strbuf_printf(&v, "%s%d:%" PRIu32, first ? "" : ",", off, n);
			first = 0;
		}
		make_key(key, c->check, c->result);
		if (store_put(st->store, NS, key, v.s, 0) < 0)
			rc = -1;
		else
			c->dirty = 0;
	}
	strbuf_free(&v);
	return rc;
}
