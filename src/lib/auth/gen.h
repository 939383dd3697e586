/*
 * gen: software generations, the XGEN protocol of DESIGN 5.2 (specified
 * in docs/protocol.md). An authority makes a hash chain c_0 (secret),
 * c_{n+1} = SHA-256(c_n), up to c_N, and releases one generation per
 * period going down: a lower number is newer. An MTA is configured with
 * one generation g and its cookie c_g, and accepts peers up to a
 * tolerance X generations older. Pure apart from the random seed.
 */
#ifndef VOUCH_AUTH_GEN_H
#define VOUCH_AUTH_GEN_H

#include <stddef.h>
#include <stdint.h>

#define GEN_COOKIE_LEN 32 /* SHA-256 */
#define GEN_COOKIE_HEX (2 * GEN_COOKIE_LEN)
#define GEN_MAX 1000000 /* bounds the hashing any one check can cost */

enum gen_result {
	GEN_NONE = 0, /* no XGEN given (or none configured) */
	GEN_CURRENT,  /* the peer's generation is ours */
	GEN_NEWER,    /* the peer is newer than us, and proves it */
	GEN_OLDER,    /* older, within the tolerance */
	GEN_TOO_OLD,  /* older than the tolerance allows */
	GEN_INVALID,  /* the cookie does not belong to the chain */
	GEN_TOO_NEW,  /* newer than max_newer allows: not checked (it would cost too much) */
};

/*
 * Cookies already proven, so a claim repeated by many sessions costs a
 * comparison: each generation has exactly one cookie, so a cached one also
 * refutes a different cookie for it at once. Caller-owned, zero it first.
 */
#define GEN_CACHE_SLOTS 16
struct gen_cache {
	struct {
		long long g; /* -1 = empty */
		uint8_t cookie[GEN_COOKIE_LEN];
		unsigned long long used;
	} slot[GEN_CACHE_SLOTS];
	unsigned long long tick;
	long long g; /* the generation and cookie they were proven against */
	uint8_t cg[GEN_COOKIE_LEN];
	int ready;
};

const char *gen_result_name(enum gen_result r);
/* A fresh secret c_0 from the CSPRNG; 0 or -1. */
int gen_seed_new(uint8_t c0[GEN_COOKIE_LEN]);
/* c_g from c_0 (g hashes); -1 if g > GEN_MAX. */
int gen_cookie(const uint8_t c0[GEN_COOKIE_LEN], long long g, uint8_t out[GEN_COOKIE_LEN]);
/* Hex and back (lower-case hex, exactly 64 digits). */
void gen_hex(const uint8_t c[GEN_COOKIE_LEN], char out[GEN_COOKIE_HEX + 1]);
int gen_unhex(const char *hex, size_t len, uint8_t out[GEN_COOKIE_LEN]);
/*
 * Judge a peer's "XGEN <g'> <cookie>" against our generation g with
 * cookie c_g and tolerance: the rules of DESIGN 5.2. A peer more than
 * max_newer generations newer is GEN_TOO_NEW without hashing, as one more
 * than tolerance older is GEN_TOO_OLD: no claim costs more than
 * max(tolerance, max_newer) hashes.
 */
enum gen_result gen_verify(long long g, const uint8_t cg[GEN_COOKIE_LEN], long long tolerance,
    long long max_newer, long long peer_g, const uint8_t peer_cookie[GEN_COOKIE_LEN]);
/* The same, answered from cache (and remembered there) when it can be. */
enum gen_result gen_verify_cached(struct gen_cache *cache, long long g,
    const uint8_t cg[GEN_COOKIE_LEN], long long tolerance, long long max_newer, long long peer_g,
    const uint8_t peer_cookie[GEN_COOKIE_LEN]);
/* Parse the argument of XGEN: "<g> <64 hex digits>"; 0 or -1. */
int gen_parse(const char *arg, size_t len, long long *g, uint8_t cookie[GEN_COOKIE_LEN]);

#endif
