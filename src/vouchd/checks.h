/*
 * checks: the identity checks run on a session and what their results
 * lead to (DESIGN 2 and 6). Each check yields a proof; the policy reads
 * the proofs at each stage:
 *
 *   connect  block list -> 554, or greet; DNS lists and the registrar's
 *            word on the address start (checks_proofs.c)
 *   EHLO     HELO name checks, SPF of HELO start (nothing decided)
 *   XVOUCH   session vouching (xvouch.c), then the registrar's word on
 *            the vouched name
 *   MAIL     waits for all of the above; strict HELO rule, DNS block
 *            lists, SPF of both identities, then the sender callout
 *   RCPT     is the sending server verified? per recipient domain's mode:
 *            soft -> .Unsafe, hard -> 550, off -> accept
 *
 * A session is verified when its client is allow-listed (locally or by a
 * DNS allow list), or it vouched for itself with XVOUCH and, when
 * registrar zones are configured, its vouched name is registered and
 * active. A verified session's mail goes to the inbox. But a proof of a
 * name is not a proof for other domains: SPF is forgiven (recorded, not
 * enforced: a forwarder judged on its own identity) and the callout
 * skipped only for a trusted forwarder — allow-listed, authenticated, or
 * vouched and registered active (checks_trusted_forwarder).
 *
 * Actions are kept unresolved until RCPT: "mode" means the recipient
 * domain's mode, so one message can be refused for a hard domain and
 * filed as unsafe for a soft one.
 */
#ifndef VOUCH_VOUCHD_CHECKS_H
#define VOUCH_VOUCHD_CHECKS_H

#include <stdint.h>

#include "auth/callout.h"
#include "auth/dnslist.h"
#include "auth/register.h"
#include "auth/spf.h"
#include "config/config.h"
#include "util/str.h"

struct smtpd_sess;
struct smtp_session;
struct spf_check;

struct checks_spf {
	struct spf_check *chk; /* running, or NULL */
	int started, done;
	struct spf_outcome out; /* valid when done */
};

/* One check's say about a transaction: an action and its reason. */
struct checks_say {
	int act;        /* enum config_action; MODE is resolved per recipient */
	char status[8]; /* enhanced status for a refusal, 5.x.x form */
	char why[400];
};

/* The registrar's word, kept short (the outcome itself is large). */
struct checks_reg {
	struct register_check *chk; /* running, or NULL */
	int started, done;
	enum register_status status;
	char klass[32];              /* class from the TXT record, "" if none */
	char zone[DNS_NAME_MAX + 1]; /* the zone that decided, "" if none */
	char reason[400];
};

/* Proofs from DNS lists, the registrar and the sender callout. */
struct checks_proofs {
	struct dnslist_check *bl, *wl; /* running, or NULL */
	int bl_started, bl_done, wl_started, wl_done;
	enum dnslist_result bl_result; /* combined: listed > temperror > not listed */
	int wl_listed;
	char bl_zone[DNS_NAME_MAX + 1], wl_zone[DNS_NAME_MAX + 1];
	char bl_reason[400], wl_reason[400];
	struct checks_reg addr; /* before HELO: the client address */
	struct checks_reg name; /* after XVOUCH: the vouched name */
	/* the sender callout of this transaction */
	struct callout_check *co;
	int co_started, co_done;
	int co_skip; /* enum callout_skip, or -1 */
	enum callout_result co_result;
	char co_source[16];
	char co_reason[400];
	/* senders this session has had called out for (hashes): at most
	 * callout_max_senders_per_session; the session's, freed with it */
	uint64_t *co_senders;
	size_t co_nsenders;
};

struct checks {
	struct checks_spf helo;    /* SPF of the HELO identity */
	struct checks_spf mail;    /* SPF of the MAIL FROM identity */
	struct checks_say verdict; /* the strictest explicit action at MAIL */
	struct checks_say mode;    /* the first check whose action is "mode" */
	int callout_wait;          /* MAIL waits for the callout */
};

/* Connect: refuse blocked clients, note allow-listed ones; decides. */
void checks_connect(struct smtpd_sess *ss, struct smtp_session *s);
/* HELO/EHLO: start the checks that need only the name. */
void checks_helo(struct smtpd_sess *ss, struct smtp_session *s, const char *name, int is_domain);
/* MAIL: wait for the checks, then decide the command. */
void checks_mail(struct smtpd_sess *ss, struct smtp_session *s, const char *from);
/* A check MAIL waits for came in: decide if it was the last. */
void checks_mail_continue(struct smtpd_sess *ss);
/* Refuse the MAIL command (logged and counted). */
void checks_refuse_mail(
    struct smtpd_sess *ss, struct smtp_session *s, int code, const char *status, const char *text);
