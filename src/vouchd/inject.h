/*
 * inject: queueing messages vouchd writes itself (postmaster notices,
 * delivery status notifications) on the same durable path as received
 * mail.
 */
#ifndef VOUCH_VOUCHD_INJECT_H
#define VOUCH_VOUCHD_INJECT_H

#include <stddef.h>

struct vouchd;

/* Queue text (a whole message) from sender to rcpts; is_bounce: a DSN. */
int inject_message(struct vouchd *d, const char *sender, const char *const *rcpts, size_t nrcpts,
    const char *text, size_t len, int is_bounce);

#endif
