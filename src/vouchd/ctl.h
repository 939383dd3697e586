/*
 * ctl: vouchd's control socket, the local channel vouchctl talks over.
 * One request line in ("queue list", "status", ...), a text answer out,
 * then the connection closes. The socket is a Unix socket in the data
 * directory, reachable only by root and vouchd's own user.
 */
#ifndef VOUCH_VOUCHD_CTL_H
#define VOUCH_VOUCHD_CTL_H

#include <stddef.h>

struct vouchd;
struct ctl;

struct ctl *ctl_new(struct vouchd *d, const char *path, char *err, size_t errsz);
void ctl_free(struct ctl *c);

#endif
