/*
 * reg_web: public pages and the admin login (see reg_web.h).
 */
#include "reg_web.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "reg_action.h"
#include "reg_err.h"
#include "reg_html.h"
#include "reg_server.h"
#include "reg_session.h"
#include "reg_token.h"
#include "reg_validate.h"
#include "util/str.h"

static const char style[] =
    ":root{--fg:#1d232a;--muted:#5b6672;--line:#d6dbe0;--accent:#1f5f99;--bg:#f6f7f9}"
    "*{box-sizing:border-box}body{margin:0;font:15px/1.5 system-ui,sans-serif;color:var(--fg);"
    "background:var(--bg)}header{display:flex;gap:2em;align-items:center;padding:.8em 2em;"
    "background:#fff;border-bottom:1px solid var(--line)}.brand{font-weight:700;color:var(--fg);"
    "text-decoration:none}nav a{margin-right:1.2em;color:var(--accent);text-decoration:none}"
    "main{max-width:980px;margin:1.5em auto;padding:0 1.5em}h1{font-size:1.5em}"
    "h2{font-size:1.15em;margin-top:1.8em}table{border-collapse:collapse;width:100%;"
    "background:#fff}th,td{border:1px solid var(--line);padding:.35em .6em;text-align:left;"
    "vertical-align:top}th{background:#eef1f4}form.stack label{display:block;margin:.6em 0 .2em;"
    "font-weight:600}input[type=text],input[type=password],select,textarea{width:100%;"
    "padding:.4em;border:1px solid var(--line);border-radius:4px;font:inherit}"
    "textarea{min-height:10em;font-family:monospace}button{margin-top:.8em;padding:.45em 1.2em;"
    "border:0;border-radius:4px;background:var(--accent);color:#fff;font:inherit;cursor:pointer}"
    "button.danger{background:#a33}.inline{display:inline-block;margin-right:1em}"
    ".inline input[type=text]{width:14em;margin-right:.4em}"
    ".status{display:inline-block;padding:.05em .6em;border-radius:1em;font-weight:600;"
    "font-size:.9em;background:#ddd}.status-active,.status-pass,.status-passed,.status-confirmed{background:#cfeccf;"
    "color:#1b5e20}.status-suspended,.status-fail,.status-failed{background:#f6d1d1;color:#8b1a1a}"
    ".status-applied,.status-testing,.status-new,.status-running,.status-review,.status-pending{background:#fdf0c4;color:#6b5300}"
    ".status-deregistered,.status-dismissed{background:#e2e2e2;color:#444}"
    ".error{background:#fde2e1;border:1px solid #e0a3a0;padding:.6em 1em;border-radius:4px}"
    ".required{color:#b3261e;font-weight:bold}.field-error{color:#b3261e;font-size:.9em}"
    "[aria-invalid=true]{border-color:#b3261e}.failed-tests li{margin:.3em 0}"
    ".notice{background:#e4f1e4;border:1px solid #a6d0a6;padding:.6em 1em;border-radius:4px}"
    "code,pre{font-family:ui-monospace,monospace;font-size:.9em}pre{background:#fff;"
    "border:1px solid var(--line);padding:.8em;overflow:auto;max-height:30em}"
    ".muted{color:var(--muted)}footer{max-width:980px;margin:2em auto;padding:0 1.5em;"
    "color:var(--muted);font-size:.85em}dl{display:grid;grid-template-columns:12em 1fr;"
    "gap:.3em 1em}dt{font-weight:600}dd{margin:0}\n";

void
reg_web_style(struct reg_req *q)
{
	reg_http_header(q, "Cache-Control", "max-age=3600");
	reg_http_send(q, 200, "text/css; charset=utf-8", style, sizeof(style) - 1);
}

static void
lookup_form(struct strbuf *sb, const char *value)
{
	reg_html_raw(sb,
	    "<form method=\"get\" action=\"/lookup\" class=\"stack\">"
	    "<label for=\"hostname\">Mail server host name</label>"
	    "<input type=\"text\" id=\"hostname\" name=\"hostname\" value=\"");
	reg_html_esc(sb, value);
	reg_html_raw(sb,
	    "\" placeholder=\"mail.example.com\" required>"
	    "<button type=\"submit\" id=\"lookup\">Look up</button></form>\n");
}

