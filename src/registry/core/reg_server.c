/*
 * reg_server: server records (see reg_server.h).
 */
#include "reg_server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "reg_err.h"
#include "util/log.h"
#include "util/xmalloc.h"

#define SERVER_COLS \
	"id, hostname, class, status, owner_kind, owner_name, owner_address," \
	" owner_phone, owner_email, business_number, admin_contact, domain_age_note," \
	" bond_status, cert_status, bond_amount, applied_at, IFNULL(registered_at, 0)," \
	" IFNULL(fee_due, 0), updated_at"

static int
step_done(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? REG_OK : reg_db_err(rc);
}

static void
load_row(sqlite3_stmt *st, struct reg_server *s)
{
	memset(s, 0, sizeof(*s));
	s->id = sqlite3_column_int64(st, 0);
	s->hostname = reg_db_col_text(st, 1);
	s->mclass = reg_db_col_text(st, 2);
	s->status = reg_db_col_text(st, 3);
	s->owner_kind = reg_db_col_text(st, 4);
	s->owner_name = reg_db_col_text(st, 5);
	s->owner_address = reg_db_col_text(st, 6);
	s->owner_phone = reg_db_col_text(st, 7);
	s->owner_email = reg_db_col_text(st, 8);
	s->business_number = reg_db_col_text(st, 9);
	s->admin_contact = reg_db_col_text(st, 10);
	s->domain_age_note = reg_db_col_text(st, 11);
	s->bond_status = reg_db_col_text(st, 12);
	s->cert_status = reg_db_col_text(st, 13);
	s->bond_amount = sqlite3_column_int64(st, 14);
	s->applied_at = sqlite3_column_int64(st, 15);
	s->registered_at = sqlite3_column_int64(st, 16);
	s->fee_due = sqlite3_column_int64(st, 17);
	s->updated_at = sqlite3_column_int64(st, 18);
}

