/*
 * Unit tests for the DKIM signer (dkim_sign.c) and the streaming verifier
 * (dkim_verify.c), with DNS answers fed by the test: vouch's signatures
 * verify in every canonicalization and chunking, RFC 8463 appendix A
 * verifies, and each way a signature can go wrong gets its result and
 * reason: a changed header, body or key; rsa-sha1 and short keys (RFC
 * 8301); x= and t=; every kind of bad key record; temporary DNS failures;
 * l= leaving part of the body unsigned; the limits on signatures and
 * lookups. Then the Authentication-Results entries, and the driver
 * (dkim_check.c) over the in-memory DNS client.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <event2/event.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <string.h>

#include "auth/dkim.h"
#include "auth/dkim_authres.h"
#include "auth/dkim_check.h"
#include "auth/dkim_crypt.h"
#include "auth/dkim_sign.h"
#include "auth/dkim_verify.h"
#include "dns/dns.h"
#include "dns/dns_mem.h"
#include "dns/dns_result.h"
#include "msg/authres.h"

#define NOW 1800000000LL

static const char MSG[] = "From: Alice <alice@example.com>\r\n"
                          "To: bob@example.org\r\n"
                          "Subject:  Lunch   tomorrow? \r\n"
                          "Date: Tue, 01 Dec 2026 22:00:00 +0000\r\n"
                          "Message-ID: <1@example.com>\r\n"
                          "X-Unsigned: yes\r\n"
                          "\r\n"
                          "Noon  at the usual place. \r\n"
                          "\r\n"
                          "-- \r\n"
                          "Alice\r\n"
                          "\r\n"
                          "\r\n";

/* RFC 8463 A.2 and A.3 */
static const char RFC8463_ED[] =
    "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
static const char RFC8463_RSA[] =
    "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6w"
    "y5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvH"
    "O9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB";
static const char RFC8463_BODY[] =
    "From: Joe SixPack <joe@football.example.com>\r\n"
    "To: Suzie Q <suzie@shopping.example.net>\r\n"
    "Subject: Is dinner ready?\r\n"
    "Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r\n"
    "Message-ID: <20030712040037.46341.5F8J@football.example.com>\r\n"
    "\r\n"
    "Hi.\r\n"
    "\r\n"
    "We lost the game.  Are you hungry yet?\r\n"
    "\r\n"
    "Joe.\r\n";
static const char RFC8463_SIGS[] =
    "DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;\r\n"
    " d=football.example.com; i=@football.example.com;\r\n"
    " q=dns/txt; s=brisbane; t=1528637909; h=from : to :\r\n"
    " subject : date : message-id : from : subject : date;\r\n"
    " bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n"
    " b=/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11Bus\r\n"
    " Fa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==\r\n"
    "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;\r\n"
    " d=football.example.com; i=@football.example.com;\r\n"
    " q=dns/txt; s=test; t=1528637909; h=from : to : subject :\r\n"
    " date : message-id : from : subject : date;\r\n"
    " bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n"
    " b=F45dVWDfMbQDGHJFlXUNB2HKfbCeLRyhDXgFpEL8GwpsRe0IeIixNTe3\r\n"
    " DhCVlUrSjV4BwcVcOF6+FF3Zo9Rpo1tFOeS9mPYQTnGdaSGsgeefOsk2Jz\r\n"
    " dA+L10TeYt9BgDfQNZtKdN1WO//KgIqXP7OdEFE4LjFYNcUxZQ4FADY+8=\r\n";
/* The same message signed by dkimpy with RFC 8463's Ed25519 key and l=
 * (the whole body: 54 octets). */
static const char LSIG[] =
    "DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;\r\n"
    " d=football.example.com; i=@football.example.com; l=54; q=dns/txt;\r\n"
    " s=brisbane; t=1796166125; h=from : to : subject : date : message-id;\r\n"
    " bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n"
    " b=eArWlL3e+xaku6fCjUgSsc8nBtMGb7bp9yhr6rLJ6xklcAbEvWjFpxeQR3g30M21ml00G\r\n"
    " kJnCDUyjdd7FG63BQ==\r\n";

/* A DNS answer the test gives: a record, or a status. */
struct rec {
	const char *name;
	const char *txt; /* NULL: status alone */
	enum dns_status status;
};

struct keys {
	struct dkim_signkey rsa, ed, k1024, k512;
	char rsa_rec[1024], ed_rec[128], k1024_rec[512], k512_rec[256];
};
static struct keys K;

static void
make_key(struct dkim_signkey *k, const char *sel, EVP_PKEY *pk, char *rec, size_t recsz)
{
	struct strbuf sb;

	snprintf(k->domain, sizeof(k->domain), "example.com");
	snprintf(k->selector, sizeof(k->selector), "%s", sel);
	k->pkey = pk;
	k->alg = dkim_crypt_alg(pk);
	assert_int_not_equal(k->alg, DKIM_ALG_NONE);
	strbuf_init(&sb, recsz - 1);
	assert_int_equal(dkim_crypt_public_record(pk, &sb), 0);
	snprintf(rec, recsz, "%s", sb.s);
	strbuf_free(&sb);
}

