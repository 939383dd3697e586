/*
 * reg_dns: UDP/TCP DNS service, transfers and NOTIFY (see reg_dns.h).
 */
#include "reg_dns.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/util.h>
#include <openssl/rand.h>

#include "reg_answer.h"
#include "reg_dns_int.h"
#include "util/log.h"
#include "util/netaddr.h"
#include "util/xmalloc.h"

#define NOTIFY_TRIES 5

void
reg_dns_addr_text(const struct sockaddr *sa, char *out, size_t outsz)
{
	char a[INET6_ADDRSTRLEN] = "?";

	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, a, sizeof(a));
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, a, sizeof(a));
	str_copy(out, outsz, a);
}

int
reg_dns_same_ip(const struct sockaddr *a, const struct sockaddr *b)
{
	if (a->sa_family != b->sa_family)
		return 0;
	if (a->sa_family == AF_INET)
		return memcmp(&((const struct sockaddr_in *)a)->sin_addr,
		           &((const struct sockaddr_in *)b)->sin_addr, 4) == 0;
	if (a->sa_family == AF_INET6)
		return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		           &((const struct sockaddr_in6 *)b)->sin6_addr, 16) == 0;
	return 0;
}

/* RFC 5936 6: transfers only to the secondaries we were told about. */
int
reg_dns_xfr_allowed(const struct reg_dns *d, const struct sockaddr *sa)
{
	for (size_t i = 0; i < d->ntargets; i++)
		if (reg_dns_same_ip((const struct sockaddr *)&d->targets[i].ss, sa))
			return 1;
	for (size_t i = 0; i < d->nallowed; i++)
		if (reg_dns_same_ip((const struct sockaddr *)&d->allowed[i], sa))
			return 1;
	return 0;
}

#define REFUSED_LOG_PER_SECOND 20

/*
 * A refused zone transfer or NOTIFY is what an operator looks for when a
 * secondary stops updating (or someone probes for the zone): logged at
 * warn, the level above info that libvouch's log has (it has no notice).
 * Capped per second, and the lines dropped are counted in the next one.
 */
static void
log_refusal(
    struct reg_dns *d, const char *proto, const char *peer, const struct reg_answer_info *info)
{
	int xfr = info->qtype == DNS_TYPE_AXFR || info->qtype == DNS_TYPE_IXFR;
	long long now = (long long)time(NULL);
	char esc[LOG_ESC_MAX];

	if (info->opcode == DNS_OPCODE_NOTIFY) {
		xfr = 0;
	} else if (!(info->opcode == DNS_OPCODE_QUERY && xfr &&
	               (info->rcode == DNS_RCODE_REFUSED || info->rcode == DNS_RCODE_FORMERR))) {
		return;
	}
	if (now != d->refused_second) {
		d->refused_second = now;
		d->refused_logged = 0;
	}
	if (d->refused_logged >= REFUSED_LOG_PER_SECOND) {
		d->refused_suppressed++;
		return;
	}
	d->refused_logged++;
	if (xfr)
		log_notice(
		    "event=xfr_refused proto=%s client=%s qname=%s qtype=%s rcode=%d reason=%s"
		    " suppressed=%u",
		    proto, peer, log_escape(esc, sizeof(esc), info->qname, strlen(info->qname)),
		    info->qtype == DNS_TYPE_AXFR ? "AXFR" : "IXFR", info->rcode,
		    info->rcode == DNS_RCODE_FORMERR
		        ? "\"AXFR over UDP\""
		        : "\"not a configured secondary, or not the apex\"",
		    d->refused_suppressed);
	else
		log_notice("event=notify_refused proto=%s client=%s qname=%s rcode=%d reason=\"this"
		           " server is the primary\" suppressed=%u",
		    proto, peer, log_escape(esc, sizeof(esc), info->qname, strlen(info->qname)),
		    info->rcode, d->refused_suppressed);
	d->refused_suppressed = 0;
}

void
reg_dns_log_query(
    struct reg_dns *d, const char *proto, const char *peer, const struct reg_answer_info *info)
{
	log_refusal(d, proto, peer, info);
	if (!log_enabled(LOG_LVL_DEBUG))
		return;
	char esc[LOG_ESC_MAX];
	log_debug("event=dns_query proto=%s client=%s qname=%s qtype=%u rcode=%d", proto, peer,
	    log_escape(esc, sizeof(esc), info->qname, strlen(info->qname)), info->qtype,
	    info->rcode);
}

