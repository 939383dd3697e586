/*
 * reg_api: JSON API handlers (see reg_api.h).
 */
#include "reg_api.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "reg_action.h"
#include "reg_err.h"
#include "reg_owner.h"
#include "reg_trap.h"
#include "reg_trapcheck.h"
#include "reg_report.h"
#include "reg_server.h"
#include "reg_workflow.h"
#include "util/str.h"
#include "util/xmalloc.h"

static void
send_json(struct reg_req *q, int status, json_t *doc)
{
	char *s = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);

	json_decref(doc);
	if (s == NULL) {
		reg_http_send(q, 500, "application/json", "{\"error\":\"internal\"}\n", 21);
		return;
	}
	{
		size_t n = strlen(s);
		char *b = malloc(n + 2);
		if (b) {
			memcpy(b, s, n);
			b[n] = '\n';
			reg_http_send(q, status, "application/json", b, n + 1);
			free(b);
		}
	}
	free(s);
}

static void
send_error(struct reg_req *q, int status, const char *msg, const char *field)
{
	json_t *o = json_pack("{s:s}", "error", msg);

	if (field && field[0])
		json_object_set_new(o, "field", json_string(field));
	send_json(q, status, o);
}

static void
send_action(struct reg_req *q, const struct reg_action_out *out, json_t *ok)
{
	if (out->status == 429) {
		char ra[24];
		snprintf(ra, sizeof(ra), "%lld", out->retry_after);
		reg_http_header(q, "Retry-After", ra);
	}
	if (out->status >= 400) {
		json_decref(ok);
		send_error(q, out->status, out->msg, out->field);
		return;
	}
	send_json(q, out->status, ok);
}

/* Open the JSON body; answers 400/415 itself and returns -1 on failure. */
static int
open_body(struct reg_req *q, struct reg_input_json *j)
{
	struct reg_verr e;

	/* the Content-Type was checked for every API POST (reg_http.c) */
	memset(j, 0, sizeof(*j));
	if (reg_input_json_open(j, q->body, q->body_len, &e) < 0) {
		char msg[256];
		snprintf(msg, sizeof(msg), "%s %s", e.field, e.why);
		send_error(q, 400, msg, e.field);
		return -1;
	}
	return 0;
}

static json_t *
day_or_null(long long t)
{
	char day[16];
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0)
		return json_null();
	gmtime_r(&tt, &tm);
	strftime(day, sizeof(day), "%Y-%m-%d", &tm);
	return json_string(day);
}

static json_t *
server_public(const struct reg_server *s)
{
	int registered = strcmp(s->status, "active") == 0 || strcmp(s->status, "suspended") == 0;

	return json_pack("{s:s, s:s, s:b, s:s, s:o, s:i, s:s}", "hostname", s->hostname, "status",
	    s->status, "registered", registered, "class", s->mclass, "since",
	    day_or_null(s->registered_at), "sponsors", s->nsponsors, "certification",
	    s->cert_status);
}

static json_t *
server_full(const struct reg_server *s)
{
	json_t *o = server_public(s), *addrs = json_array();

	for (size_t i = 0; i < s->naddrs; i++)
		json_array_append_new(addrs, json_string(s->addresses[i]));
	json_object_set_new(o, "addresses", addrs);
	json_object_set_new(o, "owner",
	    json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "kind", s->owner_kind, "name",
	        s->owner_name, "address", s->owner_address, "phone", s->owner_phone, "email",
	        s->owner_email, "business_number", s->business_number));
	json_object_set_new(o, "admin_contact", json_string(s->admin_contact));
	json_object_set_new(o, "domain_age_note", json_string(s->domain_age_note));
	json_object_set_new(o, "bond",
	    json_pack(
	        "{s:I, s:s}", "amount", (json_int_t)s->bond_amount, "status", s->bond_status));
	json_object_set_new(o, "applied_at", json_integer(s->applied_at));
	json_object_set_new(
	    o, "registered_at", s->registered_at ? json_integer(s->registered_at) : json_null());
	json_object_set_new(o, "fee_due", day_or_null(s->fee_due));
	return o;
}

