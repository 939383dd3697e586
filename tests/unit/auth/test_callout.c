/*
 * Unit tests for sender callouts (callout.c, callout_run.c): every result,
 * the caches (per address, per domain, in memory and in SQLite across a
 * restart), the limits and queue, the time budget, cancellation, special
 * addresses, and the counters. DNS comes from the in-memory backend; the
 * mail server is the scriptable one in tests/support, on the same loop.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "auth/callout.h"
#include "auth/callout_config.h"
#include "dns/dns.h"
#include "dns/dns_mem.h"
#include "fake_smtpd.h"
#include "store/store.h"

struct world {
	struct event_base *base;
	struct dns_mem *t;
	struct dns_client *dns;
	struct store *store;
	struct fake_smtpd *smtpd;
	struct callout_config cfg;
	struct callout *co;
};

static void
add(struct dns_mem *t, const char *name, enum dns_type type, const char *text)
{
	assert_int_equal(dns_mem_add(t, name, type, text), 0);
}

static struct world *
world_new(const struct fake_smtpd_rules *rules)
{
	struct world *w = calloc(1, sizeof(*w));
	struct dns_mem *t;

	w->base = event_base_new();
	w->t = t = dns_mem_new();
	add(t, "ok.test", DNS_T_MX, "10 mx.ok.test");
	add(t, "mx.ok.test", DNS_T_A, "127.0.0.1");
	add(t, "null.test", DNS_T_MX, "0 .");
	add(t, "noaddr.test", DNS_T_MX, "10 ghost.noaddr.test");
	add(t, "private.test", DNS_T_MX, "10 mx.private.test");
	add(t, "private.test", DNS_T_MX, "20 mx2.private.test");
	add(t, "mx.private.test", DNS_T_A, "10.1.2.3");
	add(t, "mx2.private.test", DNS_T_AAAA, "::1");
	/* the first MX refuses connections (nothing on 127.0.0.2) */
	add(t, "backup.test", DNS_T_MX, "10 dead.backup.test");
	add(t, "backup.test", DNS_T_MX, "20 mx.ok.test");
	add(t, "dead.backup.test", DNS_T_A, "127.0.0.2");
	dns_mem_add_timeout(t, "slowdns.test");
	w->dns = dns_client_new_mem(w->base, t, 200);
	w->store = store_open_memory();
	w->smtpd = fake_smtpd_new(w->base, rules);
	conf_defaults(callout_config_keys, &w->cfg);
	w->cfg.port = fake_smtpd_port(w->smtpd);
	w->cfg.allow_private = 1;
	w->cfg.timeout = 3000;
	return w;
}

static struct callout *
service(struct world *w)
{
	struct callout_params p = { .helo = "receiver.test" };

	callout_free(w->co);
	w->co = callout_new(w->dns, w->store, &w->cfg, &p);
	return w->co;
}

static void
world_free(struct world *w)
{
	callout_free(w->co);
	fake_smtpd_free(w->smtpd);
	store_close(w->store);
	dns_client_free(w->dns);
	dns_mem_free(w->t);
	event_base_free(w->base);
	free(w);
}

/* Let lingering connections say goodbye and both sides close. */
static void
settle(struct world *w)
{
	while (fake_smtpd_open(w->smtpd) > 0)
		event_base_loop(w->base, EVLOOP_ONCE);
	for (int i = 0; i < 10; i++)
		event_base_loop(w->base, EVLOOP_NONBLOCK);
}

struct answer {
	int calls;
	struct callout_outcome o;
	struct callout_check **free_me;
};

static void
on_answer(const struct callout_outcome *o, void *arg)
{
	struct answer *a = arg;

	a->calls++;
	a->o = *o;
	if (a->free_me) {
		callout_check_free(*a->free_me);
		*a->free_me = NULL;
	}
}

/* Run one callout (for a session of client, if not NULL) to its end, then
 * let its connection say goodbye. */
static struct callout_outcome
call_for(struct world *w, const char *address, const char *client)
{
	struct answer a = { 0 };
	struct callout_request rq = { .client = client };
	struct callout_check *chk = callout_start_for(w->co, address, &rq, on_answer, &a);

	assert_int_equal(a.calls, 0); /* never from inside start */
	while (a.calls == 0)
		event_base_loop(w->base, EVLOOP_ONCE);
	assert_int_equal(a.calls, 1);
	callout_check_free(chk);
	settle(w);
	return a.o;
}

static struct callout_outcome
call(struct world *w, const char *address)
{
	return call_for(w, address, NULL);
}

