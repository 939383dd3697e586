/*
 * reg_dns_tcp: DNS over TCP (RFC 1035 4.2.2, RFC 7766) and zone transfers
 * (RFC 5936), so that no client can hold the connections the secondaries
 * need (RFC 7766 6.2): connections per client address are limited (per
 * /64 for IPv6), dns_tcp_reserved of the dns_tcp_clients slots are only
 * for configured secondaries, and every wait has a deadline that the
 * client cannot push back by trickling octets: dns_tcp_idle between
 * queries (from the connection or the last answer), dns_tcp_query_timeout
 * from a query's first octet to its last.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "reg_dns_int.h"
#include "util/log.h"
#include "util/xmalloc.h"

#define TCP_WRITE_SEC 10          /* an answer or transfer that does not drain */
#define TCP_OUT_HIGH (128 * 1024) /* stop producing transfer messages above this */

static void
conn_free(struct tcp_conn *c, const char *why)
{
	struct reg_dns *d = c->d;
	struct tcp_conn **pp;

	for (pp = &d->conns; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	d->nconns--;
	if (!c->xfr_allowed)
		d->nconns_public--;
	if (why)
		log_info("event=dns_tcp_closed client=%s reason=%s", c->peer, why);
	reg_answer_xfr_release(&c->xfr);
	event_free(c->timer);
	bufferevent_free(c->bev);
	free(c);
}

/* Enter a phase; IDLE and QUERY start their deadline now. */
static void
set_phase(struct tcp_conn *c, enum tcp_phase p)
{
	long long ms = p == TCP_IDLE ? c->d->cfg->dns_tcp_idle : c->d->cfg->dns_tcp_query_timeout;
	struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)((ms % 1000) * 1000) };

	c->phase = p;
	if (p == TCP_XFR)
		evtimer_del(c->timer);
	else
		evtimer_add(c->timer, &tv);
}

static void
on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct tcp_conn *c = arg;

	(void)fd;
	(void)what;
	conn_free(c, c->phase == TCP_QUERY ? "query_timeout" : "idle");
}

/* Emit transfer messages while the output buffer is not too full. */
static void
pump_xfr(struct tcp_conn *c)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);

	while (c->in_xfr && evbuffer_get_length(out) < TCP_OUT_HIGH) {
		size_t len;
		uint8_t pfx[2];

		if (!reg_answer_xfr_next(&c->xfr, c->d->buf + 0, DNS_WIRE_MSG_MAX, &len)) {
			log_info(
			    "event=xfr_done client=%s serial=%u", c->peer, c->xfr.zone->serial);
			c->in_xfr = 0;
			reg_answer_xfr_release(&c->xfr);
			break;
		}
		pfx[0] = (uint8_t)(len >> 8);
		pfx[1] = (uint8_t)len;
		evbuffer_add(out, pfx, 2);
		evbuffer_add(out, c->d->buf, len);
	}
}

static void
on_tcp_read(struct bufferevent *bev, void *arg)
{
	struct tcp_conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	int answered = 0;

	/* RFC 1035 4.2.2 / RFC 7766: 2-octet length, then the message */
	while (!c->in_xfr && evbuffer_get_length(in) >= 2) {
		uint8_t pfx[2], q[DNS_WIRE_MSG_MAX];
		size_t qlen, outlen;
		struct reg_answer_opts o = { 1, c->xfr_allowed, (size_t)c->d->cfg->edns_size,
			c->d->history, c->d->nhistory };
		struct reg_answer_info info;
		enum reg_answer_kind k;

		evbuffer_copyout(in, pfx, 2);
		qlen = ((size_t)pfx[0] << 8) | pfx[1];
		if (evbuffer_get_length(in) < 2 + qlen)
			break;
		evbuffer_drain(in, 2);
		evbuffer_remove(in, q, qlen);
		answered = 1;
		if (c->d->zone == NULL)
			continue;
		k = reg_answer_query(c->d->zone, q, qlen, &o, c->d->buf, &outlen, &c->xfr, &info);
		reg_dns_log_query(c->d, "tcp", c->peer, &info);
		if (k == REG_ANSWER_REPLY) {
			pfx[0] = (uint8_t)(outlen >> 8);
			pfx[1] = (uint8_t)outlen;
			bufferevent_write(bev, pfx, 2);
			bufferevent_write(bev, c->d->buf, outlen);
		} else if (k == REG_ANSWER_XFR) {
			log_info(
			    "event=xfr_start client=%s qtype=%s mode=%s from_serial=%u serial=%u"
			    " records=%zu",
			    c->peer, info.qtype == DNS_TYPE_IXFR ? "IXFR" : "AXFR",
			    c->xfr.old ? "incremental" : "full",
			    c->xfr.old ? c->xfr.old->serial : 0, c->xfr.zone->serial,
			    reg_answer_xfr_total(&c->xfr));
			c->in_xfr = 1;
			pump_xfr(c);
		}
	}
	/* the deadlines: octets of a query already begun never extend its time */
	if (c->in_xfr)
		set_phase(c, TCP_XFR);
	else if (evbuffer_get_length(in) > 0) {
		if (c->phase != TCP_QUERY || answered)
			set_phase(c, TCP_QUERY);
	} else if (c->phase != TCP_IDLE || answered) {
		set_phase(c, TCP_IDLE);
	}
}

