/*
 * Unit tests for DKIM's pure parsers, as tables of cases: tag=value lists
 * (dkim_tag.c, RFC 6376 3.2), signature fields (dkim_sig.c: DKIM-Signature,
 * ARC-Message-Signature, ARC-Seal, with the reason each bad field gets)
 * and key records (dkim_key.c, 3.6.1 and RFC 8463 4), and DKIM's base64.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>

#include "auth/dkim.h"
#include "auth/dkim_crypt.h"
#include "auth/dkim_key.h"
#include "auth/dkim_sig.h"
#include "auth/dkim_tag.h"

/* -- tag lists ------------------------------------------------------------ */

struct tag_case {
	const char *in;
	int ok;
	size_t n;           /* tags when ok */
	const char *name2;  /* a tag to look up */
	const char *value2; /* its value as given (white space kept inside) */
};

static const struct tag_case tag_cases[] = {
	{ "", 1, 0, NULL, NULL }, { "  ;", 0, 0, NULL, NULL }, /* a ';' must follow a tag-spec */
	{ "v=1", 1, 1, "v", "1" }, { "v=1;", 1, 1, "v", "1" },
	{ "v=1; a=rsa-sha256 ;d=example.com", 1, 3, "d", "example.com" },
	/* folding white space around names, '=' and values (3.2) */
	{ " v = 1 ;\r\n\tb= AAAA\r\n BBBB ;", 1, 2, "b", "AAAA\r\n BBBB" },
	{ "n=;", 1, 1, "n", "" }, { "a_1=x", 1, 1, "a_1", "x" },
	/* UTF-8 in a value (RFC 8616) */
	{ "n=caf\xc3\xa9", 1, 1, "n", "caf\xc3\xa9" },
	/* errors */
	{ "=1", 0, 0, NULL, NULL }, { "1a=1", 0, 0, NULL, NULL }, { "v", 0, 0, NULL, NULL },
	{ "v 1", 0, 0, NULL, NULL }, { "v=1;;a=2", 0, 0, NULL, NULL },
	{ "v=1; v=1", 0, 0, NULL, NULL }, /* duplicate: permanent error */
	{ "v=a\x01z", 0, 0, NULL, NULL }, /* control character */
	{ "v=a\x7f", 0, 0, NULL, NULL },
	{ "v=a b=c", 1, 1, "v", "a b=c" }, /* '=' is a value character */
};

static void
test_tags(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(tag_cases) / sizeof(tag_cases[0]); i++) {
		const struct tag_case *c = &tag_cases[i];
		struct dkim_tags t;
		char err[200] = "";
		int rc = dkim_tags_parse(c->in, strlen(c->in), &t, err, sizeof(err));
		if (rc != (c->ok ? 0 : -1))
			fail_msg("case %zu \"%s\": rc %d (%s)", i, c->in, rc, err);
		if (!c->ok) {
			assert_true(err[0] != '\0');
			continue;
		}
		assert_int_equal(t.n, c->n);
		if (c->name2) {
			const struct dkim_tag *g = dkim_tags_get(&t, c->name2);
			assert_non_null(g);
			assert_int_equal(g->value_len, strlen(c->value2));
			assert_memory_equal(g->value, c->value2, g->value_len);
		}
	}
}

static void
test_tag_helpers(void **state)
{
	const char *s = "b=AB CD\r\n EF; V=x";
	struct dkim_tags t;
	char out[16], err[100];

	(void)state;
	assert_int_equal(dkim_tags_parse(s, strlen(s), &t, err, sizeof(err)), 0);
	/* names are case-sensitive (3.2) */
	assert_null(dkim_tags_get(&t, "v"));
	assert_non_null(dkim_tags_get(&t, "V"));
	assert_true(dkim_tag_is(dkim_tags_get(&t, "V"), "x"));
	assert_false(dkim_tag_is(dkim_tags_get(&t, "V"), "X"));
	assert_int_equal(dkim_tag_compact(dkim_tags_get(&t, "b"), out, sizeof(out)), 6);
	assert_string_equal(out, "ABCDEF");
	assert_int_equal(dkim_tag_compact(dkim_tags_get(&t, "b"), out, 6), -1);
	/* offsets of '=' and of the end, used to cut b= out for hashing */
	assert_int_equal(t.t[0].eq_off, 1);
	assert_int_equal(t.t[0].end_off, strlen("b=AB CD\r\n EF"));
}

