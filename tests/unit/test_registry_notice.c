/*
 * test_registry_notice: the mails to owners (src/registry/core/reg_notice.c):
 * placeholders filled, values that cannot break a header or a line,
 * the Subject line split off; the composed message's MIME structure with
 * the reports attached as message/rfc822 and every line end CRLF; a
 * boundary that never occurs in an attachment; the shipped templates say
 * what to do.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "reg_notice.h"
#include "util/str.h"

static void
test_render(void **state)
{
	static const struct reg_notice_var vars[] = {
		{ "hostname", "mx.example.com" },
		{ "reason", "spam\r\nBcc: victim@example.org" },
		{ "owner_name", "J\xc3\xbcrgen" },
	};
	static const char tmpl[] = "Subject: ${hostname} for ${owner_name}\n"
	                           "\n"
	                           "Dear ${owner_name},\nwhy: ${reason}\n${unknown} stays\n";
	struct strbuf subject, body;

	(void)state;
	strbuf_init(&subject, 1024);
	strbuf_init(&body, 4096);
	assert_int_equal(reg_notice_render(tmpl, strlen(tmpl), vars, 3, &subject, &body), 0);
	/* non-ASCII never reaches a header unencoded */
	assert_string_equal(subject.s, "mx.example.com for J??rgen");
	/* a value cannot start a line (or a header) of its own */
	assert_string_equal(body.s, "Dear J\xc3\xbcrgen,\nwhy: spam  Bcc: victim@example.org\n"
	                            "${unknown} stays\n");
	strbuf_free(&subject);
	strbuf_free(&body);

	/* no Subject line: a default one, the whole text is the body */
	strbuf_init(&subject, 1024);
	strbuf_init(&body, 4096);
	assert_int_equal(reg_notice_render("hello\n", 6, vars, 3, &subject, &body), 0);
	assert_string_equal(subject.s, "Notice from the registry");
	assert_string_equal(body.s, "hello\n");
	strbuf_free(&subject);
	strbuf_free(&body);
}

static void
test_compose(void **state)
{
	static const char r1[] = "Received: from a\nSubject: one\n\nbody\r.dot\n";
	static const struct reg_notice_part parts[] = { { 7, r1, sizeof(r1) - 1 } };
	const char *to[] = { "owner@example.com", "admin@example.com" };
	struct reg_notice_mail m = { "Reg", "reg@reg.test", to, 2, "Sub", "line1\nline2\n",
		"n-1@reg.test", 1795392000, parts, 1, "BOUND" };
	struct strbuf out;

	(void)state;
	strbuf_init(&out, 1 << 16);
	assert_int_equal(reg_notice_compose(&m, &out), 0);
	assert_string_equal(out.s,
	    "From: Reg <reg@reg.test>\r\n"
	    "To: <owner@example.com>, <admin@example.com>\r\n"
	    "Subject: Sub\r\n"
	    "Date: Mon, 23 Nov 2026 00:00:00 +0000\r\n"
	    "Message-ID: <n-1@reg.test>\r\n"
	    "Auto-Submitted: auto-generated\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: multipart/mixed; boundary=\"BOUND\"\r\n"
	    "\r\n"
	    "This is a MIME message.\r\n"
	    "\r\n"
	    "--BOUND\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: 8bit\r\n"
	    "\r\n"
	    "line1\r\nline2\r\n"
	    "\r\n--BOUND\r\n"
	    "Content-Type: message/rfc822\r\n"
	    "Content-Transfer-Encoding: 8bit\r\n"
	    "Content-Description: abuse report 7, as received\r\n"
	    "Content-Disposition: attachment; filename=\"report-7.eml\"\r\n"
	    "\r\n"
	    "Received: from a\r\nSubject: one\r\n\r\nbody\r\n.dot\r\n"
	    "\r\n--BOUND--\r\n");
	strbuf_free(&out);
}

static void
test_random_boundary_avoids_parts(void **state)
{
	/* a report that tries to end the attachment early with every
	 * boundary this code could make starts with "--=_vr_" */
	static const char r1[] = "Subject: x\n\n--=_vr_\n--=_vr_0\n--=_vr_f\n";
	static const struct reg_notice_part parts[] = { { 1, r1, sizeof(r1) - 1 } };
	const char *to[] = { "owner@example.com" };
	struct reg_notice_mail m = { "Reg", "reg@reg.test", to, 1, "Sub", "b\n", "n@r", 0, parts,
		1, NULL };

	(void)state;
	for (int i = 0; i < 50; i++) {
		struct strbuf out;
		const char *b, *q;
		char boundary[80], delim[90];
		strbuf_init(&out, 1 << 16);
		assert_int_equal(reg_notice_compose(&m, &out), 0);
		b = strstr(out.s, "boundary=\"") + 10;
		q = strchr(b, '"');
		snprintf(boundary, sizeof(boundary), "%.*s", (int)(q - b), b);
		assert_int_equal(strlen(boundary), 5 + 24);
		snprintf(delim, sizeof(delim), "\r\n--%s", boundary);
		/* the delimiter occurs exactly at the two parts and the close */
		int n = 0;
		for (const char *p = out.s; (p = strstr(p, delim)) != NULL; p++)
			n++;
		assert_int_equal(n, 3);
		strbuf_free(&out);
	}
}

static void
test_shipped_templates(void **state)
{
	(void)state;
	assert_non_null(strstr(reg_notice_default_template(REG_NOTICE_SUSPENDED),
	    "What to do to be reinstated"));
	assert_non_null(strstr(reg_notice_default_template(REG_NOTICE_FORFEITED), "${bond_amount}"));
	assert_non_null(strstr(reg_notice_default_template(REG_NOTICE_REINSTATED), "What to do"));
	for (int k = 0; k < 3; k++)
		assert_int_equal(
		    strncmp(reg_notice_default_template((enum reg_notice_kind)k), "Subject: ", 9), 0);
	assert_string_equal(reg_notice_kind_name(REG_NOTICE_FORFEITED), "forfeited");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_compose),
		cmocka_unit_test(test_random_boundary_avoids_parts),
		cmocka_unit_test(test_shipped_templates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
