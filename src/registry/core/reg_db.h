/*
 * reg_db: the registry's SQLite database: opening (WAL, foreign keys,
 * busy timeout), versioned schema migrations (PRAGMA user_version), the
 * zone serial, transactions, and mapping SQLite codes onto reg_err.
 *
 * Every statement elsewhere is prepared with bound parameters; no SQL is
 * ever built from input. One connection per thread.
 */
#ifndef VOUCH_REGISTRY_REG_DB_H
#define VOUCH_REGISTRY_REG_DB_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "util/str.h"

struct reg_db;

/* The database's file name in data_dir (REG_OK, or EINVAL if too long). */
int reg_db_path(const char *data_dir, char *out, size_t outsz);
/* Create data_dir (and its parent, like mkdir -p for two levels), mode
 * 0750; an existing one is fine. REG_OK or ETEMP with a reason in err. */
int reg_db_make_dir(const char *data_dir, struct strbuf *err);
/* Open (creating) the database at path and migrate it to the latest schema.
 * Returns REG_OK and *out (free with reg_db_close), or an error with a
 * reason in err. */
int reg_db_open(const char *path, struct reg_db **out, struct strbuf *err);
/* Close; NULL-safe. */
void reg_db_close(struct reg_db *db);
/* The underlying handle, for preparing statements. */
sqlite3 *reg_db_sqlite(struct reg_db *db);
/* Schema version after migrations. */
int reg_db_schema_version(struct reg_db *db);
/* Number of migrations this build knows. */
int reg_db_schema_latest(void);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK; return REG_OK or REG_ETEMP. */
int reg_db_begin(struct reg_db *db);
int reg_db_commit(struct reg_db *db);
void reg_db_rollback(struct reg_db *db);

/* Prepare sql; REG_OK with *st, or REG_ETEMP (logged). */
int reg_db_prepare(struct reg_db *db, const char *sql, sqlite3_stmt **st);
/* Map an SQLite result code onto reg_err (CONSTRAINT -> ECONFLICT, ...). */
int reg_db_err(int sqlite_rc);

/* The zone serial (RFC 1035 SOA SERIAL) as stored. */
uint32_t reg_db_serial(struct reg_db *db);
/* Advance the serial (inside the caller's transaction): max(old+1, now),
 * so it grows on every change and stays readable as a Unix time. */
int reg_db_bump_serial(struct reg_db *db);

/* Bind helpers: NULL text binds SQL NULL. */
int reg_db_bind_text(sqlite3_stmt *st, int idx, const char *s);
/* Copy column idx as a new string ("" for NULL); caller frees. */
char *reg_db_col_text(sqlite3_stmt *st, int idx);

#endif