static unsigned long long
counter(struct world *w, enum callout_counter c)
{
	struct callout_stats st;

	callout_stats(w->co, &st);
	return st.n[c];
}

static void
test_pass_fail_and_caches(void **state)
{
	struct fake_smtpd_rules rules = { .pipelining = 1, .known = { "alice@ok.test" } };
	struct world *w = world_new(&rules);
	struct callout_outcome o;
	const char *log;

	service(w);
	o = call(w, "alice@OK.test");
	assert_int_equal(o.result, CALLOUT_PASS);
	assert_int_equal(o.source, CALLOUT_SRC_SMTP);
	assert_string_equal(o.address, "alice@ok.test");
	assert_string_equal(o.domain, "ok.test");
	assert_string_equal(o.mx, "mx.ok.test");
	assert_string_equal(o.mx_addr, "127.0.0.1");
	assert_int_equal(o.code, 250);
	assert_int_equal(o.tries, 1);
	assert_true(o.expires > 0);
	assert_non_null(strstr(o.reason, "accepted <alice@ok.test>"));
	/* the dialogue: never DATA, a random second recipient, RSET, QUIT */
	log = fake_smtpd_log(w->smtpd);
	assert_non_null(strstr(log,
	    "EHLO receiver.test\nMAIL FROM:<>\nRCPT TO:<alice@ok.test>\n"
	    "RCPT TO:<"));
	assert_non_null(strstr(log, "@ok.test>\nRSET\nQUIT\n"));
	assert_null(strstr(log, "DATA"));
	assert_int_equal(fake_smtpd_connections(w->smtpd), 1);

	/* again: from the cache, no connection */
	o = call(w, "alice@ok.test");
	assert_int_equal(o.result, CALLOUT_PASS);
	assert_int_equal(o.source, CALLOUT_SRC_CACHE_ADDRESS);
	assert_non_null(strstr(o.reason, "accepted <alice@ok.test>"));
	assert_int_equal(fake_smtpd_connections(w->smtpd), 1);

	/* an unknown user: 5xx is fail, remembered too */
	o = call(w, "bob@ok.test");
	assert_int_equal(o.result, CALLOUT_FAIL);
	assert_int_equal(o.code, 550);
	assert_non_null(strstr(o.reason, "refused <bob@ok.test>: 550 5.1.1 no such user here"));
	o = call(w, "bob@ok.test");
	assert_int_equal(o.result, CALLOUT_FAIL);
	assert_int_equal(o.source, CALLOUT_SRC_CACHE_ADDRESS);
	assert_int_equal(fake_smtpd_connections(w->smtpd), 2);

	/* positive and negative lifetimes are separate */
	w->cfg.negative_ttl = 0;
	service(w);
	callout_forget(w->co, "bob@ok.test", 0);
	o = call(w, "bob@ok.test");
	assert_int_equal(o.result, CALLOUT_FAIL);
	assert_int_equal(o.expires, 0);
	o = call(w, "bob@ok.test");
	assert_int_equal(o.source, CALLOUT_SRC_SMTP);
	o = call(w, "alice@ok.test");
	assert_int_equal(o.source, CALLOUT_SRC_CACHE_ADDRESS);

	assert_int_equal(counter(w, CALLOUT_C_CALLS), 3);
	assert_int_equal(counter(w, CALLOUT_C_CACHE_HITS), 1);
	assert_int_equal(counter(w, CALLOUT_C_RESULT_FIRST + CALLOUT_FAIL), 2);
	assert_int_equal(counter(w, CALLOUT_C_RESULT_FIRST + CALLOUT_PASS), 1);
	/* the store keeps hourly counters across services */
	assert_int_equal(store_counter_sum(w->store, "callout.calls", 0), 7);
	assert_int_equal(store_counter_sum(w->store, "callout.cache_hits", 0), 3);
	world_free(w);
}

static void
test_catch_all_and_domain_cache(void **state)
{
	struct fake_smtpd_rules rules = { .catch_all = 1 };
	struct world *w = world_new(&rules);
	struct callout_outcome o;

	service(w);
	o = call(w, "anyone@ok.test");
	assert_int_equal(o.result, CALLOUT_CATCHALL);
	assert_non_null(strstr(o.reason, "accepts any local part"));
	/* another address of the domain: the domain's result, no connection */
	o = call(w, "someone.else@ok.test");
	assert_int_equal(o.result, CALLOUT_CATCHALL);
	assert_int_equal(o.source, CALLOUT_SRC_CACHE_DOMAIN);
	assert_int_equal(fake_smtpd_connections(w->smtpd), 1);
	/* without pipelining the dialogue is the same, one command at a time */
	assert_int_equal(fake_smtpd_count(w->smtpd, "RCPT TO:"), 2);
	world_free(w);
}

