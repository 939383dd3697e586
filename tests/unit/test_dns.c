/*
 * Unit tests for the DNS client (dns.c) over the in-memory backend
 * (dns_mem.c), name helpers (dns_name.c) and the dns config part.
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

#include "config/config.h"
#include "dns/dns.h"
#include "dns/dns_config.h"
#include "dns/dns_mem.h"
#include "dns/dns_name.h"
#include "dns/dns_result.h"

struct world {
	struct event_base *base;
	struct dns_mem *table;
	struct dns_client *dns;
};

static int
setup(void **state)
{
	struct world *w = calloc(1, sizeof(*w));

	w->base = event_base_new();
	w->table = dns_mem_new();
	assert_int_equal(dns_mem_add(w->table, "mail.example.com", DNS_T_A, "192.0.2.1"), 0);
	assert_int_equal(dns_mem_add(w->table, "Mail.Example.COM.", DNS_T_A, "192.0.2.2"), 0);
	assert_int_equal(dns_mem_add(w->table, "mail.example.com", DNS_T_AAAA, "2001:db8::1"), 0);
	assert_int_equal(dns_mem_add(w->table, "example.com", DNS_T_MX, "10 mail.example.com."), 0);
	assert_int_equal(
	    dns_mem_add(w->table, "example.com", DNS_T_MX, "20 backup.example.com"), 0);
	assert_int_equal(dns_mem_add(w->table, "null.example.com", DNS_T_MX, "0 ."), 0);
	assert_int_equal(dns_mem_add(w->table, "example.com", DNS_T_TXT, "v=spf1 -all"), 0);
	assert_int_equal(
	    dns_mem_add(w->table, "1.2.0.192.in-addr.arpa", DNS_T_PTR, "mail.example.com."), 0);
	assert_int_equal(
	    dns_mem_add(w->table, "alias.example.com", DNS_T_CNAME, "mail.example.com"), 0);
	assert_int_equal(
	    dns_mem_add(w->table, "loop1.example.com", DNS_T_CNAME, "loop2.example.com"), 0);
	assert_int_equal(
	    dns_mem_add(w->table, "loop2.example.com", DNS_T_CNAME, "LOOP1.example.com"), 0);
	dns_mem_add_timeout(w->table, "slow.example.com");
	assert_int_equal(dns_mem_add(w->table, "half.example.com", DNS_T_TXT, "here"), 0);
	dns_mem_add_timeout(w->table, "half.example.com");
	/* Bad texts are refused. */
	assert_int_equal(dns_mem_add(w->table, "x.example.com", DNS_T_A, "1.2.3"), -1);
	assert_int_equal(dns_mem_add(w->table, "x.example.com", DNS_T_MX, "mx.example.com"), -1);
	w->dns = dns_client_new_mem(w->base, w->table, 50);
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
	free(w);
	return 0;
}

static void
test_types(void **state)
{
	struct world *w = *state;
	struct dns_result *r;
	char buf[64];

	r = dns_client_lookup_sync(w->dns, "MAIL.example.com", DNS_T_A);
	assert_int_equal(r->status, DNS_ANSWER);
	assert_int_equal(r->nrr, 2);
	assert_string_equal(inet_ntop(AF_INET, &r->rr[0].u.a, buf, sizeof(buf)), "192.0.2.1");
	assert_string_equal(inet_ntop(AF_INET, &r->rr[1].u.a, buf, sizeof(buf)), "192.0.2.2");
	assert_int_equal(r->sec, DNS_SEC_INSECURE);
	dns_result_free(r);

	r = dns_client_lookup_sync(w->dns, "mail.example.com", DNS_T_AAAA);
	assert_int_equal(r->status, DNS_ANSWER);
	assert_string_equal(inet_ntop(AF_INET6, &r->rr[0].u.aaaa, buf, sizeof(buf)), "2001:db8::1");
	dns_result_free(r);

	r = dns_client_lookup_sync(w->dns, "example.com.", DNS_T_MX);
	assert_int_equal(r->status, DNS_ANSWER);
	assert_int_equal(r->nrr, 2);
	assert_int_equal(r->rr[0].u.mx.pref, 10);
	assert_string_equal(r->rr[0].u.mx.host, "mail.example.com");
	assert_string_equal(r->rr[1].u.mx.host, "backup.example.com");
	dns_result_free(r);

	r = dns_client_lookup_sync(w->dns, "null.example.com", DNS_T_MX);
	assert_int_equal(r->status, DNS_ANSWER);
	assert_string_equal(r->rr[0].u.mx.host, "");
	dns_result_free(r);

	r = dns_client_lookup_sync(w->dns, "example.com", DNS_T_TXT);
	assert_int_equal(r->status, DNS_ANSWER);
	assert_int_equal(r->rr[0].u.txt.len, 11);
	assert_memory_equal(r->rr[0].u.txt.data, "v=spf1 -all", 11);
	dns_result_free(r);

	r = dns_client_lookup_sync(w->dns, "1.2.0.192.in-addr.arpa", DNS_T_PTR);
	assert_int_equal(r->status, DNS_ANSWER);
	assert_string_equal(r->rr[0].u.name, "mail.example.com");
	dns_result_free(r);
}

