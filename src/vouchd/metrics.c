/*
 * metrics: statistics in vouchd (see metrics.h).
 */
#include "metrics.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/util.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vouchd.h"
#include "outbound.h"
#include "auth/callout.h"
#include "qmgr.h"
#include "policy/stats.h"
#include "smtp/smtp_session.h"
#include "store/store.h"
#include "util/log.h"
#include "util/netaddr.h"
#include "util/xmalloc.h"

/* How often the daemon's running totals are taken in, and saved. */
#define SAMPLE_SECONDS 10
#define SAVE_EVERY 6 /* samples: once a minute */
/* A request's header section may not be larger (GET /metrics is tiny). */
#define REQUEST_HEADERS_MAX 8192

/* The daemon's running totals (struct vouchd_stats) and their counters. */
static const struct {
	size_t off;
	const char *check, *result;
} fed[] = {
	{ offsetof(struct vouchd_stats, refused_connections), "session", "refused_connect" },
	{ offsetof(struct vouchd_stats, recipients_accepted), "rcpt", "accepted" },
	{ offsetof(struct vouchd_stats, recipients_refused), "rcpt", "refused" },
	{ offsetof(struct vouchd_stats, messages_accepted), "message", "accepted" },
	{ offsetof(struct vouchd_stats, messages_refused), "message", "refused" },
	{ offsetof(struct vouchd_stats, deliveries_local), "delivery", "local" },
	{ offsetof(struct vouchd_stats, deliveries_remote), "delivery", "remote" },
	{ offsetof(struct vouchd_stats, deliveries_deferred), "delivery", "deferred" },
	{ offsetof(struct vouchd_stats, deliveries_bounced), "delivery", "bounced" },
};
#define NFED (sizeof(fed) / sizeof(fed[0]))

struct metrics {
	struct vouchd *d;
	struct evhttp *http;
	char bound[NETADDR_TEXT_MAX]; /* the endpoint's address, "" = none */
	struct event *timer;
	struct vouchd_stats seen;      /* the totals already counted */
	struct stats_counter *connect; /* sessions + refused connections */
	struct stats_counter *c[NFED];
	/* the callout service's own counters: calls, cache hits, queued,
	 * bad domains, no MX, bad connects (results and skips are counted
	 * by the sessions) */
	struct callout_stats co_seen;
	struct stats_counter *co[CALLOUT_C_SKIP_FIRST];
	int samples;
};

static unsigned long long
field(const struct vouchd_stats *s, size_t off)
{
	return *(const unsigned long long *)(const void *)((const char *)s + off);
}

/* Count what the daemon's totals grew by since the last look. */
static void
sample(struct metrics *m)
{
	const struct vouchd_stats *now = &m->d->stats;
	unsigned long long conn = now->sessions + now->refused_connections;
	unsigned long long seen = m->seen.sessions + m->seen.refused_connections;

	if (m->d->counters == NULL)
		return;
	if (conn > seen)
		stats_add(m->connect, conn - seen);
	for (size_t i = 0; i < NFED; i++) {
		unsigned long long a = field(now, fed[i].off), b = field(&m->seen, fed[i].off);
		if (a > b)
			stats_add(m->c[i], a - b);
	}
	m->seen = *now;
	if (m->d->callout) {
		struct callout_stats cs;
		callout_stats(m->d->callout, &cs);
		for (int i = 0; i < CALLOUT_C_SKIP_FIRST; i++) {
			if (m->co[i] == NULL) {
				const char *name = callout_counter_name((enum callout_counter)i);
				const char *dot = strchr(name, '.');
				m->co[i] =
				    stats_counter(m->d->counters, "callout", dot ? dot + 1 : name);
			}
			if (cs.n[i] > m->co_seen.n[i])
				stats_add(m->co[i], cs.n[i] - m->co_seen.n[i]);
		}
		m->co_seen = cs;
	}
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct metrics *m = arg;

	(void)fd;
	(void)what;
	sample(m);
	if (++m->samples % SAVE_EVERY == 0 && stats_flush(m->d->counters) < 0)
		log_warn("event=stats_save_failed");
	/* a cluster's figures: what this node counted, added to the shared
	 * store's (vouchctl stats --cluster) */
	if (m->d->store != m->d->local_store)
		stats_cluster_push(m->d->counters, m->d->store);
}

const char *
metrics_address(const struct metrics *m)
{
	return m && m->http ? m->bound : NULL;
}

int
metrics_table(struct metrics *m, struct strbuf *out)
{
	if (m->d->counters == NULL)
		return -1;
	sample(m);
	return stats_render_table(m->d->counters, out);
}

