/*
 * reg_web_admin: the admin pages: the queue of applications with their
 * test reports, reports to confirm, a server's record with its actions
 * and history, a report with its message (see reg_web.h). Every form
 * carries the signed-in token's CSRF value, checked before any change.
 */
#include "reg_web.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "reg_action.h"
#include "reg_err.h"
#include "reg_html.h"
#include "reg_report.h"
#include "reg_server.h"
#include "reg_token.h"
#include "util/str.h"

static void
csrf_input(struct strbuf *sb, const struct reg_req *q)
{
	reg_html_raw(sb, "<input type=\"hidden\" name=\"csrf\" value=\"");
	reg_html_raw(sb, q->csrf);
	reg_html_raw(sb, "\">");
}

/* The form's CSRF value is the signed-in session's. */
static int
csrf_ok(struct reg_req *q)
{
	const char *got = q->have_form ? evhttp_find_header(&q->form, "csrf") : NULL;

	return got && q->csrf[0] && reg_token_equal(got, q->csrf);
}

static void
server_link(struct strbuf *sb, const char *host)
{
	reg_html_raw(sb, "<a href=\"/admin/servers/");
	reg_html_esc(sb, host);
	reg_html_raw(sb, "\">");
	reg_html_esc(sb, host);
	reg_html_raw(sb, "</a>");
}

static void
servers_table(struct reg_req *q, struct strbuf *sb, const char *const *statuses, const char *id)
{
	reg_html_raw(sb, "<table id=\"");
	reg_html_raw(sb, id);
	reg_html_raw(sb,
	    "\"><tr><th>Server</th><th>Status</th><th>Certification</th><th>Sponsors"
	    "</th><th>Class</th><th>Applied</th></tr>");
	for (int k = 0; statuses[k]; k++) {
		struct reg_server *v;
		size_t n;

		if (reg_server_list(q->ctx->db, statuses[k], &v, &n) != REG_OK)
			continue;
		for (size_t i = 0; i < n; i++) {
			reg_html_raw(sb, "<tr><td>");
			server_link(sb, v[i].hostname);
			reg_html_raw(sb, "</td><td>");
			reg_html_status(sb, v[i].status);
			reg_html_raw(sb, "</td><td>");
			reg_html_status(sb, v[i].cert_status);
			strbuf_printf(sb, "</td><td>%d</td><td>", v[i].nsponsors);
			reg_html_esc(sb, v[i].mclass);
			reg_html_raw(sb, "</td><td>");
			reg_html_time(sb, v[i].applied_at);
			reg_html_raw(sb, "</td></tr>");
		}
		reg_server_list_free(v, n);
	}
	reg_html_raw(sb, "</table>\n");
}

void
reg_web_admin(struct reg_req *q)
{
	static const char *const pending[] = { "applied", "testing", NULL };
	static const char *const registered[] = { "active", "suspended", NULL };
	struct reg_report *v;
	size_t n;
	struct strbuf sb;

	strbuf_init(&sb, REG_HTML_MAX);
	reg_html_begin(&sb, q, "Administration");
	reg_html_raw(&sb, "<form method=\"post\" action=\"/admin/logout\" class=\"inline\">");
	csrf_input(&sb, q);
	reg_html_raw(&sb, "<button type=\"submit\" id=\"logout\">Sign out</button></form>");
	reg_html_raw(&sb, "<h2>Applications</h2>");
	servers_table(q, &sb, pending, "applications");
	reg_html_raw(&sb,
	    "<h2>Reports to confirm</h2><table id=\"reports\"><tr><th>#</th>"
	    "<th>Server</th><th>Its queue id</th><th>Subject</th><th>Source</th><th>Received</th></tr>");
	if (reg_report_list(q->ctx->db, "new", 0, &v, &n) == REG_OK) {
		for (size_t i = 0; i < n; i++) {
			strbuf_printf(&sb,
			    "<tr><td><a href=\"/admin/reports/%lld\">%lld</a></td><td>", v[i].id,
			    v[i].id);
			reg_html_esc(&sb, v[i].server[0] ? v[i].server : "-");
			reg_html_raw(&sb, "</td><td>");
			reg_html_esc(&sb, v[i].tracking_id);
			reg_html_raw(&sb, "</td><td>");
			reg_html_esc(&sb, v[i].subject);
			reg_html_raw(&sb, "</td><td>");
			reg_html_esc(&sb, v[i].source);
			reg_html_raw(&sb, "</td><td>");
			reg_html_time(&sb, v[i].received_at);
			reg_html_raw(&sb, "</td></tr>");
		}
		reg_report_list_free(v, n);
	}
	reg_html_raw(&sb, "</table><h2>Registered servers</h2>");
	servers_table(q, &sb, registered, "registered");
	reg_html_end(&sb);
	reg_html_send(q, 200, &sb);
}

