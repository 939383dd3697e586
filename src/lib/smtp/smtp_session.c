/*
 * smtp_session: life cycle, I/O, timers and replies of a server session
 * (see smtp_session.h). Commands are in smtp_session_cmd.c, message text
 * in smtp_session_data.c, STARTTLS in smtp_session_tls.c.
 */
#include "smtp/smtp_session_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <openssl/ssl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "smtp/smtp_reply.h"
#include "util/hmap.h"
#include "util/log.h"
#include "util/xmalloc.h"

/* Input held while a command is decided; reading pauses above it. */
#define SMTP_READ_HIGHWATER (64 * 1024)

static const char *const state_names[SMTP_ST_COUNT] = {
	"connect",
	"init",
	"ready",
	"mail",
	"rcpt",
	"data",
	"bdat",
	"tls",
	"closing",
};

static void session_free_later(struct smtp_session *s);

int64_t
smtp_session_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
smtp_session_set_state(struct smtp_session *s, enum smtp_state st)
{
	if (s->state == st)
		return;
	log_debug("sid=%016llx event=state from=%s to=%s", (unsigned long long)s->id,
	    state_names[s->state], state_names[st]);
	s->state = st;
}

/* The only place replies are written. */
void
smtp_session_send(struct smtp_session *s, int code, const char *status, const char *text)
{
	struct strbuf *sb = &s->srv->reply;

	if (s->dead || s->bev == NULL)
		return;
	strbuf_reset(sb);
	if (smtp_reply_append(sb, code, status, text ? text : "") < 0) {
		strbuf_reset(sb);
		smtp_reply_append(sb, 451, "4.3.0", "Internal error: reply too long");
	}
	bufferevent_write(s->bev, sb->s, sb->len);
	if (log_enabled(LOG_LVL_DEBUG)) {
		char esc[LOG_ESC_MAX];
		log_debug("sid=%016llx event=reply text=%s", (unsigned long long)s->id,
		    log_escape(esc, sizeof(esc), sb->s, sb->len > 2 ? sb->len - 2 : sb->len));
	}
}

void
smtp_session_error(struct smtp_session *s, int code, const char *status, const char *text)
{
	smtp_session_send(s, code, status, text);
	if (++s->errors >= s->conf.lim.max_errors && !s->quitting) {
		log_info("sid=%016llx event=too_many_errors client=%s errors=%u",
		    (unsigned long long)s->id, s->peer_addr, s->errors);
		smtp_session_send(s, 421, "4.7.0", "Too many errors, closing connection");
		smtp_session_close(s);
	}
}

void
smtp_session_reset_txn(struct smtp_session *s, int tell_host)
{
	int had = s->mail != NULL || s->bdat_active || s->bdat_refused;

	free(s->mail);
	s->mail = NULL;
	free(s->rcpt_pending);
	s->rcpt_pending = NULL;
	s->nrcpt = 0;
	s->bdat_active = s->bdat_refused = s->bdat_last = 0;
	s->bdat_left = 0;
	s->write_failed = s->too_big = 0;
	if (had && tell_host && s->srv->ops->reset)
		s->srv->ops->reset(s->srv->host, s);
	if (s->state == SMTP_ST_MAIL || s->state == SMTP_ST_RCPT || s->state == SMTP_ST_DATA ||
	    s->state == SMTP_ST_BDAT)
		smtp_session_set_state(s, SMTP_ST_READY);
}

int
smtp_session_in_message(const struct smtp_session *s)
{
	return s->state == SMTP_ST_DATA || s->state == SMTP_ST_BDAT ||
	    (s->mail != NULL && (s->bdat_active || s->bdat_refused));
}

