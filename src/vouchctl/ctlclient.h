/*
 * ctlclient: talking to a running vouchd over its control socket.
 */
#ifndef VOUCH_VOUCHCTL_CTLCLIENT_H
#define VOUCH_VOUCHCTL_CTLCLIENT_H

#include "vouchctl.h"

/*
 * Send one request line to the vouchd that the configuration names and,
 * unless quiet, print its answer (without the status line) to stdout.
 * Returns 0 when vouchd answered "ok", 1 when it answered an error, 3 when
 * it could not be reached.
 */
int ctlclient_request(const struct vouchctl_opts *o, const char *request, int quiet);

#endif
