/*
 * checks: the identity checks run on a session (DESIGN 2, "who is
 * this?") and the per-listener actions their results lead to. Each check
 * produces a proof (a result and a reason); the actions decide what
 * happens to the session's mail. SPF (RFC 7208) for the HELO and the
 * MAIL FROM identities lives here.
 */
#ifndef VOUCH_VOUCHD_CHECKS_H
#define VOUCH_VOUCHD_CHECKS_H

#include "auth/spf.h"
#include "config/config.h"
#include "util/str.h"

struct smtpd_sess;
struct smtp_session;
struct smtp_mail_args;
struct spf_check;

/* A check's proof as it stands for the session. */
struct checks_spf {
	struct spf_check *chk;		/* running, or NULL */
	int started, done;
	struct spf_outcome out;		/* valid when done */
};

struct checks {
	struct checks_spf helo;		/* identity: the HELO name */
	struct checks_spf mail;		/* identity: the MAIL FROM domain */
	int verdict;			/* enum config_action for this transaction */
	char why[300];			/* the reason behind the verdict */
};

/* HELO/EHLO: begin the checks that need only the name. */
void checks_helo(struct smtpd_sess *ss, struct smtp_session *s, const char *name, int is_domain);
/*
 * MAIL: run the sender's checks, then decide the command (asynchronously).
 * from is the reverse-path text ("" for <>). The caller has done its own
 * checks already; this ends with smtp_session_decide().
 */
void checks_mail(struct smtpd_sess *ss, struct smtp_session *s, const char *from);
/* Cancel whatever is running (transaction end, session end). */
void checks_reset_txn(struct smtpd_sess *ss);
void checks_free(struct smtpd_sess *ss);
/* Append Authentication-Results and Received-SPF for this transaction. */
void checks_headers(struct smtpd_sess *ss, struct smtp_session *s, struct strbuf *out);
/* 1 if an Authentication-Results/Received-SPF field claims to be ours. */
int checks_forged_header(const struct smtpd_sess *ss, const char *field, size_t len);

#endif
