/*
 * received: the Received trace header (RFC 5321 4.4, RFC 5322 3.6.7) vouch
 * prepends to every message it accepts. Pure: fields in, header text out.
 */
#ifndef VOUCH_MSG_RECEIVED_H
#define VOUCH_MSG_RECEIVED_H

#include <time.h>

#include "util/str.h"

struct received_info {
	const char *helo;          /* the name the client claimed, or NULL */
	const char *verified_name; /* its forward-confirmed reverse name, or NULL */
	const char *client_addr;   /* IP address text */
	const char *by;            /* our host name */
	const char *protocol;      /* RFC 3848 "with": ESMTP, ESMTPS, ESMTPSA, ... */
	const char *queue_id;
	const char *tls_version; /* or NULL */
	const char *tls_cipher;  /* or NULL */
	const char *tracking;    /* submission tracking id, or NULL */
	const char *user;        /* authenticated user to stamp, or NULL */
	const char *for_rcpt;    /* the one recipient, or NULL */
	time_t when;
};

/* Append the header (folded, CRLF line ends) to out. */
int received_format(const struct received_info *ri, struct strbuf *out);
/* The RFC 3848 "with" keyword for a session's properties. */
const char *received_protocol(int esmtp, int tls, int auth, int utf8);
/* Append an RFC 5322 date-time for t (local zone) to out. */
int received_date(time_t t, struct strbuf *out);

#endif
