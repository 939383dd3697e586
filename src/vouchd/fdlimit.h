/*
 * fdlimit: file descriptors (issue 13 item 1). At start-up, while still
 * root, RLIMIT_NOFILE is raised to what max_connections needs beside a
 * reserve for everything else (util/fdbudget.h); when it cannot be, the
 * number of sessions is lowered to what fits, and the log and vouchctl
 * status say so. If accept() still runs out (EMFILE, ENFILE), the
 * listener is paused and resumed with back-off instead of being retried
 * at once for ever, and the log line is rate-limited.
 */
#ifndef VOUCH_VOUCHD_FDLIMIT_H
#define VOUCH_VOUCHD_FDLIMIT_H

#include <stddef.h>
#include <stdint.h>

struct vouchd;
struct config;
struct event;
struct event_base;
struct evconnlistener;

/* Plan and set the limit for cfg; fills d->fd_limit, d->fd_need and
 * d->max_connections. -1 with err when not one session fits. */
int fdlimit_apply(struct vouchd *d, const struct config *cfg, char *err, size_t errsz);

/* One listener's pause and back-off (owned by the listener). */
struct accept_guard {
	struct evconnlistener *evl;
	struct event *timer;
	char name[64];
	int64_t backoff_ms;  /* the current pause; 0 = accepting normally */
	int64_t last_log_ms; /* rate limit of the log line */
	unsigned long suppressed, pauses;
};

/* Watch evl's accept errors (evconnlistener_set_error_cb is set here; the
 * listener's callback argument must lead to g: errfn finds it). */
void accept_guard_init(struct accept_guard *g, struct event_base *base, struct evconnlistener *evl,
    const char *name, void (*errfn)(struct evconnlistener *, void *));
/* accept() failed: pause, or log and go on. */
void accept_guard_error(struct accept_guard *g);
/* A connection was accepted: the back-off starts again from nothing. */
void accept_guard_ok(struct accept_guard *g);
void accept_guard_free(struct accept_guard *g);

#endif
