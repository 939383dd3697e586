/*
 * vouchd: the daemon's shared state. One event loop owns all of it;
 * worker threads (group commit, local delivery) only touch what they are
 * handed and report back through events.
 */
#ifndef VOUCH_VOUCHD_H
#define VOUCH_VOUCHD_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "config/config.h"
#include "local/aliases.h"
#include "local/users.h"
#include "queue/commit.h"
#include "queue/queue.h"

struct event_base;
struct sockaddr;
struct event;
struct smtp_server;
struct hmap;
struct listener;
struct qmgr;
struct local_pool;
struct ctl;

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
};

struct vouchd {
	struct event_base *base;
	struct config *cfg;		/* current; sessions hold references */
	char *config_path;		/* -c FILE or NULL */
	int debug;
	struct smtp_server *smtp;
	struct listener *listeners;	/* list */
	struct hmap *per_ip;		/* client address bytes -> count */
	struct commit *commit;
	struct queue *queue;
	struct qmgr *qmgr;
	struct local_pool *local;
	struct ctl *ctl;
	struct users *users;
	struct aliases *aliases;
	struct event *sig_term, *sig_int, *sig_hup, *shutdown_timer;
	int stopping;
	time_t started;
	struct vouchd_stats stats;
};

/* listen.c: sockets are bound (as root) before privileges are dropped. */
int listen_open_all(struct vouchd *d, char *err, size_t errsz);
void listen_close_all(struct vouchd *d);
/* A session ended: release its per-address slot. */
void listen_release(struct vouchd *d, const struct sockaddr *peer);

/* privs.c */
int privs_prepare_dirs(const struct config *cfg, char *err, size_t errsz);
int privs_drop(const struct config *cfg, char *err, size_t errsz);

/* smtpd.c: the policy side of inbound SMTP sessions. */
struct smtp_server *smtpd_new(struct vouchd *d);

/* reload.c: local tables and configuration. */
int vouchd_load_tables(struct vouchd *d, const struct config *cfg, char *err, size_t errsz);
void vouchd_reload(struct vouchd *d);
void vouchd_shutdown(struct vouchd *d);

#endif
