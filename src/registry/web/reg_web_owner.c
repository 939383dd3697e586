/*
 * reg_web_owner: the owners' pages (see reg_web.h). An owner signs in
 * with the owner token the application gave (the API's credential); the
 * browser gets a session of its own (cookie vr_owner, Path=/owner), never
 * the token, and never one that admin pages accept. The page shows the
 * owner's server only: its status and what it means, its certification
 * runs with each failed test named and why, the reports against it, its
 * history, and (for an active server) the offender lookup. Every value is
 * escaped.
 */
#include "reg_web.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "reg_err.h"
#include "reg_html.h"
#include "reg_owner.h"
#include "reg_report.h"
#include "reg_server.h"
#include "reg_session.h"
#include "reg_token.h"
#include "reg_validate.h"
#include "util/str.h"

static void
login_page(struct reg_req *q, int status, const char *error)
{
	struct strbuf sb;

	strbuf_init(&sb, REG_HTML_MAX);
	reg_html_begin(&sb, q, "Owner sign-in");
	if (error) {
		reg_html_raw(&sb, "<div class=\"error\" id=\"errors\" role=\"alert\"><ul><li>");
		reg_html_esc(&sb, error);
		reg_html_raw(&sb, "</li></ul></div>");
	}
	reg_html_raw(&sb,
	    "<p>Sign in with the owner token you were given when your server applied"
	    " (<code>vr_…</code>) to see its status, its test results, the reports"
	    " against it and its history.</p>"
	    "<form method=\"post\" action=\"/owner/login\" class=\"stack\">"
	    "<label for=\"token\">Owner token <span class=\"required\" title=\"required\">*"
	    "</span></label><input type=\"password\" id=\"token\" name=\"token\""
	    " autocomplete=\"off\" required aria-required=\"true\">"
	    "<button type=\"submit\" id=\"login\">Sign in</button></form>");
	reg_html_end(&sb);
	reg_html_send(q, status, &sb);
}

void
reg_web_owner_login_form(struct reg_req *q)
{
	login_page(q, 200, NULL);
}

void
reg_web_owner_login(struct reg_req *q)
{
	const char *tok = q->have_form ? evhttp_find_header(&q->form, "token") : NULL;
	enum reg_token_role role;
	long long sid = 0, now = (long long)time(NULL), ttl = q->ctx->cfg->admin_session_ttl / 1000;
	char id[REG_SESSION_ID_LEN + 1];

	if (tok == NULL || strlen(tok) >= REG_TOKEN_MAX ||
	    reg_token_check(q->ctx->db, tok, &role, &sid) != REG_OK || role != REG_ROLE_OWNER ||
	    sid <= 0) {
		login_page(q, 401, "That is not a valid owner token.");
		return;
	}
	reg_session_prune(q->ctx->db, now);
	if (reg_session_create(q->ctx->db, reg_token_id(tok), now, ttl, id) != REG_OK) {
		login_page(q, 503, "The registry is busy; try again.");
		return;
	}
	reg_http_owner_cookie(q, id, ttl);
	reg_http_redirect(q, "/owner");
}

void
reg_web_owner_logout(struct reg_req *q)
{
	const char *got = q->have_form ? evhttp_find_header(&q->form, "csrf") : NULL;

	if (q->web_owner_id > 0) {
		/* a page elsewhere must not be able to sign an owner out */
		if (got == NULL || !reg_token_equal(got, q->owner_csrf)) {
			login_page(
			    q, 403, "The sign-out form was stale or forged; reload the page.");
			return;
		}
		reg_session_revoke(q->ctx->db, q->owner_session);
	}
	reg_http_owner_cookie(q, "", 0);
	reg_http_redirect(q, "/");
}

/* What a status means for the owner, and what to do. */
static const char *
status_help(const char *status, const char *cert)
{
	if (strcmp(status, "applied") == 0 && strcmp(cert, "failed") == 0)
		return "Your server failed the certification tests: fix what the failed tests"
		       " below say, then ask the registry (or a sponsor) to run them again.";
	if (strcmp(status, "applied") == 0 && strcmp(cert, "review") == 0)
		return "The tests wait for a person: an address of your server is not public."
		       " An administrator or a sponsoring server starts them.";
	if (strcmp(status, "applied") == 0 && strcmp(cert, "passed") == 0)
		return "Your server passed the tests and waits for approval (by an administrator,"
		       " or by enough sponsors).";
	if (strcmp(status, "applied") == 0 || strcmp(status, "testing") == 0)
		return "Your application is being processed; the tests run soon.";
	if (strcmp(status, "active") == 0)
		return "Your server is registered: receivers that consult the register accept"
		       " its mail.";
	if (strcmp(status, "suspended") == 0)
		return "Your server is suspended: receivers refuse its mail or file it as unsafe."
		       " Find and stop the abuse the reports below show, then tell the registry;"
		       " an administrator reinstates the server.";
	return "Your server is no longer registered.";
}

