/*
 * vouchd: the daemon's shared state. One event loop owns all of it;
 * worker threads (group commit, local delivery) only touch what they are
 * handed and report back through events. Each module's functions are
 * declared in its own header (listen.h, lists.h, smtpd.h, gather.h, ...).
 */
#ifndef VOUCH_VOUCHD_H
#define VOUCH_VOUCHD_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "auth/gen.h"
#include "config/config.h"
#include "local/aliases.h"
#include "local/users.h"
#include "queue/commit.h"
#include "queue/queue.h"

struct event_base;
struct metrics;
struct stats;
struct sockaddr;
struct event;
struct smtp_server;
struct hmap;
struct listener;
struct qmgr;
struct local_pool;
struct ctl;
struct list;
struct callout;
struct vouch_checker;
struct submit;
struct dmarcrep;
struct dkim_keycache;
struct dkim_keyring;
struct srs_keys;
typedef struct ssl_ctx_st SSL_CTX;

/* Counters since start, shown by vouchctl status. */
struct vouchd_stats {
	unsigned long long sessions;
	unsigned long long refused_connections;
	unsigned long long messages_accepted;
	unsigned long long messages_refused;
	unsigned long long recipients_accepted;
	unsigned long long recipients_refused;
	unsigned long long deliveries_local;
	unsigned long long deliveries_discarded;
	unsigned long long deliveries_deferred;
	unsigned long long deliveries_remote;
	unsigned long long deliveries_bounced;
};

struct vouchd {
	struct event_base *base;
	struct config *cfg; /* current; sessions hold references */
	char *config_path;  /* -c FILE or NULL */
	char **overrides;   /* -o key=value, in order */
	size_t noverrides;
	int debug;
	struct smtp_server *smtp;
	struct listener *listeners; /* list */
	struct hmap *per_ip;        /* client address bytes -> count */
	struct commit *commit;
	struct queue *queue;
	struct qmgr *qmgr;
	struct local_pool *local;
	struct outbound *outbound;
	struct dns_client *dns;
	struct orgdomain *psl;             /* the Public Suffix List, for DMARC (msgauth.c) */
	struct dmarcrep *dmarcrep;         /* DMARC aggregate reports (dmarcrep.c) */
	struct dkim_keycache *dkim_keys;   /* parsed DKIM key records (msgauth.c) */
	struct callout *callout;           /* sender callouts (gather_checks.c) */
	SSL_CTX *callout_tls;              /* its STARTTLS client context */
	struct callout_config callout_cfg; /* the settings it runs with */
	struct ctl *ctl;
	struct workq *work;        /* blocking jobs: password hashing */
	struct store *store;       /* counters, locks, blocks, lists, caches: shared
	                      * (Redis) in a cluster, else local_store */
	struct store *local_store; /* this node's SQLite state (statistics) */
	/* statistics by (check, result) in minute buckets (policy/stats.h):
	 * count with stats_count(d->counters, "spf", "fail") */
	struct stats *counters;
	struct metrics *metrics;       /* feeds, saves and serves them (metrics.h) */
	struct submit *submit;         /* AUTH attempts and their limits (submit.c) */
	struct challenge *challenge;   /* challenge/response (challenge.h) */
	struct list *allow;            /* allow list: allow_networks and vouchctl allow */
	struct list *block;            /* block list: vouchctl block */
	struct list *required;         /* vouch-required addresses: hard-mode vouching failures */
	struct event *lists_sync;      /* a cluster: the lists reloaded every second (lists.c) */
	uint64_t lists_gen;            /* changes of the lists made through this node */
	struct vouch_checker *xvcheck; /* XVOUCH callbacks on reused connections */
	struct hmap *xvouch_askers;    /* XVOUCH CHECK failures by asking address */
	struct gen_cache xgen_cache;   /* clients' XGEN cookies already proven */
	/* our software generation: the configured one, or a newer release
	 * the authority published (xgen_fetch.c); -1 = none */
	long long xgen_g;
	char xgen_cookie[GEN_COOKIE_HEX + 1];
	struct xgen_fetch *xgen_fetch;
	struct users *users;
	struct aliases *aliases;
	/* what signs and rewrites mail that leaves (outsign.h), loaded with
	 * the tables: dkim_sign_keys, arc_seal_key, the SRS keys (NULL: off) */
	struct dkim_keyring *dkim_sign, *dkim_seal;
	struct srs_keys *srs;
	struct event *sig_term, *sig_int, *sig_hup, *shutdown_timer;
	int stopping;
	time_t started;
	/* descriptors (fdlimit.c): the limit set, what max_connections needs,
	 * the reserve, and the sessions allowed (lowered when short) */
	long long fd_limit, fd_need, fd_reserve, max_connections;
	struct vouchd_stats stats;
};

#endif
