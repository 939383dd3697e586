/*
 * reg_report: filing, linking and deciding abuse reports (see reg_report.h).
 */
#include "reg_report.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "msg/arf.h"
#include "reg_err.h"
#include "msg/header_fields.h"
#include "reg_recertify.h"
#include "reg_server.h"
#include "reg_trap.h"
#include "reg_validate.h"
#include "util/log.h"
#include "util/str.h"
#include "util/xmalloc.h"

int
reg_report_find_handoff(const struct received_chain *c, const char *source_ip,
    int (*match)(void *ctx, const char *host, const char *ip, char *name, size_t namesz), void *ctx,
    char *name, size_t namesz, char *tracking, size_t trsz)
{
	int hop = -1;

	name[0] = '\0';
	tracking[0] = '\0';
	/* RFC 5965 3.2: Source-IP is the address the report is about */
	if (source_ip && source_ip[0] && match(ctx, NULL, source_ip, name, namesz)) {
		for (size_t i = 0; i < c->n; i++)
			if (strcmp(c->hops[i].from_ip, source_ip) == 0) {
				hop = (int)i;
				break;
			}
		if (hop < 0)
			hop = c->n > 0 ? 0 : -1;
	} else {
		/* newest first: the first hop whose sender is registered */
		for (size_t i = 0; i < c->n && hop < 0; i++) {
			const struct received_hop *h = &c->hops[i];
			if ((h->from_rdns[0] && match(ctx, h->from_rdns, NULL, name, namesz)) ||
			    (h->from_helo[0] && h->from_helo[0] != '[' &&
			        match(ctx, h->from_helo, NULL, name, namesz)) ||
			    (h->from_ip[0] && match(ctx, NULL, h->from_ip, name, namesz)))
				hop = (int)i;
		}
		if (hop < 0)
			return -1;
	}
	/* the server's own Received field (it is the "by" there) holds its id */
	for (size_t i = (size_t)(hop < 0 ? 0 : hop) + 1; i < c->n; i++) {
		if (str_ieq(c->hops[i].by, name)) {
			str_copy(tracking, trsz, c->hops[i].id);
			break;
		}
	}
	return hop;
}

struct match_ctx {
	struct reg_db *db;
};

static int
db_match(void *vctx, const char *host, const char *ip, char *name, size_t namesz)
{
	struct match_ctx *m = vctx;
	struct reg_server s;

	if (host) {
		char h[256];
		str_copy(h, sizeof(h), host);
		str_lower(h);
		size_t l = strlen(h);
		while (l > 1 && h[l - 1] == '.')
			h[--l] = '\0';
		if (reg_server_get(m->db, h, &s) != REG_OK)
			return 0;
		int ok = strcmp(s.status, "active") == 0 || strcmp(s.status, "suspended") == 0;
		if (ok)
			str_copy(name, namesz, s.hostname);
		reg_server_clear(&s);
		return ok;
	}
	if (ip) {
		long long ids[4];
		size_t n = 0;
		if (reg_server_ids_by_address(m->db, ip, ids, 4, &n) != REG_OK || n == 0)
			return 0;
		if (reg_server_get_id(m->db, ids[0], &s) != REG_OK)
			return 0;
		str_copy(name, namesz, s.hostname);
		reg_server_clear(&s);
		return 1;
	}
	return 0;
}

/* Collect addresses from an address-list field value into v (lower-case). */
static void
collect_addresses(const char *value, char v[][256], size_t *n, size_t max)
{
	const char *p = value;

	while (*p && *n < max) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		const char *lt = memchr(p, '<', len), *gt;
		char a[256];

		if (lt && (gt = memchr(lt, '>', len - (size_t)(lt - p))) != NULL) {
			size_t al = (size_t)(gt - lt - 1);
			if (al >= sizeof(a))
				al = sizeof(a) - 1;
			memcpy(a, lt + 1, al);
			a[al] = '\0';
		} else {
			size_t al = len < sizeof(a) - 1 ? len : sizeof(a) - 1;
			memcpy(a, p, al);
			a[al] = '\0';
		}
		str_trim(a);
		str_lower(a);
		if (strchr(a, '@'))
			str_copy(v[(*n)++], 256, a);
		if (!end)
			break;
		p = end + 1;
	}
}