static void
on_tcp_write(struct bufferevent *bev, void *arg)
{
	struct tcp_conn *c = arg;

	(void)bev;
	if (c->in_xfr)
		pump_xfr(c);
	if (!c->in_xfr)
		on_tcp_read(c->bev, c);
}

static void
on_tcp_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	conn_free(arg, (what & BEV_EVENT_TIMEOUT) ? "write_timeout" : NULL);
}

/* Same client for the per-address limit: the address, or its /64 for IPv6. */
static int
same_client(const struct sockaddr *a, const struct sockaddr *b)
{
	if (a->sa_family == AF_INET6 && b->sa_family == AF_INET6)
		return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		           &((const struct sockaddr_in6 *)b)->sin6_addr, 8) == 0;
	return reg_dns_same_ip(a, b);
}

/* May a new connection from sa (a secondary's, or not) have a slot? */
static int
admit(const struct reg_dns *d, const struct sockaddr *sa, int secondary)
{
	const struct reg_config *cfg = d->cfg;
	size_t total = (size_t)cfg->dns_tcp_clients, n = 0;

	if (d->nconns >= total)
		return 0;
	if (secondary)
		return 1; /* the reserved slots are theirs */
	if (d->nconns_public >= total - (size_t)cfg->dns_tcp_reserved)
		return 0;
	for (const struct tcp_conn *c = d->conns; c; c = c->next)
		if (!c->xfr_allowed && same_client((const struct sockaddr *)&c->addr, sa))
			n++;
	return n < (size_t)cfg->dns_tcp_per_address;
}

void
reg_dns_tcp_accept(
    struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int sl, void *arg)
{
	struct reg_dns *d = arg;
	struct tcp_conn *c;
	struct timeval wr = { TCP_WRITE_SEC, 0 };
	int secondary = reg_dns_xfr_allowed(d, sa);

	(void)l;
	if (!admit(d, sa, secondary)) {
		if (log_enabled(LOG_LVL_DEBUG)) {
			char peer[64];
			reg_dns_addr_text(sa, peer, sizeof(peer));
			log_debug("event=dns_tcp_refused client=%s open=%zu", peer, d->nconns);
		}
		evutil_closesocket(fd);
		return;
	}
	c = xcalloc(1, sizeof(*c));
	c->d = d;
	c->bev = bufferevent_socket_new(d->base, fd, BEV_OPT_CLOSE_ON_FREE);
	c->timer = evtimer_new(d->base, on_deadline, c);
	c->xfr_allowed = secondary;
	memcpy(&c->addr, sa, (size_t)sl < sizeof(c->addr) ? (size_t)sl : sizeof(c->addr));
	reg_dns_addr_text(sa, c->peer, sizeof(c->peer));
	c->next = d->conns;
	d->conns = c;
	d->nconns++;
	if (!secondary)
		d->nconns_public++;
	bufferevent_setcb(c->bev, on_tcp_read, on_tcp_write, on_tcp_event, c);
	/* reads have the phase deadlines instead (a trickle would reset these) */
	bufferevent_set_timeouts(c->bev, NULL, &wr);
	/* a query is at most 64 KiB + 2: stop reading past that until answered */
	bufferevent_setwatermark(c->bev, EV_READ, 0, DNS_WIRE_MSG_MAX + 2);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	set_phase(c, TCP_IDLE);
}

void
reg_dns_tcp_close_all(struct reg_dns *d)
{
	while (d->conns)
		conn_free(d->conns, NULL);
}