static int
setup(void **state)
{
	(void)state;
	make_key(
	    &K.rsa, "rsa", dkim_crypt_keygen(DKIM_KEY_RSA, 2048), K.rsa_rec, sizeof(K.rsa_rec));
	make_key(&K.ed, "ed", dkim_crypt_keygen(DKIM_KEY_ED25519, 0), K.ed_rec, sizeof(K.ed_rec));
	make_key(&K.k1024, "k1024", dkim_crypt_keygen(DKIM_KEY_RSA, 1024), K.k1024_rec,
	    sizeof(K.k1024_rec));
	/* under RFC 8301's minimum: keygen refuses it, OpenSSL makes it */
	make_key(&K.k512, "k512", EVP_RSA_gen(512), K.k512_rec, sizeof(K.k512_rec));
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	EVP_PKEY_free(K.rsa.pkey);
	EVP_PKEY_free(K.ed.pkey);
	EVP_PKEY_free(K.k1024.pkey);
	EVP_PKEY_free(K.k512.pkey);
	return 0;
}

/* The records of the keys above, and then extra ones (first match wins). */
static const struct rec *
find(const struct rec *extra, const char *name)
{
	static struct rec base[5];
	base[0] = (struct rec){ "rsa._domainkey.example.com", K.rsa_rec, DNS_ANSWER };
	base[1] = (struct rec){ "ed._domainkey.example.com", K.ed_rec, DNS_ANSWER };
	base[2] = (struct rec){ "k1024._domainkey.example.com", K.k1024_rec, DNS_ANSWER };
	base[3] = (struct rec){ "k512._domainkey.example.com", K.k512_rec, DNS_ANSWER };
	base[4] =
	    (struct rec){ "brisbane._domainkey.football.example.com", RFC8463_ED, DNS_ANSWER };
	for (size_t i = 0; extra && extra[i].name; i++)
		if (strcasecmp(extra[i].name, name) == 0)
			return &extra[i];
	for (size_t i = 0; i < 5; i++)
		if (strcasecmp(base[i].name, name) == 0)
			return &base[i];
	return NULL;
}

static void
answer(struct dkim_verify *v, size_t i, const struct rec *extra)
{
	const char *name = dkim_verify_key_name(v, i);
	const struct rec *r = find(extra, name);
	struct dns_result *res =
	    dns_result_new(name, DNS_T_TXT, r ? (r->txt ? DNS_NODATA : r->status) : DNS_NXDOMAIN);

	if (r && r->txt) {
		dns_result_add_txt(res, r->txt, strlen(r->txt), 1 + strlen(r->txt) / 255);
		dns_result_settle(res);
	}
	dkim_verify_key_answer(v, i, res);
	dns_result_free(res);
}

/*
 * Verify msg fed in chunks of step octets (0: whole). Keys of even index
 * are answered as soon as the header is done, while the body streams,
 * the others after the end, last first.
 */
static struct dkim_verify *
verify_opts(const char *msg, size_t len, size_t step, const struct rec *extra,
    const struct dkim_verify_opts *opts)
{
	struct dkim_verify *v = dkim_verify_new(opts);
	int early = 0;

	if (step == 0)
		step = len ? len : 1;
	for (size_t off = 0; off < len; off += step) {
		dkim_verify_feed(v, msg + off, len - off < step ? len - off : step);
		if (!early && dkim_verify_header_done(v)) {
			early = 1;
			for (size_t i = 0; i < dkim_verify_nkeys(v); i += 2)
				answer(v, i, extra);
		}
	}
	dkim_verify_end(v);
	assert_true(dkim_verify_header_done(v));
	for (size_t i = dkim_verify_nkeys(v); i-- > 0;)
		if (!dkim_verify_key_answered(v, i)) {
			assert_false(dkim_verify_done(v));
			answer(v, i, extra);
		}
	assert_true(dkim_verify_done(v));
	return v;
}

static struct dkim_verify *
verify(const char *msg, size_t len, const struct rec *extra)
{
	struct dkim_verify_opts o = { .now = NOW, .arc = 1 };
	return verify_opts(msg, len, 0, extra, &o);
}

/* msg with one DKIM-Signature per key at the top (caller frees). */
static char *
sign(const char *msg, const struct dkim_signkey *const *keys, size_t n,
    const struct dkim_sign_opts *opts, size_t *len)
{
	struct dkim_sign_opts o = { .now = NOW };
	struct strbuf out;
	struct dkim_sign *s;
	char err[200];

	if (opts)
		o = *opts;
	if (o.now == 0)
		o.now = NOW;
	s = dkim_sign_new(&o);
	dkim_sign_feed(s, msg, strlen(msg));
	strbuf_init(&out, 1 << 20);
	if (dkim_sign_finish(s, keys, n, &out, err, sizeof(err)) < 0)
		fail_msg("sign: %s", err);
	dkim_sign_free(s);
	assert_int_equal(strbuf_puts(&out, msg), 0);
	*len = out.len;
	return strbuf_steal(&out);
}

