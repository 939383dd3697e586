/*
 * dkim_verify: verifying every DKIM signature of a message, and its ARC
 * chain, in one pass over the message as it is received. A pure state
 * machine: message octets in, key record names out, DNS answers in,
 * typed results out. It never does I/O; dkim_check.h drives it over
 * vouch's DNS client, tests and benchmarks feed it answers themselves.
 *
 *	v = dkim_verify_new(&opts);
 *	dkim_verify_feed(v, chunk, n);      // as data arrives, header and body
 *	if (dkim_verify_header_done(v))     // keys can be fetched from here on,
 *		for (i = 0; i < dkim_verify_nkeys(v); i++)   // while the body streams
 *			lookup(dkim_verify_key_name(v, i)) -> dkim_verify_key_answer(v, i, res);
 *	dkim_verify_end(v);                 // end of data
 *	if (dkim_verify_done(v))            // every key answered
 *		... dkim_verify_result(v, i), dkim_verify_arc(v) ...
 *	dkim_verify_free(v);
 *
 * Memory is bounded: the header section up to max_header octets (the
 * body is hashed as it passes, never kept), at most max_signatures
 * DKIM-Signature fields and max_key_lookups distinct key names.
 * Signatures sharing a body canonicalization and l= share one body hash.
 */
#ifndef VOUCH_AUTH_DKIM_VERIFY_H
#define VOUCH_AUTH_DKIM_VERIFY_H

#include <stddef.h>

#include "auth/arc.h"
#include "auth/dkim.h"
#include "dns/dns.h"

struct dkim_keycache;

struct dkim_verify_opts {
	long long now;            /* seconds since 1970 for t= and x=; 0: the clock */
	unsigned max_signatures;  /* DKIM-Signature fields evaluated; 0: 8 */
	unsigned max_key_lookups; /* distinct key names fetched, DKIM and ARC; 0: 16 */
	size_t max_header;        /* header section octets kept; 0: 256 KiB */
	unsigned min_rsa_bits;    /* smaller RSA keys fail; 0 and anything under 1024: 1024 */
	long long clock_skew;     /* seconds t= may lie ahead; 0: 300; -1: t= not checked */
	int partial_body_pass;    /* l= leaving part of the body unsigned: pass, not policy */
	int arc;                  /* validate the ARC chain too */
	/* parsed key records kept across messages (dkim_key.h), or NULL; borrowed */
	struct dkim_keycache *keycache;
};

struct dkim_verify;

/* A verifier for one message. opts is copied. Free with dkim_verify_free(). */
struct dkim_verify *dkim_verify_new(const struct dkim_verify_opts *opts);
void dkim_verify_free(struct dkim_verify *v);

/* Message octets as received (after dot-unstuffing), any chunking. */
void dkim_verify_feed(struct dkim_verify *v, const char *p, size_t n);
/* True once the header section is complete (the key list is then known). */
int dkim_verify_header_done(const struct dkim_verify *v);
/* Distinct key records to fetch, known once the header is done. */
size_t dkim_verify_nkeys(const struct dkim_verify *v);
/* The TXT name of key i: "selector._domainkey.domain". */
const char *dkim_verify_key_name(const struct dkim_verify *v, size_t i);
/* The DNS answer for key i (borrowed for the call; the caller frees it). */
void dkim_verify_key_answer(struct dkim_verify *v, size_t i, const struct dns_result *res);
/* True once key i has its answer. */
int dkim_verify_key_answered(const struct dkim_verify *v, size_t i);
/* End of the message. */
void dkim_verify_end(struct dkim_verify *v);
/* True once the message has ended and every key is answered: results are final. */
int dkim_verify_done(const struct dkim_verify *v);

/* Results, one per DKIM-Signature evaluated, in header order (top first). */
size_t dkim_verify_nresults(const struct dkim_verify *v);
const struct dkim_sig_result *dkim_verify_result(const struct dkim_verify *v, size_t i);
/* DKIM-Signature fields past max_signatures, not evaluated. */
unsigned dkim_verify_skipped(const struct dkim_verify *v);
/* The message's summary: pass if any signature passed, else the best
 * result found ... none when unsigned. */
enum dkim_result dkim_verify_summary(const struct dkim_verify *v);
/* The ARC chain (opts.arc); status none without ARC sets. */
const struct arc_result *dkim_verify_arc(const struct dkim_verify *v);
/* ARC set of instance i (1..instances), or NULL. */
const struct arc_set *dkim_verify_arc_set(const struct dkim_verify *v, unsigned i);

#endif