void
reg_web_home(struct reg_req *q)
{
	struct strbuf sb;

	strbuf_init(&sb, REG_HTML_MAX);
	reg_html_begin(&sb, q, "Mail server registry");
	reg_html_raw(&sb,
	    "<p>This registry lists mail servers whose owners answer for them. "
	    "Receivers ask it over DNS under <code>");
	reg_html_esc(&sb, q->ctx->cfg->zone);
	reg_html_raw(&sb,
	    "</code>: an address of 127.0.0.2 means registered and in good standing, "
	    "127.0.0.3 registered but suspended, no record means not registered.</p>\n");
	lookup_form(&sb, "");
	reg_html_raw(&sb,
	    "<p><a href=\"/apply\">Register a server</a> &middot; "
	    "<a href=\"/report\">Report abuse from a registered server</a></p>\n");
	reg_html_end(&sb);
	reg_html_send(q, 200, &sb);
}

static void
server_page(struct reg_req *q, const char *input)
{
	char host[REG_HOSTNAME_MAX + 1];
	const char *why;
	struct reg_server s;
	struct strbuf sb;
	int rc, status = 200;

	strbuf_init(&sb, REG_HTML_MAX);
	if (input == NULL || reg_validate_hostname(input, host, sizeof(host), &why) < 0) {
		reg_html_begin(&sb, q, "Look up a server");
		reg_html_raw(&sb, "<p class=\"error\" id=\"error\">The host name ");
		reg_html_esc(&sb, input ? why : "is required");
		reg_html_raw(&sb, ".</p>");
		lookup_form(&sb, input ? input : "");
		reg_html_end(&sb);
		reg_html_send(q, 400, &sb);
		return;
	}
	rc = reg_server_get(q->ctx->db, host, &s);
	reg_html_begin(&sb, q, host);
	if (rc == REG_ENOTFOUND) {
		status = 404;
		reg_html_raw(&sb,
		    "<p>Status: <span id=\"status\" class=\"status\">not registered</span>"
		    "</p><p class=\"muted\">No server by this name has applied. Mail from it gets no "
		    "answer from the registry zone (NXDOMAIN).</p>");
	} else if (rc != REG_OK) {
		status = 503;
		reg_html_raw(&sb, "<p class=\"error\">The registry is busy; try again.</p>");
	} else {
		reg_html_raw(&sb, "<dl><dt>Status</dt><dd id=\"status-cell\">");
		reg_html_raw(&sb, "<span id=\"status\" class=\"status status-");
		reg_html_esc(&sb, s.status);
		reg_html_raw(&sb, "\">");
		reg_html_esc(&sb, s.status);
		reg_html_raw(&sb, "</span></dd><dt>Class</dt><dd>");
		reg_html_esc(&sb, s.mclass);
		reg_html_raw(&sb, "</dd><dt>Registered since</dt><dd>");
		reg_html_time(&sb, s.registered_at);
		strbuf_printf(&sb, "</dd><dt>Sponsors</dt><dd>%d</dd><dt>Certification</dt><dd>",
		    s.nsponsors);
		reg_html_status(&sb, s.cert_status);
		reg_html_raw(&sb, "</dd><dt>DNS</dt><dd><code>");
		reg_html_esc(&sb, s.hostname);
		reg_html_raw(&sb, ".");
		reg_html_esc(&sb, q->ctx->cfg->zone);
		reg_html_raw(&sb, "</code> &rarr; ");
		reg_html_raw(&sb,
		    strcmp(s.status, "active") == 0          ? "127.0.0.2"
		        : strcmp(s.status, "suspended") == 0 ? "127.0.0.3"
		                                             : "no record (NXDOMAIN)");
		reg_html_raw(&sb, "</dd></dl>\n");
		reg_server_clear(&s);
	}
	lookup_form(&sb, "");
	reg_html_end(&sb);
	reg_html_send(q, status, &sb);
}

