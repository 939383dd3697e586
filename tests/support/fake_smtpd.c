/*
 * fake_smtpd: a scriptable SMTP server for unit tests (see fake_smtpd.h).
 */
#include "fake_smtpd.h"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "util/str.h"
#include "util/xmalloc.h"

struct fconn {
	struct fake_smtpd *f;
	struct bufferevent *bev;
	struct event *hold;		/* the banner, or the reply to QUIT */
	int quitting;
	struct fconn *next;
	int rcpts;
	int checks, refused; /* XVOUCH CHECKs answered, refused */
};

struct fake_smtpd {
	struct event_base *base;
	struct evconnlistener *l;
	struct fake_smtpd_rules r;
	int port;
	struct strbuf log;
	struct fconn *conns;
	int nconn, open, max_open;
};

static void
conn_close(struct fconn *c)
{
	struct fake_smtpd *f = c->f;

	for (struct fconn **pp = &f->conns; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	if (c->hold)
		event_free(c->hold);
	bufferevent_free(c->bev);
	f->open--;
	free(c);
}

static void
say(struct fconn *c, const char *line)
{
	bufferevent_write(c->bev, line, strlen(line));
	bufferevent_write(c->bev, "\r\n", 2);
}

static int
known(const struct fake_smtpd *f, const char *arg)
{
	const char *lt = strchr(arg, '<'), *gt;

	if (f->r.catch_all)
		return 1;
	if (lt == NULL || (gt = strchr(lt, '>')) == NULL)
		return 0;
	for (size_t i = 0; i < 8 && f->r.known[i]; i++)
		if (strlen(f->r.known[i]) == (size_t)(gt - lt - 1) &&
		    strncasecmp(f->r.known[i], lt + 1, (size_t)(gt - lt - 1)) == 0)
			return 1;
	return 0;
}

static void
on_read(struct bufferevent *bev, void *arg)
{
	struct fconn *c = arg;
	struct fake_smtpd *f = c->f;
	char *line;
	size_t n;
	char reply[128];

	while ((line = evbuffer_readln(bufferevent_get_input(bev), &n, EVBUFFER_EOL_CRLF))) {
		strbuf_append(&f->log, line, n);
		strbuf_append(&f->log, "\n", 1);
		if (strncasecmp(line, "EHLO", 4) == 0) {
			say(c, "250-fake.test hello");
			if (f->r.pipelining)
				say(c, "250-PIPELINING");
			say(c, "250 8BITMIME");
		} else if (strncasecmp(line, "HELO", 4) == 0) {
			say(c, "250 fake.test");
		} else if (strncasecmp(line, "MAIL", 4) == 0) {
			snprintf(reply, sizeof(reply), "%d %s", f->r.mail_code,
			    f->r.mail_code < 300 ? "2.1.0 ok" : "5.7.1 no bounces here");
			say(c, reply);
		} else if (strncasecmp(line, "RCPT", 4) == 0) {
			if (f->r.drop_after_rcpt) {
				free(line);
				conn_close(c);
				return;
			}
			int code = known(f, line) ? f->r.rcpt_known_code : f->r.rcpt_unknown_code;
			snprintf(reply, sizeof(reply), "%d %s", code,
			    code < 300 ? "2.1.5 ok" : code < 500 ? "4.7.1 greylisted, come back later" :
			    "5.1.1 no such user here");
			say(c, reply);
		} else if (strncasecmp(line, "RSET", 4) == 0) {
			if (f->r.drop_at_rset) {
				/* Close once the replies before it are out. */
				free(line);
				bufferevent_disable(bev, EV_READ);
				if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
					conn_close(c);
				return;
			}
			say(c, "250 2.0.0 ok");
		} else if (strncasecmp(line, "XVOUCH CHECK ", 13) == 0) {
			const char *id = line + 13;
			int ok = 0;
			for (size_t i = 0; i < 8 && f->r.vouch_ids[i]; i++)
				if (strncmp(id, f->r.vouch_ids[i], strlen(f->r.vouch_ids[i])) == 0)
					ok = 1;
			if (ok) {
				snprintf(reply, sizeof(reply), "250 2.7.0 %.40s confirmed", id);
				say(c, reply);
			} else if (f->r.check_421_after && ++c->refused > f->r.check_421_after) {
				say(c, "421 4.7.0 too many unknown sessions asked about");
				free(line);
				bufferevent_disable(bev, EV_READ);
				return;
			} else {
				say(c, "550 5.7.1 unknown session");
			}
			if (f->r.close_after_checks && ++c->checks >= f->r.close_after_checks) {
				free(line);
				bufferevent_disable(bev, EV_READ);
				return;
			}
		} else if (strncasecmp(line, "QUIT", 4) == 0) {
			bufferevent_disable(bev, EV_READ);
			if (f->r.hold_quit_ms > 0) {
				struct timeval tv = { f->r.hold_quit_ms / 1000,
				    (f->r.hold_quit_ms % 1000) * 1000 };
				c->quitting = 1;
				evtimer_add(c->hold, &tv);
			} else {
				say(c, "221 2.0.0 bye");
			}
		} else {
			say(c, "502 5.5.2 not here");
		}
		free(line);
	}
}

static void
on_write(struct bufferevent *bev, void *arg)
{
	struct fconn *c = arg;

	/* After 221, close once it is out. */
	if (!(bufferevent_get_enabled(bev) & EV_READ))
		conn_close(c);
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		conn_close(arg);
}

static void
greet(evutil_socket_t fd, short what, void *arg)
{
	struct fconn *c = arg;
	char line[64];

	if (c->quitting) {
		say(c, "221 2.0.0 bye");
		return;
	}
	if (c->f->r.silent)
		return;
	snprintf(line, sizeof(line), "%d fake.test ESMTP", c->f->r.banner_code);
	say(c, line);
}

static void
on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen,
    void *arg)
{
	struct fake_smtpd *f = arg;
	struct fconn *c = xcalloc(1, sizeof(*c));
	struct timeval tv;

	c->f = f;
	c->bev = bufferevent_socket_new(f->base, fd, BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(c->bev, on_read, on_write, on_event, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	c->next = f->conns;
	f->conns = c;
	f->nconn++;
	if (++f->open > f->max_open)
		f->max_open = f->open;
	c->hold = evtimer_new(f->base, greet, c);
	tv.tv_sec = f->r.hold_ms / 1000;
	tv.tv_usec = (f->r.hold_ms % 1000) * 1000;
	evtimer_add(c->hold, &tv);
}

struct fake_smtpd *
fake_smtpd_new(struct event_base *base, const struct fake_smtpd_rules *r)
{
	struct fake_smtpd *f = xcalloc(1, sizeof(*f));
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	f->base = base;
	f->r = *r;
	if (f->r.banner_code == 0)
		f->r.banner_code = 220;
	if (f->r.mail_code == 0)
		f->r.mail_code = 250;
	if (f->r.rcpt_known_code == 0)
		f->r.rcpt_known_code = 250;
	if (f->r.rcpt_unknown_code == 0)
		f->r.rcpt_unknown_code = 550;
	strbuf_init(&f->log, 1 << 20);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	f->l = evconnlistener_new_bind(base, on_accept, f,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 64, (struct sockaddr *)&sin, sizeof(sin));
	if (f->l == NULL)
		abort();
	getsockname(evconnlistener_get_fd(f->l), (struct sockaddr *)&sin, &len);
	f->port = ntohs(sin.sin_port);
	return f;
}

void
fake_smtpd_free(struct fake_smtpd *f)
{
	if (f == NULL)
		return;
	while (f->conns)
		conn_close(f->conns);
	evconnlistener_free(f->l);
	strbuf_free(&f->log);
	free(f);
}

int
fake_smtpd_port(const struct fake_smtpd *f)
{
	return f->port;
}

const char *
fake_smtpd_log(const struct fake_smtpd *f)
{
	return f->log.s ? f->log.s : "";
}

void
fake_smtpd_reset(struct fake_smtpd *f)
{
	strbuf_reset(&f->log);
	f->nconn = 0;
	f->max_open = f->open;
}

int
fake_smtpd_connections(const struct fake_smtpd *f)
{
	return f->nconn;
}

int
fake_smtpd_max_open(const struct fake_smtpd *f)
{
	return f->max_open;
}

int
fake_smtpd_open(const struct fake_smtpd *f)
{
	return f->open;
}

int
fake_smtpd_count(const struct fake_smtpd *f, const char *prefix)
{
	const char *p = fake_smtpd_log(f);
	size_t n = strlen(prefix);
	int count = 0;

	while (*p) {
		if (strncasecmp(p, prefix, n) == 0)
			count++;
		p = strchr(p, '\n');
		if (p == NULL)
			break;
		p++;
	}
	return count;
}
