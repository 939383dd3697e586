/*
 * smtpd: vouchd's side of inbound SMTP sessions. At each stage it has the
 * session's proofs gathered (gather.h), asks the policy engine
 * (policy/verdict.h) and applies the verdict; it writes accepted messages
 * into the queue and answers 250 only once they are durable.
 *
 * The session's state is smtpd's own; the parts other modules keep for a
 * session (its proofs, its submission state) are found from the SMTP
 * session, which async callbacks find by id (smtp_server_find).
 */
#ifndef VOUCH_VOUCHD_SMTPD_H
#define VOUCH_VOUCHD_SMTPD_H

struct vouchd;
struct smtp_server;
struct smtp_session;
struct gather;
struct submit_sess;

/* The server of inbound sessions (smtp_session_ops of vouchd). */
struct smtp_server *smtpd_new(struct vouchd *d);
/* A live session's proof gathering and submission state, or NULL when s
 * is not (or no longer) one of ours. */
struct gather *smtpd_gather(struct smtp_session *s);
struct submit_sess *smtpd_submit(struct smtp_session *s);

#endif
