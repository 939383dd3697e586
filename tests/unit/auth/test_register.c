/*
 * Unit tests for registrar lookups (register.c, register_txt.c): the TXT
 * parser, the name and address forms of docs/registry.md over the
 * in-memory DNS backend, how several zones combine, cancellation, and the
 * config part.
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

#include "auth/register.h"
#include "auth/register_config.h"
#include "config/config.h"
#include "dns/dns.h"
#include "dns/dns_mem.h"

static void
test_txt_parse(void **state)
{
	struct register_txt t;
	char err[200];
	static const char registry[] = "v=vouch1; class=isp; since=2026-11-23; sponsors=2";
	static const struct {
		const char *txt;
		const char *why;
	} bad[] = {
		{ "", "empty field 1" },
		{ "v=vouch2; class=isp", "not a v=vouch1 record" },
		{ "class=isp; v=vouch1", "not a v=vouch1 record" },
		{ "v=vouch1; class=isp; class=bulk", "class given twice" },
		{ "v=vouch1; class=", "bad class" },
		{ "v=vouch1; class=is p", "bad class" },
		{ "v=vouch1; since=2026-02-30", "since is not a YYYY-MM-DD date" },
		{ "v=vouch1; since=2025-02-29", "since is not a YYYY-MM-DD date" },
		{ "v=vouch1; since=26-11-23", "since is not a YYYY-MM-DD date" },
		{ "v=vouch1; since=1969-12-31", "since is not a YYYY-MM-DD date" },
		{ "v=vouch1; sponsors=-1", "sponsors is not a number" },
		{ "v=vouch1; sponsors=1234567890", "sponsors is not a number" },
		{ "v=vouch1; sponsors=", "sponsors is not a number" },
		{ "v=vouch1; host=a..b", "host is not a host name" },
		{ "v=vouch1; host=a b.example", "host is not a host name" },
		{ "v=vouch1;; class=isp", "empty field 2" },
		{ "v=vouch1; class", "field 2 is not tag=value" },
		{ "v=vouch1; =isp", "field 2 is not tag=value" },
		{ "v=vouch1; cl@ss=isp", "field 2: bad tag" },
		{ "v=vouch1; note=\x01", "field 2: control or non-ASCII octet in the value" },
	};

	assert_int_equal(register_txt_parse(registry, strlen(registry), &t, err, sizeof(err)), 0);
	assert_int_equal(t.klass, REGISTER_CLASS_ISP);
	assert_string_equal(register_class_name(t.klass), "isp");
	assert_int_equal(t.has_since, 1);
	assert_int_equal(t.year, 2026);
	assert_int_equal(t.month, 11);
	assert_int_equal(t.day, 23);
	assert_int_equal(t.has_sponsors, 1);
	assert_int_equal(t.sponsors, 2);
	assert_string_equal(t.host, "");

	/* leniency: spaces, a final ';', case, unknown tags and classes */
	static const char lenient[] = " V = Vouch1 ;class = Business;since=2024-02-29 ; "
	                              "future=anything at all; sponsors=0;";
	assert_int_equal(register_txt_parse(lenient, strlen(lenient), &t, err, sizeof(err)), 0);
	assert_int_equal(t.klass, REGISTER_CLASS_BUSINESS);
	assert_int_equal(t.day, 29);
	assert_int_equal(t.sponsors, 0);
	static const char other[] = "v=vouch1; class=research";
	assert_int_equal(register_txt_parse(other, strlen(other), &t, err, sizeof(err)), 0);
	assert_int_equal(t.klass, REGISTER_CLASS_OTHER);
	assert_string_equal(t.class_text, "research");
	static const char host[] = "v=vouch1; host=MX1.Example.COM.";
	assert_int_equal(register_txt_parse(host, strlen(host), &t, err, sizeof(err)), 0);
	assert_string_equal(t.host, "mx1.example.com");
	assert_int_equal(t.klass, REGISTER_CLASS_NONE);
	static const char bare[] = "v=vouch1";
	assert_int_equal(register_txt_parse(bare, strlen(bare), &t, err, sizeof(err)), 0);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (register_txt_parse(bad[i].txt, strlen(bad[i].txt), &t, err, sizeof(err)) == 0)
			fail_msg("accepted '%s'", bad[i].txt);
		if (strcmp(err, bad[i].why) != 0)
			fail_msg("'%s': said '%s', expected '%s'", bad[i].txt, err, bad[i].why);
		assert_int_equal(t.klass, REGISTER_CLASS_NONE);
	}
	/* bytes after a NUL are not ignored */
	static const char nul[] = "v=vouch1; class=isp\0; class=bulk";
	assert_int_equal(register_txt_parse(nul, sizeof(nul) - 1, &t, err, sizeof(err)), -1);
}

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
	/* as vouch-registry publishes it (docs/registry.md) */
	add(t, "mx1.example.com.reg.test", DNS_T_A, "127.0.0.2");
	add(t, "mx1.example.com.reg.test", DNS_T_TXT,
	    "v=vouch1; class=isp; since=2026-11-23; sponsors=2");
	add(t, "bad.example.com.reg.test", DNS_T_A, "127.0.0.3");
	add(t, "bad.example.com.reg.test", DNS_T_TXT,
	    "v=vouch1; class=bulk; since=2025-01-02; sponsors=0");
	add(t, "notxt.example.com.reg.test", DNS_T_A, "127.0.0.2");
	add(t, "junktxt.example.com.reg.test", DNS_T_A, "127.0.0.2");
	add(t, "junktxt.example.com.reg.test", DNS_T_TXT, "v=spf1 -all");
	add(t, "wild.example.com.reg.test", DNS_T_A, "192.0.2.1");
	add(t, "odd.example.com.reg.test", DNS_T_A, "127.0.0.4");
	/* an empty non-terminal: exists, no A */
	add(t, "example.com.reg.test", DNS_T_NS, "ns.example");
	dns_mem_add_timeout(t, "slow.example.com.reg.test");
	add(t, "25.2.0.192.ip.reg.test", DNS_T_A, "127.0.0.2");
	add(t, "25.2.0.192.ip.reg.test", DNS_T_TXT, "v=vouch1; host=mx1.example.com");
	add(t, "25.2.0.192.ip.reg.test", DNS_T_TXT, "v=vouch1; host=mx2.example.com");
	add(t, "25.2.0.192.ip.reg.test", DNS_T_TXT, "v=vouch1; host=mx1.example.com");
	add(t, "26.2.0.192.ip.reg.test", DNS_T_A, "127.0.0.3");
	add(t, "26.2.0.192.ip.reg.test", DNS_T_A, "127.0.0.2");
	add(t, "5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip.reg.test",
	    DNS_T_A, "127.0.0.2");
	/* a second registrar with other opinions */
	add(t, "mx1.example.com.reg2.test", DNS_T_A, "127.0.0.3");
	add(t, "other.example.net.reg2.test", DNS_T_A, "127.0.0.2");
	dns_mem_add_timeout(t, "other.example.net.slow.test");
	dns_mem_add_timeout(t, "mx1.example.com.slow.test");
	dns_mem_add_timeout(t, "nobody.example.org.slow.test");
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
ask(struct world *w, const char *const *zones, size_t n, const char *q, struct register_outcome *o)
{
	register_check_sync(w->dns, zones, n, q, o);
	assert_int_equal(dns_client_pending(w->dns), 0);
}

