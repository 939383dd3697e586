/*
 * dkim_key: key records (see dkim_key.h).
 */
#include "auth/dkim_key.h"

#include <openssl/x509.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/dkim_tag.h"
#include "util/str.h"
#include "util/xmalloc.h"

/* Longest key vouch reads: the SPKI of an 8192-bit RSA key is ~1.1 KB. */
#define KEY_DER_MAX 2048

#define FAIL(r, ...) \
	do { \
		*why = (r); \
		str_fmt(err, errsz, __VA_ARGS__); \
		dkim_pubkey_clear(out); \
		return -1; \
	} while (0)

static EVP_PKEY *
rsa_from_der(const unsigned char *der, size_t len)
{
	const unsigned char *p = der;
	EVP_PKEY *pk = d2i_PUBKEY(NULL, &p, (long)len);

	if (pk && (EVP_PKEY_get_base_id(pk) != EVP_PKEY_RSA || p != der + len)) {
		EVP_PKEY_free(pk);
		return NULL;
	}
	if (pk == NULL) {
		/* RFC 6376 3.6.1 names RSAPublicKey (PKCS#1) itself */
		p = der;
		pk = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, (long)len);
		if (pk && p != der + len) {
			EVP_PKEY_free(pk);
			pk = NULL;
		}
	}
	return pk;
}

static EVP_PKEY *
ed25519_from(const unsigned char *raw, size_t len)
{
	const unsigned char *p = raw;
	EVP_PKEY *pk;

	if (len == 32)
		return EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, raw, 32);
	/* some publish the SubjectPublicKeyInfo instead of the raw key */
	pk = d2i_PUBKEY(NULL, &p, (long)len);
	if (pk && (EVP_PKEY_get_base_id(pk) != EVP_PKEY_ED25519 || p != raw + len)) {
		EVP_PKEY_free(pk);
		pk = NULL;
	}
	return pk;
}

int
dkim_key_parse(const char *txt, size_t len, struct dkim_pubkey *out, enum dkim_reason *why,
    char *err, size_t errsz)
{
	struct dkim_tags tags;
	const struct dkim_tag *v, *h, *k, *p, *s, *t;
	unsigned char der[KEY_DER_MAX];
	long n;

	memset(out, 0, sizeof(*out));
	*why = DKIM_R_OK;
	if (dkim_tags_parse(txt, len, &tags, err, errsz) < 0) {
		*why = DKIM_R_KEY_SYNTAX;
		return -1;
	}
	v = dkim_tags_get(&tags, "v");
	h = dkim_tags_get(&tags, "h");
	k = dkim_tags_get(&tags, "k");
	p = dkim_tags_get(&tags, "p");
	s = dkim_tags_get(&tags, "s");
	t = dkim_tags_get(&tags, "t");
	/* 3.6.1 v=: "DKIM1", and if present it MUST be the first tag */
	if (v && (!dkim_tag_is(v, "DKIM1") || v != &tags.t[0]))
		FAIL(DKIM_R_KEY_SYNTAX, "v= is not DKIM1 as the first tag");
	if (p == NULL)
		FAIL(DKIM_R_KEY_SYNTAX, "no p= in the key record");
	out->sha256_ok = h == NULL || dkim_tag_list_has(h, "sha256");
	out->email_ok = s == NULL || dkim_tag_list_has(s, "*") || dkim_tag_list_has(s, "email");
	if (t) {
		out->testing = dkim_tag_list_has(t, "y");
		out->strict = dkim_tag_list_has(t, "s");
	}
	if (k == NULL || str_nieq(k->value, k->value_len, "rsa"))
		out->type = DKIM_KEY_RSA;
	else if (str_nieq(k->value, k->value_len, "ed25519"))
		out->type = DKIM_KEY_ED25519;
	else
		FAIL(DKIM_R_KEY_TYPE, "unknown key type k=%.*s",
		    (int)(k->value_len > 20 ? 20 : k->value_len), k->value);
	/* 3.6.1 p=: "An empty value means that this public key has been revoked" */
	if (p->value_len == 0)
		FAIL(DKIM_R_KEY_REVOKED, "key revoked (empty p=)");
	n = dkim_b64_decode(p->value, p->value_len, der, sizeof(der));
	if (n <= 0)
		FAIL(DKIM_R_KEY_SYNTAX, "p= is not base64 of at most %d octets", KEY_DER_MAX);
	if (out->type == DKIM_KEY_RSA)
		out->pkey = rsa_from_der(der, (size_t)n);
	else
		out->pkey = ed25519_from(der, (size_t)n);
	if (out->pkey == NULL)
		FAIL(DKIM_R_KEY_SYNTAX, "p= does not hold an %s public key",
		    out->type == DKIM_KEY_RSA ? "RSA" : "Ed25519");
	/* Ed25519: 256-bit keys (OpenSSL counts 253 bits of the group) */
	out->bits = out->type == DKIM_KEY_ED25519 ? 256 : (unsigned)EVP_PKEY_get_bits(out->pkey);
	if (out->type == DKIM_KEY_RSA && out->bits > DKIM_RSA_MAX_BITS)
		FAIL(DKIM_R_KEY_TOO_LONG, "%u-bit RSA key (at most %d verified)", out->bits,
		    DKIM_RSA_MAX_BITS);
	return 0;
}

