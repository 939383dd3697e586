/*
 * Unit tests for dns_mx (MX resolution, RFC 5321 5.1 and RFC 7505) over
 * the in-memory DNS backend.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns.h"
#include "dns/dns_mem.h"
#include "dns/dns_mx.h"

struct world {
	struct event_base *base;
	struct dns_mem *t;
	struct dns_client *dns;
};

static void
add(struct dns_mem *t, const char *name, enum dns_type type, const char *text)
{
	assert_int_equal(dns_mem_add(t, name, type, text), 0);
}

static int
setup(void **state)
{
	struct world *w = calloc(1, sizeof(*w));
	struct dns_mem *t;

	w->base = event_base_new();
	w->t = t = dns_mem_new();
	/* preferences 10, 10, 20; a and c share 10 */
	add(t, "example.com", DNS_T_MX, "20 b.example.com");
	add(t, "example.com", DNS_T_MX, "10 a.example.com");
	add(t, "example.com", DNS_T_MX, "10 c.example.com.");
	add(t, "a.example.com", DNS_T_AAAA, "2001:db8::a");
	add(t, "a.example.com", DNS_T_A, "192.0.2.1");
	add(t, "b.example.com", DNS_T_A, "192.0.2.2");
	add(t, "c.example.com", DNS_T_A, "192.0.2.3");
	add(t, "c.example.com", DNS_T_A, "192.0.2.33");
	/* implicit MX */
	add(t, "implicit.example", DNS_T_A, "192.0.2.10");
	add(t, "implicit.example", DNS_T_AAAA, "2001:db8::10");
	add(t, "bare.example", DNS_T_TXT, "no address");
	/* null MX, alone and beside a real one */
	add(t, "null.example", DNS_T_MX, "0 .");
	add(t, "null.example", DNS_T_A, "192.0.2.99");
	add(t, "mixed.example", DNS_T_MX, "0 .");
	add(t, "mixed.example", DNS_T_MX, "5 b.example.com");
	/* MX hosts without addresses, or timing out */
	add(t, "noaddr.example", DNS_T_MX, "10 ghost.example");
	add(t, "temp.example", DNS_T_MX, "10 slowhost.example");
	dns_mem_add_timeout(t, "slowhost.example");
	add(t, "partial.example", DNS_T_MX, "10 slowhost.example");
	add(t, "partial.example", DNS_T_MX, "20 b.example.com");
	dns_mem_add_timeout(t, "slowmx.example");
	/* the same address under two names is tried once */
	add(t, "dup.example", DNS_T_MX, "10 b.example.com");
	add(t, "dup.example", DNS_T_MX, "20 b2.example.com");
	add(t, "b2.example.com", DNS_T_A, "192.0.2.2");
	add(t, "b2.example.com", DNS_T_A, "192.0.2.22");
	/* the same host twice */
	add(t, "twice.example", DNS_T_MX, "10 b.example.com");
	add(t, "twice.example", DNS_T_MX, "30 B.example.com.");
	/* a CNAME'd domain without MX: its canonical name is the host */
	add(t, "alias.example", DNS_T_CNAME, "implicit.example");
	/* a hostile zone: many hosts, many addresses */
	for (int i = 0; i < 30; i++) {
		char host[64], mx[80];
		snprintf(host, sizeof(host), "h%d.big.example", i);
		snprintf(mx, sizeof(mx), "%d %s", i, host);
		add(t, "big.example", DNS_T_MX, mx);
		for (int j = 0; j < 10; j++) {
			char a[32];
			snprintf(a, sizeof(a), "10.%d.0.%d", i, j);
			add(t, host, DNS_T_A, a);
		}
	}
	w->dns = dns_client_new_mem(w->base, t, 50);
	*state = w;
	return 0;
}

static int
teardown(void **state)
{
	struct world *w = *state;

	dns_client_free(w->dns);
	dns_mem_free(w->t);
	event_base_free(w->base);
	free(w);
	return 0;
}

static void
resolve(struct world *w, const char *domain, unsigned flags, struct dns_mx_result *r)
{
	dns_mx_resolve_sync(w->dns, domain, flags, r);
	assert_int_equal(dns_client_pending(w->dns), 0);
}