static void
test_negative(void **state)
{
	struct world *w = *state;
	struct dns_result *r;

	r = dns_client_lookup_sync(w->dns, "nowhere.example.com", DNS_T_A);
	assert_int_equal(r->status, DNS_NXDOMAIN);
	assert_int_equal(r->nrr, 0);
	dns_result_free(r);

	r = dns_client_lookup_sync(w->dns, "mail.example.com", DNS_T_MX);
	assert_int_equal(r->status, DNS_NODATA);
	dns_result_free(r);

	/* Malformed names never reach a backend. */
	r = dns_client_lookup_sync(w->dns, "a..example.com", DNS_T_A);
	assert_int_equal(r->status, DNS_PERMFAIL);
	dns_result_free(r);
	r = dns_client_lookup_sync(w->dns,
	    "a1234567890123456789012345678901234567890123456789012345678901234.example.com",
	    DNS_T_A);
	assert_int_equal(r->status, DNS_PERMFAIL);
	dns_result_free(r);
	r = dns_client_lookup_sync(w->dns, "example.com", (enum dns_type)99);
	assert_int_equal(r->status, DNS_PERMFAIL);
	dns_result_free(r);
}

static void
test_timeouts(void **state)
{
	struct world *w = *state;
	struct dns_result *r;

	r = dns_client_lookup_sync(w->dns, "slow.example.com", DNS_T_TXT);
	assert_int_equal(r->status, DNS_TEMPFAIL);
	assert_string_equal(r->why, "timeout");
	dns_result_free(r);
	/* Records listed for a timing-out name are still answered. */
	r = dns_client_lookup_sync(w->dns, "half.example.com", DNS_T_TXT);
	assert_int_equal(r->status, DNS_ANSWER);
	dns_result_free(r);
	r = dns_client_lookup_sync(w->dns, "half.example.com", DNS_T_A);
	assert_int_equal(r->status, DNS_TEMPFAIL);
	dns_result_free(r);

	/* Silent: the client's own 50 ms timer must produce the failure. */
	dns_mem_set_silent_timeouts(w->table, 1);
	r = dns_client_lookup_sync(w->dns, "slow.example.com", DNS_T_A);
	assert_int_equal(r->status, DNS_TEMPFAIL);
	assert_string_equal(r->why, "timeout");
	assert_int_equal(dns_client_pending(w->dns), 0);
	dns_result_free(r);
	dns_mem_set_silent_timeouts(w->table, 0);
}

static void
test_cname(void **state)
{
	struct world *w = *state;
	struct dns_result *r;

	r = dns_client_lookup_sync(w->dns, "alias.example.com", DNS_T_A);
	assert_int_equal(r->status, DNS_ANSWER);
	assert_int_equal(r->nrr, 2);
	assert_string_equal(r->canon, "mail.example.com");
	dns_result_free(r);

	r = dns_client_lookup_sync(w->dns, "alias.example.com", DNS_T_CNAME);
	assert_int_equal(r->status, DNS_ANSWER);
	assert_string_equal(r->rr[0].u.name, "mail.example.com");
	dns_result_free(r);

	r = dns_client_lookup_sync(w->dns, "loop1.example.com", DNS_T_A);
	assert_int_equal(r->status, DNS_TEMPFAIL);
	assert_string_equal(r->why, "CNAME loop");
	dns_result_free(r);
}

struct counter {
	int calls;
	struct dns_client *free_me;
	struct dns_result *last;
	int order; /* when it was last called, counted over every counter */
};

static int calls_so_far;

static void
count_cb(struct dns_result *res, void *arg)
{
	struct counter *c = arg;

	c->calls++;
	c->order = ++calls_so_far;
	dns_result_free(c->last);
	c->last = res;
	if (c->free_me) {
		dns_client_free(c->free_me);
		c->free_me = NULL;
	}
}