static char *
sign1(const struct dkim_signkey *k, const char *msg, size_t *len)
{
	const struct dkim_signkey *keys[] = { k };
	return sign(msg, keys, 1, NULL, len);
}

static void
expect(const struct dkim_verify *v, size_t i, enum dkim_result r, enum dkim_reason why)
{
	assert_true(i < dkim_verify_nresults(v));
	const struct dkim_sig_result *res = dkim_verify_result(v, i);
	if (res->result != r || res->reason != why)
		fail_msg("signature %zu: %s/%s (%s), want %s/%s", i, dkim_result_name(res->result),
		    dkim_reason_name(res->reason), res->detail, dkim_result_name(r),
		    dkim_reason_name(why));
}

/* A copy of s with the first from replaced by to (caller frees). */
static char *
replace(const char *s, size_t len, const char *from, const char *to, size_t *outlen)
{
	const char *at = memmem(s, len, from, strlen(from));
	struct strbuf out;

	assert_non_null(at);
	strbuf_init(&out, len + strlen(to) + 1);
	strbuf_append(&out, s, (size_t)(at - s));
	strbuf_puts(&out, to);
	strbuf_append(&out, at + strlen(from), len - (size_t)(at - s) - strlen(from));
	*outlen = out.len;
	return strbuf_steal(&out);
}

/* -- what passes ---------------------------------------------------------- */

static void
test_roundtrip(void **state)
{
	const struct dkim_signkey *keys[] = { &K.rsa, &K.ed };
	static const size_t steps[] = { 0, 1, 2, 7, 64, 100 };

	(void)state;
	for (int c = 0; c < 4; c++) {
		struct dkim_sign_opts so = { .simple_header = c & 1, .simple_body = c >> 1 };
		size_t len;
		char *m = sign(MSG, keys, 2, &so, &len);
		for (size_t s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
			struct dkim_verify_opts o = { .now = NOW };
			struct dkim_verify *v = verify_opts(m, len, steps[s], NULL, &o);
			assert_int_equal(dkim_verify_nresults(v), 2);
			assert_int_equal(dkim_verify_nkeys(v), 2);
			expect(v, 0, DKIM_PASS, DKIM_R_OK);
			expect(v, 1, DKIM_PASS, DKIM_R_OK);
			const struct dkim_sig_result *r0 = dkim_verify_result(v, 0);
			assert_int_equal(r0->alg, DKIM_ALG_RSA_SHA256);
			assert_int_equal(
			    r0->hcanon, c & 1 ? DKIM_CANON_SIMPLE : DKIM_CANON_RELAXED);
			assert_int_equal(
			    r0->bcanon, c >> 1 ? DKIM_CANON_SIMPLE : DKIM_CANON_RELAXED);
			assert_int_equal(r0->key_bits, 2048);
			assert_string_equal(r0->domain, "example.com");
			assert_string_equal(r0->selector, "rsa");
			assert_int_equal(r0->timestamp, NOW);
			assert_int_equal(dkim_verify_result(v, 1)->alg, DKIM_ALG_ED25519_SHA256);
			assert_int_equal(dkim_verify_result(v, 1)->key_bits, 256);
			assert_int_equal(dkim_verify_summary(v), DKIM_PASS);
			dkim_verify_free(v);
		}
		free(m);
	}
}

/* Signatures with different body canonicalizations and l= need a body
 * hash each, made as the header is read; each must count its own body
 * (found by fuzz_arc_set: the hashes moved as their array grew, while
 * their canonicalizers still pointed at the old places). */
static void
test_several_bodies(void **state)
{
	static const struct {
		int sh, sb;
		const struct dkim_signkey *key;
	} how[] = { { 1, 1, &K.rsa }, { 0, 0, &K.ed }, { 0, 1, &K.k1024 }, { 1, 0, &K.ed } };
	struct strbuf all;
	size_t len;

	(void)state;
	strbuf_init(&all, 1 << 20);
	for (size_t i = 0; i < 4; i++) {
		struct dkim_sign_opts so = { .simple_header = how[i].sh, .simple_body = how[i].sb };
		const struct dkim_signkey *keys[] = { how[i].key };
		char *m = sign(MSG, keys, 1, &so, &len);
		strbuf_append(&all, m, len - strlen(MSG)); /* its field only */
		free(m);
	}
	strbuf_puts(&all, MSG);
	for (size_t step = 0; step < 20; step += 19) {
		struct dkim_verify_opts o = { .now = NOW, .arc = 1 };
		struct dkim_verify *v = verify_opts(all.s, all.len, step, NULL, &o);
		assert_int_equal(dkim_verify_nresults(v), 4);
		for (size_t i = 0; i < 4; i++) {
			expect(v, i, DKIM_PASS, DKIM_R_OK);
			/* simple keeps the trailing white space relaxed drops */
			const struct dkim_sig_result *r = dkim_verify_result(v, i);
			assert_int_equal(r->body_octets, how[i].sb ? 42 : 39);
		}
		dkim_verify_free(v);
	}
	strbuf_free(&all);
}

