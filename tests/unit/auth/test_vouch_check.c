/*
 * Unit tests for the XVOUCH callback checker (auth/vouch_check.c): every
 * session gets its own check, on a connection that is reused (sequential
 * checks, pipelined checks), the limits count connections not checks, a
 * reused connection that breaks has its checks asked again, a 421 from X
 * costs only the check it answered, an unreachable X is a temporary
 * failure, idle connections are closed, cancelled requests report
 * nothing. X is the scriptable server in tests/support on the same loop.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/vouch_check.h"
#include "fake_smtpd.h"

/* ids: 128 characters; the fake confirms those starting with "GOOD" */
static void
make_id(char out[129], const char *prefix, int n)
{
	char num[16];
	size_t pl = strlen(prefix), nl = (size_t)snprintf(num, sizeof(num), "%d", n);

	memset(out, '0', 128);
	memcpy(out, prefix, pl);
	memcpy(out + 128 - nl, num, nl);
	out[128] = '\0';
}

struct result {
	int got;
	enum vouch_check_result r;
	char why[400];
};

struct world {
	struct event_base *base;
	struct fake_smtpd *x;
	struct vouch_checker *vc;
	struct sockaddr_in to;
	struct result res[64];
	int nres;
};

static void
on_result(void *owner, uint64_t tag, enum vouch_check_result r, const char *why)
{
	struct world *w = owner;

	assert_true(tag < 64);
	assert_int_equal(w->res[tag].got, 0);
	w->res[tag].got = 1;
	w->res[tag].r = r;
	snprintf(w->res[tag].why, sizeof(w->res[tag].why), "%s", why);
	w->nres++;
}

static struct world *
world_new(const struct fake_smtpd_rules *rules, const struct vouch_check_limits *lim)
{
	struct world *w = calloc(1, sizeof(*w));
	struct vouch_check_limits l = *lim;

	w->base = event_base_new();
	w->x = fake_smtpd_new(w->base, rules);
	w->vc = vouch_checker_new(w->base, on_result, w);
	l.port = fake_smtpd_port(w->x);
	vouch_checker_configure(w->vc, &l, "r.test", NULL);
	memset(&w->to, 0, sizeof(w->to));
	w->to.sin_family = AF_INET;
	w->to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return w;
}

static void
world_free(struct world *w)
{
	vouch_checker_free(w->vc);
	fake_smtpd_free(w->x);
	event_base_free(w->base);
	free(w);
}

static uint64_t
ask(struct world *w, const char *prefix, int n, uint64_t tag)
{
	char id[129];

	make_id(id, prefix, n);
	return vouch_checker_ask(w->vc, (struct sockaddr *)&w->to, sizeof(w->to), NULL, 0, "s.test",
	    id, tag);
}

static void
wait_results(struct world *w, int n)
{
	for (int i = 0; i < 2000000 && w->nres < n; i++)
		event_base_loop(w->base, EVLOOP_ONCE);
	assert_int_equal(w->nres, n);
}

static const struct vouch_check_limits defaults = {
	.max_connections = 2,
	.max_per_minute = 20,
	.idle = 60000,
	.max_checks = 1000,
	.timeout = 3000,
};

static void
test_sequential_checks_share_one_connection(void **state)
{
	struct fake_smtpd_rules rules = { .vouch_ids = { "GOOD" } };
	struct world *w = world_new(&rules, &defaults);
	struct vouch_checker_stats st;

	(void)state;
	for (int i = 0; i < 30; i++) {
		ask(w, i % 3 ? "GOOD" : "EVIL", i, (uint64_t)i);
		wait_results(w, i + 1);
		assert_int_equal(w->res[i].r, i % 3 ? VOUCH_CHECK_PASS : VOUCH_CHECK_FAIL);
	}
	assert_non_null(strstr(w->res[0].why, "answered 550"));
	assert_int_equal(fake_smtpd_connections(w->x), 1);
	assert_int_equal(fake_smtpd_count(w->x, "XVOUCH CHECK "), 30);
	vouch_checker_stats(w->vc, &st);
	assert_int_equal(st.checks, 30);
	assert_int_equal(st.connections, 1);
	assert_int_equal(st.reused, 29);
	world_free(w);
}