static void
test_async_and_cancel(void **state)
{
	struct world *w = *state;
	struct counter a = { 0 }, b = { 0 };
	uint64_t ida, idb;

	ida = dns_client_lookup(w->dns, "mail.example.com", DNS_T_A, count_cb, &a);
	idb = dns_client_lookup(w->dns, "example.com", DNS_T_MX, count_cb, &b);
	assert_true(ida != 0 && idb != 0 && ida != idb);
	/* Never called from inside lookup. */
	assert_int_equal(a.calls, 0);
	assert_int_equal(dns_client_pending(w->dns), 2);
	dns_client_cancel(w->dns, ida);
	assert_int_equal(dns_client_pending(w->dns), 1);
	event_base_loop(w->base, EVLOOP_NONBLOCK);
	assert_int_equal(a.calls, 0);
	assert_int_equal(b.calls, 1);
	assert_int_equal(b.last->status, DNS_ANSWER);
	/* Cancelling completed or unknown ids is harmless. */
	dns_client_cancel(w->dns, ida);
	dns_client_cancel(w->dns, idb);
	dns_client_cancel(w->dns, 12345);
	assert_int_equal(dns_client_pending(w->dns), 0);

	/* A cancelled slot is reused under a new id; the old id stays dead. */
	uint64_t idc = dns_client_lookup(w->dns, "mail.example.com", DNS_T_A, count_cb, &a);
	assert_true(idc != ida && idc != idb);
	dns_client_cancel(w->dns, ida);
	event_base_loop(w->base, EVLOOP_NONBLOCK);
	assert_int_equal(a.calls, 1);

	/* A query to a silent name cancelled before its timer: no callback. */
	dns_mem_set_silent_timeouts(w->table, 1);
	struct counter s = { 0 };
	uint64_t ids = dns_client_lookup(w->dns, "slow.example.com", DNS_T_A, count_cb, &s);
	event_base_loop(w->base, EVLOOP_NONBLOCK);
	dns_client_cancel(w->dns, ids);
	struct timeval tv = { 0, 100000 };
	event_base_loopexit(w->base, &tv);
	event_base_dispatch(w->base);
	assert_int_equal(s.calls, 0);
	dns_mem_set_silent_timeouts(w->table, 0);
	dns_result_free(a.last);
	dns_result_free(b.last);
}

static void
test_free_inside_callback(void **state)
{
	struct world *w = *state;
	struct dns_client *c = dns_client_new_mem(w->base, w->table, 50);
	struct counter first = { 0 }, second = { 0 };

	first.free_me = c;
	dns_client_lookup(c, "mail.example.com", DNS_T_A, count_cb, &first);
	dns_client_lookup(c, "example.com", DNS_T_MX, count_cb, &second);
	event_base_loop(w->base, EVLOOP_NONBLOCK);
	/* The first callback freed the client: the second never runs. */
	assert_int_equal(first.calls, 1);
	assert_int_equal(second.calls, 0);
	dns_result_free(first.last);
}

static void
test_free_with_pending(void **state)
{
	struct world *w = *state;
	struct dns_client *c = dns_client_new_mem(w->base, w->table, 50);
	struct counter n = { 0 };

	dns_client_lookup(c, "mail.example.com", DNS_T_A, count_cb, &n);
	dns_client_free(c);
	event_base_loop(w->base, EVLOOP_NONBLOCK);
	assert_int_equal(n.calls, 0);
	dns_client_free(NULL);
}