/* Did the report come from one of server id's registered addresses? */
static int
from_address_of(struct reg_db *db, long long id, const char *client)
{
	char canon[REG_ADDR_MAX];
	const char *why;
	sqlite3_stmt *st;
	int found = 0;

	if (client == NULL || reg_validate_address(client, canon, sizeof(canon), &why) < 0)
		return 0;
	if (reg_db_prepare(
	        db, "SELECT 1 FROM addresses WHERE server_id = ?1 AND address = ?2", &st) != REG_OK)
		return 0;
	sqlite3_bind_int64(st, 1, id);
	reg_db_bind_text(st, 2, canon);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

/*
 * A verified trap among the recipients: does the hit count (reg_trap)?
 * Returns the trap owner's id (0: no trap hit); counted and the note say
 * the verdict; *via is the server the report came through, if known.
 */
static long long
judge_trap(struct reg_db *db, const struct reg_report_new *in, char rcpts[][256], size_t nr,
    long long reported, int *counted, long long *via, char *note, size_t notesz)
{
	struct reg_trap_proof p;
	struct reg_server o;
	char trap[256], why[160];
	long long owner;

	*counted = 0;
	if (!reg_trap_find(db, rcpts, nr, &owner, trap, sizeof(trap)))
		return 0;
	memset(&p, 0, sizeof(p));
	if (reg_server_get_id(db, owner, &o) != REG_OK)
		return 0;
	p.owner_active = strcmp(o.status, "active") == 0;
	p.owner_certified = strcmp(o.cert_status, "passed") == 0;
	/* through the owner's own server: its token (API), or mail from one of
	 * its registered addresses; anonymous web and API reports never */
	p.via_owner = (in->via_server_id == owner) ||
	    (strcmp(in->source, "mail") == 0 && from_address_of(db, owner, in->client));
	p.self = reported == owner;
	if (p.via_owner)
		*via = owner;
	*counted = reg_trap_counts(&p, why, sizeof(why));
	if (*counted)
		snprintf(note, notesz, "spam trap %.120s of %.120s hit", trap, o.hostname);
	else
		snprintf(note, notesz, "spam trap %.60s of %.60s hit, not counted: %.120s", trap,
		    o.hostname, why);
	reg_server_clear(&o);
	return owner;
}

int
reg_report_file(struct reg_db *db, const struct reg_config *cfg, const struct reg_report_new *in,
    struct reg_report_filed *out)
{
	struct arf_report arf;
	struct received_chain *chain;
	struct match_ctx mctx = { db };
	char rcpts[ARF_RCPTS + 24][256], field[HEADER_FIELD_MAX];
	size_t nr = 0;
	long long server_id = 0, trap_owner, via = in->via_server_id;
	int counted = 0;
	const char *source = in->source;
	sqlite3_stmt *st;
	size_t keep;
	int rc;

	memset(out, 0, sizeof(*out));
	out->hop = -1;
	if (in->msg == NULL || in->len == 0)
		return REG_EINVAL;
	arf_parse(in->msg, in->len, &arf);
	str_copy(out->kind, sizeof(out->kind), arf_kind_name(arf.kind));
	chain = xmalloc(sizeof(*chain));
	received_chain_parse(in->msg + arf.orig_off, arf.orig_len, chain);
	out->hop = reg_report_find_handoff(chain, arf.source_ip, db_match, &mctx, out->server,
	    sizeof(out->server), out->tracking_id, sizeof(out->tracking_id));
	if (out->hop >= 0 && (size_t)out->hop < chain->n) {
		const struct received_hop *h = &chain->hops[out->hop];
		str_copy(out->handoff_host, sizeof(out->handoff_host),
		    h->from_rdns[0] ? h->from_rdns : h->from_helo);
		str_copy(out->handoff_ip, sizeof(out->handoff_ip), h->from_ip);
	} else if (out->server[0]) {
		str_copy(out->handoff_ip, sizeof(out->handoff_ip), arf.source_ip);
	}
	free(chain);
	if (out->server[0]) {
		struct reg_server s;
		if (reg_server_get(db, out->server, &s) == REG_OK) {
			server_id = s.id;
			reg_server_clear(&s);
		}
	}

	/* recipients: the envelope, ARF's Original-Rcpt-To, the trace fields */
	if (in->rcpt && in->rcpt[0])
		collect_addresses(in->rcpt, rcpts, &nr, sizeof(rcpts) / sizeof(rcpts[0]));
	for (size_t i = 0; i < arf.nrcpt; i++)
		collect_addresses(
		    arf.original_rcpt_to[i], rcpts, &nr, sizeof(rcpts) / sizeof(rcpts[0]));
	{
		static const char *const fields[] = { "Delivered-To", "X-Original-To", "To", "Cc" };
		for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
			if (header_fields_find(in->msg + arf.orig_off, arf.orig_len, fields[i],
			        field, sizeof(field)))
				collect_addresses(
				    field, rcpts, &nr, sizeof(rcpts) / sizeof(rcpts[0]));
	}
	trap_owner = judge_trap(
	    db, in, rcpts, nr, server_id, &counted, &via, out->trap_note, sizeof(out->trap_note));
	/* text taken from the message is shown on pages and in JSON: keep it clean */
	reg_validate_utf8_fix(out->handoff_host, 0);
	reg_validate_utf8_fix(out->tracking_id, 0);
	reg_validate_utf8_fix(arf.subject, 0);
	reg_validate_utf8_fix(arf.reporter, 0);
	reg_validate_utf8_fix(arf.feedback_type, 0);
	if (counted)
		source = "trap";
	str_copy(out->status, sizeof(out->status), counted ? "confirmed" : "new");

	keep = in->len > (size_t)cfg->max_report_size ? (size_t)cfg->max_report_size : in->len;
	if ((rc = reg_db_begin(db)) != REG_OK)
		return rc;
	if (reg_db_prepare(db,
	        "INSERT INTO reports(server_id, received_at, source, reporter, comment,"
	        " feedback_type, handoff_host, handoff_ip, tracking_id, subject, message, status,"
	        " decided_at, decided_by, decision_reason, client, via_server_id, trap_server_id,"
	        " trap_note)"
	        " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,"
	        " ?18, ?19)",
	        &st) != REG_OK) {
		reg_db_rollback(db);
		return REG_ETEMP;
	}
	if (server_id)
		sqlite3_bind_int64(st, 1, server_id);
	else
		sqlite3_bind_null(st, 1);
	sqlite3_bind_int64(st, 2, (long long)time(NULL));
	reg_db_bind_text(st, 3, source);
	reg_db_bind_text(st, 4, in->reporter && in->reporter[0] ? in->reporter : arf.reporter);
	reg_db_bind_text(st, 5, in->comment ? in->comment : "");
	reg_db_bind_text(st, 6, arf.feedback_type[0] ? arf.feedback_type : "abuse");
	reg_db_bind_text(st, 7, out->handoff_host);
	reg_db_bind_text(st, 8, out->handoff_ip);
	reg_db_bind_text(st, 9, out->tracking_id);
	reg_db_bind_text(st, 10, arf.subject);
	sqlite3_bind_blob(st, 11, in->msg, (int)keep, SQLITE_TRANSIENT);
	reg_db_bind_text(st, 12, out->status);
	if (counted) {
		sqlite3_bind_int64(st, 13, (long long)time(NULL));
		reg_db_bind_text(st, 14, "trap");
		reg_db_bind_text(st, 15, out->trap_note);
	} else {
		sqlite3_bind_null(st, 13);
		reg_db_bind_text(st, 14, "");
		reg_db_bind_text(st, 15, "");
	}
	reg_db_bind_text(st, 16, in->client ? in->client : "");
	if (via)
		sqlite3_bind_int64(st, 17, via);
	else
		sqlite3_bind_null(st, 17);
	if (trap_owner)
		sqlite3_bind_int64(st, 18, trap_owner);
	else
		sqlite3_bind_null(st, 18);
	reg_db_bind_text(st, 19, out->trap_note);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		reg_db_rollback(db);
		return reg_db_err(rc);
	}
	out->id = sqlite3_last_insert_rowid(reg_db_sqlite(db));
	/* a confirmed report puts the server through its tests again */
	if (counted && server_id &&
	    (rc = reg_recertify_request(db, server_id, out->id, "trap")) != REG_OK) {
		reg_db_rollback(db);
		return rc;
	}
	if ((rc = reg_db_commit(db)) != REG_OK) {
		reg_db_rollback(db);
		return rc;
	}
	{
		char esc[LOG_ESC_MAX];
		char srv_esc[LOG_ESC_MAX];
		log_info("event=report id=%lld source=%s server=%s tracking=%s status=%s kind=%s",
		    out->id, source,
		    out->server[0] ? log_token(srv_esc, sizeof(srv_esc), out->server) : "-",
		    log_escape(esc, sizeof(esc), out->tracking_id, strlen(out->tracking_id)),
		    out->status, out->kind);
	}
	if (out->trap_note[0]) {
		char esc[LOG_ESC_MAX];
		log_info("event=trap_hit report=%lld counted=%s note=%s", out->id,
		    counted ? "yes" : "no",
		    log_escape(esc, sizeof(esc), out->trap_note, strlen(out->trap_note)));
	}
	if (counted && server_id)
		return reg_workflow_check_abuse(db, cfg, server_id, &out->wf);
	return REG_OK;
}