static void
test_rfc8463(void **state)
{
	char msg[4096];
	struct rec extra[] = { { "test._domainkey.football.example.com", RFC8463_RSA, DNS_ANSWER },
		{ NULL, NULL, 0 } };
	struct dkim_verify_opts o = { .now = 1528637909 };

	(void)state;
	snprintf(msg, sizeof(msg), "%s%s", RFC8463_SIGS, RFC8463_BODY);
	for (size_t step = 0; step < 40; step += 13) {
		struct dkim_verify *v = verify_opts(msg, strlen(msg), step, extra, &o);
		assert_int_equal(dkim_verify_nresults(v), 2);
		expect(v, 0, DKIM_PASS, DKIM_R_OK);
		expect(v, 1, DKIM_PASS, DKIM_R_OK);
		assert_int_equal(dkim_verify_result(v, 0)->alg, DKIM_ALG_ED25519_SHA256);
		assert_string_equal(dkim_verify_result(v, 0)->identity, "@football.example.com");
		/* 1024 bits: the floor of RFC 8301 3.2, accepted */
		assert_int_equal(dkim_verify_result(v, 1)->key_bits, 1024);
		dkim_verify_free(v);
	}
	/* a stricter floor refuses the RSA one */
	o.min_rsa_bits = 2048;
	struct dkim_verify *v = verify_opts(msg, strlen(msg), 0, extra, &o);
	expect(v, 0, DKIM_PASS, DKIM_R_OK);
	expect(v, 1, DKIM_FAIL, DKIM_R_KEY_TOO_SHORT);
	dkim_verify_free(v);
}

static void
test_unsigned(void **state)
{
	(void)state;
	struct dkim_verify *v = verify(MSG, strlen(MSG), NULL);
	assert_int_equal(dkim_verify_nresults(v), 0);
	assert_int_equal(dkim_verify_nkeys(v), 0);
	assert_int_equal(dkim_verify_summary(v), DKIM_NONE);
	assert_int_equal(dkim_verify_arc(v)->status, ARC_CV_NONE);
	dkim_verify_free(v);
	/* an empty message, and one without a body */
	v = verify("", 0, NULL);
	assert_int_equal(dkim_verify_nresults(v), 0);
	dkim_verify_free(v);
	v = verify("From: x@example.com", 19, NULL);
	assert_int_equal(dkim_verify_nresults(v), 0);
	dkim_verify_free(v);
}

/* -- what fails, and why -------------------------------------------------- */

static void
test_mangled(void **state)
{
	static const struct {
		const char *from, *to;
		enum dkim_result r;
		enum dkim_reason why;
	} cases[] = {
		{ "Lunch   tomorrow?", "Lunch   today?", DKIM_FAIL, DKIM_R_SIGNATURE },
		{ "alice@example.com>", "mallory@example.com>", DKIM_FAIL, DKIM_R_SIGNATURE },
		{ "usual place", "usual plice", DKIM_FAIL, DKIM_R_BODY_HASH },
		{ "Alice\r\n\r\n\r\n", "Alice!\r\n", DKIM_FAIL, DKIM_R_BODY_HASH },
		/* an unsigned field may change */
		{ "X-Unsigned: yes", "X-Unsigned: no", DKIM_PASS, DKIM_R_OK },
		/* a second From above the first: oversigned, so it breaks */
		{ "To: bob", "From: mallory@example.net\r\nTo: bob", DKIM_FAIL, DKIM_R_SIGNATURE },
		/* the key: another selector publishing another key */
		{ "s=rsa;", "s=k1024;", DKIM_FAIL, DKIM_R_SIGNATURE },
	};

	(void)state;
	size_t len;
	char *m = sign1(&K.rsa, MSG, &len);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t mlen;
		char *mm = replace(m, len, cases[i].from, cases[i].to, &mlen);
		struct dkim_verify *v = verify(mm, mlen, NULL);
		expect(v, 0, cases[i].r, cases[i].why);
		dkim_verify_free(v);
		free(mm);
	}
	free(m);
}

static void
test_relaxed_tolerates(void **state)
{
	(void)state;
	for (int simple = 0; simple < 2; simple++) {
		struct dkim_sign_opts so = { .simple_header = simple, .simple_body = simple };
		const struct dkim_signkey *keys[] = { &K.ed };
		size_t len, l1, l2;
		char *m = sign(MSG, keys, 1, &so, &len);
		char *a = replace(
		    m, len, "Subject:  Lunch   tomorrow? ", "SUBJECT: Lunch tomorrow?", &l1);
		char *b =
		    replace(a, l1, "Noon  at the usual place. ", "Noon at the usual place.", &l2);
		struct dkim_verify *v = verify(b, l2, NULL);
		if (simple) /* the body is checked first */
			expect(v, 0, DKIM_FAIL, DKIM_R_BODY_HASH);
		else
			expect(v, 0, DKIM_PASS, DKIM_R_OK);
		dkim_verify_free(v);
		free(m);
		free(a);
		free(b);
	}
}