static json_t *
report_json(const struct reg_report *r)
{
	json_t *o = json_pack(
	    "{s:I, s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id",
	    (json_int_t)r->id, "server", r->server, "received_at", (json_int_t)r->received_at,
	    "source", r->source, "reporter", r->reporter, "comment", r->comment, "feedback_type",
	    r->feedback_type, "handoff_host", r->handoff_host, "handoff_ip", r->handoff_ip,
	    "tracking_id", r->tracking_id, "subject", r->subject, "status", r->status, "decided_by",
	    r->decided_by, "decision_reason", r->decision_reason);

	json_object_set_new(o, "client", json_string(r->client));
	json_object_set_new(o, "trap_note", json_string(r->trap_note));
	return o;
}

void
reg_api_status(struct reg_req *q)
{
	json_t *counts = json_object();
	struct reg_server *v;
	size_t n;

	if (reg_server_list(q->ctx->db, NULL, &v, &n) != REG_OK) {
		json_decref(counts);
		send_error(q, 503, "database busy", NULL);
		return;
	}
	for (int s = 0; s < REG_ST__COUNT; s++)
		json_object_set_new(
		    counts, reg_workflow_status_name((enum reg_status)s), json_integer(0));
	for (size_t i = 0; i < n; i++) {
		json_t *c = json_object_get(counts, v[i].status);
		if (c)
			json_integer_set(c, json_integer_value(c) + 1);
	}
	reg_server_list_free(v, n);
	send_json(q, 200,
	    json_pack("{s:s, s:I, s:o}", "zone", q->ctx->cfg->zone, "serial",
	        (json_int_t)reg_db_serial(q->ctx->db), "servers", counts));
}

void
reg_api_server_get(struct reg_req *q)
{
	char host[REG_HOSTNAME_MAX + 1];
	const char *why;
	struct reg_server s;
	int rc;

	if (reg_validate_hostname(q->segs[2], host, sizeof(host), &why) < 0) {
		char msg[200];
		snprintf(msg, sizeof(msg), "hostname %s", why);
		send_error(q, 400, msg, "hostname");
		return;
	}
	rc = reg_server_get(q->ctx->db, host, &s);
	if (rc != REG_OK) {
		send_error(q, reg_action_http_status(rc),
		    rc == REG_ENOTFOUND ? "not registered" : reg_err_str(rc), NULL);
		return;
	}
	send_json(q, 200, server_public(&s));
	reg_server_clear(&s);
}

void
reg_api_apply(struct reg_req *q)
{
	struct reg_input_json j;
	struct reg_input_src src;
	struct reg_action_out out;

	if (open_body(q, &j) < 0)
		return;
	src = reg_input_json_src(&j);
	reg_action_apply(q, &src, &out);
	reg_input_json_close(&j);
	send_action(q, &out,
	    json_pack("{s:s, s:s, s:s, s:b, s:s}", "hostname", out.hostname, "status",
	        out.certifying ? "testing" : "applied", "owner_token", out.token,
	        "certification_started", out.certifying, "message", out.msg));
}

void
reg_api_report(struct reg_req *q)
{
	struct reg_input_json j;
	struct reg_input_src src;
	struct reg_action_out out;
	json_t *o;

	if (open_body(q, &j) < 0)
		return;
	src = reg_input_json_src(&j);
	reg_action_report(q, &src, "api", &out);
	reg_input_json_close(&j);
	o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s}", "id", (json_int_t)out.filed.id,
	    "server", out.filed.server, "handoff_host", out.filed.handoff_host, "handoff_ip",
	    out.filed.handoff_ip, "tracking_id", out.filed.tracking_id, "status", out.filed.status,
	    "kind", out.filed.kind);
	if (out.filed.wf.to[0] && strcmp(out.filed.wf.to, out.filed.wf.from) != 0)
		json_object_set_new(o, "server_status", json_string(out.filed.wf.to));
	if (out.filed.trap_note[0])
		json_object_set_new(o, "trap_note", json_string(out.filed.trap_note));
	send_action(q, &out, o);
}

