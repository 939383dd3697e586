/*
 * dkim_crypt: the public-key operations of DKIM and ARC, on OpenSSL:
 * signing and verifying the SHA-256 digest of the signed header data
 * (RFC 6376 3.7 with RSASSA-PKCS1-v1_5; RFC 8463 3: Ed25519 signs the
 * digest, PureEdDSA), private keys read from text, keys made, and key
 * records written. No I/O: callers read and write the files.
 */
#ifndef VOUCH_AUTH_DKIM_CRYPT_H
#define VOUCH_AUTH_DKIM_CRYPT_H

#include <openssl/evp.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/dkim.h"
#include "util/str.h"

/* 1 if sig is alg's signature of digest under pk, 0 if not. */
int dkim_crypt_verify(
    EVP_PKEY *pk, enum dkim_alg alg, const uint8_t digest[32], const uint8_t *sig, size_t siglen);
/* Sign digest with sk; *siglen holds the room in sig and gets the length.
 * 0, or -1 (wrong key type, no room). */
int dkim_crypt_sign(
    EVP_PKEY *sk, enum dkim_alg alg, const uint8_t digest[32], uint8_t *sig, size_t *siglen);

/*
 * A private key from text: PEM (PKCS#8, or PKCS#1 "RSA PRIVATE KEY"), or
 * one line of base64 holding a raw 32-octet Ed25519 seed (RFC 8463's
 * example keys, dkimpy's dknewkey). *alg gets the key's algorithm
 * (rsa-sha256 or ed25519-sha256). NULL with a reason in err.
 */
EVP_PKEY *
dkim_crypt_private(const char *text, size_t len, enum dkim_alg *alg, char *err, size_t errsz);
/* A new key: RSA of bits (1024..8192), or Ed25519 (bits ignored). */
EVP_PKEY *dkim_crypt_keygen(enum dkim_keytype type, unsigned bits);
/* The private key as PKCS#8 PEM, appended to out. 0 or -1. */
int dkim_crypt_private_pem(EVP_PKEY *k, struct strbuf *out);
/* The key record to publish: "v=DKIM1; k=rsa; p=..." (RFC 6376 3.6.1,
 * RFC 8463 4), appended to out. 0 or -1. */
int dkim_crypt_public_record(EVP_PKEY *k, struct strbuf *out);
/* The algorithm a key signs with: rsa-sha256, ed25519-sha256, or NONE. */
enum dkim_alg dkim_crypt_alg(EVP_PKEY *k);

#endif
