/*
 * Unit tests for the HELO checks (helo.c) over the in-memory DNS backend:
 * syntax, address literals, the forward-confirmed HELO name, and
 * forward-confirmed reverse DNS with several PTR names, names in other
 * cases than their records, a PTR reached through a CNAME (RFC 2317),
 * answers that arrive in another order than asked, timeouts, the 10-name
 * bound and IPv6. tests/integration/test_dns_checks_wire.py runs the same
 * world through a real DNS server.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <event2/event.h>
#include <stdio.h>
#include <string.h>

#include "auth/helo.h"
#include "dns/dns.h"
#include "dns/dns_mem.h"

struct world {
	struct dns_mem *t;
	struct event_base *base;
	struct dns_client *dns;
};

/* Records: "name TYPE value", as dns_mem_add takes them. */
static const char *const records[] = {
	"mail.example.com A 192.0.2.10",
	"mail.example.com AAAA 2001:db8::10",
	"10.2.0.192.in-addr.arpa PTR mail.example.com",
	/* several PTR names: the first does not resolve back, the second does */
	"11.2.0.192.in-addr.arpa PTR stale.example.com",
	"11.2.0.192.in-addr.arpa PTR Second.Example.COM",
	"stale.example.com A 192.0.2.99",
	"second.example.com A 192.0.2.11",
	/* both resolve back; the first one's answer comes late */
	"12.2.0.192.in-addr.arpa PTR slow.example.com",
	"12.2.0.192.in-addr.arpa PTR fast.example.com",
	"slow.example.com A 192.0.2.12",
	"fast.example.com A 192.0.2.12",
	/* RFC 2317 classless delegation: the PTR behind a CNAME */
	"13.2.0.192.in-addr.arpa CNAME 13.0/25.2.0.192.in-addr.arpa",
	"13.0/25.2.0.192.in-addr.arpa PTR classless.example.com",
	"classless.example.com A 192.0.2.13",
	/* one name times out, the other confirms */
	"14.2.0.192.in-addr.arpa PTR silent.example.com",
	"14.2.0.192.in-addr.arpa PTR ok14.example.com",
	"ok14.example.com A 192.0.2.14",
	/* only a name that times out */
	"15.2.0.192.in-addr.arpa PTR silent.example.com",
	/* a HELO name in upper case: DNS names compare case-insensitively */
	"upper.example.com A 192.0.2.16",
	"16.2.0.192.in-addr.arpa PTR UPPER.EXAMPLE.COM",
	/* IPv6 */
	"0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa PTR mail.example.com",
	NULL,
};

static int
setup(void **state)
{
	static struct world w;
	char name[64], value[64];

	w.t = dns_mem_new();
	for (int i = 0; records[i]; i++) {
		char n[128], type[16], v[128];
		assert_int_equal(sscanf(records[i], "%127s %15s %127s", n, type, v), 3);
		assert_int_equal(dns_mem_add(w.t, n, dns_type_parse(type), v), 0);
	}
	dns_mem_add_timeout(w.t, "silent.example.com");
	/* the first PTR name's address answer arrives after the second's */
	dns_mem_add_delay(w.t, "slow.example.com", 50);
	/* eleven PTR names, only the last resolves back: past the bound */
	for (int i = 1; i <= 11; i++) {
		snprintf(name, sizeof(name), "n%d.example.com", i);
		assert_int_equal(dns_mem_add(w.t, "17.2.0.192.in-addr.arpa", DNS_T_PTR, name), 0);
		snprintf(value, sizeof(value), "192.0.2.%d", i == 11 ? 17 : 200);
		assert_int_equal(dns_mem_add(w.t, name, DNS_T_A, value), 0);
	}
	w.base = event_base_new();
	w.dns = dns_client_new_mem(w.base, w.t, 300);
	*state = &w;
	return 0;
}

static int
teardown(void **state)
{
	struct world *w = *state;

	dns_client_free(w->dns);
	event_base_free(w->base);
	dns_mem_free(w->t);
	return 0;
}

struct wait {
	int done;
	struct helo_outcome out;
};

static void
on_done(const struct helo_outcome *o, void *arg)
{
	struct wait *wt = arg;

	wt->out = *o;
	wt->done = 1;
}

