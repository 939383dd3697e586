/*
 * store_sqlite: the SQLite backend (WAL mode, prepared statements only).
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_impl.h"
#include "util/xmalloc.h"

enum {
	Q_CADD,
	Q_CSUM,
	Q_PUT,
	Q_GET,
	Q_DEL,
	Q_LIST,
	Q_EXP_REC,
	Q_EXP_CNT,
	Q_CLAMP,
	Q_BEGIN,
	Q_COMMIT,
	Q_ROLLBACK,
	Q_COUNT
};

static const char *const sql[Q_COUNT] = {
	[Q_CADD] = "INSERT INTO counters(key, bucket, n) VALUES (?1, ?2, ?3) "
	           "ON CONFLICT(key, bucket) DO UPDATE SET n = n + excluded.n",
	[Q_CSUM] = "SELECT COALESCE(SUM(n), 0) FROM counters WHERE key = ?1 AND bucket >= ?2",
	[Q_PUT] =
	    "INSERT INTO records(ns, key, value, expires) VALUES (?1, ?2, ?3, ?4) "
	    "ON CONFLICT(ns, key) DO UPDATE SET value = excluded.value, expires = excluded.expires",
	[Q_GET] = "SELECT value, expires FROM records WHERE ns = ?1 AND key = ?2 "
	          "AND (expires = 0 OR expires > ?3)",
	[Q_DEL] = "DELETE FROM records WHERE ns = ?1 AND key = ?2",
	[Q_LIST] = "SELECT key, value, expires FROM records WHERE ns = ?1 "
	           "AND (expires = 0 OR expires > ?2) ORDER BY key",
	[Q_EXP_REC] = "DELETE FROM records WHERE expires != 0 AND expires <= ?1",
	[Q_EXP_CNT] = "DELETE FROM counters WHERE bucket < ?1",
	[Q_CLAMP] = "UPDATE counters SET n = 0 WHERE key = ?1 AND bucket = ?2 AND n < 0",
	/* IMMEDIATE: the write lock first, so the sum read is the one added to,
	 * whoever else (another vouchd on this file) writes */
	[Q_BEGIN] = "BEGIN IMMEDIATE",
	[Q_COMMIT] = "COMMIT",
	[Q_ROLLBACK] = "ROLLBACK",
};

/* Schema versions, applied in order; user_version records the last. */
static const char *const migrations[] = {
	"CREATE TABLE counters(key TEXT NOT NULL, bucket INTEGER NOT NULL, n INTEGER NOT NULL, "
	"PRIMARY KEY(key, bucket)) WITHOUT ROWID;"
	"CREATE TABLE records(ns TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, "
	"expires INTEGER NOT NULL, PRIMARY KEY(ns, key)) WITHOUT ROWID;",
};

struct sq {
	sqlite3 *db;
	sqlite3_stmt *st[Q_COUNT];
};

static int
step_done(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int
sq_counter_add(void *impl, const char *key, int64_t bucket, int64_t n)
{
	struct sq *q = impl;
	sqlite3_stmt *st = q->st[Q_CADD];

	sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, bucket);
	sqlite3_bind_int64(st, 3, n);
	return step_done(st);
}

static int
sq_counter_sum(void *impl, const char *key, int64_t from, int64_t *sum)
{
	struct sq *q = impl;
	sqlite3_stmt *st = q->st[Q_CSUM];
	int rc;

	sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, from);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*sum = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

static int
sq_counter_reserve(void *impl, const char *key, int64_t bucket, int64_t n, int64_t from,
    int64_t limit, int64_t *sum)
{
	struct sq *q = impl;
	int64_t cur = 0;
	int added = 0;

	if (step_done(q->st[Q_BEGIN]) < 0)
		return -1;
	if (sq_counter_sum(impl, key, from, &cur) < 0)
		goto fail;
	if (n <= 0 || cur + n <= limit) {
		if (sq_counter_add(impl, key, bucket, n) < 0)
			goto fail;
		if (n < 0) {
			sqlite3_stmt *st = q->st[Q_CLAMP];
			sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
			sqlite3_bind_int64(st, 2, bucket);
			if (step_done(st) < 0 || sq_counter_sum(impl, key, from, &cur) < 0)
				goto fail;
		} else {
			cur += n;
		}
		added = 1;
	}
	if (step_done(q->st[Q_COMMIT]) < 0)
		goto fail;
	*sum = cur;
	return added;
fail:
	step_done(q->st[Q_ROLLBACK]);
	return -1;
}