static void
test_domain_results(void **state)
{
	struct fake_smtpd_rules rules = { 0 };
	struct world *w = world_new(&rules);
	struct callout_outcome o;

	service(w);
	o = call(w, "x@nowhere.test");
	assert_int_equal(o.result, CALLOUT_NXDOMAIN);
	assert_int_equal(o.source, CALLOUT_SRC_DNS);
	assert_string_equal(o.reason, "domain nowhere.test does not exist");
	o = call(w, "y@nowhere.test");
	assert_int_equal(o.result, CALLOUT_NXDOMAIN);
	assert_int_equal(o.source, CALLOUT_SRC_CACHE_DOMAIN);

	o = call(w, "x@null.test");
	assert_int_equal(o.result, CALLOUT_NOMX);
	assert_int_equal(o.null_mx, 1);
	assert_non_null(strstr(o.reason, "RFC 7505"));
	o = call(w, "x@null.test");
	assert_int_equal(o.source, CALLOUT_SRC_CACHE_DOMAIN);
	assert_int_equal(o.null_mx, 1);

	o = call(w, "x@noaddr.test");
	assert_int_equal(o.result, CALLOUT_NOMX);
	assert_int_equal(o.null_mx, 0);

	/* DNS trouble is a temporary error and is not remembered */
	o = call(w, "x@slowdns.test");
	assert_int_equal(o.result, CALLOUT_TEMPERROR);
	assert_int_equal(o.source, CALLOUT_SRC_DNS);
	o = call(w, "x@slowdns.test");
	assert_int_equal(o.source, CALLOUT_SRC_DNS);

	assert_int_equal(fake_smtpd_connections(w->smtpd), 0);
	/* NXDOMAIN twice and null MX twice; no address once */
	assert_int_equal(counter(w, CALLOUT_C_BAD_DOMAIN), 4);
	assert_int_equal(counter(w, CALLOUT_C_NO_MX), 1);
	assert_int_equal(counter(w, CALLOUT_C_RESULT_FIRST + CALLOUT_TEMPERROR), 2);
	world_free(w);
}

static void
test_private_addresses(void **state)
{
	struct fake_smtpd_rules rules = { .catch_all = 1 };
	struct world *w = world_new(&rules);
	struct callout_outcome o;
	/* The table itself is tests/unit/util/test_ipspecial.c. Without callout_allow_private, such hosts are never called. */
	w->cfg.allow_private = 0;
	service(w);
	o = call(w, "x@private.test");
	assert_int_equal(o.result, CALLOUT_NOMX);
	assert_non_null(strstr(o.reason, "not called"));
	o = call(w, "x@ok.test");
	assert_int_equal(o.result, CALLOUT_NOMX);
	assert_int_equal(o.tries, 0);
	assert_int_equal(fake_smtpd_connections(w->smtpd), 0);
	world_free(w);
}

static void
test_temporary_failures(void **state)
{
	struct fake_smtpd_rules rules = { .rcpt_unknown_code = 450 };
	struct world *w = world_new(&rules);
	struct callout_outcome o;
	int s, closed_port;
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sin);

	/* 4xx (greylisting): temperror, asked again next time */
	service(w);
	o = call(w, "grey@ok.test");
	assert_int_equal(o.result, CALLOUT_TEMPERROR);
	assert_int_equal(o.code, 450);
	assert_int_equal(o.source, CALLOUT_SRC_SMTP);
	o = call(w, "grey@ok.test");
	assert_int_equal(o.source, CALLOUT_SRC_SMTP);
	assert_int_equal(fake_smtpd_connections(w->smtpd), 2);

	/* the first MX refuses the connection: the next one answers */
	o = call(w, "grey@backup.test");
	assert_int_equal(o.tries, 2);
	assert_string_equal(o.mx, "mx.ok.test");
	assert_int_equal(counter(w, CALLOUT_C_BAD_CONNECT), 1);

	/* nobody listens: unreachable, remembered for the domain */
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(bind(s, (struct sockaddr *)&sin, sizeof(sin)), 0);
	getsockname(s, (struct sockaddr *)&sin, &sl);
	closed_port = ntohs(sin.sin_port);
	close(s);
	w->cfg.port = closed_port;
	service(w);
	o = call(w, "x@backup.test");
	assert_int_equal(o.result, CALLOUT_TEMPERROR);
	assert_int_equal(o.tries, 2);
	assert_non_null(strstr(o.reason, "cannot reach the mail hosts of backup.test (2 tried)"));
	assert_int_equal(counter(w, CALLOUT_C_BAD_CONNECT), 2);
	o = call(w, "other@backup.test");
	assert_int_equal(o.result, CALLOUT_TEMPERROR);
	assert_int_equal(o.source, CALLOUT_SRC_CACHE_DOMAIN);

	/* callout_max_tries bounds the attempts */
	w->cfg.max_tries = 1;
	service(w);
	callout_forget(w->co, "x@backup.test", 1);
	o = call(w, "x@backup.test");
	assert_int_equal(o.tries, 1);
	world_free(w);
}

