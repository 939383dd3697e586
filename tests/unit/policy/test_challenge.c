/* Unit tests for policy/challenge and policy/challenge_store: tokens
 * (good, forged, expired, reused), the header fields and return paths
 * that are never challenged, and the end-of-data decision. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "policy/challenge.h"
#include "policy/challenge_store.h"
#include "store/store.h"
#include "util/str.h"

static const unsigned char KEY[] = "0123456789abcdef0123456789abcdef";
static const unsigned char OTHER[] = "fedcba9876543210fedcba9876543210";
#define KL (sizeof(KEY) - 1)

static void
test_token_roundtrip(void **state)
{
	char tok[CHALLENGE_TOKEN_LEN + 1], id[CHALLENGE_ID_LEN + 1];
	int64_t exp = 0;

	(void)state;
	challenge_token_make(KEY, KL, "0123456789abcdef", 2000000000, tok);
	assert_int_equal(strlen(tok), CHALLENGE_TOKEN_LEN);
	/* "confirm-" + token fits a local part (RFC 5321 4.5.3.1.1) */
	assert_true(8 + strlen(tok) <= 64);
	assert_int_equal(challenge_token_check(KEY, KL, tok, strlen(tok), 1999999999, id, &exp),
	    CHALLENGE_TOKEN_OK);
	assert_string_equal(id, "0123456789abcdef");
	assert_int_equal(exp, 2000000000);
	/* a mail system that upper-cases the local part does not break it */
	char up[sizeof(tok)];
	str_copy(up, sizeof(up), tok);
	for (char *p = up; *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	assert_int_equal(challenge_token_check(KEY, KL, up, strlen(up), 1999999999, id, &exp),
	    CHALLENGE_TOKEN_OK);
}

static void
test_token_forged(void **state)
{
	char tok[CHALLENGE_TOKEN_LEN + 1], bad[CHALLENGE_TOKEN_LEN + 1], id[CHALLENGE_ID_LEN + 1];
	int64_t exp;

	(void)state;
	challenge_token_make(KEY, KL, "0123456789abcdef", 2000000000, tok);
	/* another key */
	assert_int_equal(challenge_token_check(OTHER, KL, tok, strlen(tok), 0, id, &exp),
	    CHALLENGE_TOKEN_FORGED);
	/* each part changed: id, expiry (a later date), MAC */
	static const size_t at[] = { 0, 15, CHALLENGE_ID_LEN + 1, CHALLENGE_ID_LEN + 8,
		CHALLENGE_TOKEN_LEN - 1 };
	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		str_copy(bad, sizeof(bad), tok);
		bad[at[i]] = bad[at[i]] == '0' ? '1' : '0';
		assert_int_equal(challenge_token_check(KEY, KL, bad, strlen(bad), 0, id, &exp),
		    CHALLENGE_TOKEN_FORGED);
	}
	/* shapes that are no token */
	static const char *const junk[] = { "", "x", "0123456789abcdef-77359400-",
		"0123456789abcdeg-77359400-0123456789abcdef0123",
		"0123456789abcdef_77359400_0123456789abcdef0123", NULL };
	for (size_t i = 0; junk[i]; i++)
		assert_int_equal(
		    challenge_token_check(KEY, KL, junk[i], strlen(junk[i]), 0, id, &exp),
		    CHALLENGE_TOKEN_SYNTAX);
}

static void
test_token_expired(void **state)
{
	char tok[CHALLENGE_TOKEN_LEN + 1], id[CHALLENGE_ID_LEN + 1];
	int64_t exp;

	(void)state;
	challenge_token_make(KEY, KL, "00000000000000ff", 1000, tok);
	assert_int_equal(
	    challenge_token_check(KEY, KL, tok, strlen(tok), 999, id, &exp), CHALLENGE_TOKEN_OK);
	/* at its time it has expired, as its record in the store has */
	assert_int_equal(challenge_token_check(KEY, KL, tok, strlen(tok), 1000, id, &exp),
	    CHALLENGE_TOKEN_EXPIRED);
	assert_string_equal(id, "00000000000000ff");
}