/* Addresses and the count of active sponsors. */
static int
load_details(struct reg_db *db, struct reg_server *s)
{
	sqlite3_stmt *st;
	int rc;

	if (reg_db_prepare(db,
	        "SELECT address FROM addresses WHERE server_id = ?1 ORDER BY address",
	        &st) != REG_OK)
		return REG_ETEMP;
	sqlite3_bind_int64(st, 1, s->id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		s->addresses = xrealloc(s->addresses, (s->naddrs + 1) * sizeof(char *));
		s->addresses[s->naddrs++] = reg_db_col_text(st, 0);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return reg_db_err(rc);
	if (reg_db_prepare(db,
	        "SELECT COUNT(*) FROM sponsorships p JOIN servers s ON s.id = p.sponsor_id"
	        " WHERE p.server_id = ?1 AND s.status = 'active'",
	        &st) != REG_OK)
		return REG_ETEMP;
	sqlite3_bind_int64(st, 1, s->id);
	if (sqlite3_step(st) == SQLITE_ROW)
		s->nsponsors = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return REG_OK;
}

/*
 * The host name is taken. A deregistered server may apply again: its
 * record starts over (new owner data, addresses, no sponsors, no bond)
 * and keeps its history. Anything else is a conflict.
 */
static int
reapply(struct reg_db *db, const struct reg_application *app, const char *actor, long long *id)
{
	struct reg_server old;
	sqlite3_stmt *st;
	int rc;

	if ((rc = reg_server_get(db, app->hostname, &old)) != REG_OK)
		return rc == REG_ENOTFOUND ? REG_ECONFLICT : rc;
	*id = old.id;
	rc = strcmp(old.status, "deregistered") == 0 ? REG_OK : REG_ECONFLICT;
	reg_server_clear(&old);
	if (rc != REG_OK)
		return rc;
	if (reg_db_prepare(db,
	        "UPDATE servers SET class = ?2, status = 'applied', owner_kind = ?3,"
	        " owner_name = ?4, owner_address = ?5, owner_phone = ?6, owner_email = ?7,"
	        " business_number = ?8, admin_contact = ?9, domain_age_note = ?10, bond_amount = 0,"
	        " bond_status = 'none', cert_status = 'none', applied_at = ?11, registered_at = NULL,"
	        " fee_due = NULL, updated_at = ?11 WHERE id = ?1",
	        &st) != REG_OK)
		return REG_ETEMP;
	sqlite3_bind_int64(st, 1, *id);
	reg_db_bind_text(st, 2, reg_validate_classes[app->class_idx]);
	reg_db_bind_text(st, 3, reg_validate_owner_kinds[app->owner_kind]);
	reg_db_bind_text(st, 4, app->owner_name);
	reg_db_bind_text(st, 5, app->owner_address);
	reg_db_bind_text(st, 6, app->owner_phone);
	reg_db_bind_text(st, 7, app->owner_email);
	reg_db_bind_text(st, 8, app->business_number);
	reg_db_bind_text(st, 9, app->admin_contact);
	reg_db_bind_text(st, 10, app->domain_age_note);
	sqlite3_bind_int64(st, 11, (long long)time(NULL));
	if ((rc = step_done(st)) != REG_OK)
		return rc;
	if (reg_db_prepare(db, "DELETE FROM addresses WHERE server_id = ?1", &st) != REG_OK)
		return REG_ETEMP;
	sqlite3_bind_int64(st, 1, *id);
	if ((rc = step_done(st)) != REG_OK)
		return rc;
	if (reg_db_prepare(db, "DELETE FROM sponsorships WHERE server_id = ?1", &st) != REG_OK)
		return REG_ETEMP;
	sqlite3_bind_int64(st, 1, *id);
	if ((rc = step_done(st)) != REG_OK)
		return rc;
	/* the previous owner's tokens must not reach the new application */
	if (reg_db_prepare(db, "UPDATE tokens SET revoked = 1 WHERE server_id = ?1", &st) != REG_OK)
		return REG_ETEMP;
	sqlite3_bind_int64(st, 1, *id);
	if ((rc = step_done(st)) != REG_OK)
		return rc;
	for (size_t i = 0; i < app->naddrs; i++) {
		if (reg_db_prepare(db, "INSERT INTO addresses(server_id, address) VALUES(?1, ?2)",
		        &st) != REG_OK)
			return REG_ETEMP;
		sqlite3_bind_int64(st, 1, *id);
		reg_db_bind_text(st, 2, app->addresses[i]);
		if ((rc = step_done(st)) != REG_OK)
			return rc;
	}
	return reg_server_history_add(db, *id, actor, "applied again", "deregistered", "applied",
	    "application received after deregistration");
}

int
reg_server_create(
    struct reg_db *db, const struct reg_application *app, const char *actor, long long *id)
{
	sqlite3_stmt *st;
	long long now = (long long)time(NULL);
	int rc;

	if (reg_db_prepare(db,
	        "INSERT INTO servers(hostname, class, status, owner_kind, owner_name,"
	        " owner_address, owner_phone, owner_email, business_number, admin_contact,"
	        " domain_age_note, applied_at, updated_at)"
	        " VALUES(?1, ?2, 'applied', ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)",
	        &st) != REG_OK)
		return REG_ETEMP;
	reg_db_bind_text(st, 1, app->hostname);
	reg_db_bind_text(st, 2, reg_validate_classes[app->class_idx]);
	reg_db_bind_text(st, 3, reg_validate_owner_kinds[app->owner_kind]);
	reg_db_bind_text(st, 4, app->owner_name);
	reg_db_bind_text(st, 5, app->owner_address);
	reg_db_bind_text(st, 6, app->owner_phone);
	reg_db_bind_text(st, 7, app->owner_email);
	reg_db_bind_text(st, 8, app->business_number);
	reg_db_bind_text(st, 9, app->admin_contact);
	reg_db_bind_text(st, 10, app->domain_age_note);
	sqlite3_bind_int64(st, 11, now);
	rc = step_done(st);
	if (rc == REG_ECONFLICT)
		return reapply(db, app, actor, id);
	if (rc != REG_OK)
		return rc;
	*id = sqlite3_last_insert_rowid(reg_db_sqlite(db));
	for (size_t i = 0; i < app->naddrs; i++) {
		if (reg_db_prepare(db, "INSERT INTO addresses(server_id, address) VALUES(?1, ?2)",
		        &st) != REG_OK)
			return REG_ETEMP;
		sqlite3_bind_int64(st, 1, *id);
		reg_db_bind_text(st, 2, app->addresses[i]);
		if ((rc = step_done(st)) != REG_OK)
			return rc;
	}
	return reg_server_history_add(
	    db, *id, actor, "applied", "", "applied", "application received");
}

static int
get_where(
    struct reg_db *db, const char *where, const char *text, long long num, struct reg_server *out)
{
	sqlite3_stmt *st;
	char sql[512];
	int rc;

	snprintf(sql, sizeof(sql), "SELECT " SERVER_COLS " FROM servers WHERE %s", where);
	if (reg_db_prepare(db, sql, &st) != REG_OK)
		return REG_ETEMP;
	if (text)
		reg_db_bind_text(st, 1, text);
	else
		sqlite3_bind_int64(st, 1, num);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(st);
		memset(out, 0, sizeof(*out));
		return rc == SQLITE_DONE ? REG_ENOTFOUND : reg_db_err(rc);
	}
	load_row(st, out);
	sqlite3_finalize(st);
	if ((rc = load_details(db, out)) != REG_OK) {
		reg_server_clear(out);
		return rc;
	}
	return REG_OK;
}