static void
on_udp(evutil_socket_t fd, short what, void *arg)
{
	struct udp_sock *u = arg;
	struct reg_dns *d = u->d;
	uint8_t q[4096];

	(void)what;
	/* a few datagrams per wake-up so one socket cannot starve the rest */
	for (int i = 0; i < 16; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		ssize_t n = recvfrom(fd, q, sizeof(q), 0, (struct sockaddr *)&ss, &sl);
		struct reg_answer_opts o = { 0, 0, (size_t)d->cfg->edns_size, NULL, 0 };
		struct reg_answer_info info;
		struct reg_answer_xfr xfr;
		size_t outlen;
		char peer[64];

		if (n < 0)
			return;
		if (d->zone == NULL)
			continue;
		o.xfr_allowed = reg_dns_xfr_allowed(d, (struct sockaddr *)&ss);
		if (reg_answer_query(d->zone, q, (size_t)n, &o, d->buf, &outlen, &xfr, &info) !=
		    REG_ANSWER_REPLY)
			continue;
		reg_dns_addr_text((struct sockaddr *)&ss, peer, sizeof(peer));
		reg_dns_log_query(d, "udp", peer, &info);
		sendto(fd, d->buf, outlen, 0, (struct sockaddr *)&ss, sl);
	}
}

static void
send_notify(struct notify_target *t)
{
	uint8_t msg[1024];
	size_t len;

	if (t->d->zone == NULL)
		return;
	len = reg_answer_notify(t->d->zone, t->id, msg, sizeof(msg));
	if (len == 0 || send(t->fd, msg, len, 0) < 0)
		log_warn("event=notify_send_failed target=%s err=\"%s\"", t->name, strerror(errno));
	t->tries++;
	log_info("event=notify target=%s source=%s serial=%u try=%d", t->name, t->source, t->serial,
	    t->tries);
}

static void
on_notify_reply(evutil_socket_t fd, short what, void *arg)
{
	struct notify_target *t = arg;
	uint8_t b[1024];
	ssize_t n;

	(void)what;
	while ((n = recv(fd, b, sizeof(b), 0)) >= 0) {
		struct dns_wire_reader r;
		struct dns_wire_header h;

		dns_wire_reader_init(&r, b, (size_t)n);
		if (dns_wire_read_header(&r, &h) != DNS_WIRE_OK)
			continue;
		/* RFC 1996 4.7: the answer echoes our id, opcode NOTIFY, QR set */
		if (t->pending && h.id == t->id && (h.flags & DNS_FLAG_QR) &&
		    DNS_OPCODE(h.flags) == DNS_OPCODE_NOTIFY) {
			t->pending = 0;
			/* a refusal is an answer too: re-sending would not change it */
			if (DNS_RCODE(h.flags) != DNS_RCODE_NOERROR)
				log_warn(
				    "event=notify_refused target=%s source=%s serial=%u rcode=%d",
				    t->name, t->source, t->serial, DNS_RCODE(h.flags));
			else
				log_info("event=notify_acked target=%s serial=%u rcode=%d", t->name,
				    t->serial, DNS_RCODE(h.flags));
		}
	}
}

static void
on_notify_timer(evutil_socket_t fd, short what, void *arg)
{
	struct reg_dns *d = arg;

	(void)fd;
	(void)what;
	for (size_t i = 0; i < d->ntargets; i++) {
		struct notify_target *t = &d->targets[i];
		if (!t->pending)
			continue;
		if (t->tries >= NOTIFY_TRIES) {
			log_warn("event=notify_gave_up target=%s serial=%u", t->name, t->serial);
			t->pending = 0;
			continue;
		}
		send_notify(t);
	}
}

/*
 * UDP and TCP sockets on the same address and port. With port 0 the kernel
 * picks the UDP port and TCP takes the same; if another program holds that
 * TCP port, a fresh UDP port is tried (a few times).
 */