void
reg_api_sponsor(struct reg_req *q)
{
	char host[REG_HOSTNAME_MAX + 1];
	const char *why;
	struct reg_workflow_res res;
	int rc;

	if (reg_validate_hostname(q->segs[2], host, sizeof(host), &why) < 0) {
		send_error(q, 400, "hostname is not valid", "hostname");
		return;
	}
	rc = reg_workflow_sponsor(q->ctx->db, q->ctx->cfg, host, q->owner_id, &res);
	if (rc != REG_OK) {
		send_error(
		    q, reg_action_http_status(rc), res.msg[0] ? res.msg : reg_err_str(rc), NULL);
		return;
	}
	if (res.zone_changed && q->ctx->zone_changed)
		q->ctx->zone_changed(q->ctx->zone_arg);
	/* a sponsor has seen the application: its tests may run now */
	{
		struct reg_server s;
		if (strcmp(res.to, "applied") == 0 && q->ctx->certq &&
		    reg_server_get(q->ctx->db, host, &s) == REG_OK) {
			struct reg_workflow_res cres;
			if (strcmp(s.cert_status, "none") == 0 ||
			    strcmp(s.cert_status, "review") == 0)
				reg_certq_submit(q->ctx->certq, host, 0, &cres);
			reg_server_clear(&s);
		}
	}
	send_json(q, 200,
	    json_pack("{s:s, s:s, s:s}", "hostname", host, "status", res.to, "message", res.msg));
}

void
reg_api_traps(struct reg_req *q)
{
	struct reg_trap *v;
	size_t n;
	json_t *a;

	if (reg_trap_list(q->ctx->db, q->owner_id, &v, &n) != REG_OK) {
		send_error(q, 503, "database busy", NULL);
		return;
	}
	a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a,
		    json_pack("{s:s, s:s, s:s}", "address", v[i].address, "status", v[i].status,
		        "note", v[i].note));
	reg_trap_list_free(v, n);
	send_json(q, 200, json_pack("{s:o}", "traps", a));
}

void
reg_api_trap_add(struct reg_req *q)
{
	struct reg_input_json j;
	struct reg_input_src src;
	struct reg_server s;
	const char *a, *why;
	char addr[255];
	long long id;
	int rc;

	if (open_body(q, &j) < 0)
		return;
	src = reg_input_json_src(&j);
	a = src.get(src.ctx, "address");
	if (reg_validate_email(a, &why) < 0) {
		char msg[200];
		snprintf(msg, sizeof(msg), "address %s", why);
		reg_input_json_close(&j);
		send_error(q, 400, msg, "address");
		return;
	}
	str_copy(addr, sizeof(addr), a);
	reg_input_json_close(&j);
	str_lower(addr);
	/* a trap is evidence against others: only accountable servers lay them */
	if ((rc = reg_server_get_id(q->ctx->db, q->owner_id, &s)) != REG_OK) {
		send_error(q, reg_action_http_status(rc), reg_err_str(rc), NULL);
		return;
	}
	if (strcmp(s.status, "active") != 0 || strcmp(s.cert_status, "passed") != 0) {
		reg_server_clear(&s);
		send_error(q, 403,
		    "only the owner of an active server that passed certification "
		    "registers spam traps",
		    NULL);
		return;
	}
	rc = reg_trap_add(q->ctx->db, q->owner_id, addr, &id);
	if (rc == REG_OK && q->ctx->traps)
		reg_trapcheck_start(q->ctx->traps, id, addr, s.hostname);
	reg_server_clear(&s);
	if (rc != REG_OK) {
		send_error(q, reg_action_http_status(rc), reg_err_str(rc), "address");
		return;
	}
	/* counted once its domain's MX is found to be the owner's server */
	send_json(q, 202, json_pack("{s:s, s:s}", "address", addr, "status", "pending"));
}

