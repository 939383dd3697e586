/*
 * challenge: challenge/response for unknown correspondents at work
 * (policy/challenge.h decides, policy/challenge_store.h remembers).
 *
 * At the end of data, each local recipient with challenge = yes whose
 * sender is not on its whitelist is asked about (policy_challenge); a held
 * recipient keeps its copy in the queue (its envelope's "challenge"
 * field) and, once the message is durable, one challenge goes to the
 * proven return path, from <> (RFC 3834 3.3). It is confirmed by a reply
 * to confirm-TOKEN@<the recipient's domain> (accepted at RCPT, acted on
 * at the end of that message's data) or on the confirmation page
 * (challenge_http.c): the sender is whitelisted for the recipient, and
 * every message held for the challenge is released to INBOX, in order. A
 * sweep discards held copies whose challenge has expired, without a
 * bounce, and sends the users' digests of their held mail when they are
 * due (challenge_digest.c). Mail a user submits whitelists its recipients
 * for that user.
 */
#ifndef VOUCH_VOUCHD_CHALLENGE_H
#define VOUCH_VOUCHD_CHALLENGE_H

#include <stddef.h>

#include "policy/challenge.h"
#include "policy/verdict.h"
#include "queue/envelope.h"
#include "util/str.h"

struct vouchd;
struct config;
struct challenge;
struct challenge_txn;

/* Bind the confirmation page when challenge_http_listen is set (as root,
 * before privileges drop). NULL with err on error. */
struct challenge *challenge_new(struct vouchd *d, char *err, size_t errsz);
/* After the store and the queue manager: the key, the sweep. 0 or -1. */
int challenge_start(struct challenge *c, char *err, size_t errsz);
void challenge_free(struct challenge *c);
/* The page's bound address, or NULL. */
const char *challenge_http_address(const struct challenge *c);

/*
 * RCPT: is local@domain a reply address (challenge_reply_local-TOKEN)?
 * -1 not one; 0 a valid token (copied into token); 1 not valid, with the
 * reason for a 550 5.7.1 in text.
 */
int challenge_rcpt(struct vouchd *d, const struct config *cfg, const char *local,
    char token[CHALLENGE_TOKEN_LEN + 1], char *text, size_t textsz);

/*
 * End of data, after the verdict v: mark the recipients of env that are
 * held, or turn v into a 451 when a rate limit is reached. *txn gets the
 * challenges to send once the message is durable (or NULL).
 */
void challenge_data_end(struct vouchd *d, const struct config *cfg, const struct proofs *sess,
    const struct proofs *msg, const struct policy *p, unsigned hdr, struct envelope *env,
    struct verdict *v, struct challenge_txn **txn);
/* The message is durable (err 0): send the challenges; or it is lost:
 * forget them. Takes txn (NULL-safe). */
void challenge_committed(struct vouchd *d, struct challenge_txn *txn, int err);

/*
 * Confirm a token (a reply, via "reply"; the page, via "link"): whitelist
 * and release. 0 with what happened in text, or -1 with why not.
 */
int
challenge_confirm(struct vouchd *d, const char *token, const char *via, char *text, size_t textsz);
/* Check a token without using it: 0, or -1 with why not in text; the
 * challenge's recipient goes into rcpt. */
int challenge_peek(
    struct vouchd *d, const char *token, char *rcpt, size_t rcptsz, char *text, size_t textsz);

/* A user's submitted message is durable: whitelist its recipients. */
void challenge_submitted(struct vouchd *d, const char *user, const struct envelope *env);

/* Control socket: challenge list|show|release|discard, whitelist list|add|del. */
int challenge_ctl(struct vouchd *d, int argc, char **argv, struct strbuf *out);

#endif
