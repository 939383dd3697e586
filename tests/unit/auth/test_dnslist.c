/*
 * Unit tests for DNSBL/DNSWL lookups (dnslist.c, RFC 5782): zone settings
 * with code filters, query names, every kind of answer over the in-memory
 * DNS backend, cancellation, and the config part.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/dnslist.h"
#include "auth/dnslist_config.h"
#include "config/config.h"
#include "dns/dns.h"
#include "dns/dns_mem.h"

static void
test_zone_parse(void **state)
{
	struct dnslist_zone z;
	char err[300];
	static const char *const bad[] = {
		"", "=127.0.0.2", "bl test", "bl.test=127.0.0", "bl.test=127.0.0.256",
		"bl.test=127.0.0.[5..2]", "bl.test=127.0.0.[2", "bl.test=127.0.0.2x",
		"bl.test=127.0.0.[]", "bl.test=1234.0.0.1", "bl..test", ".bl.test", "bl.test=",
		"bl.test=127.0.0.[2;]", "bl.test=127.0.0.[2...4]", "bl/test", "bl.test=127.0.0.-1",
		"bl.test=127.0.0.2.1",
	};

	assert_int_equal(dnslist_zone_parse("BL.Test.", &z, err, sizeof(err)), 0);
	assert_string_equal(z.zone, "bl.test");
	assert_int_equal(z.filtered, 0);
	assert_int_equal(dnslist_zone_parse("zen.example.org=127.0.0.[2..11]", &z, err,
	    sizeof(err)), 0);
	assert_string_equal(z.zone, "zen.example.org");
	assert_int_equal(z.filtered, 1);
	struct in_addr a;
	inet_pton(AF_INET, "127.0.0.2", &a);
	assert_true(dnslist_zone_matches(&z, a));
	inet_pton(AF_INET, "127.0.0.11", &a);
	assert_true(dnslist_zone_matches(&z, a));
	inet_pton(AF_INET, "127.0.0.12", &a);
	assert_false(dnslist_zone_matches(&z, a));
	inet_pton(AF_INET, "127.0.1.2", &a);
	assert_false(dnslist_zone_matches(&z, a));

	assert_int_equal(dnslist_zone_parse("x.test=127.0.[0;1].[2..4;10]", &z, err, sizeof(err)),
	    0);
	inet_pton(AF_INET, "127.0.1.10", &a);
	assert_true(dnslist_zone_matches(&z, a));
	inet_pton(AF_INET, "127.0.1.5", &a);
	assert_false(dnslist_zone_matches(&z, a));
	inet_pton(AF_INET, "127.0.2.3", &a);
	assert_false(dnslist_zone_matches(&z, a));

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (dnslist_zone_parse(bad[i], &z, err, sizeof(err)) == 0)
			fail_msg("accepted '%s'", bad[i]);
		assert_true(err[0] != '\0');
	}
	/* a zone must leave room for an IPv6 name (RFC 5782 2.4) */
	char longz[200];
	memset(longz, 'a', sizeof(longz));
	for (size_t i = 50; i < sizeof(longz) - 1; i += 51)
		longz[i] = '.';
	longz[190] = '\0';
	assert_int_equal(dnslist_zone_parse(longz, &z, err, sizeof(err)), -1);
	longz[189] = '\0';
	assert_int_equal(dnslist_zone_parse(longz, &z, err, sizeof(err)), 0);
}

static void
test_qname(void **state)
{
	unsigned char a4[4], a6[16];
	char out[300];

	inet_pton(AF_INET, "192.0.2.99", a4);
	assert_int_equal(dnslist_qname(AF_INET, a4, "bl.test", out, sizeof(out)), 0);
	assert_string_equal(out, "99.2.0.192.bl.test");
	/* RFC 5782 2.4's own example */
	inet_pton(AF_INET6, "2001:db8:1:2:3:4:567:89ab", a6);
	assert_int_equal(dnslist_qname(AF_INET6, a6, "ugly.example.com", out, sizeof(out)), 0);
	assert_string_equal(out, "b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2."
	    "ugly.example.com");
	assert_int_equal(dnslist_qname(AF_INET, a4, "bl.test", out, 12), -1);
	assert_int_equal(dnslist_qname(AF_INET, a4, "bad..zone", out, sizeof(out)), -1);
}

struct world {
	struct event_base *base;
	struct dns_mem *t;
	struct dns_client *dns;
	struct dnslist_zone zones[DNSLIST_ZONES_MAX];
	size_t nzones;
};

