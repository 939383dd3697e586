/* Unit tests for msg/received: the trace header's shape. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "msg/received.h"

static void
test_format(void **state)
{
	struct received_info ri;
	struct strbuf out;

	(void)state;
	setenv("TZ", "UTC", 1);
	memset(&ri, 0, sizeof(ri));
	ri.helo = "client.example";
	ri.verified_name = "mail.client.example";
	ri.client_addr = "192.0.2.1";
	ri.by = "mx.example.com";
	ri.protocol = received_protocol(1, 1, 0, 0);
	ri.queue_id = "0123456789ABCDEF0";
	ri.tls_version = "TLSv1.3";
	ri.tls_cipher = "TLS_AES_256_GCM_SHA384";
	ri.for_rcpt = "alice@example.com";
	ri.when = 1700000000;
	strbuf_init(&out, 4096);
	assert_int_equal(received_format(&ri, &out), 0);
	assert_string_equal(out.s,
	    "Received: from client.example (mail.client.example [192.0.2.1])\r\n"
	    "\tby mx.example.com (vouch) with ESMTPS id 0123456789ABCDEF0\r\n"
	    "\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384)\r\n"
	    "\tfor <alice@example.com>; Tue, 14 Nov 2023 22:13:20 +0000\r\n");
	assert_string_equal(received_protocol(0, 0, 0, 0), "SMTP");
	assert_string_equal(received_protocol(1, 1, 1, 0), "ESMTPSA");
	assert_string_equal(received_protocol(1, 0, 1, 1), "UTF8SMTPA");
	strbuf_free(&out);
}

/*
 * A strict reader of RFC 5322 3.6.7:
 *   received = "Received:" *received-token ";" date-time CRLF
 *   received-token = word / angle-addr / addr-spec / domain
 * over the unfolded field, with comments (CFWS) anywhere between tokens,
 * and RFC 5322 3.3 date-time after the ";". Returns 1 if the whole field
 * matches, 0 otherwise.
 */
static const char *
skip_cfws(const char *p)
{
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != '(')
			return p;
		int depth = 0;
		for (; *p; p++) {
			if (*p == '\\' && p[1]) {
				p++;
				continue;
			}
			if (*p == '(')
				depth++;
			else if (*p == ')' && --depth == 0) {
				p++;
				break;
			}
		}
		if (depth != 0)
			return NULL;
	}
}

