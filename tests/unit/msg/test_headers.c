/* Unit tests for msg/hdrfilter (streaming removal of header fields),
 * msg/authres (Authentication-Results, Received-SPF) and msg/dsn. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "msg/authres.h"
#include "msg/dsn.h"
#include "msg/hdrfilter.h"

static int
drop_ar(void *arg, const char *field, size_t len)
{
	(void)arg;
	return !hdrfilter_field_is(field, len, "Authentication-Results", NULL, NULL);
}

static void
run_filter(const char *in, size_t step, struct strbuf *out)
{
	struct hdrfilter f;
	size_t n = strlen(in);

	hdrfilter_init(&f, drop_ar, NULL);
	for (size_t i = 0; i < n; i += step)
		hdrfilter_feed(&f, in + i, n - i < step ? n - i : step, out);
	hdrfilter_finish(&f, out);
	hdrfilter_free(&f);
}

static void
test_hdrfilter(void **state)
{
	const char *in = "Received: from a\r\n\tby b\r\n"
	                 "Authentication-Results: x; spf=pass\r\n\tdkim=none\r\n"
	                 "authentication-results : y; none\r\n"
	                 "Subject: keep\r\n"
	                 "\r\n"
	                 "Authentication-Results: in the body stays\r\n";
	const char *want = "Received: from a\r\n\tby b\r\n"
	                   "Subject: keep\r\n"
	                   "\r\n"
	                   "Authentication-Results: in the body stays\r\n";

	(void)state;
	for (size_t step = 1; step < 40; step += 3) {
		struct strbuf out;
		strbuf_init(&out, 1 << 20);
		run_filter(in, step, &out);
		assert_string_equal(out.s, want);
		strbuf_free(&out);
	}
	/* a message that is all headers, no body */
	struct strbuf out;
	strbuf_init(&out, 1 << 20);
	run_filter("Subject: x\r\nAuthentication-Results: y\r\n", 5, &out);
	assert_string_equal(out.s, "Subject: x\r\n");
	strbuf_free(&out);
	/* a field too long to judge passes through whole */
	size_t big = HDRFILTER_FIELD_MAX + 100;
	char *msg = malloc(big + 100);
	memcpy(msg, "Authentication-Results: ", 24);
	memset(msg + 24, 'a', big);
	str_copy(msg + 24 + big, 76, "\r\n\r\nbody\r\n");
	strbuf_init(&out, 4 << 20);
	run_filter(msg, 4096, &out);
	assert_int_equal(out.len, strlen(msg));
	strbuf_free(&out);
	free(msg);
}

static void
test_authres(void **state)
{
	struct authres_entry e[] = {
		{ "spf", "pass", NULL, "smtp.mailfrom", "a@b.example" },
		{ "iprev", "fail", "no (PTR) here", "policy.iprev", "192.0.2.1" },
		{ "x-vouch", "none", NULL, "smtp.helo", "odd name;x" },
	};
	struct strbuf out;
	char id[100];

	(void)state;
	strbuf_init(&out, 4096);
	authres_format("mx.example.com", e, 3, &out);
	assert_string_equal(out.s,
	    "Authentication-Results: mx.example.com;\r\n"
	    "\tspf=pass smtp.mailfrom=a@b.example;\r\n"
	    "\tiprev=fail (no \\(PTR\\) here) policy.iprev=192.0.2.1;\r\n"
	    "\tx-vouch=none smtp.helo=\"odd name;x\"\r\n");
	strbuf_reset(&out);
	/* several properties (DKIM's header.d, header.s, header.b), after the others */
	struct authres_multi d[] = {
		{ "dkim", "pass", "2048-bit key",
		    { { "header.d", "a.example" }, { "header.s", "sel" },
		        { "header.b", "ab+c/d9x" } } },
		{ "arc", "none", NULL, { { NULL, NULL } } },
	};
	authres_format_multi("mx.example.com", e, 1, d, 2, &out);
	assert_string_equal(out.s,
	    "Authentication-Results: mx.example.com;\r\n"
	    "\tspf=pass smtp.mailfrom=a@b.example;\r\n"
	    "\tdkim=pass (2048-bit key) header.d=a.example header.s=sel header.b=ab+c/d9x;\r\n"
	    "\tarc=none\r\n");
	strbuf_reset(&out);
	authres_format("mx.example.com", NULL, 0, &out);
	assert_string_equal(out.s, "Authentication-Results: mx.example.com; none\r\n");
	assert_int_equal(
	    authres_authserv_id(" (c (nested)) MX.Example.com;\r\n\tspf=pass", 41, id, sizeof(id)),
	    0);
	assert_string_equal(id, "MX.Example.com");
	assert_int_equal(authres_authserv_id("   ", 3, id, sizeof(id)), -1);
	/* RFC 8601 2.2: the id is a value, a token or a quoted string */
	const char *quoted = "\"mx.ex\\ample\"; spf=pass", *open_quote = "\"mx.example";
	assert_int_equal(authres_authserv_id(quoted, strlen(quoted), id, sizeof(id)), 0);
	assert_string_equal(id, "mx.example");
	assert_int_equal(authres_authserv_id(open_quote, strlen(open_quote), id, sizeof(id)), -1);
	strbuf_free(&out);
}

/* RFC 8601 5: a forged copy of our field is recognised however its id is
 * written: quoted, with a final dot, in another case, after comments. */