/* -- base64 --------------------------------------------------------------- */

static void
test_b64(void **state)
{
	uint8_t out[16];
	struct strbuf sb;

	(void)state;
	assert_int_equal(dkim_b64_decode("Zm9v", 4, out, sizeof(out)), 3);
	assert_memory_equal(out, "foo", 3);
	assert_int_equal(dkim_b64_decode("Zm 9v\r\n YmE=", 12, out, sizeof(out)), 5);
	assert_memory_equal(out, "fooba", 5);
	assert_int_equal(dkim_b64_decode("Zg==", 4, out, sizeof(out)), 1);
	assert_int_equal(dkim_b64_decode("", 0, out, sizeof(out)), 0);
	assert_int_equal(dkim_b64_decode("Zh==", 4, out, sizeof(out)), -1); /* bits left */
	assert_int_equal(dkim_b64_decode("Zg=", 3, out, sizeof(out)), -1);
	assert_int_equal(dkim_b64_decode("Zg==Zg==", 8, out, sizeof(out)), -1);
	assert_int_equal(dkim_b64_decode("Z!==", 4, out, sizeof(out)), -1);
	assert_int_equal(dkim_b64_decode("Zm9vYmFy", 8, out, 5), -1); /* no room */
	strbuf_init(&sb, 64);
	assert_int_equal(dkim_b64_encode((const uint8_t *)"fooba", 5, &sb), 0);
	assert_string_equal(sb.s, "Zm9vYmE=");
	strbuf_free(&sb);
}

/* -- signature fields ----------------------------------------------------- */

#define BH "bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;"
#define B "b=dGVzdA==;"

struct sig_case {
	enum dkim_sig_kind kind;
	const char *in;
	enum dkim_reason why; /* DKIM_R_OK: parses */
};

