/*
 * reg_http: evhttp server, routing and request helpers (see reg_http.h).
 */
#include "reg_http.h"

#include <arpa/inet.h>
#include <sys/queue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/http_struct.h>

#include "reg_api.h"
#include "reg_err.h"
#include "reg_web.h"
#include "util/log.h"
#include "util/netaddr.h"
#include "util/xmalloc.h"

#define HEADERS_MAX (16 * 1024)
#define REG_HTTP_COOKIE "vr_session"
#define REG_HTTP_OWNER_COOKIE "vr_owner"

struct reg_http {
	struct evhttp *http;
	struct reg_http_ctx *ctx;
};

enum access { PUBLIC, OWNER, ADMIN, OWNER_WEB };

/* The routing table: a '*' segment matches any one segment. */
static const struct route {
	enum evhttp_cmd_type method;
	const char *pattern;
	reg_http_handler fn;
	enum access access;
} routes[] = {
	{ EVHTTP_REQ_GET, "/api/status", reg_api_status, PUBLIC },
	{ EVHTTP_REQ_GET, "/api/servers/*", reg_api_server_get, PUBLIC },
	{ EVHTTP_REQ_POST, "/api/applications", reg_api_apply, PUBLIC },
	{ EVHTTP_REQ_POST, "/api/reports", reg_api_report, PUBLIC },
	{ EVHTTP_REQ_POST, "/api/servers/*/sponsors", reg_api_sponsor, OWNER },
	{ EVHTTP_REQ_GET, "/api/traps", reg_api_traps, OWNER },
	{ EVHTTP_REQ_POST, "/api/traps", reg_api_trap_add, OWNER },
	{ EVHTTP_REQ_GET, "/api/offenders", reg_api_offenders, OWNER },
	{ EVHTTP_REQ_POST, "/api/offenders", reg_api_offender_add, OWNER },
	{ EVHTTP_REQ_GET, "/api/admin/servers", reg_api_admin_servers, ADMIN },
	{ EVHTTP_REQ_GET, "/api/admin/servers/*", reg_api_admin_server, ADMIN },
	{ EVHTTP_REQ_POST, "/api/admin/servers/*/*", reg_api_admin_action, ADMIN },
	{ EVHTTP_REQ_GET, "/api/admin/reports", reg_api_admin_reports, ADMIN },
	{ EVHTTP_REQ_GET, "/api/admin/reports/*", reg_api_admin_report, ADMIN },
	{ EVHTTP_REQ_POST, "/api/admin/reports/*/*", reg_api_admin_report_action, ADMIN },
	{ EVHTTP_REQ_GET, "/", reg_web_home, PUBLIC },
	{ EVHTTP_REQ_GET, "/style.css", reg_web_style, PUBLIC },
	{ EVHTTP_REQ_GET, "/lookup", reg_web_lookup, PUBLIC },
	{ EVHTTP_REQ_GET, "/servers/*", reg_web_server, PUBLIC },
	{ EVHTTP_REQ_GET, "/apply", reg_web_apply_form, PUBLIC },
	{ EVHTTP_REQ_POST, "/apply", reg_web_apply, PUBLIC },
	{ EVHTTP_REQ_GET, "/report", reg_web_report_form, PUBLIC },
	{ EVHTTP_REQ_POST, "/report", reg_web_report, PUBLIC },
	{ EVHTTP_REQ_GET, "/owner/login", reg_web_owner_login_form, PUBLIC },
	{ EVHTTP_REQ_POST, "/owner/login", reg_web_owner_login, PUBLIC },
	{ EVHTTP_REQ_POST, "/owner/logout", reg_web_owner_logout, PUBLIC },
	{ EVHTTP_REQ_GET, "/owner", reg_web_owner, OWNER_WEB },
	{ EVHTTP_REQ_GET, "/admin/login", reg_web_login_form, PUBLIC },
	{ EVHTTP_REQ_POST, "/admin/login", reg_web_login, PUBLIC },
	{ EVHTTP_REQ_POST, "/admin/logout", reg_web_logout, PUBLIC },
	{ EVHTTP_REQ_GET, "/admin", reg_web_admin, ADMIN },
	{ EVHTTP_REQ_GET, "/admin/servers/*", reg_web_admin_server, ADMIN },
	{ EVHTTP_REQ_POST, "/admin/servers/*/*", reg_web_admin_action, ADMIN },
	{ EVHTTP_REQ_GET, "/admin/reports/*", reg_web_admin_report, ADMIN },
	{ EVHTTP_REQ_POST, "/admin/reports/*/*", reg_web_admin_report_action, ADMIN },
};

