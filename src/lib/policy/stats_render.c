/*
 * stats_render: the counters as a table for people and as Prometheus
 * text (see stats.h).
 */
#include "policy/stats_impl.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The result percentages in check's rows are of, or NULL for their sum. */
static const char *
basis(const struct stats *st, const char *check)
{
	for (size_t i = 0; i < st->nbases; i++)
		if (strcmp(st->bases[i].check, check) == 0)
			return st->bases[i].result;
	return NULL;
}

/* Row order: "session" first, then checks by name; in a check its basis
 * first, then results by name. */
static int
row_cmp(const void *pa, const void *pb)
{
	const struct stats_counter *a = *(const struct stats_counter *const *)pa;
	const struct stats_counter *b = *(const struct stats_counter *const *)pb;
	int as = strcmp(a->check, "session") == 0, bs = strcmp(b->check, "session") == 0;
	int c;
	const char *base;

	if (as != bs)
		return bs - as;
	if ((c = strcmp(a->check, b->check)) != 0)
		return c;
	base = basis(a->st, a->check);
	if (base && strcmp(a->result, base) == 0)
		return -1;
	if (base && strcmp(b->result, base) == 0)
		return 1;
	return strcmp(a->result, b->result);
}

static struct stats_counter **
sorted(const struct stats *st)
{
	struct stats_counter **v = malloc((st->n + 1) * sizeof(*v));

	if (v == NULL)
		return NULL;
	if (st->n > 0) {
		memcpy(v, st->v, st->n * sizeof(*v));
		qsort(v, st->n, sizeof(*v), row_cmp);
	}
	return v;
}

enum { COL_HOUR, COL_DAY, COL_START, COL_TOTAL, NCOLS };

static void
figures(const struct stats_counter *c, int64_t now_minute, uint64_t f[NCOLS])
{
	f[COL_HOUR] = stats_window(c, now_minute, 60);
	f[COL_DAY] = stats_window(c, now_minute, STATS_MINUTES);
	f[COL_START] = c->since_start;
	f[COL_TOTAL] = c->base_total + c->since_start;
}

static void
when(int64_t t, char *buf, size_t bufsz)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL || strftime(buf, bufsz, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(buf, bufsz, "%lld", (long long)t);
}

static void
duration(int64_t s, char *buf, size_t bufsz)
{
	if (s < 0)
		s = 0;
	if (s >= 86400)
		snprintf(buf, bufsz, "%lldd %lldh %lldm", (long long)(s / 86400),
		    (long long)(s % 86400 / 3600), (long long)(s % 3600 / 60));
	else if (s >= 3600)
		snprintf(
		    buf, bufsz, "%lldh %lldm", (long long)(s / 3600), (long long)(s % 3600 / 60));
	else
		snprintf(buf, bufsz, "%lldm %llds", (long long)(s / 60), (long long)(s % 60));
}

int
stats_render_table(struct stats *st, struct strbuf *out)
{
	static const char *const heads[NCOLS] = { "last hour", "last day", "since start",
		"all time" };
	int64_t now = stats_now(st);
	int64_t nm = now > 0 ? now / 60 : 0;
	struct stats_counter **v = sorted(st);
	char t1[64], t2[64], up[64];
	int rc = 0;

	if (v == NULL)
		return -1;
	duration(now - st->started, up, sizeof(up));
	when(st->started, t1, sizeof(t1));
	when(st->first_start, t2, sizeof(t2));
	rc |= strbuf_printf(
	    out, "vouch statistics: up %s (started %s); all time since %s\n\n", up, t1, t2);
	rc |= strbuf_printf(out, "%-28s", "check / result");
	for (int k = 0; k < NCOLS; k++)
		rc |= strbuf_printf(out, "%18s", heads[k]);
	rc |= strbuf_puts(out, "\n");
	uint64_t(*f)[NCOLS] = calloc(st->n + 1, sizeof(*f));
	if (f == NULL) {
		free(v);
		return -1;
	}
	for (size_t i = 0; i < st->n; i++)
		figures(v[i], nm, f[i]);
	/* one check's rows are together: [gs, ge) */
	for (size_t gs = 0, ge; gs < st->n && rc == 0; gs = ge) {
		const char *b = basis(st, v[gs]->check);
		uint64_t base[NCOLS] = { 0, 0, 0, 0 };
		for (ge = gs; ge < st->n && strcmp(v[ge]->check, v[gs]->check) == 0; ge++)
			if (b == NULL || strcmp(v[ge]->result, b) == 0)
				for (int k = 0; k < NCOLS; k++)
					base[k] += f[ge][k];
		rc |= strbuf_printf(out, "%s\n", v[gs]->check);
		for (size_t i = gs; i < ge; i++) {
			rc |= strbuf_printf(out, "  %-26s", v[i]->result);
			for (int k = 0; k < NCOLS; k++) {
				if (base[k] == 0)
					rc |= strbuf_printf(out, "%11" PRIu64 "       ", f[i][k]);
				else
					rc |= strbuf_printf(out, "%11" PRIu64 " %5.1f%%", f[i][k],
					    100.0 * (double)f[i][k] / (double)base[k]);
			}
			rc |= strbuf_puts(out, "\n");
		}
	}
	free(f);
	if (st->n == 0)
		rc |= strbuf_puts(out, "(nothing counted yet)\n");
	if (st->dropped)
		rc |= strbuf_printf(
		    out, "\ncounts not kept (too many counters): %" PRIu64 "\n", st->dropped);
	free(v);
	return rc ? -1 : 0;
}

