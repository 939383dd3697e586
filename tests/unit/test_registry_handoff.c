/*
 * test_registry_handoff: picking the server that handed a reported
 * message on, and its queue id, from the message's Received chain
 * (reg_report_find_handoff over libvouch's msg/received_chain.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "msg/received_chain.h"
#include "reg_report.h"

/* A report's message: the victim's MX took it from a registered relay,
 * which had it from an internal host of its own, which had it from a bot. */
static const char chain_msg[] =
	"Received: from out.relay.example (out.relay.example [192.0.2.50])\r\n"
	"\tby mx.victim.example (Postfix) with ESMTPS id VICTIM1; Mon, 23 Nov 2026 07:00:00 +0000\r\n"
	"Received: from inner.relay.example (inner.relay.example [10.0.0.5])\r\n"
	"\tby out.relay.example (Postfix) with ESMTP id RELAYQ42; Mon, 23 Nov 2026 06:59:59 +0000\r\n"
	"Received: from bot.dsl.example ([198.51.100.99]) by inner.relay.example\r\n"
	"\twith SMTP id INNER7; Mon, 23 Nov 2026 06:59:58 +0000\r\n"
	"Subject: buy now\r\n"
	"\r\n"
	"body\r\n";

/* A registry that knows out.relay.example (192.0.2.50). */
static int
match(void *ctx, const char *host, const char *ip, char *name, size_t namesz)
{
	(void)ctx;
	if ((host && strcmp(host, "out.relay.example") == 0) ||
	    (ip && strcmp(ip, "192.0.2.50") == 0)) {
		strncpy(name, "out.relay.example", namesz - 1);
		name[namesz - 1] = '\0';
		return 1;
	}
	return 0;
}

static int
match_none(void *ctx, const char *host, const char *ip, char *name, size_t namesz)
{
	(void)ctx; (void)host; (void)ip; (void)name; (void)namesz;
	return 0;
}

static void
test_handoff(void **state)
{
	struct received_chain *c = malloc(sizeof(*c));
	char name[256], tracking[128];

	(void)state;
	received_chain_parse(chain_msg, sizeof(chain_msg) - 1, c);
	assert_int_equal(reg_report_find_handoff(c, "", match, NULL, name, sizeof(name), tracking,
	    sizeof(tracking)), 0);
	assert_string_equal(name, "out.relay.example");
	/* the relay's own queue id, from the field it added */
	assert_string_equal(tracking, "RELAYQ42");

	/* ARF Source-IP names the server directly */
	assert_int_equal(reg_report_find_handoff(c, "192.0.2.50", match, NULL, name, sizeof(name),
	    tracking, sizeof(tracking)), 0);
	assert_string_equal(tracking, "RELAYQ42");

	assert_int_equal(reg_report_find_handoff(c, "", match_none, NULL, name, sizeof(name),
	    tracking, sizeof(tracking)), -1);
	assert_string_equal(name, "");
	free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_handoff),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