static void
test_budget(void **state)
{
	struct fake_smtpd_rules rules = { .silent = 1 };
	struct world *w = world_new(&rules);
	struct callout_outcome o;

	w->cfg.timeout = 300;
	service(w);
	o = call(w, "x@ok.test");
	assert_int_equal(o.result, CALLOUT_TEMPERROR);
	assert_non_null(strstr(o.reason, "callout_timeout"));
	assert_int_equal(o.tries, 1);
	/* a host that connects and then says nothing is left alone for a while */
	o = call(w, "y@ok.test");
	assert_int_equal(o.source, CALLOUT_SRC_CACHE_DOMAIN);
	world_free(w);
}

static void
test_mail_refused_and_lost_connection(void **state)
{
	struct fake_smtpd_rules rules = { .mail_code = 550, .catch_all = 1 };
	struct world *w = world_new(&rules);
	struct callout_outcome o;

	service(w);
	o = call(w, "x@ok.test");
	assert_int_equal(o.result, CALLOUT_FAIL);
	assert_non_null(strstr(o.reason, "refused MAIL FROM:<>"));
	world_free(w);

	/* the server hangs up at RSET: the replies before it decide */
	struct fake_smtpd_rules rules2 = {
		.pipelining = 1, .drop_at_rset = 1, .known = { "x@ok.test" }
	};
	w = world_new(&rules2);
	service(w);
	o = call(w, "x@ok.test");
	assert_int_equal(o.result, CALLOUT_PASS);
	world_free(w);

	/* at RCPT: nothing decided, a temporary failure */
	struct fake_smtpd_rules rules3 = { .drop_after_rcpt = 1 };
	w = world_new(&rules3);
	w->cfg.max_tries = 1;
	service(w);
	o = call(w, "x@ok.test");
	assert_int_equal(o.result, CALLOUT_TEMPERROR);
	world_free(w);
}

static void
test_bad_addresses_and_skips(void **state)
{
	struct fake_smtpd_rules rules = { .catch_all = 1 };
	struct world *w = world_new(&rules);
	struct callout_outcome o;

	service(w);
	o = call(w, "no-at-sign");
	assert_int_equal(o.result, CALLOUT_FAIL);
	assert_int_equal(o.source, CALLOUT_SRC_LOCAL);
	o = call(w, "a@b@c.test");
	assert_int_equal(o.result, CALLOUT_FAIL);
	o = call(w, "x\r\nDATA@ok.test");
	assert_int_equal(o.result, CALLOUT_FAIL);
	assert_null(strchr(o.address, '\r'));
	assert_int_equal(fake_smtpd_connections(w->smtpd), 0);

	callout_skip(w->co, CALLOUT_SKIP_SPF_PASS);
	callout_skip(w->co, CALLOUT_SKIP_SPF_PASS);
	callout_skip(w->co, CALLOUT_SKIP_VOUCHED);
	assert_int_equal(counter(w, CALLOUT_C_SKIP_FIRST + CALLOUT_SKIP_SPF_PASS), 2);
	assert_int_equal(counter(w, CALLOUT_C_SKIP_FIRST + CALLOUT_SKIP_VOUCHED), 1);
	assert_int_equal(store_counter_sum(w->store, "callout.skip.spf-pass", 0), 2);
	assert_string_equal(callout_counter_name(CALLOUT_C_SKIP_FIRST + CALLOUT_SKIP_ALLOWED),
	    "callout.skip.allowed");
	assert_string_equal(
	    callout_counter_name(CALLOUT_C_RESULT_FIRST + CALLOUT_NOMX), "callout.result.nomx");
	world_free(w);
}

/* Start n callouts at once and run until all are answered. */
static void
call_many(struct world *w, const char *const *addrs, size_t n, struct answer *ans)
{
	struct callout_check *chk[16];
	int left;

	for (size_t i = 0; i < n; i++) {
		memset(&ans[i], 0, sizeof(ans[i]));
		chk[i] = callout_start(w->co, addrs[i], on_answer, &ans[i]);
	}
	do {
		event_base_loop(w->base, EVLOOP_ONCE);
		left = 0;
		for (size_t i = 0; i < n; i++)
			left += ans[i].calls == 0;
	} while (left);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(ans[i].calls, 1);
		callout_check_free(chk[i]);
	}
	settle(w);
}

