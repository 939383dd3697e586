/*
 * outbound_int: the outbound agent's private structures, shared by
 * outbound.c (connections and jobs) and outbound_mx.c (resolution).
 */
#ifndef VOUCH_VOUCHD_OUTBOUND_INT_H
#define VOUCH_VOUCHD_OUTBOUND_INT_H

#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>

#include "outbound.h"
#include "auth/vouch.h"

struct hmap;
struct dns_mx;
typedef struct ssl_ctx_st SSL_CTX;

/* One address to try, with the MX name it belongs to. */
struct mx_addr {
	struct sockaddr_storage sa;
	socklen_t salen;
	char host[256];
	char text[64];
	unsigned pref;
};

struct dest {
	char *name;
	int relay; /* served by the relayhost */
	struct outbound_job *head, **tail;
	int nconn;
	int proven; /* a connection got through */
	/* resolution (dns/dns_mx.h) */
	struct outbound *o;
	struct dns_mx *mxq; /* the lookup in flight, or NULL */
	int resolving, resolved;
	int64_t resolved_at;
	struct mx_addr *addrs; /* in the order to try */
	size_t naddrs;
	struct smtp_client_reply fail; /* why there are no addresses */
	struct smtp_client_reply last_error;
};

struct conn {
	struct conn *next;
	struct outbound *o;
	struct dest *dst;
	struct smtp_client *client;
	size_t ai; /* index into dst->addrs */
	int ready;
	int quitting; /* QUIT sent: takes no more jobs */
	int no_tls;   /* retrying after a broken TLS handshake */
	struct outbound_job *job;
	unsigned id;                      /* for logs */
	char xvouch_id[VOUCH_ID_LEN + 1]; /* our session id, "" if none */
	unsigned nmsg;                    /* messages sent on this connection */
};

struct outbound {
	struct vouchd *d;
	struct hmap *dests; /* name -> struct dest */
	struct conn *conns;
	size_t nconn;
	unsigned next_conn_id;
	SSL_CTX *tls;
	char *relay_host, *relay_user, *relay_pass;
	char relay_name[256]; /* the relayhost without its port */
	int relay_port;
	struct sockaddr_storage bind;
	socklen_t bind_len;
};

/* outbound.c */
void outbound_dest_kick(struct outbound *o, struct dest *dst);
void outbound_dest_fail_all(
    struct outbound *o, struct dest *dst, int code, const char *status, const char *text);
void outbound_conn_send(struct outbound *o, struct conn *cn, struct outbound_job *j);

/* outbound_mx.c */
/* Start resolving; outbound_dest_kick() follows when done. */
void outbound_mx_resolve(struct outbound *o, struct dest *dst);
void outbound_mx_cancel(struct outbound *o, struct dest *dst);
void outbound_mx_clear(struct dest *dst);

#endif
