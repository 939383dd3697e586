/*
 * smtp_client: connection, replies and the opening dialogue of an SMTP
 * client session (see smtp_client.h). Transactions are in
 * smtp_client_txn.c.
 */
#include "smtp/smtp_client_int.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <openssl/ssl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "smtp/smtp_cmd.h"
#include "smtp/smtp_reply.h"
#include "smtp/smtp_sasl.h"
#include "tls/tls_ctx.h"
#include "util/log.h"
#include "util/xmalloc.h"

/* RFC 5321 4.5.3.1.5: reply lines are 512 octets; be lenient, but bounded. */
#define REPLY_LINE_MAX 4096
#define REPLY_LINES_MAX 200

static const char *const state_names[CS_COUNT] = {
	"connect",
	"banner",
	"ehlo",
	"helo",
	"starttls",
	"tls",
	"auth",
	"xvouch",
	"xgen",
	"ready",
	"cmd",
	"txn",
	"body",
	"rset",
	"quit",
	"closed",
	"failed",
};

/* The STARTTLS keyword, kept with the other extension bits. */
#define EXT_STARTTLS (1u << 30)

static void really_free(struct smtp_client *c);

void
smtp_client_set_state(struct smtp_client *c, enum smtp_client_state st)
{
	if (log_enabled(LOG_LVL_DEBUG)) {
		char esc[LOG_ESC_MAX];
		log_debug("event=smtp_client_state peer=%s from=%s to=%s",
		    log_token(esc, sizeof(esc), c->peer_name), state_names[c->state],
		    state_names[st]);
	}
	c->state = st;
}

int
smtp_client_emit(struct smtp_client *c, enum smtp_client_event ev)
{
	c->in_cb++;
	c->cb(c, ev, c->arg);
	c->in_cb--;
	if (c->dead && c->in_cb == 0) {
		really_free(c);
		return 0;
	}
	return !c->dead;
}

void
smtp_client_arm(struct smtp_client *c, long long ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	evtimer_add(c->timer, &tv);
}

/* One line into the transcript, octets outside printable ASCII as \xNN. */
static void
transcript_line(struct smtp_client *c, const char *dir, const char *line, size_t n)
{
	char out[1024];
	size_t o = 0;

	for (size_t i = 0; i < n && o + 5 < sizeof(out); i++) {
		unsigned char ch = (unsigned char)line[i];
		if (ch >= 0x20 && ch < 0x7f)
			out[o++] = (char)ch;
		else
			o += (size_t)snprintf(out + o, sizeof(out) - o, "\\x%02x", ch);
	}
	strbuf_printf(c->transcript, "%s%.*s\n", dir, (int)o, out);
}

void
smtp_client_write(struct smtp_client *c, const char *fmt, ...)
{
	char line[2048];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line) - 2)
		n = (int)sizeof(line) - 3;
	if (log_enabled(LOG_LVL_DEBUG) && strncasecmp(line, "AUTH", 4) != 0) {
		char esc[LOG_ESC_MAX], peer_esc[LOG_ESC_MAX];
		log_debug("event=smtp_client_send peer=%s line=%s",
		    log_token(peer_esc, sizeof(peer_esc), c->peer_name),
		    log_escape(esc, sizeof(esc), line, (size_t)n));
	}
	if (c->transcript) {
		if (strncasecmp(line, "AUTH ", 5) == 0)
			strbuf_puts(c->transcript, "C: AUTH (withheld)\n");
		else
			transcript_line(c, "C: ", line, (size_t)n);
	}
	memcpy(line + n, "\r\n", 2);
	bufferevent_write(c->bev, line, (size_t)n + 2);
}

