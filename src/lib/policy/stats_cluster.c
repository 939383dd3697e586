/*
 * stats_cluster: a cluster's statistics in its shared store (stats.h).
 *
 * Each node adds what it counted to counter "stats/CHECK/RESULT" of the
 * shared store, in minute buckets (the minute of the push: a node pushes
 * every sample, 10 s, so a count lands at most that late), and names the
 * counter once in namespace "stats.cluster" (key "CHECK/RESULT"), so a
 * reader can find every counter any node has. The shared store's counters
 * expire by themselves (Redis: 8 days after their last change), so the
 * cluster's figures are the last hour and the last day, not all time.
 */
#include "policy/stats_impl.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "util/str.h"
#include "util/xmalloc.h"

#define NS_NAMES "stats.cluster"
#define KEY_MAX (2 * STATS_NAME_MAX + 16)

void
stats_cluster_push(struct stats *st, struct store *shared)
{
	int64_t minute = stats_now(st) / 60;

	if (st == NULL || shared == NULL)
		return;
	for (size_t i = 0; i < st->n; i++) {
		struct stats_counter *c = st->v[i];
		char name[KEY_MAX], key[KEY_MAX + 8];

		if (c->since_start == c->shared)
			continue;
		snprintf(name, sizeof(name), "%s/%s", c->check, c->result);
		snprintf(key, sizeof(key), "stats/%s", name);
		if (!c->named) {
			store_req_put(shared, NS_NAMES, name, "1", 0, store_done_log,
			    "stats_cluster_name", 0);
			c->named = 1;
		}
		store_req_counter_add(shared, key, minute, (int64_t)(c->since_start - c->shared),
		    store_done_log, "stats_cluster_push", 0);
		c->shared = c->since_start;
	}
}

struct names {
	char **v;
	size_t n, cap;
};

static void
add_name(void *arg, const char *key, const char *value, int64_t expires)
{
	struct names *ns = arg;

	(void)value;
	(void)expires;
	if (ns->n == ns->cap) {
		ns->cap = ns->cap ? 2 * ns->cap : 32;
		ns->v = xrealloc(ns->v, ns->cap * sizeof(*ns->v));
	}
	ns->v[ns->n++] = xstrdup(key);
}

int
stats_cluster_table(struct store *shared, int64_t now, struct strbuf *out)
{
	struct names ns = { 0 };
	int64_t minute = now / 60;
	char check[STATS_NAME_MAX + 1] = "";
	int rc = 0;

	/* listed in key order: one check's rows are together */
	if (store_list(shared, NS_NAMES, add_name, &ns) < 0)
		return -1;
	rc |= strbuf_puts(out,
	    "vouch statistics of the cluster: every node's counts, "
	    "sent to the shared store every 10 s\n\n");
	rc |= strbuf_printf(out, "%-28s%18s%18s\n", "check / result", "last hour", "last day");
	for (size_t i = 0; i < ns.n && rc == 0; i++) {
		const char *slash = strchr(ns.v[i], '/');
		char key[KEY_MAX + 8];
		int64_t hour, day;

		if (slash == NULL || (size_t)(slash - ns.v[i]) > STATS_NAME_MAX)
			continue;
		snprintf(key, sizeof(key), "stats/%s", ns.v[i]);
		hour = store_counter_sum(shared, key, minute - 59);
		day = store_counter_sum(shared, key, minute - (STATS_MINUTES - 1));
		if (strncmp(check, ns.v[i], (size_t)(slash - ns.v[i])) != 0 ||
		    check[slash - ns.v[i]] != '\0') {
			str_copy(check, sizeof(check), ns.v[i]);
			check[slash - ns.v[i]] = '\0';
			rc |= strbuf_printf(out, "%s\n", check);
		}
		rc |=
		    strbuf_printf(out, "  %-26s%18" PRId64 "%18" PRId64 "\n", slash + 1, hour, day);
	}
	if (ns.n == 0)
		rc |= strbuf_puts(out, "(nothing counted yet)\n");
	for (size_t i = 0; i < ns.n; i++)
		free(ns.v[i]);
	free(ns.v);
	return rc ? -1 : 0;
}
