/*
 * test_registry_certify: certification runs (src/registry/cert/reg_certify*.c)
 * on a test loop against the scriptable SMTP server (tests/support), with
 * names from libvouch's in-memory DNS table: libvouch's client and reply
 * parser decide what a reply is (a "150" is malformed, not an answer);
 * special-purpose targets are never connected to unless allowed; an
 * automatic run is held for a person unless every address is public.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <event2/event.h>
#include <jansson.h>
#include <openssl/ssl.h>

#include "dns/dns.h"
#include "dns/dns_mem.h"
#include "fake_smtpd.h"
#include "reg_certify.h"
#include "reg_config.h"
#include "reg_target.h"
#include "tls/tls_ctx.h"

struct done {
	int called;
	struct reg_certify_result res;
};

static void
on_done(void *arg, struct reg_certify_result *res)
{
	struct done *d = arg;

	d->called = 1;
	d->res = *res;
	res->report = NULL; /* taken */
}

/* Certify mx.cert.test (at 127.0.0.1) against a server with rules. */
static void
run(const struct fake_smtpd_rules *rules, const char *allow, int automatic, struct done *d,
    int *connections)
{
	struct event_base *base = event_base_new();
	struct fake_smtpd *f = fake_smtpd_new(base, rules);
	struct dns_mem *table = dns_mem_new();
	struct dns_client *dns;
	struct strbuf err;
	struct reg_config *cfg;
	struct reg_certify_env env;
	struct reg_certify *r;
	char conf[256], why[256];

	strbuf_init(&err, 4096);
	snprintf(conf, sizeof(conf), "zone = reg.test\ncertify_timeout = 2s\ncertify_allow_networks = %s\n",
	    allow);
	cfg = reg_config_load_text(conf, strlen(conf), "test", &err);
	assert_non_null(cfg);
	cfg->certify_port = fake_smtpd_port(f);
	assert_int_equal(dns_mem_add(table, "mx.cert.test", DNS_T_A, "127.0.0.1"), 0);
	assert_int_equal(dns_mem_add(table, "fake.test", DNS_T_A, "127.0.0.1"), 0);
	dns = dns_client_new_mem(base, table, 2000);
	memset(&env, 0, sizeof(env));
	env.base = base;
	env.dns = dns;
	env.cfg = cfg;
	env.tls = tls_ctx_client_new("", NULL, NULL, why, sizeof(why));
	env.allow = reg_target_allow_new(&cfg->certify_allow_networks, why, sizeof(why));
	assert_non_null(env.tls);
	assert_non_null(env.allow);
	memset(d, 0, sizeof(*d));
	r = reg_certify_start(&env, "mx.cert.test", automatic, on_done, d);
	assert_false(d->called); /* never from inside the start */
	while (!d->called)
		event_base_loop(base, EVLOOP_ONCE);
	event_base_loop(base, EVLOOP_NONBLOCK);
	*connections = fake_smtpd_connections(f);
	reg_certify_free(r);
	reg_target_allow_free((struct reg_target_allow *)env.allow);
	SSL_CTX_free(env.tls);
	dns_client_free(dns);
	dns_mem_free(table);
	fake_smtpd_free(f);
	event_base_free(base);
	reg_config_free(cfg);
	strbuf_free(&err);
}

/* The verdict and detail of test name in the first run of a report. */
static const char *
detail(const struct done *d, const char *name, int *pass)
{
	static char out[600];
	json_t *doc = json_loads(d->res.report, 0, NULL), *t;
	size_t i;

	assert_non_null(doc);
	out[0] = '\0';
	*pass = -1;
	json_array_foreach(json_object_get(json_array_get(json_object_get(doc, "runs"), 0), "tests"),
	    i, t)
	{
		if (strcmp(json_string_value(json_object_get(t, "name")), name) == 0) {
			snprintf(out, sizeof(out), "%s", json_string_value(json_object_get(t, "detail")));
			*pass = strcmp(json_string_value(json_object_get(t, "verdict")), "pass") == 0;
		}
	}
	json_decref(doc);
	return out;
}

static void
test_reply_codes_below_200_are_malformed(void **state)
{
	struct fake_smtpd_rules rules = { 0 };
	struct done d;
	int n, pass;

	(void)state;
	rules.mail_code = 150;
	run(&rules, "127.0.0.0/8", 0, &d, &n);
	assert_int_equal(n, 1);
	assert_false(d.res.passed);
	/* the RCPT refusal that follows cannot make the relay test pass */
	assert_non_null(strstr(detail(&d, "relay_foreign", &pass), "malformed reply"));
	assert_int_equal(pass, 0);
	assert_non_null(strstr(detail(&d, "smtp_banner", &pass), "220 greeting"));
	assert_int_equal(pass, 1);
	free(d.res.report);
}

static void
test_relay_refused_passes(void **state)
{
	struct fake_smtpd_rules rules = { 0 };
	struct done d;
	int n, pass;

	(void)state;
	rules.pipelining = 1;
	run(&rules, "127.0.0.0/8", 0, &d, &n);
	for (int i = 0; i < 2; i++) {
		const char *t = i ? "relay_quoted_local" : "relay_foreign";
		assert_non_null(strstr(detail(&d, t, &pass), "refused with 550"));
		assert_int_equal(pass, 1);
	}
	assert_non_null(strstr(detail(&d, "helo_fcrdns", &pass), "'fake.test' resolves to 127.0.0.1"));
	assert_int_equal(pass, 1);
	assert_int_equal(detail(&d, "starttls", &pass)[0] != '\0', 1);
	assert_int_equal(pass, 0); /* the fake server has no STARTTLS */
	free(d.res.report);
}

static void
test_greeting_refused(void **state)
{
	struct fake_smtpd_rules rules = { 0 };
	struct done d;
	int n, pass;

	(void)state;
	rules.banner_code = 554;
	run(&rules, "127.0.0.0/8", 0, &d, &n);
	assert_non_null(strstr(detail(&d, "smtp_banner", &pass), "greeting was 554"));
	assert_int_equal(pass, 0);
	assert_non_null(strstr(detail(&d, "relay_foreign", &pass), "not reached"));
	free(d.res.report);
}

static void
test_special_target_never_connected(void **state)
{
	struct fake_smtpd_rules rules = { 0 };
	struct done d;
	int n, pass;

	(void)state;
	run(&rules, "", 0, &d, &n);
	assert_int_equal(n, 0);
	assert_false(d.res.passed);
	assert_non_null(strstr(detail(&d, "address", &pass), "loopback 127.0.0.0/8"));
	assert_int_equal(pass, 0);
	free(d.res.report);
}

static void
test_automatic_run_held(void **state)
{
	struct fake_smtpd_rules rules = { 0 };
	struct done d;
	int n;

	(void)state;
	/* allowed for a person, but not public: nothing starts on its own */
	run(&rules, "127.0.0.0/8", 1, &d, &n);
	assert_int_equal(n, 0);
	assert_true(d.res.held);
	assert_null(d.res.report);
	assert_non_null(strstr(d.res.summary, "127.0.0.1 is loopback"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reply_codes_below_200_are_malformed),
		cmocka_unit_test(test_relay_refused_passes),
		cmocka_unit_test(test_greeting_refused),
		cmocka_unit_test(test_special_target_never_connected),
		cmocka_unit_test(test_automatic_run_held),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
