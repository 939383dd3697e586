/*
 * gather: a session's proofs, gathered (DESIGN 2). Each SMTP stage starts
 * the checks it needs, all asynchronous; their outcomes become proofs in
 * the session's set or the transaction's (auth/proofs.h), which the
 * policy engine reads (policy/verdict.h). Nothing here decides:
 *
 *   connect  the local block and allow lists; once greeted, the DNS
 *            block and allow lists (RFC 5782) and the registrar's word
 *            on the client address (DESIGN 5.3), all at once: the
 *            greeting does not wait for them, MAIL does
 *   EHLO     the HELO name and reverse DNS checks, SPF of the HELO
 *            identity, the TLS client certificate
 *   XVOUCH   session vouching (DESIGN 5.1; gather_xvouch.c), then the
 *            registrar's word on the vouched name
 *   MAIL     SPF of the return path; then the vouch-required and sender
 *            allow lists, looked up once every check above is in; the
 *            sender callout when the engine asks for it
 *
 * Every check's callback finds its session again by id (STYLE 8): it is
 * handed a job naming the daemon and the session id, never the session,
 * and the job is freed with its check, whichever comes first.
 */
#ifndef VOUCH_VOUCHD_GATHER_H
#define VOUCH_VOUCHD_GATHER_H

#include <stddef.h>
#include <stdint.h>

#include "auth/proofs.h"
#include "auth/vouch_check.h"

struct vouchd;
struct config;
struct listener_config;
struct smtp_session;
struct gather;

/* The proofs a stage waits for are in: the session with id sid may go on
 * (it may have gone; find it by id). */
typedef void (*gather_cb)(struct vouchd *d, uint64_t sid);

/* The daemon's part: the sender callout service (after DNS and the store),
 * stopped before the loop ends. */
int gather_service_start(struct vouchd *d, char *err, size_t errsz);
void gather_service_stop(struct vouchd *d);

/* A session's gathering; cfg and l are borrowed from the session, which
 * holds cfg; submission: the listener is a submission port. Freeing
 * cancels every check in flight. NULL-safe. */
struct gather *gather_new(struct vouchd *d, uint64_t sid, const struct config *cfg,
    const struct listener_config *l, int submission);
void gather_free(struct gather *g);

/* The proofs so far: the session's, and the transaction's. */
const struct proofs *gather_session(const struct gather *g);
const struct proofs *gather_message(const struct gather *g);
/* Add a proof a command proved by itself (AUTH, XGEN) to the session. */
void gather_add(struct gather *g, const struct proof *p);
/* Add one of the message's own proofs (DKIM, DMARC) to the transaction's
 * set, keeping those of the same method (gather_add's signature for
 * callbacks: arg is the gather). */
void gather_add_message(void *g, const struct proof *p);

/* Connect: the local block and allow lists (at once). */
void gather_connect(struct gather *g, struct smtp_session *s);
/* Greeted: the DNS lists and the registrar's word on the address. */
void gather_greeted(struct gather *g, struct smtp_session *s);
/* HELO/EHLO: what the name proves (a new EHLO starts over). */
void gather_helo(struct gather *g, struct smtp_session *s, const char *name, int is_domain);
/* RFC 3207 4.2: STARTTLS forgets vouching, the vouched name's
 * registration and the generation. */
void gather_tls_done(struct gather *g);

/* MAIL from sender: the checks MAIL waits for; cb once all are in (at
 * once if none is out). */
void gather_mail(struct gather *g, struct smtp_session *s, const char *sender, gather_cb cb);
/* The sender callout the engine asked for; cb once it is in. 0 if it was
 * started, -1 if no callout service runs. */
int gather_callout(struct gather *g, const char *sender, gather_cb cb);
/* The callout the engine found no need for, and why (counted). */
void gather_callout_skip(struct gather *g, const char *sender, enum callout_skip why);
/* The transaction ended: its checks are cancelled, its proofs dropped. */
void gather_reset_txn(struct gather *g);

/* XVOUCH <id> from a session whose EHLO name is helo (gather_xvouch.c):
 * the callback check; cb once its proof is in. */
void gather_xvouch(struct gather *g, struct smtp_session *s, const char *id, gather_cb cb);
/* True once the session has said XVOUCH (until STARTTLS). */
int gather_xvouch_given(const struct gather *g);
/* The callback checker's answer for session sid (the vouch_checker's
 * callback; owner is the daemon). */
void gather_xvouch_checked(void *owner, uint64_t sid, enum vouch_check_result r, const char *why);

#endif
