/*
 * reg_html: escaping and the page frame (see reg_html.h).
 */
#include "reg_html.h"
#include "reg_server.h"

#include <string.h>
#include <time.h>

void
reg_html_escn(struct strbuf *sb, const char *s, size_t n)
{
	size_t start = 0;

	for (size_t i = 0; i < n; i++) {
		const char *rep;

		switch (s[i]) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		case '\0': rep = "\xef\xbf\xbd"; break;
		default: continue;
		}
		strbuf_append(sb, s + start, i - start);
		strbuf_puts(sb, rep);
		start = i + 1;
	}
	strbuf_append(sb, s + start, n - start);
}

void
reg_html_esc(struct strbuf *sb, const char *s)
{
	reg_html_escn(sb, s ? s : "", s ? strlen(s) : 0);
}

void
reg_html_raw(struct strbuf *sb, const char *s)
{
	strbuf_puts(sb, s);
}

void
reg_html_begin(struct strbuf *sb, const struct reg_req *q, const char *title)
{
	reg_html_raw(sb,
	    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>");
	reg_html_esc(sb, title);
	reg_html_raw(sb, " &middot; ");
	reg_html_esc(sb, q->ctx->cfg->site_name);
	reg_html_raw(sb,
	    "</title><link rel=\"stylesheet\" href=\"/style.css\"></head><body>"
	    "<header><a class=\"brand\" href=\"/\">");
	reg_html_esc(sb, q->ctx->cfg->site_name);
	reg_html_raw(sb,
	    "</a><nav><a href=\"/\">Look up</a><a href=\"/apply\">Apply</a>"
	    "<a href=\"/report\">Report abuse</a><a href=\"/owner\">Owners</a><a href=\"/admin\">Admin</a>"
	    "</nav></header><main>"
	    "<h1>");
	reg_html_esc(sb, title);
	reg_html_raw(sb, "</h1>\n");
}

void
reg_html_end(struct strbuf *sb)
{
	reg_html_raw(sb,
	    "</main><footer>vouch-registry &middot; zone published over DNS"
	    "</footer></body></html>\n");
}

void
reg_html_send(struct reg_req *q, int status, struct strbuf *sb)
{
	reg_http_send(q, status, "text/html; charset=utf-8", sb->s ? sb->s : "", sb->len);
	strbuf_free(sb);
}

void
reg_html_status(struct strbuf *sb, const char *status)
{
	reg_html_raw(sb, "<span class=\"status status-");
	reg_html_esc(sb, status);
	reg_html_raw(sb, "\">");
	reg_html_esc(sb, status);
	reg_html_raw(sb, "</span>");
}

void
reg_html_time(struct strbuf *sb, long long t)
{
	char buf[32];
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0) {
		reg_html_raw(sb, "-");
		return;
	}
	gmtime_r(&tt, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M UTC", &tm);
	reg_html_raw(sb, buf);
}

void
reg_html_server_facts(struct strbuf *sb, const struct reg_server *s)
{
	reg_html_raw(sb, "<dl><dt>Status</dt><dd><span id=\"status\" class=\"status status-");
	reg_html_esc(sb, s->status);
	reg_html_raw(sb, "\">");
	reg_html_esc(sb, s->status);
	reg_html_raw(sb, "</span></dd><dt>Certification</dt><dd id=\"cert-status\">");
	reg_html_status(sb, s->cert_status);
	reg_html_raw(sb, "</dd><dt>Class</dt><dd>");
	reg_html_esc(sb, s->mclass);
	reg_html_raw(sb, "</dd><dt>Addresses</dt><dd>");
	for (size_t i = 0; i < s->naddrs; i++) {
		reg_html_esc(sb, s->addresses[i]);
		reg_html_raw(sb, " ");
	}
}
