/*
 * Unit tests for the SMTP client's address probe (smtp_client_msg.probe):
 * MAIL and RCPT, then RSET instead of DATA, with and without PIPELINING,
 * against the scriptable server in tests/support.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "fake_smtpd.h"
#include "smtp/smtp_client.h"
#include "util/str.h"

struct run {
	struct smtp_client *c;
	struct smtp_client_msg *m;
	enum smtp_client_event last;
	int done, failed, closed;
};

static void
on_client(struct smtp_client *c, enum smtp_client_event ev, void *arg)
{
	struct run *r = arg;

	r->last = ev;
	switch (ev) {
	case SMTP_CLIENT_READY:
		smtp_client_send(c, r->m);
		break;
	case SMTP_CLIENT_DONE:
		r->done = 1;
		smtp_client_quit(c);
		break;
	case SMTP_CLIENT_FAILED:
		r->failed = 1;
		smtp_client_free(c);
		r->c = NULL;
		break;
	case SMTP_CLIENT_CLOSED:
		r->closed = 1;
		smtp_client_free(c);
		r->c = NULL;
		break;
	case SMTP_CLIENT_REPLY: break; /* no commands here */
	}
}

/* Probe a@x.test and b@x.test at a server with rules; returns the run. */
static void
probe(const struct fake_smtpd_rules *rules, struct smtp_client_msg *m,
    struct smtp_client_rcpt *rc, struct run *r, char *log, size_t logsz)
{
	struct event_base *base = event_base_new();
	struct fake_smtpd *f = fake_smtpd_new(base, rules);
	struct smtp_client_params p;
	struct sockaddr_in sin;

	memset(m, 0, sizeof(*m));
	memset(rc, 0, 2 * sizeof(*rc));
	rc[0].addr = "a@x.test";
	rc[1].addr = "b@x.test";
	m->sender = "";
	m->rcpts = rc;
	m->nrcpts = 2;
	m->body_fd = -1;
	m->probe = 1;
	memset(r, 0, sizeof(*r));
	r->m = m;
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
	/* let the server see the end of the connection */
	event_base_loop(base, EVLOOP_NONBLOCK);
	str_copy(log, logsz, fake_smtpd_log(f));
	fake_smtpd_free(f);
	event_base_free(base);
}

static void
test_probe_pipelined_and_not(void **state)
{
	struct fake_smtpd_rules rules = { 0 };
	struct smtp_client_msg m;
	struct smtp_client_rcpt rc[2];
	struct run r;
	char log[2048];

	rules.known[0] = "a@x.test";
	for (int pipe = 0; pipe < 2; pipe++) {
		rules.pipelining = pipe;
		probe(&rules, &m, rc, &r, log, sizeof(log));
		assert_true(r.done);
		assert_true(r.closed);
		assert_false(r.failed);
		assert_int_equal(rc[0].reply.code, 250);
		assert_int_equal(rc[1].reply.code, 550);
		assert_string_equal(rc[1].reply.status, "5.1.1");
		assert_int_equal(m.reply.code, 0);
		/* never DATA: RSET after the recipients, then QUIT */
		assert_string_equal(log, "EHLO client.test\nMAIL FROM:<>\nRCPT TO:<a@x.test>\n"
		    "RCPT TO:<b@x.test>\nRSET\nQUIT\n");
	}
}

static void
test_probe_mail_refused(void **state)
{
	struct fake_smtpd_rules rules = { 0 };
	struct smtp_client_msg m;
	struct smtp_client_rcpt rc[2];
	struct run r;
	char log[2048];

	rules.mail_code = 550;
	rules.catch_all = 1;
	probe(&rules, &m, rc, &r, log, sizeof(log));
	assert_true(r.done);
	assert_int_equal(m.reply.code, 550);
	assert_int_equal(rc[0].reply.code, 550);
	assert_int_equal(rc[1].reply.code, 550);
	assert_null(strstr(log, "DATA"));
	/* without pipelining nothing follows a refused MAIL but RSET */
	assert_string_equal(log, "EHLO client.test\nMAIL FROM:<>\nRSET\nQUIT\n");
}

static void
test_probe_connection_lost(void **state)
{
	struct fake_smtpd_rules rules = { 0 };
	struct smtp_client_msg m;
	struct smtp_client_rcpt rc[2];
	struct run r;
	char log[2048];

	/* Lost at RSET: the RCPT replies already in are kept. */
	rules.catch_all = 1;
	rules.drop_at_rset = 1;
	rules.pipelining = 1;
	probe(&rules, &m, rc, &r, log, sizeof(log));
	assert_true(r.failed);
	assert_int_equal(rc[0].reply.code, 250);
	assert_int_equal(rc[1].reply.code, 250);

	/* Lost at RCPT: no answer is a temporary failure. */
	memset(&rules, 0, sizeof(rules));
	rules.drop_after_rcpt = 1;
	probe(&rules, &m, rc, &r, log, sizeof(log));
	assert_true(r.failed);
	assert_int_equal(rc[0].reply.code, 451);
	assert_int_equal(rc[1].reply.code, 451);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_probe_pipelined_and_not),
		cmocka_unit_test(test_probe_mail_refused),
		cmocka_unit_test(test_probe_connection_lost),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