static void
test_limits(void **state)
{
	struct fake_smtpd_rules rules = { .pipelining = 1,
		.hold_ms = 60,
		.known = { "a@ok.test", "b@ok.test", "c@ok.test", "d@ok.test" } };
	struct world *w = world_new(&rules);
	static const char *const four[] = { "a@ok.test", "b@ok.test", "c@ok.test", "d@ok.test" };
	struct answer ans[8];
	int queued = 0;

	/* one at a time to the domain: the others wait their turn */
	w->cfg.max_per_domain = 1;
	service(w);
	call_many(w, four, 4, ans);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(ans[i].o.result, CALLOUT_PASS);
		queued += ans[i].o.queued;
	}
	assert_int_equal(queued, 3);
	assert_int_equal(fake_smtpd_connections(w->smtpd), 4);
	assert_int_equal(fake_smtpd_max_open(w->smtpd), 1);
	assert_int_equal(counter(w, CALLOUT_C_QUEUED), 3);

	/* two at a time */
	w->cfg.max_per_domain = 2;
	service(w);
	for (int i = 0; i < 4; i++)
		callout_forget(w->co, four[i], 1);
	fake_smtpd_reset(w->smtpd);
	call_many(w, four, 4, ans);
	assert_int_equal(fake_smtpd_connections(w->smtpd), 4);
	assert_int_equal(fake_smtpd_max_open(w->smtpd), 2);

	/* the same address three times: one dialogue, the rest from the cache */
	static const char *const same[] = { "a@ok.test", "a@ok.test", "a@ok.test" };
	w->cfg.max_per_domain = 1;
	service(w);
	callout_forget(w->co, "a@ok.test", 1);
	fake_smtpd_reset(w->smtpd);
	call_many(w, same, 3, ans);
	assert_int_equal(fake_smtpd_connections(w->smtpd), 1);
	assert_int_equal(ans[0].o.source, CALLOUT_SRC_SMTP);
	assert_int_equal(ans[1].o.source, CALLOUT_SRC_CACHE_ADDRESS);
	assert_int_equal(ans[2].o.source, CALLOUT_SRC_CACHE_ADDRESS);
	assert_int_equal(ans[2].o.queued, 1);

	/* a full queue answers temperror at once */
	w->cfg.max_queue = 1;
	service(w);
	for (int i = 0; i < 4; i++)
		callout_forget(w->co, four[i], 1);
	call_many(w, four, 3, ans);
	assert_int_equal(ans[0].o.result, CALLOUT_PASS);
	assert_int_equal(ans[1].o.result, CALLOUT_PASS);
	assert_int_equal(ans[2].o.result, CALLOUT_TEMPERROR);
	assert_non_null(strstr(ans[2].o.reason, "callout_max_queue"));

	/* the total limit applies across domains */
	w->cfg.max_queue = 100;
	w->cfg.max_total = 1;
	w->cfg.max_per_domain = 10;
	service(w);
	for (int i = 0; i < 4; i++)
		callout_forget(w->co, four[i], 1);
	fake_smtpd_reset(w->smtpd);
	call_many(w, four, 4, ans);
	assert_int_equal(fake_smtpd_max_open(w->smtpd), 1);

	/* ...and across domains: the one waiting for another domain starts
	 * when the first domain's connection is closed */
	static const char *const mixed[] = { "a@ok.test", "a@backup.test", "b@ok.test" };
	for (int i = 0; i < 3; i++)
		callout_forget(w->co, mixed[i], 1);
	fake_smtpd_reset(w->smtpd);
	call_many(w, mixed, 3, ans);
	assert_int_equal(ans[0].o.result, CALLOUT_PASS);
	assert_int_equal(ans[1].o.tries, 2);
	assert_int_equal(ans[1].o.queued, 1);
	assert_int_equal(ans[2].o.queued, 1);
	assert_int_equal(fake_smtpd_max_open(w->smtpd), 1);
	assert_int_equal(fake_smtpd_connections(w->smtpd), 3);
	world_free(w);
}

