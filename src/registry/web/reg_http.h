/*
 * reg_http: the HTTP server (libevent evhttp) that carries the JSON API
 * (reg_api) and the web UI (reg_web, reg_web_admin): bounded requests
 * (body, header and time limits), one routing table of (method, path
 * pattern, handler, access), request helpers (path segments, body, query
 * and form fields), authentication (the API takes bearer tokens only and
 * JSON bodies only; the web UI a session cookie, reg_session), the
 * client's address (through trusted proxies), and the security headers
 * every response carries.
 */
#ifndef VOUCH_REGISTRY_REG_HTTP_H
#define VOUCH_REGISTRY_REG_HTTP_H

#include <stddef.h>

#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "reg_certq.h"
#include "reg_config.h"
#include "reg_db.h"
#include "reg_input.h"
#include "reg_session.h"
#include "reg_token.h"
#include "util/str.h"

struct dns_client;
struct reg_trapcheck;

/* What handlers share: owned by the serve loop, outlives the server. */
struct reg_http_ctx {
	const struct reg_config *cfg;
	struct reg_db *db;
	struct reg_certq *certq;         /* NULL: certification not available */
	struct dns_client *dns;          /* libvouch's DNS client on the loop */
	struct reg_trapcheck *traps;     /* MX checks of new traps; NULL: none */
	void (*zone_changed)(void *arg); /* the zone must be rebuilt */
	void *zone_arg;
};

#define REG_HTTP_SEGS 8

/* One request being handled (lives for the handler's call only). */
struct reg_req {
	struct evhttp_request *r;
	struct reg_http_ctx *ctx;
	enum evhttp_cmd_type method;
	char *segs[REG_HTTP_SEGS]; /* decoded path segments, owned */
	size_t nseg;
	struct evkeyvalq query; /* ?a=b, decoded */
	struct evkeyvalq form;  /* urlencoded POST body, decoded */
	int have_form;
	char *body; /* NUL-terminated copy of the body, owned */
	size_t body_len;
	char peer[64];            /* the client's address (a trusted proxy's X-Forwarded-For) */
	int tls;                  /* reached over TLS: a trusted proxy said so */
	int api;                  /* an /api/ route: bearer tokens only */
	enum reg_token_role role; /* from a valid bearer token (API) or session (web) */
	long long owner_id;       /* owner tokens: their server */
	long long token_id;       /* the token's id (for the history) */
	char session[REG_SESSION_ID_LEN + 1]; /* web: the signed-in session's id */
	char csrf[65];                        /* web: that session's CSRF value */
	/* web: an owner's session (cookie vr_owner, owner pages only) */
	long long web_owner_id;                     /* its server, 0 = none */
	long long web_owner_token;                  /* its owner token's id */
	char owner_session[REG_SESSION_ID_LEN + 1]; /* its id */
	char owner_csrf[65];                        /* its CSRF value */
};

typedef void (*reg_http_handler)(struct reg_req *q);

struct reg_http;

/* Bind http_listen and route requests. NULL with a reason on failure. */
struct reg_http *
reg_http_new(struct event_base *base, struct reg_http_ctx *ctx, struct strbuf *err);
/* Stop serving; NULL-safe. */
void reg_http_free(struct reg_http *h);

/* Send a response with the given status, type and body (copied). */
void reg_http_send(struct reg_req *q, int status, const char *type, const char *body, size_t len);
/* Redirect with 303 See Other to a local path (after a POST). */
void reg_http_redirect(struct reg_req *q, const char *path);
/* A field source over the form (web) for reg_input. */
struct reg_input_src reg_http_form_src(struct reg_req *q);
/* A query-string field, or NULL. */
const char *reg_http_query(struct reg_req *q, const char *name);
/* Set a response header (before sending). */
void reg_http_header(struct reg_req *q, const char *name, const char *value);
/* Set the admin session cookie (HttpOnly, SameSite=Strict, Path=/, Secure
 * when reached over TLS or http_secure_cookie); id "" and max_age 0 clear it. */
void reg_http_session_cookie(struct reg_req *q, const char *id, long long max_age);
/* The same for an owner's session (vr_owner, Path=/owner). */
void reg_http_owner_cookie(struct reg_req *q, const char *id, long long max_age);

#endif