static void
test_rfc8301(void **state)
{
	size_t len, mlen;

	(void)state;
	/* rsa-sha1: refused without fetching the key */
	char *m = sign1(&K.rsa, MSG, &len);
	char *sha1 = replace(m, len, "a=rsa-sha256", "a=rsa-sha1", &mlen);
	struct dkim_verify *v = verify(sha1, mlen, NULL);
	expect(v, 0, DKIM_FAIL, DKIM_R_SHA1);
	assert_int_equal(dkim_verify_nkeys(v), 0);
	dkim_verify_free(v);
	free(sha1);
	free(m);
	/* a 512-bit key */
	m = sign1(&K.k512, MSG, &len);
	v = verify(m, len, NULL);
	expect(v, 0, DKIM_FAIL, DKIM_R_KEY_TOO_SHORT);
	assert_int_equal(dkim_verify_result(v, 0)->key_bits, 512);
	dkim_verify_free(v);
	free(m);
	/* 1024 bits pass */
	m = sign1(&K.k1024, MSG, &len);
	v = verify(m, len, NULL);
	expect(v, 0, DKIM_PASS, DKIM_R_OK);
	dkim_verify_free(v);
	free(m);
}

static void
test_times(void **state)
{
	struct dkim_sign_opts so = { .now = NOW, .expire = 3600 };
	const struct dkim_signkey *keys[] = { &K.ed };
	size_t len;

	(void)state;
	char *m = sign(MSG, keys, 1, &so, &len);
	static const struct {
		long long now;
		long long skew;
		enum dkim_result r;
		enum dkim_reason why;
	} cases[] = {
		{ NOW, 0, DKIM_PASS, DKIM_R_OK }, { NOW + 3599, 0, DKIM_PASS, DKIM_R_OK },
		{ NOW + 3601, 0, DKIM_FAIL, DKIM_R_EXPIRED },
		{ NOW - 100, 0, DKIM_PASS, DKIM_R_OK }, /* within the default 300 s */
		{ NOW - 400, 0, DKIM_PERMERROR, DKIM_R_FUTURE },
		{ NOW - 400, 600, DKIM_PASS, DKIM_R_OK },
		{ NOW - 4000, -1, DKIM_PASS, DKIM_R_OK }, /* t= not checked */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct dkim_verify_opts o = { .now = cases[i].now, .clock_skew = cases[i].skew };
		struct dkim_verify *v = verify_opts(m, len, 0, NULL, &o);
		expect(v, 0, cases[i].r, cases[i].why);
		dkim_verify_free(v);
	}
	free(m);
}

static void
test_bad_keys(void **state)
{
	char strict[2048], hsha1[2048], tls[2048], testing[2048];
	struct {
		const struct dkim_signkey *key;
		struct rec r;
		enum dkim_result res;
		enum dkim_reason why;
	} cases[] = {
		{ &K.rsa, { "rsa._domainkey.example.com", NULL, DNS_NXDOMAIN }, DKIM_PERMERROR,
		    DKIM_R_KEY_MISSING },
		{ &K.rsa, { "rsa._domainkey.example.com", NULL, DNS_NODATA }, DKIM_PERMERROR,
		    DKIM_R_KEY_MISSING },
		{ &K.rsa, { "rsa._domainkey.example.com", NULL, DNS_TEMPFAIL }, DKIM_TEMPERROR,
		    DKIM_R_KEY_DNS },
		{ &K.rsa, { "rsa._domainkey.example.com", "v=DKIM1; k=rsa; p=", DNS_ANSWER },
		    DKIM_PERMERROR, DKIM_R_KEY_REVOKED },
		{ &K.rsa, { "rsa._domainkey.example.com", "v=DKIM1; p=%%%", DNS_ANSWER },
		    DKIM_PERMERROR, DKIM_R_KEY_SYNTAX },
		/* an RSA signature, an Ed25519 key */
		{ &K.rsa, { "rsa._domainkey.example.com", K.ed_rec, DNS_ANSWER }, DKIM_PERMERROR,
		    DKIM_R_KEY_TYPE },
		{ &K.ed, { "ed._domainkey.example.com", K.rsa_rec, DNS_ANSWER }, DKIM_PERMERROR,
		    DKIM_R_KEY_TYPE },
		{ &K.rsa, { "rsa._domainkey.example.com", hsha1, DNS_ANSWER }, DKIM_PERMERROR,
		    DKIM_R_KEY_HASH },
		{ &K.rsa, { "rsa._domainkey.example.com", tls, DNS_ANSWER }, DKIM_PERMERROR,
		    DKIM_R_KEY_SERVICE },
		/* t=s with i= absent: i= is @d=, allowed */
		{ &K.rsa, { "rsa._domainkey.example.com", strict, DNS_ANSWER }, DKIM_PASS,
		    DKIM_R_OK },
		{ &K.rsa, { "rsa._domainkey.example.com", testing, DNS_ANSWER }, DKIM_PASS,
		    DKIM_R_OK },
	};

	(void)state;
	snprintf(strict, sizeof(strict), "v=DKIM1; t=s; %s", K.rsa_rec + 9); /* v= first */
	snprintf(hsha1, sizeof(hsha1), "v=DKIM1; h=sha1; %s", K.rsa_rec + 9);
	snprintf(tls, sizeof(tls), "v=DKIM1; s=tlsrpt; %s", K.rsa_rec + 9);
	snprintf(testing, sizeof(testing), "v=DKIM1; t=y; %s", K.rsa_rec + 9);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rec extra[2] = { cases[i].r, { NULL, NULL, 0 } };
		size_t len;
		char *m = sign1(cases[i].key, MSG, &len);
		struct dkim_verify *v = verify(m, len, extra);
		expect(v, 0, cases[i].res, cases[i].why);
		if (cases[i].r.txt == testing)
			assert_true(dkim_verify_result(v, 0)->key_testing);
		if (cases[i].res == DKIM_TEMPERROR)
			assert_int_equal(dkim_verify_summary(v), DKIM_TEMPERROR);
		dkim_verify_free(v);
		free(m);
	}
}