void
smtp_client_fail(struct smtp_client *c, int code, const char *status, const char *text)
{
	if (c->state == CS_FAILED || c->dead)
		return;
	c->error.code = code;
	str_copy(c->error.status, sizeof(c->error.status), status ? status : "");
	str_copy(c->error.text, sizeof(c->error.text), text ? text : "");
	if (log_enabled(LOG_LVL_INFO)) {
		char peer_esc[LOG_ESC_MAX], esc[LOG_ESC_MAX];
		log_info("event=smtp_client_failed peer=%s state=%s code=%d reason=%s",
		    log_token(peer_esc, sizeof(peer_esc), c->peer_name), state_names[c->state],
		    code, log_str(esc, sizeof(esc), c->error.text));
	}
	if (c->msg)
		smtp_client_txn_abort(c, &c->error);
	smtp_client_set_state(c, CS_FAILED);
	evtimer_del(c->timer);
	if (c->bev)
		bufferevent_disable(c->bev, EV_READ | EV_WRITE);
	smtp_client_emit(c, SMTP_CLIENT_FAILED);
}

/* Parse the EHLO keywords (RFC 5321 4.1.1.1) into info. */
static void
ehlo_line(struct smtp_client *c, const char *kw, size_t len)
{
	struct smtp_client_info *in = &c->info;
	const char *arg = memchr(kw, ' ', len);
	size_t klen = arg ? (size_t)(arg - kw) : len;

	if (arg)
		arg++;
	if (str_nieq(kw, klen, "PIPELINING"))
		in->pipelining = 1;
	else if (str_nieq(kw, klen, "SIZE")) {
		in->ext |= SMTP_EXT_SIZE;
		if (arg) {
			char num[24];
			size_t n = len - (size_t)(arg - kw);
			if (n < sizeof(num)) {
				memcpy(num, arg, n);
				num[n] = '\0';
				in->max_size = strtoull(num, NULL, 10);
			}
		}
	} else if (str_nieq(kw, klen, "8BITMIME"))
		in->ext |= SMTP_EXT_8BITMIME;
	else if (str_nieq(kw, klen, "SMTPUTF8"))
		in->ext |= SMTP_EXT_SMTPUTF8;
	else if (str_nieq(kw, klen, "CHUNKING"))
		in->ext |= SMTP_EXT_CHUNKING;
	else if (str_nieq(kw, klen, "DSN"))
		in->ext |= SMTP_EXT_DSN;
	else if (str_nieq(kw, klen, "AUTH")) {
		/* only PLAIN is used (over TLS) */
		for (const char *p = arg; p && p < kw + len; p++)
			if (strncasecmp(p, "PLAIN", 5) == 0 && (p == arg || p[-1] == ' '))
				in->ext |= SMTP_EXT_AUTH;
	} else if (str_nieq(kw, klen, "STARTTLS")) {
		in->ext |= EXT_STARTTLS;
		if (!in->tls)
			in->starttls_offered = 1;
	} else if (str_nieq(kw, klen, "XVOUCH"))
		in->xvouch_offered = 1;
	else if (str_nieq(kw, klen, "XGEN")) {
		in->xgen_offered = 1;
		if (arg) {
			size_t n = len - (size_t)(arg - kw);
			if (n >= sizeof(in->xgen_server))
				n = sizeof(in->xgen_server) - 1;
			memcpy(in->xgen_server, arg, n);
			in->xgen_server[n] = '\0';
		}
	}
}

static void start_tls(struct smtp_client *c);