static const struct sig_case sig_cases[] = {
	{ DKIM_SIG_DKIM, "v=1; a=rsa-sha256; d=example.com; s=sel; h=From:To; " BH " " B,
	    DKIM_R_OK },
	{ DKIM_SIG_DKIM,
	    "v=1; a=ed25519-sha256; c=simple/relaxed; d=Example.COM; s=S1; h=from; l=10; "
	    "t=100; x=200; i=joe@sub.example.com; q=dns/txt; " BH " " B,
	    DKIM_R_OK },
	/* rsa-sha1 parses, so that the verifier can name it and refuse it */
	{ DKIM_SIG_DKIM, "v=1; a=rsa-sha1; d=example.com; s=sel; h=From; " BH " " B, DKIM_R_OK },
	{ DKIM_SIG_DKIM, "v=1; a=rsa-sha256; d=example.com; s=sel; h=From; " BH " " B " v=1",
	    DKIM_R_SYNTAX },
	{ DKIM_SIG_DKIM, "v=1; a=rsa-sha256; d=example.com; s=sel; h=From; " BH " foo",
	    DKIM_R_SYNTAX },
	{ DKIM_SIG_DKIM, "v=2; a=rsa-sha256; d=example.com; s=sel; h=From; " BH " " B,
	    DKIM_R_VERSION },
	{ DKIM_SIG_DKIM, "a=rsa-sha256; d=example.com; s=sel; h=From; " BH " " B,
	    DKIM_R_MISSING_TAG },
	{ DKIM_SIG_DKIM, "v=1; a=rsa-sha256; d=example.com; s=sel; h=From; " BH,
	    DKIM_R_MISSING_TAG },
	{ DKIM_SIG_DKIM, "v=1; a=rsa-sha256; d=example.com; s=sel; " BH " " B, DKIM_R_MISSING_TAG },
	{ DKIM_SIG_DKIM, "v=1; a=rsa-sha256; s=sel; h=From; " BH " " B, DKIM_R_MISSING_TAG },
	{ DKIM_SIG_DKIM, "v=1; a=rsa-md5; d=example.com; s=sel; h=From; " BH " " B,
	    DKIM_R_ALG_UNKNOWN },
	{ DKIM_SIG_DKIM, "v=1; a=rsa-sha256; c=fancy; d=example.com; s=sel; h=From; " BH " " B,
	    DKIM_R_CANON_UNKNOWN },
	{ DKIM_SIG_DKIM, "v=1; a=rsa-sha256; q=http; d=example.com; s=sel; h=From; " BH " " B,
	    DKIM_R_QUERY_UNKNOWN },
	{ DKIM_SIG_DKIM, "v=1; a=rsa-sha256; d=example.com; s=sel; h=To:Subject; " BH " " B,
	    DKIM_R_FROM_UNSIGNED },
	{ DKIM_SIG_DKIM,
	    "v=1; a=rsa-sha256; d=example.com; s=sel; h=From; i=x@example.org; " BH " " B,
	    DKIM_R_DOMAIN_MISMATCH },
	/* i= below d= is fine; a look-alike suffix is not */
	{ DKIM_SIG_DKIM,
	    "v=1; a=rsa-sha256; d=example.com; s=sel; h=From; i=@notexample.com; " BH " " B,
	    DKIM_R_DOMAIN_MISMATCH },
	{ DKIM_SIG_DKIM, "v=1; a=rsa-sha256; d=example.com; s=sel; h=From; l=x; " BH " " B,
	    DKIM_R_BAD_TAG },
	{ DKIM_SIG_DKIM, "v=1; a=rsa-sha256; d=example.com; s=sel; h=From; t=200; x=100; " BH " " B,
	    DKIM_R_BAD_TAG },
	{ DKIM_SIG_DKIM, "v=1; a=rsa-sha256; d=example.com; s=sel; h=From; bh=!!; " B,
	    DKIM_R_BAD_TAG },
	{ DKIM_SIG_DKIM, "v=1; a=rsa-sha256; d=exa mple.com; s=sel; h=From; " BH " " B,
	    DKIM_R_BAD_TAG },
	/* ARC-Message-Signature: i= is an instance, no v= */
	{ DKIM_SIG_AMS, "i=1; a=rsa-sha256; d=example.com; s=sel; h=From; " BH " " B, DKIM_R_OK },
	{ DKIM_SIG_AMS, "i=0; a=rsa-sha256; d=example.com; s=sel; h=From; " BH " " B,
	    DKIM_R_BAD_TAG },
	{ DKIM_SIG_AMS, "i=51; a=rsa-sha256; d=example.com; s=sel; h=From; " BH " " B,
	    DKIM_R_BAD_TAG },
	{ DKIM_SIG_AMS, "a=rsa-sha256; d=example.com; s=sel; h=From; " BH " " B,
	    DKIM_R_MISSING_TAG },
	/* ARC-Seal: cv=, and no h= (RFC 8617 4.1.3) */
	{ DKIM_SIG_AS, "i=2; a=rsa-sha256; cv=pass; d=example.com; s=sel; " B, DKIM_R_OK },
	{ DKIM_SIG_AS, "i=2; a=rsa-sha256; d=example.com; s=sel; " B, DKIM_R_MISSING_TAG },
	{ DKIM_SIG_AS, "i=2; a=rsa-sha256; cv=maybe; d=example.com; s=sel; " B, DKIM_R_BAD_TAG },
	{ DKIM_SIG_AS, "i=2; a=rsa-sha256; cv=pass; d=example.com; s=sel; h=From; " B,
	    DKIM_R_BAD_TAG },
};