/* Single use is the store's: a confirmed challenge is remembered as used. */
static void
test_token_reused(void **state)
{
	struct store *s = store_open_memory();
	struct challenge_rec r, got;
	char id[CHALLENGE_ID_LEN + 1];
	int64_t now = time(NULL);

	(void)state;
	memset(&r, 0, sizeof(r));
	challenge_new_id(r.id);
	assert_true(challenge_id_ok(r.id));
	str_copy(r.rcpt, sizeof(r.rcpt), "alice@test.example");
	str_copy(r.sender, sizeof(r.sender), "Bob@Sender.test");
	r.created = now;
	r.expires = now + 3600;
	assert_int_equal(challenge_store_create(s, &r), 0);
	assert_int_equal(challenge_store_get(s, r.id, &got), 1);
	assert_string_equal(got.sender, "Bob@Sender.test");
	assert_int_equal(got.expires, r.expires);
	/* the pair's outstanding challenge, found whatever the case */
	assert_int_equal(
	    challenge_store_outstanding(s, "ALICE@test.example", "bob@sender.test", id), 1);
	assert_string_equal(id, r.id);
	assert_int_equal(challenge_store_was_used(s, r.id), 0);
	/* confirmed: gone, and used */
	assert_int_equal(challenge_store_finish(s, &r, 1), 0);
	assert_int_equal(challenge_store_get(s, r.id, &got), 0);
	assert_int_equal(
	    challenge_store_outstanding(s, "alice@test.example", "bob@sender.test", id), 0);
	assert_int_equal(challenge_store_was_used(s, r.id), 1);
	/* discarded (not used): gone, not used */
	challenge_new_id(r.id);
	assert_int_equal(challenge_store_create(s, &r), 0);
	assert_int_equal(challenge_store_finish(s, &r, 0), 0);
	assert_int_equal(challenge_store_was_used(s, r.id), 0);
	/* ids are checked before they reach the store */
	assert_int_equal(challenge_store_get(s, "../../etc", &got), 0);
	store_close(s);
}

static void
test_whitelist(void **state)
{
	struct store *s = store_open_memory();

	(void)state;
	assert_int_equal(challenge_whitelist_has(s, "alice@test.example", "bob@sender.test"), 0);
	assert_int_equal(
	    challenge_whitelist_add(s, "alice@test.example", "Bob@Sender.test", "sent"), 0);
	assert_int_equal(challenge_whitelist_has(s, "alice@test.example", "bob@sender.test"), 1);
	assert_int_equal(challenge_whitelist_has(s, "carol@test.example", "bob@sender.test"), 0);
	assert_int_equal(challenge_whitelist_has(s, "alice@test.example", "eve@sender.test"), 0);
	assert_int_equal(
	    challenge_whitelist_add(s, "alice@test.example", "@sender.test", "admin"), 0);
	assert_int_equal(challenge_whitelist_has(s, "alice@test.example", "eve@sender.test"), 1);
	assert_int_equal(challenge_whitelist_has(s, "alice@test.example", ""), 0);
	assert_int_equal(challenge_whitelist_del(s, "alice@test.example", "@sender.test"), 0);
	assert_int_equal(challenge_whitelist_del(s, "alice@test.example", "@sender.test"), -1);
	assert_int_equal(challenge_whitelist_has(s, "alice@test.example", "eve@sender.test"), 0);
	store_close(s);
}

static void
test_rate_counts(void **state)
{
	struct store *s = store_open_memory();
	long long a, b, c;
	int64_t now = 7200 * 1000 + 10;

	(void)state;
	challenge_store_count(s, "bob@sender.test", now, 1);
	challenge_store_count(s, "eve@sender.test", now, 1);
	challenge_store_counts(s, "BOB@sender.test", now, &a, &b, &c);
	assert_int_equal(a, 1);
	assert_int_equal(b, 2);
	assert_int_equal(c, 2);
	/* the next hour starts again */
	challenge_store_counts(s, "bob@sender.test", now + 3600, &a, &b, &c);
	assert_int_equal(a + b + c, 0);
	challenge_store_count(s, "bob@sender.test", now, -1);
	challenge_store_counts(s, "bob@sender.test", now, &a, &b, &c);
	assert_int_equal(a, 0);
	store_close(s);
}

