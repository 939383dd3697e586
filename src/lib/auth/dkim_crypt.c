/*
 * dkim_crypt: signatures and keys on OpenSSL (see dkim_crypt.h).
 */
#include "auth/dkim_crypt.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <string.h>

#include "util/str.h"

enum dkim_alg
dkim_crypt_alg(EVP_PKEY *k)
{
	switch (EVP_PKEY_get_base_id(k)) {
	case EVP_PKEY_RSA: return DKIM_ALG_RSA_SHA256;
	case EVP_PKEY_ED25519: return DKIM_ALG_ED25519_SHA256;
	default: return DKIM_ALG_NONE;
	}
}

int
dkim_crypt_verify(
    EVP_PKEY *pk, enum dkim_alg alg, const uint8_t digest[32], const uint8_t *sig, size_t siglen)
{
	int ok = 0;

	if (alg == DKIM_ALG_RSA_SHA256 && EVP_PKEY_get_base_id(pk) == EVP_PKEY_RSA) {
		EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pk, NULL);
		ok = ctx && EVP_PKEY_verify_init(ctx) == 1 &&
		    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1 &&
		    EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) == 1 &&
		    EVP_PKEY_verify(ctx, sig, siglen, digest, 32) == 1;
		EVP_PKEY_CTX_free(ctx);
	} else if (alg == DKIM_ALG_ED25519_SHA256 && EVP_PKEY_get_base_id(pk) == EVP_PKEY_ED25519) {
		EVP_MD_CTX *md = EVP_MD_CTX_new();
		ok = md && siglen == 64 && EVP_DigestVerifyInit(md, NULL, NULL, NULL, pk) == 1 &&
		    EVP_DigestVerify(md, sig, siglen, digest, 32) == 1;
		EVP_MD_CTX_free(md);
	}
	ERR_clear_error();
	return ok;
}

int
dkim_crypt_sign(
    EVP_PKEY *sk, enum dkim_alg alg, const uint8_t digest[32], uint8_t *sig, size_t *siglen)
{
	int ok = 0;
	size_t room = *siglen;

	if (alg == DKIM_ALG_RSA_SHA256 && EVP_PKEY_get_base_id(sk) == EVP_PKEY_RSA) {
		EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(sk, NULL);
		ok = ctx && EVP_PKEY_sign_init(ctx) == 1 &&
		    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1 &&
		    EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) == 1 &&
		    EVP_PKEY_sign(ctx, NULL, siglen, digest, 32) == 1 && *siglen <= room &&
		    EVP_PKEY_sign(ctx, sig, siglen, digest, 32) == 1;
		EVP_PKEY_CTX_free(ctx);
	} else if (alg == DKIM_ALG_ED25519_SHA256 && EVP_PKEY_get_base_id(sk) == EVP_PKEY_ED25519) {
		EVP_MD_CTX *md = EVP_MD_CTX_new();
		ok = md && room >= 64 && EVP_DigestSignInit(md, NULL, NULL, NULL, sk) == 1 &&
		    EVP_DigestSign(md, sig, siglen, digest, 32) == 1;
		EVP_MD_CTX_free(md);
	}
	ERR_clear_error();
	return ok ? 0 : -1;
}

EVP_PKEY *
dkim_crypt_private(const char *text, size_t len, enum dkim_alg *alg, char *err, size_t errsz)
{
	EVP_PKEY *k = NULL;

	if (len > 64 * 1024) {
		str_fmt(err, errsz, "key file over 64 KiB");
		return NULL;
	}
	if (memmem(text, len, "-----BEGIN", 10)) {
		BIO *bio = BIO_new_mem_buf(text, (int)len);
		if (bio)
			k = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
		BIO_free(bio);
	} else {
		uint8_t seed[48];
		long n = dkim_b64_decode(text, len, seed, sizeof(seed));
		if (n == 32)
			k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32);
		memset(seed, 0, sizeof(seed));
	}
	ERR_clear_error();
	if (k == NULL) {
		str_fmt(err, errsz, "not a PEM private key nor a base64 Ed25519 seed");
		return NULL;
	}
	*alg = dkim_crypt_alg(k);
	if (*alg == DKIM_ALG_NONE) {
		str_fmt(err, errsz, "not an RSA or Ed25519 key");
		EVP_PKEY_free(k);
		return NULL;
	}
	if (*alg == DKIM_ALG_RSA_SHA256 &&
	    (EVP_PKEY_get_bits(k) < DKIM_RSA_MIN_BITS ||
	        EVP_PKEY_get_bits(k) > DKIM_RSA_MAX_BITS)) {
		str_fmt(err, errsz, "%d-bit RSA key (%d to %d allowed)", EVP_PKEY_get_bits(k),
		    DKIM_RSA_MIN_BITS, DKIM_RSA_MAX_BITS);
		EVP_PKEY_free(k);
		return NULL;
	}
	return k;
}

EVP_PKEY *
dkim_crypt_keygen(enum dkim_keytype type, unsigned bits)
{
	EVP_PKEY *k = NULL;
	EVP_PKEY_CTX *ctx;

	if (type == DKIM_KEY_ED25519) {
		ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL);
		if (ctx == NULL || EVP_PKEY_keygen_init(ctx) != 1 || EVP_PKEY_keygen(ctx, &k) != 1)
			k = NULL;
	} else {
		if (bits < DKIM_RSA_MIN_BITS || bits > DKIM_RSA_MAX_BITS)
			return NULL;
		ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_RSA, NULL);
		if (ctx == NULL || EVP_PKEY_keygen_init(ctx) != 1 ||
		    EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, (int)bits) != 1 ||
		    EVP_PKEY_keygen(ctx, &k) != 1)
			k = NULL;
	}
	EVP_PKEY_CTX_free(ctx);
	ERR_clear_error();
	return k;
}

int
dkim_crypt_private_pem(EVP_PKEY *k, struct strbuf *out)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *p;
	long n;
	int rc = -1;

	if (bio && PEM_write_bio_PrivateKey(bio, k, NULL, NULL, 0, NULL, NULL) == 1) {
		n = BIO_get_mem_data(bio, &p);
		if (n > 0)
			rc = strbuf_append(out, p, (size_t)n);
	}
	BIO_free(bio);
	ERR_clear_error();
	return rc;
}

int
dkim_crypt_public_record(EVP_PKEY *k, struct strbuf *out)
{
	unsigned char raw[32], *der = NULL;
	size_t rawlen = sizeof(raw);
	int n, rc = -1;

	switch (dkim_crypt_alg(k)) {
	case DKIM_ALG_RSA_SHA256:
		/* the SubjectPublicKeyInfo, as every verifier reads it */
		n = i2d_PUBKEY(k, &der);
		if (n > 0 && strbuf_puts(out, "v=DKIM1; k=rsa; p=") == 0)
			rc = dkim_b64_encode(der, (size_t)n, out);
		OPENSSL_free(der);
		break;
	case DKIM_ALG_ED25519_SHA256:
		/* RFC 8463 4: the raw 32-octet public key */
		if (EVP_PKEY_get_raw_public_key(k, raw, &rawlen) == 1 && rawlen == 32 &&
		    strbuf_puts(out, "v=DKIM1; k=ed25519; p=") == 0)
			rc = dkim_b64_encode(raw, rawlen, out);
		break;
	default: break;
	}
	ERR_clear_error();
	return rc;
}
