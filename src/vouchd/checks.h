/*
 * checks: the identity checks run on a session and what their results
 * lead to (DESIGN 2 and 6). Each check yields a proof; the policy reads
 * the proofs at each stage:
 *
 *   connect  block list                     -> 554, or greet
 *   EHLO     HELO name checks, SPF of HELO start (nothing decided)
 *   XVOUCH   session vouching (xvouch.c)
 *   MAIL     strict HELO rule, SPF of both identities
 *   RCPT     is the sending server verified? per recipient domain's mode:
 *            soft -> .Unsafe, hard -> 550, off -> accept
 *
 * A session is verified when its client is allow-listed, or it vouched
 * for itself with XVOUCH. Verified sessions answer for their mail: SPF is
 * recorded, not enforced (a forwarder is judged on its own identity).
 */
#ifndef VOUCH_VOUCHD_CHECKS_H
#define VOUCH_VOUCHD_CHECKS_H

#include <stdint.h>

#include "auth/spf.h"
#include "config/config.h"
#include "util/str.h"

struct smtpd_sess;
struct smtp_session;
struct spf_check;

struct checks_spf {
	struct spf_check *chk;		/* running, or NULL */
	int started, done;
	struct spf_outcome out;		/* valid when done */
};

struct checks {
	struct checks_spf helo;		/* SPF of the HELO identity */
	struct checks_spf mail;		/* SPF of the MAIL FROM identity */
	int verdict;			/* the MAIL stage's action for this transaction */
	char why[300];			/* and its reason */
};

/* Connect: refuse blocked clients, note allow-listed ones; decides. */
void checks_connect(struct smtpd_sess *ss, struct smtp_session *s);
/* HELO/EHLO: start the checks that need only the name. */
void checks_helo(struct smtpd_sess *ss, struct smtp_session *s, const char *name, int is_domain);
/* MAIL: wait for the checks, then decide the command. */
void checks_mail(struct smtpd_sess *ss, struct smtp_session *s, const char *from);
/*
 * RCPT: the action for a recipient in domain (the trust verdict, joined
 * with the MAIL stage's). Writes a reason for refusals into why.
 */
int checks_rcpt(struct smtpd_sess *ss, struct smtp_session *s, const char *domain,
    char *why, size_t whysz);
/* XVOUCH passed: anything that builds on it. */
void checks_after_xvouch(struct smtpd_sess *ss, struct smtp_session *s);
/* Resolve "mode" in an action for the recipient domain (NULL: the listener's). */
int checks_action(const struct smtpd_sess *ss, int act, const char *domain);
/* Block the client's address for seconds (hard-mode vouching failure). */
void checks_block_client(struct smtpd_sess *ss, struct smtp_session *s, int64_t seconds,
    const char *reason);
/* True if the session's server is verified (allow list, XVOUCH, auth). */
int checks_verified(const struct smtpd_sess *ss, struct smtp_session *s, const char **how);
/* Cancel the transaction's checks; checks_free for the whole session. */
void checks_reset_txn(struct smtpd_sess *ss);
void checks_free(struct smtpd_sess *ss);
/* Append Authentication-Results, Received-SPF and X-Vouch-Verdict. */
void checks_headers(struct smtpd_sess *ss, struct smtp_session *s, struct strbuf *out);
/* 1 if a trace field arriving with the message claims to be ours. */
int checks_forged_header(const struct smtpd_sess *ss, const char *field, size_t len);
/* The forward-confirmed reverse name of the client, or NULL. */
const char *checks_verified_name(const struct smtpd_sess *ss);

#endif