int
reg_report_decide(struct reg_db *db, const struct reg_config *cfg, long long id, int confirm,
    const char *actor, const char *reason, struct reg_workflow_res *res)
{
	sqlite3_stmt *st;
	long long server_id = 0;
	int rc, changed;

	memset(res, 0, sizeof(*res));
	if ((rc = reg_db_begin(db)) != REG_OK)
		return rc;
	if (reg_db_prepare(db, "SELECT status, IFNULL(server_id, 0) FROM reports WHERE id = ?1",
	        &st) != REG_OK) {
		reg_db_rollback(db);
		return REG_ETEMP;
	}
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(st);
		reg_db_rollback(db);
		snprintf(res->msg, sizeof(res->msg), "no report %lld", id);
		return rc == SQLITE_DONE ? REG_ENOTFOUND : reg_db_err(rc);
	}
	if (strcmp((const char *)sqlite3_column_text(st, 0), "new") != 0) {
		snprintf(res->msg, sizeof(res->msg), "report %lld is already %s", id,
		    (const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
		reg_db_rollback(db);
		return REG_ECONFLICT;
	}
	server_id = sqlite3_column_int64(st, 1);
	sqlite3_finalize(st);
	if (reg_db_prepare(db,
	        "UPDATE reports SET status = ?2, decided_at = ?3, decided_by = ?4,"
	        " decision_reason = ?5 WHERE id = ?1 AND status = 'new'",
	        &st) != REG_OK) {
		reg_db_rollback(db);
		return REG_ETEMP;
	}
	sqlite3_bind_int64(st, 1, id);
	reg_db_bind_text(st, 2, confirm ? "confirmed" : "dismissed");
	sqlite3_bind_int64(st, 3, (long long)time(NULL));
	reg_db_bind_text(st, 4, actor);
	reg_db_bind_text(st, 5, reason ? reason : "");
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	changed = sqlite3_changes(reg_db_sqlite(db));
	if (rc == SQLITE_DONE && changed == 1 && confirm && server_id &&
	    reg_recertify_request(db, server_id, id, actor) != REG_OK)
		rc = SQLITE_ERROR;
	if (rc != SQLITE_DONE || changed != 1 || (rc = reg_db_commit(db)) != REG_OK) {
		reg_db_rollback(db);
		return rc == SQLITE_DONE ? REG_ETEMP : reg_db_err(rc);
	}
	char actor_esc[LOG_ESC_MAX];
	log_info("event=report_decided id=%lld decision=%s actor=%s", id,
	    confirm ? "confirmed" : "dismissed", log_token(actor_esc, sizeof(actor_esc), actor));
	snprintf(
	    res->msg, sizeof(res->msg), "report %lld %s", id, confirm ? "confirmed" : "dismissed");
	if (confirm && server_id) {
		char msg[sizeof(res->msg)];
		str_copy(msg, sizeof(msg), res->msg);
		rc = reg_workflow_check_abuse(db, cfg, server_id, res);
		if (rc == REG_OK && strcmp(res->to, "suspended") == 0 &&
		    strcmp(res->from, "active") == 0) {
			char both[sizeof(res->msg)];
			snprintf(
			    both, sizeof(both), "%.100s; server suspended: %.120s", msg, res->msg);
			str_copy(res->msg, sizeof(res->msg), both);
		} else {
			str_copy(res->msg, sizeof(res->msg), msg);
		}
		return rc;
	}
	return REG_OK;
}

#define REPORT_COLS \
	"r.id, IFNULL(r.server_id, 0), IFNULL(s.hostname, ''), r.received_at," \
	" IFNULL(r.decided_at, 0), r.source, r.reporter, r.comment, r.feedback_type," \
	" r.handoff_host, r.handoff_ip, r.tracking_id, r.subject, r.status, r.decided_by," \
	" r.decision_reason, r.client, r.trap_note"

static void
load_report(sqlite3_stmt *st, struct reg_report *r)
{
	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(st, 0);
	r->server_id = sqlite3_column_int64(st, 1);
	r->server = reg_db_col_text(st, 2);
	r->received_at = sqlite3_column_int64(st, 3);
	r->decided_at = sqlite3_column_int64(st, 4);
	r->source = reg_db_col_text(st, 5);
	r->reporter = reg_db_col_text(st, 6);
	r->comment = reg_db_col_text(st, 7);
	r->feedback_type = reg_db_col_text(st, 8);
	r->handoff_host = reg_db_col_text(st, 9);
	r->handoff_ip = reg_db_col_text(st, 10);
	r->tracking_id = reg_db_col_text(st, 11);
	r->subject = reg_db_col_text(st, 12);
	r->status = reg_db_col_text(st, 13);
	r->decided_by = reg_db_col_text(st, 14);
	r->decision_reason = reg_db_col_text(st, 15);
	r->client = reg_db_col_text(st, 16);
	r->trap_note = reg_db_col_text(st, 17);
}

int
reg_report_list(
    struct reg_db *db, const char *status, long long server_id, struct reg_report **out, size_t *n)
{
	sqlite3_stmt *st;
	struct reg_report *v = NULL;
	size_t count = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (reg_db_prepare(db,
	        "SELECT " REPORT_COLS " FROM reports r LEFT JOIN servers s"
	        " ON s.id = r.server_id WHERE (?1 IS NULL OR r.status = ?1)"
	        " AND (?2 = 0 OR r.server_id = ?2) ORDER BY r.id DESC LIMIT 1000",
	        &st) != REG_OK)
		return REG_ETEMP;
	reg_db_bind_text(st, 1, status);
	sqlite3_bind_int64(st, 2, server_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		v = xrealloc(v, (count + 1) * sizeof(*v));
		load_report(st, &v[count++]);
	}
	sqlite3_finalize(st);
	*out = v;
	*n = count;
	return rc == SQLITE_DONE ? REG_OK : reg_db_err(rc);
}

void
reg_report_clear(struct reg_report *r)
{
	if (r == NULL)
		return;
	free(r->server);
	free(r->source);
	free(r->reporter);
	free(r->comment);
	free(r->feedback_type);
	free(r->handoff_host);
	free(r->handoff_ip);
	free(r->tracking_id);
	free(r->subject);
	free(r->status);
	free(r->decided_by);
	free(r->decision_reason);
	free(r->client);
	free(r->trap_note);
	free(r->message);
	memset(r, 0, sizeof(*r));
}

void
reg_report_list_free(struct reg_report *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		reg_report_clear(&v[i]);
	free(v);
}

int
reg_report_get(struct reg_db *db, long long id, struct reg_report *out)
{
	sqlite3_stmt *st;
	int rc;

	memset(out, 0, sizeof(*out));
	if (reg_db_prepare(db,
	        "SELECT " REPORT_COLS ", r.message FROM reports r LEFT JOIN servers s"
	        " ON s.id = r.server_id WHERE r.id = ?1",
	        &st) != REG_OK)
		return REG_ETEMP;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		load_report(st, out);
		out->message_len = (size_t)sqlite3_column_bytes(st, 18);
		out->message = xmemdup(sqlite3_column_blob(st, 18), out->message_len);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? REG_OK : rc == SQLITE_DONE ? REG_ENOTFOUND : reg_db_err(rc);
}