/* The table answers as a real zone does (dns_mem.h). */
static void
test_strict_table(void **state)
{
	struct world *w = *state;
	struct dns_result *r;
	static const char *const strs[] = { "v=spf1 ", "-all" };
	static const size_t lens[] = { 7, 4 };
	char long_txt[600];
	struct counter a = { 0 }, b = { 0 };

	/* an empty non-terminal exists: NODATA, not NXDOMAIN (RFC 8020) */
	r = dns_client_lookup_sync(w->dns, "in-addr.arpa", DNS_T_A);
	assert_int_equal(r->status, DNS_NODATA);
	dns_result_free(r);
	r = dns_client_lookup_sync(w->dns, "COM", DNS_T_TXT);
	assert_int_equal(r->status, DNS_NODATA);
	dns_result_free(r);
	r = dns_client_lookup_sync(w->dns, "org", DNS_T_TXT);
	assert_int_equal(r->status, DNS_NXDOMAIN);
	dns_result_free(r);

	/* order, duplicates and the case of data are kept */
	assert_int_equal(dns_mem_add(w->table, "dup.example.com", DNS_T_PTR, "B.Example.com"), 0);
	assert_int_equal(dns_mem_add(w->table, "dup.example.com", DNS_T_PTR, "a.example.com"), 0);
	assert_int_equal(dns_mem_add(w->table, "dup.example.com", DNS_T_PTR, "B.Example.com"), 0);
	r = dns_client_lookup_sync(w->dns, "DUP.example.com", DNS_T_PTR);
	assert_int_equal(r->nrr, 3);
	assert_string_equal(r->rr[0].u.name, "B.Example.com");
	assert_string_equal(r->rr[1].u.name, "a.example.com");
	assert_string_equal(r->rr[2].u.name, "B.Example.com");
	dns_result_free(r);

	/* TXT: character-strings of at most 255 octets, a record of none */
	memset(long_txt, 'x', sizeof(long_txt) - 1);
	long_txt[sizeof(long_txt) - 1] = '\0';
	assert_int_equal(dns_mem_add(w->table, "txt.example.com", DNS_T_TXT, long_txt), 0);
	dns_mem_add_txt(w->table, "txt.example.com", strs, lens, 2);
	dns_mem_add_txt(w->table, "txt.example.com", NULL, NULL, 0);
	r = dns_client_lookup_sync(w->dns, "txt.example.com", DNS_T_TXT);
	assert_int_equal(r->nrr, 3);
	assert_int_equal(r->rr[0].u.txt.len, 599);
	assert_int_equal(r->rr[0].u.txt.nstrings, 3);
	assert_int_equal(r->rr[1].u.txt.nstrings, 2);
	assert_memory_equal(r->rr[1].u.txt.data, "v=spf1 -all", 11);
	assert_int_equal(r->rr[2].u.txt.len, 0);
	assert_int_equal(r->rr[2].u.txt.nstrings, 0);
	dns_result_free(r);

	/* a delayed name answers after a later question's answer. The order
	 * is what is checked, not that a is still unanswered when b comes: on
	 * a loaded machine the 20 ms can pass before the loop first runs, and
	 * then both come in the same pass (b's first, as it was queued first). */
	dns_mem_add_delay(w->table, "mail.example.com", 20);
	dns_client_lookup(w->dns, "mail.example.com", DNS_T_A, count_cb, &a);
	dns_client_lookup(w->dns, "example.com", DNS_T_MX, count_cb, &b);
	while (a.calls == 0 || b.calls == 0)
		event_base_loop(w->base, EVLOOP_ONCE);
	assert_true(b.order < a.order);
	assert_int_equal(a.last->status, DNS_ANSWER);
	/* cancelled while held: never delivered, nothing leaks (ASan) */
	uint64_t id = dns_client_lookup(w->dns, "mail.example.com", DNS_T_A, count_cb, &a);
	dns_client_cancel(w->dns, id);
	dns_client_lookup(w->dns, "mail.example.com", DNS_T_AAAA, count_cb, &a);
	assert_int_equal(dns_client_pending(w->dns), 1);
	/* the last one is still held when the world is torn down */
	dns_result_free(a.last);
	dns_result_free(b.last);
}