/* Ask the host; reading stops until smtp_session_decide(). */
void
smtp_session_ask(struct smtp_session *s, enum smtp_pending p)
{
	s->pending = p;
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct smtp_session *s = arg;
	int64_t now = smtp_session_now_ms();
	const struct smtp_session_limits *lim = &s->conf.lim;
	const char *why = NULL;

	(void)fd;
	(void)what;
	s->timer_at = 0;
	if (s->dead || s->quitting)
		return;
	if (s->pending != SMTP_PEND_NONE) {
		smtp_session_arm_timer(s);
		return;
	}
	if (smtp_session_in_message(s)) {
		int64_t elapsed = now - s->data_start_ms;
		int text = s->state == SMTP_ST_DATA || s->state == SMTP_ST_BDAT;
		if (text && now - s->last_read_ms >= lim->timeout_data_block)
			why = "timeout waiting for message text";
		else if (!text && now - s->cmd_start_ms >= lim->timeout_command)
			why = "timeout waiting for a command";
		else if (elapsed >= lim->timeout_data)
			why = "message took too long";
		else if (lim->min_data_rate && elapsed >= lim->data_rate_grace && elapsed > 0 &&
		    s->raw_in * 1000ULL / (unsigned long long)elapsed < lim->min_data_rate)
			why = "data rate too low";
	} else if (now - s->cmd_start_ms >= lim->timeout_command) {
		why = "timeout waiting for a command";
	}
	if (why == NULL) {
		smtp_session_arm_timer(s);
		return;
	}
	log_info("sid=%016llx event=timeout client=%s state=%s reason=\"%s\"",
	    (unsigned long long)s->id, s->peer_addr, state_names[s->state], why);
	char text[400];
	snprintf(text, sizeof(text), "%s Error: %s, closing connection", s->conf.hostname, why);
	smtp_session_send(s, 421, "4.4.2", text);
	smtp_session_close(s);
}

void
smtp_session_arm_timer(struct smtp_session *s)
{
	const struct smtp_session_limits *lim = &s->conf.lim;
	int64_t now = smtp_session_now_ms(), deadline;
	struct timeval tv;

	if (s->dead || s->timer == NULL)
		return;
	if (smtp_session_in_message(s)) {
		/* RFC 5321 4.5.3.2.6: the whole message, every BDAT chunk and
		 * the commands between them (each chunk does not start it anew) */
		if (s->state == SMTP_ST_DATA || s->state == SMTP_ST_BDAT)
			deadline = s->last_read_ms + lim->timeout_data_block;
		else
			deadline = s->cmd_start_ms + lim->timeout_command;
		if (s->data_start_ms + lim->timeout_data < deadline)
			deadline = s->data_start_ms + lim->timeout_data;
		if (lim->min_data_rate) {
			/* re-check the rate every second once the grace is over */
			int64_t check = s->data_start_ms + lim->data_rate_grace;
			if (check < now + 1000)
				check = now + 1000;
			if (check < deadline)
				deadline = check;
		}
	} else {
		deadline = s->cmd_start_ms + lim->timeout_command;
	}
	if (deadline < now)
		deadline = now;
	/*
	 * A pending timer that fires no later is kept: when it fires it
	 * re-checks and re-arms. Moving it on every read would let a client
	 * that keeps sending postpone the rate check for ever.
	 */
	if (s->timer_at != 0 && s->timer_at <= deadline)
		return;
	s->timer_at = deadline;
	tv.tv_sec = (deadline - now) / 1000;
	tv.tv_usec = ((deadline - now) % 1000) * 1000;
	evtimer_add(s->timer, &tv);
}

/*
 * Read and act on buffered input until the input runs out, the host is
 * deciding, or the session ends. Safe to call re-entrantly (it returns
 * and lets the outer call carry on).
 */
