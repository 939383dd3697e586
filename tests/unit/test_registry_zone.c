/*
 * test_registry_zone: the zone's own name servers (src/registry/dns/reg_zone.c,
 * reg_config.c): an NS name inside the zone gets its address records
 * (glue, RFC 1034 4.2.1) from ns_address, the default ns.<zone> from
 * dns_listen, and a configuration that would publish an in-zone NS
 * without an address is refused with the setting to use.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "reg_config.h"
#include "reg_zone.h"
#include "util/str.h"

static struct reg_config *
load(const char *text, struct strbuf *err)
{
	strbuf_init(err, 4096);
	return reg_config_load_text(text, strlen(text), "t.conf", err);
}

/* The master file of a zone built from cfg with no servers. */
static void export(const struct reg_config *cfg, struct strbuf *text)
{
	struct reg_zone_params p = { cfg->zone, (const char *const *)cfg->ns.v, cfg->ns.n, "", 7,
		300, 3600, 600, 604800, 60, (const char *const *)cfg->ns_address.v,
		cfg->ns_address.n };
	struct reg_zone *z;
	struct strbuf err;

	strbuf_init(&err, 1024);
	assert_int_equal(reg_zone_build(&p, NULL, 0, &z, NULL, &err), 0);
	strbuf_init(text, 1 << 16);
	assert_int_equal(reg_zone_write_text(z, text), 0);
	reg_zone_unref(z);
	strbuf_free(&err);
}

static void
test_explicit_glue(void **state)
{
	struct strbuf err, text;
	struct reg_config *cfg =
	    load("zone = reg.test\n"
	         "ns = ns1.reg.test ns2.example.net\n"
	         "ns_address = ns1.reg.test=192.0.2.53 NS1.reg.test.=2001:db8::53\n",
	        &err);

	(void)state;
	assert_non_null(cfg);
	export(cfg, &text);
	assert_non_null(strstr(text.s, "ns1.reg.test. 300 IN A 192.0.2.53\n"));
	assert_non_null(strstr(text.s, "ns1.reg.test. 300 IN AAAA 2001:db8::53\n"));
	/* an NS outside the zone gets nothing: its own zone answers for it */
	assert_null(strstr(text.s, "ns2.example.net. 300 IN A"));
	strbuf_free(&text);
	strbuf_free(&err);
	reg_config_free(cfg);
}

static void
test_default_ns_from_listen(void **state)
{
	struct strbuf err, text;
	struct reg_config *cfg = load("zone = reg.test\ndns_listen = 127.0.0.9:0 [::1]:0\n", &err);

	(void)state;
	assert_non_null(cfg);
	export(cfg, &text);
	assert_non_null(strstr(text.s, "reg.test. 300 IN NS ns.reg.test.\n"));
	assert_non_null(strstr(text.s, "ns.reg.test. 300 IN A 127.0.0.9\n"));
	assert_non_null(strstr(text.s, "ns.reg.test. 300 IN AAAA ::1\n"));
	strbuf_free(&text);
	strbuf_free(&err);
	reg_config_free(cfg);
}

static void
test_refused(void **state)
{
	static const struct {
		const char *conf, *want;
	} cases[] = {
		{ "zone = reg.test\nns = ns1.reg.test\n",
		    "ns 'ns1.reg.test' is inside the zone and has no address: set ns_address" },
		{ "zone = reg.test\ndns_listen = 0.0.0.0:53\n",
		    "ns 'ns.reg.test' is inside the zone and has no address" },
		{ "zone = reg.test\nns = ns1.example.net\nns_address = ns1.example.net=192.0.2.1\n",
		    "the name is outside the zone" },
		{ "zone = reg.test\nns = ns1.reg.test\nns_address = ns9.reg.test=192.0.2.1\n",
		    "the name is not one of the ns names" },
		{ "zone = reg.test\nns = ns1.reg.test\nns_address = ns1.reg.test=nowhere\n",
		    "is not name=IP-address" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct strbuf err;
		struct reg_config *cfg = load(cases[i].conf, &err);
		if (cfg != NULL || strstr(err.s ? err.s : "", cases[i].want) == NULL)
			fail_msg("case %zu: got '%s'", i, err.s ? err.s : "(accepted)");
		strbuf_free(&err);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_explicit_glue),
		cmocka_unit_test(test_default_ns_from_listen),
		cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
