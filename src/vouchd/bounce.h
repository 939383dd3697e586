/*
 * bounce: after each delivery attempt, which delivery status
 * notifications (RFC 3461/3464) the sender gets, and queueing them:
 * failures, one delay warning, successes when asked for, "relayed" when
 * the next hop does not speak DSN; never to a null return path, never
 * about a notification, never to a return path that failed SPF.
 */
#ifndef VOUCH_VOUCHD_BOUNCE_H
#define VOUCH_VOUCHD_BOUNCE_H

#include "queue/envelope.h"

struct vouchd;

/* What became of a recipient in the attempt that just ended. */
enum bounce_outcome {
	BOUNCE_NONE = 0,  /* still pending, or settled earlier */
	BOUNCE_DELIVERED, /* into a local mailbox */
	BOUNCE_SENT_DSN,  /* to a next hop that took the DSN request */
	BOUNCE_RELAYED,   /* to a next hop without DSN */
	BOUNCE_FAILED,    /* permanently */
};

/*
 * Decide and queue the notifications for attempt outcomes (one per
 * recipient) of message e; also turns recipients pending past the queue
 * lifetime into failures, and marks a sent delay warning in e. Returns
 * the number of notifications queued.
 */
int bounce_after_attempt(struct vouchd *d, struct envelope *e, const unsigned char *outcome);

#endif
