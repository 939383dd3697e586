/*
 * reg_db: database opening, migrations and helpers (see reg_db.h).
 */
#include "reg_db.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "reg_err.h"
#include "util/log.h"
#include "util/str.h"
#include "util/xmalloc.h"

struct reg_db {
	sqlite3 *h;
	int version;
};

/*
 * Schema migrations, applied in order, each in its own transaction; the
 * index + 1 is the PRAGMA user_version after it. Never edit a shipped
 * entry: append a new one.
 */
static const char *const migrations[] = {
	/* 1: the register */
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"INSERT INTO meta(key, value) VALUES('serial', '0');"
	"CREATE TABLE servers("
	" id INTEGER PRIMARY KEY,"
	" hostname TEXT NOT NULL UNIQUE,"
	" class TEXT NOT NULL,"
	" status TEXT NOT NULL,"
	" owner_kind TEXT NOT NULL,"
	" owner_name TEXT NOT NULL,"
	" owner_address TEXT NOT NULL,"
	" owner_phone TEXT NOT NULL,"
	" owner_email TEXT NOT NULL,"
	" business_number TEXT NOT NULL DEFAULT '',"
	" admin_contact TEXT NOT NULL,"
	" domain_age_note TEXT NOT NULL DEFAULT '',"
	" bond_amount INTEGER NOT NULL DEFAULT 0,"
	" bond_status TEXT NOT NULL DEFAULT 'none',"
	" cert_status TEXT NOT NULL DEFAULT 'none',"
	" applied_at INTEGER NOT NULL,"
	" registered_at INTEGER,"
	" fee_due INTEGER,"
	" updated_at INTEGER NOT NULL);"
	"CREATE INDEX servers_status ON servers(status);"
	"CREATE TABLE addresses("
	" server_id INTEGER NOT NULL REFERENCES servers(id) ON DELETE CASCADE,"
	" address TEXT NOT NULL,"
	" PRIMARY KEY(server_id, address));"
	"CREATE INDEX addresses_address ON addresses(address);"
	"CREATE TABLE history("
	" id INTEGER PRIMARY KEY,"
	" server_id INTEGER NOT NULL REFERENCES servers(id) ON DELETE CASCADE,"
	" at INTEGER NOT NULL,"
	" actor TEXT NOT NULL,"
	" event TEXT NOT NULL,"
	" from_status TEXT NOT NULL DEFAULT '',"
	" to_status TEXT NOT NULL DEFAULT '',"
	" reason TEXT NOT NULL DEFAULT '');"
	"CREATE INDEX history_server ON history(server_id);"
	"CREATE TABLE sponsorships("
	" server_id INTEGER NOT NULL REFERENCES servers(id) ON DELETE CASCADE,"
	" sponsor_id INTEGER NOT NULL REFERENCES servers(id) ON DELETE CASCADE,"
	" at INTEGER NOT NULL,"
	" PRIMARY KEY(server_id, sponsor_id));"
	"CREATE TABLE reports("
	" id INTEGER PRIMARY KEY,"
	" server_id INTEGER REFERENCES servers(id) ON DELETE SET NULL,"
	" received_at INTEGER NOT NULL,"
	" source TEXT NOT NULL,"
	" reporter TEXT NOT NULL DEFAULT '',"
	" comment TEXT NOT NULL DEFAULT '',"
	" feedback_type TEXT NOT NULL DEFAULT '',"
	" handoff_host TEXT NOT NULL DEFAULT '',"
	" handoff_ip TEXT NOT NULL DEFAULT '',"
	" tracking_id TEXT NOT NULL DEFAULT '',"
	" subject TEXT NOT NULL DEFAULT '',"
	" message BLOB NOT NULL,"
	" status TEXT NOT NULL DEFAULT 'new',"
	" decided_at INTEGER,"
	" decided_by TEXT NOT NULL DEFAULT '',"
	" decision_reason TEXT NOT NULL DEFAULT '');"
	"CREATE INDEX reports_status ON reports(status);"
	"CREATE INDEX reports_server ON reports(server_id);"
	"CREATE TABLE traps("
	" id INTEGER PRIMARY KEY,"
	" server_id INTEGER NOT NULL REFERENCES servers(id) ON DELETE CASCADE,"
	" address TEXT NOT NULL UNIQUE,"
	" created_at INTEGER NOT NULL);"
	"CREATE TABLE offenders("
	" id INTEGER PRIMARY KEY,"
	" server_id INTEGER NOT NULL REFERENCES servers(id) ON DELETE CASCADE,"
	" reference TEXT NOT NULL,"
	" note TEXT NOT NULL DEFAULT '',"
	" created_at INTEGER NOT NULL);"
	"CREATE INDEX offenders_reference ON offenders(reference);"
	"CREATE TABLE tokens("
	" id INTEGER PRIMARY KEY,"
	" hash BLOB NOT NULL UNIQUE,"
	" role TEXT NOT NULL,"
	" server_id INTEGER REFERENCES servers(id) ON DELETE CASCADE,"
	" label TEXT NOT NULL DEFAULT '',"
	" created_at INTEGER NOT NULL,"
	" revoked INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE cert_runs("
	" id INTEGER PRIMARY KEY,"
	" server_id INTEGER NOT NULL REFERENCES servers(id) ON DELETE CASCADE,"
	" started_at INTEGER NOT NULL,"
	" finished_at INTEGER NOT NULL,"
	" passed INTEGER NOT NULL,"
	" summary TEXT NOT NULL,"
	" report TEXT NOT NULL);"
	"CREATE INDEX cert_runs_server ON cert_runs(server_id);",
	/* 2: admin web sessions (reg_session): only the id's hash is kept */
	"CREATE TABLE sessions("
	" id INTEGER PRIMARY KEY,"
	" hash BLOB NOT NULL UNIQUE,"
	" token_id INTEGER NOT NULL REFERENCES tokens(id) ON DELETE CASCADE,"
	" created_at INTEGER NOT NULL,"
	" expires_at INTEGER NOT NULL,"
	" revoked INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX sessions_expires ON sessions(expires_at);",
	/* 3: per-client rate limits (reg_rate), shared by serve and the CLI */
	"CREATE TABLE rate_events("
	" kind TEXT NOT NULL,"
	" client TEXT NOT NULL,"
	" at INTEGER NOT NULL);"
	"CREATE INDEX rate_events_client ON rate_events(kind, client, at);"
	"CREATE INDEX rate_events_at ON rate_events(kind, at);",
	/* 4: traps are checked (their domain's MX is their owner's server) before
	 * they count, and an address only one owner's verified trap; reports keep
	 * the channel they came through and which trap they hit */
	"CREATE TABLE traps_v4("
	" id INTEGER PRIMARY KEY,"
	" server_id INTEGER NOT NULL REFERENCES servers(id) ON DELETE CASCADE,"
	" address TEXT NOT NULL,"
	" created_at INTEGER NOT NULL,"
	" status TEXT NOT NULL DEFAULT 'pending',"
	" note TEXT NOT NULL DEFAULT '',"
	" checked_at INTEGER,"
	" UNIQUE(server_id, address));"
	"INSERT INTO traps_v4(id, server_id, address, created_at)"
	" SELECT id, server_id, address, created_at FROM traps;"
	"DROP TABLE traps;"
	"ALTER TABLE traps_v4 RENAME TO traps;"
	"CREATE UNIQUE INDEX traps_verified ON traps(address) WHERE status = 'verified';"
	"ALTER TABLE reports ADD COLUMN client TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE reports ADD COLUMN via_server_id INTEGER;"
	"ALTER TABLE reports ADD COLUMN trap_server_id INTEGER;"
	"ALTER TABLE reports ADD COLUMN trap_note TEXT NOT NULL DEFAULT '';"
	/* confirmed before the server's last reinstatement: no longer counted */
	"ALTER TABLE reports ADD COLUMN settled INTEGER NOT NULL DEFAULT 0;",
	/* work the serve loop does later, whichever process asked for it:
	 * a certification run after a confirmed report (one per server), and
	 * the mails to owners on suspension, bond forfeit and reinstatement */
	"CREATE TABLE recertify("
	" server_id INTEGER PRIMARY KEY REFERENCES servers(id),"
	" report_id INTEGER NOT NULL,"
	" actor TEXT NOT NULL,"
	" requested_at INTEGER NOT NULL);"
	"CREATE TABLE notices("
	" id INTEGER PRIMARY KEY,"
	" server_id INTEGER NOT NULL REFERENCES servers(id),"
	" kind TEXT NOT NULL,"
	" reason TEXT NOT NULL DEFAULT '',"
	" report_ids TEXT NOT NULL DEFAULT '',"
	" created_at INTEGER NOT NULL,"
	" status TEXT NOT NULL DEFAULT 'queued',"
	" tries INTEGER NOT NULL DEFAULT 0,"
	" next_try INTEGER NOT NULL DEFAULT 0,"
	" last_error TEXT NOT NULL DEFAULT '');"
	"CREATE INDEX notices_status ON notices(status, next_try);",
};

