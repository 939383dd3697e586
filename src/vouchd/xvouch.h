/*
 * xvouch: session vouching in vouchd (DESIGN 5.1, docs/protocol.md).
 *
 * As receiver: "XVOUCH <id>" is checked by the session (smtpd), proven by
 * a callback to the host the client's EHLO name names (gather_xvouch.c),
 * and answered by the policy engine's verdict (policy_xvouch): every
 * session is proven by its own check, nothing is cached, and in hard mode
 * a denied session is refused and closed, and its address becomes
 * vouch-required (lists.c) for xvouch_required_time.
 *
 * As answerer: "XVOUCH CHECK <id>" is confirmed for every id in our session
 * table whose peer is the address the check comes from; unknown ids are
 * refused, and past xvouch_check_max_failures of them per minute the asker
 * gets 421 (a flood costs us nothing; real sessions are still confirmed).
 *
 * As sender: the outbound agent registers a fresh id per connection
 * (xvouch_register) and sends it when the receiver offers XVOUCH.
 */
#ifndef VOUCH_VOUCHD_XVOUCH_H
#define VOUCH_VOUCHD_XVOUCH_H

#include <stddef.h>
#include <stdint.h>

#include "auth/vouch.h"

struct vouchd;
struct config;
struct smtp_session;

/* XVOUCH CHECK <id> from the session s: decides the command. */
void xvouch_answer(struct vouchd *d, struct smtp_session *s, const char *id);
/* The daemon's part: the checker (after the outbound agent), old state
 * forgotten; configure again on reload; stop before the loop ends. */
int xvouch_start(struct vouchd *d);
void xvouch_configure(struct vouchd *d);
void xvouch_stop(struct vouchd *d);

/* Sender side: a fresh id for a new outbound session to peer_addr. */
int xvouch_register(struct vouchd *d, const char *peer_addr, char id[VOUCH_ID_LEN + 1]);
void xvouch_unregister(struct vouchd *d, const char *id);

#endif