void
smtp_session_process(struct smtp_session *s)
{
	struct evbuffer *in;

	if (s->in_process || s->dead || s->bev == NULL)
		return;
	s->in_process = 1;
	while (!s->dead && !s->quitting && s->pending == SMTP_PEND_NONE &&
	    s->state != SMTP_ST_TLS && s->state != SMTP_ST_CONNECT) {
		in = bufferevent_get_input(s->bev);
		if (s->state == SMTP_ST_DATA) {
			if (!smtp_session_data_read(s, in))
				break;
			continue;
		}
		if (s->state == SMTP_ST_BDAT) {
			if (!smtp_session_data_bdat_read(s, in))
				break;
			continue;
		}
		size_t eol_len = 0;
		struct evbuffer_ptr p = evbuffer_search_eol(in, NULL, &eol_len, EVBUFFER_EOL_LF);
		if (p.pos < 0) {
			size_t avail = evbuffer_get_length(in);
			/* RFC 5321 4.5.3.1.4: refuse, do not buffer, long lines. */
			if (avail >= s->conf.lim.max_command_line) {
				s->discarding_line = 1;
				evbuffer_drain(in, avail);
			}
			break;
		}
		size_t linelen = (size_t)p.pos;
		if (s->discarding_line || linelen + 1 > s->conf.lim.max_command_line) {
			evbuffer_drain(in, linelen + 1);
			s->discarding_line = 0;
			smtp_session_error(s, 500, "5.5.2", "Syntax error: line too long");
			continue;
		}
		const char *line = (const char *)evbuffer_pullup(in, (ev_ssize_t)linelen + 1);
		if (linelen == 0 || line[linelen - 1] != '\r') {
			evbuffer_drain(in, linelen + 1);
			smtp_session_error(s, 500, "5.5.2",
			    "Syntax error: bare LF in command (lines end with CRLF, RFC 5321 2.3.8)");
			continue;
		}
		if (memchr(line, '\r', linelen - 1) != NULL) {
			evbuffer_drain(in, linelen + 1);
			smtp_session_error(
			    s, 500, "5.5.2", "Syntax error: bare CR in command (RFC 5321 2.3.8)");
			continue;
		}
		/* The command may switch the stream (STARTTLS), so copy the line
		 * and drain it before acting on it. */
		char stackline[1024];
		char *copy = linelen < sizeof(stackline) ? stackline : xmalloc(linelen);
		memcpy(copy, line, linelen - 1);
		copy[linelen - 1] = '\0';
		evbuffer_drain(in, linelen + 1);
		s->cmd_start_ms = smtp_session_now_ms();
		if (s->line_fn) {
			void (*fn)(void *, struct smtp_session *, const char *, size_t) =
			    s->line_fn;
			s->line_fn = NULL;
			s->pending = SMTP_PEND_EXTRA;
			fn(s->srv->host, s, copy, linelen - 1);
		} else {
			smtp_session_cmd_line(s, copy, linelen - 1);
		}
		if (copy != stackline)
			free(copy);
	}
	s->in_process = 0;
	if (!s->dead && !s->quitting)
		smtp_session_arm_timer(s);
}

void
smtp_session_decide(struct smtp_session *s, int code, const char *status, const char *text)
{
	enum smtp_pending p = s->pending;

	if (s->dead)
		return;
	if (p == SMTP_PEND_NONE)
		log_panic("smtp_session_decide without a pending command (sid=%016llx)",
		    (unsigned long long)s->id);
	s->pending = SMTP_PEND_NONE;
	s->cmd_start_ms = smtp_session_now_ms();
	smtp_session_cmd_decided(s, p, code, status, text);
	if (code == 421 && !s->quitting)
		smtp_session_close(s);
	if (!s->dead && !s->quitting && s->srv->shutting_down && s->pending == SMTP_PEND_NONE &&
	    (s->state == SMTP_ST_INIT || s->state == SMTP_ST_READY)) {
		smtp_session_send(s, 421, "4.3.2", s->srv->shutdown_why);
		smtp_session_close(s);
	}
	if (!s->dead)
		smtp_session_process(s);
}

void
smtp_session_answer(struct smtp_session *s, int code, const char *status, const char *text)
{
	s->answer = 1;
	smtp_session_decide(s, code, status, text);
	if (!s->dead)
		s->answer = 0;
}

void
smtp_session_reply(struct smtp_session *s, int code, const char *status, const char *text)
{
	smtp_session_send(s, code, status, text);
}

void
smtp_session_expect_line(struct smtp_session *s,
    void (*fn)(void *host, struct smtp_session *s, const char *line, size_t len))
{
	s->line_fn = fn;
	s->pending = SMTP_PEND_NONE;
	s->cmd_start_ms = smtp_session_now_ms();
	if (!s->in_process)
		smtp_session_process(s);
}