#define NMIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

int
reg_db_err(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW: return REG_OK;
	case SQLITE_CONSTRAINT: return REG_ECONFLICT;
	case SQLITE_NOTFOUND: return REG_ENOTFOUND;
	default: return REG_ETEMP;
	}
}

static int
exec(struct reg_db *db, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db->h, sql, NULL, NULL, &msg);

	if (rc != SQLITE_OK) {
		log_err("event=db_error op=exec err=\"%s\"", msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return reg_db_err(rc);
	}
	return REG_OK;
}

static int
user_version(struct reg_db *db)
{
	sqlite3_stmt *st;
	int v = -1;

	if (sqlite3_prepare_v2(db->h, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int
migrate(struct reg_db *db, struct strbuf *err)
{
	int v = user_version(db);

	if (v < 0) {
		strbuf_printf(err, "cannot read schema version: %s", sqlite3_errmsg(db->h));
		return REG_ETEMP;
	}
	if (v > NMIGRATIONS) {
		strbuf_printf(
		    err, "database schema %d is newer than this program (%d)", v, NMIGRATIONS);
		return REG_ECONFLICT;
	}
	for (; v < NMIGRATIONS; v++) {
		char pragma[64];

		if (exec(db, "BEGIN IMMEDIATE") != REG_OK)
			goto fail;
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", v + 1);
		if (exec(db, migrations[v]) != REG_OK || exec(db, pragma) != REG_OK) {
			exec(db, "ROLLBACK");
			goto fail;
		}
		if (exec(db, "COMMIT") != REG_OK)
			goto fail;
		log_info("event=db_migrated version=%d", v + 1);
	}
	db->version = v;
	return REG_OK;
fail:
	strbuf_printf(err, "schema migration %d failed: %s", v + 1, sqlite3_errmsg(db->h));
	return REG_ETEMP;
}

int
reg_db_path(const char *data_dir, char *out, size_t outsz)
{
	int n = snprintf(out, outsz, "%s/registry.db", data_dir);

	return n > 0 && (size_t)n < outsz ? REG_OK : REG_EINVAL;
}

int
reg_db_make_dir(const char *data_dir, struct strbuf *err)
{
	char parent[4096];
	char *slash;

	if (str_copy(parent, sizeof(parent), data_dir) >= sizeof(parent)) {
		strbuf_printf(err, "%s: path too long", data_dir);
		return REG_EINVAL;
	}
	if ((slash = strrchr(parent, '/')) != NULL && slash != parent) {
		*slash = '\0';
		mkdir(parent, 0750);
	}
	if (mkdir(data_dir, 0750) < 0 && errno != EEXIST) {
		strbuf_printf(err, "%s: %s", data_dir, strerror(errno));
		return REG_ETEMP;
	}
	return REG_OK;
}

int
reg_db_open(const char *path, struct reg_db **out, struct strbuf *err)
{
	struct reg_db *db = xcalloc(1, sizeof(*db));
	int rc;

	*out = NULL;
	rc = sqlite3_open_v2(
	    path, &db->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		strbuf_printf(
		    err, "%s: %s", path, db->h ? sqlite3_errmsg(db->h) : sqlite3_errstr(rc));
		reg_db_close(db);
		return REG_ETEMP;
	}
	sqlite3_busy_timeout(db->h, 5000);
	if (exec(db, "PRAGMA journal_mode=WAL") != REG_OK ||
	    exec(db, "PRAGMA synchronous=NORMAL") != REG_OK ||
	    exec(db, "PRAGMA foreign_keys=ON") != REG_OK) {
		strbuf_printf(err, "%s: %s", path, sqlite3_errmsg(db->h));
		reg_db_close(db);
		return REG_ETEMP;
	}
	if ((rc = migrate(db, err)) != REG_OK) {
		reg_db_close(db);
		return rc;
	}
	*out = db;
	return REG_OK;
}

void
reg_db_close(struct reg_db *db)
{
	if (db == NULL)
		return;
	sqlite3_close_v2(db->h);
	free(db);
}

sqlite3 *
reg_db_sqlite(struct reg_db *db)
{
	return db->h;
}

int
reg_db_schema_version(struct reg_db *db)
{
	return db->version;
}

int
reg_db_schema_latest(void)
{
	return NMIGRATIONS;
}

int
reg_db_begin(struct reg_db *db)
{
	return exec(db, "BEGIN IMMEDIATE");
}

int
reg_db_commit(struct reg_db *db)
{
	return exec(db, "COMMIT");
}

void
reg_db_rollback(struct reg_db *db)
{
	if (!sqlite3_get_autocommit(db->h))
		exec(db, "ROLLBACK");
}

int
reg_db_prepare(struct reg_db *db, const char *sql, sqlite3_stmt **st)
{
	int rc = sqlite3_prepare_v2(db->h, sql, -1, st, NULL);

	if (rc != SQLITE_OK) {
		log_err("event=db_error op=prepare err=\"%s\"", sqlite3_errmsg(db->h));
		*st = NULL;
		return REG_ETEMP;
	}
	return REG_OK;
}

int
reg_db_bind_text(sqlite3_stmt *st, int idx, const char *s)
{
	if (s == NULL)
		return sqlite3_bind_null(st, idx);
	return sqlite3_bind_text(st, idx, s, -1, SQLITE_TRANSIENT);
}

char *
reg_db_col_text(sqlite3_stmt *st, int idx)
{
	const unsigned char *t = sqlite3_column_text(st, idx);

	return xstrdup(t ? (const char *)t : "");
}

uint32_t
reg_db_serial(struct reg_db *db)
{
	sqlite3_stmt *st;
	uint32_t serial = 0;

	if (reg_db_prepare(db, "SELECT value FROM meta WHERE key = 'serial'", &st) != REG_OK)
		return 0;
	if (sqlite3_step(st) == SQLITE_ROW)
		serial = (uint32_t)strtoul((const char *)sqlite3_column_text(st, 0), NULL, 10);
	sqlite3_finalize(st);
	return serial;
}

int
reg_db_bump_serial(struct reg_db *db)
{
	uint32_t old = reg_db_serial(db), now = (uint32_t)time(NULL), next;
	sqlite3_stmt *st;
	char val[16];
	int rc;

	next = old + 1;
	/* RFC 1982 serial arithmetic: a jump of less than 2^31 is "greater" */
	if ((int32_t)(now - next) > 0)
		next = now;
	snprintf(val, sizeof(val), "%u", next);
	if (reg_db_prepare(db, "UPDATE meta SET value = ?1 WHERE key = 'serial'", &st) != REG_OK)
		return REG_ETEMP;
	reg_db_bind_text(st, 1, val);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return reg_db_err(rc);
}
