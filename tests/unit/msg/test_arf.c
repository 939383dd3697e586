/*
 * test_arf: abuse report intake parsing (src/lib/msg/arf.c,
 * header_fields.c, on libvouch's MIME reader): an RFC 5965 feedback report, a
 * message forwarded as an attachment, forwarded inline, and a bare
 * message; header unfolding; lines and delimiters read as libvouch reads
 * them (bare CR, boundary prefixes).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "msg/arf.h"
#include "msg/header_fields.h"

/* RFC 5965 appendix B.2 style report */
static const char arf[] =
	"From: <abusedesk@example.com>\r\n"
	"Date: Thu, 8 Mar 2005 17:40:36 EDT\r\n"
	"Subject: FW: Earn money\r\n"
	"To: <abuse@example.net>\r\n"
	"MIME-Version: 1.0\r\n"
	"Content-Type: multipart/report; report-type=feedback-report;\r\n"
	"     boundary=\"part1_13d.2e68ed54_boundary\"\r\n"
	"\r\n"
	"--part1_13d.2e68ed54_boundary\r\n"
	"Content-Type: text/plain; charset=\"US-ASCII\"\r\n"
	"Content-Transfer-Encoding: 7bit\r\n"
	"\r\n"
	"This is an email abuse report for an email message received from IP\r\n"
	"192.0.2.1 on Thu, 8 Mar 2005 14:00:00 EDT.\r\n"
	"\r\n"
	"--part1_13d.2e68ed54_boundary\r\n"
	"Content-Type: message/feedback-report\r\n"
	"\r\n"
	"Feedback-Type: abuse\r\n"
	"User-Agent: SomeGenerator/1.0\r\n"
	"Version: 1\r\n"
	"Original-Mail-From: <somespammer@example.net>\r\n"
	"Original-Rcpt-To: <user@example.com>\r\n"
	"Arrival-Date: Thu, 8 Mar 2005 14:00:00 EDT\r\n"
	"Reporting-MTA: dns; mail.example.com\r\n"
	"Source-IP: 192.0.2.1\r\n"
	"Authentication-Results: mail.example.com; spf=fail smtp.mailfrom=somespammer@example.com\r\n"
	"Reported-Domain: example.net\r\n"
	"\r\n"
	"--part1_13d.2e68ed54_boundary\r\n"
	"Content-Type: message/rfc822\r\n"
	"Content-Disposition: inline\r\n"
	"\r\n"
	"Received: from mailserver.example.net\r\n"
	"        (mailserver.example.net [192.0.2.1])\r\n"
	"        by example.com with ESMTP id M63d4137594e46;\r\n"
	"        Thu, 08 Mar 2005 14:00:00 -0400\r\n"
	"From: <somespammer@example.net>\r\n"
	"To: <Undisclosed Recipients>\r\n"
	"Subject: Earn money\r\n"
	"MIME-Version: 1.0\r\n"
	"Content-type: text/plain\r\n"
	"Message-ID: 8787KJKJ3K4J3K4J3K4J3.mail@example.net\r\n"
	"Date: Thu, 02 Sep 2004 12:31:03 -0500\r\n"
	"\r\n"
	"Spam Spam Spam\r\n"
	"Spam Spam Spam\r\n"
	"--part1_13d.2e68ed54_boundary--\r\n";

static void
test_arf(void **state)
{
	struct arf_report a;
	const char *orig;

	(void)state;
	arf_parse(arf, sizeof(arf) - 1, &a);
	assert_int_equal(a.kind, ARF_FEEDBACK);
	assert_string_equal(arf_kind_name(a.kind), "arf");
	assert_string_equal(a.feedback_type, "abuse");
	assert_string_equal(a.user_agent, "SomeGenerator/1.0");
	assert_string_equal(a.version, "1");
	assert_string_equal(a.source_ip, "192.0.2.1");
	assert_int_equal(a.nrcpt, 1);
	assert_string_equal(a.original_rcpt_to[0], "<user@example.com>");
	assert_string_equal(a.reported_domain, "example.net");
	assert_string_equal(a.reporter, "<abusedesk@example.com>");
	assert_string_equal(a.subject, "Earn money");
	orig = arf + a.orig_off;
	assert_true(strncmp(orig, "Received: from mailserver.example.net", 37) == 0);
	/* the original ends before the closing boundary's line break */
	assert_true(strncmp(orig + a.orig_len - 14, "Spam Spam Spam", 14) == 0);
}

static const char attached[] =
	"From: Someone <someone@example.org>\n"
	"Subject: Fwd: spam\n"
	"Content-Type: multipart/mixed; boundary=XYZ\n"
	"\n"
	"--XYZ\n"
	"Content-Type: text/plain\n"
	"\n"
	"Look at this.\n"
	"--XYZ\n"
	"Content-Type: message/rfc822\n"
	"\n"
	"Received: from a.example (a.example [192.0.2.7]) by b.example id Q1; date\n"
	"Subject: the spam\n"
	"\n"
	"spam body\n"
	"--XYZ--\n";

static const char inline_fwd[] =
	"From: user@example.org\n"
	"Subject: Fwd: spam\n"
	"\n"
	"Please look.\n"
	"\n"
	"---------- Forwarded message ---------\n"
	"Received: from a.example (a.example [192.0.2.7]) by b.example id Q2; date\n"
	"Subject: inline spam\n"
	"\n"
	"spam\n";