/* t=s and an i= in a subdomain of d= (RFC 6376 3.6.1) */
static void
test_key_strict(void **state)
{
	char strict[2048];
	struct rec extra[] = { { "rsa._domainkey.example.com", strict, DNS_ANSWER },
		{ NULL, NULL, 0 } };
	size_t len, mlen;

	(void)state;
	snprintf(strict, sizeof(strict), "v=DKIM1; t=s; %s", K.rsa_rec + 9); /* v= first */
	char *m = sign1(&K.rsa, MSG, &len);
	/* i= is signed: the signature breaks too, but the key's rule comes first */
	char *mm = replace(m, len, "s=rsa;", "s=rsa; i=@sub.example.com;", &mlen);
	struct dkim_verify *v = verify(mm, mlen, extra);
	expect(v, 0, DKIM_PERMERROR, DKIM_R_KEY_STRICT);
	dkim_verify_free(v);
	free(mm);
	free(m);
}

static void
test_length(void **state)
{
	char msg[4096];
	struct dkim_verify_opts o = { .now = 1796166125 };
	struct dkim_verify *v;

	(void)state;
	/* l= covering the whole body: a pass, the length recorded */
	snprintf(msg, sizeof(msg), "%s%s", LSIG, RFC8463_BODY);
	v = verify_opts(msg, strlen(msg), 3, NULL, &o);
	expect(v, 0, DKIM_PASS, DKIM_R_OK);
	const struct dkim_sig_result *r = dkim_verify_result(v, 0);
	assert_true(r->has_length);
	assert_int_equal(r->length, 54);
	assert_int_equal(r->body_octets, 54);
	dkim_verify_free(v);
	/* text appended: the signed part still verifies, the rest is not vouched for */
	snprintf(msg, sizeof(msg), "%s%sP.S. Buy now!\r\n", LSIG, RFC8463_BODY);
	v = verify_opts(msg, strlen(msg), 5, NULL, &o);
	expect(v, 0, DKIM_POLICY, DKIM_R_PARTIAL_BODY);
	r = dkim_verify_result(v, 0);
	assert_int_equal(r->length, 54);
	assert_int_equal(r->body_octets, 54 + 15);
	assert_int_not_equal(dkim_verify_summary(v), DKIM_PASS);
	dkim_verify_free(v);
	/* ... unless the site says l= passes */
	o.partial_body_pass = 1;
	v = verify_opts(msg, strlen(msg), 0, NULL, &o);
	expect(v, 0, DKIM_PASS, DKIM_R_OK);
	assert_true(dkim_verify_result(v, 0)->has_length);
	dkim_verify_free(v);
	o.partial_body_pass = 0;
	/* a body cut below l= */
	snprintf(msg, sizeof(msg), "%s%.*s", LSIG, (int)(strlen(RFC8463_BODY) - 8), RFC8463_BODY);
	v = verify_opts(msg, strlen(msg), 0, NULL, &o);
	expect(v, 0, DKIM_FAIL, DKIM_R_BODY_SHORT);
	dkim_verify_free(v);
}

