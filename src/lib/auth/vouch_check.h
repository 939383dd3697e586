/*
 * vouch_check: the receiver's XVOUCH callbacks (DESIGN 5.1 steps 4-5) on
 * connections that are kept open and reused.
 *
 * Every session is proven by its own "XVOUCH CHECK <id>"; nothing one
 * answer says stands for another session. What is saved is the cost: a
 * callback connection to a target X (an address, from one local address,
 * on one port) stays open for `idle` after its last check and carries the
 * next sessions' checks, pipelined when several wait and X offers
 * PIPELINING, until it has carried `max_checks`. The anti-reflection
 * limits count connections, not checks: at most `max_connections` open to
 * one target at once and `max_per_minute` opened to it per minute, so a
 * busy honest pair needs a connection now and then while a client that
 * names a victim in its EHLO cannot make us hammer it.
 *
 * The checker decides nothing: it reports what X answered (250 pass, 5xx
 * fail, anything else or no answer: temporary) and the caller's policy
 * acts on it. Results are delivered from the event loop, never from
 * inside vouch_checker_ask(), to the callback given at creation with the
 * caller's tag (the session's id: STYLE 8). A connection that breaks
 * before answering a check it carried after earlier ones (X closed an
 * idle connection) gets that check sent once more on a new connection.
 */
#ifndef VOUCH_AUTH_VOUCH_CHECK_H
#define VOUCH_AUTH_VOUCH_CHECK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct event_base;
struct vouch_checker;
typedef struct ssl_ctx_st SSL_CTX;

enum vouch_check_result {
	VOUCH_CHECK_PASS,      /* X confirmed the session (250) */
	VOUCH_CHECK_FAIL,      /* X refused it (5xx) */
	VOUCH_CHECK_TEMPERROR, /* 4xx, no answer, no connection, limits */
};

struct vouch_check_limits {
	int port;                  /* where X listens (25; tests use others) */
	long long max_connections; /* open at once per target */
	long long max_per_minute;  /* opened per target per minute */
	long long idle;            /* ms an idle connection is kept */
	long long max_checks;      /* checks one connection carries */
	long long timeout;         /* ms for the connection and for each reply */
};

struct vouch_checker_stats {
	uint64_t checks;      /* checks asked */
	uint64_t connections; /* connections opened */
	uint64_t reused;      /* checks sent on a connection that had answered before */
	uint64_t limited;     /* checks refused by the connection limits */
	uint64_t open;        /* connections open now */
};

typedef void (*vouch_check_cb)(
    void *owner, uint64_t tag, enum vouch_check_result r, const char *why);

/* A checker on base; cb(owner, tag, ...) reports each result. */
struct vouch_checker *vouch_checker_new(struct event_base *base, vouch_check_cb cb, void *owner);
/*
 * Limits, our EHLO name and the STARTTLS context (borrowed; NULL = no TLS)
 * for connections opened from now on (call again on reload).
 */
void vouch_checker_configure(
    struct vouch_checker *vc, const struct vouch_check_limits *lim, const char *helo, SSL_CTX *tls);
/*
 * Ask target (its address; the port is the limits') whether it holds the
 * session id, connecting from src (NULL: any address). name is the EHLO
 * name that led to target (logs and SNI). Returns the request's id, never 0.
 */
uint64_t
vouch_checker_ask(struct vouch_checker *vc, const struct sockaddr *target, socklen_t targetlen,
    const struct sockaddr *src, socklen_t srclen, const char *name, const char *id, uint64_t tag);
/* Forget a request: no result will be reported. Unknown ids are ignored. */
void vouch_checker_cancel(struct vouch_checker *vc, uint64_t req);
void vouch_checker_stats(const struct vouch_checker *vc, struct vouch_checker_stats *st);
/* Close every connection and free; pending requests get no result. NULL-safe. */
void vouch_checker_free(struct vouch_checker *vc);

#endif
