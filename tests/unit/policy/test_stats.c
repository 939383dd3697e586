/*
 * Unit tests for policy/stats with a fake clock: minute buckets and the
 * hour/day windows, the ring's wrap-around, a clock that goes back,
 * saving and loading through the store (a restart loses nothing), names,
 * the counter limit, and both renderings.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "policy/stats.h"
#include "store/store.h"

#define T0 1700000000LL	/* Tue, 14 Nov 2023 22:13:20 UTC */

static int64_t fake_now;

static int64_t
clock_fn(void *arg)
{
	(void)arg;
	return fake_now;
}

static struct stats_figures
get(struct stats *st, const char *check, const char *result)
{
	struct stats_figures f;

	stats_get(st, check, result, &f);
	return f;
}

static void
test_windows(void **state)
{
	struct stats *st;
	struct stats_figures f;

	(void)state;
	fake_now = T0;
	st = stats_new(NULL, clock_fn, NULL);
	stats_count(st, "spf", "fail");
	stats_count(st, "spf", "fail");
	stats_count(st, "spf", "pass");
	fake_now += 30 * 60;
	stats_add(stats_counter(st, "spf", "fail"), 5);
	f = get(st, "spf", "fail");
	assert_int_equal(f.hour, 7);
	assert_int_equal(f.day, 7);
	assert_int_equal(f.since_start, 7);
	assert_int_equal(f.total, 7);
	/* 61 minutes after the first counts: they left the hour, not the day */
	fake_now = T0 + 61 * 60;
	f = get(st, "spf", "fail");
	assert_int_equal(f.hour, 5);
	assert_int_equal(f.day, 7);
	/* just under a day after the first counts: still in the day */
	fake_now = T0 + 24 * 3600 - 60;
	assert_int_equal(get(st, "spf", "fail").day, 7);
	assert_int_equal(get(st, "spf", "fail").hour, 0);
	/* a day later: the first counts are gone, the later ones remain */
	fake_now = T0 + 24 * 3600 + 60;
	f = get(st, "spf", "fail");
	assert_int_equal(f.day, 5);
	assert_int_equal(f.since_start, 7);
	/* counting after a long silence empties the old buckets (the ring
	 * wraps): the new count is all there is in the day */
	fake_now = T0 + 3 * 24 * 3600 + 17;
	stats_count(st, "spf", "fail");
	f = get(st, "spf", "fail");
	assert_int_equal(f.hour, 1);
	assert_int_equal(f.day, 1);
	assert_int_equal(f.since_start, 8);
	/* just under a day after that: half a ring forward, then back */
	fake_now += 12 * 3600;
	stats_count(st, "spf", "fail");
	assert_int_equal(get(st, "spf", "fail").day, 2);
	fake_now += 12 * 3600 + 60;
	assert_int_equal(get(st, "spf", "fail").day, 1);
	/* unknown counters are all zero */
	f = get(st, "nope", "nope");
	assert_int_equal(f.hour + f.day + f.since_start + f.total, 0);
	stats_free(st);
}