void
dkim_pubkey_clear(struct dkim_pubkey *k)
{
	if (k == NULL)
		return;
	EVP_PKEY_free(k->pkey);
	memset(k, 0, sizeof(*k));
}

/* ---- the cache of parsed records ---------------------------------------- */

struct keyent {
	char *txt; /* NULL: free slot */
	size_t len;
	uint64_t hash;
	struct dkim_pubkey pk;
};

struct dkim_keycache {
	struct keyent *e;
	size_t max, next; /* next: the slot replaced when full (oldest) */
	unsigned long long parsed, hits;
};

static uint64_t
fnv1a(const char *p, size_t n)
{
	uint64_t h = 14695981039346656037ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)p[i]) * 1099511628211ull;
	return h;
}

struct dkim_keycache *
dkim_keycache_new(size_t max)
{
	struct dkim_keycache *c = xcalloc(1, sizeof(*c));

	c->max = max ? max : 1;
	c->e = xcalloc(c->max, sizeof(*c->e));
	return c;
}

void
dkim_keycache_free(struct dkim_keycache *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->max; i++) {
		free(c->e[i].txt);
		dkim_pubkey_clear(&c->e[i].pk);
	}
	free(c->e);
	free(c);
}

int
dkim_key_parse_cached(struct dkim_keycache *c, const char *txt, size_t len, struct dkim_pubkey *out,
    enum dkim_reason *why, char *err, size_t errsz)
{
	uint64_t h;
	struct keyent *e;

	if (c == NULL)
		return dkim_key_parse(txt, len, out, why, err, errsz);
	h = fnv1a(txt, len);
	for (size_t i = 0; i < c->max; i++) {
		e = &c->e[i];
		if (e->txt && e->hash == h && e->len == len && memcmp(e->txt, txt, len) == 0 &&
		    EVP_PKEY_up_ref(e->pk.pkey) == 1) {
			*out = e->pk;
			*why = DKIM_R_OK;
			c->hits++;
			return 0;
		}
	}
	c->parsed++;
	if (dkim_key_parse(txt, len, out, why, err, errsz) < 0)
		return -1;
	if (EVP_PKEY_up_ref(out->pkey) != 1)
		return 0; /* not kept: still a good key for this message */
	e = &c->e[c->next];
	c->next = (c->next + 1) % c->max;
	free(e->txt);
	dkim_pubkey_clear(&e->pk);
	e->txt = xmalloc(len ? len : 1);
	memcpy(e->txt, txt, len);
	e->len = len;
	e->hash = h;
	e->pk = *out;
	return 0;
}

void
dkim_keycache_stats(
    const struct dkim_keycache *c, unsigned long long *parsed, unsigned long long *hits)
{
	*parsed = c ? c->parsed : 0;
	*hits = c ? c->hits : 0;
}