void
reg_web_lookup(struct reg_req *q)
{
	server_page(q, reg_http_query(q, "hostname"));
}

void
reg_web_server(struct reg_req *q)
{
	server_page(q, q->segs[1]);
}

/* Is name one of the fields errs names? */
static const struct reg_verr *
field_error(const struct reg_action_out *out, const char *name)
{
	for (size_t i = 0; out && i < out->nerrs; i++)
		if (strcmp(out->errs[i].field, name) == 0)
			return &out->errs[i];
	return NULL;
}

/* A label, marked when the field is required ("*", and for assistive
 * technology aria-required; no browser-side blocking, so the page lists
 * every problem at once). */
static void
label(struct strbuf *sb, const char *name, const char *text, int required)
{
	reg_html_raw(sb, "<label for=\"");
	reg_html_esc(sb, name);
	reg_html_raw(sb, "\">");
	reg_html_esc(sb, text);
	if (required)
		reg_html_raw(sb, " <span class=\"required\" title=\"required\">*</span>");
	reg_html_raw(sb, "</label>");
}

/* Attributes of an input: required, invalid (pointing at its message). */
static void
input_state(struct strbuf *sb, const char *name, int required, const struct reg_verr *err)
{
	if (required)
		reg_html_raw(sb, " aria-required=\"true\"");
	if (err) {
		reg_html_raw(sb, " aria-invalid=\"true\" aria-describedby=\"err-");
		reg_html_esc(sb, name);
		reg_html_raw(sb, "\"");
	}
}

static void
field_full(struct strbuf *sb, const struct reg_input_src *src, const char *name, const char *text,
    const char *hint, int textarea, int required, const struct reg_action_out *out)
{
	const char *v = src ? src->get(src->ctx, name) : NULL;
	const struct reg_verr *err = field_error(out, name);

	label(sb, name, text, required);
	if (textarea) {
		reg_html_raw(sb, "<textarea id=\"");
		reg_html_esc(sb, name);
		reg_html_raw(sb, "\" name=\"");
		reg_html_esc(sb, name);
		reg_html_raw(sb, "\"");
		input_state(sb, name, required, err);
		reg_html_raw(sb, ">");
		reg_html_esc(sb, v ? v : "");
		reg_html_raw(sb, "</textarea>");
	} else {
		reg_html_raw(sb, "<input type=\"text\" id=\"");
		reg_html_esc(sb, name);
		reg_html_raw(sb, "\" name=\"");
		reg_html_esc(sb, name);
		reg_html_raw(sb, "\" value=\"");
		reg_html_esc(sb, v ? v : "");
		reg_html_raw(sb, "\" placeholder=\"");
		reg_html_esc(sb, hint);
		reg_html_raw(sb, "\"");
		input_state(sb, name, required, err);
		reg_html_raw(sb, ">");
	}
	if (err) {
		reg_html_raw(sb, "<span class=\"field-error\" id=\"err-");
		reg_html_esc(sb, name);
		reg_html_raw(sb, "\">");
		reg_html_esc(sb, err->why);
		reg_html_raw(sb, "</span>");
	}
}

static void
field(struct strbuf *sb, const struct reg_input_src *src, const char *name, const char *label,
    const char *hint, int textarea)
{
	field_full(sb, src, name, label, hint, textarea, 0, NULL);
}

static void
select_field(struct strbuf *sb, const struct reg_input_src *src, const char *name,
    const char *label, const char *const *choices)
{
	const char *v = src ? src->get(src->ctx, name) : NULL;

	reg_html_raw(sb, "<label for=\"");
	reg_html_esc(sb, name);
	reg_html_raw(sb, "\">");
	reg_html_esc(sb, label);
	reg_html_raw(sb, "</label><select id=\"");
	reg_html_esc(sb, name);
	reg_html_raw(sb, "\" name=\"");
	reg_html_esc(sb, name);
	reg_html_raw(sb, "\">");
	for (int i = 0; choices[i]; i++) {
		reg_html_raw(sb, "<option");
		if (v && strcmp(v, choices[i]) == 0)
			reg_html_raw(sb, " selected");
		reg_html_raw(sb, ">");
		reg_html_esc(sb, choices[i]);
		reg_html_raw(sb, "</option>");
	}
	reg_html_raw(sb, "</select>");
}