static void
test_clock_back_and_names(void **state)
{
	struct stats *st;
	struct stats_counter *c;

	(void)state;
	fake_now = T0;
	st = stats_new(NULL, clock_fn, NULL);
	c = stats_counter(st, "callout", "skip:spf_pass");
	assert_ptr_equal(c, stats_counter(st, "callout", "skip:spf_pass"));
	stats_add(c, 2);
	fake_now -= 3600;	/* the clock steps back an hour */
	stats_add(c, 1);
	fake_now = T0;
	assert_int_equal(get(st, "callout", "skip:spf_pass").hour, 3);
	/* odd characters become '_', long names are cut */
	stats_count(st, "a b\"c", "x\ny{}");
	assert_int_equal(get(st, "a_b_c", "x_y__").total, 1);
	assert_int_equal(get(st, "a b\"c", "x\ny{}").total, 1);
	char longname[100];
	memset(longname, 'q', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	stats_count(st, longname, "r");
	longname[STATS_NAME_MAX] = '\0';
	assert_int_equal(get(st, longname, "r").total, 1);
	stats_free(st);
}

static void
test_limit(void **state)
{
	struct stats *st;
	char name[32];

	(void)state;
	fake_now = T0;
	st = stats_new(NULL, clock_fn, NULL);
	for (int i = 0; i < STATS_MAX_COUNTERS + 10; i++) {
		snprintf(name, sizeof(name), "r%d", i);
		stats_count(st, "many", name);
	}
	assert_int_equal(stats_dropped(st), 10);
	assert_null(stats_counter(st, "many", "another"));
	stats_add(NULL, 5);	/* harmless */
	assert_int_equal(get(st, "many", "r0").total, 1);
	stats_free(st);
}

static void
test_persistence(void **state)
{
	struct store *db = store_open_memory();
	struct stats *st;
	struct stats_figures f;
	char *v = NULL;

	(void)state;
	fake_now = T0;
	st = stats_new(db, clock_fn, NULL);
	stats_count(st, "session", "connect");
	fake_now += 600;
	stats_add(stats_counter(st, "session", "connect"), 4);
	stats_count(st, "spf", "pass");
	assert_int_equal(stats_flush(st), 0);
	assert_int_equal(store_get(db, "stats", "session/connect", &v, NULL), 1);
	assert_string_equal(v, "v1 total=5 last=28333343 b=0:4,10:1");
	free(v);
	/* counted after the last flush: lost, as documented */
	stats_count(st, "spf", "pass");
	stats_free(st);

	/* restart 5 minutes later: windows and totals are back */
	fake_now += 300;
	st = stats_new(db, clock_fn, NULL);
	f = get(st, "session", "connect");
	assert_int_equal(f.hour, 5);
	assert_int_equal(f.day, 5);
	assert_int_equal(f.since_start, 0);
	assert_int_equal(f.total, 5);
	assert_int_equal(get(st, "spf", "pass").total, 1);
	stats_count(st, "session", "connect");
	f = get(st, "session", "connect");
	assert_int_equal(f.hour, 6);
	assert_int_equal(f.since_start, 1);
	assert_int_equal(f.total, 6);
	/* only what changed is written again */
	assert_int_equal(stats_flush(st), 0);
	assert_int_equal(store_get(db, "stats", "_meta", &v, NULL), 1);
	assert_string_equal(v, "first_start=1700000000");
	free(v);
	stats_free(st);

	/* restart two days later: the buckets are stale, the totals stay,
	 * and "all time" still starts at the first start */
	fake_now += 2 * 24 * 3600;
	st = stats_new(db, clock_fn, NULL);
	f = get(st, "session", "connect");
	assert_int_equal(f.day, 0);
	assert_int_equal(f.total, 6);
	struct strbuf out;
	strbuf_init(&out, 1 << 20);
	assert_int_equal(stats_render_table(st, &out), 0);
	assert_non_null(strstr(out.s, "all time since 2023-11-14 22:13:20 UTC"));
	strbuf_free(&out);
	stats_free(st);

	/* a value that is not ours is ignored, not trusted */
	store_put(db, "stats", "spf/pass", "garbage", 0);
	store_put(db, "stats", "noslash", "v1 total=9 last=1 b=", 0);
	st = stats_new(db, clock_fn, NULL);
	assert_int_equal(get(st, "spf", "pass").total, 0);
	stats_free(st);
	store_close(db);
}

static void
test_table(void **state)
{
	struct stats *st;
	struct strbuf out;

	(void)state;
	fake_now = T0;
	st = stats_new(NULL, clock_fn, NULL);
	stats_base(st, "session", "connect");
	stats_add(stats_counter(st, "session", "connect"), 8);
	stats_add(stats_counter(st, "session", "refused_connect"), 2);
	stats_add(stats_counter(st, "spf", "pass"), 3);
	stats_add(stats_counter(st, "spf", "fail"), 1);
	stats_count(st, "callout", "skip:spf_pass");
	fake_now += 2 * 3600 + 5 * 60;
	stats_add(stats_counter(st, "spf", "pass"), 4);
	strbuf_init(&out, 1 << 20);
	assert_int_equal(stats_render_table(st, &out), 0);
	assert_string_equal(out.s,
	    "vouch statistics: up 2h 5m (started 2023-11-14 22:13:20 UTC); all time since 2023-11-14 22:13:20 UTC\n"
	    "\n"
	    "check / result                       last hour          last day       since start          all time\n"
	    "session\n"
	    "  connect                             0                 8 100.0%          8 100.0%          8 100.0%\n"
	    "  refused_connect                     0                 2  25.0%          2  25.0%          2  25.0%\n"
	    "callout\n"
	    "  skip:spf_pass                       0                 1 100.0%          1 100.0%          1 100.0%\n"
	    "spf\n"
	    "  fail                                0   0.0%          1  12.5%          1  12.5%          1  12.5%\n"
	    "  pass                                4 100.0%          7  87.5%          7  87.5%          7  87.5%\n");
	strbuf_free(&out);
	stats_free(st);

	st = stats_new(NULL, clock_fn, NULL);
	strbuf_init(&out, 1 << 20);
	assert_int_equal(stats_render_table(st, &out), 0);
	assert_non_null(strstr(out.s, "(nothing counted yet)"));
	strbuf_free(&out);
	stats_free(st);
}

static void
test_prometheus(void **state)
{
	struct stats *st;
	struct strbuf out;
	const struct stats_gauge g[] = {
		{ "vouch_sessions_open", "SMTP sessions open now.", 3 },
		{ "bad name", "skipped", 1 },
		{ "vouch_queue_messages", "Messages in the queue.", 12 },
	};

	(void)state;
	fake_now = T0;
	st = stats_new(NULL, clock_fn, NULL);
	stats_add(stats_counter(st, "session", "connect"), 8);
	stats_add(stats_counter(st, "spf", "fail"), 1);
	fake_now += 90 * 60;
	stats_count(st, "spf", "fail");
	strbuf_init(&out, 1 << 20);
	assert_int_equal(stats_render_prometheus(st, g, 3, &out), 0);
	assert_string_equal(out.s,
	    "# HELP vouch_events_total Sessions, stages and checks by result, since vouch first started.\n"
	    "# TYPE vouch_events_total counter\n"
	    "vouch_events_total{check=\"session\",result=\"connect\"} 8\n"
	    "vouch_events_total{check=\"spf\",result=\"fail\"} 2\n"
	    "# HELP vouch_events_last_hour Sessions, stages and checks by result, in the last hour.\n"
	    "# TYPE vouch_events_last_hour gauge\n"
	    "vouch_events_last_hour{check=\"session\",result=\"connect\"} 0\n"
	    "vouch_events_last_hour{check=\"spf\",result=\"fail\"} 1\n"
	    "# HELP vouch_events_last_day Sessions, stages and checks by result, in the last 24 hours.\n"
	    "# TYPE vouch_events_last_day gauge\n"
	    "vouch_events_last_day{check=\"session\",result=\"connect\"} 8\n"
	    "vouch_events_last_day{check=\"spf\",result=\"fail\"} 2\n"
	    "# HELP vouch_uptime_seconds Seconds since vouchd started.\n"
	    "# TYPE vouch_uptime_seconds gauge\n"
	    "vouch_uptime_seconds 5400\n"
	    "# HELP vouch_stats_dropped_total Counts not kept: too many counters.\n"
	    "# TYPE vouch_stats_dropped_total counter\n"
	    "vouch_stats_dropped_total 0\n"
	    "# HELP vouch_sessions_open SMTP sessions open now.\n"
	    "# TYPE vouch_sessions_open gauge\n"
	    "vouch_sessions_open 3\n"
	    "# HELP vouch_queue_messages Messages in the queue.\n"
	    "# TYPE vouch_queue_messages gauge\n"
	    "vouch_queue_messages 12\n");
	strbuf_free(&out);
	stats_free(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_windows),
		cmocka_unit_test(test_clock_back_and_names),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_persistence),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_prometheus),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
