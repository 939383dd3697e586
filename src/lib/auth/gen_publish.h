/*
 * gen_publish: how an authority publishes the next software generation
 * (docs/protocol.md "Publishing generations"), so MTAs need not have
 * their configuration edited each period. The authority signs each
 * release with an Ed25519 key and publishes it as one DNS TXT record at
 * a name it chooses:
 *
 *     "v=vouchgen1; g=<generation>; c=<cookie, 64 hex digits>; s=<signature>"
 *
 * s is the base64 (RFC 4648 4, with padding) of the Ed25519 signature
 * (RFC 8032) of the octets "vouchgen1:<g>:<cookie in lower-case hex>".
 * An MTA takes a release only when the signature verifies with the
 * authority's public key, it is newer than the generation it holds, and
 * its cookie hashes to the held one (the chain itself proves it follows
 * on): a stolen key cannot start another chain, a replayed old record
 * changes nothing. Pure apart from OpenSSL.
 */
#ifndef VOUCH_AUTH_GEN_PUBLISH_H
#define VOUCH_AUTH_GEN_PUBLISH_H

#include <stddef.h>
#include <stdint.h>

#include "auth/gen.h"

typedef struct evp_pkey_st EVP_PKEY;

#define GEN_PUBLISH_MAX 255 /* one TXT string */

enum gen_publish_result {
	GEN_PUBLISH_NEWER = 0,   /* a valid newer release: take it */
	GEN_PUBLISH_SAME,        /* the generation held (or an older one): nothing new */
	GEN_PUBLISH_SYNTAX,      /* not a vouchgen1 record */
	GEN_PUBLISH_BAD_SIG,     /* the signature does not verify */
	GEN_PUBLISH_NOT_CHAINED, /* newer, signed, but not on our chain */
	GEN_PUBLISH_TOO_FAR,     /* newer by more than max_step: not hashed */
};

const char *gen_publish_result_name(enum gen_publish_result r);
/* An Ed25519 key from a PEM file (private or public); NULL with err. */
EVP_PKEY *gen_publish_key_load(const char *path, int private_key, char *err, size_t errsz);
/* The TXT record's text for (g, c) signed with priv; 0 or -1. */
int gen_publish_format(
    EVP_PKEY *priv, long long g, const uint8_t c[GEN_COOKIE_LEN], char *out, size_t outsz);
/*
 * Judge a TXT record (txt, len) against what we hold (g, c): with
 * GEN_PUBLISH_NEWER, *new_g and new_c hold the release (*new_g is the
 * generation claimed for any result but GEN_PUBLISH_SYNTAX). max_step bounds
 * the hashing (the generations a release may skip). why gets a reason.
 */
enum gen_publish_result gen_publish_judge(EVP_PKEY *pub, const char *txt, size_t len, long long g,
    const uint8_t c[GEN_COOKIE_LEN], long long max_step, long long *new_g,
    uint8_t new_c[GEN_COOKIE_LEN], char *why, size_t whysz);

#endif
