/*
 * ctl: the control socket (see ctl.h).
 */
#include "ctl.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "vouchd.h"
#include "challenge.h"
#include "fdlimit.h"
#include "listener.h"
#include "metrics.h"
#include "outbound.h"
#include "qmgr.h"
#include "lists.h"
#include "reload.h"
#include "submit.h"
#include "auth/vouch_check.h"
#include "smtp/smtp_session.h"
#include "util/log.h"
#include "util/xmalloc.h"

#define CTL_LINE_MAX 1024

struct ctl {
	struct vouchd *d;
	struct evconnlistener *evl;
	struct accept_guard guard;
	char *path;
};

static void
cmd_status(struct vouchd *d, struct strbuf *out)
{
	struct commit_stats cs;
	const struct vouchd_stats *st = &d->stats;

	commit_stats(d->commit, &cs);
	strbuf_printf(out,
	    "uptime %lld\nsessions %zu\nsessions_total %llu\nconnections_refused %llu\n"
	    "queue %zu\nqueue_active %zu\nmessages_accepted %llu\nmessages_refused %llu\n"
	    "recipients_accepted %llu\nrecipients_refused %llu\ndelivered_local %llu\n"
	    "delivered_remote %llu\ndiscarded %llu\nbounced %llu\ndeferred %llu\n"
	    "outbound_connections %zu\n"
	    "commit_batches %llu\ncommit_jobs %llu\ncommit_max_batch %llu\n",
	    (long long)(time(NULL) - d->started), smtp_server_count(d->smtp), st->sessions,
	    st->refused_connections, qmgr_count(d->qmgr), qmgr_busy(d->qmgr), st->messages_accepted,
	    st->messages_refused, st->recipients_accepted, st->recipients_refused,
	    st->deliveries_local, st->deliveries_remote, st->deliveries_discarded,
	    st->deliveries_bounced, st->deliveries_deferred, outbound_connections(d->outbound),
	    cs.batches, cs.jobs, cs.max_batch);
	if (d->xvcheck) {
		struct vouch_checker_stats xs;
		vouch_checker_stats(d->xvcheck, &xs);
		strbuf_printf(out,
		    "xvouch_checks %llu\nxvouch_callback_connections %llu\n"
		    "xvouch_callback_reused %llu\nxvouch_callback_limited %llu\n"
		    "xvouch_callback_open %llu\n",
		    (unsigned long long)xs.checks, (unsigned long long)xs.connections,
		    (unsigned long long)xs.reused, (unsigned long long)xs.limited,
		    (unsigned long long)xs.open);
	}
	/* where clients reach us: the bound addresses (port 0 resolved) */
	/* descriptors: the limit, what max_connections needs, and the sessions
	 * allowed (lower than configured when the limit is short) */
	strbuf_printf(out,
	    "fd_limit %lld\nfd_needed %lld\nfd_reserve %lld\nmax_connections %lld\n"
	    "max_connections_configured %lld\n",
	    d->fd_limit, d->fd_need, d->fd_reserve, d->max_connections, d->cfg->max_connections);
	for (const struct listener *l = d->listeners; l; l = l->next)
		strbuf_printf(out, "listener %s %s\n", l->name, l->bound);
	if (metrics_address(d->metrics))
		strbuf_printf(out, "metrics %s\n", metrics_address(d->metrics));
}

/* block|allow|required list, ... add ENTRY [SECONDS|0 [REASON...]], ... del ENTRY */
static int
cmd_list(struct vouchd *d, enum lists_kind allow, int argc, char **argv, const char *rest,
    struct strbuf *out)
{
	char err[300];
	long long secs = 0;

