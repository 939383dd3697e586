/* Unit tests for store: both backends must behave the same. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <event2/event.h>
#include <hiredis/hiredis.h>
#include <signal.h>

#include "redis_server.h"
#include "store/store.h"
#include "util/str.h"

static void
collect(void *arg, const char *key, const char *value, int64_t expires)
{
	struct strbuf *sb = arg;

	strbuf_printf(sb, "%s=%s/%d;", key, value, expires != 0);
}

static void
exercise(struct store *s)
{
	char *v = NULL;
	int64_t exp;
	int64_t now = (int64_t)time(NULL);
	struct strbuf sb;

	assert_int_equal(store_counter_add(s, "rcpt:alice", 100, 3), 0);
	assert_int_equal(store_counter_add(s, "rcpt:alice", 100, 2), 0);
	assert_int_equal(store_counter_add(s, "rcpt:alice", 101, 10), 0);
	assert_int_equal(store_counter_add(s, "rcpt:alice2", 101, 1000), 0);
	assert_int_equal(store_counter_sum(s, "rcpt:alice", 100), 15);
	assert_int_equal(store_counter_sum(s, "rcpt:alice", 101), 10);
	assert_int_equal(store_counter_sum(s, "rcpt:alice", 102), 0);
	assert_int_equal(store_counter_sum(s, "nobody", 0), 0);
	/* reservations: within the limit, refused past it, given back */
	int64_t sum = -1;
	assert_int_equal(store_counter_reserve(s, "day:bob", 100, 3, 99, 5, &sum), 1);
	assert_int_equal(sum, 3);
	assert_int_equal(store_counter_reserve(s, "day:bob", 101, 2, 99, 5, &sum), 1);
	assert_int_equal(sum, 5);
	assert_int_equal(store_counter_reserve(s, "day:bob", 101, 1, 99, 5, &sum), 0);
	assert_int_equal(sum, 5);
	assert_int_equal(
	    store_counter_reserve(s, "day:bob", 101, 1, 101, 5, &sum), 1); /* 100 not counted */
	assert_int_equal(store_counter_reserve(s, "day:bob", 101, -3, 99, 5, &sum), 1);
	assert_int_equal(sum, 3);
	/* giving back more than a bucket holds leaves it at zero */
	assert_int_equal(store_counter_reserve(s, "day:bob", 100, -10, 0, 5, &sum), 1);
	assert_int_equal(sum, 0);
	assert_int_equal(store_counter_sum(s, "day:bob", 0), 0);
	assert_int_equal(store_counter_reserve(s, "day:bob", 100, 1, 0, 0, NULL), 0);

	assert_int_equal(store_get(s, "block", "192.0.2.1", &v, &exp), 0);
	assert_int_equal(store_put(s, "block", "192.0.2.1", "xvouch failed", now + 3600), 0);
	assert_int_equal(store_put(s, "block", "192.0.2.2", "old", now - 1), 0);
	assert_int_equal(store_put(s, "block", "10.0.0.1", "forever", 0), 0);
	assert_int_equal(store_put(s, "other", "192.0.2.1", "x", 0), 0);
	assert_int_equal(store_get(s, "block", "192.0.2.1", &v, &exp), 1);
	assert_string_equal(v, "xvouch failed");
	assert_int_equal(exp, now + 3600);
	free(v);
	assert_int_equal(store_get(s, "block", "192.0.2.2", NULL, NULL), 0); /* expired */
	strbuf_init(&sb, 4096);
	assert_int_equal(store_list(s, "block", collect, &sb), 0);
	assert_string_equal(sb.s, "10.0.0.1=forever/0;192.0.2.1=xvouch failed/1;");
	assert_int_equal(store_put(s, "block", "10.0.0.1", "replaced", 0), 0);
	assert_int_equal(store_del(s, "block", "192.0.2.1"), 0);
	strbuf_reset(&sb);
	store_list(s, "block", collect, &sb);
	assert_string_equal(sb.s, "10.0.0.1=replaced/0;");
	assert_int_equal(store_expire(s, 101), 0);
	assert_int_equal(store_counter_sum(s, "rcpt:alice", 0), 10);
	strbuf_free(&sb);
}

/* ---- requests (the event loop's way) ---- */

struct got {
	int calls;
	uint64_t ref;
	int rc;
	int64_t sum;
	char value[64];
	struct strbuf rows;
};

static void
record(void *owner, uint64_t ref, const struct store_reply *r)
{
	struct got *g = owner;