static void
test_names(void **state)
{
	static const struct {
		const char *name;
		int ok;
	} cases[] = {
		{ "example.com", 0 },
		{ "example.com.", 0 },
		{ "com", 0 },
		{ "", -1 },
		{ ".", -1 },
		{ "a..b", -1 },
		{ ".a", -1 },
		{ "a.b..", -1 },
		{ "foo bar.example.com", 0 },
		{ "a12345678901234567890123456789012345678901234567890123456789012.com", 0 },
		{ "a123456789012345678901234567890123456789012345678901234567890123.com", -1 },
	};
	char buf[80];
	unsigned char v4[4] = { 192, 0, 2, 1 };
	struct in6_addr v6;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(dns_name_check(cases[i].name), cases[i].ok);
	assert_true(dns_name_eq("Example.COM.", "example.com"));
	assert_false(dns_name_eq("example.co", "example.com"));
	assert_true(dns_name_is_sub("mail.example.com", "Example.com."));
	assert_true(dns_name_is_sub("example.com", "example.com"));
	assert_false(dns_name_is_sub("badexample.com", "example.com"));
	assert_int_equal(dns_name_labels("a.b.c."), 3);

	assert_int_equal(dns_name_reverse(AF_INET, v4, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "1.2.0.192.in-addr.arpa");
	inet_pton(AF_INET6, "2001:db8::cafe", &v6);
	assert_int_equal(dns_name_reverse(AF_INET6, &v6, buf, sizeof(buf)), 0);
	assert_string_equal(
	    buf, "e.f.a.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
	assert_int_equal(dns_name_reverse(AF_INET6, &v6, buf, 20), -1);

	assert_int_equal(dns_name_to_presentation("a b.c\\d", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "a\\032b.c\\092d");
	assert_int_equal(dns_name_to_presentation("a b", buf, 4), -1);
}

static void
test_config(void **state)
{
	static const struct {
		const char *in, *out;
	} good[] = {
		{ "127.0.0.1", "127.0.0.1@53" },
		{ "127.0.0.1:5353", "127.0.0.1@5353" },
		{ "[::1]:5300", "::1@5300" },
		{ "::1", "::1@53" },
		{ "[2001:db8::1]", "2001:db8::1@53" },
	};
	static const char *const bad[] = { "localhost", "127.0.0.1:0", "127.0.0.1:x", "[::1",
		"[::1]x", "1.2.3.4:70000", "" };
	char out[64], err[200];
	struct strbuf errs;
	struct config *cfg;
	const char *text = "dns_resolver = 127.0.0.1:5353\ndns_timeout = 2s\n";

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(
		    dns_config_forwarder(good[i].in, out, sizeof(out), err, sizeof(err)), 0);
		assert_string_equal(out, good[i].out);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(
		    dns_config_forwarder(bad[i], out, sizeof(out), err, sizeof(err)), -1);

	strbuf_init(&errs, 4096);
	cfg = config_load_text(text, strlen(text), "t", &errs);
	assert_non_null(cfg);
	assert_int_equal(cfg->dns.timeout, 2000);
	assert_true(dns_config_is_forward(&cfg->dns));
	assert_string_equal(cfg->dns.resolver.v[0], "127.0.0.1:5353");
	config_free(cfg);
	cfg = config_load_text("", 0, "t", &errs);
	assert_false(dns_config_is_forward(&cfg->dns));
	assert_int_equal(cfg->dns.timeout, 10000);
	config_free(cfg);
	strbuf_free(&errs);
}

static void
test_unbound_bad_config(void **state)
{
	struct event_base *base = event_base_new();
	struct dns_config cfg = { { NULL, 0 }, (char *)"", 1000 };
	char *words[] = { (char *)"not-an-address" };
	char err[256] = "";

	cfg.resolver.v = words;
	cfg.resolver.n = 1;
	assert_null(dns_client_new(base, &cfg, err, sizeof(err)));
	assert_non_null(strstr(err, "not-an-address"));
	words[0] = (char *)"127.0.0.1:9";
	cfg.trust_anchor = (char *)"/nonexistent/root.key";
	assert_null(dns_client_new(base, &cfg, err, sizeof(err)));
	assert_non_null(strstr(err, "dns_trust_anchor"));
	event_base_free(base);
}

static void
test_describe(void **state)
{
	struct dns_result *r = dns_result_new("x.example", DNS_T_TXT, DNS_NODATA);
	struct dns_result *c;
	struct strbuf sb;

	dns_result_add_txt(r, "a\"b\x01", 4, 2);
	dns_result_settle(r);
	c = dns_result_copy(r);
	strbuf_init(&sb, 1024);
	dns_result_describe(c, &sb);
	assert_string_equal(sb.s, "answer 1: \"a\\\"b\\x01\"");
	strbuf_reset(&sb);
	dns_result_free(c);
	c = dns_result_fail("x.example", DNS_T_A, DNS_TEMPFAIL, "timeout");
	dns_result_describe(c, &sb);
	assert_string_equal(sb.s, "tempfail (\"timeout\")");
	strbuf_free(&sb);
	dns_result_free(c);
	dns_result_free(r);
	assert_int_equal(dns_type_parse("aaaa"), DNS_T_AAAA);
	assert_int_equal(dns_type_parse("SPF"), 0);
	assert_string_equal(dns_type_name(DNS_T_MX), "MX");
	assert_string_equal(dns_status_name(DNS_NODATA), "nodata");
	assert_string_equal(dns_sec_name(DNS_SEC_BOGUS), "bogus");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_types, setup, teardown),
		cmocka_unit_test_setup_teardown(test_negative, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeouts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cname, setup, teardown),
		cmocka_unit_test_setup_teardown(test_async_and_cancel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_inside_callback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_with_pending, setup, teardown),
		cmocka_unit_test_setup_teardown(test_strict_table, setup, teardown),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_unbound_bad_config),
		cmocka_unit_test(test_describe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