static void
retry_after(struct reg_req *q, const struct reg_action_out *out)
{
	char ra[24];

	if (out->status != 429)
		return;
	snprintf(ra, sizeof(ra), "%lld", out->retry_after);
	reg_http_header(q, "Retry-After", ra);
}

/* The application's fields in the form's order, with their labels. */
static const char *const apply_fields[][2] = {
	{ "hostname", "Server host name" },
	{ "addresses", "Sending addresses" },
	{ "class", "Mail class" },
	{ "owner_kind", "Owner" },
	{ "owner_name", "Owner name" },
	{ "owner_address", "Postal address" },
	{ "owner_phone", "Phone" },
	{ "owner_email", "Owner email" },
	{ "business_number", "Business number" },
	{ "admin_contact", "Admin contact email" },
	{ "domain_age_note", "Domain age note" },
};

/* The list of every problem, in the form's order, each linked to its field. */
static void
apply_errors(struct strbuf *sb, const struct reg_action_out *out)
{
	size_t nf = sizeof(apply_fields) / sizeof(apply_fields[0]);

	strbuf_printf(sb, "<div class=\"error\" id=\"errors\" role=\"alert\"><p>%s</p><ul>",
	    out->nerrs == 1 ? "Please correct this problem:" : "Please correct these problems:");
	for (size_t f = 0; f < nf; f++) {
		for (size_t i = 0; i < out->nerrs; i++) {
			if (strcmp(out->errs[i].field, apply_fields[f][0]) != 0)
				continue;
			reg_html_raw(sb, "<li><a href=\"#");
			reg_html_esc(sb, out->errs[i].field);
			reg_html_raw(sb, "\">");
			reg_html_esc(sb, apply_fields[f][1]);
			reg_html_raw(sb, "</a> ");
			reg_html_esc(sb, out->errs[i].why);
			reg_html_raw(sb, "</li>");
		}
	}
	reg_html_raw(sb, "</ul></div>");
}

static void
apply_page(struct reg_req *q, int status, const struct reg_input_src *src,
    const struct reg_action_out *out)
{
	struct strbuf sb;

	strbuf_init(&sb, REG_HTML_MAX);
	reg_html_begin(&sb, q, "Apply for registration");
	if (out && out->nerrs > 0) {
		apply_errors(&sb, out);
	} else if (out && out->msg[0]) {
		reg_html_raw(&sb, "<div class=\"error\" id=\"errors\" role=\"alert\"><ul><li>");
		reg_html_esc(&sb, out->msg);
		reg_html_raw(&sb, "</li></ul></div>");
	}
	reg_html_raw(&sb,
	    "<p>After you apply, the registry tests your server: it must answer SMTP, "
	    "refuse to relay, offer STARTTLS, answer <code>XVOUCH CHECK</code> and have a HELO name "
	    "that resolves to it. An admin then approves it, or it is approved at once when enough "
	    "active servers sponsor it.</p><p class=\"muted\">Fields marked "
	    "<span class=\"required\">*</span> are required.</p>"
	    "<form method=\"post\" action=\"/apply\" class=\"stack\" novalidate>");
	field_full(&sb, src, "hostname", "Server host name", "mail.example.com", 0, 1, out);
	field_full(&sb, src, "addresses", "Sending addresses (space separated)",
	    "192.0.2.25 2001:db8::25", 0, 1, out);
	select_field(&sb, src, "class", "Mail class", reg_validate_classes);
	select_field(&sb, src, "owner_kind", "Owner", reg_validate_owner_kinds);
	field_full(&sb, src, "owner_name", "Owner name", "Example Ltd", 0, 1, out);
	field_full(&sb, src, "owner_address", "Postal address", "1 Main Street, Town", 0, 1, out);
	field_full(&sb, src, "owner_phone", "Phone", "+1 555 0100", 0, 1, out);
	field_full(&sb, src, "owner_email", "Owner email", "owner@example.com", 0, 1, out);
	field_full(&sb, src, "business_number", "Business number (required for a business)", "", 0,
	    0, out);
	field_full(
	    &sb, src, "admin_contact", "Admin contact email", "postmaster@example.com", 0, 1, out);
	field_full(&sb, src, "domain_age_note", "Domain age note (optional)", "registered 2009", 0,
	    0, out);
	reg_html_raw(&sb, "<button type=\"submit\" id=\"apply-submit\">Apply</button></form>\n");
	reg_html_end(&sb);
	reg_html_send(q, status, &sb);
}

