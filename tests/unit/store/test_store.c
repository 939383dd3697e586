/* Unit tests for store: both backends must behave the same. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memory),
		cmocka_unit_test(test_sqlite),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
