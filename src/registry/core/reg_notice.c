/*
 * reg_notice: notices to owners, their templates and messages (see
 * reg_notice.h).
 */
#include "reg_notice.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/rand.h>
#include <sqlite3.h>

#include "reg_err.h"
#include "reg_report.h"
#include "reg_server.h"
#include "util/xmalloc.h"

#define TEMPLATE_MAX (64 * 1024)

static const char *const kind_names[] = { "suspended", "forfeited", "reinstated" };

/* The shipped defaults; notice-<kind>.txt in notice_dir replaces one. */
static const char *const defaults[] = {
	"Subject: ${hostname} is suspended in ${site_name}\n"
	"\n"
	"Hello ${owner_name},\n"
	"\n"
	"your mail server ${hostname} is suspended in the register ${zone}\n"
	"since ${date}. Receivers that consult the register now refuse its mail\n"
	"or file it as unsafe.\n"
	"\n"
	"Why: ${reason}\n"
	"\n"
	"The ${reports} confirmed abuse report(s) behind it are attached, each\n"
	"as we received it.\n"
	"\n"
	"What to do to be reinstated:\n"
	"  1. Find the source of the reported mail (the attached reports name\n"
	"     your server's queue id for each message) and stop it: a\n"
	"     compromised account, an open relay, a form that sends mail.\n"
	"  2. Make sure it cannot happen again (rate limits, authentication).\n"
	"  3. Reply to this mail, or write to the registry, saying what you\n"
	"     found and changed. An administrator reviews it and reinstates\n"
	"     the server.\n"
	"\n"
	"Your server's page (with your owner token): ${site_url}\n"
	"\n"
	"-- \n"
	"${site_name}\n",

	"Subject: ${hostname}: bond forfeited in ${site_name}\n"
	"\n"
	"Hello ${owner_name},\n"
	"\n"
	"with the suspension of your mail server ${hostname} on ${date}, its bond\n"
	"of ${bond_amount} is forfeited.\n"
	"\n"
	"Why: ${reason}\n"
	"\n"
	"The ${reports} confirmed abuse report(s) behind it are attached, each\n"
	"as we received it.\n"
	"\n"
	"What to do: the server can be reinstated (see the suspension notice\n"
	"sent with this one). Once reinstated, a new bond may be required; an\n"
	"administrator tells you, or sponsorship by active servers waives it.\n"
	"\n"
	"-- \n"
	"${site_name}\n",

	"Subject: ${hostname} is reinstated in ${site_name}\n"
	"\n"
	"Hello ${owner_name},\n"
	"\n"
	"your mail server ${hostname} is active again in the register ${zone}\n"
	"since ${date}; receivers accept its mail as before.\n"
	"\n"
	"Why: ${reason}\n"
	"\n"
	"The ${reports} report(s) settled by the reinstatement are attached, each\n"
	"as we received it. They no longer count towards a suspension; new\n"
	"confirmed reports do.\n"
	"\n"
	"What to do: keep watching the mail your server sends, and register\n"
	"spam traps so that abuse reaches you first.\n"
	"\n"
	"-- \n"
	"${site_name}\n",
};

const char *
reg_notice_kind_name(enum reg_notice_kind k)
{
	return (unsigned)k < 3 ? kind_names[k] : "unknown";
}

const char *
reg_notice_default_template(enum reg_notice_kind k)
{
	return (unsigned)k < 3 ? defaults[k] : "";
}

static int
kind_parse(const char *s)
{
	for (int i = 0; s && i < 3; i++)
		if (strcmp(s, kind_names[i]) == 0)
			return i;
	return -1;
}

int
reg_notice_queue(struct reg_db *db, const struct reg_config *cfg, long long server_id,
    enum reg_notice_kind kind, const char *reason)
{
	sqlite3_stmt *st;
	char ids[128] = "";
	size_t o = 0;
	int rc;