static int
bind_pair(const char *spec, evutil_socket_t *udp, evutil_socket_t *tcp, char *err, size_t errsz)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int one = 1;

	if (netaddr_parse(spec, 0, 65535, &ss, &sl, err, errsz) < 0)
		return -1;
	int any_port = ((struct sockaddr_in *)(void *)&ss)->sin_port == 0;
	for (int attempt = 0; attempt < 20; attempt++) {
		struct sockaddr_storage got = ss;
		socklen_t gl = sl;
		*udp = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (*udp < 0 || setsockopt(*udp, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
		    bind(*udp, (struct sockaddr *)&ss, sl) < 0 ||
		    getsockname(*udp, (struct sockaddr *)&got, &gl) < 0) {
			snprintf(err, errsz, "%s (udp): %s", spec, strerror(errno));
			if (*udp >= 0)
				close(*udp);
			return -1;
		}
		*tcp = netaddr_listen_tcp((struct sockaddr *)&got, gl, 64, "tcp", err, errsz);
		if (*tcp >= 0)
			return 0;
		close(*udp);
		if (!any_port || errno != EADDRINUSE)
			return -1;
	}
	return -1;
}

static int
parse_hostport(const char *text, struct sockaddr_storage *ss, socklen_t *sl)
{
	int len = (int)sizeof(*ss);

	memset(ss, 0, sizeof(*ss));
	if (evutil_parse_sockaddr_port(text, (struct sockaddr *)ss, &len) < 0)
		return -1;
	*sl = (socklen_t)len;
	return 0;
}

/*
 * A secondary accepts NOTIFY only from its primary's address (NSD's
 * allow-notify, BIND's primaries): send from the address we serve on, the
 * first dns_listen address of the target's family that is not a wildcard
 * (with a wildcard the kernel's choice is all there is).
 */
static int
bind_notify_source(struct reg_dns *d, struct notify_target *t)
{
	str_copy(t->source, sizeof(t->source), "any");
	for (size_t i = 0; i < d->nudp; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);

		if (getsockname(d->udp[i].fd, (struct sockaddr *)&ss, &sl) < 0 ||
		    ss.ss_family != t->ss.ss_family)
			continue;
		if (ss.ss_family == AF_INET) {
			struct sockaddr_in *s4 = (struct sockaddr_in *)(void *)&ss;
			if (s4->sin_addr.s_addr == htonl(INADDR_ANY))
				continue;
			s4->sin_port = 0;
		} else if (ss.ss_family == AF_INET6) {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)(void *)&ss;
			if (IN6_IS_ADDR_UNSPECIFIED(&s6->sin6_addr))
				continue;
			s6->sin6_port = 0;
		} else {
			continue;
		}
		reg_dns_addr_text((struct sockaddr *)&ss, t->source, sizeof(t->source));
		return bind(t->fd, (struct sockaddr *)&ss, sl);
	}
	return 0;
}

