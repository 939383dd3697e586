/*
 * challenge_int: what challenge.c and challenge_http.c share (not for
 * other files).
 */
#ifndef VOUCH_VOUCHD_CHALLENGE_INT_H
#define VOUCH_VOUCHD_CHALLENGE_INT_H

#include <stddef.h>

#include "util/netaddr.h"

struct evhttp;
struct vouchd;
struct event;

struct challenge {
	struct vouchd *d;
	unsigned char key[64]; /* the tokens' HMAC key */
	size_t keylen;
	struct event *sweep;          /* expired held mail */
	struct evhttp *http;          /* the confirmation page, or NULL */
	char bound[NETADDR_TEXT_MAX]; /* its address */
};

/* Bind the page on addr ("" or NULL: none). 0, or -1 with err. */
int challenge_http_open(struct challenge *c, const char *addr, char *err, size_t errsz);
void challenge_http_close(struct challenge *c);

/* challenge_digest.c: at each sweep, the digests of held mail that are
 * due (challenge_digest; nothing when it is 0). */
void challenge_digest_sweep(struct vouchd *d);

#endif
