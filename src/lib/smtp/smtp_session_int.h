/*
 * smtp_session_int: the session's private state, shared by the files that
 * implement it (smtp_session.c: life cycle, I/O, timers, replies;
 * smtp_session_cmd.c: commands; smtp_session_data.c: DATA and BDAT;
 * smtp_session_tls.c: STARTTLS). Nothing outside src/lib/smtp includes it.
 */
#ifndef VOUCH_SMTP_SESSION_INT_H
#define VOUCH_SMTP_SESSION_INT_H

#include <netinet/in.h>
#include <stdint.h>

#include "smtp/smtp_session.h"
#include "util/str.h"

struct bufferevent;
struct event;
struct evbuffer;
struct hmap;
typedef struct ssl_st SSL;

/* Protocol states, in the order a transaction moves through them. */
enum smtp_state {
	SMTP_ST_CONNECT, /* greeting being decided */
	SMTP_ST_INIT,    /* greeted; EHLO/HELO needed */
	SMTP_ST_READY,   /* after EHLO: MAIL allowed */
	SMTP_ST_MAIL,    /* sender accepted */
	SMTP_ST_RCPT,    /* at least one recipient accepted */
	SMTP_ST_DATA,    /* reading DATA text */
	SMTP_ST_BDAT,    /* reading a BDAT chunk */
	SMTP_ST_TLS,     /* TLS handshake in progress */
	SMTP_ST_CLOSING, /* flushing the last reply */
	SMTP_ST_COUNT
};

/* What smtp_session_decide() is answering. */
enum smtp_pending {
	SMTP_PEND_NONE = 0,
	SMTP_PEND_CONNECT,
	SMTP_PEND_HELO,
	SMTP_PEND_MAIL,
	SMTP_PEND_RCPT,
	SMTP_PEND_DATA, /* DATA: 354 or refusal */
	SMTP_PEND_BDAT, /* first BDAT: go-ahead or refusal */
	SMTP_PEND_DATA_END,
	SMTP_PEND_EXTRA,
};

#define SMTP_SCRATCH 16384

struct smtp_server {
	struct event_base *base;
	const struct smtp_session_ops *ops;
	void *host;
	struct hmap *sessions; /* id -> session */
	uint64_t next_id;
	int shutting_down;
	char shutdown_why[128];
	struct smtp_session *dead; /* freed at the next safe point */
	struct event *reaper;
	struct strbuf reply;            /* reused for formatting replies */
	char scratch[SMTP_SCRATCH + 4]; /* decoded message text */
};

struct smtp_session {
	struct smtp_server *srv;
	uint64_t id;
	struct bufferevent *bev;
	struct smtp_session_conf conf;
	struct sockaddr_storage peer, local;
	socklen_t peerlen, locallen;
	char peer_addr[INET6_ADDRSTRLEN];
	char local_addr[INET6_ADDRSTRLEN];
	int peer_port;

	enum smtp_state state;
	enum smtp_pending pending; /* awaiting smtp_session_decide() */
	int in_process;            /* inside the read loop */
	int dead;
	int quitting;        /* close once the reply is flushed */
	int discarding_line; /* an over-long command is being skipped */
	unsigned errors;
	int answer;    /* the extension command being decided is answered, not refused */
	unsigned junk; /* commands without progress since the last message */

	char *helo;
	int esmtp;
	char *user; /* authenticated user, or NULL */
	void *udata;
	void (*line_fn)(void *host, struct smtp_session *s, const char *line, size_t len);

	/* transaction */
	struct smtp_mail_args *mail;
	unsigned nrcpt;
	struct smtp_rcpt_args *rcpt_pending; /* RCPT being decided */
	char rcpt_limit_text[200];           /* the 452 past the limit; "" = default */

	/* message text */
	struct smtp_data dec;
	int write_failed;
	int too_big;
	int bdat_active;  /* first BDAT accepted */
	int bdat_refused; /* chunks are read and thrown away */
	int bdat_last;
	unsigned long long bdat_left; /* octets of the chunk still to read */
	struct smtp_perr bdat_refusal;
	char bdat_refusal_text[256];
	unsigned long long raw_in; /* octets read in this message */
	int64_t data_start_ms;
	int64_t last_read_ms;
	int64_t cmd_start_ms; /* when we became ready for a command */

	struct event *timer;
	int64_t timer_at; /* when the pending timer fires; 0 = none */

	/* TLS */
	SSL *ssl;
	int tls;

	struct smtp_session *next_dead;
};

/* smtp_session.c */
int64_t smtp_session_now_ms(void);
void smtp_session_send(struct smtp_session *s, int code, const char *status, const char *text);
/* Send a protocol error reply and count it; closes after too many. */
void smtp_session_error(struct smtp_session *s, int code, const char *status, const char *text);
void smtp_session_set_state(struct smtp_session *s, enum smtp_state st);
void smtp_session_reset_txn(struct smtp_session *s, int tell_host);
/* Inside a message: DATA or BDAT text, or between the chunks of one. */
int smtp_session_in_message(const struct smtp_session *s);
void smtp_session_arm_timer(struct smtp_session *s);
void smtp_session_process(struct smtp_session *s);
void smtp_session_ask(struct smtp_session *s, enum smtp_pending p);
void smtp_session_setcb(struct smtp_session *s);

/* smtp_session_cmd.c */
void smtp_session_cmd_line(struct smtp_session *s, const char *line, size_t len);
void smtp_session_cmd_decided(
    struct smtp_session *s, enum smtp_pending p, int code, const char *status, const char *text);

/* smtp_session_data.c */
/* Read message text; returns 1 if progress was made, 0 if more is needed. */
int smtp_session_data_read(struct smtp_session *s, struct evbuffer *in);
int smtp_session_data_bdat_read(struct smtp_session *s, struct evbuffer *in);
void smtp_session_data_begin(struct smtp_session *s, enum smtp_data_mode mode);

/* smtp_session_tls.c */
int smtp_session_tls_start(struct smtp_session *s);
int smtp_session_tls_wrap_implicit(struct smtp_session *s, int fd);
void smtp_session_tls_connected(struct smtp_session *s);
void smtp_session_tls_free(struct smtp_session *s);

#endif
