/*
 * Unit tests for the DNS client's answer cache (dns_cache.c) on its own,
 * with a clock the test sets, and inside the client (dns.c) over a
 * backend that counts what it is asked.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns.h"
#include "dns/dns_backend.h"
#include "dns/dns_cache.h"
#include "dns/dns_result.h"

static struct dns_result *
answer_a(const char *name, const char *ip, unsigned ttl)
{
	struct dns_result *r = dns_result_new(name, DNS_T_A, DNS_NODATA);
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, ip, &a), 1);
	dns_result_add_a(r, &a);
	dns_result_settle(r);
	r->ttl = ttl;
	r->sec = DNS_SEC_SECURE;
	return r;
}

static void
expect_a(const struct dns_result *r, const char *ip)
{
	char text[INET_ADDRSTRLEN];

	assert_non_null(r);
	assert_int_equal(r->status, DNS_ANSWER);
	assert_int_equal(r->nrr, 1);
	assert_non_null(inet_ntop(AF_INET, &r->rr[0].u.a, text, sizeof(text)));
	assert_string_equal(text, ip);
}

static void
test_kept_for_its_ttl_without_case_or_trailing_dot(void **state)
{
	struct dns_cache *c = dns_cache_new(100);
	struct dns_result *r = answer_a("Mail.Example.com", "192.0.2.1", 60), *got;

	(void)state;
	dns_cache_put(c, r, 1000);
	dns_result_free(r);
	got = dns_cache_get(c, "mail.example.COM.", DNS_T_A, 1010);
	expect_a(got, "192.0.2.1");
	assert_int_equal(got->ttl, 50);                       /* what is left of it */
	assert_string_equal(got->qname, "mail.example.COM."); /* as asked */
	assert_int_equal(got->sec, DNS_SEC_SECURE);           /* DNSSEC state kept */
	dns_result_free(got);
	/* another type is another question */
	assert_null(dns_cache_get(c, "mail.example.com", DNS_T_AAAA, 1010));
	/* at its TTL it is gone, and so is its entry */
	assert_null(dns_cache_get(c, "mail.example.com", DNS_T_A, 1060));
	assert_int_equal(dns_cache_count(c), 0);
	dns_cache_free(c);
}

static void
test_failures_bogus_and_ttl_zero_are_not_kept(void **state)
{
	struct dns_cache *c = dns_cache_new(100);
	struct dns_result *r;
	enum dns_status st[] = { DNS_TEMPFAIL, DNS_PERMFAIL };

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		r = dns_result_fail("x.example", DNS_T_TXT, st[i], "timeout");
		r->ttl = 300;
		dns_cache_put(c, r, 0);
		dns_result_free(r);
	}
	r = answer_a("bogus.example", "192.0.2.9", 300);
	r->sec = DNS_SEC_BOGUS;
	dns_cache_put(c, r, 0);
	dns_result_free(r);
	r = answer_a("zero.example", "192.0.2.8", 0);
	dns_cache_put(c, r, 0);
	dns_result_free(r);
	assert_int_equal(dns_cache_count(c), 0);
	dns_cache_free(c);
}

static void
test_ttls_capped_as_libunbound_does(void **state)
{
	struct dns_cache *c = dns_cache_new(100);
	struct dns_result *r = dns_result_new("gone.example", DNS_T_MX, DNS_NXDOMAIN), *got;

	(void)state;
	r->ttl = 7 * 86400;
	dns_cache_put(c, r, 0);
	dns_result_free(r);
	r = answer_a("long.example", "192.0.2.3", 30 * 86400);
	dns_cache_put(c, r, 0);
	dns_result_free(r);
	got = dns_cache_get(c, "gone.example", DNS_T_MX, 0);
	assert_non_null(got);
	assert_int_equal(got->status, DNS_NXDOMAIN);
	assert_int_equal(got->ttl, DNS_CACHE_MAX_NEG_TTL);
	dns_result_free(got);
	assert_null(dns_cache_get(c, "gone.example", DNS_T_MX, DNS_CACHE_MAX_NEG_TTL));
	got = dns_cache_get(c, "long.example", DNS_T_A, 0);
	assert_int_equal(got->ttl, DNS_CACHE_MAX_TTL);
	dns_result_free(got);
	dns_cache_free(c);
}