/* The certification runs: failed tests first, named with the reason. */
static void
tests_section(struct reg_req *q, struct strbuf *sb, long long id)
{
	struct reg_cert_run *runs;
	size_t nr;

	reg_html_raw(sb, "<h2>Certification tests</h2><div id=\"tests\">");
	if (reg_server_cert_runs(q->ctx->db, id, 3, &runs, &nr) != REG_OK) {
		reg_html_raw(
		    sb, "<p class=\"error\">The test results cannot be read now.</p></div>");
		return;
	}
	if (nr == 0)
		reg_html_raw(sb, "<p class=\"muted\">No tests have run yet.</p>");
	for (size_t i = 0; i < nr; i++) {
		json_t *doc = json_loads(runs[i].report, 0, NULL), *rs, *run, *t;
		size_t k, m;
		int nfailed = 0;

		strbuf_printf(sb, "<section class=\"cert-run\" id=\"run-%zu\"><h3>", i);
		reg_html_raw(sb, i == 0 ? "Latest run, " : "Earlier run, ");
		reg_html_time(sb, runs[i].finished);
		reg_html_raw(sb, ": ");
		reg_html_status(sb, runs[i].passed ? "passed" : "failed");
		reg_html_raw(sb, "</h3><p class=\"cert-summary\">");
		reg_html_esc(sb, runs[i].summary);
		reg_html_raw(sb, "</p>");
		rs = doc ? json_object_get(doc, "runs") : NULL;
		/* each failed test by name, with why: what the owner has to fix */
		json_array_foreach(rs, k, run)
		{
			json_array_foreach(json_object_get(run, "tests"), m, t)
			{
				const char *v = json_string_value(json_object_get(t, "verdict"));
				if (v && strcmp(v, "pass") == 0)
					continue;
				if (nfailed++ == 0)
					reg_html_raw(
					    sb, "<h4>Failed tests</h4><ul class=\"failed-tests\">");
				reg_html_raw(sb, "<li><strong class=\"test-name\">");
				reg_html_esc(sb, json_string_value(json_object_get(t, "name")));
				reg_html_raw(sb, "</strong> (");
				reg_html_esc(
				    sb, json_string_value(json_object_get(run, "address")));
				reg_html_raw(sb, "): <span class=\"why\">");
				reg_html_esc(sb, json_string_value(json_object_get(t, "detail")));
				reg_html_raw(sb, "</span></li>");
			}
		}
		if (nfailed)
			reg_html_raw(sb, "</ul>");
		json_array_foreach(rs, k, run)
		{
			reg_html_raw(sb, "<table class=\"cert\"><tr><th colspan=\"3\">Address ");
			reg_html_esc(sb, json_string_value(json_object_get(run, "address")));
			reg_html_raw(
			    sb, "</th></tr><tr><th>Test</th><th>Result</th><th>Why</th></tr>");
			json_array_foreach(json_object_get(run, "tests"), m, t)
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
			reg_html_raw(
			    sb, "</table><details><summary>Session transcript</summary><pre>");
			reg_html_esc(sb, json_string_value(json_object_get(run, "transcript")));
			reg_html_raw(sb, "</pre></details>");
		}
		reg_html_raw(sb, "</section>");
		json_decref(doc);
	}
	reg_html_raw(sb, "</div>");
	reg_server_cert_runs_free(runs, nr);
}

static void
reports_section(struct reg_req *q, struct strbuf *sb, long long id)
{
	struct reg_report *reps;
	size_t n;

	reg_html_raw(sb,
	    "<h2>Reports against this server</h2><table id=\"reports\"><tr><th>#</th>"
	    "<th>Received</th><th>Status</th><th>Your queue id</th><th>Subject</th>"
	    "<th>Decision</th></tr>");
	if (reg_report_list(q->ctx->db, NULL, id, &reps, &n) == REG_OK) {
		for (size_t i = 0; i < n; i++) {
			strbuf_printf(sb, "<tr><td>%lld</td><td>", reps[i].id);
			reg_html_time(sb, reps[i].received_at);
			reg_html_raw(sb, "</td><td>");
			reg_html_status(sb, reps[i].status);
			reg_html_raw(sb, "</td><td>");
			reg_html_esc(sb, reps[i].tracking_id);
			reg_html_raw(sb, "</td><td>");
			reg_html_esc(sb, reps[i].subject);
			reg_html_raw(sb, "</td><td>");
			reg_html_esc(sb, reps[i].decision_reason);
			reg_html_raw(sb, "</td></tr>");
		}
		if (n == 0)
			reg_html_raw(sb, "<tr><td colspan=\"6\" class=\"muted\">None.</td></tr>");
		reg_report_list_free(reps, n);
	}
	reg_html_raw(sb, "</table>");
}

