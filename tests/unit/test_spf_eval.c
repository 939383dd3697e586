/*
 * Unit tests for the SPF evaluator and its drivers beyond the openspf
 * suite: identities, the known-results table, options, query log, and the
 * asynchronous driver's cancellation and time limit. DNS is the in-memory
 * backend.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/spf_check.h"
#include "auth/spf_eval.h"
#include "auth/spf_known.h"
#include "dns/dns.h"
#include "dns/dns_mem.h"

static const struct { const char *name, *type, *text; } zone[] = {
	{ "example.com", "TXT", "v=spf1 ip4:192.0.2.0/24 mx -all" },
	{ "example.com", "MX", "10 mx.example.com" },
	{ "mx.example.com", "A", "198.51.100.1" },
	{ "mx.example.com", "AAAA", "2001:db8::25" },
	{ "helo.example.org", "TXT", "v=spf1 a -all" },
	{ "helo.example.org", "A", "203.0.113.5" },
	{ "exp.example", "TXT", "v=spf1 -all exp=why.%{d}" },
	{ "why.exp.example", "TXT", "%{c} is not for %{d} says %{r} at %{t}; you are %{p}" },
	{ "9.113.0.203.in-addr.arpa", "PTR", "host.exp.example" },
	{ "host.exp.example", "A", "203.0.113.9" },
	{ "voids.example", "TXT",
	  "v=spf1 a:n1.voids.example a:n2.voids.example a:n3.voids.example ?all" },
	{ "mxfail.example", "TXT", "v=spf1 mx -all" },
	{ "mxfail.example", "MX", "10 slow.example" },
	{ "nodot", "TXT", "v=spf1 +all" },
	{ "partner.example", "TXT", "v=spf1 -all" },
	{ "deep.example", "TXT", "v=spf1 include:d1.example -all" },
	{ "d1.example", "TXT", "v=spf1 include:d2.example" },
	{ "d2.example", "TXT", "v=spf1 exists:%{l}.%{o}.%{s}.%{h}.%{i}.x.example" },
};

struct world {
	struct event_base *base;
	struct dns_mem *table;
	struct dns_client *dns;
	struct spf_known *known;
};

static int
setup(void **state)
{
	struct world *w = calloc(1, sizeof(*w));
	char err[200];

	w->base = event_base_new();
	w->table = dns_mem_new();
	for (size_t i = 0; i < sizeof(zone) / sizeof(zone[0]); i++)
		assert_int_equal(dns_mem_add(w->table, zone[i].name,
		    dns_type_parse(zone[i].type), zone[i].text), 0);
	dns_mem_add_timeout(w->table, "slow.example");
	w->dns = dns_client_new_mem(w->base, w->table, 5000);
	w->known = spf_known_new();
	assert_int_equal(spf_known_add(w->known, "example.com=pass@192.0.2.128/25", err,
	    sizeof(err)), 0);
	assert_int_equal(spf_known_add(w->known, "*.partner.example=pass", err, sizeof(err)), 0);
	assert_int_equal(spf_known_add(w->known, "own.example=fail", err, sizeof(err)), 0);
	*state = w;
	return 0;
}

static int
teardown(void **state)
{
	struct world *w = *state;

	dns_client_free(w->dns);
	dns_mem_free(w->table);
	event_base_free(w->base);
	spf_known_free(w->known);
	free(w);
	return 0;
}

struct ecase {
	const char *name;
	enum spf_identity id;
	const char *ip, *sender, *helo;
	int use_known, void_limit;
	const char *result;
	const char *reason;		/* substring, or NULL */
	const char *explanation;	/* exact, or NULL */
	int from_table;
};

