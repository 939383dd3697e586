/*
 * dsn: delivery status notifications (RFC 3464), the multipart/report
 * messages that tell a sender what became of their message (RFC 3461
 * NOTIFY: failure, delay, success, and "relayed" when the next hop does
 * not speak DSN). Pure: the facts in, the message text out.
 */
#ifndef VOUCH_MSG_DSN_H
#define VOUCH_MSG_DSN_H

#include <stddef.h>
#include <time.h>

#include "util/str.h"

enum dsn_action { DSN_FAILED, DSN_DELAYED, DSN_DELIVERED, DSN_RELAYED, DSN_EXPANDED };

struct dsn_rcpt {
	const char *orcpt; /* "rfc822;xtext" from ORCPT, or NULL */
	const char *final; /* the address we tried */
	enum dsn_action action;
	const char *status;     /* enhanced status, e.g. "5.1.1" */
	const char *remote_mta; /* host name, or NULL */
	const char *diagnostic; /* the remote reply ("550 5.1.1 ..."), or NULL */
	time_t last_attempt;    /* 0 = none */
	time_t retry_until;     /* delayed: when we give up; 0 = omit */
};

enum dsn_return { DSN_RETURN_HEADERS, DSN_RETURN_FULL };

struct dsn_info {
	const char *reporting_mta; /* our host name */
	const char *sender;        /* whom the report goes to */
	const char *envid;         /* ENVID xtext, or NULL */
	time_t arrival;
	time_t now;
	const char *queue_id;
	const struct dsn_rcpt *rcpts;
	size_t nrcpts;
	enum dsn_return ret;  /* what of the original to include */
	const char *original; /* the message as queued, CRLF */
	size_t original_len;
	size_t max_full;      /* longer originals are cut to their headers */
	const char *boundary; /* unique MIME boundary (no '-' at start) */
};

/* Write the complete notification (headers and body) to out. */
int dsn_compose(const struct dsn_info *info, struct strbuf *out);
/* The Subject line's text for a report whose recipients have these actions. */
const char *dsn_subject(const struct dsn_rcpt *rcpts, size_t n);

#endif