void
reg_api_offenders(struct reg_req *q)
{
	const char *ref = reg_http_query(q, "reference"), *why;
	struct reg_offender *v;
	struct reg_server s;
	size_t n;
	json_t *a;

	/* only owners of active servers may look offenders up */
	if (reg_server_get_id(q->ctx->db, q->owner_id, &s) != REG_OK) {
		send_error(q, 403, "owner's server not found", NULL);
		return;
	}
	if (strcmp(s.status, "active") != 0) {
		reg_server_clear(&s);
		send_error(q, 403, "only owners of active servers may query offenders", NULL);
		return;
	}
	reg_server_clear(&s);
	if (reg_validate_text(ref, 200, 1, 0, &why) < 0) {
		char msg[200];
		snprintf(msg, sizeof(msg), "reference %s", why);
		send_error(q, 400, msg, "reference");
		return;
	}
	if (reg_owner_offenders(q->ctx->db, ref, &v, &n) != REG_OK) {
		send_error(q, 503, "database busy", NULL);
		return;
	}
	a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a,
		    json_pack("{s:I, s:s, s:s, s:s, s:I}", "id", (json_int_t)v[i].id, "server",
		        v[i].server, "reference", v[i].reference, "note", v[i].note, "created_at",
		        (json_int_t)v[i].created_at));
	reg_owner_offenders_free(v, n);
	send_json(q, 200, json_pack("{s:o}", "offenders", a));
}

void
reg_api_offender_add(struct reg_req *q)
{
	struct reg_input_json j;
	struct reg_input_src src;
	struct reg_verr e;
	char ref[201], note[501];
	long long id;
	int rc;

	if (open_body(q, &j) < 0)
		return;
	src = reg_input_json_src(&j);
	if (reg_input_text(&src, "reference", 1, ref, sizeof(ref), &e) < 0 ||
	    reg_input_text(&src, "note", 0, note, sizeof(note), &e) < 0) {
		char msg[200];
		snprintf(msg, sizeof(msg), "%s %s", e.field, e.why);
		reg_input_json_close(&j);
		send_error(q, 400, msg, e.field);
		return;
	}
	reg_input_json_close(&j);
	rc = reg_owner_offender_add(q->ctx->db, q->owner_id, ref, note, &id);
	if (rc != REG_OK) {
		send_error(q, reg_action_http_status(rc), reg_err_str(rc), NULL);
		return;
	}
	send_json(q, 201, json_pack("{s:I, s:s}", "id", (json_int_t)id, "reference", ref));
}

void
reg_api_admin_servers(struct reg_req *q)
{
	const char *status = reg_http_query(q, "status");
	struct reg_server *v;
	size_t n;
	json_t *a;

	if (status && reg_workflow_status_parse(status) < 0) {
		send_error(q, 400,
		    "status must be applied, testing, active, suspended or deregistered", "status");
		return;
	}
	if (reg_server_list(q->ctx->db, status, &v, &n) != REG_OK) {
		send_error(q, 503, "database busy", NULL);
		return;
	}
	a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, server_full(&v[i]));
	reg_server_list_free(v, n);
	send_json(q, 200, json_pack("{s:o}", "servers", a));
}

void
reg_api_admin_server(struct reg_req *q)
{
	char host[REG_HOSTNAME_MAX + 1];
	const char *why;
	struct reg_server s;
	struct reg_history *h;
	struct reg_cert_run *runs;
	struct reg_report *reps;
	char **sp;
	size_t nh, nr, nrep, nsp;
	json_t *o, *a;
	int rc;

	if (reg_validate_hostname(q->segs[3], host, sizeof(host), &why) < 0) {
		send_error(q, 400, "hostname is not valid", "hostname");
		return;
	}
	if ((rc = reg_server_get(q->ctx->db, host, &s)) != REG_OK) {
		send_error(q, reg_action_http_status(rc),
		    rc == REG_ENOTFOUND ? "no such server" : reg_err_str(rc), NULL);
		return;
	}
	o = server_full(&s);
	if (reg_server_history(q->ctx->db, s.id, &h, &nh) == REG_OK) {
		a = json_array();
		for (size_t i = 0; i < nh; i++)
			json_array_append_new(a,
			    json_pack("{s:I, s:s, s:s, s:s, s:s, s:s}", "at", (json_int_t)h[i].at,
			        "actor", h[i].actor, "event", h[i].event, "from", h[i].from_status,
			        "to", h[i].to_status, "reason", h[i].reason));
		reg_server_history_free(h, nh);
		json_object_set_new(o, "history", a);
	}
	if (reg_server_sponsors(q->ctx->db, s.id, &sp, &nsp) == REG_OK) {
		a = json_array();
		for (size_t i = 0; i < nsp; i++) {
			json_array_append_new(a, json_string(sp[i]));
			free(sp[i]);
		}
		free(sp);
		json_object_set_new(o, "sponsored_by", a);
	}
	if (reg_server_cert_runs(q->ctx->db, s.id, 5, &runs, &nr) == REG_OK) {
		a = json_array();
		for (size_t i = 0; i < nr; i++) {
			json_t *rep = json_loads(runs[i].report, 0, NULL);
			json_array_append_new(a,
			    json_pack("{s:I, s:I, s:I, s:b, s:s, s:o}", "id",
			        (json_int_t)runs[i].id, "started", (json_int_t)runs[i].started,
			        "finished", (json_int_t)runs[i].finished, "passed", runs[i].passed,
			        "summary", runs[i].summary, "report", rep ? rep : json_null()));
		}
		reg_server_cert_runs_free(runs, nr);
		json_object_set_new(o, "certifications", a);
	}
	if (reg_report_list(q->ctx->db, NULL, s.id, &reps, &nrep) == REG_OK) {
		a = json_array();
		for (size_t i = 0; i < nrep; i++)
			json_array_append_new(a, report_json(&reps[i]));
		reg_report_list_free(reps, nrep);
		json_object_set_new(o, "reports", a);
	}
	reg_server_clear(&s);
	send_json(q, 200, o);
}