static const struct ecase cases[] = {
	{ "ip4 pass", SPF_ID_MAILFROM, "192.0.2.7", "a@example.com", "x.example", 0, 0,
	  "pass", "ip4:192.0.2.0/24", NULL, 0 },
	{ "mx pass v4", SPF_ID_MAILFROM, "198.51.100.1", "a@example.com", "x.example", 0, 0,
	  "pass", "'mx' matched", NULL, 0 },
	{ "mx pass v6", SPF_ID_MAILFROM, "2001:db8::25", "a@example.com", "x.example", 0, 0,
	  "pass", "'mx' matched", NULL, 0 },
	{ "v4-mapped is v4", SPF_ID_MAILFROM, "::ffff:192.0.2.9", "a@example.com", "x.example",
	  0, 0, "pass", NULL, NULL, 0 },
	{ "fail default explanation", SPF_ID_MAILFROM, "203.0.113.1", "a@example.com", "x",
	  0, 0, "fail", "'-all'", "example.com does not designate 203.0.113.1 as a permitted sender", 0 },
	{ "helo identity", SPF_ID_HELO, "203.0.113.5", "a@example.com", "helo.example.org",
	  0, 0, "pass", "helo.example.org", NULL, 0 },
	{ "null sender checks postmaster@helo", SPF_ID_MAILFROM, "203.0.113.6", "",
	  "helo.example.org", 0, 0, "fail", NULL,
	  "helo.example.org does not designate 203.0.113.6 as a permitted sender", 0 },
	{ "sender without @", SPF_ID_MAILFROM, "192.0.2.1", "example.com", "x", 0, 0,
	  "pass", NULL, NULL, 0 },
	{ "exp with c r t p", SPF_ID_MAILFROM, "203.0.113.9", "a@exp.example", "x", 0, 0,
	  "fail", NULL,
	  "203.0.113.9 is not for exp.example says receiver.example at 1400000000; you are host.exp.example", 0 },
	{ "void limit default", SPF_ID_MAILFROM, "192.0.2.1", "a@voids.example", "x", 0, 0,
	  "permerror", "void lookups", NULL, 0 },
	{ "void limit raised", SPF_ID_MAILFROM, "192.0.2.1", "a@voids.example", "x", 0, 3,
	  "neutral", NULL, NULL, 0 },
	{ "mx host timeout", SPF_ID_MAILFROM, "192.0.2.1", "a@mxfail.example", "x", 0, 0,
	  "temperror", "slow.example", NULL, 0 },
	{ "single label domain", SPF_ID_MAILFROM, "192.0.2.1", "a@nodot", "x", 0, 0,
	  "none", "not a valid domain", NULL, 0 },
	{ "deep include with long macros", SPF_ID_MAILFROM, "192.0.2.1", "a@deep.example", "x",
	  0, 0, "fail", NULL, NULL, 0 },
	{ "known: network entry", SPF_ID_MAILFROM, "192.0.2.200", "a@example.com", "x", 1, 0,
	  "pass", "local table", NULL, 1 },
	{ "known: outside the network goes to DNS", SPF_ID_MAILFROM, "203.0.113.1",
	  "a@example.com", "x", 1, 0, "fail", "'-all'", NULL, 0 },
	{ "known: wildcard", SPF_ID_MAILFROM, "203.0.113.1", "a@mx.partner.example", "x", 1, 0,
	  "pass", "local table", NULL, 1 },
	{ "known: wildcard is not the parent", SPF_ID_MAILFROM, "203.0.113.1",
	  "a@partner.example", "x", 1, 0, "fail", NULL, NULL, 0 },
	{ "known: fail has the default explanation", SPF_ID_MAILFROM, "203.0.113.1",
	  "a@Own.Example.", "x", 1, 0, "fail", NULL,
	  "Own.Example. does not designate 203.0.113.1 as a permitted sender", 1 },
};

static void
test_cases(void **state)
{
	struct world *w = *state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct ecase *c = &cases[i];
		struct spf_options opts = { 0 };
		struct spf_request req = { 0 };
		struct spf_outcome out;

		opts.receiver = "receiver.example";
		opts.now = 1400000000;
		opts.void_limit = c->void_limit;
		opts.known = c->use_known ? w->known : NULL;
		assert_int_equal(spf_ip_parse(c->ip, &req.ip), 0);
		req.sender = c->sender;
		req.helo = c->helo;
		req.identity = c->id;
		spf_check_sync(w->dns, &req, &opts, &out);
		if (strcmp(spf_result_name(out.result), c->result) != 0)
			fail_msg("%s: %s (%s), expected %s", c->name, spf_result_name(out.result),
			    out.reason, c->result);
		if (c->reason && strstr(out.reason, c->reason) == NULL)
			fail_msg("%s: reason '%s' lacks '%s'", c->name, out.reason, c->reason);
		if (c->explanation && strcmp(out.explanation, c->explanation) != 0)
			fail_msg("%s: explanation '%s', expected '%s'", c->name, out.explanation,
			    c->explanation);
		if (out.from_table != c->from_table)
			fail_msg("%s: from_table %d", c->name, out.from_table);
		if (c->from_table && out.queries != 0)
			fail_msg("%s: the table made %u queries", c->name, out.queries);
		if (out.result != SPF_FAIL && out.explanation[0] != '\0')
			fail_msg("%s: explanation on a non-fail", c->name);
	}
}

