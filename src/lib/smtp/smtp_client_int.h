/*
 * smtp_client_int: the client's private state, shared by smtp_client.c
 * (connection, replies, opening dialogue) and smtp_client_txn.c (mail
 * transactions and the message body). Nothing else includes it.
 */
#ifndef VOUCH_SMTP_CLIENT_INT_H
#define VOUCH_SMTP_CLIENT_INT_H

#include <netinet/in.h>
#include <stdint.h>

#include "smtp/smtp_client.h"
#include "util/str.h"

struct bufferevent;
struct event;
typedef struct ssl_st SSL;

enum smtp_client_state {
	CS_CONNECT,
	CS_BANNER,
	CS_EHLO,
	CS_HELO,
	CS_STARTTLS,
	CS_TLS,
	CS_AUTH,
	CS_XVOUCH,
	CS_XGEN,
	CS_READY,
	CS_CMD, /* commands of the caller's outstanding (smtp_client_cmd.c) */
	CS_TXN,
	CS_BODY,
	CS_RSET,
	CS_QUIT,
	CS_CLOSED,
	CS_FAILED,
	CS_COUNT
};

/* What a pending reply answers (pipelined replies arrive in this order). */
enum smtp_client_expect { EX_MAIL, EX_RCPT, EX_DATA, EX_DATA_END, EX_BDAT, EX_RSET };

#define SMTP_CLIENT_MAX_EXPECT 1024
/* Commands of the caller's that may wait or be in flight at once. */
#define SMTP_CLIENT_MAX_CMDS 64

struct smtp_client_cmd {
	uint64_t tag;
	char *line;
};

struct smtp_client {
	struct event_base *base;
	struct bufferevent *bev;
	struct event *timer;
	SSL *ssl;
	enum smtp_client_state state;
	smtp_client_cb cb;
	void *arg;
	int in_cb;
	int dead;

	/* copies of the parameters */
	char *helo, *peer_name, *auth_user, *auth_pass, *xvouch_id, *xgen;
	SSL_CTX *tls;
	int tls_required, tls_verify;
	struct strbuf *transcript; /* borrowed, or NULL */
	long long timeout_connect, timeout_command, timeout_data;

	struct smtp_client_info info;
	struct smtp_client_reply error;

	/* reply being read */
	struct smtp_client_reply cur;
	int cur_lines;

	/* the transaction */
	struct smtp_client_msg *msg;
	enum smtp_client_expect expect[SMTP_CLIENT_MAX_EXPECT];
	size_t expect_rcpt[SMTP_CLIENT_MAX_EXPECT];
	size_t nexpect, expect_pos;
	size_t next_rcpt; /* without pipelining: the next RCPT to send */
	size_t accepted;
	int mail_ok;
	int data_sent;     /* DATA or BDAT went out */
	uint64_t body_off; /* octets of the body file sent */
	int head_sent;     /* the message's head fields are queued */
	int body_bol;      /* DATA: at the start of a line */
	int body_last_lf;
	int body_bdat;

	/* the caller's commands: a ring, answered in order */
	struct smtp_client_cmd cmds[SMTP_CLIENT_MAX_CMDS];
	size_t cmd_first;                   /* oldest unanswered */
	size_t cmd_count;                   /* unanswered, sent or not */
	size_t cmd_sent;                    /* of those, already written */
	struct smtp_client_reply cmd_reply; /* the reply being reported */
	uint64_t cmd_tag;
};

/* smtp_client.c */
int smtp_client_emit(struct smtp_client *c, enum smtp_client_event ev);
void smtp_client_fail(struct smtp_client *c, int code, const char *status, const char *text);
void smtp_client_arm(struct smtp_client *c, long long ms);
void smtp_client_write(struct smtp_client *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void smtp_client_set_state(struct smtp_client *c, enum smtp_client_state st);

/* smtp_client_cmd.c */
/* A reply while commands are outstanding; returns 0 if c was freed or failed. */
int smtp_client_cmd_reply(struct smtp_client *c, const struct smtp_client_reply *r);
/* Free the lines of unanswered commands. */
void smtp_client_cmd_clear(struct smtp_client *c);

/* smtp_client_txn.c */
void smtp_client_txn_start(struct smtp_client *c);
/* A reply arrived while a transaction is open; returns 0 if c was freed. */
int smtp_client_txn_reply(struct smtp_client *c, const struct smtp_client_reply *r);
/* The output drained: send more of the body; returns 0 if c was freed. */
int smtp_client_txn_pump(struct smtp_client *c);
/* The connection failed mid-transaction: fill in missing replies. */
void smtp_client_txn_abort(struct smtp_client *c, const struct smtp_client_reply *why);

#endif