	if (argc == 2 && strcmp(argv[1], "list") == 0) {
		lists_print(d, allow, out);
		return 0;
	}
	if (argc >= 3 && strcmp(argv[1], "del") == 0) {
		if (lists_del(d, allow, argv[2]) < 0) {
			strbuf_printf(out, "error: %s is not listed\n", argv[2]);
			return -1;
		}
		strbuf_printf(out, "removed %s\n", argv[2]);
		return 0;
	}
	if (argc >= 3 && strcmp(argv[1], "add") == 0) {
		if (argc >= 4 && str_to_ll(argv[3], 0, 100LL * 365 * 86400, &secs) < 0) {
			strbuf_printf(out, "error: '%s' is not a number of seconds\n", argv[3]);
			return -1;
		}
		if (lists_add(d, allow, argv[2], secs ? (int64_t)time(NULL) + secs : 0,
		        rest ? rest : NULL, err, sizeof(err)) < 0) {
			strbuf_printf(out, "error: %s\n", err);
			return -1;
		}
		strbuf_printf(out, "added %s\n", argv[2]);
		return 0;
	}
	strbuf_puts(
	    out, "error: block|allow|required list | add ENTRY [SECONDS [REASON]] | del ENTRY\n");
	return -1;
}

/* Run one request; the answer's first line says "ok" or "error: ...". */
static void
dispatch(struct vouchd *d, char *line, struct strbuf *out)
{
	char *argv[4] = { NULL, NULL, NULL, NULL };
	char *save = NULL;
	int argc = 0, rc = 0;
	struct strbuf body;

	char *rest = NULL; /* the text after the fourth word (a reason) */
	for (char *t = strtok_r(line, " \t", &save); t && argc < 4;
	     t = strtok_r(NULL, " \t", &save))
		argv[argc++] = t;
	if (argc == 4)
		rest = save;
	strbuf_init(&body, 64 * 1024 * 1024);
	if (argc == 1 && strcmp(argv[0], "status") == 0)
		cmd_status(d, &body);
	else if (argc == 1 && strcmp(argv[0], "stats") == 0)
		rc = metrics_table(d->metrics, &body); /* vouchctl stats */
	else if (argc == 2 && strcmp(argv[0], "stats") == 0 && strcmp(argv[1], "prometheus") == 0)
		rc = metrics_prometheus(d->metrics, &body);
	else if (argc == 1 && strcmp(argv[0], "reload") == 0) {
		vouchd_reload(d);
		strbuf_puts(&body, "reloaded\n");
	} else if (argc == 3 && strcmp(argv[0], "user") == 0 && strcmp(argv[1], "unlock") == 0) {
		rc = submit_unlock(d, argv[2]) < 0 ? -1 : 0;
		strbuf_printf(&body, "%s %s\n", rc ? "cannot unlock" : "unlocked", argv[2]);
	} else if (argc >= 2 &&
	    (strcmp(argv[0], "block") == 0 || strcmp(argv[0], "allow") == 0 ||
	        strcmp(argv[0], "required") == 0)) {
		rc = cmd_list(d,
		    strcmp(argv[0], "allow") == 0       ? LISTS_ALLOW
		        : strcmp(argv[0], "block") == 0 ? LISTS_BLOCK
		                                        : LISTS_REQUIRED,
		    argc, argv, rest, &body);
	} else if (argc == 2 && strcmp(argv[0], "queue") == 0 && strcmp(argv[1], "list") == 0)
		rc = qmgr_list(d->qmgr, &body);
	else if (argc == 3 && strcmp(argv[0], "queue") == 0 && strcmp(argv[1], "show") == 0)
		rc = qmgr_show(d->qmgr, argv[2], &body);
	else if (argc == 3 && strcmp(argv[0], "queue") == 0 && strcmp(argv[1], "delete") == 0)
		rc = qmgr_delete(d->qmgr, argv[2], &body);
	else if (argc == 3 && strcmp(argv[0], "queue") == 0 && strcmp(argv[1], "hold") == 0)
		rc = qmgr_hold(d->qmgr, argv[2], 1, &body);
	else if (argc == 3 && strcmp(argv[0], "queue") == 0 && strcmp(argv[1], "release") == 0)
		rc = qmgr_hold(d->qmgr, argv[2], 0, &body);
	else if (argc >= 2 && argc <= 3 && strcmp(argv[0], "queue") == 0 &&
	    (strcmp(argv[1], "flush") == 0 || strcmp(argv[1], "retry") == 0))
		rc = qmgr_flush(d->qmgr, argc == 3 ? argv[2] : NULL, &body);
	else if (argc >= 2 &&
	    (strcmp(argv[0], "challenge") == 0 || strcmp(argv[0], "whitelist") == 0))
		rc = challenge_ctl(d, argc, argv, &body);
	else {
		strbuf_puts(&body, "error: unknown request\n");
		rc = -1;
	}
	strbuf_puts(out, rc == 0 ? "ok\n" : "error\n");
	if (body.s)
		strbuf_append(out, body.s, body.len);
	strbuf_free(&body);
}

