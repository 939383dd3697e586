/*
 * dkim_verify_int: the verifier's insides, shared by dkim_verify.c (DKIM
 * signatures, keys, body hashes) and arc_verify.c (the ARC chain). Not
 * for other modules.
 */
#ifndef VOUCH_AUTH_DKIM_VERIFY_INT_H
#define VOUCH_AUTH_DKIM_VERIFY_INT_H

#include "auth/arc.h"
#include "auth/dkim_canon.h"
#include "auth/dkim_hdr.h"
#include "auth/dkim_key.h"
#include "auth/dkim_sig.h"
#include "auth/dkim_verify.h"

/* A signature being evaluated: a DKIM-Signature, an AMS or an AS. */
struct vsig {
	struct dkim_sig sig;
	enum dkim_result result;
	enum dkim_reason reason;
	char detail[160];
	int decided; /* result known without the key (syntax, rsa-sha1, x=, limits) */
	long field;  /* its field in the header section */
	int key;     /* index in keys, -1 when none is needed */
	int body;    /* index in bodies, -1 for an AS */
	uint8_t hdigest[32];
	unsigned key_bits;
	enum dns_sec key_sec;
	int key_testing;
};

struct vkey {
	char name[DKIM_DOMAIN_MAX + 1];
	int answered;
	struct dkim_pubkey pk;   /* pk.pkey NULL unless the record parsed */
	enum dkim_result result; /* for a record that could not be had */
	enum dkim_reason reason;
	enum dns_sec sec;
	char detail[160];
};

struct vbody {
	enum dkim_canon canon;
	int has_limit;
	unsigned long long limit;
	struct dkim_bodyhash h;
};

struct dkim_verify {
	struct dkim_verify_opts o;
	struct dkim_hdr hdr;
	int header_done, ended, computed;
	struct vsig **sigs; /* DKIM ones first (ndkim), then the ARC ones */
	size_t nsigs, capsigs, ndkim;
	unsigned skipped;
	struct vkey *keys;
	size_t nkeys;
	/* one allocation each: a body hash's canonicalizer points at the
	 * hash itself (its sink's argument), so a hash may never move */
	struct vbody **bodies;
	size_t nbodies;
	struct dkim_sig_result *results;
	/* ARC (arc_verify.c) */
	struct arc_chain chain;
	struct arc_result arc;
	struct arc_set *sets; /* sets[0] is instance 1 */
	long ams_sig;         /* index in sigs of AMS(N), or -1 */
	long as_sig[ARC_MAX_INSTANCES + 1];
};

/* Add a signature of kind from header field index field; returns it. */
struct vsig *dkim_verify_add(struct dkim_verify *v, enum dkim_sig_kind kind, long field);
/* Parse a DKIM-Signature or AMS, decide what needs no key, hash its
 * header fields, attach its key and body hash. */
void dkim_verify_prepare(struct dkim_verify *v, struct vsig *s);
/* Decide a signature now (no key needed). */
void
dkim_verify_decide(struct vsig *s, enum dkim_result r, enum dkim_reason why, const char *detail);
/* Give s its key (by name), respecting the lookup limit. */
void dkim_verify_need_key(struct dkim_verify *v, struct vsig *s);
/* Judge s with its key and body hash (after both are in). */
void dkim_verify_judge(struct dkim_verify *v, struct vsig *s);
/* Fill a public result from s. */
void dkim_verify_fill(const struct vsig *s, struct dkim_sig_result *r);

/* arc_verify.c: after the header section, and after the signatures are judged. */
void arc_verify_header(struct dkim_verify *v);
void arc_verify_decide(struct dkim_verify *v);

#endif