/* Prometheus label values: backslash, double quote and line feed escaped. */
static int
label(struct strbuf *out, const char *s)
{
	int rc = 0;

	for (; *s && rc == 0; s++) {
		if (*s == '\\' || *s == '"')
			rc = strbuf_printf(out, "\\%c", *s);
		else if (*s == '\n')
			rc = strbuf_puts(out, "\\n");
		else
			rc = strbuf_append(out, s, 1);
	}
	return rc;
}

static int
metric_name_ok(const char *n)
{
	if (n == NULL ||
	    !((n[0] >= 'a' && n[0] <= 'z') || (n[0] >= 'A' && n[0] <= 'Z') || n[0] == '_' ||
	        n[0] == ':'))
		return 0;
	for (size_t i = 1; n[i]; i++)
		if (!((n[i] >= 'a' && n[i] <= 'z') || (n[i] >= 'A' && n[i] <= 'Z') ||
		        (n[i] >= '0' && n[i] <= '9') || n[i] == '_' || n[i] == ':'))
			return 0;
	return 1;
}

static int
family(struct stats *st, struct stats_counter **v, int col, const char *name, const char *type,
    const char *help, struct strbuf *out)
{
	int64_t now = stats_now(st);
	int64_t nm = now > 0 ? now / 60 : 0;
	int rc = strbuf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);

	for (size_t i = 0; i < st->n && rc == 0; i++) {
		uint64_t f[NCOLS];
		figures(v[i], nm, f);
		rc |= strbuf_printf(out, "%s{check=\"", name);
		rc |= label(out, v[i]->check);
		rc |= strbuf_puts(out, "\",result=\"");
		rc |= label(out, v[i]->result);
		rc |= strbuf_printf(out, "\"} %" PRIu64 "\n", f[col]);
	}
	return rc;
}

int
stats_render_prometheus(
    struct stats *st, const struct stats_gauge *g, size_t ngauges, struct strbuf *out)
{
	struct stats_counter **v = sorted(st);
	int rc = 0;

	if (v == NULL)
		return -1;
	rc |= family(st, v, COL_TOTAL, "vouch_events_total", "counter",
	    "Sessions, stages and checks by result, since vouch first started.", out);
	rc |= family(st, v, COL_HOUR, "vouch_events_last_hour", "gauge",
	    "Sessions, stages and checks by result, in the last hour.", out);
	rc |= family(st, v, COL_DAY, "vouch_events_last_day", "gauge",
	    "Sessions, stages and checks by result, in the last 24 hours.", out);
	rc |= strbuf_printf(out,
	    "# HELP vouch_uptime_seconds Seconds since vouchd started.\n"
	    "# TYPE vouch_uptime_seconds gauge\nvouch_uptime_seconds %lld\n",
	    (long long)(stats_now(st) - st->started));
	rc |= strbuf_printf(out,
	    "# HELP vouch_stats_dropped_total Counts not kept: too many "
	    "counters.\n# TYPE vouch_stats_dropped_total counter\nvouch_stats_dropped_total %" PRIu64
	    "\n",
	    st->dropped);
	for (size_t i = 0; i < ngauges && rc == 0; i++) {
		if (!metric_name_ok(g[i].name))
			continue;
		rc |= strbuf_printf(out, "# HELP %s %s\n# TYPE %s gauge\n%s %.15g\n", g[i].name,
		    g[i].help ? g[i].help : g[i].name, g[i].name, g[i].name, g[i].value);
	}
	free(v);
	return rc ? -1 : 0;
}