static void
test_waiting_checks_are_pipelined(void **state)
{
	struct fake_smtpd_rules rules = { .pipelining = 1, .vouch_ids = { "GOOD" } };
	struct world *w = world_new(&rules, &defaults);

	(void)state;
	for (int i = 0; i < 16; i++)
		ask(w, i == 7 ? "EVIL" : "GOOD", i, (uint64_t)i);
	wait_results(w, 16);
	for (int i = 0; i < 16; i++)
		assert_int_equal(w->res[i].r, i == 7 ? VOUCH_CHECK_FAIL : VOUCH_CHECK_PASS);
	/* every waiting check went out on the one connection */
	assert_int_equal(fake_smtpd_connections(w->x), 1);
	/* more than a connection's pipeline: a second one, never more */
	for (int i = 16; i < 64; i++)
		ask(w, "GOOD", i, (uint64_t)i);
	wait_results(w, 64);
	for (int i = 16; i < 64; i++)
		assert_int_equal(w->res[i].r, VOUCH_CHECK_PASS);
	assert_true(fake_smtpd_connections(w->x) <= 2);
	world_free(w);
}

static void
test_without_pipelining_at_most_max_connections(void **state)
{
	struct fake_smtpd_rules rules = { .vouch_ids = { "GOOD" } };
	struct world *w = world_new(&rules, &defaults);

	(void)state;
	for (int i = 0; i < 20; i++)
		ask(w, "GOOD", i, (uint64_t)i);
	wait_results(w, 20);
	for (int i = 0; i < 20; i++)
		assert_int_equal(w->res[i].r, VOUCH_CHECK_PASS);
	assert_true(fake_smtpd_max_open(w->x) <= 2);
	world_free(w);
}