static void
history_section(struct reg_req *q, struct strbuf *sb, long long id)
{
	struct reg_history *h;
	size_t n;

	reg_html_raw(sb,
	    "<h2>History</h2><table id=\"history\"><tr><th>When</th><th>Who</th>"
	    "<th>Event</th><th>Status</th><th>Why</th></tr>");
	if (reg_server_history(q->ctx->db, id, &h, &n) == REG_OK) {
		for (size_t i = 0; i < n; i++) {
			reg_html_raw(sb, "<tr><td>");
			reg_html_time(sb, h[i].at);
			reg_html_raw(sb, "</td><td>");
			reg_html_esc(sb, h[i].actor);
			reg_html_raw(sb, "</td><td>");
			reg_html_esc(sb, h[i].event);
			reg_html_raw(sb, "</td><td>");
			reg_html_esc(sb, h[i].from_status);
			if (strcmp(h[i].from_status, h[i].to_status) != 0) {
				reg_html_raw(sb, " &rarr; ");
				reg_html_esc(sb, h[i].to_status);
			}
			reg_html_raw(sb, "</td><td>");
			reg_html_esc(sb, h[i].reason);
			reg_html_raw(sb, "</td></tr>");
		}
		reg_server_history_free(h, n);
	}
	reg_html_raw(sb, "</table>");
}

/* The seed's offender lookup: owners of active servers look up a user
 * another owner recorded after an incident, by that owner's reference. */
static void
offenders_section(struct reg_req *q, struct strbuf *sb)
{
	const char *ref = reg_http_query(q, "reference"), *why;
	struct reg_offender *v;
	size_t n;

	reg_html_raw(sb,
	    "<h2>Offender lookup</h2><form method=\"get\" action=\"/owner\" class=\"stack\">"
	    "<label for=\"reference\">Reference another owner recorded "
	    "<span class=\"required\" title=\"required\">*</span></label>"
	    "<input type=\"text\" id=\"reference\" name=\"reference\" aria-required=\"true\""
	    " value=\"");
	reg_html_esc(sb, ref ? ref : "");
	reg_html_raw(
	    sb, "\"><button type=\"submit\" id=\"lookup-offender\">Look up</button></form>");
	if (ref == NULL)
		return;
	if (reg_validate_text(ref, 200, 1, 0, &why) < 0) {
		reg_html_raw(sb,
		    "<div class=\"error\" id=\"errors\" role=\"alert\"><ul><li>"
		    "<a href=\"#reference\">Reference</a> ");
		reg_html_esc(sb, why);
		reg_html_raw(sb, "</li></ul></div>");
		return;
	}
	if (reg_owner_offenders(q->ctx->db, ref, &v, &n) != REG_OK) {
		reg_html_raw(sb, "<p class=\"error\">The registry is busy; try again.</p>");
		return;
	}
	reg_html_raw(sb,
	    "<table id=\"offenders\"><tr><th>Recorded by</th><th>Reference</th>"
	    "<th>Note</th><th>When</th></tr>");
	for (size_t i = 0; i < n; i++) {
		reg_html_raw(sb, "<tr><td>");
		reg_html_esc(sb, v[i].server);
		reg_html_raw(sb, "</td><td>");
		reg_html_esc(sb, v[i].reference);
		reg_html_raw(sb, "</td><td>");
		reg_html_esc(sb, v[i].note);
		reg_html_raw(sb, "</td><td>");
		reg_html_time(sb, v[i].created_at);
		reg_html_raw(sb, "</td></tr>");
	}
	if (n == 0)
		reg_html_raw(sb, "<tr><td colspan=\"4\" class=\"muted\">No records.</td></tr>");
	reg_html_raw(sb, "</table>");
	reg_owner_offenders_free(v, n);
}

void
reg_web_owner(struct reg_req *q)
{
	struct reg_server s;
	struct strbuf sb;

	if (reg_server_get_id(q->ctx->db, q->web_owner_id, &s) != REG_OK) {
		reg_web_not_found(q);
		return;
	}
	strbuf_init(&sb, REG_HTML_MAX);
	reg_html_begin(&sb, q, s.hostname);
	reg_html_server_facts(&sb, &s);
	strbuf_printf(&sb, "</dd><dt>Sponsors</dt><dd>%d</dd><dt>Bond</dt><dd id=\"bond\">%lld (",
	    s.nsponsors, s.bond_amount);
	reg_html_esc(&sb, s.bond_status);
	reg_html_raw(&sb, ")</dd><dt>Registered</dt><dd>");
	reg_html_time(&sb, s.registered_at);
	reg_html_raw(&sb, "</dd><dt>Fee due</dt><dd>");
	reg_html_time(&sb, s.fee_due);
	reg_html_raw(&sb, "</dd></dl><p id=\"status-help\">");
	reg_html_esc(&sb, status_help(s.status, s.cert_status));
	reg_html_raw(&sb, "</p>");
	tests_section(q, &sb, s.id);
	reports_section(q, &sb, s.id);
	history_section(q, &sb, s.id);
	if (strcmp(s.status, "active") == 0)
		offenders_section(q, &sb);
	reg_html_raw(&sb,
	    "<form method=\"post\" action=\"/owner/logout\">"
	    "<input type=\"hidden\" name=\"csrf\" value=\"");
	reg_html_raw(&sb, q->owner_csrf);
	reg_html_raw(&sb, "\"><button type=\"submit\" id=\"logout\">Sign out</button></form>");
	reg_html_end(&sb);
	reg_server_clear(&s);
	reg_html_send(q, 200, &sb);
}