void
reg_http_header(struct reg_req *q, const char *name, const char *value)
{
	evhttp_add_header(evhttp_request_get_output_headers(q->r), name, value);
}

void
reg_http_send(struct reg_req *q, int status, const char *type, const char *body, size_t len)
{
	struct evbuffer *b = evbuffer_new();
	struct evkeyvalq *h = evhttp_request_get_output_headers(q->r);

	evhttp_add_header(h, "Content-Type", type);
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(h, "Referrer-Policy", "no-referrer");
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_add_header(h, "Content-Security-Policy",
	    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self';"
	    " frame-ancestors 'none'; base-uri 'none'");
	if (q->method != EVHTTP_REQ_HEAD)
		evbuffer_add(b, body, len);
	evhttp_send_reply(q->r, status, NULL, b);
	evbuffer_free(b);
	if (log_enabled(LOG_LVL_INFO)) {
		const struct evhttp_uri *u = evhttp_request_get_evhttp_uri(q->r);
		const char *path = u ? evhttp_uri_get_path(u) : NULL;
		char esc[LOG_ESC_MAX];

		/* the path is the client's: escaped and capped */
		log_info("event=http client=%s method=%s path=%s status=%d", q->peer,
		    q->method == EVHTTP_REQ_POST       ? "POST"
		        : q->method == EVHTTP_REQ_HEAD ? "HEAD"
		                                       : "GET",
		    log_escape(esc, sizeof(esc), path ? path : "", path ? strlen(path) : 0),
		    status);
	}
}

void
reg_http_redirect(struct reg_req *q, const char *path)
{
	/* only local paths: never an open redirect */
	if (path[0] != '/' || path[1] == '/')
		path = "/";
	reg_http_header(q, "Location", path);
	reg_http_send(q, 303, "text/plain; charset=utf-8", "See Other\n", 10);
}

static const char *
form_get(void *ctx, const char *name)
{
	struct reg_req *q = ctx;

	return q->have_form ? evhttp_find_header(&q->form, name) : NULL;
}

struct reg_input_src
reg_http_form_src(struct reg_req *q)
{
	struct reg_input_src s = { form_get, q };

	return s;
}

const char *
reg_http_query(struct reg_req *q, const char *name)
{
	return evhttp_find_header(&q->query, name);
}

static void
json_error(struct reg_req *q, int status, const char *msg)
{
	struct strbuf sb;

	strbuf_init(&sb, 1024);
	/* msg is one of ours; still escape quotes for well-formed JSON */
	strbuf_puts(&sb, "{\"error\":\"");
	for (const char *p = msg; *p; p++) {
		if (*p == '"' || *p == '\\')
			strbuf_puts(&sb, "\\");
		strbuf_append(&sb, p, 1);
	}
	strbuf_puts(&sb, "\"}\n");
	reg_http_send(q, status, "application/json", sb.s, sb.len);
	strbuf_free(&sb);
}

/* Split and decode the path; -1 if it is malformed or too deep. */
static int
split_path(struct reg_req *q, const char *path)
{
	const char *p = path;

	if (p == NULL || *p != '/')
		return -1;
	while (*p) {
		const char *s;
		size_t n;
		char *raw, *dec;

		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		s = strchr(p, '/');
		n = s ? (size_t)(s - p) : strlen(p);
		if (q->nseg >= REG_HTTP_SEGS || n > 512)
			return -1;
		raw = xstrndup(p, n);
		dec = evhttp_uridecode(raw, 0, NULL);
		free(raw);
		if (dec == NULL || strchr(dec, '/') || dec[0] == '\0' || strcmp(dec, "..") == 0) {
			free(dec);
			return -1;
		}
		q->segs[q->nseg++] = dec;
		p += n;
	}
	return 0;
}

