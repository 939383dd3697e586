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

static void
test_memory(void **state)
{
	struct store *s = store_open_memory();

	(void)state;
	exercise(s);
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
