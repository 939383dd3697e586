/*
 * xgen: software generations on SMTP sessions (DESIGN 5.2): the EHLO
 * keyword, judging a client's XGEN (a proof, gather.h), and what our own
 * client sends.
 */
#ifndef VOUCH_VOUCHD_XGEN_H
#define VOUCH_VOUCHD_XGEN_H

#include <stddef.h>
#include <stdint.h>

struct vouchd;
struct config;
struct listener_config;
struct proof;

/* Does listener l offer generations (a generation is configured, mode not off)? */
int xgen_offered(const struct config *cfg, const struct listener_config *l);
/* "XGEN <g>" for EHLO ("XGEN <g> REQUIRED" when xgen_none is not ignore),
 * or NULL when no generation is offered. */
const char *xgen_ehlo(const struct vouchd *d, const struct config *cfg,
    const struct listener_config *l, char *buf, size_t bufsz);
/* "<g> <cookie>" our client sends, or NULL. */
const char *
xgen_client_arg(const struct vouchd *d, const struct config *cfg, char *buf, size_t bufsz);

/*
 * Our generation (d->xgen_g, d->xgen_cookie) from the configuration and
 * the releases remembered, and the periodic fetch of the authority's
 * releases when xgen_publish_name is set (xgen_fetch.c). At start-up,
 * once DNS is up, and after each reload.
 */
void xgen_configure(struct vouchd *d);
void xgen_fetch_free(struct vouchd *d);

/* The refusal of an XGEN command that cannot be judged. */
struct xgen_answer {
	int code;
	const char *status;
	const char *text;
};
/*
 * Judge "XGEN <g'> <cookie>" (arg, len) for a session of listener l, with
 * the daemon's cache of proven cookies; given: XGEN was judged before in
 * this connection (one per connection). 1 with the proof in p (the
 * answer is the policy engine's: policy_xgen), or 0 with the command's
 * refusal in a (not offered, given twice, bad syntax).
 */
int xgen_judge(struct vouchd *d, const struct config *cfg, const struct listener_config *l,
    int given, uint64_t sid, const char *arg, size_t len, struct proof *p, struct xgen_answer *a);

#endif
