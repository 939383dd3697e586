/*
 * listen: the SMTP listening sockets, and the connection limits applied
 * before a session is created (total, and per client address).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/listener.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vouchd.h"
#include "listen.h"
#include "listener.h"
#include "smtp/smtp_session.h"
#include "util/hmap.h"
#include "util/log.h"
#include "util/netaddr.h"
#include "util/xmalloc.h"

/* The bytes of a client address, the key of the per-address counts. */
static size_t
addr_key(const struct sockaddr *sa, unsigned char key[16])
{
	if (sa->sa_family == AF_INET) {
		memcpy(key, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
		return 4;
	}
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a =
		    &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
		/* A v4-mapped address counts as the IPv4 address it is. */
		if (IN6_IS_ADDR_V4MAPPED(a)) {
			memcpy(key, &a->s6_addr[12], 4);
			return 4;
		}
		memcpy(key, a, 16);
		return 16;
	}
	return 0;
}

void
listen_release(struct vouchd *d, const struct sockaddr *peer)
{
	unsigned char key[16];
	size_t n = addr_key(peer, key);
	uintptr_t count;

	if (n == 0)
		return;
	count = (uintptr_t)hmap_get(d->per_ip, key, n);
	if (count <= 1)
		hmap_del(d->per_ip, key, n);
	else
		hmap_put(d->per_ip, key, n, (void *)(count - 1));
}

/* Refuse before any session exists: one reply, then close. */
static void
refuse(int fd, const char *hostname, const char *why)
{
	char line[512];
	int n = snprintf(line, sizeof(line), "421 4.7.0 %s Error: %s\r\n", hostname, why);

	if (n > 0) {
		ssize_t w = send(fd, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		(void)w;
	}
	close(fd);
}

static void
on_accept(struct evconnlistener *evl, evutil_socket_t fd, struct sockaddr *sa, int salen, void *arg)
{
	struct listener *l = arg;
	struct vouchd *d = l->d;
	const struct config *cfg = d->cfg;
	struct sockaddr_storage local;
	socklen_t locallen = sizeof(local);
	unsigned char key[16];
	size_t keylen;
	uintptr_t count;
	int one = 1;

	(void)evl;
	accept_guard_ok(&l->guard);
	if (d->stopping) {
		refuse(fd, cfg->hostname, "server shutting down");
		return;
	}
	/* the limit in effect: lowered when descriptors are short (fdlimit.c) */
	if (smtp_server_count(d->smtp) >= (size_t)d->max_connections) {
		d->stats.refused_connections++;
		log_warn("event=connection_refused reason=max_connections limit=%lld",
		    d->max_connections);
		refuse(fd, cfg->hostname, "too many connections, try again later");
		return;
	}
	keylen = addr_key(sa, key);
	count = keylen ? (uintptr_t)hmap_get(d->per_ip, key, keylen) : 0;
	if (count >= (uintptr_t)cfg->max_connections_per_ip) {
		char ip[INET6_ADDRSTRLEN] = "?";
		if (sa->sa_family == AF_INET)
			inet_ntop(
			    AF_INET, &((struct sockaddr_in *)(void *)sa)->sin_addr, ip, sizeof(ip));
		else if (sa->sa_family == AF_INET6)
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)(void *)sa)->sin6_addr, ip,
			    sizeof(ip));
		d->stats.refused_connections++;
		log_warn(
		    "event=connection_refused reason=max_connections_per_ip client=%s limit=%lld",
		    ip, cfg->max_connections_per_ip);
		refuse(fd, cfg->hostname, "too many connections from your address");
		return;
	}
	if (getsockname(fd, (struct sockaddr *)&local, &locallen) < 0) {
		close(fd);
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (keylen)
		hmap_put(d->per_ip, key, keylen, (void *)(count + 1));
	d->stats.sessions++;
	if (smtp_session_new(d->smtp, fd, sa, (socklen_t)salen, (struct sockaddr *)&local, locallen,
	        &l->sconf) == NULL &&
	    keylen)
		listen_release(d, sa);
}

static void
on_accept_error(struct evconnlistener *evl, void *arg)
{
	struct listener *l = arg;

	(void)evl;
	accept_guard_error(&l->guard);
}

int
listen_open_all(struct vouchd *d, char *err, size_t errsz)
{
	const struct config *cfg = d->cfg;

	for (size_t i = 0; i < cfg->nlisteners; i++) {
		const struct listener_config *lc = &cfg->listeners[i];
		struct sockaddr_storage ss;
		socklen_t sl;
		char bound[NETADDR_TEXT_MAX];
		int fd;

		/* config check has parsed the address already; this cannot fail */
		if (netaddr_parse(lc->address, 0, 65535, &ss, &sl, err, errsz) < 0 ||
		    (fd = netaddr_listen_tcp(
		         (struct sockaddr *)&ss, sl, (int)lc->backlog, lc->name, err, errsz)) < 0)
			return -1;
		struct listener *l = xcalloc(1, sizeof(*l));
		l->d = d;
		l->name = xstrdup(lc->name);
		l->address = xstrdup(lc->address);
		/* with port 0 the kernel chose: what clients must use is this */
		l->bound = xstrdup(netaddr_local(fd, bound, sizeof(bound)) ? bound : lc->address);
		if (listener_configure(l, cfg, lc, err, errsz) < 0) {
			close(fd);
			listener_free(l);
			return -1;
		}
		/* Backlog 0: the socket is listening already (with the configured
		 * backlog); -1 would make libevent listen(fd, 128) again. */
		l->evl = evconnlistener_new(d->base, on_accept, l, LEV_OPT_CLOSE_ON_FREE, 0, fd);
		if (l->evl == NULL) {
			snprintf(err, errsz, "cannot watch the %s listener", lc->name);
			close(fd);
			listener_free(l);
			return -1;
		}
		accept_guard_init(&l->guard, d->base, l->evl, l->name, on_accept_error);
		l->next = d->listeners;
		d->listeners = l;
		log_info("event=listening listener=%s address=%s configured=%s", lc->name, l->bound,
		    lc->address);
	}
	return 0;
}

void
listen_close_all(struct vouchd *d)
{
	while (d->listeners) {
		struct listener *l = d->listeners;
		d->listeners = l->next;
		listener_free(l);
	}
}