static void
test_name_form(void **state)
{
	struct world *w = *state;
	static const char *const reg[] = { "reg.test" };
	struct register_outcome o;

	ask(w, reg, 1, "MX1.example.com.", &o);
	assert_string_equal(o.query, "mx1.example.com");
	assert_int_equal(o.by_address, 0);
	assert_int_equal(o.status, REGISTER_ACTIVE);
	assert_int_equal(o.decided_by, 0);
	assert_int_equal(o.zones[0].has_txt, 1);
	assert_int_equal(o.zones[0].txt.klass, REGISTER_CLASS_ISP);
	assert_string_equal(o.reason,
	    "mx1.example.com is registered in reg.test "
	    "(class isp, since 2026-11-23, 2 sponsors)");

	ask(w, reg, 1, "bad.example.com", &o);
	assert_int_equal(o.status, REGISTER_SUSPENDED);
	assert_int_equal(o.zones[0].txt.klass, REGISTER_CLASS_BULK);
	assert_non_null(strstr(o.reason, "but suspended"));

	/* registered without (usable) TXT: the class is unknown */
	ask(w, reg, 1, "notxt.example.com", &o);
	assert_int_equal(o.status, REGISTER_ACTIVE);
	assert_int_equal(o.zones[0].has_txt, 0);
	ask(w, reg, 1, "junktxt.example.com", &o);
	assert_int_equal(o.status, REGISTER_ACTIVE);
	assert_int_equal(o.zones[0].has_txt, 0);

	/* NXDOMAIN and an empty non-terminal: unregistered */
	ask(w, reg, 1, "unknown.example.com", &o);
	assert_int_equal(o.status, REGISTER_UNREGISTERED);
	assert_string_equal(o.reason, "unknown.example.com is not registered in reg.test");
	ask(w, reg, 1, "example.com", &o);
	assert_int_equal(o.status, REGISTER_UNREGISTERED);

	/* anything else: temperror */
	ask(w, reg, 1, "wild.example.com", &o);
	assert_int_equal(o.status, REGISTER_TEMPERROR);
	assert_non_null(strstr(o.reason, "answered 192.0.2.1"));
	ask(w, reg, 1, "odd.example.com", &o);
	assert_int_equal(o.status, REGISTER_TEMPERROR);
	ask(w, reg, 1, "slow.example.com", &o);
	assert_int_equal(o.status, REGISTER_TEMPERROR);
	assert_non_null(strstr(o.reason, "timeout"));

	/* not a host name: nothing is asked */
	ask(w, reg, 1, "[192.0.2.25]", &o);
	assert_int_equal(o.status, REGISTER_UNREGISTERED);
	assert_string_equal(o.query, "");
	ask(w, reg, 1, "a b.example", &o);
	assert_int_equal(o.status, REGISTER_UNREGISTERED);
	/* a name that cannot fit under the zone */
	char longname[260];
	memset(longname, 'a', sizeof(longname));
	for (size_t i = 60; i < 250; i += 61)
		longname[i] = '.';
	longname[250] = '\0';
	ask(w, reg, 1, longname, &o);
	assert_int_equal(o.status, REGISTER_UNREGISTERED);
	assert_non_null(strstr(o.reason, "name too long"));

	/* no zones */
	ask(w, reg, 0, "mx1.example.com", &o);
	assert_int_equal(o.status, REGISTER_UNREGISTERED);
	assert_int_equal(o.decided_by, -1);
}

