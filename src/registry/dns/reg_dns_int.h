/*
 * reg_dns_int: the DNS server's private state, shared by reg_dns.c
 * (sockets, UDP, NOTIFY, zones) and reg_dns_tcp.c (TCP connections and
 * transfers). Nothing else includes it.
 */
#ifndef VOUCH_REGISTRY_REG_DNS_INT_H
#define VOUCH_REGISTRY_REG_DNS_INT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "reg_answer.h"
#include "reg_config.h"
#include "reg_zone.h"

#define HISTORY 16 /* earlier zone versions kept for IXFR */

struct udp_sock {
	struct reg_dns *d;
	evutil_socket_t fd;
	struct event *ev;
};

struct notify_target {
	struct reg_dns *d;
	char name[128];
	char source[64]; /* the address NOTIFYs leave from (a dns_listen one), or "any" */
	struct sockaddr_storage ss;
	socklen_t sl;
	evutil_socket_t fd; /* connected UDP socket */
	struct event *ev;
	uint16_t id;
	int tries;
	int pending;
	uint32_t serial;
};

/* Where a TCP connection is (RFC 7766 6.2.3: every wait has a limit). */
enum tcp_phase {
	TCP_IDLE,  /* between queries: dns_tcp_idle */
	TCP_QUERY, /* a query began: it has dns_tcp_query_timeout to arrive whole */
	TCP_XFR,   /* streaming a transfer: the write timeout applies */
};

struct tcp_conn {
	struct reg_dns *d;
	struct bufferevent *bev;
	struct event *timer; /* the phase's deadline */
	enum tcp_phase phase;
	int xfr_allowed; /* a configured secondary (notify, allow_transfer) */
	int in_xfr;
	struct reg_answer_xfr xfr;
	struct sockaddr_storage addr; /* the client's, for the per-address limit */
	char peer[64];
	struct tcp_conn *next;
};

struct reg_dns {
	struct event_base *base;
	const struct reg_config *cfg;
	struct reg_zone *zone;
	struct reg_zone *history[HISTORY]; /* newest first, references held */
	size_t nhistory;
	struct udp_sock *udp;
	size_t nudp;
	struct evconnlistener **tcp;
	size_t ntcp;
	struct tcp_conn *conns;
	size_t nconns;
	size_t nconns_public; /* of them, not from a configured secondary */
	struct notify_target *targets;
	size_t ntargets;
	struct sockaddr_storage *allowed; /* allow_transfer addresses */
	size_t nallowed;
	struct event *notify_timer;
	/* refusal log lines per second are capped: spoofed UDP costs nothing */
	long long refused_second;
	unsigned refused_logged, refused_suppressed;
	uint8_t *buf; /* 64 KiB scratch for answers */
};

/* reg_dns.c */
void reg_dns_addr_text(const struct sockaddr *sa, char *out, size_t outsz);
int reg_dns_same_ip(const struct sockaddr *a, const struct sockaddr *b);
/* RFC 5936 6: a configured secondary (notify or allow_transfer)? */
int reg_dns_xfr_allowed(const struct reg_dns *d, const struct sockaddr *sa);
/* Log an answered query (debug), and a refused transfer or NOTIFY (warn). */
void reg_dns_log_query(
    struct reg_dns *d, const char *proto, const char *peer, const struct reg_answer_info *info);

/* reg_dns_tcp.c: the listener's accept callback, and closing every connection. */
void reg_dns_tcp_accept(
    struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int sl, void *arg);
void reg_dns_tcp_close_all(struct reg_dns *d);

#endif