	if (cfg->notice_relay == NULL || cfg->notice_relay[0] == '\0')
		return REG_OK;
	/* the reports as they stand now: a reinstatement settles them next */
	if (reg_db_prepare(db,
	        "SELECT id FROM reports WHERE server_id = ?1 AND status = 'confirmed'"
	        " AND settled = 0 ORDER BY id DESC LIMIT ?2",
	        &st) != REG_OK)
		return REG_ETEMP;
	sqlite3_bind_int64(st, 1, server_id);
	sqlite3_bind_int(st, 2, REG_NOTICE_MAX_REPORTS);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int n = snprintf(ids + o, sizeof(ids) - o, "%s%lld", o ? "," : "",
		    (long long)sqlite3_column_int64(st, 0));
		if (n < 0 || (size_t)n >= sizeof(ids) - o)
			break;
		o += (size_t)n;
	}
	sqlite3_finalize(st);
	if (reg_db_prepare(db,
	        "INSERT INTO notices(server_id, kind, reason, report_ids, created_at, next_try)"
	        " VALUES(?1, ?2, ?3, ?4, ?5, ?5)",
	        &st) != REG_OK)
		return REG_ETEMP;
	sqlite3_bind_int64(st, 1, server_id);
	reg_db_bind_text(st, 2, reg_notice_kind_name(kind));
	reg_db_bind_text(st, 3, reason ? reason : "");
	reg_db_bind_text(st, 4, ids);
	sqlite3_bind_int64(st, 5, (long long)time(NULL));
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return reg_db_err(rc);
}

int
reg_notice_next_due(struct reg_db *db, long long now, struct reg_notice *out)
{
	sqlite3_stmt *st;
	int rc;

	memset(out, 0, sizeof(*out));
	if (reg_db_prepare(db,
	        "SELECT id, server_id, kind, reason, report_ids, created_at, tries FROM notices"
	        " WHERE status = 'queued' AND next_try <= ?1 ORDER BY next_try, id LIMIT 1",
	        &st) != REG_OK)
		return REG_ETEMP;
	sqlite3_bind_int64(st, 1, now);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		int k = kind_parse((const char *)sqlite3_column_text(st, 2));
		out->id = sqlite3_column_int64(st, 0);
		out->server_id = sqlite3_column_int64(st, 1);
		out->kind = k < 0 ? REG_NOTICE_SUSPENDED : (enum reg_notice_kind)k;
		str_copy(
		    out->reason, sizeof(out->reason), (const char *)sqlite3_column_text(st, 3));
		str_copy(out->report_ids, sizeof(out->report_ids),
		    (const char *)sqlite3_column_text(st, 4));
		out->created_at = sqlite3_column_int64(st, 5);
		out->tries = sqlite3_column_int(st, 6);
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return REG_OK;
	return rc == SQLITE_DONE ? REG_ENOTFOUND : reg_db_err(rc);
}

int
reg_notice_update(
    struct reg_db *db, long long id, const char *status, long long next_try, const char *error)
{
	sqlite3_stmt *st;
	int rc;

	if (reg_db_prepare(db,
	        "UPDATE notices SET status = ?2, next_try = ?3, last_error = ?4,"
	        " tries = tries + 1 WHERE id = ?1",
	        &st) != REG_OK)
		return REG_ETEMP;
	sqlite3_bind_int64(st, 1, id);
	reg_db_bind_text(st, 2, status);
	sqlite3_bind_int64(st, 3, next_try);
	reg_db_bind_text(st, 4, error ? error : "");
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return reg_db_err(rc);
}

/* Append value without control characters (ascii_only: printable ASCII). */
static int
put_value(struct strbuf *out, const char *v, int ascii_only)
{
	for (; *v; v++) {
		unsigned char c = (unsigned char)*v;
		char ch = (char)c;
		if (c < 0x20 || c == 0x7f || (ascii_only && c >= 0x80))
			ch = ascii_only && c >= 0x80 ? '?' : ' ';
		if (strbuf_append(out, &ch, 1) < 0)
			return -1;
	}
	return 0;
}