static int
match(const struct route *rt, const struct reg_req *q)
{
	const char *p = rt->pattern;
	size_t i = 0;

	if (strcmp(p, "/") == 0)
		return q->nseg == 0;
	while (*p) {
		const char *s;
		size_t n;

		p++; /* the '/' */
		s = strchr(p, '/');
		n = s ? (size_t)(s - p) : strlen(p);
		if (i >= q->nseg)
			return 0;
		if (!(n == 1 && p[0] == '*') &&
		    (strlen(q->segs[i]) != n || strncmp(p, q->segs[i], n) != 0))
			return 0;
		i++;
		p += n;
	}
	return i == q->nseg;
}

/* The value of cookie name in a Cookie header (RFC 6265 5.4), or 0. */
static int
cookie_value(const char *header, const char *name, char *out, size_t outsz)
{
	size_t nl = strlen(name);
	const char *p = header;

	while (p && *p) {
		while (*p == ' ' || *p == ';')
			p++;
		if (strncmp(p, name, nl) == 0 && p[nl] == '=') {
			size_t n = strcspn(p + nl + 1, "; ");
			if (n >= outsz)
				return 0;
			memcpy(out, p + nl + 1, n);
			out[n] = '\0';
			return 1;
		}
		p = strchr(p, ';');
	}
	return 0;
}

/*
 * The API: a bearer token, never a cookie (a page elsewhere can make a
 * browser send its cookie, never an Authorization header). The web UI:
 * the session cookie.
 */
static void
authenticate(struct reg_req *q)
{
	struct evkeyvalq *h = evhttp_request_get_input_headers(q->r);
	const char *auth = evhttp_find_header(h, "Authorization");
	const char *cookie = evhttp_find_header(h, "Cookie");
	char id[REG_SESSION_ID_LEN + 1];

	q->role = REG_ROLE_NONE;
	if (q->api) {
		if (auth && strncasecmp(auth, "Bearer ", 7) == 0 &&
		    reg_token_check(q->ctx->db, auth + 7, &q->role, &q->owner_id) == REG_OK)
			q->token_id = reg_token_id(auth + 7);
		else
			q->role = REG_ROLE_NONE;
		return;
	}
	if (cookie && cookie_value(cookie, REG_HTTP_OWNER_COOKIE, id, sizeof(id)) &&
	    reg_session_check_owner(q->ctx->db, id, (long long)time(NULL), &q->web_owner_token,
	        &q->web_owner_id) == REG_OK) {
		str_copy(q->owner_session, sizeof(q->owner_session), id);
		reg_session_csrf(id, q->owner_csrf);
	}
	if (cookie && cookie_value(cookie, REG_HTTP_COOKIE, id, sizeof(id)) &&
	    reg_session_check(q->ctx->db, id, (long long)time(NULL), &q->token_id) == REG_OK) {
		q->role = REG_ROLE_ADMIN;
		str_copy(q->session, sizeof(q->session), id);
		reg_session_csrf(id, q->csrf);
	}
}

void
reg_http_session_cookie(struct reg_req *q, const char *id, long long max_age)
{
	char cookie[REG_SESSION_ID_LEN + 160];

	snprintf(cookie, sizeof(cookie), "%s=%s; Path=/; Max-Age=%lld; HttpOnly; SameSite=Strict%s",
	    REG_HTTP_COOKIE, id, max_age,
	    q->tls || q->ctx->cfg->http_secure_cookie ? "; Secure" : "");
	reg_http_header(q, "Set-Cookie", cookie);
}

