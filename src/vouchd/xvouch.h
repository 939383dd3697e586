/*
 * xvouch: session vouching in vouchd (DESIGN 5.1, docs/protocol.md).
 *
 * As receiver: on "XVOUCH <id>", resolve the client's EHLO name, call back
 * the host X it names from the local address the client reached us on,
 * ask "XVOUCH CHECK <id>", and answer the client; positive results are
 * cached per (EHLO name, client address). The callback can never be aimed
 * at just anything: no private targets unless configured, limits per
 * target, a total time budget.
 *
 * As answerer: "XVOUCH CHECK <id>" is confirmed only for an id in our
 * session table whose peer is the address the check comes from; after a
 * wrong id that address gets 421 for 3 minutes.
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
	int from_cache;
	/* the callback in flight */
	uint64_t q[2];
	unsigned pending;
	char targets[8][64]; /* addresses of the EHLO name */
	size_t ntargets;
	int client_among; /* the client's own address is one of them */
	char target[64];  /* X */
	struct smtp_client *cli;
	struct event *budget;
};

/* XVOUCH <id> or XVOUCH CHECK <id>: decides the command. */
void xvouch_command(struct smtpd_sess *ss, struct smtp_session *s, const char *arg, size_t len);
/* Drop whatever is in flight (session end). */
void xvouch_cancel(struct smtpd_sess *ss);
/* "pass", "fail", "temperror", "none". */
const char *xvouch_state_name(enum xvouch_state st);

/* Sender side: a fresh id for a new outbound session to peer_addr. */
int xvouch_register(struct vouchd *d, const char *peer_addr, char id[VOUCH_ID_LEN + 1]);
void xvouch_unregister(struct vouchd *d, const char *id);

#endif
