/*
 * challenge_store: challenge/response's state in the store (store.h):
 *
 *   challenge       id -> (recipient, sender, created); the record expires
 *                   with the challenge, and held mail whose challenge has
 *                   no record any more is discarded (vouchd's sweep)
 *   challenge_out   recipient TAB sender -> id: the challenge outstanding
 *                   for that pair (no second one while it lives)
 *   challenge_used  id -> "": confirmed already (single use), kept until
 *                   the token would have expired
 *   whitelist       user TAB address -> how it got there ("sent",
 *                   "confirmed", "admin"); an address or "@domain"
 *   counters        challenge:s:SENDER, challenge:d:DOMAIN, challenge:all
 *                   in hour buckets (the rate limits)
 *
 * The held messages themselves are in the queue (queue/envelope.h: a
 * recipient's "challenge" field), never here. Keys are lower-cased.
 */
#ifndef VOUCH_POLICY_CHALLENGE_STORE_H
#define VOUCH_POLICY_CHALLENGE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "policy/challenge.h"

struct store;

#define CHALLENGE_ADDR_MAX 320

struct challenge_rec {
	char id[CHALLENGE_ID_LEN + 1];
	char rcpt[CHALLENGE_ADDR_MAX];
	char sender[CHALLENGE_ADDR_MAX];
	int64_t created, expires;
};

/* A new random id. */
void challenge_new_id(char id[CHALLENGE_ID_LEN + 1]);

/* Record a challenge and make it the pair's outstanding one. 0 or -1. */
int challenge_store_create(struct store *s, const struct challenge_rec *r);
/* 1 found (r filled), 0 not (or expired), -1 error. */
int challenge_store_get(struct store *s, const char *id, struct challenge_rec *r);
/* The pair's outstanding challenge: 1 (id filled), 0 none, -1 error. */
int challenge_store_outstanding(
    struct store *s, const char *rcpt, const char *sender, char id[CHALLENGE_ID_LEN + 1]);
/*
 * The challenge is over: forget the record and the pair's outstanding
 * entry; used: it was confirmed (remembered until its expiry, so a second
 * use is told apart from a forgery).
 */
int challenge_store_finish(struct store *s, const struct challenge_rec *r, int used);
/* 1 if the challenge was confirmed already. */
int challenge_store_was_used(struct store *s, const char *id);
/* Each live challenge, ordered by id. */
int challenge_store_list(
    struct store *s, void (*fn)(void *arg, const struct challenge_rec *r), void *arg);

/* Challenges sent in the current hour (bucket = now / 3600). */
void challenge_store_counts(struct store *s, const char *sender, int64_t now, long long *n_sender,
    long long *n_domain, long long *n_all);
/* One more challenge sent (n = 1), or one given back (n = -1). */
void challenge_store_count(struct store *s, const char *sender, int64_t now, int n);

/* The whitelist of user (a local address). */
int
challenge_whitelist_add(struct store *s, const char *user, const char *address, const char *source);
/* 0, or -1 when it was not listed. */
int challenge_whitelist_del(struct store *s, const char *user, const char *address);
/* 1 if sender (or "@" its domain) is on user's whitelist. */
int challenge_whitelist_has(struct store *s, const char *user, const char *sender);
/* Each entry (of user only, unless user is NULL), ordered by user, address. */
int challenge_whitelist_list(struct store *s, const char *user,
    void (*fn)(void *arg, const char *user, const char *address, const char *source), void *arg);

#endif
