/*
 * Unit tests for ARC (RFC 8617): sealing (arc_seal.c) and validating the
 * chain inside the verifier (arc.c, arc_verify.c), with DNS answers given
 * by the test. Chains of one, two and three sets pass, with S_RSA and
 * Ed25519 sealers; a change after the newest seal fails at its AMS, a
 * changed older set fails at a seal; broken structures (a missing field,
 * a duplicate instance, a gap, cv= against 5.2) fail before any lookup;
 * a failed chain is never extended, a broken one is sealed as cv=fail.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "auth/arc.h"
#include "auth/arc_seal.h"
#include "auth/dkim_crypt.h"
#include "auth/dkim_hdr.h"
#include "auth/dkim_verify.h"
#include "dns/dns_result.h"

#define NOW 1800000000LL

static const char MSG[] = "Authentication-Results: lists.example.org; dkim=pass\r\n"
                          "From: Alice <alice@example.com>\r\n"
                          "To: list@example.org\r\n"
                          "Subject: [list] hello\r\n"
                          "Date: Tue, 01 Dec 2026 22:00:00 +0000\r\n"
                          "Message-ID: <1@example.com>\r\n"
                          "\r\n"
                          "Hello list.\r\n";

struct sealer {
	struct dkim_signkey k;
	char rec[1024];
};
static struct sealer S_RSA, S_ED;

static void
make(struct sealer *s, const char *domain, enum dkim_keytype type)
{
	struct strbuf sb;

	snprintf(s->k.domain, sizeof(s->k.domain), "%s", domain);
	snprintf(s->k.selector, sizeof(s->k.selector), "arc");
	s->k.pkey = dkim_crypt_keygen(type, 2048);
	s->k.alg = dkim_crypt_alg(s->k.pkey);
	strbuf_init(&sb, sizeof(s->rec) - 1);
	assert_int_equal(dkim_crypt_public_record(s->k.pkey, &sb), 0);
	snprintf(s->rec, sizeof(s->rec), "%s", sb.s);
	strbuf_free(&sb);
}

static int
setup(void **state)
{
	(void)state;
	make(&S_RSA, "lists.example.org", DKIM_KEY_RSA);
	make(&S_ED, "fwd.example.net", DKIM_KEY_ED25519);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	EVP_PKEY_free(S_RSA.k.pkey);
	EVP_PKEY_free(S_ED.k.pkey);
	return 0;
}

static struct dkim_verify *
verify(const char *msg, size_t len, size_t step)
{
	struct dkim_verify_opts o = { .now = NOW, .arc = 1 };
	struct dkim_verify *v = dkim_verify_new(&o);

	if (step == 0)
		step = len;
	for (size_t off = 0; off < len; off += step)
		dkim_verify_feed(v, msg + off, len - off < step ? len - off : step);
	dkim_verify_end(v);
	for (size_t i = 0; i < dkim_verify_nkeys(v); i++) {
		const char *name = dkim_verify_key_name(v, i);
		const char *rec = strcmp(name, "arc._domainkey.lists.example.org") == 0 ? S_RSA.rec
		    : strcmp(name, "arc._domainkey.fwd.example.net") == 0               ? S_ED.rec
		                                                                        : NULL;
		struct dns_result *res =
		    dns_result_new(name, DNS_T_TXT, rec ? DNS_NODATA : DNS_NXDOMAIN);
		if (rec) {
			dns_result_add_txt(res, rec, strlen(rec), 1 + strlen(rec) / 255);
			dns_result_settle(res);
		}
		dkim_verify_key_answer(v, i, res);
		dns_result_free(res);
	}
	assert_true(dkim_verify_done(v));
	return v;
}

/* Seal msg as sealer with cv; returns the new message (caller frees), or
 * NULL with *rc set when arc_seal_finish refused. */