void
reg_api_admin_action(struct reg_req *q)
{
	struct reg_input_json j;
	struct reg_input_src src;
	struct reg_action_out out;

	/* an empty body is fine for actions that need no reason */
	memset(&j, 0, sizeof(j));
	if (q->body_len > 0 && open_body(q, &j) < 0)
		return;
	src = reg_input_json_src(&j);
	reg_action_server(q, q->segs[3], q->segs[4], &src, &out);
	reg_input_json_close(&j);
	send_action(q, &out,
	    json_pack("{s:s, s:s, s:s, s:s}", "hostname", out.hostname, "from", out.wf.from, "to",
	        out.wf.to, "message", out.msg));
}

void
reg_api_admin_reports(struct reg_req *q)
{
	const char *status = reg_http_query(q, "status");
	struct reg_report *v;
	size_t n;
	json_t *a;

	if (status && strcmp(status, "new") != 0 && strcmp(status, "confirmed") != 0 &&
	    strcmp(status, "dismissed") != 0) {
		send_error(q, 400, "status must be new, confirmed or dismissed", "status");
		return;
	}
	if (reg_report_list(q->ctx->db, status, 0, &v, &n) != REG_OK) {
		send_error(q, 503, "database busy", NULL);
		return;
	}
	a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, report_json(&v[i]));
	reg_report_list_free(v, n);
	send_json(q, 200, json_pack("{s:o}", "reports", a));
}

void
reg_api_admin_report(struct reg_req *q)
{
	struct reg_report r;
	long long id;
	json_t *o;
	int rc;

	if (str_to_ll(q->segs[3], 1, 1LL << 62, &id) < 0) {
		send_error(q, 404, "no such report", NULL);
		return;
	}
	if ((rc = reg_report_get(q->ctx->db, id, &r)) != REG_OK) {
		send_error(q, reg_action_http_status(rc),
		    rc == REG_ENOTFOUND ? "no such report" : reg_err_str(rc), NULL);
		return;
	}
	o = report_json(&r);
	/* the stored source may hold any octets: JSON gets valid UTF-8 */
	{
		char *m = xmemdup(r.message, r.message_len);
		for (size_t i = 0; i < r.message_len; i++)
			if (m[i] == '\0')
				m[i] = '?';
		reg_validate_utf8_fix(m, 1);
		json_object_set_new(o, "message", json_string(m));
		free(m);
	}
	reg_report_clear(&r);
	send_json(q, 200, o);
}

void
reg_api_admin_report_action(struct reg_req *q)
{
	struct reg_input_json j;
	struct reg_input_src src;
	struct reg_action_out out;

	memset(&j, 0, sizeof(j));
	if (q->body_len > 0 && open_body(q, &j) < 0)
		return;
	src = reg_input_json_src(&j);
	reg_action_decide(q, q->segs[3], q->segs[4], &src, &out);
	reg_input_json_close(&j);
	send_action(q, &out,
	    json_pack("{s:s, s:s, s:s}", "message", out.msg, "server_from", out.wf.from,
	        "server_to", out.wf.to));
}
