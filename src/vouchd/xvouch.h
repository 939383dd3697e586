/*
 * xvouch: session vouching in vouchd (DESIGN 5.1, docs/protocol.md).
 *
 * As receiver: on "XVOUCH <id>", resolve the client's EHLO name, pick the
 * host X it names, and have the callback checker (auth/vouch_check) ask X
 * "XVOUCH CHECK <id>" from the local address the client reached us on, on
 * a callback connection it reuses; then answer the client. Every session
 * is proven by its own check: nothing is cached. The callback can never be
 * aimed at just anything: no special-purpose targets unless configured
 * (util/ipspecial), connection limits per target, a total time budget. In
 * hard mode a denied session is refused and closed, and its address
 * becomes vouch-required (lists.c) for xvouch_required_time.
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
struct smtpd_sess;
struct smtp_session;
struct smtp_client;
struct event;

enum xvouch_state { XV_NONE = 0, XV_RUNNING, XV_PASS, XV_FAIL, XV_TEMPERROR };

/* The receiver's view of one session's vouching. */
struct xvouch_rx {
	enum xvouch_state state;
	char reason[300];
	char name[256]; /* the EHLO name vouched for */
	char id[VOUCH_ID_LEN + 1];
	/* the callback in flight */
	uint64_t q[2]; /* the EHLO name's A and AAAA lookups */
	unsigned pending;
	int dns_tempfail;
	char targets[8][64]; /* addresses of the EHLO name */
	size_t ntargets;
	char target[64]; /* X */
	uint64_t req;    /* the checker's request, or 0 */
	struct event *budget;
};

/* XVOUCH <id> or XVOUCH CHECK <id>: decides the command. */
void xvouch_command(struct smtpd_sess *ss, struct smtp_session *s, const char *arg, size_t len);
/* Drop whatever is in flight (session end). */
void xvouch_cancel(struct smtpd_sess *ss);
/* RFC 3207 4.2: forget the session's vouching (after STARTTLS). */
void xvouch_forget(struct smtpd_sess *ss);
/* The daemon's part: the checker (after the outbound agent), old state
 * forgotten; configure again on reload; stop before the loop ends. */
int xvouch_start(struct vouchd *d);
void xvouch_configure(struct vouchd *d);
void xvouch_stop(struct vouchd *d);
void xvouch_askers_free(struct vouchd *d);
/* "pass", "fail", "temperror", "none". */
const char *xvouch_state_name(enum xvouch_state st);

/* Sender side: a fresh id for a new outbound session to peer_addr. */
int xvouch_register(struct vouchd *d, const char *peer_addr, char id[VOUCH_ID_LEN + 1]);
void xvouch_unregister(struct vouchd *d, const char *id);

#endif
