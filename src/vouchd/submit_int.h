/*
 * submit_int: the session state submit.c and submit_limits.c share (not
 * for others).
 */
#ifndef VOUCH_VOUCHD_SUBMIT_INT_H
#define VOUCH_VOUCHD_SUBMIT_INT_H

#include "submit.h"

struct strbuf;

struct submit_sess {
	struct vouchd *d;
	const struct config *cfg; /* the session's */
	uint64_t sid;
	int offer;                   /* the listener offers AUTH (after TLS) */
	int submission;              /* the listener is a submission port */
	char auth_user_pending[520]; /* AUTH LOGIN: the user name given */
	struct submit_rsv rsv;       /* this transaction's remote recipients */
	char ehlo_kw[256];           /* submit_ehlo_keywords' answer */
	/* a check waiting for the store: where it goes on, and MAIL's sender */
	submit_next_fn next;
	char from[SMTP_PATH_MAX * 2];
};

/* submit_future.c: RFC 4865. The FUTURERELEASE keyword when offered;
 * MAIL's HOLDFOR/HOLDUNTIL against the limits (1 if it decided). */
void
submit_future_keyword(const struct submit_sess *sub, struct smtp_session *s, struct strbuf *sb);
int submit_check_future(struct submit_sess *sub, struct smtp_session *s);

#endif
