/*
 * stats_impl: the counters' layout, shared by stats.c (counting and
 * saving) and stats_render.c (tables). Private to src/lib/policy.
 */
#ifndef VOUCH_POLICY_STATS_IMPL_H
#define VOUCH_POLICY_STATS_IMPL_H

#include "policy/stats.h"

struct stats_counter {
	struct stats *st;
	char check[STATS_NAME_MAX + 1];
	char result[STATS_NAME_MAX + 1];
	uint32_t ring[STATS_MINUTES]; /* counts per minute, by minute % STATS_MINUTES */
	int64_t last;                 /* newest minute the ring holds (-1: none) */
	uint64_t since_start;         /* counted by this process */
	uint64_t base_total;          /* all-time total when loaded */
	int dirty;                    /* changed since the last flush */
	uint64_t shared;              /* of since_start: sent to a cluster's store */
	int named;                    /* its name is in the cluster's list */
};

struct stats {
	struct store *store;
	stats_clock clock;
	void *clock_arg;
	struct hmap *by_name;     /* "check/result" -> counter */
	struct stats_counter **v; /* every counter, in creation order */
	size_t n;
	uint64_t dropped;
	int64_t started;     /* unix seconds */
	int64_t first_start; /* from the store, or started */
	int meta_dirty;
	/* percentage bases: check -> result */
	struct stats_basis {
		char check[STATS_NAME_MAX + 1], result[STATS_NAME_MAX + 1];
	} * bases;
	size_t nbases;
};

/* Unix seconds from the stats clock. */
int64_t stats_now(const struct stats *st);
/* Sum of a counter's buckets for the minutes (now_minute - minutes, now_minute]. */
uint64_t stats_window(const struct stats_counter *c, int64_t now_minute, int minutes);

#endif