static void
test_order(void **state)
{
	struct world *w = *state;
	struct dns_mx_result r;
	int a_first = 0, c_first = 0;

	srandom(7);
	for (int round = 0; round < 60; round++) {
		resolve(w, "example.com", 0, &r);
		assert_int_equal(r.status, DNS_MX_FOUND);
		assert_int_equal(r.implicit, 0);
		assert_int_equal(r.nhosts, 3);
		/* 10s first, in either order; 20 last */
		assert_int_equal(r.hosts[0].pref, 10);
		assert_int_equal(r.hosts[1].pref, 10);
		assert_string_equal(r.hosts[2].name, "b.example.com");
		assert_int_equal(r.hosts[2].pref, 20);
		assert_int_equal(r.naddrs, 5);
		if (strcmp(r.hosts[0].name, "a.example.com") == 0) {
			a_first++;
			assert_string_equal(r.hosts[1].name, "c.example.com");
			/* grouped by host, IPv4 before IPv6 */
			assert_string_equal(r.addrs[0].text, "192.0.2.1");
			assert_string_equal(r.addrs[1].text, "2001:db8::a");
			assert_int_equal(r.addrs[1].af, AF_INET6);
			assert_string_equal(r.addrs[2].text, "192.0.2.3");
			assert_string_equal(r.addrs[3].text, "192.0.2.33");
		} else {
			c_first++;
			assert_string_equal(r.hosts[0].name, "c.example.com");
			assert_string_equal(r.addrs[0].text, "192.0.2.3");
			assert_string_equal(r.addrs[2].text, "192.0.2.1");
		}
		assert_string_equal(r.addrs[4].text, "192.0.2.2");
		assert_int_equal(r.addrs[4].pref, 20);
		assert_string_equal(r.hosts[r.addrs[4].host].name, "b.example.com");
	}
	/* RFC 5321 5.1: equal preferences are spread at random. */
	assert_true(a_first > 5);
	assert_true(c_first > 5);
}

static void
test_implicit_and_null(void **state)
{
	struct world *w = *state;
	struct dns_mx_result r;

	resolve(w, "implicit.example.", 0, &r);
	assert_int_equal(r.status, DNS_MX_FOUND);
	assert_int_equal(r.implicit, 1);
	assert_string_equal(r.domain, "implicit.example");
	assert_int_equal(r.nhosts, 1);
	assert_string_equal(r.hosts[0].name, "implicit.example");
	assert_int_equal(r.naddrs, 2);
	assert_non_null(strstr(r.reason, "RFC 5321 5.1"));

	resolve(w, "alias.example", 0, &r);
	assert_int_equal(r.status, DNS_MX_FOUND);
	assert_int_equal(r.implicit, 1);
	assert_string_equal(r.hosts[0].name, "implicit.example");

	resolve(w, "bare.example", 0, &r);
	assert_int_equal(r.status, DNS_MX_NOADDR);
	assert_string_equal(r.reason, "no address for the mail servers of bare.example");

	resolve(w, "null.example", 0, &r);
	assert_int_equal(r.status, DNS_MX_NULL);
	assert_int_equal(r.naddrs, 0);
	assert_string_equal(r.reason, "null.example accepts no mail (null MX, RFC 7505)");

	resolve(w, "mixed.example", 0, &r);
	assert_int_equal(r.status, DNS_MX_FOUND);
	assert_int_equal(r.nhosts, 1);
	assert_string_equal(r.addrs[0].text, "192.0.2.2");

	resolve(w, "nowhere.example", 0, &r);
	assert_int_equal(r.status, DNS_MX_NXDOMAIN);
	assert_string_equal(r.reason, "domain nowhere.example does not exist");

	resolve(w, "bad..example", 0, &r);
	assert_int_equal(r.status, DNS_MX_NXDOMAIN);

	resolve(w, "noaddr.example", 0, &r);
	assert_int_equal(r.status, DNS_MX_NOADDR);
	assert_int_equal(r.hosts[0].a, DNS_NXDOMAIN);
}

static void
test_tempfail(void **state)
{
	struct world *w = *state;
	struct dns_mx_result r;

	resolve(w, "slowmx.example", 0, &r);
	assert_int_equal(r.status, DNS_MX_TEMPFAIL);
	assert_non_null(strstr(r.reason, "timeout"));

	resolve(w, "temp.example", 0, &r);
	assert_int_equal(r.status, DNS_MX_TEMPFAIL);
	assert_int_equal(r.hosts[0].a, DNS_TEMPFAIL);
	assert_non_null(strstr(r.reason, "cannot find the mail servers of temp.example"));

	/* One host fails, another answers: usable, marked partial. */
	resolve(w, "partial.example", 0, &r);
	assert_int_equal(r.status, DNS_MX_FOUND);
	assert_int_equal(r.partial, 1);
	assert_int_equal(r.naddrs, 1);
	assert_string_equal(r.addrs[0].text, "192.0.2.2");
	assert_int_equal(r.addrs[0].host, 1);

	/* Silent timeouts: the client's own timer ends them. */
	dns_mem_set_silent_timeouts(w->t, 1);
	resolve(w, "temp.example", 0, &r);
	assert_int_equal(r.status, DNS_MX_TEMPFAIL);
	dns_mem_set_silent_timeouts(w->t, 0);
}