/* Tear down now: the host forgets the session, memory goes later. */
static void
session_finish(struct smtp_session *s)
{
	if (s->dead)
		return;
	smtp_session_reset_txn(s, 1);
	if (s->srv->ops->close)
		s->srv->ops->close(s->srv->host, s);
	s->dead = 1;
	hmap_del(s->srv->sessions, &s->id, sizeof(s->id));
	if (s->timer)
		evtimer_del(s->timer);
	s->timer_at = 0;
	if (s->bev) {
		bufferevent_setcb(s->bev, NULL, NULL, NULL, NULL);
		bufferevent_disable(s->bev, EV_READ | EV_WRITE);
	}
	log_info("sid=%016llx event=disconnect client=%s errors=%u", (unsigned long long)s->id,
	    s->peer_addr, s->errors);
	session_free_later(s);
}

/* Octets written but not yet handed to the kernel: under TLS some may sit
 * in the plain bufferevent beneath the filter. */
static size_t
pending_output(const struct smtp_session *s)
{
	struct bufferevent *under = bufferevent_get_underlying(s->bev);
	size_t n = evbuffer_get_length(bufferevent_get_output(s->bev));

	if (under)
		n += evbuffer_get_length(bufferevent_get_output(under));
	return n;
}

static void
linger(evutil_socket_t fd, short what, void *arg)
{
	struct smtp_session *s = arg;
	struct timeval tick = { 0, 10000 };

	(void)fd;
	(void)what;
	if (s->dead)
		return;
	/* The last reply is out, or we have waited long enough for it. */
	if (pending_output(s) == 0 || smtp_session_now_ms() - s->cmd_start_ms > 10000) {
		session_finish(s);
		return;
	}
	evtimer_add(s->timer, &tick);
}

static void
on_write(struct bufferevent *bev, void *arg)
{
	struct smtp_session *s = arg;

	(void)bev;
	if (!s->quitting)
		return;
	if (pending_output(s) == 0) {
		session_finish(s);
		return;
	}
	/* Wait for the layer below the TLS filter to drain. */
	s->cmd_start_ms = smtp_session_now_ms();
	evtimer_assign(s->timer, s->srv->base, linger, s);
	linger(-1, 0, s);
}

void
smtp_session_close(struct smtp_session *s)
{
	if (s->dead || s->quitting)
		return;
	s->quitting = 1;
	/* Abandon the transaction now (removing its queue file), not once
	 * the last reply has drained. */
	smtp_session_reset_txn(s, 1);
	smtp_session_set_state(s, SMTP_ST_CLOSING);
	if (s->timer)
		evtimer_del(s->timer);
	s->timer_at = 0;
	if (s->bev == NULL || pending_output(s) == 0) {
		session_finish(s);
		return;
	}
	bufferevent_disable(s->bev, EV_READ);
	/* Give the last reply a bounded time to drain. */
	struct timeval tv = { 10, 0 };
	bufferevent_set_timeouts(s->bev, NULL, &tv);
}

static void
on_read(struct bufferevent *bev, void *arg)
{
	struct smtp_session *s = arg;

	(void)bev;
	s->last_read_ms = smtp_session_now_ms();
	smtp_session_process(s);
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	struct smtp_session *s = arg;

	(void)bev;
	if (what & BEV_EVENT_CONNECTED) {
		smtp_session_tls_connected(s);
		return;
	}
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT)) {
		if (s->state == SMTP_ST_DATA || s->state == SMTP_ST_BDAT ||
		    s->state == SMTP_ST_TLS || (what & BEV_EVENT_ERROR))
			log_info("sid=%016llx event=lost client=%s state=%s%s",
			    (unsigned long long)s->id, s->peer_addr, state_names[s->state],
			    (what & BEV_EVENT_ERROR) ? " error=io" : "");
		session_finish(s);
	}
}

void
smtp_session_setcb(struct smtp_session *s)
{
	bufferevent_setcb(s->bev, on_read, on_write, on_event, s);
	bufferevent_setwatermark(s->bev, EV_READ, 0, SMTP_READ_HIGHWATER);
	bufferevent_enable(s->bev, EV_READ | EV_WRITE);
}