static void
action_form(struct strbuf *sb, const struct reg_req *q, const char *host, const char *verb,
    const char *label, int reason, int danger, int force)
{
	reg_html_raw(sb, "<form method=\"post\" class=\"inline\" action=\"/admin/servers/");
	reg_html_esc(sb, host);
	reg_html_raw(sb, "/");
	reg_html_raw(sb, verb);
	reg_html_raw(sb, "\">");
	csrf_input(sb, q);
	if (reason) {
		reg_html_raw(sb, "<input type=\"text\" name=\"reason\" id=\"reason-");
		reg_html_raw(sb, verb);
		reg_html_raw(sb, "\" placeholder=\"reason\">");
	}
	if (force)
		reg_html_raw(sb,
		    "<label><input type=\"checkbox\" name=\"force\" value=\"yes\"> "
		    "even if not certified</label> ");
	reg_html_raw(sb, "<button type=\"submit\" id=\"");
	reg_html_raw(sb, verb);
	reg_html_raw(sb, danger ? "\" class=\"danger\">" : "\">");
	reg_html_raw(sb, label);
	reg_html_raw(sb, "</button></form>");
}

static void
cert_runs(struct reg_req *q, struct strbuf *sb, long long id)
{
	struct reg_cert_run *runs;
	size_t nr;

	if (reg_server_cert_runs(q->ctx->db, id, 3, &runs, &nr) != REG_OK)
		return;
	reg_html_raw(sb, "<h2>Certification</h2>");
	if (nr == 0)
		reg_html_raw(sb, "<p class=\"muted\">No tests have run yet.</p>");
	for (size_t i = 0; i < nr; i++) {
		json_t *doc = json_loads(runs[i].report, 0, NULL), *rs, *run;
		size_t k;

		reg_html_raw(sb, "<p class=\"cert-summary\">");
		reg_html_status(sb, runs[i].passed ? "pass" : "fail");
		reg_html_raw(sb, " ");
		reg_html_esc(sb, runs[i].summary);
		reg_html_raw(sb, " &middot; ");
		reg_html_time(sb, runs[i].finished);
		reg_html_raw(sb, "</p>");
		rs = doc ? json_object_get(doc, "runs") : NULL;
		json_array_foreach(rs, k, run)
		{
			json_t *tests = json_object_get(run, "tests"), *t;
			size_t m;

			reg_html_raw(sb, "<table class=\"cert\"><tr><th colspan=\"3\">Address ");
			reg_html_esc(sb, json_string_value(json_object_get(run, "address")));
			{
				const char *src = json_string_value(json_object_get(run, "source"));
				if (src && src[0]) {
					reg_html_raw(sb, " from ");
					reg_html_esc(sb, src);
				}
			}
			reg_html_raw(sb, "</th></tr>");
			json_array_foreach(tests, m, t)
			{
				reg_html_raw(sb, "<tr><td>");
				reg_html_esc(sb, json_string_value(json_object_get(t, "name")));
				reg_html_raw(sb, "</td><td>");
				reg_html_status(
				    sb, json_string_value(json_object_get(t, "verdict")));
				reg_html_raw(sb, "</td><td>");
				reg_html_esc(sb, json_string_value(json_object_get(t, "detail")));
				reg_html_raw(sb, "</td></tr>");
			}
			reg_html_raw(sb, "</table><details><summary>Transcript</summary><pre>");
			reg_html_esc(sb, json_string_value(json_object_get(run, "transcript")));
			reg_html_raw(sb, "</pre></details>");
		}
		json_decref(doc);
	}
	reg_server_cert_runs_free(runs, nr);
}