void
reg_http_owner_cookie(struct reg_req *q, const char *id, long long max_age)
{
	char cookie[REG_SESSION_ID_LEN + 160];

	snprintf(cookie, sizeof(cookie),
	    "%s=%s; Path=/owner; Max-Age=%lld; HttpOnly; SameSite=Strict%s", REG_HTTP_OWNER_COOKIE,
	    id, max_age, q->tls || q->ctx->cfg->http_secure_cookie ? "; Secure" : "");
	reg_http_header(q, "Set-Cookie", cookie);
}

/* RFC 8259 11: application/json, parameters allowed, nothing else. */
static int
is_json(const char *ct)
{
	return ct && strncasecmp(ct, "application/json", 16) == 0 &&
	    (ct[16] == '\0' || ct[16] == ';' || ct[16] == ' ' || ct[16] == '\t');
}

static int
same_address(const char *a, const char *b)
{
	unsigned char x[16], y[16];
	int af = strchr(a, ':') ? AF_INET6 : AF_INET;

	if (inet_pton(af, a, x) != 1 || inet_pton(af, b, y) != 1)
		return 0;
	return memcmp(x, y, af == AF_INET6 ? 16 : 4) == 0;
}

/*
 * The client's address: the peer's, or, when the peer is a trusted proxy,
 * the last address its X-Forwarded-For names (the one it saw itself; the
 * ones before it the client could have written). Also whether the proxy
 * was reached over TLS.
 */
static void
client_address(struct reg_req *q, const char *peer)
{
	const struct conf_list *trusted = &q->ctx->cfg->http_trusted_proxies;
	struct evkeyvalq *h = evhttp_request_get_input_headers(q->r);
	const char *xff, *proto;
	int proxy = 0;

	str_copy(q->peer, sizeof(q->peer), peer);
	for (size_t i = 0; i < trusted->n && !proxy; i++)
		proxy = same_address(trusted->v[i], peer);
	if (!proxy)
		return;
	proto = evhttp_find_header(h, "X-Forwarded-Proto");
	q->tls = proto && str_ieq(proto, "https");
	if ((xff = evhttp_find_header(h, "X-Forwarded-For")) != NULL) {
		const char *last = strrchr(xff, ',');
		char addr[64];
		unsigned char bin[16];

		str_copy(addr, sizeof(addr), last ? last + 1 : xff);
		str_trim(addr);
		if (inet_pton(AF_INET, addr, bin) == 1 || inet_pton(AF_INET6, addr, bin) == 1)
			str_copy(q->peer, sizeof(q->peer), addr);
	}
}

static void
read_body(struct reg_req *q)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(q->r);
	size_t n = evbuffer_get_length(in);
	const char *ct;

	q->body = xmalloc(n + 1);
	evbuffer_copyout(in, q->body, n);
	q->body[n] = '\0';
	q->body_len = n;
	ct = evhttp_find_header(evhttp_request_get_input_headers(q->r), "Content-Type");
	if (ct && strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0 &&
	    strlen(q->body) == n) {
		TAILQ_INIT(&q->form);
		if (evhttp_parse_query_str(q->body, &q->form) == 0)
			q->have_form = 1;
		else
			evhttp_clear_headers(&q->form);
	}
}