static void
test_sig_cases(void **state)
{
	static struct dkim_sig sig;

	(void)state;
	for (size_t i = 0; i < sizeof(sig_cases) / sizeof(sig_cases[0]); i++) {
		const struct sig_case *c = &sig_cases[i];
		enum dkim_reason why = DKIM_R__COUNT;
		char err[200] = "";
		int rc =
		    dkim_sig_parse(c->kind, c->in, strlen(c->in), &sig, &why, err, sizeof(err));
		if (rc != (c->why == DKIM_R_OK ? 0 : -1) || why != c->why)
			fail_msg("case %zu \"%s\": rc %d why %s (%s), want %s", i, c->in, rc,
			    dkim_reason_name(why), err, dkim_reason_name(c->why));
	}
}

static void
test_sig_fields(void **state)
{
	static struct dkim_sig sig;
	const char *in = "v=1; a=ed25519-sha256; c=simple/relaxed; d=Example.COM; s=S1;\r\n"
	                 "\th=from : To:subject; l=10; t=100; x=200; i=joe@sub.example.com;\r\n"
	                 "\t" BH "\r\n\tb=dGVz\r\n\t dA==";
	enum dkim_reason why;
	char err[200];

	(void)state;
	assert_int_equal(
	    dkim_sig_parse(DKIM_SIG_DKIM, in, strlen(in), &sig, &why, err, sizeof(err)), 0);
	assert_int_equal(sig.alg, DKIM_ALG_ED25519_SHA256);
	assert_int_equal(sig.hcanon, DKIM_CANON_SIMPLE);
	assert_int_equal(sig.bcanon, DKIM_CANON_RELAXED);
	assert_string_equal(sig.domain, "example.com");
	assert_string_equal(sig.selector, "s1");
	assert_string_equal(sig.identity, "joe@sub.example.com");
	assert_int_equal(sig.nh, 3);
	assert_int_equal(sig.h[0].len, 4);
	assert_memory_equal(sig.h[0].name, "from", 4);
	assert_memory_equal(sig.h[2].name, "subject", 7);
	assert_true(sig.has_length);
	assert_int_equal(sig.length, 10);
	assert_int_equal(sig.timestamp, 100);
	assert_int_equal(sig.expiration, 200);
	assert_int_equal(sig.bh_len, 32);
	assert_int_equal(sig.b_len, 4);
	assert_memory_equal(sig.b, "test", 4);
	assert_string_equal(sig.bprefix, "dGVzdA==");
	/* b='s value, cut out for the header hash: up to the end */
	assert_int_equal(sig.b_end, strlen(in));
	assert_memory_equal(in + sig.b_start, "dGVz", 4);

	/* c= with the header only: the body is simple (3.5) */
	const char *in2 = "v=1; a=rsa-sha256; c=relaxed; d=e.com; s=s; h=From; " BH " " B;
	assert_int_equal(
	    dkim_sig_parse(DKIM_SIG_DKIM, in2, strlen(in2), &sig, &why, err, sizeof(err)), 0);
	assert_int_equal(sig.hcanon, DKIM_CANON_RELAXED);
	assert_int_equal(sig.bcanon, DKIM_CANON_SIMPLE);
	assert_int_equal(sig.timestamp, -1);
	assert_false(sig.has_length);
	/* and no c= at all: simple/simple */
	const char *in3 = "v=1; a=rsa-sha256; d=e.com; s=s; h=From; " BH " " B;
	assert_int_equal(
	    dkim_sig_parse(DKIM_SIG_DKIM, in3, strlen(in3), &sig, &why, err, sizeof(err)), 0);
	assert_int_equal(sig.hcanon, DKIM_CANON_SIMPLE);
	assert_int_equal(sig.bcanon, DKIM_CANON_SIMPLE);
}