static void
test_limits_and_duplicates(void **state)
{
	struct world *w = *state;
	struct dns_mx_result r;

	resolve(w, "dup.example", 0, &r);
	assert_int_equal(r.status, DNS_MX_FOUND);
	assert_int_equal(r.nhosts, 2);
	assert_int_equal(r.naddrs, 2);
	assert_string_equal(r.addrs[0].text, "192.0.2.2");
	assert_string_equal(r.addrs[1].text, "192.0.2.22");
	assert_int_equal(r.hosts[1].naddrs, 1);

	resolve(w, "twice.example", 0, &r);
	assert_int_equal(r.nhosts, 1);
	assert_int_equal(r.hosts[0].pref, 10);

	resolve(w, "big.example", 0, &r);
	assert_int_equal(r.status, DNS_MX_FOUND);
	assert_int_equal(r.nhosts, DNS_MX_HOSTS_MAX);
	/* the lowest preferences are kept */
	for (size_t i = 0; i < r.nhosts; i++)
		assert_int_equal(r.hosts[i].pref, i);
	assert_int_equal(r.naddrs, DNS_MX_ADDRS_MAX);
	assert_string_equal(r.addrs[0].text, "10.0.0.0");
	assert_string_equal(r.addrs[DNS_MX_ADDRS_MAX - 1].text, "10.6.0.3");
}

static void
test_literals_and_hosts(void **state)
{
	struct world *w = *state;
	struct dns_mx_result r;
	struct sockaddr_storage ss;

	resolve(w, "[192.0.2.7]", 0, &r);
	assert_int_equal(r.status, DNS_MX_FOUND);
	assert_int_equal(r.literal, 1);
	assert_int_equal(r.naddrs, 1);
	assert_string_equal(r.addrs[0].text, "192.0.2.7");
	assert_int_equal(dns_mx_sockaddr(&r.addrs[0], 2525, &ss), sizeof(struct sockaddr_in));
	assert_int_equal(ntohs(((struct sockaddr_in *)&ss)->sin_port), 2525);

	resolve(w, "[IPv6:2001:db8::7]", 0, &r);
	assert_int_equal(r.status, DNS_MX_FOUND);
	assert_int_equal(r.addrs[0].af, AF_INET6);
	assert_int_equal(dns_mx_sockaddr(&r.addrs[0], 25, &ss), sizeof(struct sockaddr_in6));

	/* Not an address: looked up as a name, which cannot exist. */
	resolve(w, "[not-an-ip]", 0, &r);
	assert_int_equal(r.status, DNS_MX_NXDOMAIN);

	/* A host (relayhost): no MX lookup. */
	resolve(w, "c.example.com", DNS_MX_HOST_ONLY, &r);
	assert_int_equal(r.status, DNS_MX_FOUND);
	assert_int_equal(r.naddrs, 2);
	resolve(w, "example.com", DNS_MX_HOST_ONLY, &r);
	assert_int_equal(r.status, DNS_MX_NOADDR);
	resolve(w, "198.51.100.4", DNS_MX_HOST_ONLY, &r);
	assert_int_equal(r.literal, 1);
	assert_string_equal(r.addrs[0].text, "198.51.100.4");
	resolve(w, "::1", DNS_MX_HOST_ONLY, &r);
	assert_int_equal(r.addrs[0].af, AF_INET6);
}

struct calls {
	int n;
	struct dns_mx *free_me;
	enum dns_mx_status st;
};

static void
count_cb(const struct dns_mx_result *r, void *arg)
{
	struct calls *c = arg;

	c->n++;
	c->st = r->status;
	if (c->free_me) {
		dns_mx_free(c->free_me);
		c->free_me = NULL;
	}
}

static void
test_async_cancel(void **state)
{
	struct world *w = *state;
	struct calls c = { 0 };
	struct dns_mx *q;

	/* Never called back from inside start, even without DNS. */
	q = dns_mx_start(w->dns, "[192.0.2.1]", 0, count_cb, &c);
	assert_int_equal(c.n, 0);
	event_base_loop(w->base, EVLOOP_NONBLOCK);
	assert_int_equal(c.n, 1);
	assert_int_equal(dns_mx_result(q)->status, DNS_MX_FOUND);
	dns_mx_free(q);

	/* Freed before the answers: no callback, no query left. */
	c.n = 0;
	q = dns_mx_start(w->dns, "example.com", 0, count_cb, &c);
	assert_int_equal(c.n, 0);
	dns_mx_free(q);
	event_base_loop(w->base, EVLOOP_NONBLOCK);
	assert_int_equal(c.n, 0);
	assert_int_equal(dns_client_pending(w->dns), 0);

	/* Freed while address lookups hang. */
	dns_mem_set_silent_timeouts(w->t, 1);
	q = dns_mx_start(w->dns, "temp.example", 0, count_cb, &c);
	event_base_loop(w->base, EVLOOP_NONBLOCK);
	assert_int_equal(c.n, 0);
	assert_true(dns_client_pending(w->dns) > 0);
	dns_mx_free(q);
	assert_int_equal(dns_client_pending(w->dns), 0);
	dns_mem_set_silent_timeouts(w->t, 0);

	/* Freed from inside its own callback. */
	c.free_me = dns_mx_start(w->dns, "example.com", 0, count_cb, &c);
	event_base_dispatch(w->base);
	assert_int_equal(c.n, 1);
	assert_null(c.free_me);
	assert_int_equal(c.st, DNS_MX_FOUND);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_implicit_and_null, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tempfail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limits_and_duplicates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_literals_and_hosts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_async_cancel, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