/* After EHLO (and after TLS): the optional steps, in order, then READY. */
static int
next_opening_step(struct smtp_client *c)
{
	if (c->state == CS_EHLO && !c->info.tls && c->tls && (c->info.ext & EXT_STARTTLS)) {
		smtp_client_set_state(c, CS_STARTTLS);
		smtp_client_write(c, "STARTTLS");
		smtp_client_arm(c, c->timeout_command);
		return 1;
	}
	if (c->tls_required && !c->info.tls) {
		smtp_client_fail(
		    c, 0, "4.7.5", "TLS is required for this destination but was not offered");
		return 0;
	}
	if (c->auth_user && c->state < CS_AUTH) {
		char creds[3 * SMTP_SASL_MAX + 4], b64[4 * SMTP_SASL_MAX + 8];
		size_t ul = strlen(c->auth_user), pl = strlen(c->auth_pass);
		if (!c->info.tls || !(c->info.ext & SMTP_EXT_AUTH) ||
		    ul + pl + 2 > sizeof(creds) - 1) {
			smtp_client_fail(c, 0, "4.7.0",
			    c->info.tls ? "the server does not offer AUTH PLAIN"
			                : "AUTH needs TLS, which the server does not offer");
			return 0;
		}
		creds[0] = '\0';
		memcpy(creds + 1, c->auth_user, ul);
		creds[ul + 1] = '\0';
		memcpy(creds + ul + 2, c->auth_pass, pl);
		smtp_sasl_b64_encode(creds, ul + pl + 2, b64, sizeof(b64));
		OPENSSL_cleanse(creds, sizeof(creds));
		smtp_client_set_state(c, CS_AUTH);
		smtp_client_write(c, "AUTH PLAIN %s", b64);
		OPENSSL_cleanse(b64, sizeof(b64));
		smtp_client_arm(c, c->timeout_command);
		return 1;
	}
	if (c->xvouch_id && c->info.xvouch_offered && c->state < CS_XVOUCH) {
		smtp_client_set_state(c, CS_XVOUCH);
		smtp_client_write(c, "XVOUCH %s", c->xvouch_id);
		smtp_client_arm(c, c->timeout_command);
		return 1;
	}
	if (c->xgen && c->info.xgen_offered && c->state < CS_XGEN) {
		smtp_client_set_state(c, CS_XGEN);
		smtp_client_write(c, "XGEN %s", c->xgen);
		smtp_client_arm(c, c->timeout_command);
		return 1;
	}
	smtp_client_set_state(c, CS_READY);
	evtimer_del(c->timer);
	return smtp_client_emit(c, SMTP_CLIENT_READY);
}

/* A whole reply is in: act on it according to the state. 0 if c is gone. */
static int
on_reply(struct smtp_client *c, const struct smtp_client_reply *r)
{
	int ok = r->code >= 200 && r->code < 300;

	switch (c->state) {
	case CS_BANNER:
		c->info.banner = *r;
		if (r->code != 220) {
			smtp_client_fail(c, r->code, r->status, r->text);
			return 0;
		}
		smtp_client_set_state(c, CS_EHLO);
		smtp_client_write(c, "EHLO %s", c->helo);
		smtp_client_arm(c, c->timeout_command);
		return 1;
	case CS_EHLO:
		if (c->info.ehlo.code == 0)
			c->info.ehlo = *r;
		if (!ok) {
			if (c->info.tls) {
				smtp_client_fail(c, r->code, r->status, r->text);
				return 0;
			}
			/* RFC 5321 3.2: an old server; say HELO instead. */
			smtp_client_set_state(c, CS_HELO);
			smtp_client_write(c, "HELO %s", c->helo);
			smtp_client_arm(c, c->timeout_command);
			return 1;
		}
		c->info.esmtp = 1;
		return next_opening_step(c);
	case CS_HELO:
		if (!ok) {
			smtp_client_fail(c, r->code, r->status, r->text);
			return 0;
		}
		memset(&c->info.ext, 0, sizeof(c->info.ext));
		return next_opening_step(c);
	case CS_STARTTLS:
		c->info.starttls = *r;
		if (r->code != 220) {
			if (c->tls_required) {
				smtp_client_fail(
				    c, r->code, r->status[0] ? r->status : "4.7.5", r->text);
				return 0;
			}
			/* Opportunistic: carry on in the clear. */
			c->tls = NULL;
			smtp_client_set_state(c, CS_EHLO);
			return next_opening_step(c);
		}
		start_tls(c);
		return c->state != CS_FAILED;
	case CS_AUTH:
		if (r->code != 235) {
			smtp_client_fail(c, r->code, r->status, r->text);
			return 0;
		}
		return next_opening_step(c);
	case CS_XVOUCH:
		/* A refusal is the receiver's to act on: it closes if it will
		 * not take mail from us, and we see the connection end. */
		c->info.xvouch = *r;
		if (r->code == 421) {
			smtp_client_fail(c, r->code, r->status, r->text);
			return 0;
		}
		return next_opening_step(c);
	case CS_XGEN:
		c->info.xgen = *r;
		if (r->code == 421) {
			smtp_client_fail(c, r->code, r->status, r->text);
			return 0;
		}
		return next_opening_step(c);
	case CS_TXN:
	case CS_BODY:
	case CS_RSET: return smtp_client_txn_reply(c, r);
	case CS_CMD: return smtp_client_cmd_reply(c, r);
	case CS_QUIT:
		smtp_client_set_state(c, CS_CLOSED);
		evtimer_del(c->timer);
		bufferevent_disable(c->bev, EV_READ | EV_WRITE);
		return smtp_client_emit(c, SMTP_CLIENT_CLOSED);
	case CS_READY:
		/* An unsolicited reply (a 421 before shutdown). */
		if (r->code == 421) {
			smtp_client_fail(c, r->code, r->status, r->text);
			return 0;
		}
		return 1;
	default: return 1;
	}
}