static void
on_flushed(struct bufferevent *bev, void *arg)
{
	(void)arg;
	if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		bufferevent_free(bev);
}

static void
on_read(struct bufferevent *bev, void *arg)
{
	struct ctl *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t n;
	char *line = evbuffer_readln(in, &n, EVBUFFER_EOL_LF);
	struct strbuf out;

	if (line == NULL) {
		if (evbuffer_get_length(in) > CTL_LINE_MAX)
			bufferevent_free(bev);
		return;
	}
	if (n > CTL_LINE_MAX) {
		free(line);
		bufferevent_free(bev);
		return;
	}
	if (log_enabled(LOG_LVL_INFO)) {
		char esc[128];
		log_info("event=control request=%s", log_str(esc, sizeof(esc), line));
	}
	strbuf_init(&out, 128 * 1024 * 1024);
	dispatch(c->d, line, &out);
	free(line);
	bufferevent_disable(bev, EV_READ);
	bufferevent_setcb(bev, NULL, on_flushed, NULL, c);
	bufferevent_write(bev, out.s, out.len);
	strbuf_free(&out);
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	(void)what;
	(void)arg;
	bufferevent_free(bev);
}

static void
on_accept_error(struct evconnlistener *evl, void *arg)
{
	struct ctl *c = arg;

	(void)evl;
	accept_guard_error(&c->guard);
}

static void
on_accept(struct evconnlistener *evl, evutil_socket_t fd, struct sockaddr *sa, int len, void *arg)
{
	struct ctl *c = arg;
	struct bufferevent *bev;
	struct timeval tv = { 30, 0 };

	(void)evl;
	(void)sa;
	(void)len;
	accept_guard_ok(&c->guard);
	bev = bufferevent_socket_new(c->d->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		close(fd);
		return;
	}
	bufferevent_setcb(bev, on_read, NULL, on_event, c);
	bufferevent_set_timeouts(bev, &tv, &tv);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
}

struct ctl *
ctl_new(struct vouchd *d, const char *path, char *err, size_t errsz)
{
	struct sockaddr_un sun;
	struct ctl *c;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (str_copy(sun.sun_path, sizeof(sun.sun_path), path) >= sizeof(sun.sun_path)) {
		snprintf(err, errsz, "control socket path too long: %s", path);
		return NULL;
	}
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	/*
	 * Bound under vouchd's umask (027, set in main before any thread: a
	 * umask changed here once raced the delivery threads' mkdir and made
	 * a Maildir 0600), so the socket starts at most srwxr-x--- (only the
	 * owner can connect), then opened to the group: srw-rw----.
	 */
	if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 || chmod(path, 0660) < 0 ||
	    listen(fd, 16) < 0) {
		snprintf(err, errsz, "control socket %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	c = xcalloc(1, sizeof(*c));
	c->d = d;
	c->path = xstrdup(path);
	c->evl = evconnlistener_new(d->base, on_accept, c, LEV_OPT_CLOSE_ON_FREE, -1, fd);
	if (c->evl == NULL) {
		snprintf(err, errsz, "cannot watch the control socket");
		close(fd);
		free(c->path);
		free(c);
		return NULL;
	}
	accept_guard_init(&c->guard, d->base, c->evl, "control", on_accept_error);
	return c;
}

void
ctl_free(struct ctl *c)
{
	if (c == NULL)
		return;
	evconnlistener_free(c->evl);
	accept_guard_free(&c->guard);
	unlink(c->path);
	free(c->path);
	free(c);
}