static void
test_query_log(void **state)
{
	struct world *w = *state;
	struct spf_options opts = { 0 };
	struct spf_request req = { 0 };
	struct spf_eval *ev;
	const struct spf_query *q;

	opts.log_queries = 1;
	spf_ip_parse("198.51.100.1", &req.ip);
	req.sender = "someone@example.com";
	req.helo = "x";
	ev = spf_eval_new(&req, &opts);
	spf_check_run_sync(ev, w->dns, 0);
	assert_int_equal(spf_eval_outcome(ev)->result, SPF_PASS);
	assert_int_equal(spf_eval_nqueries(ev), 3);
	q = spf_eval_query(ev, 0);
	assert_string_equal(q->name, "example.com");
	assert_int_equal(q->type, DNS_T_TXT);
	assert_int_equal(q->status, DNS_ANSWER);
	q = spf_eval_query(ev, 1);
	assert_int_equal(q->type, DNS_T_MX);
	q = spf_eval_query(ev, 2);
	assert_string_equal(q->name, "mx.example.com");
	assert_int_equal(q->type, DNS_T_A);
	assert_null(spf_eval_query(ev, 3));
	assert_int_equal(spf_eval_outcome(ev)->lookups, 1);
	spf_eval_free(ev);
}

static void
test_manual_drive(void **state)
{
	/* The state machine driven by hand, answering each question. */
	struct world *w = *state;
	struct spf_request req = { 0 };
	struct spf_eval *ev;
	int steps = 0;

	spf_ip_parse("2001:db8::25", &req.ip);
	req.sender = "x@example.com";
	req.helo = "h.example";
	ev = spf_eval_new(&req, NULL);
	while (spf_eval_run(ev) == SPF_EVAL_NEED_DNS) {
		assert_true(++steps < 10);
		spf_eval_answer(ev, dns_mem_lookup(w->table, spf_eval_qname(ev),
		    spf_eval_qtype(ev)));
	}
	assert_int_equal(steps, 3);
	assert_int_equal(spf_eval_outcome(ev)->result, SPF_PASS);
	assert_string_equal(spf_eval_outcome(ev)->mechanism, "mx");
	/* Running a finished evaluator is harmless. */
	assert_int_equal(spf_eval_run(ev), SPF_EVAL_DONE);
	spf_eval_free(ev);
	spf_eval_free(NULL);
}

struct cbstate {
	int calls;
	struct spf_check *free_me;
	struct spf_outcome out;
};

static void
on_done(const struct spf_outcome *o, void *arg)
{
	struct cbstate *s = arg;

	s->calls++;
	s->out = *o;
	if (s->free_me) {
		spf_check_free(s->free_me);
		s->free_me = NULL;
	}
}

static void
run_for(struct event_base *base, long ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
}

static void
test_async(void **state)
{
	struct world *w = *state;
	struct spf_request req = { 0 };
	struct cbstate s = { 0 };
	struct spf_check *chk;

	spf_ip_parse("198.51.100.1", &req.ip);
	req.sender = "a@example.com";
	req.helo = "x";

	/* Freed before it ever ran: no callback, nothing pending. */
	chk = spf_check_start(w->dns, &req, NULL, 0, on_done, &s);
	spf_check_free(chk);
	run_for(w->base, 20);
	assert_int_equal(s.calls, 0);
	assert_int_equal(dns_client_pending(w->dns), 0);

	/* Runs to completion; the callback frees the check itself. */
	chk = spf_check_start(w->dns, &req, NULL, 0, on_done, &s);
	s.free_me = chk;
	assert_int_equal(s.calls, 0);	/* never from inside start */
	run_for(w->base, 50);
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.out.result, SPF_PASS);
	assert_null(s.free_me);
}

