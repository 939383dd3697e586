/*
 * gen_publish: signed releases of generations (see gen_publish.h).
 */
#include "auth/gen_publish.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <string.h>

#include "util/str.h"

#define SIG_LEN 64 /* Ed25519 */
#define SIG_B64 88

const char *
gen_publish_result_name(enum gen_publish_result r)
{
	switch (r) {
	case GEN_PUBLISH_NEWER: return "newer";
	case GEN_PUBLISH_SAME: return "same";
	case GEN_PUBLISH_SYNTAX: return "syntax";
	case GEN_PUBLISH_BAD_SIG: return "bad-signature";
	case GEN_PUBLISH_NOT_CHAINED: return "not-chained";
	case GEN_PUBLISH_TOO_FAR: return "too-far";
	}
	return "?";
}

EVP_PKEY *
gen_publish_key_load(const char *path, int private_key, char *err, size_t errsz)
{
	BIO *bio = BIO_new_file(path, "r");
	EVP_PKEY *k = NULL;

	if (bio)
		k = private_key ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL)
		                : PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	BIO_free(bio);
	ERR_clear_error();
	if (k == NULL) {
		snprintf(err, errsz, "cannot read a PEM %s key from %.200s",
		    private_key ? "private" : "public", path);
		return NULL;
	}
	if (EVP_PKEY_get_id(k) != EVP_PKEY_ED25519) {
		snprintf(err, errsz, "%.200s is not an Ed25519 key", path);
		EVP_PKEY_free(k);
		return NULL;
	}
	return k;
}

/* What is signed: "vouchgen1:<g>:<hex>". */
static size_t
signed_text(long long g, const uint8_t c[GEN_COOKIE_LEN], char *out, size_t outsz)
{
	char hex[GEN_COOKIE_HEX + 1];

	gen_hex(c, hex);
	return (size_t)snprintf(out, outsz, "vouchgen1:%lld:%s", g, hex);
}

int
gen_publish_format(
    EVP_PKEY *priv, long long g, const uint8_t c[GEN_COOKIE_LEN], char *out, size_t outsz)
{
	char msg[128], hex[GEN_COOKIE_HEX + 1];
	unsigned char sig[SIG_LEN], b64[SIG_B64 + 4];
	size_t siglen = sizeof(sig), n = signed_text(g, c, msg, sizeof(msg));
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int ok = md && EVP_DigestSignInit(md, NULL, NULL, NULL, priv) == 1 &&
	    EVP_DigestSign(md, sig, &siglen, (const unsigned char *)msg, n) == 1 &&
	    siglen == SIG_LEN;

	EVP_MD_CTX_free(md);
	ERR_clear_error();
	if (!ok)
		return -1;
	EVP_EncodeBlock(b64, sig, SIG_LEN);
	gen_hex(c, hex);
	return snprintf(out, outsz, "v=vouchgen1; g=%lld; c=%s; s=%s", g, hex, b64) < (int)outsz
	    ? 0
	    : -1;
}

/* The value of tag in "t=v; t=v" (spaces around ignored); 0 or -1. */
static int
tag(const char *txt, size_t len, const char *name, const char **v, size_t *vl)
{
	size_t i = 0, nl = strlen(name);

	while (i < len) {
		while (i < len && (txt[i] == ' ' || txt[i] == '\t' || txt[i] == ';'))
			i++;
		size_t start = i;
		while (i < len && txt[i] != ';')
			i++;
		size_t end = i;
		while (end > start && (txt[end - 1] == ' ' || txt[end - 1] == '\t'))
			end--;
		if (end - start > nl && memcmp(txt + start, name, nl) == 0 &&
		    txt[start + nl] == '=') {
			*v = txt + start + nl + 1;
			*vl = end - start - nl - 1;
			return 0;
		}
	}
	return -1;
}

enum gen_publish_result
gen_publish_judge(EVP_PKEY *pub, const char *txt, size_t len, long long g,
    const uint8_t c[GEN_COOKIE_LEN], long long max_step, long long *new_g,
    uint8_t new_c[GEN_COOKIE_LEN], char *why, size_t whysz)
{
	const char *v;
	size_t vl;
	char num[24], msg[128];
	unsigned char sig[SIG_B64], b64[SIG_B64 + 1];
	long long ng;

	if (len < 11 || memcmp(txt, "v=vouchgen1", 11) != 0 ||
	    (len > 11 && txt[11] != ';' && txt[11] != ' ')) {
		str_copy(why, whysz, "not a v=vouchgen1 record");
		return GEN_PUBLISH_SYNTAX;
	}
	if (tag(txt, len, "g", &v, &vl) < 0 || vl == 0 || vl >= sizeof(num)) {
		str_copy(why, whysz, "no generation (g=)");
		return GEN_PUBLISH_SYNTAX;
	}
	memcpy(num, v, vl);
	num[vl] = '\0';
	if (str_to_ll(num, 0, GEN_MAX, &ng) < 0) {
		str_copy(why, whysz, "bad generation (g=)");
		return GEN_PUBLISH_SYNTAX;
	}
	if (tag(txt, len, "c", &v, &vl) < 0 || gen_unhex(v, vl, new_c) < 0) {
		str_copy(why, whysz, "no cookie of 64 hex digits (c=)");
		return GEN_PUBLISH_SYNTAX;
	}
	if (tag(txt, len, "s", &v, &vl) < 0 || vl != SIG_B64) {
		str_copy(why, whysz, "no Ed25519 signature (s=, 88 base64 characters)");
		return GEN_PUBLISH_SYNTAX;
	}
	memcpy(b64, v, vl);
	b64[vl] = '\0';
	/* 88 characters decode to 66 octets, the last two padding */
	if (EVP_DecodeBlock(sig, b64, SIG_B64) != 66 || v[86] != '=' || v[87] != '=') {
		str_copy(why, whysz, "bad base64 in the signature (s=)");
		return GEN_PUBLISH_SYNTAX;
	}
	*new_g = ng; /* what it claims, for logs, until it is taken */
	size_t n = signed_text(ng, new_c, msg, sizeof(msg));
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int ok = md && EVP_DigestVerifyInit(md, NULL, NULL, NULL, pub) == 1 &&
	    EVP_DigestVerify(md, sig, SIG_LEN, (const unsigned char *)msg, n) == 1;
	EVP_MD_CTX_free(md);
	ERR_clear_error();
	if (!ok) {
		snprintf(why, whysz, "generation %lld: the signature does not verify", ng);
		return GEN_PUBLISH_BAD_SIG;
	}
	if (ng >= g) {
		snprintf(why, whysz, "generation %lld is not newer than ours (%lld)", ng, g);
		return GEN_PUBLISH_SAME;
	}
	switch (gen_verify(g, c, 0, max_step, ng, new_c)) {
	case GEN_NEWER: snprintf(why, whysz, "generation %lld follows on from %lld", ng, g); break;
	case GEN_TOO_NEW:
		snprintf(why, whysz, "generation %lld is more than %lld newer than ours (%lld)", ng,
		    max_step, g);
		return GEN_PUBLISH_TOO_FAR;
	default:
		snprintf(
		    why, whysz, "generation %lld is signed but not on our chain (%lld)", ng, g);
		return GEN_PUBLISH_NOT_CHAINED;
	}
	return GEN_PUBLISH_NEWER;
}