/*
 * RCPT: the action for a recipient in domain (the trust verdict, joined
 * with the MAIL stage's). Writes a reason for refusals into why and the
 * enhanced status (5.x.x form; 4.x.x is meant for tempfail) into status.
 */
int checks_rcpt(struct smtpd_sess *ss, struct smtp_session *s, const char *domain, char *why,
    size_t whysz, char status[8]);
/* XVOUCH passed: anything that builds on it. */
void checks_after_xvouch(struct smtpd_sess *ss, struct smtp_session *s);
/* Resolve "mode" in an action for the recipient domain (NULL: the listener's). */
int checks_action(const struct smtpd_sess *ss, int act, const char *domain);
/* Make the client's address vouch-required for seconds (hard-mode vouching failure). */
void checks_require_vouch(
    struct smtpd_sess *ss, struct smtp_session *s, int64_t seconds, const char *reason);
/* True if the session's server is verified (allow list, XVOUCH, auth). */
int checks_verified(const struct smtpd_sess *ss, struct smtp_session *s, const char **how);
/* True if the server may send for other domains with their SPF forgiven:
 * allow-listed, authenticated, or vouched and registered active. */
int checks_trusted_forwarder(const struct smtpd_sess *ss, struct smtp_session *s);
/* Cancel the transaction's checks; checks_free for the whole session. */
void checks_reset_txn(struct smtpd_sess *ss);
void checks_free(struct smtpd_sess *ss);
/* Why an unverified session is not verified, for X-Vouch-Verdict. */
void checks_unverified_why(const struct smtpd_sess *ss, char *out, size_t outsz);
/* Count a check's result in the statistics (check, result). */
void checks_count(const struct smtpd_sess *ss, const char *check, const char *result);
/* Count a session refused at a stage ("connect", "helo", "mail", ...), once per stage. */
void checks_count_refusal(struct smtpd_sess *ss, const char *stage);
/* Fold a check's action into the transaction's verdict. */
void checks_say(struct checks *ck, int act, const char *status, const char *why);
/* Keep in out the stricter of it and this resolved action (an empty
 * status is 5.7.1). */
void checks_say_max(struct checks_say *out, int act, const char *status, const char *why);

/* checks_proofs.c: DNS lists, registrar lookups, sender callouts. */
void proofs_connect(struct smtpd_sess *ss, struct smtp_session *s);
void proofs_after_xvouch(struct smtpd_sess *ss, struct smtp_session *s);
/* The registrar's word on a vouched name that is forgotten (STARTTLS). */
void proofs_forget_xvouch(struct smtpd_sess *ss);
/* True while a proof MAIL waits for is still out. */
int proofs_pending(const struct smtpd_sess *ss);
/* MAIL: the DNS lists' say (returns 1 if it refused the command). */
int proofs_mail_lists(struct smtpd_sess *ss, struct smtp_session *s);
/* MAIL: start the callout if one is wanted; 1 if MAIL must wait for it. */
int proofs_callout(struct smtpd_sess *ss, struct smtp_session *s, const char *sender);
/* The callout's say, once done (returns 1 if it refused the command). */
int proofs_callout_say(struct smtpd_sess *ss, struct smtp_session *s);
/* RCPT: the registrar's say for an unverified or vouched session. */
void proofs_rcpt(struct smtpd_sess *ss, const char *domain, struct checks_say *out);
/* The verification a DNS allow list or the registrar gives, or NULL. */
const char *proofs_verified_how(const struct smtpd_sess *ss);
/* Authentication-Results entries (at most 4) into e; returns how many. */
struct authres_entry;
size_t proofs_authres(const struct smtpd_sess *ss, struct authres_entry *e, char bufs[4][480]);
void proofs_reset_txn(struct smtpd_sess *ss);
void proofs_free(struct smtpd_sess *ss);

/* Append Authentication-Results, Received-SPF and X-Vouch-Verdict. */
void checks_headers(struct smtpd_sess *ss, struct smtp_session *s, struct strbuf *out);
/* 1 if a trace field arriving with the message claims to be ours. */
int checks_forged_header(const struct smtpd_sess *ss, const char *field, size_t len);
/* The forward-confirmed reverse name of the client, or NULL. */
const char *checks_verified_name(const struct smtpd_sess *ss);

#endif