static void
test_key_name(void **state)
{
	char out[DKIM_DOMAIN_MAX + 1], big[300];

	(void)state;
	assert_int_equal(dkim_key_name("sel", "example.com", out, sizeof(out)), 0);
	assert_string_equal(out, "sel._domainkey.example.com");
	memset(big, 'a', 250);
	big[250] = '\0';
	assert_int_equal(dkim_key_name("sel", big, out, sizeof(out)), -1);
	assert_int_equal(dkim_alg_parse("rsa-sha256", 10), DKIM_ALG_RSA_SHA256);
	assert_int_equal(dkim_alg_parse("ed25519-sha256", 14), DKIM_ALG_ED25519_SHA256);
	/* ABNF strings are case-insensitive (RFC 5234 2.3) */
	assert_int_equal(dkim_alg_parse("RSA-SHA256", 10), DKIM_ALG_RSA_SHA256);
	assert_int_equal(dkim_alg_parse("rsa-sha512", 10), DKIM_ALG_NONE);
}

/* -- key records ---------------------------------------------------------- */

/* RFC 8463 A.2 */
#define ED_P "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
#define RSA_P \
	"MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J1" \
	"6JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO" \
	"2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB"

struct key_case {
	const char *in;
	enum dkim_reason why;
	enum dkim_keytype type;
	unsigned bits;
	int sha256_ok, email_ok, testing, strict;
};

static const struct key_case key_cases[] = {
	{ "v=DKIM1; k=rsa; p=" RSA_P, DKIM_R_OK, DKIM_KEY_RSA, 1024, 1, 1, 0, 0 },
	{ "p=" RSA_P, DKIM_R_OK, DKIM_KEY_RSA, 1024, 1, 1, 0, 0 }, /* k= defaults to rsa */
	{ "v=DKIM1; k=ed25519; p=" ED_P, DKIM_R_OK, DKIM_KEY_ED25519, 256, 1, 1, 0, 0 },
	{ "v=DKIM1; h=sha1:sha256; s=*; t=y:s; p=" RSA_P, DKIM_R_OK, DKIM_KEY_RSA, 1024, 1, 1, 1,
	    1 },
	{ "h=sha1; p=" RSA_P, DKIM_R_OK, DKIM_KEY_RSA, 1024, 0, 1, 0, 0 },
	{ "s=tlsrpt; p=" RSA_P, DKIM_R_OK, DKIM_KEY_RSA, 1024, 1, 0, 0, 0 },
	{ "s=email:tlsrpt; p=" RSA_P, DKIM_R_OK, DKIM_KEY_RSA, 1024, 1, 1, 0, 0 },
	/* unknown flags and tags are ignored (3.6.1) */
	{ "v=DKIM1; t=z; n=notes here; zz=1; p=" RSA_P, DKIM_R_OK, DKIM_KEY_RSA, 1024, 1, 1, 0, 0 },
	/* revoked: p= empty */
	{ "v=DKIM1; k=rsa; p=", DKIM_R_KEY_REVOKED, 0, 0, 0, 0, 0, 0 },
	{ "v=DKIM1; k=rsa; p= ;", DKIM_R_KEY_REVOKED, 0, 0, 0, 0, 0, 0 },
	{ "v=DKIM1; k=rsa", DKIM_R_KEY_SYNTAX, 0, 0, 0, 0, 0, 0 },
	{ "v=DKIM2; p=" RSA_P, DKIM_R_KEY_SYNTAX, 0, 0, 0, 0, 0, 0 },
	{ "v=DKIM1; k=dsa; p=" RSA_P, DKIM_R_KEY_TYPE, 0, 0, 0, 0, 0, 0 },
	{ "v=DKIM1; p=!!!!", DKIM_R_KEY_SYNTAX, 0, 0, 0, 0, 0, 0 },
	{ "v=DKIM1; p=dGVzdA==", DKIM_R_KEY_SYNTAX, 0, 0, 0, 0, 0, 0 },
	/* an Ed25519 key must be 32 octets; an RSA key under k=ed25519 is not */
	{ "k=ed25519; p=dGVzdA==", DKIM_R_KEY_SYNTAX, 0, 0, 0, 0, 0, 0 },
	{ "k=ed25519; p=" RSA_P, DKIM_R_KEY_SYNTAX, 0, 0, 0, 0, 0, 0 },
	{ "v=DKIM1; p=" RSA_P "; p=" RSA_P, DKIM_R_KEY_SYNTAX, 0, 0, 0, 0, 0, 0 },
	{ "not a record", DKIM_R_KEY_SYNTAX, 0, 0, 0, 0, 0, 0 },
	{ "", DKIM_R_KEY_SYNTAX, 0, 0, 0, 0, 0, 0 },
};