static void
test_limits_count_connections_not_checks(void **state)
{
	/* X hangs up after each check: every check needs a new connection */
	struct fake_smtpd_rules rules = { .vouch_ids = { "GOOD" }, .close_after_checks = 1 };
	struct vouch_check_limits lim = defaults;
	struct world *w;

	(void)state;
	lim.max_per_minute = 3;
	lim.max_connections = 1;
	w = world_new(&rules, &lim);
	for (int i = 0; i < 4; i++) {
		ask(w, "GOOD", i, (uint64_t)i);
		wait_results(w, i + 1);
		/* let the hang-up arrive before the next session asks */
		for (int k = 0; k < 50 && fake_smtpd_open(w->x) > 0; k++)
			event_base_loop(w->base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	}
	assert_int_equal(w->res[0].r, VOUCH_CHECK_PASS);
	assert_int_equal(w->res[2].r, VOUCH_CHECK_PASS);
	assert_int_equal(w->res[3].r, VOUCH_CHECK_TEMPERROR);
	assert_non_null(strstr(w->res[3].why, "too many callback connections"));
	assert_int_equal(fake_smtpd_connections(w->x), 3);
	world_free(w);

	/* the same limits, X keeps the connection: 50 checks, no refusal */
	rules.close_after_checks = 0;
	w = world_new(&rules, &lim);
	for (int i = 0; i < 50; i++) {
		ask(w, "GOOD", i, (uint64_t)i);
		wait_results(w, i + 1);
		assert_int_equal(w->res[i].r, VOUCH_CHECK_PASS);
	}
	assert_int_equal(fake_smtpd_connections(w->x), 1);
	world_free(w);
}

static void
test_broken_reused_connection_asks_again(void **state)
{
	/* X answers two checks per connection, then hangs up */
	struct fake_smtpd_rules rules = { .pipelining = 1, .vouch_ids = { "GOOD" },
		.close_after_checks = 2 };
	struct world *w = world_new(&rules, &defaults);

	(void)state;
	for (int i = 0; i < 3; i++)
		ask(w, "GOOD", i, (uint64_t)i);
	wait_results(w, 3);
	for (int i = 0; i < 3; i++)
		assert_int_equal(w->res[i].r, VOUCH_CHECK_PASS);
	assert_int_equal(fake_smtpd_connections(w->x), 2);
	world_free(w);
}

static void
test_421_costs_only_its_own_check(void **state)
{
	/* X refuses one unknown id per connection, then answers 421 and closes */
	struct fake_smtpd_rules rules = { .pipelining = 1, .vouch_ids = { "GOOD" },
		.check_421_after = 1 };
	struct world *w = world_new(&rules, &defaults);

	(void)state;
	ask(w, "EVIL", 0, 0);
	ask(w, "EVIL", 1, 1);
	ask(w, "GOOD", 2, 2);
	wait_results(w, 3);
	assert_int_equal(w->res[0].r, VOUCH_CHECK_FAIL);
	assert_int_equal(w->res[1].r, VOUCH_CHECK_TEMPERROR);
	assert_non_null(strstr(w->res[1].why, "answered 421"));
	/* the honest session's check had no answer on that connection */
	assert_int_equal(w->res[2].r, VOUCH_CHECK_PASS);
	world_free(w);
}

static void
test_unreachable_target_is_temporary(void **state)
{
	struct fake_smtpd_rules rules = { .vouch_ids = { "GOOD" } };
	struct vouch_check_limits lim = defaults;
	struct world *w = world_new(&rules, &lim);

	(void)state;
	lim.port = 1; /* nothing listens there */
	vouch_checker_configure(w->vc, &lim, "r.test", NULL);
	ask(w, "GOOD", 0, 0);
	ask(w, "GOOD", 1, 1);
	wait_results(w, 2);
	assert_int_equal(w->res[0].r, VOUCH_CHECK_TEMPERROR);
	assert_int_equal(w->res[1].r, VOUCH_CHECK_TEMPERROR);
	assert_non_null(strstr(w->res[0].why, "cannot connect"));
	world_free(w);
}

static void
test_idle_connection_is_closed(void **state)
{
	struct fake_smtpd_rules rules = { .vouch_ids = { "GOOD" } };
	struct vouch_check_limits lim = defaults;
	struct world *w;

	(void)state;
	lim.idle = 50;
	w = world_new(&rules, &lim);
	ask(w, "GOOD", 0, 0);
	wait_results(w, 1);
	for (int k = 0; k < 100000 && fake_smtpd_count(w->x, "QUIT") == 0; k++)
		event_base_loop(w->base, EVLOOP_ONCE);
	assert_int_equal(fake_smtpd_count(w->x, "QUIT"), 1);
	/* the next session gets a new connection */
	ask(w, "GOOD", 1, 1);
	wait_results(w, 2);
	assert_int_equal(w->res[1].r, VOUCH_CHECK_PASS);
	assert_int_equal(fake_smtpd_connections(w->x), 2);
	world_free(w);
}

static void
test_cancelled_requests_report_nothing(void **state)
{
	struct fake_smtpd_rules rules = { .pipelining = 1, .vouch_ids = { "GOOD" } };
	struct world *w = world_new(&rules, &defaults);

	(void)state;
	uint64_t a = ask(w, "GOOD", 0, 0); /* waits for the connection */
	ask(w, "GOOD", 1, 1);
	vouch_checker_cancel(w->vc, a);
	vouch_checker_cancel(w->vc, 12345); /* unknown: ignored */
	wait_results(w, 1);
	assert_int_equal(w->res[0].got, 0);
	assert_int_equal(w->res[1].r, VOUCH_CHECK_PASS);
	/* in flight, then cancelled: the reply is dropped */
	uint64_t c = ask(w, "GOOD", 2, 2);
	for (int k = 0; k < 100 && fake_smtpd_count(w->x, "XVOUCH CHECK ") < 2; k++)
		event_base_loop(w->base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	vouch_checker_cancel(w->vc, c);
	ask(w, "GOOD", 3, 3);
	wait_results(w, 2);
	assert_int_equal(w->res[2].got, 0);
	assert_int_equal(w->res[3].r, VOUCH_CHECK_PASS);
	world_free(w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sequential_checks_share_one_connection),
		cmocka_unit_test(test_waiting_checks_are_pipelined),
		cmocka_unit_test(test_without_pipelining_at_most_max_connections),
		cmocka_unit_test(test_limits_count_connections_not_checks),
		cmocka_unit_test(test_broken_reused_connection_asks_again),
		cmocka_unit_test(test_421_costs_only_its_own_check),
		cmocka_unit_test(test_unreachable_target_is_temporary),
		cmocka_unit_test(test_idle_connection_is_closed),
		cmocka_unit_test(test_cancelled_requests_report_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