/* Render text (no line ends in a subject) into out. */
static int
render_into(const char *t, size_t len, const struct reg_notice_var *vars, size_t nvars,
    struct strbuf *out, int ascii_only)
{
	size_t i = 0;

	while (i < len) {
		if (t[i] == '$' && i + 1 < len && t[i + 1] == '{') {
			const char *end = memchr(t + i + 2, '}', len - i - 2);
			size_t nl = end ? (size_t)(end - (t + i + 2)) : 0;
			const struct reg_notice_var *hit = NULL;

			for (size_t k = 0; end && k < nvars; k++)
				if (strlen(vars[k].name) == nl &&
				    memcmp(vars[k].name, t + i + 2, nl) == 0)
					hit = &vars[k];
			if (hit) {
				if (put_value(out, hit->value ? hit->value : "", ascii_only) < 0)
					return -1;
				i += nl + 3;
				continue;
			}
		}
		{
			char ch = t[i];
			if (ascii_only && ((unsigned char)ch < 0x20 || (unsigned char)ch >= 0x7f))
				ch = ' ';
			if (strbuf_append(out, &ch, 1) < 0)
				return -1;
		}
		i++;
	}
	return 0;
}

int
reg_notice_render(const char *tmpl, size_t len, const struct reg_notice_var *vars, size_t nvars,
    struct strbuf *subject, struct strbuf *body)
{
	const char *nl;
	size_t off = 0;

	if (len >= 8 && strncasecmp(tmpl, "Subject:", 8) == 0 &&
	    (nl = memchr(tmpl, '\n', len)) != NULL) {
		size_t s = 8, e = (size_t)(nl - tmpl);
		while (s < e && (tmpl[s] == ' ' || tmpl[s] == '\t'))
			s++;
		if (e > s && tmpl[e - 1] == '\r')
			e--;
		if (render_into(tmpl + s, e - s, vars, nvars, subject, 1) < 0)
			return -1;
		off = (size_t)(nl - tmpl) + 1;
		/* the empty line after the subject */
		if (off < len && tmpl[off] == '\r')
			off++;
		if (off < len && tmpl[off] == '\n')
			off++;
	} else if (strbuf_puts(subject, "Notice from the registry") < 0) {
		return -1;
	}
	return render_into(tmpl + off, len - off, vars, nvars, body, 0);
}

/* text with every line end (CRLF, LF, lone CR) made CRLF. */
static int
put_crlf(struct strbuf *out, const char *t, size_t len)
{
	size_t start = 0;

	for (size_t i = 0; i < len; i++) {
		if (t[i] != '\r' && t[i] != '\n')
			continue;
		if (strbuf_append(out, t + start, i - start) < 0 || strbuf_puts(out, "\r\n") < 0)
			return -1;
		if (t[i] == '\r' && i + 1 < len && t[i + 1] == '\n')
			i++;
		start = i + 1;
	}
	if (start < len &&
	    (strbuf_append(out, t + start, len - start) < 0 || strbuf_puts(out, "\r\n") < 0))
		return -1;
	return 0;
}

/* Does any line of the parts start with "--" boundary? */
static int
boundary_clashes(const struct reg_notice_mail *m, const char *b)
{
	size_t bl = strlen(b);

	for (size_t p = 0; p < m->nparts; p++) {
		const char *t = m->parts[p].msg;
		size_t len = m->parts[p].len;
		for (size_t i = 0; i + 2 + bl <= len; i++) {
			if ((i == 0 || t[i - 1] == '\n' || t[i - 1] == '\r') && t[i] == '-' &&
			    t[i + 1] == '-' && memcmp(t + i + 2, b, bl) == 0)
				return 1;
		}
	}
	return 0;
}