static void
test_key_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(key_cases) / sizeof(key_cases[0]); i++) {
		const struct key_case *c = &key_cases[i];
		struct dkim_pubkey k;
		enum dkim_reason why = DKIM_R_OK;
		char err[200] = "";
		int rc = dkim_key_parse(c->in, strlen(c->in), &k, &why, err, sizeof(err));
		if (rc != (c->why == DKIM_R_OK ? 0 : -1) || (rc < 0 && why != c->why))
			fail_msg("case %zu \"%.60s\": rc %d why %s (%s), want %s", i, c->in, rc,
			    dkim_reason_name(why), err, dkim_reason_name(c->why));
		if (rc == 0) {
			assert_non_null(k.pkey);
			assert_int_equal(k.type, c->type);
			assert_int_equal(k.bits, c->bits);
			assert_int_equal(k.sha256_ok, c->sha256_ok);
			assert_int_equal(k.email_ok, c->email_ok);
			assert_int_equal(k.testing, c->testing);
			assert_int_equal(k.strict, c->strict);
		}
		dkim_pubkey_clear(&k);
		dkim_pubkey_clear(&k); /* twice: a cleared key stays cleared */
	}
}

/* The records vouch writes parse to the key that wrote them; a bare
 * RSAPublicKey (RFC 6376's letter) reads like the SPKI form. */
static void
test_key_roundtrip(void **state)
{
	(void)state;
	for (int type = 0; type < 2; type++) {
		EVP_PKEY *k = dkim_crypt_keygen(type ? DKIM_KEY_ED25519 : DKIM_KEY_RSA, 1024);
		struct strbuf rec;
		struct dkim_pubkey pk;
		enum dkim_reason why;
		char err[200];

		assert_non_null(k);
		strbuf_init(&rec, 8192);
		assert_int_equal(dkim_crypt_public_record(k, &rec), 0);
		assert_int_equal(dkim_key_parse(rec.s, rec.len, &pk, &why, err, sizeof(err)), 0);
		assert_int_equal(EVP_PKEY_eq(pk.pkey, k), 1);
		assert_int_equal(pk.bits, type ? 256 : 1024);
		dkim_pubkey_clear(&pk);
		if (type == 0) {
			/* PKCS#1 RSAPublicKey */
			unsigned char *der = NULL;
			int len = i2d_PublicKey(k, &der);
			struct strbuf b64;
			assert_true(len > 0);
			strbuf_init(&b64, 8192);
			strbuf_puts(&b64, "v=DKIM1; p=");
			assert_int_equal(dkim_b64_encode(der, (size_t)len, &b64), 0);
			assert_int_equal(
			    dkim_key_parse(b64.s, b64.len, &pk, &why, err, sizeof(err)), 0);
			assert_int_equal(EVP_PKEY_eq(pk.pkey, k), 1);
			dkim_pubkey_clear(&pk);
			OPENSSL_free(der);
			strbuf_free(&b64);
		}
		strbuf_free(&rec);
		EVP_PKEY_free(k);
	}
}

/* The key cache: a record seen again gives the key without parsing; a
 * changed, revoked or broken record is parsed (and refused) anew; the
 * oldest goes when it is full; references outlive the cache. */