int
reg_server_get(struct reg_db *db, const char *hostname, struct reg_server *out)
{
	return get_where(db, "hostname = ?1", hostname, 0, out);
}

int
reg_server_get_id(struct reg_db *db, long long id, struct reg_server *out)
{
	return get_where(db, "id = ?1", NULL, id, out);
}

void
reg_server_clear(struct reg_server *s)
{
	if (s == NULL)
		return;
	free(s->hostname);
	free(s->mclass);
	free(s->status);
	free(s->owner_kind);
	free(s->owner_name);
	free(s->owner_address);
	free(s->owner_phone);
	free(s->owner_email);
	free(s->business_number);
	free(s->admin_contact);
	free(s->domain_age_note);
	free(s->bond_status);
	free(s->cert_status);
	for (size_t i = 0; i < s->naddrs; i++)
		free(s->addresses[i]);
	free(s->addresses);
	memset(s, 0, sizeof(*s));
}

int
reg_server_list(struct reg_db *db, const char *status, struct reg_server **out, size_t *n)
{
	sqlite3_stmt *st;
	struct reg_server *v = NULL;
	size_t count = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (reg_db_prepare(db,
	        "SELECT " SERVER_COLS " FROM servers"
	        " WHERE ?1 IS NULL OR status = ?1 ORDER BY hostname",
	        &st) != REG_OK)
		return REG_ETEMP;
	reg_db_bind_text(st, 1, status);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		v = xrealloc(v, (count + 1) * sizeof(*v));
		load_row(st, &v[count++]);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		reg_server_list_free(v, count);
		return reg_db_err(rc);
	}
	for (size_t i = 0; i < count; i++) {
		if ((rc = load_details(db, &v[i])) != REG_OK) {
			reg_server_list_free(v, count);
			return rc;
		}
	}
	*out = v;
	*n = count;
	return REG_OK;
}

void
reg_server_list_free(struct reg_server *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		reg_server_clear(&v[i]);
	free(v);
}

