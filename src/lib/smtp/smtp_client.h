/*
 * smtp_client: the client side of one SMTP connection (RFC 5321), driven
 * by libevent: banner, EHLO (HELO as a fallback), STARTTLS (RFC 3207),
 * AUTH PLAIN (RFC 4954, for a smarthost), vouch's XVOUCH and XGEN, then
 * any number of messages on the same connection, each with PIPELINING
 * (RFC 2920), SIZE, 8BITMIME, SMTPUTF8, DSN (RFC 3461) and CHUNKING
 * (RFC 3030) when the server offers them, and QUIT. Between messages the
 * caller may send commands of its own (XVOUCH CHECK on a reused callback
 * connection), pipelined when the server offers PIPELINING.
 *
 * Every reply is kept with the command it answers, so the caller can map
 * each recipient to success, temporary or permanent failure. The client
 * never decides policy: the caller chooses what to send and when.
 *
 * Callbacks run on the loop; from inside one, the caller may send the
 * next message, quit, or free the client.
 */
#ifndef VOUCH_SMTP_CLIENT_H
#define VOUCH_SMTP_CLIENT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

struct event_base;
struct smtp_client;
struct strbuf;
typedef struct ssl_ctx_st SSL_CTX;

/* A reply as received: code, enhanced status if any, text (lines joined by "; "). */
struct smtp_client_reply {
	int code; /* 0 when there was no reply (connection lost, timeout) */
	char status[16];
	char text[512];
};

struct smtp_client_rcpt {
	const char *addr;
	unsigned notify;                /* enum smtp_notify bits, passed on with DSN */
	const char *orcpt;              /* "type;xtext" or NULL */
	struct smtp_client_reply reply; /* set by the client: RCPT, then end of data */
};

struct smtp_client_msg {
	const char *sender; /* "" = null reverse-path */
	int body_8bit;
	int smtputf8;
	int ret;             /* enum smtp_ret */
	const char *envid;   /* xtext or NULL */
	int body_fd;         /* the queued message, read from offset body_start */
	uint64_t body_size;  /* the file's size */
	uint64_t body_start; /* octets at its start not sent (our own trace fields) */
	const char *head;    /* header fields sent before the file (CRLF-ended), or NULL */
	size_t head_len;
	struct smtp_client_rcpt *rcpts;
	size_t nrcpts;
	/*
	 * An address probe (sender callout): MAIL and RCPT only, then RSET
	 * instead of DATA, so no message is ever sent; body_fd and body_size
	 * are unused. The RCPT replies are the results; a connection lost
	 * after them keeps them.
	 */
	int probe;
	/* results */
	struct smtp_client_reply
	    reply;      /* MAIL failure, or end of data (probe: 0 unless MAIL failed) */
	int dsn_passed; /* the server took NOTIFY/RET/ENVID/ORCPT */
};

enum smtp_client_event {
	SMTP_CLIENT_READY,  /* connected and greeted: send a message or quit */
	SMTP_CLIENT_DONE,   /* the message handed over finished (see its replies) */
	SMTP_CLIENT_FAILED, /* the connection failed; see smtp_client_error() */
	SMTP_CLIENT_CLOSED, /* QUIT answered (or the connection ended after it) */
	SMTP_CLIENT_REPLY,  /* a reply to smtp_client_command(): see smtp_client_reply_of() */
};

struct smtp_client_params {
	const char *helo;      /* our name for EHLO */
	const char *peer_name; /* the server's name: SNI, logs, verification */
	SSL_CTX *tls;          /* STARTTLS when offered; NULL = never */
	int tls_required;      /* no TLS, no mail: fail if it is not there */
	int tls_verify;        /* tls_required and the certificate must name peer_name */
	const char *auth_user; /* AUTH PLAIN after TLS (smarthost), or NULL */
	const char *auth_pass;
	const char *xvouch_id;           /* send XVOUCH <id> when offered, or NULL */
	const char *xgen;                /* "<gen> <cookie>" for XGEN when offered, or NULL */
	const struct sockaddr *bind_src; /* local address to connect from, or NULL */
	socklen_t bind_srclen;
	/* If set, every line sent ("C: ...", AUTH's argument withheld) and
	 * received ("S: ..., escaped) is appended; it must outlive the client
	 * and bounds itself (strbuf max). For reports such as certification. */
	struct strbuf *transcript;
	long long timeout_connect; /* ms; RFC 5321 4.5.3.2 values by default */
	long long timeout_command;
	long long timeout_data;
};

