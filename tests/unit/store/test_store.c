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
	assert_int_equal(store_counter_reserve(s, "day:bob", 101, 1, 101, 5, &sum), 1); /* 100 not counted */
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
	assert_int_equal(store_get(s, "block", "192.0.2.2", NULL, NULL), 0);	/* expired */
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
	wait_for(store_req_counter_reserve(s, "rq:n", 5, 2, 0, 3, record, &g, 1), drain, arg, &g,
	    7);
	assert_int_equal(g.rc, 1);
	assert_int_equal(g.sum, 2);
	wait_for(store_req_counter_reserve(s, "rq:n", 5, 2, 0, 3, record, &g, 1), drain, arg, &g,
	    8);
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memory),
		cmocka_unit_test(test_sqlite),
		cmocka_unit_test(test_sqlite_reserve_is_atomic),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