/* Read whole replies from the input. */
static void
on_read(struct bufferevent *bev, void *arg)
{
	struct smtp_client *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);

	while (!c->dead && c->state != CS_FAILED && c->state != CS_CLOSED) {
		size_t n;
		char *line = evbuffer_readln(in, &n, EVBUFFER_EOL_CRLF);
		struct smtp_reply_line rl;

		if (line == NULL) {
			if (evbuffer_get_length(in) > REPLY_LINE_MAX)
				smtp_client_fail(c, 0, "4.4.2", "reply line too long");
			return;
		}
		if (c->transcript)
			transcript_line(c, "S: ", line, n);
		if (smtp_reply_parse_line(line, n, &rl) < 0 ||
		    (c->cur_lines > 0 && rl.code != c->cur.code) ||
		    ++c->cur_lines > REPLY_LINES_MAX) {
			char esc[LOG_ESC_MAX];
			log_escape(esc, sizeof(esc), line, n);
			free(line);
			char text[300];
			snprintf(text, sizeof(text), "malformed reply from the server: %s", esc);
			smtp_client_fail(c, 0, "4.5.0", text);
			return;
		}
		if (c->cur_lines == 1) {
			c->cur.code = rl.code;
			c->cur.text[0] = '\0';
			c->cur.status[0] = '\0';
			smtp_reply_status(
			    rl.text, rl.textlen, c->cur.status, sizeof(c->cur.status));
		}
		if (c->state == CS_EHLO && c->cur_lines > 1)
			ehlo_line(c, rl.text, rl.textlen);
		/* Keep the text: lines joined with "; ", bounded. */
		size_t have = strlen(c->cur.text);
		if (have && have + 2 < sizeof(c->cur.text)) {
			memcpy(c->cur.text + have, "; ", 3);
			have += 2;
		}
		size_t room = sizeof(c->cur.text) - 1 - have;
		size_t take = rl.textlen < room ? rl.textlen : room;
		for (size_t i = 0; i < take; i++)
			c->cur.text[have + i] = (unsigned char)rl.text[i] < 32 ? ' ' : rl.text[i];
		c->cur.text[have + take] = '\0';
		int last = rl.last;
		free(line);
		if (!last)
			continue;
		struct smtp_client_reply r = c->cur;
		c->cur_lines = 0;
		if (log_enabled(LOG_LVL_DEBUG)) {
			char esc[LOG_ESC_MAX], peer_esc[LOG_ESC_MAX];
			log_debug("event=smtp_client_reply peer=%s code=%d text=%s",
			    log_token(peer_esc, sizeof(peer_esc), c->peer_name), r.code,
			    log_str(esc, sizeof(esc), r.text));
		}
		if (!on_reply(c, &r))
			return;
	}
}