/* What a finished or failed session learned; valid until freed. */
struct smtp_client_info {
	struct smtp_client_reply banner;   /* the greeting (code 0: none came) */
	struct smtp_client_reply ehlo;     /* the reply to the first EHLO (its text
	                                  * starts with the name the server gives) */
	int starttls_offered;              /* in the EHLO reply before TLS */
	struct smtp_client_reply starttls; /* the reply to STARTTLS, if sent */
	int tls_cert;                      /* TLS: the server presented a certificate */
	char tls_subject[256];             /* its subject, one line */
	int esmtp;
	int pipelining;
	int tls; /* STARTTLS succeeded */
	char tls_version[32];
	int tls_verified;            /* the certificate verified and named peer_name */
	unsigned ext;                /* enum smtp_ext offered by the server */
	unsigned long long max_size; /* SIZE value, 0 = none */
	int xvouch_offered;
	struct smtp_client_reply xvouch; /* the reply to XVOUCH <id>, if sent */
	int xgen_offered;
	char xgen_server[64]; /* the XGEN value the server announced */
	struct smtp_client_reply xgen;
};

typedef void (*smtp_client_cb)(struct smtp_client *c, enum smtp_client_event ev, void *arg);

/*
 * Connect to addr and run the opening dialogue; cb(c, READY) follows, or
 * cb(c, FAILED). The client copies what it needs from p except tls.
 */
struct smtp_client *smtp_client_new(struct event_base *base, const struct sockaddr *addr,
    socklen_t addrlen, const struct smtp_client_params *p, smtp_client_cb cb, void *arg);
/*
 * Send a message (only after READY or DONE). m and its strings must stay
 * valid until cb(c, DONE/FAILED). Recipient and message replies are
 * written into m.
 */
void smtp_client_send(struct smtp_client *c, struct smtp_client_msg *m);
/*
 * Send a command line of the caller's (no CRLF; e.g. "XVOUCH CHECK <id>")
 * while no message is in progress: after READY, DONE or a REPLY. With
 * PIPELINING (RFC 2920) every queued command goes out at once, else one
 * after the other's reply. Each reply comes as cb(c, REPLY), in the order
 * sent, with the caller's tag (smtp_client_reply_of()); once no command is
 * outstanding the client is ready again (no new READY event). A 421 reply
 * is reported, then the connection fails (cb(c, FAILED)); commands still
 * outstanding then have no reply. Returns 0, or -1 (nothing sent) when the
 * client cannot take a command now or the line holds CR or LF.
 */
int smtp_client_command(struct smtp_client *c, const char *line, uint64_t tag);
/* Commands sent or queued and not yet answered. */
size_t smtp_client_commands_pending(const struct smtp_client *c);
/* In a REPLY callback: the reply, and the tag of the command it answers. */
const struct smtp_client_reply *smtp_client_reply_of(const struct smtp_client *c, uint64_t *tag);
/* Say QUIT; cb(c, CLOSED) follows. */
void smtp_client_quit(struct smtp_client *c);
/* Close at once and free (no callback). NULL-safe; safe inside callbacks. */
void smtp_client_free(struct smtp_client *c);
/* Why the connection failed: the reply that ended it, or code 0 with text. */
const struct smtp_client_reply *smtp_client_error(const struct smtp_client *c);
/* What the server offered and what TLS achieved. */
const struct smtp_client_info *smtp_client_info(const struct smtp_client *c);

#endif
