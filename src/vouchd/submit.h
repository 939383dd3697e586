/*
 * submit: mail submission (RFC 6409 in spirit): AUTH PLAIN and LOGIN
 * (RFC 4954) only after TLS with limits on attempts (submit.c), and what
 * an authenticated user may send (submit_limits.c). A successful AUTH is
 * a proof of the session (gather.h); the limits decide MAIL and RCPT of
 * authenticated users themselves, since they count in the store.
 */
#ifndef VOUCH_VOUCHD_SUBMIT_H
#define VOUCH_VOUCHD_SUBMIT_H

#include <stddef.h>
#include <stdint.h>

#include "smtp/smtp_addr.h"

struct vouchd;
struct config;
struct listener_config;
struct smtp_session;
struct submit_sess;

/* Remote recipients reserved for a user against the daily limit (in an
 * hour bucket) by one transaction. */
struct submit_rsv {
	unsigned n;
	int64_t hour;
	char user[SMTP_PATH_MAX + 1];
};

/* A session's submission state; cfg and l are borrowed from the session.
 * offer: the listener offers AUTH (after TLS); submission: MAIL needs it. */
struct submit_sess *submit_sess_new(
    struct vouchd *d, const struct config *cfg, uint64_t sid, int offer, int submission);
void submit_sess_free(struct submit_sess *sub);

/* EHLO keywords the session should add ('\n'-separated: AUTH after TLS,
 * XSTRICT after AUTH for a user held below 100 recipients, FUTURERELEASE),
 * or NULL; the text is sub's, valid until the next call. */
const char *submit_ehlo_keywords(struct submit_sess *sub, struct smtp_session *s);
/* AUTH command (decides). */
void submit_auth(struct submit_sess *sub, struct smtp_session *s, const char *arg, size_t len);
/* Where a check goes on when it passes: the command's next step. */
typedef void (*submit_next_fn)(struct smtp_session *s);
/*
 * MAIL on a submission port or by an authenticated user: decides a
 * refusal itself, or calls next(s) — at once, or later when the store
 * answers (the session found again by id, so s is then live).
 */
void submit_check_mail(
    struct submit_sess *sub, struct smtp_session *s, const char *from, submit_next_fn next);
/* RCPT of an authenticated user: past the recipients per message it
 * decides (452) and returns 1; 0 to go on. */
int submit_check_rcpt_count(struct submit_sess *sub, struct smtp_session *s);
/* RCPT by an authenticated user to a remote address: the count above,
 * then (count: not a repeated recipient) the daily limit; decides a
 * refusal, or calls next(s) as above, the recipient reserved. */
void
submit_check_rcpt(struct submit_sess *sub, struct smtp_session *s, int count, submit_next_fn next);
/* The transaction's reservation: handed to its commit (the session's is
 * then empty), or given back when it ends without a message. */
void submit_txn_take(struct submit_sess *sub, struct submit_rsv *out);
void submit_txn_release(struct submit_sess *sub);
/* Give back a reservation (a commit that failed). */
void submit_release(struct vouchd *d, const struct submit_rsv *r);
/* A submitted message was queued: log it with its tracking id (its
 * recipients were counted when they were reserved). */
void submit_committed(struct vouchd *d, const char *user, const char *tracking, const char *qid,
    unsigned remote_rcpts);
/* RFC 5321 4.5.3.1.8: a server buffers at least 100 recipients; a
 * per-message limit below it is a strict rule, announced as XSTRICT. */
#define SUBMIT_RFC_MIN_RCPT 100
struct user;
/* Recipients per message for this user (its max_rcpt_msg, else
 * submission_max_rcpt_msg); u may be NULL. */
long long submit_rcpt_limit(const struct config *cfg, const struct user *u);
/* When a message accepted now (unix s) in this transaction is released
 * (RFC 4865 HOLDFOR/HOLDUNTIL), or 0 for at once. */
int64_t submit_release_at(struct smtp_session *s, int64_t now);
/* The hour bucket counters use. */
int64_t submit_hour(void);
/* A fresh random tracking id (16 hex digits) into buf. */
void submit_tracking_id(char *buf, size_t bufsz);
/* The daemon's AUTH state (d->submit): failed attempts, the per-user rate
 * and the dummy hash used for unknown users; -1 on failure (submit_free
 * still frees what was made). */
int submit_init(struct vouchd *d);
/* Drop the attempts still waiting for their turn and the AUTH state (at
 * stop); d->submit may be NULL. */
void submit_free(struct vouchd *d);
/* Lift a daily-limit lock (vouchctl user unlock). */
int submit_unlock(struct vouchd *d, const char *user);

#endif