void
reg_web_apply_form(struct reg_req *q)
{
	apply_page(q, 200, NULL, NULL);
}

void
reg_web_apply(struct reg_req *q)
{
	struct reg_input_src src = reg_http_form_src(q);
	struct reg_action_out out;
	struct strbuf sb;

	reg_action_apply(q, &src, &out);
	if (out.status >= 400) {
		retry_after(q, &out);
		apply_page(q, out.status, &src, &out);
		return;
	}
	strbuf_init(&sb, REG_HTML_MAX);
	reg_html_begin(&sb, q, "Application received");
	reg_html_raw(&sb, "<p class=\"notice\" id=\"applied\">");
	reg_html_esc(&sb, out.msg);
	reg_html_raw(&sb,
	    out.certifying
	        ? ". The certification tests are queued: they run at once when every address of"
	          " the name is public, otherwise when an admin or a sponsor starts them."
	        : ". Certification has not started yet.");
	reg_html_raw(&sb,
	    "</p><p>Your owner token (shown once; keep it to sponsor others, register "
	    "spam traps and query offenders):</p><pre id=\"owner-token\">");
	reg_html_esc(&sb, out.token);
	reg_html_raw(&sb, "</pre><p><a id=\"status-link\" href=\"/servers/");
	reg_html_esc(&sb, out.hostname);
	reg_html_raw(&sb, "\">See the status of ");
	reg_html_esc(&sb, out.hostname);
	reg_html_raw(&sb, "</a></p>");
	reg_html_end(&sb);
	reg_html_send(q, 201, &sb);
}

static void
report_page(struct reg_req *q, int status, const struct reg_input_src *src, const char *error)
{
	struct strbuf sb;

	strbuf_init(&sb, REG_HTML_MAX);
	reg_html_begin(&sb, q, "Report abuse");
	if (error) {
		reg_html_raw(&sb, "<p class=\"error\" id=\"error\">");
		reg_html_esc(&sb, error);
		reg_html_raw(&sb, "</p>");
	}
	reg_html_raw(&sb,
	    "<p>Paste the full source of the message, headers included: the registry "
	    "reads its Received fields to find the registered server that handed it on and that "
	    "server's queue id.</p><form method=\"post\" action=\"/report\" class=\"stack\">");
	field(&sb, src, "message", "Message source", "", 1);
	field(&sb, src, "reporter", "Your email (optional)", "you@example.org", 0);
	field(&sb, src, "comment", "Comment (optional)", "", 0);
	reg_html_raw(
	    &sb, "<button type=\"submit\" id=\"report-submit\">Send report</button></form>\n");
	reg_html_end(&sb);
	reg_html_send(q, status, &sb);
}

void
reg_web_report_form(struct reg_req *q)
{
	report_page(q, 200, NULL, NULL);
}