static void
on_write(struct bufferevent *bev, void *arg)
{
	struct smtp_client *c = arg;

	(void)bev;
	if (c->state == CS_BODY)
		smtp_client_txn_pump(c);
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	struct smtp_client *c = arg;

	(void)bev;
	if (what & BEV_EVENT_CONNECTED) {
		if (c->state == CS_CONNECT) {
			smtp_client_set_state(c, CS_BANNER);
			smtp_client_arm(c, c->timeout_command);
			return;
		}
		if (c->state == CS_TLS) {
			c->info.tls = 1;
			str_copy(c->info.tls_version, sizeof(c->info.tls_version),
			    SSL_get_version(c->ssl));
			c->info.tls_verified = tls_server_verified_for(c->ssl, c->peer_name);
			{
				X509 *cert = SSL_get1_peer_certificate(c->ssl);
				c->info.tls_cert = cert != NULL;
				if (cert) {
					X509_NAME_oneline(X509_get_subject_name(cert),
					    c->info.tls_subject, sizeof(c->info.tls_subject));
					X509_free(cert);
				}
			}
			if (c->tls_verify && !c->info.tls_verified) {
				smtp_client_fail(c, 0, "4.7.5",
				    "the server's TLS certificate does not verify for its name");
				return;
			}
			/* RFC 3207 4.2: start over with EHLO. */
			c->info.ext = 0;
			c->info.pipelining = 0;
			c->info.xvouch_offered = c->info.xgen_offered = 0;
			smtp_client_set_state(c, CS_EHLO);
			smtp_client_write(c, "EHLO %s", c->helo);
			smtp_client_arm(c, c->timeout_command);
		}
		return;
	}
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		if (c->state == CS_QUIT) {
			smtp_client_set_state(c, CS_CLOSED);
			evtimer_del(c->timer);
			smtp_client_emit(c, SMTP_CLIENT_CLOSED);
			return;
		}
		char text[200];
		int e = EVUTIL_SOCKET_ERROR();
		if (c->state == CS_CONNECT)
			snprintf(text, sizeof(text), "cannot connect: %s",
			    (what & BEV_EVENT_ERROR) && e ? strerror(e) : "connection refused");
		else if (c->state == CS_TLS)
			snprintf(text, sizeof(text), "TLS handshake failed");
		else
			snprintf(text, sizeof(text), "connection lost in state %s",
			    state_names[c->state]);
		/* RFC 3463: 4.4.1 no answer from host, 4.4.2 bad connection */
		smtp_client_fail(c, 0,
		    c->state == CS_TLS           ? "4.7.5"
		        : c->state == CS_CONNECT ? "4.4.1"
		                                 : "4.4.2",
		    text);
	}
}

static void
on_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct smtp_client *c = arg;
	char text[600];

	(void)fd;
	(void)what;
	if (c->bev == NULL) {
		/* The socket could not even be made: report it from the loop. */
		snprintf(text, sizeof(text), "%s", c->error.text);
		smtp_client_fail(c, 0, "4.4.1", text);
		return;
	}
	snprintf(text, sizeof(text), "timeout in state %s", state_names[c->state]);
	smtp_client_fail(c, 0, c->state == CS_CONNECT ? "4.4.1" : "4.4.2", text);
}