static struct helo_outcome
check(struct world *w, const char *name, const char *ip)
{
	struct sockaddr_storage ss;
	struct wait wt = { 0 };
	struct helo_check *chk;

	memset(&ss, 0, sizeof(ss));
	if (strchr(ip, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		assert_int_equal(inet_pton(AF_INET6, ip, &s6->sin6_addr), 1);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		assert_int_equal(inet_pton(AF_INET, ip, &s4->sin_addr), 1);
	}
	chk = helo_check_start(w->dns, name, (struct sockaddr *)&ss, 5000, on_done, &wt);
	while (!wt.done)
		assert_int_not_equal(event_base_loop(w->base, EVLOOP_ONCE), -1);
	helo_check_free(chk);
	assert_int_equal(dns_client_pending(w->dns), 0);
	return wt.out;
}

static void
test_table(void **state)
{
	static const struct {
		const char *helo, *ip;
		enum helo_result syntax, literal, forward, fcrdns;
		const char *verified;
	} cases[] = {
		{ "mail.example.com", "192.0.2.10", HELO_PASS, HELO_NONE, HELO_PASS, HELO_PASS,
		    "mail.example.com" },
		{ "MAIL.Example.Com", "192.0.2.10", HELO_PASS, HELO_NONE, HELO_PASS, HELO_PASS,
		    "mail.example.com" },
		{ "mail.example.com", "192.0.2.11", HELO_PASS, HELO_NONE, HELO_FAIL, HELO_PASS,
		    "Second.Example.COM" },
		/* the first PTR name in answer order, not the first answer in */
		{ "slow.example.com", "192.0.2.12", HELO_PASS, HELO_NONE, HELO_PASS, HELO_PASS,
		    "slow.example.com" },
		{ "x.example.com", "192.0.2.13", HELO_PASS, HELO_NONE, HELO_FAIL, HELO_PASS,
		    "classless.example.com" },
		{ "ok14.example.com", "192.0.2.14", HELO_PASS, HELO_NONE, HELO_PASS, HELO_PASS,
		    "ok14.example.com" },
		{ "silent.example.com", "192.0.2.15", HELO_PASS, HELO_NONE, HELO_TEMPERROR,
		    HELO_TEMPERROR, "" },
		{ "Upper.Example.Com", "192.0.2.16", HELO_PASS, HELO_NONE, HELO_PASS, HELO_PASS,
		    "UPPER.EXAMPLE.COM" },
		{ "n11.example.com", "192.0.2.17", HELO_PASS, HELO_NONE, HELO_PASS, HELO_FAIL, "" },
		{ "nowhere.example.com", "192.0.2.99", HELO_PASS, HELO_NONE, HELO_FAIL, HELO_FAIL,
		    "" },
		{ "mail.example.com", "2001:db8::10", HELO_PASS, HELO_NONE, HELO_PASS, HELO_PASS,
		    "mail.example.com" },
		{ "[192.0.2.10]", "192.0.2.10", HELO_PASS, HELO_PASS, HELO_NONE, HELO_PASS,
		    "mail.example.com" },
		{ "[192.0.2.9]", "192.0.2.10", HELO_PASS, HELO_FAIL, HELO_NONE, HELO_PASS,
		    "mail.example.com" },
		/* not asked: no forward confirmation */
		{ "localhost", "192.0.2.99", HELO_FAIL, HELO_NONE, HELO_FAIL, HELO_FAIL, "" },
	};
	struct world *w = *state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct helo_outcome o = check(w, cases[i].helo, cases[i].ip);
		if (o.syntax != cases[i].syntax || o.literal != cases[i].literal ||
		    o.forward != cases[i].forward || o.fcrdns != cases[i].fcrdns ||
		    strcmp(o.verified_name, cases[i].verified) != 0)
			fail_msg("%s from %s: syntax %s literal %s forward %s fcrdns %s verified "
			         "\"%s\" (%s)",
			    cases[i].helo, cases[i].ip, helo_result_name(o.syntax),
			    helo_result_name(o.literal), helo_result_name(o.forward),
			    helo_result_name(o.fcrdns), o.verified_name, o.reason);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_table, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