static void
test_queue_budget_and_cancel(void **state)
{
	/* the first connection keeps its slot while its goodbye drags on */
	struct fake_smtpd_rules slow_quit = { .hold_quit_ms = 400, .catch_all = 1 };
	struct world *w = world_new(&slow_quit);
	static const char *const two[] = { "a@ok.test", "b@ok.test" };
	struct answer ans[2], a = { 0 };
	struct callout_check *chk;

	/* waiting uses up the budget as well */
	w->cfg.max_per_domain = 1;
	w->cfg.timeout = 250;
	service(w);
	call_many(w, two, 2, ans);
	assert_int_equal(ans[0].o.result, CALLOUT_CATCHALL);
	assert_int_equal(ans[1].o.result, CALLOUT_TEMPERROR);
	assert_int_equal(ans[1].o.source, CALLOUT_SRC_LOCAL);
	assert_int_equal(ans[1].o.queued, 1);
	assert_non_null(strstr(ans[1].o.reason, "no callout slot"));
	world_free(w);

	/* freed while connecting: no callback, the slot is free again */
	struct fake_smtpd_rules slow = { .hold_ms = 400, .catch_all = 1 };
	w = world_new(&slow);
	w->cfg.max_per_domain = 1;
	service(w);
	chk = callout_start(w->co, "c@ok.test", on_answer, &a);
	for (int i = 0; i < 5; i++)
		event_base_loop(w->base, EVLOOP_NONBLOCK);
	assert_int_equal(callout_pending(w->co), 1);
	callout_check_free(chk);
	assert_int_equal(callout_pending(w->co), 0);
	assert_int_equal(a.calls, 0);

	/* freed from its own callback */
	struct answer b = { 0 };
	struct callout_check *self = callout_start(w->co, "x@nowhere.test", on_answer, &b);
	b.free_me = &self;
	while (b.calls == 0)
		event_base_loop(w->base, EVLOOP_ONCE);
	assert_null(self);

	/* the service goes first: nothing is called back, checks stay freeable */
	struct answer c1 = { 0 }, c2 = { 0 };
	struct callout_check *k1 = callout_start(w->co, "d@ok.test", on_answer, &c1);
	struct callout_check *k2 = callout_start(w->co, "e@ok.test", on_answer, &c2);
	for (int i = 0; i < 5; i++)
		event_base_loop(w->base, EVLOOP_NONBLOCK);
	callout_free(w->co);
	w->co = NULL;
	event_base_loop(w->base, EVLOOP_NONBLOCK);
	assert_int_equal(c1.calls + c2.calls, 0);
	assert_int_equal(callout_check_outcome(k1)->queued, 0);
	assert_int_equal(callout_check_outcome(k2)->queued, 1);
	callout_check_free(k1);
	callout_check_free(k2);
	world_free(w);
}

static void
test_sqlite_survives_restart(void **state)
{
	struct fake_smtpd_rules rules = { .known = { "alice@ok.test" } };
	struct world *w = world_new(&rules);
	char dir[] = "/tmp/vouch-callout-XXXXXX", path[128];
	struct callout_outcome o;
	char err[256];

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/state.db", dir);
	store_close(w->store);
	w->store = store_open_sqlite(path, err, sizeof(err));
	assert_non_null(w->store);
	service(w);
	o = call(w, "alice@ok.test");
	assert_int_equal(o.source, CALLOUT_SRC_SMTP);
	callout_free(w->co);
	w->co = NULL;
	store_close(w->store);

	w->store = store_open_sqlite(path, err, sizeof(err));
	service(w);
	o = call(w, "alice@ok.test");
	assert_int_equal(o.result, CALLOUT_PASS);
	assert_int_equal(o.source, CALLOUT_SRC_CACHE_ADDRESS);
	assert_string_equal(o.mx, "mx.ok.test");
	assert_string_equal(o.mx_addr, "127.0.0.1");
	assert_int_equal(fake_smtpd_connections(w->smtpd), 1);
	assert_int_equal(store_counter_sum(w->store, "callout.result.pass", 0), 2);
	world_free(w);
	unlink(path);
	char wal[160];
	snprintf(wal, sizeof(wal), "%s-wal", path);
	unlink(wal);
	snprintf(wal, sizeof(wal), "%s-shm", path);
	unlink(wal);
	rmdir(dir);
}

/*
 * A cluster: two nodes, each with its own cache, sharing a third store.
 * What node A learnt answers on node B without a connection (and lands in
 * B's own cache); how the domain treats unknown users travels too, so B's
 * first callout to the domain asks about the address alone.
 */