static void
addr_text(const struct sockaddr *sa, char *buf, size_t bufsz, int *port)
{
	buf[0] = '\0';
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)(const void *)sa;
		inet_ntop(AF_INET, &sin->sin_addr, buf, (socklen_t)bufsz);
		if (port)
			*port = ntohs(sin->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)(const void *)sa;
		inet_ntop(AF_INET6, &sin6->sin6_addr, buf, (socklen_t)bufsz);
		/* Show v4-mapped addresses as plain IPv4. */
		if (strncmp(buf, "::ffff:", 7) == 0 && strchr(buf + 7, '.'))
			memmove(buf, buf + 7, strlen(buf + 7) + 1);
		if (port)
			*port = ntohs(sin6->sin6_port);
	} else {
		str_copy(buf, bufsz, "unknown");
	}
}

struct smtp_session *
smtp_session_new(struct smtp_server *srv, int fd, const struct sockaddr *peer, socklen_t peerlen,
    const struct sockaddr *local, socklen_t locallen, const struct smtp_session_conf *conf)
{
	struct smtp_session *s = xcalloc(1, sizeof(*s));

	s->srv = srv;
	s->id = ++srv->next_id;
	s->conf = *conf;
	if (peerlen > sizeof(s->peer))
		peerlen = sizeof(s->peer);
	memcpy(&s->peer, peer, peerlen);
	s->peerlen = peerlen;
	if (locallen > sizeof(s->local))
		locallen = sizeof(s->local);
	memcpy(&s->local, local, locallen);
	s->locallen = locallen;
	addr_text(peer, s->peer_addr, sizeof(s->peer_addr), &s->peer_port);
	addr_text(local, s->local_addr, sizeof(s->local_addr), NULL);
	s->cmd_start_ms = s->last_read_ms = smtp_session_now_ms();
	s->state = SMTP_ST_CONNECT;
	/* The listener may swap its context on reload; keep ours alive. */
	if (s->conf.tls)
		SSL_CTX_up_ref(s->conf.tls);

	if (conf->implicit_tls && conf->tls) {
		if (smtp_session_tls_wrap_implicit(s, fd) < 0) {
			close(fd);
			SSL_CTX_free(s->conf.tls);
			free(s);
			return NULL;
		}
	} else {
		s->bev = bufferevent_socket_new(srv->base, fd, BEV_OPT_CLOSE_ON_FREE);
		if (s->bev == NULL) {
			close(fd);
			SSL_CTX_free(s->conf.tls);
			free(s);
			return NULL;
		}
	}
	s->timer = evtimer_new(srv->base, on_timer, s);
	smtp_session_setcb(s);
	hmap_put(srv->sessions, &s->id, sizeof(s->id), s);
	log_info("sid=%016llx event=connect client=%s port=%d local=%s%s",
	    (unsigned long long)s->id, s->peer_addr, s->peer_port, s->local_addr,
	    s->ssl ? " tls=implicit" : "");
	s->pending = SMTP_PEND_CONNECT;
	srv->ops->connect(srv->host, s);
	return s;
}

/* Memory of finished sessions is released from a fresh loop iteration. */
static void
reap(evutil_socket_t fd, short what, void *arg)
{
	struct smtp_server *srv = arg;

	(void)fd;
	(void)what;
	while (srv->dead) {
		struct smtp_session *s = srv->dead;
		srv->dead = s->next_dead;
		if (s->timer)
			event_free(s->timer);
		if (s->bev)
			bufferevent_free(s->bev);
		smtp_session_tls_free(s);
		if (s->conf.tls)
			SSL_CTX_free(s->conf.tls);
		free(s->helo);
		free(s->user);
		free(s->mail);
		free(s->rcpt_pending);
		free(s);
	}
}

static void
session_free_later(struct smtp_session *s)
{
	s->next_dead = s->srv->dead;
	s->srv->dead = s;
	event_active(s->srv->reaper, EV_TIMEOUT, 0);
}

struct smtp_server *
smtp_server_new(struct event_base *base, const struct smtp_session_ops *ops, void *host)
{
	struct smtp_server *srv = xcalloc(1, sizeof(*srv));

	srv->base = base;
	srv->ops = ops;
	srv->host = host;
	srv->sessions = hmap_new();
	srv->reaper = event_new(base, -1, 0, reap, srv);
	strbuf_init(&srv->reply, 8192);
	/* Ids are unique per process start; the time keeps them unique across
	 * restarts in logs. */
	srv->next_id = (uint64_t)time(NULL) << 24;
	return srv;
}