static void
on_request(struct evhttp_request *r, void *arg)
{
	struct reg_http *h = arg;
	struct reg_req q;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(r);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
	const char *qs = uri ? evhttp_uri_get_query(uri) : NULL;
	struct evhttp_connection *conn = evhttp_request_get_connection(r);
	const struct route *found = NULL;
	int path_match = 0;

	memset(&q, 0, sizeof(q));
	q.r = r;
	q.ctx = h->ctx;
	q.method = evhttp_request_get_command(r);
	TAILQ_INIT(&q.query);
	if (conn) {
		char *host = NULL;
		ev_uint16_t port = 0;
		evhttp_connection_get_peer(conn, &host, &port);
		client_address(&q, host ? host : "?");
	}
	if (split_path(&q, path) < 0) {
		json_error(&q, 400, "malformed path");
		goto out;
	}
	if (qs && evhttp_parse_query_str(qs, &q.query) < 0) {
		json_error(&q, 400, "malformed query string");
		goto out;
	}
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (!match(&routes[i], &q))
			continue;
		path_match = 1;
		if (routes[i].method == q.method ||
		    (q.method == EVHTTP_REQ_HEAD && routes[i].method == EVHTTP_REQ_GET)) {
			found = &routes[i];
			break;
		}
	}
	if (found == NULL) {
		int api = q.nseg > 0 && strcmp(q.segs[0], "api") == 0;
		if (path_match) {
			reg_http_header(&q, "Allow", "GET, HEAD, POST");
			json_error(&q, 405, "method not allowed");
		} else if (api) {
			json_error(&q, 404, "no such endpoint");
		} else {
			reg_web_not_found(&q);
		}
		goto out;
	}
	q.api = q.nseg > 0 && strcmp(q.segs[0], "api") == 0;
	read_body(&q);
	authenticate(&q);
	if (found->access == ADMIN && q.role != REG_ROLE_ADMIN) {
		if (!q.api)
			reg_http_redirect(&q, "/admin/login");
		else
			json_error(
			    &q, q.role != REG_ROLE_NONE ? 403 : 401, "an admin token is required");
		goto out;
	}
	if (found->access == OWNER_WEB && q.web_owner_id <= 0) {
		reg_http_redirect(&q, "/owner/login");
		goto out;
	}
	if (found->access == OWNER && q.role != REG_ROLE_OWNER) {
		json_error(&q, 401, "the owner token of a registered server is required");
		goto out;
	}
	/* a form a page elsewhere submits can never be JSON without a preflight */
	if (q.api && q.method == EVHTTP_REQ_POST &&
	    !is_json(evhttp_find_header(evhttp_request_get_input_headers(r), "Content-Type"))) {
		json_error(&q, 415, "send the body as application/json");
		goto out;
	}
	found->fn(&q);
out:
	for (size_t i = 0; i < q.nseg; i++)
		free(q.segs[i]);
	evhttp_clear_headers(&q.query);
	if (q.have_form)
		evhttp_clear_headers(&q.form);
	free(q.body);
}

struct reg_http *
reg_http_new(struct event_base *base, struct reg_http_ctx *ctx, struct strbuf *err)
{
	struct reg_http *h = xcalloc(1, sizeof(*h));

	h->ctx = ctx;
	h->http = evhttp_new(base);
	evhttp_set_max_body_size(h->http, (ev_ssize_t)ctx->cfg->http_max_body);
	evhttp_set_max_headers_size(h->http, HEADERS_MAX);
	evhttp_set_timeout(h->http, (int)(ctx->cfg->http_timeout / 1000));
	evhttp_set_allowed_methods(h->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD);
	evhttp_set_gencb(h->http, on_request, h);
	for (size_t i = 0; i < ctx->cfg->http_listen.n; i++) {
		const char *a = ctx->cfg->http_listen.v[i];
		struct sockaddr_storage ss;
		socklen_t sl;
		char why[256], bound[NETADDR_TEXT_MAX];
		int fd;

		if (netaddr_parse(a, 0, 65535, &ss, &sl, why, sizeof(why)) < 0 ||
		    (fd = netaddr_listen_tcp(
		         (struct sockaddr *)&ss, sl, 128, "http", why, sizeof(why))) < 0) {
			strbuf_printf(err, "http_listen %s", why);
			reg_http_free(h);
			return NULL;
		}
		if (evhttp_accept_socket_with_handle(h->http, fd) == NULL) {
			strbuf_printf(err, "http_listen %s: cannot serve HTTP", a);
			close(fd);
			reg_http_free(h);
			return NULL;
		}
		log_info("event=http_listen address=%s configured=%s",
		    netaddr_local(fd, bound, sizeof(bound)) ? bound : "?", a);
	}
	return h;
}

void
reg_http_free(struct reg_http *h)
{
	if (h == NULL)
		return;
	if (h->http)
		evhttp_free(h->http);
	free(h);
}