static void
test_least_recently_used_goes_first(void **state)
{
	struct dns_cache *c = dns_cache_new(2);
	const char *names[] = { "a.example", "b.example", "c.example" };
	struct dns_result *r;

	(void)state;
	for (int i = 0; i < 2; i++) {
		r = answer_a(names[i], "192.0.2.1", 60);
		dns_cache_put(c, r, 0);
		dns_result_free(r);
	}
	/* a is used, so b is the oldest when c comes */
	dns_result_free(dns_cache_get(c, "a.example", DNS_T_A, 1));
	r = answer_a(names[2], "192.0.2.1", 60);
	dns_cache_put(c, r, 1);
	dns_result_free(r);
	assert_int_equal(dns_cache_count(c), 2);
	assert_null(dns_cache_get(c, "b.example", DNS_T_A, 2));
	r = dns_cache_get(c, "a.example", DNS_T_A, 2);
	assert_non_null(r);
	dns_result_free(r);
	r = dns_cache_get(c, "c.example", DNS_T_A, 2);
	assert_non_null(r);
	dns_result_free(r);
	/* a newer answer to the same question replaces the older */
	r = answer_a("c.example", "192.0.2.7", 60);
	dns_cache_put(c, r, 3);
	dns_result_free(r);
	r = dns_cache_get(c, "c.example", DNS_T_A, 3);
	expect_a(r, "192.0.2.7");
	dns_result_free(r);
	assert_int_equal(dns_cache_count(c), 2);
	dns_cache_free(c);
}

/* ---- in the client ------------------------------------------------------ */

struct counting {
	struct dns_client *client;
	int submits;
	enum dns_status next; /* what the next answer is */
};

static int
count_submit(void *state, uint64_t id, const char *name, enum dns_type type, void **q)
{
	struct counting *k = state;

	(void)q;
	k->submits++;
	if (k->next == DNS_ANSWER && type == DNS_T_A)
		dns_client_deliver(k->client, id, answer_a(name, "192.0.2.5", 60));
	else
		dns_client_deliver(k->client, id, dns_result_fail(name, type, k->next, "servfail"));
	return 0;
}

static void
count_cancel(void *state, uint64_t id, void *q)
{
	(void)state;
	(void)id;
	(void)q;
}

static void
count_free(void *state)
{
	(void)state;
}

static const struct dns_backend_ops counting_ops = { "counting", count_submit, count_cancel,
	count_free };

struct got {
	struct dns_result *res;
	int calls;
	int in_lookup; /* set while dns_client_lookup runs */
	int called_inside;
};

static void
on_answer(struct dns_result *res, void *arg)
{
	struct got *g = arg;

	g->calls++;
	g->called_inside |= g->in_lookup;
	dns_result_free(g->res);
	g->res = res;
}

static uint64_t
ask(struct dns_client *c, struct event_base *base, const char *name, struct got *g, int run)
{
	uint64_t id;

	g->in_lookup = 1;
	id = dns_client_lookup(c, name, DNS_T_A, on_answer, g);
	g->in_lookup = 0;
	if (run)
		event_base_loop(base, EVLOOP_NONBLOCK);
	return id;
}

static void
test_client_answers_a_repeated_question_from_the_cache(void **state)
{
	struct event_base *base = event_base_new();
	struct counting k = { NULL, 0, DNS_ANSWER };
	struct dns_client *c = dns_client_new_backend(base, &counting_ops, &k, 1000);
	struct got g = { 0 };

	(void)state;
	k.client = c;
	/* off until asked for (clients over a backend of their own) */
	ask(c, base, "one.example", &g, 1);
	ask(c, base, "one.example", &g, 1);
	assert_int_equal(k.submits, 2);
	dns_client_cache(c, 100);
	ask(c, base, "one.example", &g, 1);
	ask(c, base, "ONE.example.", &g, 1);
	assert_int_equal(k.submits, 3);
	assert_int_equal(g.calls, 4);
	expect_a(g.res, "192.0.2.5");
	assert_int_equal(g.res->sec, DNS_SEC_SECURE);
	assert_int_equal(g.called_inside, 0); /* a hit comes from the loop too */
	assert_int_equal(dns_client_cached(c), 1);
	/* a hit cancelled before the loop runs is never called back */
	ask(c, base, "one.example", &g, 0);
	dns_client_cancel(c, ask(c, base, "one.example", &g, 0));
	event_base_loop(base, EVLOOP_NONBLOCK);
	assert_int_equal(g.calls, 5);
	assert_int_equal(dns_client_pending(c), 0);
	/* a temporary failure is asked again next time */
	k.next = DNS_TEMPFAIL;
	ask(c, base, "two.example", &g, 1);
	ask(c, base, "two.example", &g, 1);
	assert_int_equal(k.submits, 5);
	assert_int_equal(g.res->status, DNS_TEMPFAIL);
	/* off again: emptied, and every question goes to the backend */
	dns_client_cache(c, 0);
	k.next = DNS_ANSWER;
	ask(c, base, "one.example", &g, 1);
	assert_int_equal(k.submits, 6);
	dns_result_free(g.res);
	dns_client_free(c);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kept_for_its_ttl_without_case_or_trailing_dot),
		cmocka_unit_test(test_failures_bogus_and_ttl_zero_are_not_kept),
		cmocka_unit_test(test_ttls_capped_as_libunbound_does),
		cmocka_unit_test(test_least_recently_used_goes_first),
		cmocka_unit_test(test_client_answers_a_repeated_question_from_the_cache),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