static void
test_header_flags(void **state)
{
	static const struct {
		const char *field;
		unsigned flags;
	} cases[] = {
		{ "List-Id: <news.example.org>\r\n", CHALLENGE_HDR_LIST },
		{ "list-id:<x>", CHALLENGE_HDR_LIST },
		{ "List-Unsubscribe: <mailto:x@example.org>\r\n", CHALLENGE_HDR_LIST },
		{ "Precedence: bulk\r\n", CHALLENGE_HDR_BULK },
		{ "Precedence: junk\r\n", CHALLENGE_HDR_BULK },
		{ "Precedence: list\r\n", CHALLENGE_HDR_LIST },
		{ "Precedence: first-class\r\n", 0 },
		{ "Auto-Submitted: auto-replied\r\n", CHALLENGE_HDR_AUTO },
		{ "Auto-Submitted: auto-generated; owner-email=x\r\n", CHALLENGE_HDR_AUTO },
		{ "Auto-Submitted: no\r\n", 0 },
		{ "Auto-Submitted: No (a person)\r\n", 0 },
		{ "Subject: List-Id: not a list\r\n", 0 },
		{ "List-Identity: x\r\n", 0 },
		{ "X-List-Id: x\r\n", 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(
		    challenge_header_flags(cases[i].field, strlen(cases[i].field)), cases[i].flags);
	assert_true(challenge_sender_is_list("MAILER-DAEMON@example.org"));
	assert_true(challenge_sender_is_list("owner-news@example.org"));
	assert_true(challenge_sender_is_list("news-request@example.org"));
	assert_true(challenge_sender_is_list("news-bounces@example.org"));
	assert_false(challenge_sender_is_list("bob@example.org"));
	assert_false(challenge_sender_is_list("owner@example.org"));
}

static void
spf(struct proofs *ps, enum proof_result r, const char *domain)
{
	struct proof p;

	memset(&p, 0, sizeof(p));
	p.method = PROOF_SPF_MAILFROM;
	p.result = r;
	str_copy(p.u.spf.domain, sizeof(p.u.spf.domain), domain);
	proofs_add(ps, &p);
}

static void
dkim(struct proofs *ps, enum proof_result r, const char *d)
{
	struct proof p;

	memset(&p, 0, sizeof(p));
	p.method = PROOF_DKIM;
	p.result = r;
	str_copy(p.identity, sizeof(p.identity), d);
	proofs_add(ps, &p);
}

static enum challenge_act
decide(const struct proofs *msg, struct challenge_in *in, const char **why)
{
	struct proofs sess;
	struct policy pol = { .l = NULL };
	struct verdict v;
	struct challenge_out out;

	memset(&v, 0, sizeof(v));
	v.code = 250;
	proofs_init(&sess);
	policy_challenge(&sess, msg, &pol, &v, in, &out);
	proofs_clear(&sess);
	*why = out.why;
	if (out.act == CHALLENGE_TEMPFAIL) {
		assert_int_equal(out.v.code, 451);
		assert_string_equal(out.v.status, "4.7.1");
	}
	return out.act;
}

static void
test_decision(void **state)
{
	struct proofs msg;
	struct challenge_in in;
	const char *why;

	(void)state;
	proofs_init(&msg);
	memset(&in, 0, sizeof(in));
	in.enabled = 1;
	in.sender = "bob@sender.test";
	in.max_sender = in.max_domain = in.max_all = 3;
	/* nothing proves the return path: the normal policy */
	assert_int_equal(decide(&msg, &in, &why), CHALLENGE_DELIVER);
	assert_string_equal(why, "unproven");
	spf(&msg, PROOF_NEUTRAL, "sender.test");
	assert_int_equal(decide(&msg, &in, &why), CHALLENGE_DELIVER);
	proofs_clear(&msg);
	/* SPF pass, but for another domain (the HELO's) proves nothing here */
	spf(&msg, PROOF_PASS, "other.test");
	assert_int_equal(decide(&msg, &in, &why), CHALLENGE_DELIVER);
	/* a DKIM signature of an unrelated domain neither */
	dkim(&msg, PROOF_PASS, "evil.test");
	dkim(&msg, PROOF_FAIL, "sender.test");
	assert_int_equal(decide(&msg, &in, &why), CHALLENGE_DELIVER);
	/* aligned DKIM: the domain itself, a parent, a subdomain */
	static const char *const aligned[] = { "sender.test", "mail.sender.test", NULL };
	for (size_t i = 0; aligned[i]; i++) {
		proofs_clear(&msg);
		dkim(&msg, PROOF_PASS, aligned[i]);
		assert_int_equal(decide(&msg, &in, &why), CHALLENGE_HOLD_NEW);
		assert_string_equal(why, "dkim");
	}
	in.sender = "bob@eu.sender.test";
	proofs_clear(&msg);
	dkim(&msg, PROOF_PASS, "sender.test");
	assert_int_equal(decide(&msg, &in, &why), CHALLENGE_HOLD_NEW);
	dkim(&msg, PROOF_PASS, "xsender.test");
	in.sender = "bob@sender.test";
	proofs_clear(&msg);
	dkim(&msg, PROOF_PASS, "xsender.test"); /* a suffix is not a parent */
	assert_int_equal(decide(&msg, &in, &why), CHALLENGE_DELIVER);
	proofs_clear(&msg);
	spf(&msg, PROOF_PASS, "sender.test");
	assert_int_equal(decide(&msg, &in, &why), CHALLENGE_HOLD_NEW);
	assert_string_equal(why, "spf");
	/* outstanding: held beside it */
	in.outstanding = 1;
	assert_int_equal(decide(&msg, &in, &why), CHALLENGE_HOLD_JOIN);
	in.outstanding = 0;
	/* the limits: per sender, per domain, in all */
	in.n_sender = 3;
	assert_int_equal(decide(&msg, &in, &why), CHALLENGE_TEMPFAIL);
	in.n_sender = 0;
	in.n_domain = 3;
	assert_int_equal(decide(&msg, &in, &why), CHALLENGE_TEMPFAIL);
	in.n_domain = 0;
	in.n_all = 3;
	assert_int_equal(decide(&msg, &in, &why), CHALLENGE_TEMPFAIL);
	in.n_all = 0;
	/* never challenged, proven or not */
	static const struct {
		const char *sender;
		unsigned hdr;
		const char *why;
	} never[] = {
		{ "", 0, "null-sender" },
		{ "bob@sender.test", CHALLENGE_HDR_LIST, "list" },
		{ "bob@sender.test", CHALLENGE_HDR_BULK, "list" },
		{ "bob@sender.test", CHALLENGE_HDR_AUTO, "auto-submitted" },
		{ "news-request@sender.test", 0, "list" },
	};
	for (size_t i = 0; i < sizeof(never) / sizeof(never[0]); i++) {
		in.sender = never[i].sender;
		in.hdr = never[i].hdr;
		assert_int_equal(decide(&msg, &in, &why), CHALLENGE_DELIVER);
		assert_string_equal(why, never[i].why);
	}
	in.sender = "bob@sender.test";
	in.hdr = 0;
	in.whitelisted = 1;
	assert_int_equal(decide(&msg, &in, &why), CHALLENGE_DELIVER);
	assert_string_equal(why, "whitelisted");
	in.whitelisted = 0;
	/* a refused or unsafe message goes as its verdict says; our users' mail is never held */
	{
		struct proofs sess;
		struct policy pol = { .l = NULL };
		struct verdict v;
		struct challenge_out out;
		proofs_init(&sess);
		memset(&v, 0, sizeof(v));
		v.code = 250;
		v.act = VERDICT_UNSAFE;
		policy_challenge(&sess, &msg, &pol, &v, &in, &out);
		assert_int_equal(out.act, CHALLENGE_DELIVER);
		assert_string_equal(out.why, "verdict");
		v.act = VERDICT_ACCEPT;
		v.code = 550;
		policy_challenge(&sess, &msg, &pol, &v, &in, &out);
		assert_int_equal(out.act, CHALLENGE_DELIVER);
		v.code = 250;
		pol.submission = 1;
		policy_challenge(&sess, &msg, &pol, &v, &in, &out);
		assert_string_equal(out.why, "authenticated");
		proofs_clear(&sess);
	}
	in.enabled = 0;
	assert_int_equal(decide(&msg, &in, &why), CHALLENGE_DELIVER);
	proofs_clear(&msg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_token_roundtrip),
		cmocka_unit_test(test_token_forged),
		cmocka_unit_test(test_token_expired),
		cmocka_unit_test(test_token_reused),
		cmocka_unit_test(test_whitelist),
		cmocka_unit_test(test_rate_counts),
		cmocka_unit_test(test_header_flags),
		cmocka_unit_test(test_decision),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