static void
test_shared_cache(void **state)
{
	struct fake_smtpd_rules rules = { .pipelining = 1, .known = { "alice@ok.test" } };
	struct world *w = world_new(&rules);
	struct callout_params p = { .helo = "receiver.test" };
	struct store *shared = store_open_memory(), *local_b = store_open_memory();
	struct callout *a, *b;
	struct callout_outcome o;
	struct callout_stats st;
	char *value = NULL;

	a = service(w);
	callout_share(a, shared);
	o = call(w, "alice@ok.test");
	assert_int_equal(o.source, CALLOUT_SRC_SMTP);
	o = call(w, "bob@ok.test");
	assert_int_equal(o.result, CALLOUT_FAIL);
	assert_int_equal(fake_smtpd_connections(w->smtpd), 2);
	assert_int_equal(fake_smtpd_count(w->smtpd, "RCPT TO:"), 3);
	assert_int_equal(store_get(shared, "callout.address", "alice@ok.test", NULL, NULL), 1);
	assert_int_equal(store_get(shared, "callout.behaviour", "ok.test", NULL, NULL), 1);

	/* node B */
	b = callout_new(w->dns, local_b, &w->cfg, &p);
	callout_share(b, shared);
	w->co = b;
	o = call(w, "alice@ok.test");
	assert_int_equal(o.result, CALLOUT_PASS);
	assert_int_equal(o.source, CALLOUT_SRC_CACHE_ADDRESS);
	assert_string_equal(o.mx, "mx.ok.test");
	assert_int_equal(o.code, 250);
	assert_true(o.expires > 0);
	assert_non_null(strstr(o.reason, "accepted <alice@ok.test>"));
	o = call(w, "bob@ok.test");
	assert_int_equal(o.result, CALLOUT_FAIL);
	assert_int_equal(o.source, CALLOUT_SRC_CACHE_ADDRESS);
	assert_int_equal(fake_smtpd_connections(w->smtpd), 2);
	callout_stats(b, &st);
	assert_int_equal(st.n[CALLOUT_C_SHARED_HITS], 2);
	assert_int_equal(st.n[CALLOUT_C_CACHE_HITS], 2);
	/* B's own cache has it now */
	assert_int_equal(store_get(local_b, "callout.address", "alice@ok.test", &value, NULL), 1);
	assert_non_null(strstr(value, "accepted <alice@ok.test>"));
	free(value);

	/* a sender nobody asked about: B calls, with no random recipient
	 * (A learnt that ok.test refuses unknown users), and shares it */
	o = call(w, "carol@ok.test");
	assert_int_equal(o.result, CALLOUT_FAIL);
	assert_int_equal(o.source, CALLOUT_SRC_SMTP);
	assert_int_equal(fake_smtpd_connections(w->smtpd), 3);
	assert_int_equal(fake_smtpd_count(w->smtpd, "RCPT TO:"), 4);
	assert_int_equal(store_get(shared, "callout.address", "carol@ok.test", NULL, NULL), 1);

	/* forgetting on one node forgets in the shared store too */
	assert_int_equal(callout_forget(b, "carol@ok.test", 1), 0);
	assert_int_equal(store_get(shared, "callout.address", "carol@ok.test", NULL, NULL), 0);
	assert_int_equal(store_get(shared, "callout.behaviour", "ok.test", NULL, NULL), 0);

	/* a node of its own (no callout_share()) with an empty cache calls */
	callout_free(a);
	callout_free(b);
	w->co = NULL;
	store_close(w->store);
	w->store = store_open_memory();
	service(w);
	o = call(w, "alice@ok.test");
	assert_int_equal(o.source, CALLOUT_SRC_SMTP);
	assert_int_equal(fake_smtpd_connections(w->smtpd), 4);
	store_close(shared);
	store_close(local_b);
	world_free(w);
}

/* The shared rates count in the minute of the clock: not across its turn. */
static void
away_from_a_minute_turn(void)
{
	while (time(NULL) % 60 >= 57)
		usleep(100 * 1000);
}

/*
 * A cluster's rates: callout_client_per_minute and callout_domain_per_minute
 * count the callouts of every node sharing the store, so a client that
 * spreads its sessions over the nodes meets one limit, and so does a
 * domain's mail server. The node's own rates alone would allow each call
 * refused here.
 */