static char *
seal(const struct sealer *s, const char *msg, enum arc_cv cv, int *rc)
{
	struct arc_seal_opts o = { .key = &s->k,
		.authres = "mx.example; dkim=pass header.d=example.com; arc=pass",
		.cv = cv,
		.now = NOW };
	struct arc_seal *a = arc_seal_new(&o);
	struct strbuf out;
	char err[200];

	arc_seal_feed(a, msg, strlen(msg));
	strbuf_init(&out, 1 << 20);
	*rc = arc_seal_finish(a, &out, err, sizeof(err));
	arc_seal_free(a);
	if (*rc != 0) {
		assert_int_equal(out.len, 0);
		strbuf_free(&out);
		return NULL;
	}
	strbuf_puts(&out, msg);
	return strbuf_steal(&out);
}

static char *
seal_ok(const struct sealer *s, const char *msg, enum arc_cv cv)
{
	int rc;
	char *m = seal(s, msg, cv, &rc);
	assert_int_equal(rc, 0);
	return m;
}

static void
expect_arc(const char *msg, enum arc_cv status, unsigned instances, unsigned failed)
{
	for (size_t step = 0; step <= 64; step += 31) {
		struct dkim_verify *v = verify(msg, strlen(msg), step);
		const struct arc_result *a = dkim_verify_arc(v);
		if (a->status != status || a->instances != instances || a->failed != failed)
			fail_msg("arc=%s instances=%u failed=%u (%s), want %s %u %u",
			    arc_cv_name(a->status), a->instances, a->failed, a->detail,
			    arc_cv_name(status), instances, failed);
		dkim_verify_free(v);
	}
}

static void
test_chain(void **state)
{
	(void)state;
	char *one = seal_ok(&S_RSA, MSG, ARC_CV_NONE);
	assert_non_null(strstr(one, "ARC-Seal: i=1; a=rsa-sha256; cv=none;"));
	assert_non_null(strstr(one, "ARC-Authentication-Results: i=1; mx.example;"));
	expect_arc(one, ARC_CV_PASS, 1, 0);
	char *two = seal_ok(&S_ED, one, ARC_CV_PASS);
	assert_non_null(strstr(two, "ARC-Seal: i=2; a=ed25519-sha256; cv=pass;"));
	expect_arc(two, ARC_CV_PASS, 2, 0);
	char *three = seal_ok(&S_RSA, two, ARC_CV_PASS);
	expect_arc(three, ARC_CV_PASS, 3, 0);

	struct dkim_verify *v = verify(three, strlen(three), 0);
	const struct arc_set *s1 = dkim_verify_arc_set(v, 1), *s2 = dkim_verify_arc_set(v, 2);
	assert_non_null(s1);
	assert_non_null(s2);
	assert_null(dkim_verify_arc_set(v, 4));
	assert_string_equal(s2->seal_domain, "fwd.example.net");
	assert_string_equal(s1->ams_domain, "lists.example.org");
	assert_int_equal(s2->cv, ARC_CV_PASS);
	assert_int_equal(s1->seal_result, DKIM_PASS);
	assert_non_null(strstr(s1->aar, "mx.example; dkim=pass"));
	assert_int_equal(dkim_verify_arc(v)->ams.result, DKIM_PASS);
	/* ARC-Message-Signature is not a DKIM-Signature */
	assert_int_equal(dkim_verify_nresults(v), 0);
	dkim_verify_free(v);
	free(one);
	free(two);
	free(three);
}

static char *
swap(const char *s, const char *from, const char *to)
{
	const char *at = strstr(s, from);
	struct strbuf out;

	assert_non_null(at);
	strbuf_init(&out, strlen(s) + strlen(to) + 1);
	strbuf_append(&out, s, (size_t)(at - s));
	strbuf_puts(&out, to);
	strbuf_puts(&out, at + strlen(from));
	return strbuf_steal(&out);
}

