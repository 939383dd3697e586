/*
 * dkim_key: DKIM key records (RFC 6376 3.6.1, RFC 8463 4) and the public
 * keys in them. Pure: TXT text in, a usable public key (an OpenSSL
 * EVP_PKEY) or a typed reason out; no DNS here (dkim_check.h fetches).
 *
 * p= holds an RSA key as DER SubjectPublicKeyInfo (what every signer
 * publishes) or as a bare RSAPublicKey (RFC 6376's letter), or an Ed25519
 * key as its 32 raw octets (RFC 8463 4).
 */
#ifndef VOUCH_AUTH_DKIM_KEY_H
#define VOUCH_AUTH_DKIM_KEY_H

#include <openssl/evp.h>
#include <stddef.h>

#include "auth/dkim.h"

struct dkim_pubkey {
	enum dkim_keytype type;
	int sha256_ok;  /* h= absent or names sha256 */
	int email_ok;   /* s= absent, "*" or "email" */
	int testing;    /* t=y */
	int strict;     /* t=s: i= must not be a subdomain of d= */
	unsigned bits;  /* RSA modulus length; 256 for Ed25519 */
	EVP_PKEY *pkey; /* owned; NULL until parsed */
};

/*
 * Parse a key record txt[0..len) into *out (which it first clears).
 * Returns 0, or -1 with *why (DKIM_R_KEY_SYNTAX, _REVOKED, _TYPE,
 * _TOO_LONG) and a reason in err. Free with dkim_pubkey_clear().
 */
int dkim_key_parse(const char *txt, size_t len, struct dkim_pubkey *out, enum dkim_reason *why,
    char *err, size_t errsz);
/* Release the key; *k is zeroed. NULL-safe. */
void dkim_pubkey_clear(struct dkim_pubkey *k);

/*
 * A cache of parsed key records, by their exact text, owned by whoever
 * verifies (vouchd: one for its event loop; not thread-safe). Reading an
 * RSA key from its DER costs OpenSSL 3 140-170 us, six times the
 * signature check itself (bench/README.md "DKIM"), and a busy receiver
 * sees the same few keys all day. Keyed by the text the DNS answer
 * carried, so a changed or revoked record is parsed anew, and TTLs stay
 * the resolver's business. Only records that parse are kept; at most max
 * (the oldest goes first).
 */
struct dkim_keycache;

struct dkim_keycache *dkim_keycache_new(size_t max);
void dkim_keycache_free(struct dkim_keycache *c); /* NULL-safe */
/* dkim_key_parse() through c (NULL: no cache): a record parsed before
 * gives the same key (a new reference, released by dkim_pubkey_clear). */
int dkim_key_parse_cached(struct dkim_keycache *c, const char *txt, size_t len,
    struct dkim_pubkey *out, enum dkim_reason *why, char *err, size_t errsz);
/* Records parsed and found (for tests). */
void dkim_keycache_stats(
    const struct dkim_keycache *c, unsigned long long *parsed, unsigned long long *hits);

#endif