struct smtp_session *
smtp_server_find(struct smtp_server *srv, uint64_t id)
{
	return hmap_get(srv->sessions, &id, sizeof(id));
}

size_t
smtp_server_count(const struct smtp_server *srv)
{
	return hmap_count(srv->sessions);
}

struct collect {
	struct smtp_session **v;
	size_t n;
};

static void
collect_one(const void *key, size_t keylen, void *value, void *arg)
{
	struct collect *c = arg;

	(void)key;
	(void)keylen;
	c->v[c->n++] = value;
}

static struct smtp_session **
all_sessions(struct smtp_server *srv, size_t *n)
{
	struct collect c;

	c.v = xcalloc(hmap_count(srv->sessions) + 1, sizeof(*c.v));
	c.n = 0;
	hmap_foreach(srv->sessions, collect_one, &c);
	*n = c.n;
	return c.v;
}

void
smtp_server_shutdown(struct smtp_server *srv, const char *why)
{
	size_t n;
	struct smtp_session **v;

	srv->shutting_down = 1;
	str_copy(srv->shutdown_why, sizeof(srv->shutdown_why), why);
	v = all_sessions(srv, &n);
	for (size_t i = 0; i < n; i++) {
		struct smtp_session *s = v[i];
		/* Sessions in the middle of a transaction finish it first. */
		if (s->pending == SMTP_PEND_NONE &&
		    (s->state == SMTP_ST_INIT || s->state == SMTP_ST_READY)) {
			smtp_session_send(s, 421, "4.3.2", why);
			smtp_session_close(s);
		}
	}
	free(v);
}

void
smtp_server_free(struct smtp_server *srv)
{
	size_t n;
	struct smtp_session **v;

	if (srv == NULL)
		return;
	v = all_sessions(srv, &n);
	for (size_t i = 0; i < n; i++)
		session_finish(v[i]);
	free(v);
	reap(-1, 0, srv);
	event_free(srv->reaper);
	hmap_free(srv->sessions);
	strbuf_free(&srv->reply);
	free(srv);
}

uint64_t
smtp_session_id(const struct smtp_session *s)
{
	return s->id;
}
const char *
smtp_session_peer_addr(const struct smtp_session *s)
{
	return s->peer_addr;
}
int
smtp_session_peer_port(const struct smtp_session *s)
{
	return s->peer_port;
}
const char *
smtp_session_local_addr(const struct smtp_session *s)
{
	return s->local_addr;
}
const char *
smtp_session_helo(const struct smtp_session *s)
{
	return s->helo;
}
int
smtp_session_esmtp(const struct smtp_session *s)
{
	return s->esmtp;
}
const struct smtp_mail_args *
smtp_session_mail(const struct smtp_session *s)
{
	return s->mail;
}
unsigned
smtp_session_rcpt_count(const struct smtp_session *s)
{
	return s->nrcpt;
}
int
smtp_session_tls(const struct smtp_session *s)
{
	return s->tls;
}
void *
smtp_session_ssl(const struct smtp_session *s)
{
	return s->ssl;
}
const char *
smtp_session_user(const struct smtp_session *s)
{
	return s->user;
}
void
smtp_session_set_udata(struct smtp_session *s, void *udata)
{
	s->udata = udata;
}
void *
smtp_session_udata(const struct smtp_session *s)
{
	return s->udata;
}
unsigned
smtp_session_errors(const struct smtp_session *s)
{
	return s->errors;
}
const struct smtp_session_conf *
smtp_session_conf(const struct smtp_session *s)
{
	return &s->conf;
}

const struct sockaddr *
smtp_session_peer(const struct smtp_session *s, socklen_t *len)
{
	if (len)
		*len = s->peerlen;
	return (const struct sockaddr *)&s->peer;
}

const struct sockaddr *
smtp_session_local(const struct smtp_session *s, socklen_t *len)
{
	if (len)
		*len = s->locallen;
	return (const struct sockaddr *)&s->local;
}

void
smtp_session_set_authenticated(struct smtp_session *s, const char *user)
{
	free(s->user);
	s->user = user ? xstrdup(user) : NULL;
}