static void
test_tampered(void **state)
{
	(void)state;
	char *one = seal_ok(&S_RSA, MSG, ARC_CV_NONE);
	char *two = seal_ok(&S_ED, one, ARC_CV_PASS);

	/* the body after the last seal: AMS(2) fails */
	char *m = swap(two, "Hello list.", "Hello lost.");
	expect_arc(m, ARC_CV_FAIL, 2, 2);
	struct dkim_verify *v = verify(m, strlen(m), 0);
	assert_int_equal(dkim_verify_arc(v)->reason, DKIM_R_BODY_HASH);
	dkim_verify_free(v);
	free(m);
	/* a signed header field */
	m = swap(two, "Subject: [list] hello", "Subject: [list] hullo");
	expect_arc(m, ARC_CV_FAIL, 2, 2);
	free(m);
	/* the first set's AAR, which only AS(1) and AS(2) sign */
	m = swap(two, "ARC-Authentication-Results: i=1; mx.example; dkim=pass",
	    "ARC-Authentication-Results: i=1; mx.example; dkim=fail");
	v = verify(m, strlen(m), 0);
	assert_int_equal(dkim_verify_arc(v)->status, ARC_CV_FAIL);
	assert_int_equal(dkim_verify_arc(v)->reason, DKIM_R_SIGNATURE);
	dkim_verify_free(v);
	free(m);
	/* AMS(1) is not checked (RFC 8617 5.2 step 5 checks the newest only):
	 * a body changed before the second hop, then sealed, passes */
	m = swap(one, "Hello list.", "Hello list, from the forwarder.");
	char *resealed = seal_ok(&S_ED, m, ARC_CV_PASS);
	expect_arc(resealed, ARC_CV_PASS, 2, 0);
	free(resealed);
	free(m);
	free(one);
	free(two);
}

static void
test_structure(void **state)
{
	static const struct {
		const char *from, *to;
	} cases[] = {
		/* a missing AAR */
		{ "ARC-Authentication-Results: i=2;", "X-Was-AAR: i=2;" },
		/* a duplicate instance */
		{ "ARC-Authentication-Results: i=2;", "ARC-Authentication-Results: i=1;" },
		/* a gap: the newest set is numbered 3 */
		{ "ARC-Seal: i=2;", "ARC-Seal: i=3;" },
		/* i=1 with cv=pass */
		{ "ARC-Seal: i=1; a=rsa-sha256; cv=none;",
		    "ARC-Seal: i=1; a=rsa-sha256; cv=pass;" },
		/* i=2 with cv=none */
		{ "cv=pass;", "cv=none;" },
		/* an instance out of range */
		{ "ARC-Message-Signature: i=2;", "ARC-Message-Signature: i=51;" },
	};

	(void)state;
	char *one = seal_ok(&S_RSA, MSG, ARC_CV_NONE);
	char *two = seal_ok(&S_RSA, one, ARC_CV_PASS);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *m = swap(two, cases[i].from, cases[i].to);
		struct dkim_verify *v = verify(m, strlen(m), 0);
		const struct arc_result *a = dkim_verify_arc(v);
		if (a->status != ARC_CV_FAIL)
			fail_msg("case %zu: arc=%s (%s)", i, arc_cv_name(a->status), a->detail);
		assert_int_equal(a->failed, 0); /* structural: no instance to blame */
		assert_true(a->detail[0] != '\0');
		dkim_verify_free(v);

		/* a broken chain is sealed as failed, its seal over the new set only */
		int rc;
		char *s = seal(&S_ED, m, ARC_CV_PASS, &rc);
		if (s) {
			assert_non_null(strstr(s, "cv=fail;"));
			free(s);
		}
		free(m);
	}
	free(one);
	free(two);
}

static void
test_seal_rules(void **state)
{
	int rc;

	(void)state;
	char *one = seal_ok(&S_RSA, MSG, ARC_CV_NONE);
	/* a chain's validation must be given to extend it */
	assert_null(seal(&S_ED, one, ARC_CV_NONE, &rc));
	assert_int_equal(rc, -1);
	/* a chain that arrived failed is sealed cv=fail, then never extended */
	char *failed = seal_ok(&S_ED, one, ARC_CV_FAIL);
	assert_non_null(strstr(failed, "ARC-Seal: i=2; a=ed25519-sha256; cv=fail;"));
	expect_arc(failed, ARC_CV_FAIL, 2, 0);
	assert_null(seal(&S_RSA, failed, ARC_CV_PASS, &rc));
	assert_int_equal(rc, 1);
	/* no From: nothing to seal */
	assert_null(seal(&S_RSA, "To: x@example.com\r\n\r\nhi\r\n", ARC_CV_NONE, &rc));
	assert_int_equal(rc, -1);
	/* an AAR text with a line break that is not folding */
	struct arc_seal_opts o = {
		.key = &S_RSA.k, .authres = "mx; dkim=pass\r\nX-Injected: 1", .now = NOW
	};
	struct arc_seal *a = arc_seal_new(&o);
	struct strbuf out;
	char err[200];
	arc_seal_feed(a, MSG, strlen(MSG));
	strbuf_init(&out, 1 << 16);
	assert_int_equal(arc_seal_finish(a, &out, err, sizeof(err)), -1);
	assert_int_equal(out.len, 0);
	arc_seal_free(a);
	arc_seal_free(NULL);
	strbuf_free(&out);
	free(one);
	free(failed);
}