static int
sq_put(void *impl, const char *ns, const char *key, const char *value, int64_t expires)
{
	struct sq *q = impl;
	sqlite3_stmt *st = q->st[Q_PUT];

	sqlite3_bind_text(st, 1, ns, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, value, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, expires);
	return step_done(st);
}

static int
sq_get(void *impl, const char *ns, const char *key, char **value, int64_t *expires, int64_t now)
{
	struct sq *q = impl;
	sqlite3_stmt *st = q->st[Q_GET];
	int rc, found = 0;

	sqlite3_bind_text(st, 1, ns, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, now);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const unsigned char *v = sqlite3_column_text(st, 0);
		*value = xstrdup(v ? (const char *)v : "");
		*expires = sqlite3_column_int64(st, 1);
		found = 1;
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? found : -1;
}

static int
sq_del(void *impl, const char *ns, const char *key)
{
	struct sq *q = impl;
	sqlite3_stmt *st = q->st[Q_DEL];

	sqlite3_bind_text(st, 1, ns, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_TRANSIENT);
	return step_done(st);
}

static int
sq_list(void *impl, const char *ns, int64_t now,
    void (*fn)(void *arg, const char *key, const char *value, int64_t expires), void *arg)
{
	struct sq *q = impl;
	sqlite3_stmt *st = q->st[Q_LIST];
	int rc;

	sqlite3_bind_text(st, 1, ns, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, now);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		fn(arg, (const char *)sqlite3_column_text(st, 0),
		    (const char *)sqlite3_column_text(st, 1), sqlite3_column_int64(st, 2));
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int
sq_expire(void *impl, int64_t now, int64_t before)
{
	struct sq *q = impl;

	sqlite3_bind_int64(q->st[Q_EXP_REC], 1, now);
	sqlite3_bind_int64(q->st[Q_EXP_CNT], 1, before);
	return step_done(q->st[Q_EXP_REC]) | step_done(q->st[Q_EXP_CNT]);
}

static void
sq_close(void *impl)
{
	struct sq *q = impl;

	for (int i = 0; i < Q_COUNT; i++)
		sqlite3_finalize(q->st[i]);
	sqlite3_close(q->db);
	free(q);
}

static const struct store_ops sqlite_ops = {
	sq_counter_add, sq_counter_sum, sq_put, sq_get, sq_del, sq_list, sq_expire, sq_close,
	sq_counter_reserve, NULL, /* blocking: requests complete at once (store.h) */
};

struct store *
store_open_sqlite(const char *path, char *err, size_t errsz)
{
	struct sq *q = xcalloc(1, sizeof(*q));
	struct store *s;
	sqlite3_stmt *v;
	int version = 0;

	if (sqlite3_open_v2(path, &q->db,
	        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
	        NULL) != SQLITE_OK) {
		snprintf(err, errsz, "%s: %s", path, q->db ? sqlite3_errmsg(q->db) : "cannot open");
		goto fail;
	}
	sqlite3_busy_timeout(q->db, 2000);
	/* WAL: readers (vouchctl) never block the daemon; NORMAL: a commit
	 * does not wait for the disk (this state may lose its last second
	 * in a power cut; the queue never does). */
	if (sqlite3_exec(q->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", NULL, NULL,
	        NULL) != SQLITE_OK)
		goto sqlfail;
	if (sqlite3_prepare_v2(q->db, "PRAGMA user_version", -1, &v, NULL) != SQLITE_OK)
		goto sqlfail;
	if (sqlite3_step(v) == SQLITE_ROW)
		version = sqlite3_column_int(v, 0);
	sqlite3_finalize(v);
	for (int i = version; i < (int)(sizeof(migrations) / sizeof(migrations[0])); i++) {
		char pragma[64];
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version=%d", i + 1);
		if (sqlite3_exec(q->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
		    sqlite3_exec(q->db, migrations[i], NULL, NULL, NULL) != SQLITE_OK ||
		    sqlite3_exec(q->db, pragma, NULL, NULL, NULL) != SQLITE_OK ||
		    sqlite3_exec(q->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
			goto sqlfail;
	}
	for (int i = 0; i < Q_COUNT; i++)
		if (sqlite3_prepare_v3(
		        q->db, sql[i], -1, SQLITE_PREPARE_PERSISTENT, &q->st[i], NULL) != SQLITE_OK)
			goto sqlfail;
	s = xcalloc(1, sizeof(*s));
	s->ops = &sqlite_ops;
	s->impl = q;
	return s;
sqlfail:
	snprintf(err, errsz, "%s: %s", path, sqlite3_errmsg(q->db));
fail:
	for (int i = 0; i < Q_COUNT; i++)
		sqlite3_finalize(q->st[i]);
	sqlite3_close(q->db);
	free(q);
	return NULL;
}
