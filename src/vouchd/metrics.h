/*
 * metrics: vouchd's statistics (policy/stats.h) at work. It owns the
 * counters' life in the daemon: made from the state database at start,
 * fed every few seconds with the daemon's own running totals (sessions,
 * refused connections, recipients, messages, deliveries), saved every
 * minute and at stop, and served as Prometheus text on metrics_listen
 * (GET /metrics only; everything else is 404) when that is set.
 *
 * Host code counts checks directly: stats_count(d->counters, "spf", "fail").
 */
#ifndef VOUCH_VOUCHD_METRICS_H
#define VOUCH_VOUCHD_METRICS_H

#include <stddef.h>

#include "util/str.h"

struct vouchd;
struct metrics;

/*
 * Bind the endpoint when metrics_listen is set (call as root, before
 * privileges drop, like the SMTP listeners). NULL with err set on error.
 */
struct metrics *metrics_new(struct vouchd *d, char *err, size_t errsz);
/* Start counting: d->counters from d->store (open by now), and the timer. */
void metrics_start(struct metrics *m);
/* Save the counters, free them (d->counters = NULL) and close the endpoint.
 * Call before the store closes. NULL-safe. */
void metrics_free(struct metrics *m);
/* The table for vouchctl stats, or the Prometheus text; figures are
 * brought up to date first. */
/* The endpoint's bound address (the real port), or NULL when there is none. */
const char *metrics_address(const struct metrics *m);
int metrics_table(struct metrics *m, struct strbuf *out);
int metrics_prometheus(struct metrics *m, struct strbuf *out);

#endif
