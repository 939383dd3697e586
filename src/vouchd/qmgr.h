/*
 * qmgr: the queue manager. It knows every message in the active queue,
 * when each is next due, and hands due recipients to the delivery agents
 * (local Maildir delivery here), then records the outcome durably: a
 * message leaves the queue only when every recipient is done.
 */
#ifndef VOUCH_VOUCHD_QMGR_H
#define VOUCH_VOUCHD_QMGR_H

#include <stddef.h>
#include <time.h>

#include "queue/envelope.h"
#include "util/str.h"

struct vouchd;
struct qmgr;

struct qmgr *qmgr_new(struct vouchd *d);
/* Stop scheduling; deliveries under way finish. NULL-safe. */
void qmgr_free(struct qmgr *q);
/* A newly committed message; takes over env's contents. */
void qmgr_add(struct qmgr *q, struct envelope *env);
/* A message found in the queue at start-up. */
void qmgr_add_id(struct qmgr *q, const char *id);
/* Messages in the queue, and deliveries under way. */
size_t qmgr_count(const struct qmgr *q);
size_t qmgr_busy(const struct qmgr *q);

/* Control-socket commands; each appends its answer to out. 0 or -1. */
int qmgr_list(struct qmgr *q, struct strbuf *out);
int qmgr_show(struct qmgr *q, const char *id, struct strbuf *out);
int qmgr_delete(struct qmgr *q, const char *id, struct strbuf *out);
int qmgr_hold(struct qmgr *q, const char *id, int hold, struct strbuf *out);
/* Try now: one message, or all when id is NULL. */
int qmgr_flush(struct qmgr *q, const char *id, struct strbuf *out);

/*
 * Visit every message, in order of arrival; fn may change a message's
 * recipients (challenge/response: release or discard held ones) and
 * returns QMGR_VISIT_* bits, 0 for no change. A message with nothing
 * pending left is removed; the messages fn asks to start are delivered
 * one after the other, in that order (mail released together reaches the
 * mailbox in the order it came).
 */
#define QMGR_VISIT_UPDATE 0x1 /* write the envelope */
#define QMGR_VISIT_START 0x2  /* deliver what is due now */
void qmgr_visit(struct qmgr *q, int (*fn)(void *arg, struct envelope *env), void *arg);

#endif