static void
test_key_cache(void **state)
{
	struct dkim_keycache *c = dkim_keycache_new(2);
	EVP_PKEY *k[3];
	struct strbuf rec[3];
	struct dkim_pubkey pk, pk2, keep;
	enum dkim_reason why;
	unsigned long long parsed, hits;
	char err[200];

	(void)state;
	for (int i = 0; i < 3; i++) {
		k[i] = dkim_crypt_keygen(i == 1 ? DKIM_KEY_ED25519 : DKIM_KEY_RSA, 1024);
		strbuf_init(&rec[i], 8192);
		assert_int_equal(dkim_crypt_public_record(k[i], &rec[i]), 0);
	}
	assert_int_equal(
	    dkim_key_parse_cached(c, rec[0].s, rec[0].len, &pk, &why, err, sizeof(err)), 0);
	assert_int_equal(
	    dkim_key_parse_cached(c, rec[0].s, rec[0].len, &pk2, &why, err, sizeof(err)), 0);
	assert_ptr_equal(pk.pkey, pk2.pkey); /* the same key, a reference each */
	assert_int_equal(EVP_PKEY_eq(pk2.pkey, k[0]), 1);
	assert_int_equal(pk2.bits, 1024);
	dkim_pubkey_clear(&pk2);
	dkim_keycache_stats(c, &parsed, &hits);
	assert_int_equal(parsed, 1);
	assert_int_equal(hits, 1);
	keep = pk; /* held past the cache's end */
	/* another text is another record, even for the same key; broken and
	 * revoked ones fail every time */
	strbuf_puts(&rec[0], ";");
	assert_int_equal(
	    dkim_key_parse_cached(c, rec[0].s, rec[0].len, &pk, &why, err, sizeof(err)), 0);
	assert_ptr_not_equal(pk.pkey, keep.pkey);
	dkim_pubkey_clear(&pk);
	rec[0].s[--rec[0].len] = '\0';
	assert_int_equal(
	    dkim_key_parse_cached(c, "v=DKIM1; p=!!", 13, &pk, &why, err, sizeof(err)), -1);
	assert_int_equal(
	    dkim_key_parse_cached(c, "v=DKIM1; p=", 11, &pk, &why, err, sizeof(err)), -1);
	assert_int_equal(why, DKIM_R_KEY_REVOKED);
	dkim_keycache_stats(c, &parsed, &hits);
	assert_int_equal(parsed, 4);
	/* two more keys push the first out: it is parsed again */
	for (int i = 1; i < 3; i++) {
		assert_int_equal(
		    dkim_key_parse_cached(c, rec[i].s, rec[i].len, &pk, &why, err, sizeof(err)), 0);
		assert_int_equal(EVP_PKEY_eq(pk.pkey, k[i]), 1);
		dkim_pubkey_clear(&pk);
	}
	assert_int_equal(
	    dkim_key_parse_cached(c, rec[0].s, rec[0].len, &pk, &why, err, sizeof(err)), 0);
	assert_ptr_not_equal(pk.pkey, keep.pkey); /* parsed anew */
	dkim_pubkey_clear(&pk);
	dkim_keycache_stats(c, &parsed, &hits);
	assert_int_equal(parsed, 7);
	assert_int_equal(hits, 1);
	assert_int_equal(
	    dkim_key_parse_cached(NULL, rec[2].s, rec[2].len, &pk, &why, err, sizeof(err)), 0);
	dkim_pubkey_clear(&pk);
	dkim_keycache_free(c);
	dkim_keycache_free(NULL);
	assert_int_equal(EVP_PKEY_eq(keep.pkey, k[0]), 1);
	dkim_pubkey_clear(&keep);
	for (int i = 0; i < 3; i++) {
		strbuf_free(&rec[i]);
		EVP_PKEY_free(k[i]);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tags),
		cmocka_unit_test(test_tag_helpers),
		cmocka_unit_test(test_b64),
		cmocka_unit_test(test_sig_cases),
		cmocka_unit_test(test_sig_fields),
		cmocka_unit_test(test_key_name),
		cmocka_unit_test(test_key_cases),
		cmocka_unit_test(test_key_roundtrip),
		cmocka_unit_test(test_key_cache),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
