/*
 * outsign: what vouchd adds to mail that leaves it (issue 16): DKIM
 * signatures on its own mail (authenticated submission, and messages
 * vouchd writes itself) and an ARC set on mail it forwards (an alias to a
 * remote address, relaying for an authenticated user). Both are made
 * once, when the message is queued, from the octets as they stream into
 * the spool file -- no second pass over it -- and kept in the envelope
 * (envelope.h "out_head"), so every delivery attempt sends the same.
 *
 *	o = outsign_new(d, cfg, sign, seal);   // DATA: NULL when nothing applies
 *	outsign_skip(o, n);                     // octets of the spool not sent
 *	outsign_feed(o, p, n);                  // everything written to the spool
 *	outsign_finish(o, &m, &head);           // before the commit: the fields
 *	outsign_free(o);
 *
 * What is signed is what leaves: the spool file from after our own
 * Authentication-Results field (outbound.c does not send it). The keys
 * are the daemon's (d->dkim_sign, d->dkim_seal), loaded with the tables;
 * a sealing key never DKIM-signs. Which keys sign: those of the From
 * domain (or its nearest parent with keys), else those of the envelope
 * sender's domain; none, nothing is signed.
 */
#ifndef VOUCH_VOUCHD_OUTSIGN_H
#define VOUCH_VOUCHD_OUTSIGN_H

#include <stddef.h>
#include <stdint.h>

#include "auth/arc.h"
#include "util/str.h"

struct vouchd;
struct config;
struct outsign;

/* Load dkim_sign_keys, arc_seal_key and the SRS keys (making the SRS key
 * file when it is missing) into d, replacing what was there. 0, or -1
 * with every problem in err (d unchanged). */
int outsign_load(struct vouchd *d, const struct config *cfg, char *err, size_t errsz);
/* Free the keys. */
void outsign_unload(struct vouchd *d);

/* A message's signer (sign: DKIM-sign it when keys fit; seal: add an ARC
 * set); NULL when neither can happen with the keys loaded. */
struct outsign *outsign_new(struct vouchd *d, const struct config *cfg, int sign, int seal);
/* The next n octets fed are not sent (our own Authentication-Results). */
void outsign_skip(struct outsign *o, size_t n);
/* Spool octets, in order. NULL-safe. */
void outsign_feed(struct outsign *o, const char *p, size_t n);

struct outsign_msg {
	uint64_t sid;        /* for logs; 0 for messages of our own */
	const char *qid;     /* for logs */
	const char *sender;  /* the envelope sender ("" for <>) */
	const char *authres; /* the AAR payload: "authserv-id; results" (CRLF-folded) */
	enum arc_cv arc_cv;  /* the ARC chain on arrival (none without one) */
};

/*
 * End of the message: append to head the fields that go on top of it
 * (an ARC set, then DKIM signatures), or nothing. A key that cannot sign,
 * or a message that cannot be sealed, is logged and the message goes
 * without; the count of fields sets made (0, 1 or 2) is returned.
 */
int outsign_finish(struct outsign *o, const struct outsign_msg *m, struct strbuf *head);
void outsign_free(struct outsign *o);

#endif