	g->calls++;
	g->ref = ref;
	g->rc = r->rc;
	g->sum = r->sum;
	snprintf(g->value, sizeof(g->value), "%s", r->value ? r->value : "");
	strbuf_reset(&g->rows);
	for (size_t i = 0; i < r->nrows; i++)
		strbuf_printf(&g->rows, "%s=%s;", r->rows[i].key, r->rows[i].value);
}

/* Runs the loop until the request has completed (network backends); NULL
 * for the blocking ones, whose requests complete inside the call. */
typedef void (*drain_fn)(void *arg, struct got *g, int calls);

static void
wait_for(uint64_t id, drain_fn drain, void *arg, struct got *g, int calls)
{
	if (drain == NULL) {
		assert_int_equal(id, 0); /* completed at once */
		assert_int_equal(g->calls, calls);
		return;
	}
	drain(arg, g, calls);
	assert_int_equal(g->calls, calls);
}

static void
exercise_requests(struct store *s, drain_fn drain, void *arg)
{
	struct got g = { 0 };
	int64_t now = (int64_t)time(NULL);
	struct store_req list = { .op = STORE_OP_LIST, .ns = "rq" };
	struct store_req put_new = {
		.op = STORE_OP_PUT_NEW, .ns = "rq", .key = "lock", .value = "first"
	};

	strbuf_init(&g.rows, 256);
	wait_for(store_req_get(s, "rq", "a", record, &g, 7), drain, arg, &g, 1);
	assert_int_equal(g.rc, 0);
	assert_int_equal(g.ref, 7);
	wait_for(store_req_put(s, "rq", "a", "one", now + 60, record, &g, 8), drain, arg, &g, 2);
	assert_int_equal(g.rc, 0);
	wait_for(store_req_get(s, "rq", "a", record, &g, 9), drain, arg, &g, 3);
	assert_int_equal(g.rc, 1);
	assert_string_equal(g.value, "one");
	wait_for(store_request(s, &put_new, record, &g, 1), drain, arg, &g, 4);
	assert_int_equal(g.rc, 1);
	put_new.value = "second";
	wait_for(store_request(s, &put_new, record, &g, 1), drain, arg, &g, 5);
	assert_int_equal(g.rc, 0);
	assert_int_equal(store_get(s, "rq", "lock", NULL, NULL), 1);
	wait_for(store_request(s, &list, record, &g, 1), drain, arg, &g, 6);
	assert_int_equal(g.rc, 0);
	assert_string_equal(g.rows.s, "a=one;lock=first;");
	wait_for(
	    store_req_counter_reserve(s, "rq:n", 5, 2, 0, 3, record, &g, 1), drain, arg, &g, 7);
	assert_int_equal(g.rc, 1);
	assert_int_equal(g.sum, 2);
	wait_for(
	    store_req_counter_reserve(s, "rq:n", 5, 2, 0, 3, record, &g, 1), drain, arg, &g, 8);
	assert_int_equal(g.rc, 0);
	assert_int_equal(g.sum, 2);
	wait_for(store_req_counter_add(s, "rq:n", 6, 1, record, &g, 1), drain, arg, &g, 9);
	assert_int_equal(store_counter_sum(s, "rq:n", 0), 3);
	wait_for(store_req_del(s, "rq", "a", record, &g, 1), drain, arg, &g, 10);
	assert_int_equal(store_get(s, "rq", "a", NULL, NULL), 0);
	/* nobody waiting is fine too */
	store_req_put(s, "rq", "b", "x", 0, NULL, NULL, 0);
	store_del(s, "rq", "b");
	store_del(s, "rq", "lock");
	strbuf_free(&g.rows);
}

static void
test_memory(void **state)
{
	struct store *s = store_open_memory();

	(void)state;
	exercise(s);
	exercise_requests(s, NULL, NULL);
	store_close(s);
}