struct reg_dns *
reg_dns_new(struct event_base *base, const struct reg_config *cfg, struct strbuf *err)
{
	struct reg_dns *d = xcalloc(1, sizeof(*d));

	d->base = base;
	d->cfg = cfg;
	d->buf = xmalloc(DNS_WIRE_MSG_MAX);
	for (size_t i = 0; i < cfg->dns_listen.n; i++) {
		char why[256], bound[NETADDR_TEXT_MAX];
		evutil_socket_t udp = -1, tcp = -1;

		if (bind_pair(cfg->dns_listen.v[i], &udp, &tcp, why, sizeof(why)) < 0) {
			strbuf_printf(err, "dns_listen %s", why);
			goto fail;
		}
		d->udp = xrealloc(d->udp, (d->nudp + 1) * sizeof(*d->udp));
		d->udp[d->nudp].d = d;
		d->udp[d->nudp].fd = udp;
		d->nudp++;
		struct evconnlistener *l = evconnlistener_new(base, reg_dns_tcp_accept, d,
		    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 0, tcp);
		if (l == NULL) {
			strbuf_printf(
			    err, "dns_listen %s (tcp): cannot watch", cfg->dns_listen.v[i]);
			close(tcp);
			goto fail;
		}
		d->tcp = xrealloc(d->tcp, (d->ntcp + 1) * sizeof(*d->tcp));
		d->tcp[d->ntcp++] = l;
		log_info("event=dns_listen address=%s configured=%s",
		    netaddr_local(udp, bound, sizeof(bound)) ? bound : "?", cfg->dns_listen.v[i]);
	}
	/* events after the array stops moving */
	for (size_t i = 0; i < d->nudp; i++) {
		d->udp[i].ev =
		    event_new(base, d->udp[i].fd, EV_READ | EV_PERSIST, on_udp, &d->udp[i]);
		event_add(d->udp[i].ev, NULL);
	}
	d->targets = xcalloc(cfg->notify.n ? cfg->notify.n : 1, sizeof(*d->targets));
	for (size_t i = 0; i < cfg->notify.n; i++) {
		struct notify_target *t = &d->targets[d->ntargets];

		t->d = d;
		str_copy(t->name, sizeof(t->name), cfg->notify.v[i]);
		char why[256];
		if (netaddr_parse(cfg->notify.v[i], 1, 65535, &t->ss, &t->sl, why, sizeof(why)) <
		    0) {
			strbuf_printf(err, "notify %s", why);
			goto fail;
		}
		t->fd = socket(t->ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (t->fd >= 0 && bind_notify_source(d, t) < 0) {
			strbuf_printf(err, "notify %s: cannot send from %s: %s", t->name, t->source,
			    strerror(errno));
			close(t->fd);
			goto fail;
		}
		if (t->fd < 0 || connect(t->fd, (struct sockaddr *)&t->ss, t->sl) < 0) {
			strbuf_printf(err, "notify %s: %s", t->name, strerror(errno));
			if (t->fd >= 0)
				close(t->fd);
			goto fail;
		}
		d->ntargets++;
		t->ev = event_new(base, t->fd, EV_READ | EV_PERSIST, on_notify_reply, t);
		event_add(t->ev, NULL);
	}
	d->allowed =
	    xcalloc(cfg->allow_transfer.n ? cfg->allow_transfer.n : 1, sizeof(*d->allowed));
	for (size_t i = 0; i < cfg->allow_transfer.n; i++) {
		struct sockaddr_storage *ss = &d->allowed[d->nallowed];
		socklen_t sl;
		if (parse_hostport(cfg->allow_transfer.v[i], ss, &sl) < 0) {
			strbuf_printf(
			    err, "allow_transfer '%s' is not an address", cfg->allow_transfer.v[i]);
			goto fail;
		}
		d->nallowed++;
	}
	{
		struct timeval tv = { (time_t)(cfg->notify_retry / 1000),
			(suseconds_t)((cfg->notify_retry % 1000) * 1000) };
		d->notify_timer = event_new(base, -1, EV_PERSIST, on_notify_timer, d);
		event_add(d->notify_timer, &tv);
	}
	return d;
fail:
	reg_dns_free(d);
	return NULL;
}

void
reg_dns_free(struct reg_dns *d)
{
	if (d == NULL)
		return;
	reg_dns_tcp_close_all(d);
	for (size_t i = 0; i < d->nudp; i++) {
		if (d->udp[i].ev)
			event_free(d->udp[i].ev);
		close(d->udp[i].fd);
	}
	free(d->udp);
	for (size_t i = 0; i < d->ntcp; i++)
		evconnlistener_free(d->tcp[i]);
	free(d->tcp);
	for (size_t i = 0; i < d->ntargets; i++) {
		if (d->targets[i].ev)
			event_free(d->targets[i].ev);
		close(d->targets[i].fd);
	}
	free(d->targets);
	free(d->allowed);
	if (d->notify_timer)
		event_free(d->notify_timer);
	reg_zone_unref(d->zone);
	for (size_t i = 0; i < d->nhistory; i++)
		reg_zone_unref(d->history[i]);
	free(d->buf);
	free(d);
}

void
reg_dns_set_zone(struct reg_dns *d, struct reg_zone *z)
{
	int changed = d->zone == NULL || d->zone->serial != z->serial;

	if (changed && d->zone) {
		/* keep the version being replaced for IXFR; drop the oldest */
		if (d->nhistory == HISTORY)
			reg_zone_unref(d->history[--d->nhistory]);
		memmove(d->history + 1, d->history, d->nhistory * sizeof(d->history[0]));
		d->history[0] = d->zone;
		d->nhistory++;
	} else {
		reg_zone_unref(d->zone);
	}
	d->zone = reg_zone_ref(z);
	if (!changed)
		return;
	log_info("event=zone_loaded serial=%u records=%zu", z->serial, z->n);
	for (size_t i = 0; i < d->ntargets; i++) {
		struct notify_target *t = &d->targets[i];
		uint16_t id;

		RAND_bytes((unsigned char *)&id, sizeof(id));
		t->id = id;
		t->tries = 0;
		t->pending = 1;
		t->serial = z->serial;
		send_notify(t);
	}
}

int
reg_dns_notify_pending(const struct reg_dns *d)
{
	int n = 0;

	for (size_t i = 0; i < d->ntargets; i++)
		n += d->targets[i].pending;
	return n;
}
