/* Unit tests for smtp_cmd: verbs, MAIL/RCPT/BDAT/EHLO arguments, xtext. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "smtp/smtp_cmd.h"

static void
test_verbs(void **state)
{
	static const struct { const char *in; enum smtp_verb v; const char *arg; int code; } c[] = {
		{ "EHLO mx.example.com", SMTP_VERB_EHLO, "mx.example.com", 0 },
		{ "ehlo x", SMTP_VERB_EHLO, "x", 0 },
		{ "MAIL FROM:<a@b>", SMTP_VERB_MAIL, "FROM:<a@b>", 0 },
		{ "DATA", SMTP_VERB_DATA, "", 0 },
		{ "quit", SMTP_VERB_QUIT, "", 0 },
		{ "BDAT 10 LAST", SMTP_VERB_BDAT, "10 LAST", 0 },
		{ "STARTTLS", SMTP_VERB_STARTTLS, "", 0 },
		{ "XVOUCH abc", SMTP_VERB_XVOUCH, "abc", 0 },
		{ "DATAX", SMTP_VERB_UNKNOWN, NULL, 500 },
		{ "GET / HTTP/1.0", SMTP_VERB_UNKNOWN, NULL, 500 },
		{ "", SMTP_VERB_UNKNOWN, NULL, 500 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct smtp_cmd cmd;
		struct smtp_perr err = { 0, NULL, NULL };
		int r = smtp_cmd_parse(c[i].in, strlen(c[i].in), &cmd, &err);
		if (c[i].code) {
			assert_int_equal(r, -1);
			assert_int_equal(err.code, c[i].code);
			continue;
		}
		assert_int_equal(r, 0);
		assert_int_equal(cmd.verb, c[i].v);
		assert_int_equal(cmd.arglen, strlen(c[i].arg));
		assert_memory_equal(cmd.arg, c[i].arg, cmd.arglen);
	}
	struct smtp_cmd cmd;
	struct smtp_perr err;
	assert_int_equal(smtp_cmd_parse("NOOP\0x", 6, &cmd, &err), -1);
	assert_string_equal(err.status, "5.5.2");
}

#define ALL (SMTP_EXT_SIZE | SMTP_EXT_8BITMIME | SMTP_EXT_SMTPUTF8 | SMTP_EXT_DSN | SMTP_EXT_CHUNKING)

static void
test_mail(void **state)
{
	static const struct {
		const char *in;
		unsigned ext;
		int code;
		const char *status;
	} c[] = {
		{ "FROM:<a@b.example>", ALL, 0, NULL },
		{ "FROM: <a@b.example>", ALL, 0, NULL },
		{ "FROM:<>", ALL, 0, NULL },
		{ "FROM:<a@b.example> SIZE=1000 BODY=8BITMIME", ALL, 0, NULL },
		{ "FROM:<a@b.example> BODY=7BIT", ALL, 0, NULL },
		{ "FROM:<a@b.example> BODY=BINARYMIME", ALL, 501, "5.5.4" },
		{ "FROM:<a@b.example> SIZE=abc", ALL, 501, "5.5.4" },
		{ "FROM:<a@b.example> SIZE", ALL, 501, "5.5.4" },
		{ "FROM:<a@b.example> SIZE=1 SIZE=2", ALL, 501, "5.5.4" },
		{ "FROM:<a@b.example> FOO=bar", ALL, 555, "5.5.4" },
		{ "FROM:<a@b.example> SIZE=10", 0, 555, "5.5.4" },
		{ "FROM:<a@b.example> RET=FULL ENVID=abc+2Bdef", ALL, 0, NULL },
		{ "FROM:<a@b.example> RET=SOME", ALL, 501, "5.5.4" },
		{ "FROM:<a@b.example> ENVID=a+zz", ALL, 501, "5.5.4" },
		{ "FROM:a@b.example", ALL, 501, "5.5.4" },
		{ "TO:<a@b.example>", ALL, 501, "5.5.4" },
		{ "FROM:<a@b..example>", ALL, 501, "5.1.7" },
		{ "FROM:<us\xc3\xa9r@b.example>", ALL, 553, "5.6.7" },
		{ "FROM:<us\xc3\xa9r@b.example> SMTPUTF8", ALL, 0, NULL },
		{ "FROM:<a@b.example> SMTPUTF8=yes", ALL, 501, "5.5.4" },
		{ "FROM:<a@b.example>SIZE=10", ALL, 501, "5.5.4" },
		{ "FROM:<a@b.example> AUTH=<>", ALL | SMTP_EXT_AUTH, 0, NULL },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct smtp_mail_args m;
		struct smtp_perr err = { 0, NULL, NULL };
		int r = smtp_cmd_mail(c[i].in, strlen(c[i].in), c[i].ext, &m, &err);
		if (c[i].code == 0 && r != 0)
			fail_msg("case %zu '%s': refused %d %s %s", i, c[i].in, err.code, err.status, err.text);
		if (c[i].code != 0) {
			if (r == 0)
				fail_msg("case %zu '%s': accepted", i, c[i].in);
			assert_int_equal(err.code, c[i].code);
			assert_string_equal(err.status, c[i].status);
		}
	}
	struct smtp_mail_args m;
	struct smtp_perr err;
	const char *s = "FROM:<a@b.example> SIZE=12345 BODY=8BITMIME RET=HDRS ENVID=QQ+2B";
	assert_int_equal(smtp_cmd_mail(s, strlen(s), ALL, &m, &err), 0);
	assert_int_equal(m.size, 12345);
	assert_int_equal(m.body, SMTP_BODY_8BITMIME);
	assert_int_equal(m.ret, SMTP_RET_HDRS);
	assert_string_equal(m.envid, "QQ+2B");
	s = "FROM:<a@b.example> SIZE=99999999999999999999";
	assert_int_equal(smtp_cmd_mail(s, strlen(s), ALL, &m, &err), 0);
	assert_true(m.size > 1000000000000LL);
}

/* RFC 4865: HOLDFOR and HOLDUNTIL, only where FUTURERELEASE is offered. */
static void
test_future_release(void **state)
{
	static const struct {
		const char *in;
		unsigned ext;
		int code;
		long long holdfor, holduntil;
	} c[] = {
		{ "FROM:<a@b.example> HOLDFOR=3", SMTP_EXT_FUTURERELEASE, 0, 3, 0 },
		{ "FROM:<a@b.example> HOLDFOR=0", SMTP_EXT_FUTURERELEASE, 0, 0, 0 },
		{ "FROM:<a@b.example> HOLDFOR=999999999", SMTP_EXT_FUTURERELEASE, 0, 999999999, 0 },
		{ "FROM:<a@b.example> HOLDFOR=1000000000", SMTP_EXT_FUTURERELEASE, 501, -1, 0 },
		{ "FROM:<a@b.example> HOLDFOR=-1", SMTP_EXT_FUTURERELEASE, 501, -1, 0 },
		{ "FROM:<a@b.example> HOLDFOR=3s", SMTP_EXT_FUTURERELEASE, 501, -1, 0 },
		{ "FROM:<a@b.example> HOLDFOR", SMTP_EXT_FUTURERELEASE, 501, -1, 0 },
		{ "FROM:<a@b.example> HOLDFOR=3", ALL, 555, -1, 0 },
		{ "FROM:<a@b.example> HOLDUNTIL=2026-12-02T10:00:00Z", SMTP_EXT_FUTURERELEASE, 0, -1,
		    1796205600 },
		{ "FROM:<a@b.example> HOLDUNTIL=2026-12-02T11:00:00.25+01:00", SMTP_EXT_FUTURERELEASE,
		    0, -1, 1796205600 },
		{ "FROM:<a@b.example> HOLDUNTIL=2026-12-02t05:30:00-04:30", SMTP_EXT_FUTURERELEASE, 0,
		    -1, 1796205600 },
		{ "FROM:<a@b.example> HOLDUNTIL=2028-02-29T00:00:00Z", SMTP_EXT_FUTURERELEASE, 0, -1,
		    1835395200 },
		{ "FROM:<a@b.example> HOLDUNTIL=2027-02-29T00:00:00Z", SMTP_EXT_FUTURERELEASE, 501, -1,
		    0 },
		{ "FROM:<a@b.example> HOLDUNTIL=2026-12-02T10:00:00", SMTP_EXT_FUTURERELEASE, 501, -1,
		    0 },
		{ "FROM:<a@b.example> HOLDUNTIL=2026-12-02 10:00:00Z", SMTP_EXT_FUTURERELEASE, 501, -1,
		    0 },
		{ "FROM:<a@b.example> HOLDUNTIL=2026-12-02T24:00:00Z", SMTP_EXT_FUTURERELEASE, 501, -1,
		    0 },
		{ "FROM:<a@b.example> HOLDUNTIL=2026-12-02T10:00:00.Z", SMTP_EXT_FUTURERELEASE, 501, -1,
		    0 },
		{ "FROM:<a@b.example> HOLDFOR=5 HOLDUNTIL=2026-12-02T10:00:00Z", SMTP_EXT_FUTURERELEASE,
		    501, -1, 0 },
		{ "FROM:<a@b.example> HOLDUNTIL=2026-12-02T10:00:00Z HOLDFOR=5", SMTP_EXT_FUTURERELEASE,
		    501, -1, 0 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct smtp_mail_args m;
		struct smtp_perr err = { 0, NULL, NULL };
		int r = smtp_cmd_mail(c[i].in, strlen(c[i].in), c[i].ext, &m, &err);
		if (c[i].code == 0) {
			if (r != 0)
				fail_msg("case %zu '%s': refused %d %s", i, c[i].in, err.code, err.text);
			assert_int_equal(m.holdfor, c[i].holdfor);
			assert_int_equal(m.holduntil, c[i].holduntil);
		} else {
			if (r == 0)
				fail_msg("case %zu '%s': accepted", i, c[i].in);
			assert_int_equal(err.code, c[i].code);
			assert_string_equal(err.status, "5.5.4");
		}
	}
	char buf[40];
	smtp_datetime_format(1796205600, buf, sizeof(buf));
	assert_string_equal(buf, "2026-12-02T10:00:00Z");
	long long t;
	assert_int_equal(smtp_datetime_parse(buf, strlen(buf), &t), 0);
	assert_int_equal(t, 1796205600);
}

static void
test_rcpt(void **state)
{
	static const struct { const char *in; int utf8; int code; unsigned notify; } c[] = {
		{ "TO:<a@b.example>", 0, 0, 0 },
		{ "TO:<Postmaster>", 0, 0, 0 },
		{ "TO:<>", 0, 501, 0 },
		{ "TO:<a@b.example> NOTIFY=SUCCESS,FAILURE", 0, 0, SMTP_NOTIFY_SUCCESS | SMTP_NOTIFY_FAILURE },
		{ "TO:<a@b.example> NOTIFY=NEVER", 0, 0, SMTP_NOTIFY_NEVER },
		{ "TO:<a@b.example> NOTIFY=NEVER,DELAY", 0, 501, 0 },
		{ "TO:<a@b.example> NOTIFY=SUCCESS,", 0, 501, 0 },
		{ "TO:<a@b.example> ORCPT=rfc822;a+40b.example", 0, 0, 0 },
		{ "TO:<a@b.example> ORCPT=rfc822", 0, 501, 0 },
		{ "TO:<a@b.example> SIZE=1", 0, 555, 0 },
		{ "TO:<\xc3\xa9@b.example>", 0, 553, 0 },
		{ "TO:<\xc3\xa9@b.example>", 1, 0, 0 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct smtp_rcpt_args r;
		struct smtp_perr err = { 0, NULL, NULL };
		int rc = smtp_cmd_rcpt(c[i].in, strlen(c[i].in), ALL, c[i].utf8, &r, &err);
		if (c[i].code == 0) {
			if (rc != 0)
				fail_msg("case %zu '%s': refused %d %s", i, c[i].in, err.code, err.text);
			assert_int_equal(r.notify, c[i].notify);
		} else {
			if (rc == 0)
				fail_msg("case %zu '%s': accepted", i, c[i].in);
			assert_int_equal(err.code, c[i].code);
		}
	}
}

static void
test_bdat(void **state)
{
	unsigned long long size;
	int last;
	struct smtp_perr err;

	(void)state;
	assert_int_equal(smtp_cmd_bdat("100", 3, &size, &last, &err), 0);
	assert_int_equal(size, 100);
	assert_int_equal(last, 0);
	assert_int_equal(smtp_cmd_bdat("0 LAST", 6, &size, &last, &err), 0);
	assert_int_equal(size, 0);
	assert_int_equal(last, 1);
	assert_int_equal(smtp_cmd_bdat("12 last", 7, &size, &last, &err), 0);
	assert_int_equal(last, 1);
	assert_int_equal(smtp_cmd_bdat("", 0, &size, &last, &err), -1);
	assert_int_equal(smtp_cmd_bdat("-1", 2, &size, &last, &err), -1);
	assert_int_equal(smtp_cmd_bdat("10 FIRST", 8, &size, &last, &err), -1);
	assert_int_equal(smtp_cmd_bdat("99999999999999999999999", 23, &size, &last, &err), -1);
	assert_int_equal(err.code, 552);
}

static void
test_helo(void **state)
{
	enum smtp_helo_kind k;
	struct smtp_perr err;

	(void)state;
	assert_int_equal(smtp_cmd_helo("mx.example.com", 14, &k, &err), 0);
	assert_int_equal(k, SMTP_HELO_DOMAIN);
	assert_int_equal(smtp_cmd_helo("[192.0.2.1]", 11, &k, &err), 0);
	assert_int_equal(k, SMTP_HELO_LITERAL);
	assert_int_equal(smtp_cmd_helo("[IPv6:2001:db8::1]", 18, &k, &err), 0);
	assert_int_equal(k, SMTP_HELO_LITERAL);
	assert_int_equal(smtp_cmd_helo("my_host", 7, &k, &err), 0);
	assert_int_equal(k, SMTP_HELO_INVALID);
	assert_int_equal(smtp_cmd_helo("[300.1.1.1]", 11, &k, &err), 0);
	assert_int_equal(k, SMTP_HELO_INVALID);
	assert_int_equal(smtp_cmd_helo("", 0, &k, &err), -1);
	assert_int_equal(smtp_cmd_helo("a b", 3, &k, &err), -1);
	assert_int_equal(smtp_cmd_helo("a\x01", 2, &k, &err), -1);
}

static void
test_xtext(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(smtp_xtext_decode("a+2Bb+3Dc", 9, out, sizeof(out)), 5);
	assert_string_equal(out, "a+b=c");
	assert_int_equal(smtp_xtext_decode("a+2b", 4, out, sizeof(out)), -1);
	assert_int_equal(smtp_xtext_decode("a+2", 3, out, sizeof(out)), -1);
	assert_int_equal(smtp_xtext_encode("a+b c=", 6, out, sizeof(out)), 12);
	assert_string_equal(out, "a+2Bb+20c+3D");
	assert_int_equal(smtp_xtext_encode("abc", 3, out, 3), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verbs),
		cmocka_unit_test(test_mail),
		cmocka_unit_test(test_future_release),
		cmocka_unit_test(test_rcpt),
		cmocka_unit_test(test_bdat),
		cmocka_unit_test(test_helo),
		cmocka_unit_test(test_xtext),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