static int
set_text(struct reg_db *db, const char *sql, long long id, const char *val)
{
	sqlite3_stmt *st;

	if (reg_db_prepare(db, sql, &st) != REG_OK)
		return REG_ETEMP;
	sqlite3_bind_int64(st, 1, id);
	reg_db_bind_text(st, 2, val);
	sqlite3_bind_int64(st, 3, (long long)time(NULL));
	return step_done(st);
}

int
reg_server_set_status(struct reg_db *db, long long id, const char *status)
{
	return set_text(
	    db, "UPDATE servers SET status = ?2, updated_at = ?3 WHERE id = ?1", id, status);
}

int
reg_server_set_cert(struct reg_db *db, long long id, const char *cert_status)
{
	return set_text(db, "UPDATE servers SET cert_status = ?2, updated_at = ?3 WHERE id = ?1",
	    id, cert_status);
}

int
reg_server_set_bond(struct reg_db *db, long long id, const char *bond_status, long long amount)
{
	sqlite3_stmt *st;

	if (reg_db_prepare(db,
	        "UPDATE servers SET bond_status = ?2, bond_amount = ?3 WHERE id = ?1",
	        &st) != REG_OK)
		return REG_ETEMP;
	sqlite3_bind_int64(st, 1, id);
	reg_db_bind_text(st, 2, bond_status);
	sqlite3_bind_int64(st, 3, amount);
	return step_done(st);
}

int
reg_server_set_registered(struct reg_db *db, long long id, long long now, long long fee_due)
{
	sqlite3_stmt *st;

	if (reg_db_prepare(db,
	        "UPDATE servers SET registered_at = IFNULL(registered_at, ?2),"
	        " fee_due = ?3 WHERE id = ?1",
	        &st) != REG_OK)
		return REG_ETEMP;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int64(st, 3, fee_due);
	return step_done(st);
}

int
reg_server_settle_reports(struct reg_db *db, long long id)
{
	sqlite3_stmt *st;
	int rc;

	if (reg_db_prepare(db,
	        "UPDATE reports SET settled = 1 WHERE server_id = ?1 AND status = 'confirmed'",
	        &st) != REG_OK)
		return REG_ETEMP;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return reg_db_err(rc);
}

int
reg_server_history_add(struct reg_db *db, long long id, const char *actor, const char *event,
    const char *from, const char *to, const char *reason)
{
	sqlite3_stmt *st;

	if (reg_db_prepare(db,
	        "INSERT INTO history(server_id, at, actor, event, from_status,"
	        " to_status, reason) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	        &st) != REG_OK)
		return REG_ETEMP;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, (long long)time(NULL));
	reg_db_bind_text(st, 3, actor);
	reg_db_bind_text(st, 4, event);
	reg_db_bind_text(st, 5, from ? from : "");
	reg_db_bind_text(st, 6, to ? to : "");
	reg_db_bind_text(st, 7, reason ? reason : "");
	return step_done(st);
}

int
reg_server_history(struct reg_db *db, long long id, struct reg_history **out, size_t *n)
{
	sqlite3_stmt *st;
	struct reg_history *v = NULL;
	size_t count = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (reg_db_prepare(db,
	        "SELECT at, actor, event, from_status, to_status, reason FROM history"
	        " WHERE server_id = ?1 ORDER BY id",
	        &st) != REG_OK)
		return REG_ETEMP;
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		v = xrealloc(v, (count + 1) * sizeof(*v));
		v[count].at = sqlite3_column_int64(st, 0);
		v[count].actor = reg_db_col_text(st, 1);
		v[count].event = reg_db_col_text(st, 2);
		v[count].from_status = reg_db_col_text(st, 3);
		v[count].to_status = reg_db_col_text(st, 4);
		v[count].reason = reg_db_col_text(st, 5);
		count++;
	}
	sqlite3_finalize(st);
	*out = v;
	*n = count;
	return rc == SQLITE_DONE ? REG_OK : reg_db_err(rc);
}