static void
test_limits(void **state)
{
	const struct dkim_signkey *keys[] = { &K.rsa, &K.ed, &K.k1024 };
	size_t len;

	(void)state;
	char *m = sign(MSG, keys, 3, NULL, &len);
	/* two signatures at most: the third is skipped, not evaluated */
	struct dkim_verify_opts o = { .now = NOW, .max_signatures = 2 };
	struct dkim_verify *v = verify_opts(m, len, 0, NULL, &o);
	assert_int_equal(dkim_verify_nresults(v), 2);
	assert_int_equal(dkim_verify_skipped(v), 1);
	assert_int_equal(dkim_verify_nkeys(v), 2);
	expect(v, 0, DKIM_PASS, DKIM_R_OK);
	dkim_verify_free(v);
	/* one lookup at most: the others are not fetched */
	struct dkim_verify_opts o2 = { .now = NOW, .max_key_lookups = 1 };
	v = verify_opts(m, len, 0, NULL, &o2);
	assert_int_equal(dkim_verify_nresults(v), 3);
	assert_int_equal(dkim_verify_nkeys(v), 1);
	expect(v, 0, DKIM_PASS, DKIM_R_OK);
	expect(v, 1, DKIM_POLICY, DKIM_R_LOOKUP_LIMIT);
	expect(v, 2, DKIM_POLICY, DKIM_R_LOOKUP_LIMIT);
	dkim_verify_free(v);
	/* a header section over the maximum */
	struct dkim_verify_opts o3 = { .now = NOW, .max_header = 256 };
	v = verify_opts(m, len, 0, NULL, &o3);
	for (size_t i = 0; i < dkim_verify_nresults(v); i++)
		assert_int_not_equal(dkim_verify_result(v, i)->result, DKIM_PASS);
	dkim_verify_free(v);
	free(m);
	/* two signatures with one key: one lookup */
	const struct dkim_signkey *same[] = { &K.ed, &K.ed };
	m = sign(MSG, same, 2, NULL, &len);
	v = verify(m, len, NULL);
	assert_int_equal(dkim_verify_nkeys(v), 1);
	expect(v, 0, DKIM_PASS, DKIM_R_OK);
	expect(v, 1, DKIM_PASS, DKIM_R_OK);
	dkim_verify_free(v);
	free(m);
}

/* The signer's refusals and its h= list. */
static void
test_sign_rules(void **state)
{
	const struct dkim_signkey *keys[] = { &K.rsa };
	struct strbuf out;
	char err[200];

	(void)state;
	struct dkim_sign *s = dkim_sign_new(&(struct dkim_sign_opts){ .now = NOW });
	dkim_sign_feed(s, "To: x@example.com\r\n\r\nbody\r\n", 27);
	strbuf_init(&out, 1 << 16);
	assert_int_equal(dkim_sign_finish(s, keys, 1, &out, err, sizeof(err)), -1);
	assert_int_equal(out.len, 0);
	dkim_sign_free(s);
	dkim_sign_free(NULL);

	/* h=: each instance present, plus one for the oversigned names */
	size_t len;
	char *m = sign1(&K.ed, MSG, &len);
	assert_non_null(strstr(m, "h=From:From:"));
	assert_null(strstr(m, "X-Unsigned:From")); /* not signed */
	assert_non_null(strstr(m, "c=relaxed/relaxed;"));
	assert_non_null(strstr(m, "t=1800000000;"));
	free(m);
	strbuf_free(&out);

	/* lists without From (a configuration's): From is signed anyway */
	static const char *const only_subject[] = { "Subject" };
	struct dkim_sign_opts so = {
		.headers = only_subject, .nheaders = 1, .oversign = only_subject, .noversign = 0
	};
	m = sign(MSG, keys, 1, &so, &len);
	assert_non_null(strstr(m, "h=Subject:From;"));
	struct dkim_verify *v = verify(m, len, NULL);
	expect(v, 0, DKIM_PASS, DKIM_R_OK);
	dkim_verify_free(v);
	free(m);
}

/* -- Authentication-Results ----------------------------------------------- */