static void
test_address_form(void **state)
{
	struct world *w = *state;
	static const char *const reg[] = { "reg.test" };
	struct register_outcome o;

	ask(w, reg, 1, "192.0.2.25", &o);
	assert_int_equal(o.by_address, 1);
	assert_int_equal(o.status, REGISTER_ACTIVE);
	assert_int_equal(o.zones[0].nhosts, 2);
	assert_string_equal(o.zones[0].hosts[0], "mx1.example.com");
	assert_string_equal(o.zones[0].hosts[1], "mx2.example.com");
	assert_non_null(strstr(o.reason, "(server mx1.example.com, ...)"));
	/* an active and a suspended server share the address: .2 wins */
	ask(w, reg, 1, "192.0.2.26", &o);
	assert_int_equal(o.status, REGISTER_ACTIVE);
	ask(w, reg, 1, "192.0.2.27", &o);
	assert_int_equal(o.status, REGISTER_UNREGISTERED);
	ask(w, reg, 1, "2001:db8::25", &o);
	assert_int_equal(o.status, REGISTER_ACTIVE);
	assert_string_equal(o.query, "2001:db8::25");
}

static void
test_zones_combine(void **state)
{
	struct world *w = *state;
	static const char *const two[] = { "reg.test", "reg2.test" };
	static const char *const slow[] = { "reg.test", "slow.test" };
	struct register_outcome o;

	/* suspended anywhere wins over registered elsewhere */
	ask(w, two, 2, "mx1.example.com", &o);
	assert_int_equal(o.status, REGISTER_SUSPENDED);
	assert_int_equal(o.decided_by, 1);
	assert_int_equal(o.zones[0].status, REGISTER_ACTIVE);
	assert_int_equal(o.zones[1].status, REGISTER_SUSPENDED);
	/* registered in one, unknown in the other */
	ask(w, two, 2, "other.example.net", &o);
	assert_int_equal(o.status, REGISTER_ACTIVE);
	assert_int_equal(o.decided_by, 1);
	/* registered beats a zone that could not be asked */
	ask(w, slow, 2, "mx1.example.com", &o);
	assert_int_equal(o.status, REGISTER_ACTIVE);
	assert_int_equal(o.zones[1].status, REGISTER_TEMPERROR);
	/* but unregistered does not */
	ask(w, slow, 2, "nobody.example.org", &o);
	assert_int_equal(o.status, REGISTER_TEMPERROR);
	assert_int_equal(o.decided_by, 1);
	/* unregistered everywhere: the first zone speaks */
	ask(w, two, 2, "nobody.example.org", &o);
	assert_int_equal(o.status, REGISTER_UNREGISTERED);
	assert_int_equal(o.decided_by, 0);
}