static void
server_admin_page(struct reg_req *q, const char *input, int status, const char *error)
{
	char host[REG_HOSTNAME_MAX + 1];
	const char *why;
	struct reg_server s;
	struct reg_history *h;
	struct reg_report *reps;
	size_t nh, nrep;
	struct strbuf sb;

	if (reg_validate_hostname(input, host, sizeof(host), &why) < 0 ||
	    reg_server_get(q->ctx->db, host, &s) != REG_OK) {
		reg_web_not_found(q);
		return;
	}
	strbuf_init(&sb, REG_HTML_MAX);
	reg_html_begin(&sb, q, s.hostname);
	if (error) {
		reg_html_raw(&sb, "<p class=\"error\" id=\"error\">");
		reg_html_esc(&sb, error);
		reg_html_raw(&sb, "</p>");
	}
	reg_html_server_facts(&sb, &s);
	reg_html_raw(&sb, "</dd><dt>Owner</dt><dd>");
	reg_html_esc(&sb, s.owner_name);
	reg_html_raw(&sb, " (");
	reg_html_esc(&sb, s.owner_kind);
	if (s.business_number[0]) {
		reg_html_raw(&sb, ", no. ");
		reg_html_esc(&sb, s.business_number);
	}
	reg_html_raw(&sb, ")<br>");
	reg_html_esc(&sb, s.owner_address);
	reg_html_raw(&sb, "<br>");
	reg_html_esc(&sb, s.owner_phone);
	reg_html_raw(&sb, " &middot; ");
	reg_html_esc(&sb, s.owner_email);
	reg_html_raw(&sb, "</dd><dt>Admin contact</dt><dd>");
	reg_html_esc(&sb, s.admin_contact);
	reg_html_raw(&sb, "</dd><dt>Domain age</dt><dd>");
	reg_html_esc(&sb, s.domain_age_note[0] ? s.domain_age_note : "-");
	strbuf_printf(&sb, "</dd><dt>Sponsors</dt><dd>%d</dd><dt>Bond</dt><dd id=\"bond\">%lld (",
	    s.nsponsors, s.bond_amount);
	reg_html_esc(&sb, s.bond_status);
	reg_html_raw(&sb, ")</dd><dt>Applied</dt><dd>");
	reg_html_time(&sb, s.applied_at);
	reg_html_raw(&sb, "</dd><dt>Registered</dt><dd>");
	reg_html_time(&sb, s.registered_at);
	reg_html_raw(&sb, "</dd><dt>Fee due</dt><dd>");
	reg_html_time(&sb, s.fee_due);
	reg_html_raw(&sb, "</dd></dl><h2>Actions</h2><div class=\"actions\">");
	if (strcmp(s.status, "applied") == 0)
		action_form(&sb, q, s.hostname, "approve", "Approve", 0, 0, 1);
	if (strcmp(s.status, "deregistered") != 0 && strcmp(s.status, "testing") != 0)
		action_form(&sb, q, s.hostname, "certify", "Run tests", 0, 0, 0);
	if (strcmp(s.status, "active") == 0)
		action_form(&sb, q, s.hostname, "suspend", "Suspend", 1, 1, 0);
	if (strcmp(s.status, "suspended") == 0)
		action_form(&sb, q, s.hostname, "reinstate", "Reinstate", 1, 0, 0);
	if (strcmp(s.status, "deregistered") != 0)
		action_form(&sb, q, s.hostname, "deregister", "Deregister", 1, 1, 0);
	reg_html_raw(&sb, "</div>");
	cert_runs(q, &sb, s.id);
	reg_html_raw(&sb,
	    "<h2>History</h2><table id=\"history\"><tr><th>When</th><th>Who</th>"
	    "<th>Event</th><th>Status</th><th>Why</th></tr>");
	if (reg_server_history(q->ctx->db, s.id, &h, &nh) == REG_OK) {
		for (size_t i = 0; i < nh; i++) {
			reg_html_raw(&sb, "<tr><td>");
			reg_html_time(&sb, h[i].at);
			reg_html_raw(&sb, "</td><td>");
			reg_html_esc(&sb, h[i].actor);
			reg_html_raw(&sb, "</td><td>");
			reg_html_esc(&sb, h[i].event);
			reg_html_raw(&sb, "</td><td>");
			reg_html_esc(&sb, h[i].from_status);
			if (strcmp(h[i].from_status, h[i].to_status) != 0) {
				reg_html_raw(&sb, " &rarr; ");
				reg_html_esc(&sb, h[i].to_status);
			}
			reg_html_raw(&sb, "</td><td>");
			reg_html_esc(&sb, h[i].reason);
			reg_html_raw(&sb, "</td></tr>");
		}
		reg_server_history_free(h, nh);
	}
	reg_html_raw(&sb,
	    "</table><h2>Abuse reports</h2><table><tr><th>#</th><th>Status</th>"
	    "<th>Queue id</th><th>Subject</th></tr>");
	if (reg_report_list(q->ctx->db, NULL, s.id, &reps, &nrep) == REG_OK) {
		for (size_t i = 0; i < nrep; i++) {
			strbuf_printf(&sb,
			    "<tr><td><a href=\"/admin/reports/%lld\">%lld</a></td><td>", reps[i].id,
			    reps[i].id);
			reg_html_status(&sb, reps[i].status);
			reg_html_raw(&sb, "</td><td>");
			reg_html_esc(&sb, reps[i].tracking_id);
			reg_html_raw(&sb, "</td><td>");
			reg_html_esc(&sb, reps[i].subject);
			reg_html_raw(&sb, "</td></tr>");
		}
		reg_report_list_free(reps, nrep);
	}
	reg_html_raw(&sb, "</table>");
	reg_html_end(&sb);
	reg_server_clear(&s);
	reg_html_send(q, status, &sb);
}

