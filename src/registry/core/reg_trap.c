/*
 * reg_trap: spam traps, their MX check and what a hit proves (see
 * reg_trap.h).
 */
#include "reg_trap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "reg_err.h"
#include "util/str.h"
#include "util/xmalloc.h"

int
reg_trap_add(struct reg_db *db, long long server_id, const char *address, long long *id)
{
	sqlite3_stmt *st;
	char *a = xstrdup(address);
	int rc;

	str_lower(a);
	*id = 0;
	if (reg_db_prepare(db,
	        "INSERT INTO traps(server_id, address, created_at) VALUES(?1, ?2, ?3)"
	        " ON CONFLICT(server_id, address) DO UPDATE SET status = 'pending', note = '',"
	        " checked_at = NULL RETURNING id",
	        &st) != REG_OK) {
		free(a);
		return REG_ETEMP;
	}
	sqlite3_bind_int64(st, 1, server_id);
	reg_db_bind_text(st, 2, a);
	sqlite3_bind_int64(st, 3, (long long)time(NULL));
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	free(a);
	return rc == SQLITE_ROW ? REG_OK : reg_db_err(rc);
}

int
reg_trap_list(struct reg_db *db, long long server_id, struct reg_trap **out, size_t *n)
{
	sqlite3_stmt *st;
	int rc;

	*out = NULL;
	*n = 0;
	if (reg_db_prepare(db,
	        "SELECT id, server_id, address, status, note, created_at FROM traps"
	        " WHERE server_id = ?1 ORDER BY address",
	        &st) != REG_OK)
		return REG_ETEMP;
	sqlite3_bind_int64(st, 1, server_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct reg_trap *t;
		*out = xrealloc(*out, (*n + 1) * sizeof(**out));
		t = &(*out)[(*n)++];
		t->id = sqlite3_column_int64(st, 0);
		t->server_id = sqlite3_column_int64(st, 1);
		t->address = reg_db_col_text(st, 2);
		t->status = reg_db_col_text(st, 3);
		t->note = reg_db_col_text(st, 4);
		t->created_at = sqlite3_column_int64(st, 5);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? REG_OK : reg_db_err(rc);
}

void
reg_trap_list_free(struct reg_trap *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].address);
		free(v[i].status);
		free(v[i].note);
	}
	free(v);
}

static int
set_row(struct reg_db *db, long long id, const char *status, const char *note)
{
	sqlite3_stmt *st;
	int rc;

	if (reg_db_prepare(db,
	        "UPDATE traps SET status = ?2, note = ?3, checked_at = ?4 WHERE id = ?1",
	        &st) != REG_OK)
		return REG_ETEMP;
	sqlite3_bind_int64(st, 1, id);
	reg_db_bind_text(st, 2, status);
	reg_db_bind_text(st, 3, note);
	sqlite3_bind_int64(st, 4, (long long)time(NULL));
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return reg_db_err(rc);
}

int
reg_trap_set(struct reg_db *db, long long id, int verified, const char *note)
{
	int rc = set_row(db, id, verified ? "verified" : "refused", note);

	/* the partial unique index: one verified trap per address */
	if (verified && rc == REG_ECONFLICT)
		rc = set_row(db, id, "refused", "the address is already another server's trap");
	return rc;
}

int
reg_trap_mx_verdict(const char *domain, const char *owner_host, const struct dns_result *mx,
    char *note, size_t notesz)
{
	switch (mx->status) {
	case DNS_ANSWER: break;
	case DNS_NODATA:
		/* RFC 5321 5.1: without MX the domain itself is the mail host */
		if (str_ieq(domain, owner_host)) {
			snprintf(note, notesz, "%s has no MX: it is %s itself", domain, owner_host);
			return 1;
		}
		snprintf(note, notesz, "%s has no MX record naming %s", domain, owner_host);
		return 0;
	case DNS_NXDOMAIN: snprintf(note, notesz, "%s does not exist", domain); return 0;
	case DNS_TEMPFAIL:
		snprintf(note, notesz,
		    "the MX of %s could not be looked up (%.80s); register it again", domain,
		    mx->why ? mx->why : "temporary DNS failure");
		return -1;
	default: snprintf(note, notesz, "the MX of %s cannot be looked up", domain); return 0;
	}
	for (size_t i = 0; i < mx->nrr; i++)
		if (mx->rr[i].type == DNS_T_MX && str_ieq(mx->rr[i].u.mx.host, owner_host)) {
			snprintf(note, notesz, "%s receives mail for %s (MX)", owner_host, domain);
			return 1;
		}
	for (size_t i = 0; i < mx->nrr; i++)
		if (mx->rr[i].type == DNS_T_MX) {
			if (mx->rr[i].u.mx.host[0] == '\0')
				snprintf(
				    note, notesz, "%s accepts no mail (null MX, RFC 7505)", domain);
			else
				snprintf(note, notesz, "the MX of %s is %s, not %s", domain,
				    mx->rr[i].u.mx.host, owner_host);
			return 0;
		}
	snprintf(note, notesz, "%s has no MX record naming %s", domain, owner_host);
	return 0;
}

int
reg_trap_counts(const struct reg_trap_proof *p, char *why, size_t whysz)
{
	const char *no = NULL;

	if (!p->owner_active)
		no = "the trap's owner is not an active server";
	else if (!p->owner_certified)
		no = "the trap's owner has not passed certification";
	else if (!p->via_owner)
		no = "the report did not come through the trap owner's server";
	else if (p->self)
		no = "the trap owner reported its own server";
	str_copy(why, whysz, no ? no : "");
	return no == NULL;
}

int
reg_trap_find(
    struct reg_db *db, char rcpts[][256], size_t n, long long *owner, char *which, size_t wsz)
{
	sqlite3_stmt *st;

	*owner = 0;
	if (reg_db_prepare(db,
	        "SELECT server_id FROM traps WHERE address = ?1 AND status = 'verified'",
	        &st) != REG_OK)
		return 0;
	for (size_t i = 0; i < n && *owner == 0; i++) {
		sqlite3_reset(st);
		reg_db_bind_text(st, 1, rcpts[i]);
		if (sqlite3_step(st) == SQLITE_ROW) {
			*owner = sqlite3_column_int64(st, 0);
			str_copy(which, wsz, rcpts[i]);
		}
	}
	sqlite3_finalize(st);
	return *owner != 0;
}