static int
is_atext(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    (c && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* One received-token: an atom/dot-atom, a quoted string, a domain literal,
 * local@domain, or <addr-spec>. */
static const char *
token(const char *p)
{
	int angle = *p == '<';

	if (angle)
		p++;
	for (int part = 0; part < 2; part++) {
		if (*p == '"') {
			for (p++; *p && *p != '"'; p++)
				if (*p == '\\' && p[1])
					p++;
			if (*p != '"')
				return NULL;
			p++;
		} else if (*p == '[') {
			while (*p && *p != ']')
				p++;
			if (*p != ']')
				return NULL;
			p++;
		} else {
			const char *s = p;
			while (is_atext(*p) || (*p == '.' && p > s && is_atext(p[1])))
				p++;
			if (p == s)
				return NULL;
		}
		if (*p != '@')
			break;
		p++;
	}
	if (angle && *p++ != '>')
		return NULL;
	return p;
}

static int
digits(const char **pp, int min, int max)
{
	int n = 0;

	while (**pp >= '0' && **pp <= '9') {
		(*pp)++;
		n++;
	}
	return n >= min && n <= max;
}

/* RFC 5322 3.3: [day-of-week ","] day month year hour ":" minute [":" second] zone */
static int
date_time(const char *p)
{
	static const char *const days[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul",
		"Aug", "Sep", "Oct", "Nov", "Dec" };
	int ok = 0;

	p = skip_cfws(p);
	for (int i = 0; p && i < 7; i++)
		if (strncmp(p, days[i], 3) == 0 && p[3] == ',')
			p = skip_cfws(p + 4);
	if (p == NULL || !digits(&p, 1, 2) || *p != ' ')
		return 0;
	p++;
	for (int i = 0; i < 12; i++)
		if (strncmp(p, months[i], 3) == 0)
			ok = 1;
	if (!ok || p[3] != ' ')
		return 0;
	p += 4;
	if (!digits(&p, 4, 4) || *p != ' ')
		return 0;
	p++;
	if (!digits(&p, 2, 2) || *p++ != ':' || !digits(&p, 2, 2))
		return 0;
	if (*p == ':') {
		p++;
		if (!digits(&p, 2, 2))
			return 0;
	}
	if (*p++ != ' ' || (*p != '+' && *p != '-'))
		return 0;
	p++;
	if (!digits(&p, 4, 4))
		return 0;
	p = skip_cfws(p);
	return p && strcmp(p, "\r\n") == 0;
}

static int
strict_received(const char *field)
{
	char unfolded[4096];
	size_t o = 0;
	const char *p;

	/* RFC 5322 2.2.3: unfold CRLF followed by white space; keep the last CRLF */
	for (p = field; *p && o + 1 < sizeof(unfolded); p++) {
		if (p[0] == '\r' && p[1] == '\n' && (p[2] == ' ' || p[2] == '\t')) {
			p++;
			continue;
		}
		unfolded[o++] = *p;
	}
	unfolded[o] = '\0';
	if (strncmp(unfolded, "Received:", 9) != 0)
		return 0;
	p = unfolded + 9;
	for (;;) {
		p = skip_cfws(p);
		if (p == NULL)
			return 0;
		if (*p == ';')
			return date_time(p + 1);
		p = token(p);
		if (p == NULL)
			return 0;
	}
}

/* Every shape the header takes passes the strict reader: with and without
 * TLS, a tracking id, a stamped user, one recipient or several (no "for"). */
static void
test_strict_grammar(void **state)
{
	(void)state;
	setenv("TZ", "UTC", 1);
	for (int mask = 0; mask < 16; mask++) {
		struct received_info ri;
		struct strbuf out;

		memset(&ri, 0, sizeof(ri));
		ri.helo = "client.example";
		ri.verified_name = mask & 8 ? "mail.client.example" : NULL;
		ri.client_addr = "192.0.2.1";
		ri.by = "mx.example.com";
		ri.protocol = received_protocol(1, mask & 1, mask & 2, 0);
		ri.queue_id = "0123456789ABCDEF0";
		if (mask & 1) {
			ri.tls_version = "TLSv1.3";
			ri.tls_cipher = "TLS_AES_256_GCM_SHA384";
		}
		if (mask & 2) {
			ri.tracking = "3f9a0123456789ab";
			ri.user = "alice@example.com";
		}
		ri.for_rcpt = mask & 4 ? "alice@example.com" : NULL;
		ri.when = 1700000000;
		strbuf_init(&out, 4096);
		assert_int_equal(received_format(&ri, &out), 0);
		if (!strict_received(out.s))
			fail_msg("not an RFC 5322 Received field (case %d):\n%s", mask, out.s);
		strbuf_free(&out);
	}
	/* the reader itself refuses the shape that was once written */
	assert_false(strict_received("Received: from a (b [192.0.2.1])\r\n"
	                             "\tby mx.example.com (vouch) with ESMTP id X\r\n"
	                             "\tTue, 14 Nov 2023 22:13:20 +0000\r\n"));
	assert_true(strict_received("Received: from a (b [192.0.2.1])\r\n"
	                            "\tby mx.example.com (vouch) with ESMTP id X;\r\n"
	                            "\tTue, 14 Nov 2023 22:13:20 +0000\r\n"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_format),
		cmocka_unit_test(test_strict_grammar) };
	return cmocka_run_group_tests(tests, NULL, NULL);
}
