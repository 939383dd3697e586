/*
 * fdlimit: descriptors for max_connections, and listeners that pause when
 * they run out (see fdlimit.h).
 */
#include "fdlimit.h"

#include <errno.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "vouchd.h"
#include "util/fdbudget.h"
#include "util/log.h"

#define PAUSE_FIRST_MS 50
#define PAUSE_MAX_MS 2000
#define LOG_EVERY_MS 10000

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* How high root may set the hard limit (fs.nr_open). */
static long long
nr_open(void)
{
	FILE *f = fopen("/proc/sys/fs/nr_open", "r");
	long long n = 1048576;

	if (f) {
		if (fscanf(f, "%lld", &n) != 1)
			n = 1048576;
		fclose(f);
	}
	return n;
}

int
fdlimit_apply(struct vouchd *d, const struct config *cfg, char *err, size_t errsz)
{
	struct rlimit rl;
	struct fdbudget b;
	const char *action = "kept";

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0) {
		snprintf(err, errsz, "getrlimit(RLIMIT_NOFILE): %s", strerror(errno));
		return -1;
	}
	memset(&b, 0, sizeof(b));
	b.max_connections = cfg->max_connections;
	b.reserve = cfg->fd_reserve ? cfg->fd_reserve
	                            : fdbudget_reserve(cfg->outbound_max_connections,
	                                  cfg->callout.max_total, cfg->local_delivery_threads);
	b.soft = rl.rlim_cur == RLIM_INFINITY ? 1LL << 30 : (long long)rl.rlim_cur;
	b.hard = rl.rlim_max == RLIM_INFINITY ? 1LL << 30 : (long long)rl.rlim_max;
	b.ceiling = geteuid() == 0 ? nr_open() : b.hard;
	if (b.ceiling < b.hard)
		b.ceiling = b.hard;
	fdbudget_plan(&b);
	if (b.set_soft != b.soft || b.set_hard != b.hard) {
		struct rlimit want = { (rlim_t)b.set_soft, (rlim_t)b.set_hard };
		if (setrlimit(RLIMIT_NOFILE, &want) == 0) {
			action = "raised";
		} else {
			/* keep what we have, and fit the sessions into it */
			b.ceiling = b.hard;
			b.soft = b.set_soft = (long long)rl.rlim_cur;
			b.set_hard = b.hard;
			fdbudget_plan(&b);
		}
	}
	if (b.sessions < 1) {
		snprintf(err, errsz,
		    "the descriptor limit (%lld) leaves no room for SMTP sessions beside the %lld kept "
		    "for the queue, deliveries and DNS: raise it (LimitNOFILE=, ulimit -n) or lower "
		    "fd_reserve",
		    b.set_soft, b.reserve);
		return -1;
	}
	d->fd_limit = b.set_soft;
	d->fd_need = b.need;
	d->fd_reserve = b.reserve;
	d->max_connections = b.sessions;
	if (b.sessions < cfg->max_connections)
		log_warn("event=fd_limit action=lowered limit=%lld needed=%lld reserve=%lld "
		         "max_connections=%lld configured=%lld hint=\"raise the limit (systemd: "
		         "LimitNOFILE=%lld) to serve max_connections\"",
		    b.set_soft, b.need, b.reserve, b.sessions, cfg->max_connections, b.need);
	else
		log_info("event=fd_limit action=%s limit=%lld needed=%lld reserve=%lld "
		         "max_connections=%lld",
		    action, b.set_soft, b.need, b.reserve, b.sessions);
	return 0;
}

static void
resume(evutil_socket_t fd, short what, void *arg)
{
	struct accept_guard *g = arg;

	(void)fd;
	(void)what;
	evconnlistener_enable(g->evl);
}

void
accept_guard_init(struct accept_guard *g, struct event_base *base, struct evconnlistener *evl,
    const char *name, void (*errfn)(struct evconnlistener *, void *))
{
	memset(g, 0, sizeof(*g));
	g->evl = evl;
	g->timer = evtimer_new(base, resume, g);
	snprintf(g->name, sizeof(g->name), "%s", name);
	evconnlistener_set_error_cb(evl, errfn);
}

void
accept_guard_error(struct accept_guard *g)
{
	int e = errno;
	int64_t now = now_ms();
	struct timeval tv;

	/*
	 * Out of descriptors (or memory): the pending connection stays in the
	 * kernel's queue and the socket stays readable, so retrying at once
	 * spins (libevent's own handling: 100% CPU and a log line each time).
	 * Stop watching it, and look again after a pause that doubles while
	 * it keeps failing. Other errors are paused for too, once, briefly.
	 */
	evconnlistener_disable(g->evl);
	g->pauses++;
	if (e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM)
		g->backoff_ms = g->backoff_ms ? g->backoff_ms * 2 : PAUSE_FIRST_MS;
	else
		g->backoff_ms = PAUSE_FIRST_MS;
	if (g->backoff_ms > PAUSE_MAX_MS)
		g->backoff_ms = PAUSE_MAX_MS;
	if (g->last_log_ms == 0 || now - g->last_log_ms >= LOG_EVERY_MS) {
		log_warn("event=accept_paused listener=%s error=\"%s\" pause_ms=%lld pauses=%lu "
		         "suppressed=%lu",
		    g->name, strerror(e), (long long)g->backoff_ms, g->pauses, g->suppressed);
		g->last_log_ms = now;
		g->suppressed = 0;
	} else {
		g->suppressed++;
	}
	tv.tv_sec = (time_t)(g->backoff_ms / 1000);
	tv.tv_usec = (suseconds_t)((g->backoff_ms % 1000) * 1000);
	evtimer_add(g->timer, &tv);
}

void
accept_guard_ok(struct accept_guard *g)
{
	if (g->backoff_ms == 0)
		return;
	log_info("event=accept_resumed listener=%s pauses=%lu", g->name, g->pauses);
	g->backoff_ms = 0;
	g->pauses = 0;
	g->suppressed = 0;
	g->last_log_ms = 0;
}

void
accept_guard_free(struct accept_guard *g)
{
	if (g->timer)
		event_free(g->timer);
	g->timer = NULL;
}