int
reg_notice_compose(const struct reg_notice_mail *m, struct strbuf *out)
{
	char boundary[64], date[64];
	time_t when = (time_t)m->date;
	struct tm tm;

	if (m->boundary) {
		str_copy(boundary, sizeof(boundary), m->boundary);
	} else {
		for (int tries = 0;; tries++) {
			unsigned char r[12];
			if (RAND_bytes(r, sizeof(r)) != 1 || tries > 8)
				return -1;
			snprintf(boundary, sizeof(boundary), "=_vr_");
			for (size_t i = 0; i < sizeof(r); i++)
				snprintf(boundary + 5 + 2 * i, 3, "%02x", r[i]);
			if (!boundary_clashes(m, boundary))
				break;
		}
	}
	gmtime_r(&when, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	if (strbuf_printf(out, "From: ") < 0 || put_value(out, m->from_name, 1) < 0 ||
	    strbuf_printf(out, " <%s>\r\nTo: ", m->from) < 0)
		return -1;
	for (size_t i = 0; i < m->nto; i++)
		if (strbuf_printf(out, "%s<%s>", i ? ", " : "", m->to[i]) < 0)
			return -1;
	if (strbuf_puts(out, "\r\nSubject: ") < 0 || put_value(out, m->subject, 1) < 0 ||
	    strbuf_printf(out,
	        "\r\nDate: %s\r\nMessage-ID: <%s>\r\n"
	        "Auto-Submitted: auto-generated\r\n" /* RFC 3834: never answered by robots */
	        "MIME-Version: 1.0\r\n"
	        "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n"
	        "This is a MIME message.\r\n\r\n--%s\r\n"
	        "Content-Type: text/plain; charset=utf-8\r\n"
	        "Content-Transfer-Encoding: 8bit\r\n\r\n",
	        date, m->message_id, boundary, boundary) < 0 ||
	    put_crlf(out, m->body, strlen(m->body)) < 0)
		return -1;
	for (size_t p = 0; p < m->nparts; p++) {
		/* RFC 2046 5.2.1: message/rfc822 is 7bit, 8bit or binary, never encoded */
		if (strbuf_printf(out,
		        "\r\n--%s\r\nContent-Type: message/rfc822\r\n"
		        "Content-Transfer-Encoding: 8bit\r\n"
		        "Content-Description: abuse report %lld, as received\r\n"
		        "Content-Disposition: attachment; filename=\"report-%lld.eml\"\r\n\r\n",
		        boundary, m->parts[p].report_id, m->parts[p].report_id) < 0 ||
		    put_crlf(out, m->parts[p].msg, m->parts[p].len) < 0)
			return -1;
	}
	return strbuf_printf(out, "\r\n--%s--\r\n", boundary) < 0 ? -1 : 0;
}

/* The template for kind: notice-<kind>.txt in the folder, else the default. */
static char *
load_template(const struct reg_config *cfg, enum reg_notice_kind kind, size_t *len)
{
	char dir[4096], path[4200];
	const char *d = cfg->notice_dir;
	struct strbuf text;
	FILE *f;

	if (d == NULL || d[0] == '\0') {
		const char *slash = cfg->path ? strrchr(cfg->path, '/') : NULL;
		if (cfg->path == NULL)
			d = NULL;
		else if (slash == NULL)
			d = ".";
		else {
			snprintf(dir, sizeof(dir), "%.*s", (int)(slash - cfg->path), cfg->path);
			d = dir[0] ? dir : "/";
		}
	}
	if (d != NULL &&
	    (size_t)snprintf(path, sizeof(path), "%s/notice-%s.txt", d,
	        reg_notice_kind_name(kind)) < sizeof(path) &&
	    (f = fopen(path, "r")) != NULL) {
		char buf[4096];
		size_t n;
		strbuf_init(&text, TEMPLATE_MAX);
		while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
			if (strbuf_append(&text, buf, n) < 0)
				break;
		fclose(f);
		if (text.len > 0) {
			*len = text.len;
			return strbuf_steal(&text);
		}
		strbuf_free(&text);
	}
	*len = strlen(defaults[kind]);
	return xstrdup(defaults[kind]);
}

int
reg_notice_build(struct reg_db *db, const struct reg_config *cfg, const struct reg_notice *n,
    struct strbuf *msg, char rcpt[2][320], size_t *nrcpt)
{
	struct reg_server s;
	struct reg_report reps[REG_NOTICE_MAX_REPORTS];
	struct reg_notice_part parts[REG_NOTICE_MAX_REPORTS];
	size_t nreps = 0, tlen = 0, attached = 0;
	char from[320], date[32], bond[32], nrep[16], msgid[128], *tmpl;
	const char *to[2];
	struct strbuf subject, body;
	struct tm tm;
	time_t when = (time_t)n->created_at;
	int rc;

	*nrcpt = 0;
	if ((rc = reg_server_get_id(db, n->server_id, &s)) != REG_OK)
		return rc;
	/* the reports named when the notice was queued, as received */
	for (const char *p = n->report_ids; *p && nreps < REG_NOTICE_MAX_REPORTS;) {
		char *end;
		long long id = strtoll(p, &end, 10);
		if (end == p)
			break;
		if (reg_report_get(db, id, &reps[nreps]) == REG_OK) {
			/* line ends made CRLF can double a part: keep within the limit */
			if (reps[nreps].message_len > REG_NOTICE_MAX_SIZE / 4 - attached) {
				reg_report_clear(&reps[nreps]);
				p = *end == ',' ? end + 1 : end;
				continue;
			}
			attached += reps[nreps].message_len;
			parts[nreps].report_id = id;
			parts[nreps].msg = reps[nreps].message ? reps[nreps].message : "";
			parts[nreps].len = reps[nreps].message ? reps[nreps].message_len : 0;
			nreps++;
		}
		p = *end == ',' ? end + 1 : end;
	}
	if (cfg->notice_from && cfg->notice_from[0])
		str_copy(from, sizeof(from), cfg->notice_from);
	else
		snprintf(from, sizeof(from), "registry@%s", cfg->zone);
	gmtime_r(&when, &tm);
	strftime(date, sizeof(date), "%Y-%m-%d %H:%M UTC", &tm);
	snprintf(bond, sizeof(bond), "%lld", s.bond_amount);
	snprintf(nrep, sizeof(nrep), "%zu", nreps);
	snprintf(msgid, sizeof(msgid), "notice-%lld-%lld@%s", n->id, n->created_at, cfg->zone);
	{
		const struct reg_notice_var vars[] = {
			{ "hostname", s.hostname },
			{ "zone", cfg->zone },
			{ "site_name", cfg->site_name },
			{ "site_url",
			    cfg->site_url && cfg->site_url[0] ? cfg->site_url : "(ask us)" },
			{ "owner_name", s.owner_name },
			{ "status", s.status },
			{ "reason", n->reason[0] ? n->reason : "(none given)" },
			{ "date", date },
			{ "bond_amount", bond },
			{ "reports", nrep },
		};
		tmpl = load_template(cfg, n->kind, &tlen);
		strbuf_init(&subject, 1024);
		strbuf_init(&body, TEMPLATE_MAX * 4);
		rc = reg_notice_render(
		         tmpl, tlen, vars, sizeof(vars) / sizeof(vars[0]), &subject, &body) < 0
		    ? REG_EINVAL
		    : REG_OK;
		free(tmpl);
	}
	str_copy(rcpt[0], 320, s.owner_email);
	*nrcpt = 1;
	if (s.admin_contact && s.admin_contact[0] &&
	    strcasecmp(s.admin_contact, s.owner_email) != 0)
		str_copy(rcpt[(*nrcpt)++], 320, s.admin_contact);
	to[0] = rcpt[0];
	to[1] = rcpt[1];
	if (rc == REG_OK) {
		struct reg_notice_mail m = { cfg->site_name, from, to, *nrcpt,
			subject.s ? subject.s : "", body.s ? body.s : "", msgid, n->created_at,
			parts, nreps, NULL };
		if (reg_notice_compose(&m, msg) < 0)
			rc = REG_EINVAL;
	}
	strbuf_free(&subject);
	strbuf_free(&body);
	for (size_t i = 0; i < nreps; i++)
		reg_report_clear(&reps[i]);
	reg_server_clear(&s);
	return rc;
}