static void
test_authres_is_ours(void **state)
{
	static const struct {
		const char *value;
		int ours;
	} cases[] = {
		{ " mx.example.com; spf=pass", 1 },
		{ " MX.Example.COM; spf=pass", 1 },
		{ " \"mx.example.com\"; spf=pass", 1 },
		{ " mx.example.com.; spf=pass", 1 },
		{ " \"mx.example.com.\"; spf=pass", 1 },
		{ " (forged) \"MX.EXAMPLE.COM\" 1; spf=pass", 1 },
		{ " \"mx.exa\\mple.com\"; spf=pass", 1 },
		{ " mx.example.com;\r\n\tspf=pass", 1 },
		{ " other.example.com; spf=pass", 0 },
		{ " mx.example.com.evil; spf=pass", 0 },
		{ " \"mx.example.com ; spf=pass", 0 },
		{ " mx.example.co; spf=pass", 0 },
		{ " ; spf=pass", 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (authres_is_ours(cases[i].value, strlen(cases[i].value), "mx.example.com") !=
		    cases[i].ours)
			fail_msg("case %zu: %s", i, cases[i].value);
		/* ours configured with a final dot reads the same */
		assert_int_equal(
		    authres_is_ours(cases[i].value, strlen(cases[i].value), "mx.example.com."),
		    cases[i].ours);
	}
}

/* Issue 13 item 17: what outbound delivery leaves out of mail that leaves. */
static void
test_authres_own_prefix(void **state)
{
	static const struct {
		const char *msg;
		size_t want;
	} cases[] = {
		{ "Authentication-Results: mx.example.com;\r\n\tauth=pass smtp.auth=alice\r\n"
		  "Received: from x\r\n",
		    69 },
		/* two of ours, then someone else's: both of ours */
		{ "Authentication-Results: mx.example.com; none\r\n"
		  "Authentication-Results: \"MX.example.com.\";\r\n spf=pass\r\n"
		  "Authentication-Results: other.example; spf=fail\r\n",
		    101 },
		{ "Received: from x\r\nAuthentication-Results: mx.example.com; none\r\n", 0 },
		{ "Authentication-Results: other.example; none\r\n", 0 },
		/* not all of the field is in the buffer: nothing is cut */
		{ "Authentication-Results: mx.example.com;\r\n\tauth=pass", 0 },
		{ "Authentication-Results: mx.example.com; none\r\n", 0 },
		{ "", 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t got =
		    authres_own_prefix(cases[i].msg, strlen(cases[i].msg), "mx.example.com");
		if (got != cases[i].want)
			fail_msg("case %zu: %zu, want %zu", i, got, cases[i].want);
	}
}

static void
test_dsn(void **state)
{
	struct dsn_rcpt r[2] = {
		{ "rfc822;team+40x.example", "bob@x.example", DSN_FAILED, "5.1.1", "mx.x.example",
		    "550 5.1.1 no such user", 1700000000, 0 },
		{ NULL, "carol@y.example", DSN_DELAYED, "4.4.1", NULL, "connection refused",
		    1700000000, 1700400000 },
	};
	const char orig[] = "Subject: hello\r\nFrom: a@b.example\r\n\r\nthe body\r\n";
	struct dsn_info info = { "mx.b.example", "a@b.example", "env+2B1", 1699990000, 1700000000,
		"0123", r, 2, DSN_RETURN_FULL, orig, sizeof(orig) - 1, 100000, "BOUNDARY" };
	struct strbuf out;

	(void)state;
	strbuf_init(&out, 1 << 20);
	assert_int_equal(dsn_compose(&info, &out), 0);
	assert_non_null(strstr(out.s, "Subject: Undelivered Mail Returned to Sender\r\n"));
	assert_non_null(
	    strstr(out.s, "Content-Type: multipart/report; report-type=delivery-status;"));
	assert_non_null(strstr(out.s, "Reporting-MTA: dns; mx.b.example\r\n"));
	assert_non_null(strstr(out.s, "Original-Envelope-Id: env+1\r\n"));
	assert_non_null(strstr(out.s, "Original-Recipient: rfc822;team@x.example\r\n"));
	assert_non_null(strstr(out.s,
	    "Final-Recipient: rfc822; bob@x.example\r\nAction: failed\r\n"
	    "Status: 5.1.1\r\nRemote-MTA: dns; mx.x.example\r\nDiagnostic-Code: smtp; 550 5.1.1 no such user\r\n"));
	assert_non_null(strstr(out.s, "Action: delayed\r\n"));
	assert_non_null(strstr(out.s, "Will-Retry-Until: "));
	assert_non_null(strstr(out.s, "Content-Type: message/rfc822\r\n\r\nSubject: hello"));
	assert_non_null(strstr(out.s, "\r\n--BOUNDARY--\r\n"));
	assert_non_null(strstr(out.s, "Auto-Submitted: auto-replied\r\n"));
	/* headers only when asked, or when the original is too big */
	strbuf_reset(&out);
	info.ret = DSN_RETURN_HEADERS;
	dsn_compose(&info, &out);
	assert_non_null(strstr(out.s,
	    "Content-Type: text/rfc822-headers\r\n\r\nSubject: hello\r\n"
	    "From: a@b.example\r\n\r\n--BOUNDARY--"));
	assert_null(strstr(out.s, "the body"));
	strbuf_reset(&out);
	info.ret = DSN_RETURN_FULL;
	info.max_full = 10;
	dsn_compose(&info, &out);
	assert_null(strstr(out.s, "the body"));
	assert_string_equal(dsn_subject(&r[1], 1), "Delayed Mail (still being retried)");
	strbuf_free(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hdrfilter),
		cmocka_unit_test(test_authres),
		cmocka_unit_test(test_authres_is_ours),
		cmocka_unit_test(test_authres_own_prefix),
		cmocka_unit_test(test_dsn),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
