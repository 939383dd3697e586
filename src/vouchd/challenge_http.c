/*
 * challenge_http: the confirmation page of challenge/response, served by
 * vouchd itself on challenge_http_listen (libevent's evhttp). vouchd holds
 * the challenges, the whitelists and the held mail, so confirming here
 * needs no other program (the registry's web server is a separate
 * process with its own database).
 *
 *   GET  /confirm?t=TOKEN   a page naming the recipient, with a button
 *   POST /confirm  t=TOKEN  confirms: whitelist, release (single use)
 *
 * The link in the challenge only shows the page: scanners and previews
 * that fetch every link in a message must not confirm anything; a
 * person's press of the button does. Anything else is 404.
 */
#include <sys/queue.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vouchd.h"
#include "challenge.h"
#include "challenge_int.h"
#include "util/log.h"
#include "util/netaddr.h"

#define BODY_MAX 1024

static void
html_escaped(struct evbuffer *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': evbuffer_add_printf(b, "&lt;"); break;
		case '>': evbuffer_add_printf(b, "&gt;"); break;
		case '&': evbuffer_add_printf(b, "&amp;"); break;
		case '"': evbuffer_add_printf(b, "&quot;"); break;
		case '\'': evbuffer_add_printf(b, "&#39;"); break;
		default: evbuffer_add(b, s, 1);
		}
	}
}

static void
page(struct evhttp_request *req, int code, const char *reason, const char *title, const char *text,
    const char *token)
{
	struct evbuffer *b = evbuffer_new();
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	if (b == NULL) {
		evhttp_send_error(req, HTTP_INTERNAL, "Internal Server Error");
		return;
	}
	evbuffer_add_printf(b, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>");
	html_escaped(b, title);
	evbuffer_add_printf(b, "</title></head><body><h1>");
	html_escaped(b, title);
	evbuffer_add_printf(b, "</h1><p id=\"text\">");
	html_escaped(b, text);
	evbuffer_add_printf(b, "</p>");
	if (token) {
		evbuffer_add_printf(b,
		    "<form method=\"post\" action=\"/confirm\">"
		    "<input type=\"hidden\" name=\"t\" value=\"");
		html_escaped(b, token);
		evbuffer_add_printf(b,
		    "\"><button type=\"submit\" id=\"confirm\">Confirm</button>"
		    "</form>");
	}
	evbuffer_add_printf(b, "</body></html>\n");
	evhttp_add_header(h, "Content-Type", "text/html; charset=utf-8");
	evhttp_add_header(h, "Cache-Control", "no-store");
	/* the button must not be framed by another page; the token is a secret */
	evhttp_add_header(h, "X-Frame-Options", "DENY");
	evhttp_add_header(
	    h, "Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
	evhttp_add_header(h, "Referrer-Policy", "no-referrer");
	evhttp_send_reply(req, code, reason, b);
	evbuffer_free(b);
}

/* The value of t in a query or form body, copied into out; -1 if none. */
static int
token_of(const char *query, char *out, size_t outsz)
{
	struct evkeyvalq q;
	const char *t;
	int rc = -1;

	TAILQ_INIT(&q);
	if (query == NULL || evhttp_parse_query_str(query, &q) != 0)
		return -1;
	if ((t = evhttp_find_header(&q, "t")) != NULL && strlen(t) < outsz) {
		snprintf(out, outsz, "%s", t);
		rc = 0;
	}
	evhttp_clear_headers(&q);
	return rc;
}

static void
on_request(struct evhttp_request *req, void *arg)
{
	struct challenge *c = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	char token[CHALLENGE_TOKEN_LEN + 8], text[600], rcpt[400];

	if (path == NULL || strcmp(path, "/confirm") != 0 ||
	    (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_POST)) {
		evhttp_send_error(req, HTTP_NOTFOUND, "Not Found");
		return;
	}
	if (cmd == EVHTTP_REQ_GET) {
		if (token_of(evhttp_uri_get_query(uri), token, sizeof(token)) < 0) {
			page(req, HTTP_BADREQUEST, "Bad Request", "Not a confirmation",
			    "This link is incomplete.", NULL);
			return;
		}
		if (challenge_peek(c->d, token, rcpt, sizeof(rcpt), text, sizeof(text)) < 0) {
			page(req, 410, "Gone", "Cannot confirm", text, NULL);
			return;
		}
		str_fmt(text, sizeof(text),
		    "Press the button to confirm that you wrote to %s. Your held mail is then "
		    "delivered, and your next messages go straight through.",
		    rcpt);
		page(req, HTTP_OK, "OK", "Confirm your message", text, token);
		return;
	}
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t n = evbuffer_get_length(in);
	char body[BODY_MAX + 1];
	if (n > BODY_MAX) {
		evhttp_send_error(req, 413, "Payload Too Large");
		return;
	}
	evbuffer_copyout(in, body, n);
	body[n] = '\0';
	if (token_of(body, token, sizeof(token)) < 0) {
		page(req, HTTP_BADREQUEST, "Bad Request", "Not a confirmation",
		    "The form is incomplete.", NULL);
		return;
	}
	if (challenge_confirm(c->d, token, "link", text, sizeof(text)) < 0) {
		page(req, 410, "Gone", "Cannot confirm", text, NULL);
		return;
	}
	page(req, HTTP_OK, "OK", "Confirmed", text, NULL);
}

int
challenge_http_open(struct challenge *c, const char *addr, char *err, size_t errsz)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	char bound[NETADDR_TEXT_MAX];
	evutil_socket_t fd;

	if (addr == NULL || addr[0] == '\0')
		return 0;
	if (netaddr_parse(addr, 0, 65535, &ss, &sl, err, errsz) < 0 ||
	    (fd = netaddr_listen_tcp(
	         (struct sockaddr *)&ss, sl, 64, "challenge_http_listen", err, errsz)) < 0)
		return -1;
	c->http = evhttp_new(c->d->base);
	if (c->http == NULL || evhttp_accept_socket_with_handle(c->http, fd) == NULL) {
		snprintf(err, errsz, "challenge_http_listen %s: cannot serve HTTP", addr);
		if (c->http)
			evhttp_free(c->http);
		c->http = NULL;
		close(fd);
		return -1;
	}
	evhttp_set_max_headers_size(c->http, 8192);
	evhttp_set_max_body_size(c->http, BODY_MAX);
	evhttp_set_timeout(c->http, 10);
	evhttp_set_allowed_methods(c->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD);
	evhttp_set_gencb(c->http, on_request, c);
	str_copy(
	    c->bound, sizeof(c->bound), netaddr_local(fd, bound, sizeof(bound)) ? bound : addr);
	log_info("event=challenge_http_listening address=%s configured=%s", c->bound, addr);
	return 0;
}

void
challenge_http_close(struct challenge *c)
{
	if (c->http)
		evhttp_free(c->http);
	c->http = NULL;
}

const char *
challenge_http_address(const struct challenge *c)
{
	return c && c->http ? c->bound : NULL;
}
