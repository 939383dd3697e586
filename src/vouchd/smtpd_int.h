/*
 * smtpd_int: an inbound session's state, shared by smtpd.c (the commands
 * up to RCPT) and smtpd_data.c (the message and the queue); no other file
 * sees it.
 */
#ifndef VOUCH_VOUCHD_SMTPD_INT_H
#define VOUCH_VOUCHD_SMTPD_INT_H

#include <stdint.h>

#include "smtpd.h"
#include "auth/arc.h"
#include "msg/hdrfilter.h"
#include "policy/challenge.h"
#include "policy/verdict.h"
#include "queue/envelope.h"
#include "queue/queue.h"
#include "smtp/smtp_session.h"

struct smtpd_sess {
	struct vouchd *d;
	struct config *cfg; /* the configuration the session started with */
	uint64_t sid;
	const struct listener_config *listener; /* in cfg */
	struct policy pol;                      /* what the engine decides under */
	struct gather *g;                       /* the session's proofs */
	struct submit_sess *sub;                /* AUTH and submission limits */
	struct envelope env;                    /* the transaction being built */
	struct queue_writer *w;
	char tracking[24];       /* submission tracking id, "" if none */
	unsigned refused_stages; /* stages counted as refusing this session */
	int tag_subject;         /* a "tag" verdict applies to this transaction */
	int xgen_given;          /* XGEN was judged: one per connection */
	struct hdrfilter hdr;    /* removes forged trace headers in DATA */
	struct strbuf hdr_out;
	int hdr_active;
	struct msgauth *ma; /* the message's DKIM, ARC and DMARC, DATA to the end (msgauth.h) */
	char *authres_head; /* our Authentication-Results field as DATA began, or NULL */
	char *trace_mid;    /* the fields after it, before X-Vouch-Verdict (Received-SPF) */
	size_t verdict_len; /* octets of the X-Vouch-Verdict field written when DATA began */
	unsigned chal_hdr;  /* list, bulk or automatic, by the header (CHALLENGE_HDR_*) */
	char chal_token[CHALLENGE_TOKEN_LEN + 1]; /* a confirmation to act on, or "" */
	struct outsign *os; /* DKIM signing and ARC sealing, DATA to the commit (outsign.h) */
	char *authres_arc;  /* authres_head without the user's name (for the AAR), or NULL */
	enum arc_cv arc_cv; /* the ARC chain as it arrived (msgauth's) */
	/* the command waiting for an answer of the store (submission checks) */
	struct smtp_mail_args mail;
	struct smtp_rcpt_args rcpt;
	int rcpt_dup;
};

/* The transaction ended without a message: drop what it holds. */
void smtpd_txn_clear(struct smtpd_sess *ss);
/* Count a check's result in the statistics (check, result). */
void smtpd_count(const struct smtpd_sess *ss, const char *check, const char *result);
/* Count a session refused at a stage ("xvouch", "mail", "rcpt", ...), once per stage. */
void smtpd_count_refusal(struct smtpd_sess *ss, const char *stage);
/* Apply a verdict's reply (its code, status and text). */
void smtpd_reply(struct smtp_session *s, const struct verdict *v);

/* smtpd_data.c: DATA/BDAT, the message into the queue. */
void smtpd_data_start(void *host, struct smtp_session *s);
int smtpd_data_write(void *host, struct smtp_session *s, const char *p, size_t n);
void smtpd_data_end(void *host, struct smtp_session *s, const struct smtp_data_result *res);

#endif
