/*
 * smtp_session: the server side of one SMTP session (RFC 5321), driven by
 * libevent. It owns the connection, reads commands with their limits,
 * enforces command order and pipelining rules (RFC 2920), decodes DATA and
 * BDAT (RFC 3030), keeps the timers, and writes every reply.
 *
 * What the session does not know is policy: whether to accept a sender,
 * a recipient, a message. For those it asks its host (vouchd) through
 * struct smtp_session_ops, in the check -> decide -> proceed shape: the
 * session checks syntax and order, calls the host, stops reading, and
 * proceeds when the host calls smtp_session_decide() (at once or later,
 * from an async callback). Host callbacks that outlive a command must find
 * the session again with smtp_session_find(), never keep the pointer.
 */
#ifndef VOUCH_SMTP_SESSION_H
#define VOUCH_SMTP_SESSION_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "smtp/smtp_cmd.h"
#include "smtp/smtp_data.h"

struct event_base;
struct smtp_session;
struct smtp_server;
typedef struct ssl_ctx_st SSL_CTX;

/* Limits; every one is checked before the buffer it protects grows. */
struct smtp_session_limits {
	size_t max_command_line; /* octets, CRLF included */
	size_t max_text_line;    /* octets, CRLF included */
	unsigned max_recipients;
	unsigned max_errors;
	unsigned max_junk_commands; /* NOOP, RSET, VRFY, HELP between two messages */
	unsigned long long max_message_size;
	long long timeout_command;        /* ms to send a whole command */
	long long timeout_data_block;     /* ms of silence inside a message */
	long long timeout_data;           /* ms for a whole message */
	unsigned long long min_data_rate; /* octets/s after the grace; 0 = off */
	long long data_rate_grace;        /* ms */
};

/* Per-listener settings a session starts with (copied). */
struct smtp_session_conf {
	char listener[64]; /* name of the listener, for the host */
	char hostname[256];
	unsigned ext;             /* enum smtp_ext offered after EHLO */
	char ehlo_extra[512];     /* more EHLO keywords, '\n'-separated */
	char greeting_extra[128]; /* appended to the 220 text */
	struct smtp_session_limits lim;
	SSL_CTX *tls;     /* STARTTLS offered when set; each session
					 * holds its own reference */
	int implicit_tls; /* TLS from the first octet (port 465) */
};

/*
 * What the host is told at the end of a well-formed message. Messages
 * with bad line endings, NULs, over-long lines or over the size limit are
 * refused by the session itself, which then calls reset.
 */
struct smtp_data_result {
	unsigned long long size; /* decoded octets */
	int bdat;                /* received with BDAT rather than DATA */
};

/*
 * The host's side. Each of connect, helo, mail, rcpt, data_start and
 * data_end must lead to exactly one smtp_session_decide() call, now or
 * later; until then the session reads no further commands.
 */
struct smtp_session_ops {
	/* New connection: decide 220 to greet, or 421/554 to refuse. */
	void (*connect)(void *host, struct smtp_session *s);
	/* HELO/EHLO with a syntactically acceptable name: decide 250 or refuse. */
	void (*helo)(void *host, struct smtp_session *s, const char *name, enum smtp_helo_kind kind,
	    int esmtp);
	/* MAIL: decide 250 to accept the sender. */
	void (*mail)(void *host, struct smtp_session *s, const struct smtp_mail_args *m);
	/* RCPT: decide 250/251 to accept the recipient. */
	void (*rcpt)(void *host, struct smtp_session *s, const struct smtp_rcpt_args *r);
	/* DATA or first BDAT: decide 354 (DATA) / 250 (BDAT) to receive it. */
	void (*data_start)(void *host, struct smtp_session *s);
	/* Message octets, decoded, in order; return -1 on a write error
	 * (the session then discards the rest and still calls data_end). */
	int (*data_write)(void *host, struct smtp_session *s, const char *p, size_t n);
	/* End of message: decide 250 (queued) or refuse. */
	void (*data_end)(void *host, struct smtp_session *s, const struct smtp_data_result *res);
	/* The transaction was abandoned (RSET, HELO, error, disconnect). */
	void (*reset)(void *host, struct smtp_session *s);
	/* STARTTLS completed (new identity); optional. */
	void (*tls_done)(void *host, struct smtp_session *s);
	/* The session is about to be freed; forget it. */
	void (*close)(void *host, struct smtp_session *s);
	/* Commands the engine does not handle itself (AUTH, XVOUCH, XGEN):
	 * decide a reply; NULL = 502 for all of them. */
	void (*extra)(void *host, struct smtp_session *s, const struct smtp_cmd *cmd);
};

