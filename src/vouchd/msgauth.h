/*
 * msgauth: what an inbound message proves by itself (issue 16): its DKIM
 * signatures, its ARC chain (validated in the same pass, RFC 8617) and
 * DMARC for its From domain, gathered while it streams in.
 *
 *	ss->ma = msgauth_new(d, sid, cfg);    // DATA: NULL when both are off
 *	msgauth_feed(ss->ma, p, n);           // the octets as received
 *	msgauth_from(ss->ma, value, len);     // each From field (the judge)
 *	msgauth_end(ss->ma, sess, msg, done); // end of data
 *	static void done(struct vouchd *d, uint64_t sid) {
 *		... find the session by sid ...
 *		msgauth_proofs(ss->ma, add, g);   // PROOF_DKIM..., PROOF_DMARC
 *		msgauth_authres(ss->ma, hostname, &trace);
 *		msgauth_report(ss->ma, &v, client_ip, rcpt_domain);  // DMARC aggregate reports
 *		msgauth_free(ss->ma);
 *	}
 *
 * DKIM keys are looked up through the daemon's DNS client as soon as the
 * header section is complete, and the DMARC policy as soon as the From
 * field is seen, so both run while the body arrives; nothing reads the
 * spool file again. DMARC is evaluated at the end, with the transaction's
 * SPF proof and the DKIM results.
 *
 * The check belongs to the session: msgauth_free() at any time cancels
 * what is in flight and done never comes. done comes once, from the event
 * loop, with the session's id (STYLE 8), never from inside msgauth_end.
 */
#ifndef VOUCH_VOUCHD_MSGAUTH_H
#define VOUCH_VOUCHD_MSGAUTH_H

#include <stddef.h>
#include <stdint.h>

#include "auth/arc.h"
#include "auth/proofs.h"
#include "util/str.h"

struct vouchd;
struct config;
struct msgauth;

typedef void (*msgauth_cb)(struct vouchd *d, uint64_t sid);

/* The daemon's part: the Public Suffix List DMARC needs (loaded at
 * startup, without it DMARC is off and the log says why; read again on
 * each reload). */
void msgauth_service_start(struct vouchd *d);
/* SIGHUP: the suffix list read again; one that does not load keeps the old. */
void msgauth_service_reload(struct vouchd *d);
void msgauth_service_stop(struct vouchd *d);

/* A message's checks under cfg (borrowed: the session holds it); NULL
 * when dkim_verify and dmarc_verify are both off. */
struct msgauth *msgauth_new(struct vouchd *d, uint64_t sid, const struct config *cfg);
/* Message octets as received (dot-unstuffed). NULL-safe. */
void msgauth_feed(struct msgauth *m, const char *p, size_t n);
/* The value of a From header field (after the colon). NULL-safe. */
void msgauth_from(struct msgauth *m, const char *value, size_t len);
/* End of data: sess and msg are the proofs so far (SPF of the return path
 * and of HELO), read now. done follows once the answers are in. */
void msgauth_end(
    struct msgauth *m, const struct proofs *sess, const struct proofs *msg, msgauth_cb done);
/* After done: each proof, one per DKIM signature, one for ARC (arc_verify)
 * and one for DMARC. */
void
msgauth_proofs(const struct msgauth *m, void (*add)(void *arg, const struct proof *p), void *arg);
/* The client's address, for the arc entry's smtp.remote-ip. NULL-safe. */
void msgauth_remote(struct msgauth *m, const char *client_ip);
/* After done: the end-of-data verdict let a trusted ARC chain stand for a
 * DMARC failure (policy/verdict.h, VERDICT_RULE_ARC); sealer is the
 * chain's newest, named in the dmarc entry. NULL-safe. */
void msgauth_arc_override(struct msgauth *m, const char *sealer);
/* After done: our Authentication-Results field for them, appended to out. */
void msgauth_authres(const struct msgauth *m, const char *authserv_id, struct strbuf *out);
/* After done: record the DMARC result for the policy domain's aggregate
 * report (dmarcrep.h), as seen from source_ip, to envelope_to's domain
 * (may be NULL), with what the end-of-data verdict v did with it
 * (policy_dmarc_applied()). Nothing when DMARC was not evaluated, or
 * when v is a 4xx (the retry is counted). NULL-safe. */
struct verdict;
void msgauth_report(const struct msgauth *m, const struct verdict *v, const char *source_ip,
    const char *envelope_to);
/* After done: the ARC chain as it arrived (none without one, or when it
 * was not checked), what a seal of ours says of it. */
enum arc_cv msgauth_arc_cv(const struct msgauth *m);
/* Cancel and free. NULL-safe. */
void msgauth_free(struct msgauth *m);

#endif
