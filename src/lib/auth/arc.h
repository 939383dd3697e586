/*
 * arc: Authenticated Received Chain (RFC 8617): the ARC sets of a message
 * (ARC-Authentication-Results, ARC-Message-Signature, ARC-Seal by
 * instance), their structural rules, the hash an ARC-Seal signs, and the
 * typed result of validating a chain. Validation itself runs inside the
 * DKIM verifier (dkim_verify.h, opts.arc), over the same stream, body
 * hashes and key lookups; sealing is arc_seal.h.
 */
#ifndef VOUCH_AUTH_ARC_H
#define VOUCH_AUTH_ARC_H

#include <stddef.h>
#include <stdint.h>

#include "auth/dkim.h"
#include "auth/dkim_hdr.h"
#include "auth/dkim_sig.h"

/* Octets of an ARC-Authentication-Results payload kept per set. */
#define ARC_AAR_MAX 512

/* The ARC fields of a header section, by instance (RFC 8617 5.2, 1-4). */
struct arc_chain {
	unsigned n; /* highest instance found; 0: no ARC fields */
	long aar[ARC_MAX_INSTANCES + 1], ams[ARC_MAX_INSTANCES + 1], as[ARC_MAX_INSTANCES + 1];
	enum arc_cv last_cv; /* cv= of the highest ARC-Seal */
	int ok;              /* structurally sound: every instance 1..n once, cv= as 5.2 says */
	char why[160];       /* why not */
};

/* One ARC set of a validated message, for policy and logs. */
struct arc_set {
	unsigned instance;
	enum arc_cv cv;                          /* its ARC-Seal's cv= */
	char seal_domain[DKIM_DOMAIN_MAX + 1];   /* the sealer: ARC-Seal d= */
	char seal_selector[DKIM_DOMAIN_MAX + 1]; /* ARC-Seal s= */
	enum dkim_result seal_result;            /* its seal verified (NONE: not checked) */
	char ams_domain[DKIM_DOMAIN_MAX + 1];    /* ARC-Message-Signature d= */
	char aar[ARC_AAR_MAX + 1]; /* "authserv-id; results" the sealer saw, unfolded */
};

/* The chain's validation (RFC 8617 5.2). */
struct arc_result {
	enum arc_cv status;         /* none (no sets), pass, fail */
	unsigned instances;         /* sets on the message */
	unsigned failed;            /* instance whose AMS or AS failed, 0 if none or structural */
	enum dkim_reason reason;    /* that signature's reason (DKIM_R_OK otherwise) */
	char detail[200];           /* a sentence for people */
	struct dkim_sig_result ams; /* AMS(N)'s own result (result NONE without a chain) */
};

/*
 * Find the ARC fields of h and check the chain's structure. Always fills
 * *c; returns 0 when there are no ARC fields or they are sound, -1 when
 * the chain is broken (c->why says how; the chain is then "fail").
 */
int arc_chain_collect(const struct dkim_hdr *h, struct arc_chain *c);
/*
 * Read the instance of an ARC-Authentication-Results value ("i=N;" then
 * the payload). 0 with *inst and the payload's offset, or -1.
 */
int arc_aar_instance(const char *value, size_t len, unsigned *inst, size_t *payload_off);
/*
 * Feed into md (dkim_hash_new()) the ARC sets 1..upto of c, in the order
 * an ARC-Seal signs them: AAR, AMS, AS of each instance, relaxed, each
 * with its CRLF (RFC 8617 5.1.1).
 */
void arc_hash_sets(void *md, const struct dkim_hdr *h, const struct arc_chain *c, unsigned upto);
/* Copy an AAR's payload, unfolded and cut to ARC_AAR_MAX, into out. */
void arc_aar_copy(const char *value, size_t len, char out[ARC_AAR_MAX + 1]);

#endif
