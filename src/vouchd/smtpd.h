/*
 * smtpd: vouchd's per-session policy state, shared by smtpd.c (inbound
 * rules and the queue) and submit.c (AUTH and submission rules).
 */
#ifndef VOUCH_VOUCHD_SMTPD_H
#define VOUCH_VOUCHD_SMTPD_H

#include <stddef.h>
#include <stdint.h>

#include "checks.h"
#include "xvouch.h"
#include "auth/helo.h"
#include "auth/spf_eval.h"
#include "msg/hdrfilter.h"
#include "policy/lists.h"
#include "queue/envelope.h"
#include "queue/queue.h"
#include "smtp/smtp_session.h"

struct vouchd;
struct config;

struct smtpd_sess {
	struct vouchd *d;
	struct config *cfg; /* the configuration the session started with */
	uint64_t sid;
	const struct listener_config *listener; /* in cfg */
	int submission;                         /* the listener is a submission port */
	int auth_offer;                         /* the listener offers AUTH (after TLS) */
	struct envelope env;                    /* the transaction being built */
	struct queue_writer *w;
	unsigned remote_rcpts; /* recipients in other domains reserved, this transaction */
	int64_t rsv_hour;      /* the hour bucket they are reserved in */
	char rsv_user[SMTP_PATH_MAX + 1]; /* and the user they count for */
	char tracking[24];                /* submission tracking id, "" if none */
	char auth_user_pending[520];      /* AUTH LOGIN: the user name given */
	/* Identity proof: a TLS client certificate that verified against
	 * tls_client_ca and names the HELO name (DESIGN 2). */
	int tls_cert_verified;
	char tls_cert_subject[256];
	/* identity checks and their verdict (checks.h) */
	struct checks checks;
	struct checks_proofs pr;     /* DNS lists, registrar, callout (checks_proofs.c) */
	char client_ip[64];          /* the client's address as text */
	unsigned refused_stages;     /* stages counted as refusing this session */
	struct xvouch_rx xv;         /* session vouching, receiver side */
	struct helo_check *helo_chk; /* HELO and reverse DNS checks in flight */
	struct helo_outcome helo;    /* their outcome */
	int helo_done;
	const struct list_entry *allowed; /* the allow-list entry that matched, or NULL */
	char allowed_text[300];
	int tag_subject;             /* a "tag" action applies to this transaction */
	int xgen;                    /* enum gen_result of the client's XGEN */
	int xgen_given;              /* XGEN was judged: one per connection */
	long long xgen_peer;         /* the generation it claimed */
	int checks_waiting;          /* MAIL waits for them */
	struct spf_options spf_opts; /* borrowed by running SPF checks */
	struct hdrfilter hdr;        /* removes forged trace headers in DATA */
	struct strbuf hdr_out;
	int hdr_active;
};

/* submit.c */
/* EHLO keywords the session should add (AUTH ...), or NULL. */
const char *submit_ehlo_keywords(struct smtpd_sess *ss, struct smtp_session *s);
/* AUTH command (decides). */
void submit_auth(struct smtpd_sess *ss, struct smtp_session *s, const char *arg, size_t len);
/*
 * MAIL on a submission port or by an authenticated user. Returns 1 if it
 * decided (refused), 0 if the caller goes on.
 */
int submit_check_mail(struct smtpd_sess *ss, struct smtp_session *s, const char *from);
/* RCPT by an authenticated user, after the address is known to be valid:
 * 1 if it decided (refused), 0 to accept. remote: not a local domain. */
int submit_check_rcpt(struct smtpd_sess *ss, struct smtp_session *s, int remote);
/* Give back n reserved remote recipients of user (a transaction that
 * ended without a message). */
void submit_release(struct vouchd *d, const char *user, int64_t hour, unsigned n);
/* A submitted message was queued: log it with its tracking id (its
 * recipients were counted when they were reserved). */
void submit_committed(struct vouchd *d, const char *user, const char *tracking, const char *qid,
    unsigned remote_rcpts);
/* The hour bucket counters use. */
int64_t submit_hour(void);
/* A fresh random tracking id (16 hex digits) into buf. */
void submit_tracking_id(char *buf, size_t bufsz);
/* Prepare the dummy hash used for unknown users; -1 on failure. */
int submit_init(struct vouchd *d);
/* Drop the attempts still waiting for their turn (at stop). */
void submit_free(struct vouchd *d);
/* Lift a daily-limit lock (vouchctl user unlock). */
int submit_unlock(struct vouchd *d, const char *user);

/* xgen.c: XGEN (DESIGN 5.2); decides the command. */
void xgen_command(struct smtpd_sess *ss, struct smtp_session *s, const char *arg, size_t len);
/* "XGEN <g>" for EHLO, or NULL when no generation is configured. */
const char *xgen_ehlo(const struct smtpd_sess *ss, char *buf, size_t bufsz);
/* "<g> <cookie>" our client sends, or NULL. */
const char *xgen_client_arg(const struct config *cfg, char *buf, size_t bufsz);

/* inject.c: queue a message vouchd writes itself (notices, reports). */
int inject_message(struct vouchd *d, const char *sender, const char *const *rcpts, size_t nrcpts,
    const char *text, size_t len, int is_bounce);

#endif