void
reg_web_report(struct reg_req *q)
{
	struct reg_input_src src = reg_http_form_src(q);
	struct reg_action_out out;
	struct strbuf sb;

	reg_action_report(q, &src, "web", &out);
	if (out.status >= 400) {
		retry_after(q, &out);
		report_page(q, out.status, &src, out.msg);
		return;
	}
	strbuf_init(&sb, REG_HTML_MAX);
	reg_html_begin(&sb, q, "Report received");
	reg_html_raw(&sb, "<p class=\"notice\" id=\"reported\">");
	reg_html_esc(&sb, out.msg);
	reg_html_raw(&sb, "</p><dl><dt>Report</dt><dd id=\"report-id\">");
	strbuf_printf(&sb, "%lld", out.filed.id);
	reg_html_raw(&sb, "</dd><dt>Server</dt><dd id=\"report-server\">");
	reg_html_esc(&sb, out.filed.server[0] ? out.filed.server : "not found");
	reg_html_raw(&sb, "</dd><dt>Handed off by</dt><dd>");
	reg_html_esc(&sb, out.filed.handoff_host);
	reg_html_raw(&sb, " ");
	reg_html_esc(&sb, out.filed.handoff_ip);
	reg_html_raw(&sb, "</dd><dt>Its queue id</dt><dd id=\"report-tracking\">");
	reg_html_esc(&sb, out.filed.tracking_id[0] ? out.filed.tracking_id : "-");
	reg_html_raw(&sb, "</dd></dl><p>An admin reviews every report before it counts.</p>");
	reg_html_end(&sb);
	reg_html_send(q, 201, &sb);
}

static void
login_page(struct reg_req *q, int status, const char *error)
{
	struct strbuf sb;

	strbuf_init(&sb, REG_HTML_MAX);
	reg_html_begin(&sb, q, "Admin sign-in");
	if (error) {
		reg_html_raw(&sb, "<p class=\"error\" id=\"error\">");
		reg_html_esc(&sb, error);
		reg_html_raw(&sb, "</p>");
	}
	reg_html_raw(&sb,
	    "<form method=\"post\" action=\"/admin/login\" class=\"stack\">"
	    "<label for=\"token\">Admin token (<code>vouch-registry token create admin</code>)"
	    "</label><input type=\"password\" id=\"token\" name=\"token\" autocomplete=\"off\">"
	    "<button type=\"submit\" id=\"login\">Sign in</button></form>");
	reg_html_end(&sb);
	reg_html_send(q, status, &sb);
}

void
reg_web_login_form(struct reg_req *q)
{
	login_page(q, 200, NULL);
}

void
reg_web_login(struct reg_req *q)
{
	const char *tok = q->have_form ? evhttp_find_header(&q->form, "token") : NULL;
	enum reg_token_role role;
	long long sid, now = (long long)time(NULL), ttl = q->ctx->cfg->admin_session_ttl / 1000;
	char id[REG_SESSION_ID_LEN + 1];

	if (tok == NULL || strlen(tok) >= REG_TOKEN_MAX ||
	    reg_token_check(q->ctx->db, tok, &role, &sid) != REG_OK || role != REG_ROLE_ADMIN) {
		login_page(q, 401, "That is not a valid admin token.");
		return;
	}
	/* the browser gets a session id, never the token */
	reg_session_prune(q->ctx->db, now);
	if (reg_session_create(q->ctx->db, reg_token_id(tok), now, ttl, id) != REG_OK) {
		login_page(q, 503, "The registry is busy; try again.");
		return;
	}
	reg_http_session_cookie(q, id, ttl);
	reg_http_redirect(q, "/admin");
}

void
reg_web_logout(struct reg_req *q)
{
	const char *got = q->have_form ? evhttp_find_header(&q->form, "csrf") : NULL;

	if (q->role == REG_ROLE_ADMIN) {
		/* a page elsewhere must not be able to sign an admin out */
		if (got == NULL || !reg_token_equal(got, q->csrf)) {
			login_page(
			    q, 403, "The sign-out form was stale or forged; reload the page.");
			return;
		}
		reg_session_revoke(q->ctx->db, q->session);
	}
	reg_http_session_cookie(q, "", 0);
	reg_http_redirect(q, "/");
}

void
reg_web_not_found(struct reg_req *q)
{
	struct strbuf sb;

	strbuf_init(&sb, REG_HTML_MAX);
	reg_html_begin(&sb, q, "Not found");
	reg_html_raw(&sb, "<p>There is no page here. <a href=\"/\">Start again</a>.</p>");
	reg_html_end(&sb);
	reg_html_send(q, 404, &sb);
}
