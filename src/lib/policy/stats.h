/*
 * stats: counts of what happened to sessions and what every check found,
 * named by (check, result): ("spf", "fail"), ("session",
 * "refused_connect"), ("callout", "skip:spf_pass"). Each counter keeps
 * minute buckets for the last 24 hours, a total since this process
 * started, and a total since the first start; the buckets and totals are
 * saved through the storage interface (store/store.h, namespace "stats")
 * so a restart loses nothing but what was counted after the last
 * stats_flush().
 *
 * Counting is cheap enough for the event loop: a counter is allocated
 * once, the first time its name is seen; after that stats_count() is a
 * hash lookup and an increment, and stats_add() on a held counter only
 * the increment. Not thread-safe: the event loop thread only.
 *
 * Renderings: the human table of vouchctl stats (last hour, last day,
 * since start, all time, with percentages), and the Prometheus text
 * exposition format (counters labelled check="...", result="...", plus
 * gauges the host supplies).
 */
#ifndef VOUCH_POLICY_STATS_H
#define VOUCH_POLICY_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "util/str.h"

struct stats;
struct stats_counter;
struct store;

/* The clock: unix seconds. NULL means time(2). */
typedef int64_t (*stats_clock)(void *arg);

/* Minute buckets kept: 24 hours. */
#define STATS_MINUTES 1440
/* Counters at most; names beyond are not counted (stats_dropped says how often). */
#define STATS_MAX_COUNTERS 512
/* Longest check and result names; longer ones are cut. */
#define STATS_NAME_MAX 40

/*
 * A new set of counters, with what store holds from earlier runs loaded
 * (store may be NULL: nothing is loaded or saved). Free with stats_free.
 */
struct stats *stats_new(struct store *store, stats_clock clock, void *clock_arg);
/* Free (without saving: call stats_flush first). NULL-safe. */
void stats_free(struct stats *st);

/*
 * The counter for (check, result), made on first use. Names are cut to
 * STATS_NAME_MAX and characters outside [A-Za-z0-9_.:-] become '_'.
 * The pointer stays valid until stats_free. NULL only past
 * STATS_MAX_COUNTERS.
 */
struct stats_counter *stats_counter(struct stats *st, const char *check, const char *result);
/* Add n to a counter (NULL-safe). */
void stats_add(struct stats_counter *c, uint64_t n);
/* Add one to (check, result). */
void stats_count(struct stats *st, const char *check, const char *result);

/*
 * Percentages in check's rows are of (check, result) instead of the sum
 * of check's rows: e.g. ("session", "connect") for sessions refused at
 * each stage.
 */
void stats_base(struct stats *st, const char *check, const char *result);

/* Counts of (check, result): within the last hour and day, since start,
 * since the first start. 0 for a counter never seen. */
struct stats_figures {
	uint64_t hour, day, since_start, total;
};
void stats_get(struct stats *st, const char *check, const char *result, struct stats_figures *f);
/* Counts that found no counter (STATS_MAX_COUNTERS reached). */
uint64_t stats_dropped(const struct stats *st);

/* Save changed counters (and when counting began) to the store; -1 on a
 * store error. */
int stats_flush(struct stats *st);

/*
 * A cluster's statistics (stats_cluster.c): the nodes send what they
 * counted to the shared store (store = redis://...), so the cluster's
 * figures are the sum of its nodes'. stats_cluster_push() sends what this
 * process counted since its last push (nobody waits; what a failing store
 * loses is logged and missing from the cluster's figures only);
 * stats_cluster_table() renders the last hour and day of the whole
 * cluster with blocking calls (vouchctl stats --cluster).
 */
void stats_cluster_push(struct stats *st, struct store *shared);
int stats_cluster_table(struct store *shared, int64_t now, struct strbuf *out);

/* The table for people (vouchctl stats). */
int stats_render_table(struct stats *st, struct strbuf *out);

/* A value the host knows at render time (sessions open, queue size). */
struct stats_gauge {
	const char *name; /* metric name, e.g. "vouch_sessions_open" */
	const char *help;
	double value;
};
/* The Prometheus text exposition format (version 0.0.4). */
int stats_render_prometheus(
    struct stats *st, const struct stats_gauge *g, size_t ngauges, struct strbuf *out);

#endif
