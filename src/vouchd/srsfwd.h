/*
 * srsfwd: the Sender Rewriting Scheme in vouchd (issue 16, srs.h). Mail
 * vouchd forwards to a remote address (an alias, a bounce coming back)
 * leaves with its envelope sender rewritten into the SRS domain, so it
 * keeps passing SPF at the next hop; recipients that are SRS addresses
 * of ours are reversed to the address they stand for and the mail is
 * forwarded there. Off (nothing rewritten, SRS addresses are ordinary
 * local parts) when srs = no.
 */
#ifndef VOUCH_VOUCHD_SRSFWD_H
#define VOUCH_VOUCHD_SRSFWD_H

#include <stddef.h>

#include "auth/srs.h"
#include "queue/envelope.h"

struct vouchd;
struct config;

/* True if local@domain is an SRS address for us to reverse: SRS on, the
 * local part SRS0/SRS1, the domain the SRS domain or a local one. */
int srsfwd_is_ours(
    const struct vouchd *d, const struct config *cfg, const char *local, const char *domain);
/* Reverse addr (local@domain) into out: SRS_OK or the reason it fails. */
enum srs_status srsfwd_reverse(
    const struct vouchd *d, const struct config *cfg, const char *addr, char *out, size_t outsz);
/*
 * The sender forwarded copies of env get (env->srs_sender): the SRS form
 * of env->sender when a recipient is forwarded (remote, reached through a
 * local address) and the sender is neither <> nor in a local domain,
 * unless mail goes through a relayhost we log in to; NULL otherwise
 * (caller frees). Logs what it did under qid.
 */
char *srsfwd_sender(const struct vouchd *d, const struct config *cfg, const struct envelope *env);
/* True if recipient r of an envelope was forwarded (its copy goes out
 * with srs_sender when there is one). */
int srsfwd_forwarded(const struct env_rcpt *r);

#endif
