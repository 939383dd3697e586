/*
 * test_received_chain: Received trace field parsing
 * (src/lib/msg/received_chain.c) on fields as Postfix, Sendmail, Exim,
 * Exchange, Gmail and qmail write them, and whole chains (the
 * registry's hand-off search over them: test_registry_handoff.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "msg/received_chain.h"

struct rcase {
	const char *value;
	const char *helo, *rdns, *ip, *by, *with, *id, *for_addr;
	int ok;
};

static const struct rcase cases[] = {
	{ "from mail.example.com (mail.example.com [192.0.2.1]) by mx.example.net (Postfix) "
	  "with ESMTPS id 4Nx1y2Z3abcd for <user@example.net>; Mon, 23 Nov 2026 07:00:00 +0000",
	  "mail.example.com", "mail.example.com", "192.0.2.1", "mx.example.net", "ESMTPS",
	  "4Nx1y2Z3abcd", "user@example.net", 0 },
	{ "from helo.name (unknown [198.51.100.7])\r\n\tby MX.Example.NET (Postfix) with SMTP id "
	  "ABC123; Tue, 1 Dec 2026 10:00:00 +0100",
	  "helo.name", "", "198.51.100.7", "mx.example.net", "SMTP", "ABC123", "", 0 },
	{ "from [203.0.113.9] (helo=liar.example) by mx.example.org with esmtp (Exim 4.96) "
	  "(envelope-from <a@b.example>) id 1qXyZa-000abc-De for x@example.org; Wed, 2 Dec 2026",
	  "liar.example", "", "203.0.113.9", "mx.example.org", "esmtp", "1qXyZa-000abc-De",
	  "x@example.org", 0 },
	{ "from relay.example.com (relay.example.com [IPv6:2001:db8::25]) by smtp.example.net "
	  "(8.15.2/8.15.2) with ESMTP id 0AB1cDeF012345 for <u@example.net>; Thu, 3 Dec 2026",
	  "relay.example.com", "relay.example.com", "2001:db8::25", "smtp.example.net", "ESMTP",
	  "0AB1cDeF012345", "u@example.net", 0 },
	{ "from mail-sor-f41.google.com (mail-sor-f41.google.com. [209.85.220.41]) by "
	  "mx.google.com with SMTPS id a1-20020a05.123.2026.11.23; Mon, 23 Nov 2026",
	  "mail-sor-f41.google.com", "mail-sor-f41.google.com", "209.85.220.41", "mx.google.com",
	  "SMTPS", "a1-20020a05.123.2026.11.23", "", 0 },
	{ "from EX1.corp.example (2603:10b6:a03::1) by EX2.corp.example (2603:10b6:a03::2) with "
	  "Microsoft SMTP Server (version=TLS1_2, cipher=TLS_ECDHE) id 15.20.7000.12 via "
	  "Frontend Transport; Fri, 4 Dec 2026",
	  "ex1.corp.example", "", "2603:10b6:a03::1", "ex2.corp.example", "Microsoft",
	  "15.20.7000.12", "", 0 },
	{ "(qmail 12345 invoked by uid 89); 5 Dec 2026 10:00:00 -0000",
	  "", "", "", "", "", "", "", -1 },
	{ "by mx.only.example with LMTP id xyz; Sat, 5 Dec 2026",
	  "", "", "", "mx.only.example", "LMTP", "xyz", "", 0 },
	{ "from host (comment (nested; with semicolon) [10.1.2.3]) by b.example id 9; date",
	  "host", "", "10.1.2.3", "b.example", "", "9", "", 0 },
	{ "from a.example ([999.1.1.1]) by b.example; x", "a.example", "", "", "b.example", "", "",
	  "", 0 },
};

static void
test_fields(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct received_hop h;
		char *v = strdup(cases[i].value);
		/* unfolding is the reader's job; strip the fold here */
		for (char *p = v; *p; p++)
			if (*p == '\r' || *p == '\n')
				*p = ' ';
		assert_int_equal(received_chain_parse_field(v, &h), cases[i].ok);
		free(v);
		if (cases[i].ok < 0)
			continue;
		assert_string_equal(h.from_helo, cases[i].helo);
		assert_string_equal(h.from_rdns, cases[i].rdns);
		assert_string_equal(h.from_ip, cases[i].ip);
		assert_string_equal(h.by, cases[i].by);
		assert_string_equal(h.with, cases[i].with);
		assert_string_equal(h.id, cases[i].id);
		assert_string_equal(h.for_addr, cases[i].for_addr);
	}
}

static void
test_long_values_bounded(void **state)
{
	char v[6000];
	struct received_hop h;

	(void)state;
	memcpy(v, "from ", 5);
	memset(v + 5, 'a', 5000);
	memcpy(v + 5005, " by b.example id ", 17);
	memset(v + 5022, 'i', 500);
	v[5522] = '\0';
	assert_int_equal(received_chain_parse_field(v, &h), 0);
	assert_int_equal(strlen(h.from_helo), sizeof(h.from_helo) - 1);
	assert_int_equal(strlen(h.id), sizeof(h.id) - 1);
	assert_string_equal(h.by, "b.example");
}

static const char chain_msg[] =
	"Return-Path: <bounce@sender.example>\r\n"
	"Received: from out.relay.example (out.relay.example [192.0.2.50])\r\n"
	"\tby mx.victim.example (Postfix) with ESMTPS id VICTIM1\r\n"
	"\tfor <user@victim.example>; Mon, 23 Nov 2026 07:00:00 +0000\r\n"
	"Received: from bot.dsl.example (bot.dsl.example [198.51.100.99])\r\n"
	"\tby out.relay.example (Postfix) with ESMTP id RELAYQ42\r\n"
	"\tfor <user@victim.example>; Mon, 23 Nov 2026 06:59:58 +0000\r\n"
	"From: spammer@sender.example\r\n"
	"Subject: buy now\r\n"
	"\r\n"
	"body\r\nReceived: from fake (fake [1.1.1.1]) by nowhere; x\r\n";

static void
test_chain(void **state)
{
	struct received_chain *c = malloc(sizeof(*c));

	(void)state;
	received_chain_parse(chain_msg, sizeof(chain_msg) - 1, c);
	assert_int_equal(c->n, 2);	/* the one in the body does not count */
	assert_string_equal(c->hops[0].from_rdns, "out.relay.example");
	assert_string_equal(c->hops[0].id, "VICTIM1");
	assert_string_equal(c->hops[1].by, "out.relay.example");
	assert_string_equal(c->hops[1].id, "RELAYQ42");
	assert_string_equal(c->hops[1].for_addr, "user@victim.example");
	free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_long_values_bounded),
		cmocka_unit_test(test_chain),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
