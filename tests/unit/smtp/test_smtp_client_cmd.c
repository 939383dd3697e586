/*
 * Unit tests for the SMTP client's own commands between transactions
 * (smtp_client_command): replies come back in order with their tags,
 * pipelined when the server offers PIPELINING and one by one when it
 * does not; a 421 is reported and ends the connection; lines with CR or
 * LF and commands while not ready are refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_smtpd.h"
#include "smtp/smtp_client.h"
#include "util/str.h"

#define ID_A "A000000000000000000000000000000000000000000000000000000000000000"
#define ID_B "B000000000000000000000000000000000000000000000000000000000000000"

struct run {
	struct smtp_client *c;
	const char *const *lines; /* commands to send at READY */
	size_t nlines;
	int codes[8];
	uint64_t tags[8];
	size_t nreplies;
	size_t pending_after_last; /* commands pending when the last reply came */
	int failed, closed, refused_early;
	int fail_code;
};

static void
on_client(struct smtp_client *c, enum smtp_client_event ev, void *arg)
{
	struct run *r = arg;

	switch (ev) {
	case SMTP_CLIENT_READY:
		r->refused_early = smtp_client_command(c, "NOOP\r\nRSET", 99) == -1;
		for (size_t i = 0; i < r->nlines; i++)
			assert_int_equal(smtp_client_command(c, r->lines[i], 100 + i), 0);
		break;
	case SMTP_CLIENT_REPLY: {
		uint64_t tag;
		const struct smtp_client_reply *rep = smtp_client_reply_of(c, &tag);
		r->codes[r->nreplies] = rep->code;
		r->tags[r->nreplies] = tag;
		r->nreplies++;
		r->pending_after_last = smtp_client_commands_pending(c);
		if (r->nreplies == r->nlines)
			smtp_client_quit(c);
		break;
	}
	case SMTP_CLIENT_FAILED:
		r->failed = 1;
		r->fail_code = smtp_client_error(c)->code;
		smtp_client_free(c);
		r->c = NULL;
		break;
	case SMTP_CLIENT_CLOSED:
		r->closed = 1;
		smtp_client_free(c);
		r->c = NULL;
		break;
	case SMTP_CLIENT_DONE: fail_msg("no message was sent"); break;
	}
}

static void
run(const struct fake_smtpd_rules *rules, struct run *r, char *log, size_t logsz)
{
	struct event_base *base = event_base_new();
	struct fake_smtpd *f = fake_smtpd_new(base, rules);
	struct smtp_client_params p;
	struct sockaddr_in sin;

	memset(&p, 0, sizeof(p));
	p.helo = "client.test";
	p.peer_name = "fake.test";
	p.timeout_connect = p.timeout_command = 2000;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)fake_smtpd_port(f));
	r->c = smtp_client_new(base, (struct sockaddr *)&sin, sizeof(sin), &p, on_client, r);
	while (r->c != NULL)
		event_base_loop(base, EVLOOP_ONCE);
	event_base_loop(base, EVLOOP_NONBLOCK);
	str_copy(log, logsz, fake_smtpd_log(f));
	fake_smtpd_free(f);
	event_base_free(base);
}

static const char *const checks[] = { "XVOUCH CHECK " ID_A, "XVOUCH CHECK " ID_B,
	"XVOUCH CHECK " ID_A };

static void
test_in_order(int pipelining)
{
	struct fake_smtpd_rules rules = { .pipelining = pipelining, .vouch_ids = { "A0" } };
	struct run r = { .lines = checks, .nlines = 3 };
	char log[4096];

	run(&rules, &r, log, sizeof(log));
	assert_true(r.refused_early);
	assert_int_equal(r.nreplies, 3);
	assert_int_equal(r.codes[0], 250);
	assert_int_equal(r.codes[1], 550);
	assert_int_equal(r.codes[2], 250);
	assert_int_equal(r.tags[0], 100);
	assert_int_equal(r.tags[1], 101);
	assert_int_equal(r.tags[2], 102);
	assert_int_equal(r.pending_after_last, 0);
	assert_true(r.closed);
	assert_false(r.failed);
	if (strstr(log, "XVOUCH CHECK " ID_B "\nXVOUCH CHECK " ID_A "\nQUIT\n") == NULL)
		fail_msg("log: %s", log);
}

static void
test_pipelined(void **state)
{
	(void)state;
	test_in_order(1);
}

static void
test_one_by_one(void **state)
{
	(void)state;
	test_in_order(0);
}

static void
test_421_ends_the_connection(void **state)
{
	struct fake_smtpd_rules rules = { .pipelining = 1, .vouch_ids = { "A0" },
		.check_421_after = 1 };
	static const char *const lines[] = { "XVOUCH CHECK " ID_B, "XVOUCH CHECK " ID_B,
		"XVOUCH CHECK " ID_A };
	struct run r = { .lines = lines, .nlines = 3 };
	char log[4096];

	(void)state;
	run(&rules, &r, log, sizeof(log));
	assert_int_equal(r.nreplies, 2);
	assert_int_equal(r.codes[0], 550);
	assert_int_equal(r.codes[1], 421);
	assert_int_equal(r.pending_after_last, 1); /* the third one never answered */
	assert_true(r.failed);
	assert_int_equal(r.fail_code, 421);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pipelined),
		cmocka_unit_test(test_one_by_one),
		cmocka_unit_test(test_421_ends_the_connection),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