/* The set of live sessions and the shared pieces they use. */
struct smtp_server *
smtp_server_new(struct event_base *base, const struct smtp_session_ops *ops, void *host);
/* Close every session (421 when possible) and free the server. */
void smtp_server_free(struct smtp_server *srv);
/* Number of live sessions. */
size_t smtp_server_count(const struct smtp_server *srv);
/* Send 421 to every idle session and close it; busy ones close when done. */
void smtp_server_shutdown(struct smtp_server *srv, const char *why);

/*
 * Start a session on an accepted socket (which it then owns). peer is the
 * client's address, local the address it connected to. Returns the
 * session, or NULL (socket closed) if it could not be set up.
 */
struct smtp_session *
smtp_session_new(struct smtp_server *srv, int fd, const struct sockaddr *peer, socklen_t peerlen,
    const struct sockaddr *local, socklen_t locallen, const struct smtp_session_conf *conf);
/* The live session with this id, or NULL if it has gone. */
struct smtp_session *smtp_server_find(struct smtp_server *srv, uint64_t id);

/*
 * Answer the command being decided. code 2xx/3xx accepts (for MAIL and
 * RCPT, the sender/recipient joins the transaction); 421 closes the
 * session after the reply. text may hold '\n' for a multi-line reply.
 */
void smtp_session_decide(struct smtp_session *s, int code, const char *status, const char *text);
/*
 * The same for an extension command whose refusal is its answer, not a
 * protocol error (XVOUCH CHECK's "550 unknown session"): it does not count
 * towards max_errors, so a receiver asking on a reused connection is not
 * cut off because earlier sessions it asked about were not ours.
 */
void smtp_session_answer(struct smtp_session *s, int code, const char *status, const char *text);
/* Close the session now (after flushing what was written). */
void smtp_session_close(struct smtp_session *s);

uint64_t smtp_session_id(const struct smtp_session *s);
/* Client address as text (no port), e.g. "192.0.2.1" or "2001:db8::1". */
const char *smtp_session_peer_addr(const struct smtp_session *s);
int smtp_session_peer_port(const struct smtp_session *s);
const struct sockaddr *smtp_session_peer(const struct smtp_session *s, socklen_t *len);
/* The local address the client connected to, as text and as a sockaddr. */
const char *smtp_session_local_addr(const struct smtp_session *s);
const struct sockaddr *smtp_session_local(const struct smtp_session *s, socklen_t *len);
/* The HELO/EHLO name given, or NULL before it. */
const char *smtp_session_helo(const struct smtp_session *s);
int smtp_session_esmtp(const struct smtp_session *s);
/* The reverse-path of the current transaction (valid between MAIL and reset). */
const struct smtp_mail_args *smtp_session_mail(const struct smtp_session *s);
unsigned smtp_session_rcpt_count(const struct smtp_session *s);
/* TLS: 1 when the session is encrypted; version and cipher names or NULL. */
int smtp_session_tls(const struct smtp_session *s);
const char *smtp_session_tls_version(const struct smtp_session *s);
const char *smtp_session_tls_cipher(const struct smtp_session *s);
/* The TLS object (for peer certificate checks), or NULL. */
void *smtp_session_ssl(const struct smtp_session *s);
/* Mark the client authenticated (host's AUTH handling); relaxes DATA pipelining. */
void smtp_session_set_authenticated(struct smtp_session *s, const char *user);
const char *smtp_session_user(const struct smtp_session *s);
/* Host data attached to the session (not owned). */
void smtp_session_set_udata(struct smtp_session *s, void *udata);
void *smtp_session_udata(const struct smtp_session *s);
/* For multi-step host commands (AUTH): the next line goes to the host raw. */
void smtp_session_expect_line(struct smtp_session *s,
    void (*fn)(void *host, struct smtp_session *s, const char *line, size_t len));
/* Send a reply without ending the command being decided (AUTH 334). */
void smtp_session_reply(struct smtp_session *s, int code, const char *status, const char *text);
/*
 * The recipients a transaction may have from now on in this session, and
 * the text of the 452 4.5.3 past them (copied; NULL = the default): a
 * host's per-user limit for an authenticated client replaces the
 * listener's max_recipients, in either direction.
 */
void smtp_session_set_rcpt_limit(struct smtp_session *s, unsigned max, const char *text);
/* Protocol errors so far. */
unsigned smtp_session_errors(const struct smtp_session *s);
/* The settings the session started with. */
const struct smtp_session_conf *smtp_session_conf(const struct smtp_session *s);

#endif