static void
start_tls(struct smtp_client *c)
{
	struct bufferevent *tbev;

	c->ssl = SSL_new(c->tls);
	if (c->ssl == NULL) {
		smtp_client_fail(c, 0, "4.7.5", "cannot start TLS");
		return;
	}
	SSL_set_tlsext_host_name(c->ssl, c->peer_name);
	tbev = bufferevent_openssl_filter_new(
	    c->base, c->bev, c->ssl, BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
	if (tbev == NULL) {
		SSL_free(c->ssl);
		c->ssl = NULL;
		smtp_client_fail(c, 0, "4.7.5", "cannot start TLS");
		return;
	}
	bufferevent_openssl_set_allow_dirty_shutdown(tbev, 1);
	c->bev = tbev;
	bufferevent_setcb(c->bev, on_read, on_write, on_event, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	smtp_client_set_state(c, CS_TLS);
	smtp_client_arm(c, c->timeout_command);
}

static char *
dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

struct smtp_client *
smtp_client_new(struct event_base *base, const struct sockaddr *addr, socklen_t addrlen,
    const struct smtp_client_params *p, smtp_client_cb cb, void *arg)
{
	struct smtp_client *c = xcalloc(1, sizeof(*c));
	int fd;

	c->base = base;
	c->cb = cb;
	c->arg = arg;
	c->helo = xstrdup(p->helo);
	c->peer_name = xstrdup(p->peer_name ? p->peer_name : "unknown");
	c->auth_user = dup_or_null(p->auth_user);
	c->auth_pass = dup_or_null(p->auth_pass);
	c->xvouch_id = dup_or_null(p->xvouch_id);
	c->xgen = dup_or_null(p->xgen);
	c->tls = p->tls;
	c->tls_required = p->tls_required;
	c->tls_verify = p->tls_verify;
	c->transcript = p->transcript;
	c->timeout_connect = p->timeout_connect ? p->timeout_connect : 30000;
	c->timeout_command = p->timeout_command ? p->timeout_command : 300000;
	c->timeout_data = p->timeout_data ? p->timeout_data : 600000;
	c->timer = evtimer_new(base, on_timeout, c);
	c->state = CS_CONNECT;

	fd = socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd >= 0 && p->bind_src) {
		int one = 1;
		/* Several checks may leave from the same address at once. */
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, p->bind_src, p->bind_srclen) < 0) {
			close(fd);
			fd = -1;
		}
	}
	c->bev = fd >= 0 ? bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE) : NULL;
	if (c->bev == NULL) {
		if (fd >= 0)
			close(fd);
		c->error.code = 0;
		snprintf(c->error.text, sizeof(c->error.text), "cannot create a socket: %s",
		    strerror(errno));
		smtp_client_arm(c, 0);
		return c;
	}
	bufferevent_setcb(c->bev, on_read, on_write, on_event, c);
	bufferevent_setwatermark(c->bev, EV_WRITE, 64 * 1024, 0);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	smtp_client_arm(c, c->timeout_connect);
	if (bufferevent_socket_connect(c->bev, addr, (int)addrlen) < 0) {
		/* bufferevent reports the error through on_event on the loop. */
		char esc[LOG_ESC_MAX];
		log_debug("event=smtp_client_connect_error peer=%s",
		    log_token(esc, sizeof(esc), c->peer_name));
	}
	return c;
}

void
smtp_client_send(struct smtp_client *c, struct smtp_client_msg *m)
{
	if (c->state != CS_READY)
		log_panic("smtp_client_send in state %s", state_names[c->state]);
	c->msg = m;
	smtp_client_txn_start(c);
}

void
smtp_client_quit(struct smtp_client *c)
{
	if (c->state != CS_READY) {
		smtp_client_set_state(c, CS_QUIT);
		smtp_client_emit(c, SMTP_CLIENT_CLOSED);
		return;
	}
	smtp_client_set_state(c, CS_QUIT);
	smtp_client_write(c, "QUIT");
	smtp_client_arm(c, 10000);
}

static void
really_free(struct smtp_client *c)
{
	if (c->timer)
		event_free(c->timer);
	if (c->bev)
		bufferevent_free(c->bev);
	if (c->auth_pass)
		OPENSSL_cleanse(c->auth_pass, strlen(c->auth_pass));
	free(c->helo);
	free(c->peer_name);
	free(c->auth_user);
	free(c->auth_pass);
	free(c->xvouch_id);
	free(c->xgen);
	smtp_client_cmd_clear(c);
	free(c);
}

void
smtp_client_free(struct smtp_client *c)
{
	if (c == NULL)
		return;
	if (c->in_cb) {
		c->dead = 1;
		evtimer_del(c->timer);
		if (c->bev) {
			bufferevent_setcb(c->bev, NULL, NULL, NULL, NULL);
			bufferevent_disable(c->bev, EV_READ | EV_WRITE);
		}
		return;
	}
	really_free(c);
}

const struct smtp_client_reply *
smtp_client_error(const struct smtp_client *c)
{
	return &c->error;
}

const struct smtp_client_info *
smtp_client_info(const struct smtp_client *c)
{
	return &c->info;
}