/* Fields put on top after the message was fed (vouchd's DKIM signatures)
 * are signed by the AMS where they are: above the message's own. */
static void
test_prepend(void **state)
{
	static const char top[] =
	    "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=new; h=From;\r\n\tbh=AAAA; b=TOP\r\n";
	static const char old[] =
	    "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=old; h=From; bh=AAAA; b=OLD\r\n";
	struct arc_seal_opts o = {
		.key = &S_RSA.k, .authres = "mx.example; auth=pass", .now = NOW
	};
	struct arc_seal *a = arc_seal_new(&o);
	struct strbuf msg, out, wrong;
	char err[200];

	(void)state;
	strbuf_init(&msg, 1 << 16);
	strbuf_puts(&msg, old);
	strbuf_puts(&msg, MSG);
	arc_seal_feed(a, msg.s, msg.len);
	assert_int_equal(arc_seal_prepend(a, top, strlen(top)), 0);
	/* text that is not header fields is refused */
	assert_int_equal(arc_seal_prepend(a, " folded\r\n", 10), -1);
	strbuf_init(&out, 1 << 20);
	assert_int_equal(arc_seal_finish(a, &out, err, sizeof(err)), 0);
	arc_seal_free(a);
	strbuf_init(&wrong, 1 << 20);
	strbuf_puts(&wrong, out.s);
	strbuf_puts(&out, top);
	strbuf_puts(&out, msg.s);
	expect_arc(out.s, ARC_CV_PASS, 1, 0);
	/* below the message's own signature it is another message */
	strbuf_puts(&wrong, old);
	strbuf_puts(&wrong, top);
	strbuf_puts(&wrong, MSG);
	struct dkim_verify *v = verify(wrong.s, wrong.len, 0);
	assert_int_equal(dkim_verify_arc(v)->status, ARC_CV_FAIL);
	dkim_verify_free(v);
	strbuf_free(&msg);
	strbuf_free(&out);
	strbuf_free(&wrong);
}

static void
test_aar_instance(void **state)
{
	unsigned inst;
	size_t off;
	char out[ARC_AAR_MAX + 1];

	(void)state;
	assert_int_equal(arc_aar_instance(" i=3; mx.example; spf=pass", 26, &inst, &off), 0);
	assert_int_equal(inst, 3);
	assert_int_equal(arc_aar_instance(" i = 12 ;x", 10, &inst, &off), 0);
	assert_int_equal(inst, 12);
	assert_int_equal(arc_aar_instance(" mx.example; spf=pass", 21, &inst, &off), -1);
	assert_int_equal(arc_aar_instance(" i=0; x", 7, &inst, &off), -1);
	assert_int_equal(arc_aar_instance(" i=51; x", 8, &inst, &off), -1);
	assert_int_equal(arc_aar_instance(" i=x; x", 7, &inst, &off), -1);
	arc_aar_copy(" mx.example;\r\n\tspf=pass", 23, out);
	assert_null(strchr(out, '\r'));
	assert_non_null(strstr(out, "spf=pass"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chain),
		cmocka_unit_test(test_tampered),
		cmocka_unit_test(test_structure),
		cmocka_unit_test(test_seal_rules),
		cmocka_unit_test(test_prepend),
		cmocka_unit_test(test_aar_instance),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