static void
add(struct dns_mem *t, const char *name, enum dns_type type, const char *text)
{
	assert_int_equal(dns_mem_add(t, name, type, text), 0);
}

static void
zone(struct world *w, const char *spec)
{
	char err[300];

	assert_int_equal(dnslist_zone_parse(spec, &w->zones[w->nzones++], err, sizeof(err)), 0);
}

static int
setup(void **state)
{
	struct world *w = calloc(1, sizeof(*w));
	struct dns_mem *t;

	w->base = event_base_new();
	w->t = t = dns_mem_new();
	add(t, "99.2.0.192.bl.test", DNS_T_A, "127.0.0.2");
	add(t, "99.2.0.192.bl.test", DNS_T_TXT, "listed: see https://bl.test/99\x01");
	add(t, "99.2.0.192.codes.test", DNS_T_A, "127.0.0.10");
	add(t, "99.2.0.192.bad.test", DNS_T_A, "10.0.0.1");
	add(t, "99.2.0.192.refuse.test", DNS_T_A, "127.255.255.254");
	add(t, "99.2.0.192.nodata.test", DNS_T_TXT, "odd");
	dns_mem_add_timeout(t, "99.2.0.192.slow.test");
	add(t, "99.2.0.192.two.test", DNS_T_A, "127.0.0.4");
	add(t, "99.2.0.192.two.test", DNS_T_A, "127.0.0.2");
	add(t, "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.bl.test",
	    DNS_T_A, "127.0.0.3");
	w->dns = dns_client_new_mem(w->base, t, 100);
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
ask(struct world *w, const char *ip, struct dnslist_outcome *o)
{
	unsigned char a[16];
	int af = strchr(ip, ':') ? AF_INET6 : AF_INET;

	assert_int_equal(inet_pton(af, ip, a), 1);
	dnslist_check_sync(w->dns, w->zones, w->nzones, af, a, o);
	assert_int_equal(dns_client_pending(w->dns), 0);
}

static void
test_answers(void **state)
{
	struct world *w = *state;
	struct dnslist_outcome o;
	char ip[INET_ADDRSTRLEN];

	zone(w, "bl.test");
	zone(w, "codes.test=127.0.0.[2..4]");
	zone(w, "bad.test");
	zone(w, "refuse.test");
	zone(w, "nodata.test");
	zone(w, "slow.test");
	zone(w, "two.test=127.0.0.2");
	zone(w, "clean.test");
	ask(w, "192.0.2.99", &o);
	assert_string_equal(o.address, "192.0.2.99");
	assert_int_equal(o.nzones, 8);
	assert_true(o.listed);
	assert_true(o.temperror);

	assert_string_equal(o.zones[0].zone, "bl.test");
	assert_int_equal(o.zones[0].result, DNSLIST_LISTED);
	assert_int_equal(o.zones[0].ncodes, 1);
	inet_ntop(AF_INET, &o.zones[0].codes[0], ip, sizeof(ip));
	assert_string_equal(ip, "127.0.0.2");
	/* the TXT reason, cleaned of control characters */
	assert_string_equal(o.zones[0].text, "listed: see https://bl.test/99?");
	assert_string_equal(o.zones[0].reason,
	    "192.0.2.99 is listed in bl.test (127.0.0.2): listed: see https://bl.test/99?");

	/* a code the filter does not count */
	assert_int_equal(o.zones[1].result, DNSLIST_NOT_LISTED);
	assert_int_equal(o.zones[1].ncodes, 1);
	assert_non_null(strstr(o.zones[1].reason, "does not count"));
	/* answers outside 127/8, a list's refusal, NODATA, timeouts: temperror */
	assert_int_equal(o.zones[2].result, DNSLIST_TEMPERROR);
	assert_non_null(strstr(o.zones[2].reason, "outside 127.0.0.0/8"));
	assert_int_equal(o.zones[3].result, DNSLIST_TEMPERROR);
	assert_non_null(strstr(o.zones[3].reason, "refused the query"));
	assert_int_equal(o.zones[4].result, DNSLIST_TEMPERROR);
	assert_int_equal(o.zones[5].result, DNSLIST_TEMPERROR);
	assert_non_null(strstr(o.zones[5].reason, "timeout"));
	/* one of several codes counts */
	assert_int_equal(o.zones[6].result, DNSLIST_LISTED);
	assert_int_equal(o.zones[6].ncodes, 2);
	assert_string_equal(o.zones[6].text, "");
	/* NXDOMAIN */
	assert_int_equal(o.zones[7].result, DNSLIST_NOT_LISTED);
	assert_string_equal(o.zones[7].reason, "192.0.2.99 is not listed in clean.test");

	/* an address listed nowhere */
	ask(w, "192.0.2.1", &o);
	assert_int_equal(o.zones[0].result, DNSLIST_NOT_LISTED);
	assert_false(o.zones[0].result == DNSLIST_LISTED);

	/* IPv6 by nibbles */
	w->nzones = 0;
	zone(w, "bl.test");
	ask(w, "2001:db8::1", &o);
	assert_int_equal(o.zones[0].result, DNSLIST_LISTED);
	assert_false(o.temperror);
	ask(w, "2001:db8::2", &o);
	assert_int_equal(o.zones[0].result, DNSLIST_NOT_LISTED);
	assert_false(o.listed);
}

struct calls {
	int n;
	struct dnslist_check **free_me;
};

static void
count_cb(const struct dnslist_outcome *o, void *arg)
{
	struct calls *c = arg;

	c->n++;
	if (c->free_me) {
		dnslist_check_free(*c->free_me);
		*c->free_me = NULL;
	}
}

static void
test_async_cancel(void **state)
{
	struct world *w = *state;
	struct calls c = { 0 };
	unsigned char a[4];
	struct dnslist_check *chk;

	inet_pton(AF_INET, "192.0.2.99", a);
	/* no zones: still from the loop */
	chk = dnslist_check_start(w->dns, w->zones, 0, AF_INET, a, count_cb, &c);
	assert_int_equal(c.n, 0);
	event_base_loop(w->base, EVLOOP_NONBLOCK);
	assert_int_equal(c.n, 1);
	assert_int_equal(dnslist_check_outcome(chk)->nzones, 0);
	dnslist_check_free(chk);

	zone(w, "bl.test");
	zone(w, "slow.test");
	dns_mem_set_silent_timeouts(w->t, 1);
	c.n = 0;
	chk = dnslist_check_start(w->dns, w->zones, w->nzones, AF_INET, a, count_cb, &c);
	event_base_loop(w->base, EVLOOP_NONBLOCK);
	assert_true(dns_client_pending(w->dns) > 0);
	dnslist_check_free(chk);
	assert_int_equal(dns_client_pending(w->dns), 0);
	event_base_loop(w->base, EVLOOP_NONBLOCK);
	assert_int_equal(c.n, 0);
	dns_mem_set_silent_timeouts(w->t, 0);

	/* freed from its own callback */
	c.free_me = &chk;
	chk = dnslist_check_start(w->dns, w->zones, w->nzones, AF_INET, a, count_cb, &c);
	while (c.n == 0)
		event_base_loop(w->base, EVLOOP_ONCE);
	assert_null(chk);
}

static void
test_config(void **state)
{
	struct strbuf errs;
	struct config *cfg;
	static const char good[] = "dnsbl_zones = zen.example.org=127.0.0.[2..11] bl.test\n"
	    "dnswl_zones = list.dnswl.example\n";
	static const char bad[] = "dnsbl_zones = good.test bad..test\n"
	    "dnswl_zones = wl.test=127.0.0\n";
	struct dnslist_zone z[DNSLIST_ZONES_MAX];

	strbuf_init(&errs, 1 << 16);
	cfg = config_load_text(good, sizeof(good) - 1, "t.conf", &errs);
	assert_non_null(cfg);
	assert_int_equal(cfg->dnslist.bl_zones.n, 2);
	assert_int_equal(dnslist_config_zones(&cfg->dnslist.bl_zones, "dnsbl_zones", z, &errs), 2);
	assert_int_equal(z[0].filtered, 1);
	assert_string_equal(z[1].zone, "bl.test");
	config_free(cfg);
	cfg = config_load_text(bad, sizeof(bad) - 1, "t.conf", &errs);
	assert_null(cfg);
	assert_non_null(strstr(errs.s, "dnsbl_zones: 'bad..test'"));
	assert_non_null(strstr(errs.s, "dnswl_zones: 'wl.test=127.0.0'"));
	strbuf_free(&errs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zone_parse),
		cmocka_unit_test(test_qname),
		cmocka_unit_test_setup_teardown(test_answers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_async_cancel, setup, teardown),
		cmocka_unit_test(test_config),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