void
reg_server_history_free(struct reg_history *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].actor);
		free(v[i].event);
		free(v[i].from_status);
		free(v[i].to_status);
		free(v[i].reason);
	}
	free(v);
}

int
reg_server_add_sponsor(struct reg_db *db, long long id, long long sponsor_id)
{
	sqlite3_stmt *st;

	if (reg_db_prepare(db,
	        "INSERT INTO sponsorships(server_id, sponsor_id, at) VALUES(?1, ?2, ?3)",
	        &st) != REG_OK)
		return REG_ETEMP;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, sponsor_id);
	sqlite3_bind_int64(st, 3, (long long)time(NULL));
	return step_done(st);
}

int
reg_server_sponsors(struct reg_db *db, long long id, char ***names, size_t *n)
{
	sqlite3_stmt *st;
	int rc;

	*names = NULL;
	*n = 0;
	if (reg_db_prepare(db,
	        "SELECT s.hostname FROM sponsorships p JOIN servers s"
	        " ON s.id = p.sponsor_id WHERE p.server_id = ?1 ORDER BY s.hostname",
	        &st) != REG_OK)
		return REG_ETEMP;
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*names = xrealloc(*names, (*n + 1) * sizeof(char *));
		(*names)[(*n)++] = reg_db_col_text(st, 0);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? REG_OK : reg_db_err(rc);
}

int
reg_server_ids_by_address(
    struct reg_db *db, const char *addr, long long *ids, size_t max, size_t *n)
{
	sqlite3_stmt *st;
	int rc;

	*n = 0;
	if (reg_db_prepare(db,
	        "SELECT s.id FROM addresses a JOIN servers s ON s.id = a.server_id"
	        " WHERE a.address = ?1 AND s.status IN ('active', 'suspended') ORDER BY s.id",
	        &st) != REG_OK)
		return REG_ETEMP;
	reg_db_bind_text(st, 1, addr);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max)
		ids[(*n)++] = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return (rc == SQLITE_DONE || rc == SQLITE_ROW) ? REG_OK : reg_db_err(rc);
}

int
reg_server_cert_add(struct reg_db *db, long long id, long long started, long long finished,
    int passed, const char *summary, const char *report)
{
	sqlite3_stmt *st;

	if (reg_db_prepare(db,
	        "INSERT INTO cert_runs(server_id, started_at, finished_at, passed,"
	        " summary, report) VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
	        &st) != REG_OK)
		return REG_ETEMP;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, started);
	sqlite3_bind_int64(st, 3, finished);
	sqlite3_bind_int(st, 4, passed ? 1 : 0);
	reg_db_bind_text(st, 5, summary);
	reg_db_bind_text(st, 6, report ? report : "{}");
	return step_done(st);
}

int
reg_server_cert_runs(
    struct reg_db *db, long long id, size_t max, struct reg_cert_run **out, size_t *n)
{
	sqlite3_stmt *st;
	int rc;

	*out = NULL;
	*n = 0;
	if (reg_db_prepare(db,
	        "SELECT id, started_at, finished_at, passed, summary, report"
	        " FROM cert_runs WHERE server_id = ?1 ORDER BY id DESC LIMIT ?2",
	        &st) != REG_OK)
		return REG_ETEMP;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, (long long)max);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct reg_cert_run *c;
		*out = xrealloc(*out, (*n + 1) * sizeof(**out));
		c = &(*out)[(*n)++];
		c->id = sqlite3_column_int64(st, 0);
		c->started = sqlite3_column_int64(st, 1);
		c->finished = sqlite3_column_int64(st, 2);
		c->passed = sqlite3_column_int(st, 3);
		c->summary = reg_db_col_text(st, 4);
		c->report = reg_db_col_text(st, 5);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? REG_OK : reg_db_err(rc);
}

void
reg_server_cert_runs_free(struct reg_cert_run *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].summary);
		free(v[i].report);
	}
	free(v);
}