static const char direct[] =
	"Received: from a.example (a.example [192.0.2.7]) by trap.example id Q3; date\n"
	"To: trap@trap.example\n"
	"Subject: direct spam\n"
	"\n"
	"spam\n";

static void
test_forwards(void **state)
{
	struct arf_report a;

	(void)state;
	arf_parse(attached, sizeof(attached) - 1, &a);
	assert_int_equal(a.kind, ARF_ATTACHED);
	assert_string_equal(a.subject, "the spam");
	assert_string_equal(a.reporter, "Someone <someone@example.org>");

	arf_parse(inline_fwd, sizeof(inline_fwd) - 1, &a);
	assert_int_equal(a.kind, ARF_INLINE);
	assert_string_equal(a.subject, "inline spam");
	assert_true(strncmp(inline_fwd + a.orig_off, "Received:", 9) == 0);

	arf_parse(direct, sizeof(direct) - 1, &a);
	assert_int_equal(a.kind, ARF_DIRECT);
	assert_int_equal(a.orig_off, 0);
	assert_int_equal(a.orig_len, sizeof(direct) - 1);
	assert_string_equal(a.subject, "direct spam");
}

static void
test_broken_multipart(void **state)
{
	static const char m[] = "Content-Type: multipart/report; report-type=feedback-report\n"
	    "\n--nobound\n";
	static const char m2[] = "Content-Type: multipart/mixed; boundary=\"b\"\n\n--b\n"
	    "Content-Type: message/rfc822\n";	/* part without a body or end */
	struct arf_report a;

	(void)state;
	arf_parse(m, sizeof(m) - 1, &a);
	assert_int_equal(a.kind, ARF_DIRECT);
	arf_parse(m2, sizeof(m2) - 1, &a);
	assert_true(a.orig_off + a.orig_len <= sizeof(m2) - 1);
	arf_parse("", 0, &a);
	assert_int_equal(a.orig_len, 0);
}

static void
test_msg_reader(void **state)
{
	static const char m[] = "From x  Mon Jan 1\nA: one\n two\nB:\tthree\r\nnot a field\nC: no\n";
	struct header_fields r;
	struct header_field *f = malloc(sizeof(*f));
	char v[64];

	(void)state;
	header_fields_init(&r, m, sizeof(m) - 1);
	assert_int_equal(header_fields_next(&r, f), 1);
	assert_string_equal(f->name, "A");
	assert_string_equal(f->value, "one two");
	assert_int_equal(header_fields_next(&r, f), 1);
	assert_string_equal(f->value, "three");
	assert_int_equal(header_fields_next(&r, f), 0);	/* a non-field line ends the header */
	free(f);
	assert_int_equal(header_fields_body_offset("A: b\n\nbody", 10), 6);
	assert_int_equal(header_fields_find("A: b\r\n c\r\n\r\n", 14, "a", v, sizeof(v)), 1);
	assert_string_equal(v, "b c");
}

/*
 * libvouch's reader splits lines as the most liberal mail reader does: a
 * field after a bare CR is a field (the registry's own reader hid it in
 * the one before, so it saw a message no reader shows).
 */
static void
test_bare_cr(void **state)
{
	static const char m[] = "Received: from a.example (a.example [192.0.2.7]) by b.example id Q;"
	    " date\rTo: trap@trap.example\r\nSubject: s\r\n\r\nbody\r\n";
	char v[128];
	struct arf_report a;

	(void)state;
	assert_int_equal(header_fields_find(m, sizeof(m) - 1, "To", v, sizeof(v)), 1);
	assert_string_equal(v, "trap@trap.example");
	assert_int_equal(header_fields_find(m, sizeof(m) - 1, "Received", v, sizeof(v)), 1);
	assert_null(strchr(v, '\r'));
	arf_parse(m, sizeof(m) - 1, &a);
	assert_string_equal(a.subject, "s");
}

/*
 * RFC 2046 5.1.1: only "--boundary" followed by white space ends a part.
 * The registry's own walker took any line starting so for a delimiter,
 * and found a "message" planted in the text part.
 */
static void
test_boundary_prefix(void **state)
{
	static const char m[] = "From: fbl@isp.test\n"
	    "Content-Type: multipart/mixed; boundary=\"b1\"\n"
	    "\n"
	    "--b1\n"
	    "Content-Type: text/plain\n"
	    "\n"
	    "see below\n"
	    "--b1x\n"
	    "Content-Type: message/rfc822\n"
	    "\n"
	    "Subject: planted\n"
	    "\n"
	    "x\n"
	    "--b1\n"
	    "Content-Type: message/rfc822\n"
	    "\n"
	    "Subject: the real one\n"
	    "\n"
	    "spam\n"
	    "--b1--\n";
	struct arf_report a;

	(void)state;
	arf_parse(m, sizeof(m) - 1, &a);
	assert_int_equal(a.kind, ARF_ATTACHED);
	assert_string_equal(a.subject, "the real one");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arf),
		cmocka_unit_test(test_forwards),
		cmocka_unit_test(test_broken_multipart),
		cmocka_unit_test(test_bare_cr),
		cmocka_unit_test(test_boundary_prefix),
		cmocka_unit_test(test_msg_reader),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
