/*
 * reg_recertify: requested certification runs (see reg_recertify.h).
 */
#include "reg_recertify.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "reg_err.h"
#include "reg_server.h"
#include "util/str.h"

int
reg_recertify_request(
    struct reg_db *db, long long server_id, long long report_id, const char *actor)
{
	struct reg_server s;
	sqlite3_stmt *st;
	char why[128];
	int rc;

	if ((rc = reg_server_get_id(db, server_id, &s)) != REG_OK)
		return rc;
	if (strcmp(s.status, "deregistered") == 0) {
		reg_server_clear(&s);
		return REG_OK;
	}
	if (reg_db_prepare(db,
	        "INSERT INTO recertify(server_id, report_id, actor, requested_at)"
	        " VALUES(?1, ?2, ?3, ?4) ON CONFLICT(server_id) DO NOTHING",
	        &st) != REG_OK) {
		reg_server_clear(&s);
		return REG_ETEMP;
	}
	sqlite3_bind_int64(st, 1, server_id);
	sqlite3_bind_int64(st, 2, report_id);
	reg_db_bind_text(st, 3, actor);
	sqlite3_bind_int64(st, 4, (long long)time(NULL));
	rc = reg_db_err(sqlite3_step(st));
	sqlite3_finalize(st);
	snprintf(why, sizeof(why), "report %lld confirmed", report_id);
	if (rc == REG_OK)
		rc = reg_server_history_add(
		    db, server_id, actor, "certification requested", s.status, s.status, why);
	reg_server_clear(&s);
	return rc;
}

int
reg_recertify_take(struct reg_db *db, struct reg_recertify *out, size_t max, size_t *n)
{
	sqlite3_stmt *st;
	int rc;

	*n = 0;
	/* polled twice a second: no write transaction while nothing waits */
	if (reg_db_prepare(db, "SELECT 1 FROM recertify LIMIT 1", &st) != REG_OK)
		return REG_ETEMP;
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? REG_OK : reg_db_err(rc);
	if ((rc = reg_db_begin(db)) != REG_OK)
		return rc;
	if (reg_db_prepare(db,
	        "SELECT r.server_id, r.report_id, s.hostname, r.actor, s.status FROM recertify r"
	        " JOIN servers s ON s.id = r.server_id ORDER BY r.requested_at, r.server_id"
	        " LIMIT ?1",
	        &st) != REG_OK) {
		reg_db_rollback(db);
		return REG_ETEMP;
	}
	sqlite3_bind_int64(st, 1, (long long)max);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max) {
		struct reg_recertify *r = &out[*n];
		const char *actor = (const char *)sqlite3_column_text(st, 3);

		r->server_id = sqlite3_column_int64(st, 0);
		r->report_id = sqlite3_column_int64(st, 1);
		str_copy(
		    r->hostname, sizeof(r->hostname), (const char *)sqlite3_column_text(st, 2));
		r->by_person = actor == NULL || strcmp(actor, "trap") != 0;
		if (strcmp((const char *)sqlite3_column_text(st, 4), "deregistered") != 0)
			(*n)++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		reg_db_rollback(db);
		*n = 0;
		return reg_db_err(rc);
	}
	/* every row read goes, the deregistered ones too */
	if (reg_db_prepare(db,
	        "DELETE FROM recertify WHERE server_id IN (SELECT server_id FROM recertify"
	        " ORDER BY requested_at, server_id LIMIT ?1)",
	        &st) != REG_OK) {
		reg_db_rollback(db);
		*n = 0;
		return REG_ETEMP;
	}
	sqlite3_bind_int64(st, 1, (long long)max);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE || (rc = reg_db_commit(db)) != REG_OK) {
		reg_db_rollback(db);
		*n = 0;
		return rc == SQLITE_DONE ? REG_ETEMP : reg_db_err(rc);
	}
	return REG_OK;
}