static void
test_sqlite(void **state)
{
	char path[] = "/tmp/vouch-store-XXXXXX";
	char db[64], err[256];
	int fd = mkstemp(path);
	struct store *s;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	unlink(path);
	snprintf(db, sizeof(db), "%s.db", path);
	s = store_open_sqlite(db, err, sizeof(err));
	assert_non_null(s);
	exercise(s);
	exercise_requests(s, NULL, NULL);
	store_close(s);
	/* reopening keeps the data and does not re-run migrations */
	s = store_open_sqlite(db, err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(store_counter_sum(s, "rcpt:alice", 0), 10);
	assert_int_equal(store_get(s, "block", "10.0.0.1", NULL, NULL), 1);
	store_close(s);
	assert_null(store_open_sqlite("/nonexistent/dir/x.db", err, sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/dir/x.db"));
	char side[80];
	unlink(db);
	snprintf(side, sizeof(side), "%s-wal", db);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", db);
	unlink(side);
}

/* Processes sharing one database (vouchd nodes on one store) race for the
 * last units of a limit: each unit goes to exactly one of them. */
static void
test_sqlite_reserve_is_atomic(void **state)
{
	char path[] = "/tmp/vouch-store-XXXXXX";
	char db[64], err[256], side[80];
	int fd = mkstemp(path), total = 0;
	pid_t kids[4];

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	unlink(path);
	snprintf(db, sizeof(db), "%s.db", path);
	struct store *s = store_open_sqlite(db, err, sizeof(err));
	assert_non_null(s);
	store_close(s);
	for (int k = 0; k < 4; k++) {
		kids[k] = fork();
		assert_true(kids[k] >= 0);
		if (kids[k] == 0) {
			struct store *c = store_open_sqlite(db, err, sizeof(err));
			int got = 0;
			for (int i = 0; c && i < 40; i++)
				got += store_counter_reserve(c, "day:eve", 7, 1, 0, 50, NULL) == 1;
			store_close(c);
			_exit(got);
		}
	}
	for (int k = 0; k < 4; k++) {
		int st;
		assert_int_equal(waitpid(kids[k], &st, 0), kids[k]);
		assert_true(WIFEXITED(st));
		total += WEXITSTATUS(st);
	}
	assert_int_equal(total, 50);
	s = store_open_sqlite(db, err, sizeof(err));
	assert_int_equal(store_counter_sum(s, "day:eve", 0), 50);
	store_close(s);
	unlink(db);
	snprintf(side, sizeof(side), "%s-wal", db);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", db);
	unlink(side);
}

/* ---- Redis: the same contract, against a real redis-server ---- */

static struct redis_server rs;
static int have_redis;

static int
redis_up(void **state)
{
	(void)state;
	memset(&rs, 0, sizeof(rs));
	have_redis = redis_server_start(&rs) == 0;
	return 0;
}

static int
redis_down(void **state)
{
	(void)state;
	if (have_redis)
		redis_server_stop(&rs, 0);
	return 0;
}

struct drain {
	struct event_base *base;
};

/* Run the loop until the request has answered (at most 10 s). */
static void
drain_loop(void *arg, struct got *g, int calls)
{
	struct drain *dr = arg;
	time_t end = time(NULL) + 10;

	while (g->calls < calls && time(NULL) < end)
		event_base_loop(dr->base, EVLOOP_ONCE);
}

static struct store *
open_redis(int db, struct event_base *base, const char *pwfile)
{
	char url[80], err[256];
	struct store *s;

	redis_server_url(&rs, db, url, sizeof(url));
	s = store_open_redis(url, pwfile, 2000, base, err, sizeof(err));
	assert_non_null(s);
	return s;
}

static void
test_redis_blocking(void **state)
{
	(void)state;
	if (!have_redis)
		fail_msg("redis-server did not start (scripts/setup.sh installs it)");
	struct store *s = open_redis(1, NULL, NULL);
	exercise(s);
	exercise_requests(s, NULL, NULL);
	store_close(s);
}

static void
test_redis_requests(void **state)
{
	(void)state;
	if (!have_redis)
		fail_msg("redis-server did not start");
	struct drain dr = { event_base_new() };
	struct store *s = open_redis(2, dr.base, NULL);
	exercise_requests(s, drain_loop, &dr);
	/* what the loop wrote, the blocking calls read (another node would) */
	struct store *b = open_redis(2, NULL, NULL);
	struct got g = { 0 };
	strbuf_init(&g.rows, 64);
	wait_for(store_req_put(s, "rq", "shared", "yes", 0, record, &g, 1), drain_loop, &dr, &g, 1);
	char *v = NULL;
	assert_int_equal(store_get(b, "rq", "shared", &v, NULL), 1);
	assert_string_equal(v, "yes");
	free(v);
	store_del(b, "rq", "shared");
	/* a pending request cancelled: its callback never runs */
	uint64_t id = store_req_get(s, "rq", "x", record, &g, 1);
	assert_true(id != 0);
	store_req_cancel(s, id);
	wait_for(store_req_get(s, "rq", "y", record, &g, 2), drain_loop, &dr, &g, 2);
	assert_int_equal(g.calls, 2);
	strbuf_free(&g.rows);
	store_close(b);
	store_close(s);
	event_base_free(dr.base);
}

/* Nodes sharing one Redis race for the last units of a limit. */
static void
test_redis_reserve_is_atomic(void **state)
{
	pid_t kids[4];
	int total = 0;

	(void)state;
	if (!have_redis)
		fail_msg("redis-server did not start");
	for (int k = 0; k < 4; k++) {
		kids[k] = fork();
		assert_true(kids[k] >= 0);
		if (kids[k] == 0) {
			char url[80], err[256];
			redis_server_url(&rs, 3, url, sizeof(url));
			struct store *c = store_open_redis(url, NULL, 2000, NULL, err, sizeof(err));
			int got = 0;
			for (int i = 0; c && i < 40; i++)
				got += store_counter_reserve(c, "day:eve", 7, 1, 0, 50, NULL) == 1;
			store_close(c);
			_exit(got);
		}
	}
	for (int k = 0; k < 4; k++) {
		int st;
		assert_int_equal(waitpid(kids[k], &st, 0), kids[k]);
		assert_true(WIFEXITED(st));
		total += WEXITSTATUS(st);
	}
	assert_int_equal(total, 50);
	struct store *s = open_redis(3, NULL, NULL);
	assert_int_equal(store_counter_sum(s, "day:eve", 0), 50);
	store_close(s);
}

/* Redis gone, or stopped (slow): requests fail in time, with rc -1; back:
 * the store reconnects by itself. */
static void
test_redis_down_and_back(void **state)
{
	(void)state;
	if (!have_redis)
		fail_msg("redis-server did not start");
	struct drain dr = { event_base_new() };
	struct store *s = open_redis(4, dr.base, NULL);
	struct got g = { 0 };
	int n = 0;
	strbuf_init(&g.rows, 64);
	wait_for(store_req_put(s, "rq", "k", "v", 0, record, &g, 1), drain_loop, &dr, &g, ++n);
	assert_int_equal(g.rc, 0);

	/* slow: a stopped server; the request times out (2 s) */
	kill(rs.pid, SIGSTOP);
	time_t t0 = time(NULL);
	wait_for(store_req_get(s, "rq", "k", record, &g, 1), drain_loop, &dr, &g, ++n);
	assert_int_equal(g.rc, -1);
	assert_true(time(NULL) - t0 <= 4);
	kill(rs.pid, SIGCONT);

	/* down: killed; requests fail (at once, or when the loop sees it) */
	redis_server_stop(&rs, 1);
	for (int i = 0; i < 3; i++) {
		store_request(s, &(struct store_req){ .op = STORE_OP_GET, .ns = "rq", .key = "k" },
		    record, &g, 1);
		drain_loop(&dr, &g, ++n);
		assert_int_equal(g.calls, n);
		assert_int_equal(g.rc, -1);
	}
	/* back on the same port (data gone: no persistence in tests) */
	assert_int_equal(redis_server_start(&rs), 0);
	time_t end = time(NULL) + 10;
	do {
		store_req_put(s, "rq", "k", "again", 0, record, &g, 1);
		drain_loop(&dr, &g, ++n);
		if (g.rc == 0)
			break;
		struct timeval tv = { 0, 200000 };
		event_base_loopexit(dr.base, &tv);
		event_base_dispatch(dr.base);
	} while (time(NULL) < end);
	assert_int_equal(g.rc, 0);
	wait_for(store_req_get(s, "rq", "k", record, &g, 1), drain_loop, &dr, &g, ++n);
	assert_int_equal(g.rc, 1);
	assert_string_equal(g.value, "again");
	strbuf_free(&g.rows);
	store_close(s);
	event_base_free(dr.base);
}

/* store_fallback = local: with Redis unreachable, the node's own store
 * answers, for requests and blocking calls alike. */
static void
test_redis_fallback_local(void **state)
{
	char err[256];
	struct drain dr = { event_base_new() };
	struct store *local = store_open_memory();
	/* port 1 on loopback: nobody listens */
	struct store *shared =
	    store_open_redis("redis://127.0.0.1:1/0", NULL, 500, dr.base, err, sizeof(err));
	struct store *s = store_with_fallback(shared, local);

	(void)state;
	exercise_requests(s, drain_loop, &dr);
	exercise(s);
	/* it was the local store that kept them */
	assert_int_equal(store_counter_sum(local, "rcpt:alice", 0), 10);
	store_close(s);
	store_close(local);
	event_base_free(dr.base);
}

/* A password from a file; a wrong one fails (never silently). */
static void
test_redis_password(void **state)
{
	struct redis_server pw;
	char path[] = "/tmp/vouch-redis-pw-XXXXXX";
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "s3cret\n", 7), 7);
	close(fd);
	memset(&pw, 0, sizeof(pw));
	pw.password = "s3cret";
	if (redis_server_start(&pw) < 0)
		fail_msg("redis-server did not start");
	char url[80], err[256];
	redis_server_url(&pw, 0, url, sizeof(url));
	struct store *s = store_open_redis(url, path, 2000, NULL, err, sizeof(err));
	assert_int_equal(store_put(s, "p", "k", "v", 0), 0);
	assert_int_equal(store_get(s, "p", "k", NULL, NULL), 1);
	store_close(s);
	s = store_open_redis(url, NULL, 2000, NULL, err, sizeof(err));
	assert_int_equal(store_get(s, "p", "k", NULL, NULL), -1);
	store_close(s);
	assert_null(store_open_redis(url, "/nonexistent/pw", 2000, NULL, err, sizeof(err)));
	unlink(path);
	redis_server_stop(&pw, 0);
}

static void
test_redis_url(void **state)
{
	static const struct {
		const char *url;
		int ok, port, db;
		const char *host;
	} cases[] = {
		{ "redis://127.0.0.1:6380/2", 1, 6380, 2, "127.0.0.1" },
		{ "redis://localhost", 1, 6379, 0, "localhost" },
		{ "redis://r.example/", 1, 6379, 0, "r.example" },
		{ "redis://[::1]:7000/1", 1, 7000, 1, "::1" },
		{ "redis://h:0/1", 0, 0, 0, NULL },
		{ "redis://h:99999", 0, 0, 0, NULL },
		{ "redis://h/x", 0, 0, 0, NULL },
		{ "redis://:6379", 0, 0, 0, NULL },
		{ "rediss://h", 0, 0, 0, NULL },
		{ "sqlite", 0, 0, 0, NULL },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char host[256];
		int port, db;
		int rc = store_redis_url_parse(cases[i].url, host, sizeof(host), &port, &db);
		assert_int_equal(rc == 0, cases[i].ok);
		if (rc == 0) {
			assert_string_equal(host, cases[i].host);
			assert_int_equal(port, cases[i].port);
			assert_int_equal(db, cases[i].db);
		}
	}
}

/* A counter_reserve that says when its counts stop mattering gets that
 * lifetime in Redis (the callout rates' keys of a minute: forgotten two
 * minutes on); one that does not keeps the backend's week. */
static void
test_redis_reserve_lifetime(void **state)
{
	(void)state;
	if (!have_redis)
		fail_msg("redis-server did not start");
	struct event_base *base = event_base_new();
	struct store *s = open_redis(6, base, NULL);
	struct got g = { 0 };
	struct drain dr = { base };
	int64_t now = (int64_t)time(NULL);
	struct store_req q = { .op = STORE_OP_COUNTER_RESERVE,
		.key = "minute",
		.n = 1,
		.limit = 5,
		.expires = now + 120 };

	strbuf_init(&g.rows, 64);
	store_request(s, &q, record, &g, 1);
	drain_loop(&dr, &g, 1);
	assert_int_equal(g.rc, 1);
	store_req_counter_reserve(s, "week", 0, 1, 0, 5, record, &g, 2);
	drain_loop(&dr, &g, 2);
	assert_int_equal(g.rc, 1);

	redisContext *c = redisConnect("127.0.0.1", rs.port);
	assert_non_null(c);
	assert_int_equal(c->err, 0);
	redisReply *r = redisCommand(c, "SELECT 6");
	freeReplyObject(r);
	r = redisCommand(c, "TTL vouch:c:minute");
	assert_int_equal(r->type, REDIS_REPLY_INTEGER);
	assert_true(r->integer > 100 && r->integer <= 120);
	freeReplyObject(r);
	r = redisCommand(c, "TTL vouch:c:week");
	assert_true(r->integer > 600000);
	freeReplyObject(r);
	redisFree(c);
	strbuf_free(&g.rows);
	store_close(s);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memory),
		cmocka_unit_test(test_sqlite),
		cmocka_unit_test(test_sqlite_reserve_is_atomic),
		cmocka_unit_test(test_redis_url),
		cmocka_unit_test(test_redis_blocking),
		cmocka_unit_test(test_redis_requests),
		cmocka_unit_test(test_redis_reserve_is_atomic),
		cmocka_unit_test(test_redis_reserve_lifetime),
		cmocka_unit_test(test_redis_down_and_back),
		cmocka_unit_test(test_redis_password),
		cmocka_unit_test(test_redis_fallback_local),
	};
	return cmocka_run_group_tests(tests, redis_up, redis_down);
}