static void
test_async_cancel_in_flight(void **state)
{
	struct world *w = *state;
	struct spf_request req = { 0 };
	struct cbstate s = { 0 };
	struct spf_check *chk;

	/* slow.example never answers: the MX host lookup stays in flight. */
	dns_mem_set_silent_timeouts(w->table, 1);
	spf_ip_parse("192.0.2.1", &req.ip);
	req.sender = "a@mxfail.example";
	req.helo = "x";
	chk = spf_check_start(w->dns, &req, NULL, 0, on_done, &s);
	run_for(w->base, 30);
	assert_int_equal(dns_client_pending(w->dns), 1);
	spf_check_free(chk);	/* the session went away */
	assert_int_equal(dns_client_pending(w->dns), 0);
	run_for(w->base, 30);
	assert_int_equal(s.calls, 0);

	/* The time limit turns a hanging evaluation into temperror. */
	chk = spf_check_start(w->dns, &req, NULL, 60, on_done, &s);
	run_for(w->base, 300);
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.out.result, SPF_TEMPERROR);
	assert_non_null(strstr(s.out.reason, "time limit"));
	assert_int_equal(dns_client_pending(w->dns), 0);
	spf_check_free(chk);
	dns_mem_set_silent_timeouts(w->table, 0);
}

static void
test_known_parse(void **state)
{
	struct spf_known *k = spf_known_new();
	char err[200];
	struct spf_ip ip;
	enum spf_result r;
	static const char *const bad[] = { "example.com", "example.com=maybe",
	    "a..b=pass", "example.com=pass@1.2.3", "example.com=pass@10.0.0.0/33",
	    "example.com=pass@2001:db8::/129" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(spf_known_add(k, bad[i], err, sizeof(err)), -1);
	assert_int_equal(spf_known_add(k, "v6.example=softfail@2001:db8::/32", err, sizeof(err)), 0);
	assert_int_equal(spf_known_size(k), 1);
	spf_ip_parse("2001:db8:1::1", &ip);
	assert_int_equal(spf_known_lookup(k, "V6.example.", &ip, &r), 1);
	assert_int_equal(r, SPF_SOFTFAIL);
	spf_ip_parse("2001:db9::1", &ip);
	assert_int_equal(spf_known_lookup(k, "v6.example", &ip, &r), 0);
	assert_int_equal(spf_known_lookup(NULL, "v6.example", &ip, &r), 0);
	spf_known_free(k);
}

static void
test_results_and_ips(void **state)
{
	enum spf_result r;
	struct spf_ip ip;
	char buf[64];

	for (int i = SPF_NONE; i <= SPF_PERMERROR; i++) {
		assert_int_equal(spf_result_parse(spf_result_name(i), &r), 0);
		assert_int_equal(r, i);
	}
	assert_int_equal(spf_result_parse("Pass", &r), 0);
	assert_int_equal(spf_result_parse("unknown", &r), -1);
	assert_int_equal(spf_ip_parse("::FFFF:1.2.3.4", &ip), 0);
	assert_int_equal(ip.family, AF_INET);
	spf_ip_format(&ip, buf, sizeof(buf));
	assert_string_equal(buf, "1.2.3.4");
	assert_int_equal(spf_ip_parse("CAFE:BABE::1", &ip), 0);
	spf_ip_format(&ip, buf, sizeof(buf));
	assert_string_equal(buf, "cafe:babe::1");
	assert_int_equal(spf_ip_parse("1.2.3", &ip), -1);
	assert_true(spf_ip_in_net(&ip, AF_INET6, ip.addr, 128));
	assert_false(spf_ip_in_net(&ip, AF_INET, ip.addr, 0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_cases, setup, teardown),
		cmocka_unit_test_setup_teardown(test_query_log, setup, teardown),
		cmocka_unit_test_setup_teardown(test_manual_drive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_async, setup, teardown),
		cmocka_unit_test_setup_teardown(test_async_cancel_in_flight, setup, teardown),
		cmocka_unit_test(test_known_parse),
		cmocka_unit_test(test_results_and_ips),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