void
reg_web_admin_server(struct reg_req *q)
{
	server_admin_page(q, q->segs[2], 200, NULL);
}

void
reg_web_admin_action(struct reg_req *q)
{
	struct reg_input_src src = reg_http_form_src(q);
	struct reg_action_out out;
	char path[600];

	if (!csrf_ok(q)) {
		server_admin_page(
		    q, q->segs[2], 403, "The form was stale or forged; reload the page.");
		return;
	}
	reg_action_server(q, q->segs[2], q->segs[3], &src, &out);
	if (out.status >= 400) {
		server_admin_page(q, q->segs[2], out.status, out.msg);
		return;
	}
	snprintf(path, sizeof(path), "/admin/servers/%s", out.hostname);
	reg_http_redirect(q, path);
}

static void
report_admin_page(struct reg_req *q, const char *id_text, int status, const char *error)
{
	struct reg_report r;
	long long id;
	struct strbuf sb;
	char title[64];

	if (str_to_ll(id_text, 1, 1LL << 62, &id) < 0 ||
	    reg_report_get(q->ctx->db, id, &r) != REG_OK) {
		reg_web_not_found(q);
		return;
	}
	strbuf_init(&sb, REG_HTML_MAX);
	snprintf(title, sizeof(title), "Report %lld", id);
	reg_html_begin(&sb, q, title);
	if (error) {
		reg_html_raw(&sb, "<p class=\"error\" id=\"error\">");
		reg_html_esc(&sb, error);
		reg_html_raw(&sb, "</p>");
	}
	reg_html_raw(&sb, "<dl><dt>Status</dt><dd>");
	reg_html_raw(&sb, "<span id=\"report-status\" class=\"status status-");
	reg_html_esc(&sb, r.status);
	reg_html_raw(&sb, "\">");
	reg_html_esc(&sb, r.status);
	reg_html_raw(&sb, "</span></dd><dt>Server</dt><dd>");
	if (r.server[0])
		server_link(&sb, r.server);
	else
		reg_html_raw(&sb, "not linked");
	reg_html_raw(&sb, "</dd><dt>Handed off by</dt><dd>");
	reg_html_esc(&sb, r.handoff_host);
	reg_html_raw(&sb, " ");
	reg_html_esc(&sb, r.handoff_ip);
	reg_html_raw(&sb, "</dd><dt>Its queue id</dt><dd>");
	reg_html_esc(&sb, r.tracking_id);
	reg_html_raw(&sb, "</dd><dt>Source</dt><dd>");
	reg_html_esc(&sb, r.source);
	reg_html_raw(&sb, " / ");
	reg_html_esc(&sb, r.feedback_type);
	reg_html_raw(&sb, "</dd><dt>Reporter</dt><dd>");
	reg_html_esc(&sb, r.reporter);
	reg_html_raw(&sb, "</dd><dt>Comment</dt><dd>");
	reg_html_esc(&sb, r.comment);
	if (r.trap_note[0]) {
		reg_html_raw(&sb, "</dd><dt>Spam trap</dt><dd id=\"trap-note\">");
		reg_html_esc(&sb, r.trap_note);
	}
	reg_html_raw(&sb, "</dd><dt>From address</dt><dd>");
	reg_html_esc(&sb, r.client[0] ? r.client : "-");
	reg_html_raw(&sb, "</dd><dt>Received</dt><dd>");
	reg_html_time(&sb, r.received_at);
	reg_html_raw(&sb, "</dd><dt>Decision</dt><dd>");
	reg_html_esc(&sb, r.decided_by);
	reg_html_raw(&sb, " ");
	reg_html_esc(&sb, r.decision_reason);
	reg_html_raw(&sb, "</dd></dl>");
	if (strcmp(r.status, "new") == 0) {
		for (int k = 0; k < 2; k++) {
			const char *verb = k == 0 ? "confirm" : "dismiss";
			strbuf_printf(&sb,
			    "<form method=\"post\" class=\"inline\" action=\"/admin/reports/"
			    "%lld/%s\">",
			    r.id, verb);
			csrf_input(&sb, q);
			strbuf_printf(&sb,
			    "<input type=\"text\" name=\"reason\" id=\"reason-%s\" "
			    "placeholder=\"reason\"><button type=\"submit\" id=\"%s\"%s>%s</button></form>",
			    verb, verb, k == 0 ? " class=\"danger\"" : "",
			    k == 0 ? "Confirm abuse" : "Dismiss");
		}
	}
	reg_html_raw(&sb, "<h2>Message</h2><pre id=\"message\">");
	reg_html_escn(&sb, r.message, r.message_len);
	reg_html_raw(&sb, "</pre>");
	reg_html_end(&sb);
	reg_report_clear(&r);
	reg_html_send(q, status, &sb);
}

void
reg_web_admin_report(struct reg_req *q)
{
	report_admin_page(q, q->segs[2], 200, NULL);
}

void
reg_web_admin_report_action(struct reg_req *q)
{
	struct reg_input_src src = reg_http_form_src(q);
	struct reg_action_out out;
	char path[128];

	if (!csrf_ok(q)) {
		report_admin_page(
		    q, q->segs[2], 403, "The form was stale or forged; reload the page.");
		return;
	}
	reg_action_decide(q, q->segs[2], q->segs[3], &src, &out);
	if (out.status >= 400) {
		report_admin_page(q, q->segs[2], out.status, out.msg);
		return;
	}
	snprintf(path, sizeof(path), "/admin/reports/%.40s", q->segs[2]);
	reg_http_redirect(q, path);
}