static void
test_authres(void **state)
{
	const struct dkim_signkey *keys[] = { &K.rsa, &K.ed };
	struct strbuf ar;
	size_t len, mlen, n;

	(void)state;
	char *m = sign(MSG, keys, 2, NULL, &len);
	char *mm = replace(m, len, "usual place", "usual plaice", &mlen);
	struct dkim_verify *v = verify(m, len, NULL);
	struct dkim_authres *a = dkim_authres_new(v, 1);
	const struct authres_multi *e = dkim_authres_entries(a, &n);
	assert_int_equal(n, 3);
	assert_string_equal(e[0].method, "dkim");
	assert_string_equal(e[0].result, "pass");
	assert_string_equal(e[0].props[0].ptype, "header.d");
	assert_string_equal(e[0].props[0].value, "example.com");
	assert_string_equal(e[0].props[1].value, "rsa");
	assert_true(strlen(e[0].props[2].value) >= 8);
	assert_string_equal(e[2].method, "arc");
	assert_string_equal(e[2].result, "none");
	strbuf_init(&ar, 1 << 16);
	assert_int_equal(authres_format_multi("mx.example.net", NULL, 0, e, n, &ar), 0);
	assert_non_null(strstr(ar.s, "Authentication-Results: mx.example.net;"));
	assert_non_null(strstr(
	    ar.s, "dkim=pass (2048-bit rsa key) header.d=example.com header.s=rsa header.b="));
	assert_non_null(
	    strstr(ar.s, "dkim=pass (256-bit ed25519 key) header.d=example.com header.s=ed"));
	dkim_authres_free(a);
	dkim_verify_free(v);

	v = verify(mm, mlen, NULL);
	a = dkim_authres_new(v, 0);
	strbuf_reset(&ar);
	e = dkim_authres_entries(a, &n);
	assert_int_equal(n, 2);
	authres_format_multi("mx.example.net", NULL, 0, e, n, &ar);
	assert_non_null(strstr(ar.s, "dkim=fail (body hash mismatch"));
	dkim_authres_free(a);
	dkim_verify_free(v);

	v = verify(MSG, strlen(MSG), NULL);
	a = dkim_authres_new(v, 0);
	e = dkim_authres_entries(a, &n);
	assert_int_equal(n, 1);
	assert_string_equal(e[0].result, "none");
	dkim_authres_free(a);
	dkim_authres_free(NULL);
	dkim_verify_free(v);
	strbuf_free(&ar);
	free(m);
	free(mm);
}

/* -- the driver over the DNS client --------------------------------------- */

struct wait {
	int calls;
	struct event_base *base;
};

static void
on_checked(struct dkim_check *chk, void *arg)
{
	struct wait *w = arg;
	(void)chk;
	w->calls++;
}

static void
test_check(void **state)
{
	const struct dkim_signkey *keys[] = { &K.rsa, &K.ed, &K.k1024 };
	struct dns_mem *t = dns_mem_new();
	struct event_base *base = event_base_new();
	struct dns_client *dns;
	struct wait w = { 0, base };
	size_t len;

	(void)state;
	assert_int_equal(dns_mem_add(t, "rsa._domainkey.example.com", DNS_T_TXT, K.rsa_rec), 0);
	assert_int_equal(dns_mem_add(t, "ed._domainkey.example.com", DNS_T_TXT, K.ed_rec), 0);
	/* the third key's answer comes late, after the end of the message */
	assert_int_equal(dns_mem_add(t, "k1024._domainkey.example.com", DNS_T_TXT, K.k1024_rec), 0);
	dns_mem_add_delay(t, "k1024._domainkey.example.com", 30);
	dns = dns_client_new_mem(base, t, 2000);
	char *m = sign(MSG, keys, 3, NULL, &len);
	struct dkim_verify_opts o = { .now = NOW };
	struct dkim_check *chk = dkim_check_new(dns, &o, on_checked, &w);
	for (size_t off = 0; off < len; off += 50)
		dkim_check_feed(chk, m + off, len - off < 50 ? len - off : 50);
	/* lookups started with the header, before the end */
	assert_int_equal(dkim_check_lookups(chk), 3);
	dkim_check_end(chk);
	assert_int_equal(w.calls, 0); /* never from inside end */
	while (w.calls == 0)
		assert_int_not_equal(event_base_loop(base, EVLOOP_ONCE), -1);
	assert_int_equal(w.calls, 1);
	const struct dkim_verify *v = dkim_check_verify(chk);
	for (size_t i = 0; i < 3; i++)
		expect(v, i, DKIM_PASS, DKIM_R_OK);
	dkim_check_free(chk);

	/* freed while a lookup is in flight: no callback, nothing pending */
	chk = dkim_check_new(dns, &o, on_checked, &w);
	dkim_check_feed(chk, m, len);
	dkim_check_end(chk);
	dkim_check_free(chk);
	dkim_check_free(NULL);
	event_base_loop(base, EVLOOP_NONBLOCK);
	assert_int_equal(dns_client_pending(dns), 0);
	assert_int_equal(w.calls, 1);

	/* an unsigned message: the callback still comes, from the loop */
	chk = dkim_check_new(dns, &o, on_checked, &w);
	dkim_check_feed(chk, MSG, strlen(MSG));
	dkim_check_end(chk);
	assert_int_equal(w.calls, 1);
	while (w.calls == 1)
		assert_int_not_equal(event_base_loop(base, EVLOOP_ONCE), -1);
	assert_int_equal(dkim_verify_nresults(dkim_check_verify(chk)), 0);
	dkim_check_free(chk);

	free(m);
	dns_client_free(dns);
	event_base_free(base);
	dns_mem_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_several_bodies),
		cmocka_unit_test(test_rfc8463),
		cmocka_unit_test(test_unsigned),
		cmocka_unit_test(test_mangled),
		cmocka_unit_test(test_relaxed_tolerates),
		cmocka_unit_test(test_rfc8301),
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_bad_keys),
		cmocka_unit_test(test_key_strict),
		cmocka_unit_test(test_length),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_sign_rules),
		cmocka_unit_test(test_authres),
		cmocka_unit_test(test_check),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