struct calls {
	int n;
};

static void
count_cb(const struct register_outcome *o, void *arg)
{
	((struct calls *)arg)->n++;
}

static void
test_async_cancel(void **state)
{
	struct world *w = *state;
	static const char *const slow[] = { "reg.test", "slow.test" };
	struct calls c = { 0 };
	struct register_check *chk;

	dns_mem_set_silent_timeouts(w->t, 1);
	chk = register_check_name(w->dns, slow, 2, "mx1.example.com", count_cb, &c);
	assert_int_equal(c.n, 0);
	event_base_loop(w->base, EVLOOP_NONBLOCK);
	assert_int_equal(c.n, 0);
	assert_true(dns_client_pending(w->dns) > 0);
	register_check_free(chk);
	assert_int_equal(dns_client_pending(w->dns), 0);
	dns_mem_set_silent_timeouts(w->t, 0);

	chk = register_check_name(w->dns, slow, 2, "[not a name]", count_cb, &c);
	assert_int_equal(c.n, 0);
	event_base_loop(w->base, EVLOOP_NONBLOCK);
	assert_int_equal(c.n, 1);
	assert_int_equal(register_check_outcome(chk)->status, REGISTER_UNREGISTERED);
	register_check_free(chk);
}

static void
test_config(void **state)
{
	struct strbuf errs;
	struct config *cfg;
	static const char good[] = "registrar_zones = reg.example.net, reg2.example.org\n";
	static const char bad[] = "registrar_zones = reg.example.net bad..zone ok_zone.test "
	                          "sp@ce.test\n";

	strbuf_init(&errs, 1 << 16);
	cfg = config_load_text(good, sizeof(good) - 1, "t.conf", &errs);
	assert_non_null(cfg);
	assert_int_equal(cfg->reg.zones.n, 2);
	config_free(cfg);
	cfg = config_load_text(bad, sizeof(bad) - 1, "t.conf", &errs);
	assert_null(cfg);
	assert_non_null(strstr(errs.s, "'bad..zone'"));
	assert_non_null(strstr(errs.s, "'sp@ce.test'"));
	assert_null(strstr(errs.s, "ok_zone"));
	strbuf_free(&errs);
}

/* refuse_classes: a listener's list, a domain block's (inherit, none) */
static void
test_refuse_classes_config(void **state)
{
	static const char text[] = "listener mx {\n"
	                           "    refuse_classes = bulk\n"
	                           "}\n"
	                           "domain school.example {\n"
	                           "    refuse_classes = BULK, isp, other\n"
	                           "}\n"
	                           "domain open.example {\n"
	                           "    refuse_classes = none\n"
	                           "}\n"
	                           "domain plain.example {\n"
	                           "    mode = hard\n"
	                           "}\n";
	struct strbuf errs;
	struct config *cfg;

	(void)state;
	strbuf_init(&errs, 1 << 16);
	cfg = config_load_text(text, sizeof(text) - 1, "t.conf", &errs);
	assert_non_null(cfg);
	const struct listener_config *l = &cfg->listeners[0];
	const struct conf_list *c = config_refuse_classes_for(cfg, l, "School.Example");
	assert_int_equal(c->n, 3);
	assert_string_equal(c->v[0], "bulk");
	assert_int_equal(config_refuse_classes_for(cfg, l, "open.example")->n, 1);
	assert_string_equal(config_refuse_classes_for(cfg, l, "open.example")->v[0], "none");
	/* no refuse_classes in the block: the listener's */
	assert_ptr_equal(config_refuse_classes_for(cfg, l, "plain.example"), &l->refuse_classes);
	assert_ptr_equal(config_refuse_classes_for(cfg, l, "other.example"), &l->refuse_classes);
	config_free(cfg);
	assert_true(register_class_known("Education") && register_class_known("other"));
	assert_false(register_class_known("none") || register_class_known("spam"));
	strbuf_free(&errs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_txt_parse),
		cmocka_unit_test_setup_teardown(test_name_form, setup, teardown),
		cmocka_unit_test_setup_teardown(test_address_form, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zones_combine, setup, teardown),
		cmocka_unit_test_setup_teardown(test_async_cancel, setup, teardown),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_refuse_classes_config),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
