/*
 * challenge: challenge/response for unknown correspondents (DESIGN 1 and
 * 6, TMDA's idea done without backscatter) -- the pure parts:
 *
 *   tokens    what a challenge's confirmation carries, in the reply
 *             address (confirm-TOKEN@domain) and in the link: the
 *             challenge's id and its expiry time, signed with
 *             HMAC-SHA256 under the site's key. Lower-case hex only, so a
 *             mail system that changes the case of a local part cannot
 *             break it; 46 characters, so "confirm-" + token fits the 64
 *             octets of a local part (RFC 5321 4.5.3.1.1).
 *   headers   the fields that mark a message as list mail or an automatic
 *             one (List-Id, Precedence: bulk/list/junk, RFC 3834's
 *             Auto-Submitted), which are never challenged
 *   decision  the end-of-data stage's say for one recipient
 *             (policy_challenge): deliver by the listener's normal policy,
 *             hold with a new challenge, hold beside the challenge already
 *             outstanding, or tempfail when the rate limits are reached
 *
 * Pure: no I/O, no clock (now is an argument); the store of challenges
 * and whitelists is challenge_store.h's.
 */
#ifndef VOUCH_POLICY_CHALLENGE_H
#define VOUCH_POLICY_CHALLENGE_H

#include <stddef.h>
#include <stdint.h>

#include "auth/proofs.h"
#include "policy/verdict.h"

/* A challenge's id: 16 lower-case hex digits (64 random bits). */
#define CHALLENGE_ID_LEN 16
/* id "-" expiry (8 hex digits, unix seconds) "-" MAC (20 hex digits). */
#define CHALLENGE_TOKEN_LEN (CHALLENGE_ID_LEN + 1 + 8 + 1 + 20)
#define CHALLENGE_KEY_MIN 16

enum challenge_token_status {
	CHALLENGE_TOKEN_OK = 0,
	CHALLENGE_TOKEN_SYNTAX,  /* not a token's shape */
	CHALLENGE_TOKEN_FORGED,  /* the MAC does not verify under the key */
	CHALLENGE_TOKEN_EXPIRED, /* signed, but past its time */
};

/* Write id's token, valid until expires, into out (CHALLENGE_TOKEN_LEN + 1). */
void challenge_token_make(const unsigned char *key, size_t keylen, const char *id, int64_t expires,
    char out[CHALLENGE_TOKEN_LEN + 1]);
/*
 * Check a token (case-insensitive) at now: valid while now < its expiry
 * time, as the store's records are; on OK (and on EXPIRED) id gets the
 * challenge's id and *expires its time.
 */
enum challenge_token_status challenge_token_check(const unsigned char *key, size_t keylen,
    const char *token, size_t len, int64_t now, char id[CHALLENGE_ID_LEN + 1], int64_t *expires);
/* True if s is a challenge id's shape. */
int challenge_id_ok(const char *s);
const char *challenge_token_status_name(enum challenge_token_status s);

/* What a message's header says about it (challenge_header_flags). */
#define CHALLENGE_HDR_LIST 0x1u /* List-Id, List-Post, List-Unsubscribe; Precedence: list */
#define CHALLENGE_HDR_BULK 0x2u /* Precedence: bulk or junk */
#define CHALLENGE_HDR_AUTO 0x4u /* Auto-Submitted other than "no" (RFC 3834 5) */

/* The flags one header field (name: value, as it came, CRLF or not) sets. */
unsigned challenge_header_flags(const char *field, size_t len);
/*
 * True for return paths that are a list's or a daemon's by convention
 * (RFC 3834 2: MAILER-DAEMON, owner-*, *-request, *-bounces): never
 * challenged.
 */
int challenge_sender_is_list(const char *sender);

/* The end-of-data stage's say for one recipient. */
enum challenge_act {
	CHALLENGE_DELIVER = 0, /* not held: the listener's normal policy */
	CHALLENGE_HOLD_NEW,    /* held; send a challenge */
	CHALLENGE_HOLD_JOIN,   /* held beside the outstanding challenge; send none */
	CHALLENGE_TEMPFAIL,    /* a rate limit is reached: 451 4.7.1, no challenge */
};

/* The facts the caller looked up (the store's: whitelist, counters). */
struct challenge_in {
	int enabled;        /* challenge = yes for the recipient (or its domain) */
	int whitelisted;    /* the sender is on the recipient's whitelist */
	int outstanding;    /* a challenge to this sender for this recipient is out */
	unsigned hdr;       /* CHALLENGE_HDR_* of the message */
	const char *sender; /* the return path, "" for <> */
	long long n_sender; /* challenges sent this hour to the sender, */
	long long n_domain; /* to its domain, */
	long long n_all;    /* and in all */
	long long max_sender, max_domain, max_all; /* the limits (per hour) */
};

struct challenge_out {
	enum challenge_act act;
	/* DELIVER: why not held, for logs ("whitelisted", "unproven", "list",
	 * ...); HOLD_*: the proof of the return path ("spf", "dkim",
	 * "callout"). Static. */
	const char *why;
	struct verdict v; /* TEMPFAIL: the message's verdict now (451 4.7.1) */
};

/*
 * End of data, one local recipient: the message's verdict v is already in
 * (a refused or unsafe message is not held: it goes as v says). Only a
 * proven return path -- SPF pass for its own domain, a DKIM signature
 * that verifies for its domain (the same, a parent or a subdomain), or a
 * sender callout that passed -- ever gets a challenge; null, list,
 * automatic and unproven senders' mail goes by the normal policy.
 * Submission and authenticated sessions are never held.
 */
void policy_challenge(const struct proofs *sess, const struct proofs *msg, const struct policy *p,
    const struct verdict *v, const struct challenge_in *in, struct challenge_out *out);
/* The proof of the return path ("spf", "dkim", "callout"), or NULL. Pure. */
const char *challenge_proven(const struct proofs *msg, const char *sender);

#endif