int
metrics_prometheus(struct metrics *m, struct strbuf *out)
{
	struct vouchd *d = m->d;
	const struct stats_gauge g[] = {
		{ "vouch_sessions_open", "SMTP sessions open now.",
		    (double)smtp_server_count(d->smtp) },
		{ "vouch_queue_messages", "Messages in the queue.", (double)qmgr_count(d->qmgr) },
		{ "vouch_queue_active", "Messages being delivered now.",
		    (double)qmgr_busy(d->qmgr) },
		{ "vouch_outbound_connections", "Outbound SMTP connections open now.",
		    (double)outbound_connections(d->outbound) },
	};

	if (d->counters == NULL)
		return -1;
	sample(m);
	return stats_render_prometheus(d->counters, g, sizeof(g) / sizeof(g[0]), out);
}

static void
on_request(struct evhttp_request *req, void *arg)
{
	struct metrics *m = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
	struct evbuffer *body;
	struct strbuf out;

	if (path == NULL || strcmp(path, "/metrics") != 0 || m->d->counters == NULL ||
	    (evhttp_request_get_command(req) != EVHTTP_REQ_GET &&
	        evhttp_request_get_command(req) != EVHTTP_REQ_HEAD)) {
		evhttp_send_error(req, HTTP_NOTFOUND, "Not Found");
		return;
	}
	strbuf_init(&out, 64 * 1024 * 1024);
	if (metrics_prometheus(m, &out) < 0) {
		strbuf_free(&out);
		evhttp_send_error(req, HTTP_INTERNAL, "Internal Server Error");
		return;
	}
	body = evbuffer_new();
	evbuffer_add(body, out.s, out.len);
	strbuf_free(&out);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
	    "text/plain; version=0.0.4; charset=utf-8");
	evhttp_send_reply(req, HTTP_OK, "OK", body);
	evbuffer_free(body);
}

struct metrics *
metrics_new(struct vouchd *d, char *err, size_t errsz)
{
	struct metrics *m = xcalloc(1, sizeof(*m));
	const char *addr = d->cfg->stats.metrics_listen;
	struct sockaddr_storage ss;
	socklen_t sl;
	char bound[NETADDR_TEXT_MAX];
	evutil_socket_t fd;

	m->d = d;
	if (addr == NULL || addr[0] == '\0')
		return m;
	if (netaddr_parse(addr, 0, 65535, &ss, &sl, err, errsz) < 0 ||
	    (fd = netaddr_listen_tcp(
	         (struct sockaddr *)&ss, sl, 64, "metrics_listen", err, errsz)) < 0) {
		free(m);
		return NULL;
	}
	m->http = evhttp_new(d->base);
	if (m->http == NULL || evhttp_accept_socket_with_handle(m->http, fd) == NULL) {
		snprintf(err, errsz, "metrics_listen %s: cannot serve HTTP", addr);
		if (m->http)
			evhttp_free(m->http);
		close(fd);
		free(m);
		return NULL;
	}
	/* small requests without bodies, quick clients; any method reaches
	 * on_request, which answers 404 to all but GET and HEAD /metrics */
	evhttp_set_max_headers_size(m->http, REQUEST_HEADERS_MAX);
	evhttp_set_max_body_size(m->http, 0);
	evhttp_set_timeout(m->http, 10);
	evhttp_set_allowed_methods(m->http,
	    EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST | EVHTTP_REQ_PUT |
	        EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
	evhttp_set_gencb(m->http, on_request, m);
	str_copy(
	    m->bound, sizeof(m->bound), netaddr_local(fd, bound, sizeof(bound)) ? bound : addr);
	log_info("event=metrics_listening address=%s configured=%s", m->bound, addr);
	return m;
}

void
metrics_start(struct metrics *m)
{
	struct vouchd *d = m->d;
	struct timeval tv = { SAMPLE_SECONDS, 0 };

	/* each node's own: vouchctl stats shows the node asked (and, in a
	 * cluster, pushes to the shared store: vouchctl stats --cluster) */
	d->counters = stats_new(d->local_store, NULL, NULL);
	/* percentages of the session stages are of all connections */
	stats_base(d->counters, "session", "connect");
	m->connect = stats_counter(d->counters, "session", "connect");
	for (size_t i = 0; i < NFED; i++)
		m->c[i] = stats_counter(d->counters, fed[i].check, fed[i].result);
	m->seen = d->stats;
	m->timer = event_new(d->base, -1, EV_PERSIST, on_timer, m);
	event_add(m->timer, &tv);
}

void
metrics_free(struct metrics *m)
{
	if (m == NULL)
		return;
	if (m->timer)
		event_free(m->timer);
	if (m->http)
		evhttp_free(m->http);
	if (m->d->counters) {
		sample(m);
		if (stats_flush(m->d->counters) < 0)
			log_warn("event=stats_save_failed");
		if (m->d->store != m->d->local_store)
			stats_cluster_push(m->d->counters, m->d->store);
		stats_free(m->d->counters);
		m->d->counters = NULL;
	}
	free(m);
}
