/*
 * listener: one listening socket and the session settings its sessions
 * start with (built from the configuration; rebuilt on reload).
 */
#ifndef VOUCH_VOUCHD_LISTENER_H
#define VOUCH_VOUCHD_LISTENER_H

#include "fdlimit.h"
#include "config/config.h"
#include "smtp/smtp_session.h"

struct evconnlistener;
struct vouchd;

struct listener {
	struct listener *next;
	struct vouchd *d;
	char *name;
	char *address; /* as configured (port may be 0) */
	char *bound;   /* the address bound, with the real port */
	struct evconnlistener *evl;
	struct accept_guard guard;      /* pauses accept() when descriptors run out */
	struct smtp_session_conf sconf; /* sconf.tls is owned here */
};

/* Fill l->sconf from the global settings and the listener's block. */
int listener_configure(struct listener *l, const struct config *cfg,
    const struct listener_config *lc, char *err, size_t errsz);
/* Close the socket and free. NULL-safe. */
void listener_free(struct listener *l);

#endif
