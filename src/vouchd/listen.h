/*
 * listen: vouchd's listening sockets, bound (as root) before privileges
 * are dropped, and the per-address session slots.
 */
#ifndef VOUCH_VOUCHD_LISTEN_H
#define VOUCH_VOUCHD_LISTEN_H

#include <stddef.h>

struct vouchd;
struct sockaddr;

int listen_open_all(struct vouchd *d, char *err, size_t errsz);
void listen_close_all(struct vouchd *d);
/* A session ended: release its per-address slot. */
void listen_release(struct vouchd *d, const struct sockaddr *peer);

#endif