static void
test_shared_rates(void **state)
{
	struct fake_smtpd_rules rules = { .pipelining = 1 };
	struct world *w = world_new(&rules);
	struct callout_params p = { .helo = "receiver.test" };
	struct store *shared = store_open_memory(), *local_b = store_open_memory();
	struct callout *a, *b;
	struct callout_outcome o;
	char key[128];

	w->cfg.client_per_minute = 3;
	w->cfg.domain_per_minute = 5;
	away_from_a_minute_turn();
	a = service(w);
	callout_share(a, shared);
	b = callout_new(w->dns, local_b, &w->cfg, &p);
	callout_share(b, shared);

	w->co = a;
	assert_int_equal(call_for(w, "x1@ok.test", "192.0.2.1").source, CALLOUT_SRC_SMTP);
	assert_int_equal(call_for(w, "x2@ok.test", "192.0.2.1").source, CALLOUT_SRC_SMTP);
	w->co = b;
	assert_int_equal(call_for(w, "x3@ok.test", "192.0.2.1").source, CALLOUT_SRC_SMTP);
	o = call_for(w, "x4@ok.test", "192.0.2.1");
	assert_int_equal(o.result, CALLOUT_TEMPERROR);
	assert_non_null(strstr(o.reason,
	    "192.0.2.1 has caused more than 3 callouts in a minute "
	    "on the cluster's nodes (callout_client_per_minute)"));
	assert_int_equal(fake_smtpd_connections(w->smtpd), 3);

	/* another client: the domain's count is the cluster's too */
	assert_int_equal(call_for(w, "y1@ok.test", "198.51.100.7").source, CALLOUT_SRC_SMTP);
	assert_int_equal(call_for(w, "y2@ok.test", "198.51.100.7").source, CALLOUT_SRC_SMTP);
	o = call_for(w, "y3@ok.test", "198.51.100.7");
	assert_int_equal(o.result, CALLOUT_TEMPERROR);
	assert_non_null(strstr(o.reason,
	    "more than 5 callouts to ok.test in a minute from the "
	    "cluster's nodes (callout_domain_per_minute)"));
	assert_int_equal(fake_smtpd_connections(w->smtpd), 5);
	/* what a refused call took is given back: 5 calls were made, 5 counted */
	snprintf(
	    key, sizeof(key), "callout.rate.domain:ok.test:%lld", (long long)(time(NULL) / 60));
	assert_int_equal(store_counter_sum(shared, key, 0), 5);
	snprintf(key, sizeof(key), "callout.rate.client:198.51.100.7:%lld",
	    (long long)(time(NULL) / 60));
	assert_int_equal(store_counter_sum(shared, key, 0), 2);

	callout_free(a);
	callout_free(b);
	w->co = NULL;
	store_close(shared);
	store_close(local_b);
	world_free(w);
}

static void
test_cache_parse(void **state)
{
	struct callout_outcome o;
	static const char good[] = "fail\t550\t0\tmx.example.com\t192.0.2.1\t"
	                           "mx refused <a@b>: 550 no";
	static const char *const bad[] = {
		"",
		"fail",
		"fail\t550\t0\tmx\ta",
		"nope\t550\t0\tmx\ta\tr",
		"fail\t\t0\tmx\ta\tr",
		"fail\t5500\t0\tmx\ta\tr",
		"fail\t550\t2\tmx\ta\tr",
		"fail\t-1\t0\tmx\ta\tr",
		"fail\t550\t00\tmx\ta\tr",
		"fail\t550\t0\tmx\t0123456789012345678901234567890123456789012345678\tr",
	};

	memset(&o, 0, sizeof(o));
	assert_int_equal(callout_cache_parse(good, strlen(good), &o), 0);
	assert_int_equal(o.result, CALLOUT_FAIL);
	assert_int_equal(o.code, 550);
	assert_string_equal(o.mx, "mx.example.com");
	assert_string_equal(o.mx_addr, "192.0.2.1");
	assert_string_equal(o.reason, "mx refused <a@b>: 550 no");
	/* control characters never come out; a tab in the reason is its own */
	static const char ctl[] = "pass\t250\t1\tm\x01x\t\tline\r\nbreak";
	assert_int_equal(callout_cache_parse(ctl, strlen(ctl), &o), 0);
	assert_string_equal(o.mx, "m?x");
	assert_string_equal(o.mx_addr, "");
	assert_string_equal(o.reason, "line??break");
	assert_int_equal(o.null_mx, 1);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (callout_cache_parse(bad[i], strlen(bad[i]), &o) == 0)
			fail_msg("accepted '%s'", bad[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pass_fail_and_caches),
		cmocka_unit_test(test_catch_all_and_domain_cache),
		cmocka_unit_test(test_domain_results),
		cmocka_unit_test(test_private_addresses),
		cmocka_unit_test(test_temporary_failures),
		cmocka_unit_test(test_budget),
		cmocka_unit_test(test_mail_refused_and_lost_connection),
		cmocka_unit_test(test_bad_addresses_and_skips),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_queue_budget_and_cancel),
		cmocka_unit_test(test_sqlite_survives_restart),
		cmocka_unit_test(test_shared_cache),
		cmocka_unit_test(test_shared_rates),
		cmocka_unit_test(test_cache_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
