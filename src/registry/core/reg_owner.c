/*
 * reg_owner: offender records (see reg_owner.h).
 */
#include "reg_owner.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "reg_err.h"
#include "util/str.h"
#include "util/xmalloc.h"

int
reg_owner_offender_add(
    struct reg_db *db, long long server_id, const char *reference, const char *note, long long *id)
{
	sqlite3_stmt *st;
	int rc;

	if (reg_db_prepare(db,
	        "INSERT INTO offenders(server_id, reference, note, created_at)"
	        " VALUES(?1, ?2, ?3, ?4)",
	        &st) != REG_OK)
		return REG_ETEMP;
	sqlite3_bind_int64(st, 1, server_id);
	reg_db_bind_text(st, 2, reference);
	reg_db_bind_text(st, 3, note ? note : "");
	sqlite3_bind_int64(st, 4, (long long)time(NULL));
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return reg_db_err(rc);
	*id = sqlite3_last_insert_rowid(reg_db_sqlite(db));
	return REG_OK;
}

int
reg_owner_offenders(struct reg_db *db, const char *reference, struct reg_offender **out, size_t *n)
{
	sqlite3_stmt *st;
	int rc;

	*out = NULL;
	*n = 0;
	if (reg_db_prepare(db,
	        "SELECT o.id, s.hostname, o.reference, o.note, o.created_at"
	        " FROM offenders o JOIN servers s ON s.id = o.server_id WHERE o.reference = ?1"
	        " ORDER BY o.id DESC LIMIT 200",
	        &st) != REG_OK)
		return REG_ETEMP;
	reg_db_bind_text(st, 1, reference);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct reg_offender *o;
		*out = xrealloc(*out, (*n + 1) * sizeof(**out));
		o = &(*out)[(*n)++];
		o->id = sqlite3_column_int64(st, 0);
		o->server = reg_db_col_text(st, 1);
		o->reference = reg_db_col_text(st, 2);
		o->note = reg_db_col_text(st, 3);
		o->created_at = sqlite3_column_int64(st, 4);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? REG_OK : reg_db_err(rc);
}

void
reg_owner_offenders_free(struct reg_offender *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].server);
		free(v[i].reference);
		free(v[i].note);
	}
	free(v);
}
