/*
 * The openspf RFC 7208 test suite (../shared/testdata/spf/rfc7208-tests.yml,
 * read in place from $VOUCH_SHARED at test time), one cmocka test per case
 * named "group: case", each run through the in-memory DNS backend twice:
 * with the synchronous driver and with the asynchronous one on an event
 * loop, which must agree. Where a case lists several acceptable results any
 * of them passes; an expected explanation must match exactly (the suite's
 * "DEFAULT" is our default explanation set to that word, as its drivers do).
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
#include "dns/dns.h"
#include "dns/dns_mem.h"
#include "spf_suite.h"

struct zone {
	struct dns_mem *table;
	struct event_base *base;
	struct dns_client *dns;
};

struct case_ctx {
	const struct suite_case *c;
	struct zone *zone;
	char name[300];
};

static struct dns_mem *
build_table(const struct suite_group *g)
{
	struct dns_mem *t = dns_mem_new();
	char text[600];

	for (size_t i = 0; i < g->nnames; i++) {
		const struct suite_name *nm = &g->names[i];
		if (nm->timeout)
			dns_mem_add_timeout(t, nm->name);
		for (size_t k = 0; k < nm->nrr; k++) {
			const struct suite_rr *rr = &nm->rr[k];
			if (strcmp(rr->type, "TXT") == 0) {
				dns_mem_add_txt(t, nm->name, (const char *const *)rr->strs, rr->lens,
				    rr->nstrs);
			} else if (strcmp(rr->type, "MX") == 0) {
				snprintf(text, sizeof(text), "%u %s", rr->pref, rr->text);
				assert_int_equal(dns_mem_add(t, nm->name, DNS_T_MX, text), 0);
			} else if (strcmp(rr->type, "SPF") != 0) {
				/* RFC 7208 3.1/4.4: type SPF (99) is never asked for. */
				enum dns_type type = dns_type_parse(rr->type);
				assert_int_not_equal(type, 0);
				assert_int_equal(dns_mem_add(t, nm->name, type, rr->text), 0);
			}
		}
	}
	return t;
}

struct async_wait {
	int done;
	struct spf_outcome out;
};

static void
async_done(const struct spf_outcome *o, void *arg)
{
	struct async_wait *w = arg;

	w->out = *o;
	w->done = 1;
}

static void
run_case(void **state)
{
	struct case_ctx *ctx = *state;
	const struct suite_case *c = ctx->c;
	struct spf_options opts = { 0 };
	struct spf_request req = { 0 };
	struct spf_outcome out;
	struct async_wait w = { 0 };
	struct spf_check *chk;
	char expected[200] = "";

	opts.default_explanation = "DEFAULT";
	opts.receiver = "receiver.example.org";
	opts.now = 1400000000;
	if (spf_ip_parse(c->host, &req.ip) < 0)
		fail_msg("%s: bad host %s in the suite", ctx->name, c->host);
	req.sender = c->mailfrom ? c->mailfrom : "";
	req.helo = c->helo ? c->helo : "";
	req.identity = SPF_ID_MAILFROM;

	spf_check_sync(ctx->zone->dns, &req, &opts, &out);
	if (getenv("VOUCH_SPF_SUITE_VERBOSE"))
		printf("%s -> %s [%s] lookups=%u voids=%u queries=%u exp=\"%s\"\n", ctx->name,
		    spf_result_name(out.result), out.reason, out.lookups, out.void_lookups,
		    out.queries, out.explanation);
	for (size_t i = 0; i < c->nresults; i++)
		snprintf(expected + strlen(expected), sizeof(expected) - strlen(expected),
		    "%s%s", i ? " or " : "", c->results[i]);
	if (!suite_result_ok(c, spf_result_name(out.result)))
		fail_msg("%s: got %s (%s), expected %s", ctx->name,
		    spf_result_name(out.result), out.reason, expected);
	if (c->explanation && strcmp(c->explanation, out.explanation) != 0)
		fail_msg("%s: explanation \"%s\", expected \"%s\"", ctx->name,
		    out.explanation, c->explanation);

	chk = spf_check_start(ctx->zone->dns, &req, &opts, 5000, async_done, &w);
	while (!w.done)
		assert_int_not_equal(event_base_loop(ctx->zone->base, EVLOOP_ONCE), -1);
	spf_check_free(chk);
	assert_int_equal(dns_client_pending(ctx->zone->dns), 0);
	if (w.out.result != out.result || strcmp(w.out.explanation, out.explanation) != 0)
		fail_msg("%s: asynchronous driver got %s \"%s\", synchronous %s \"%s\"",
		    ctx->name, spf_result_name(w.out.result), w.out.explanation,
		    spf_result_name(out.result), out.explanation);
}

int
main(void)
{
	const char *shared = getenv("VOUCH_SHARED");
	char path[1024], err[512];
	struct suite s;
	struct CMUnitTest *tests;
	struct case_ctx *ctx;
	struct zone *zones;
	int rc;

	if (shared == NULL)
		shared = "../shared";
	snprintf(path, sizeof(path), "%s/testdata/spf/rfc7208-tests.yml", shared);
	if (suite_load(path, &s, err, sizeof(err)) < 0 || s.ncases == 0) {
		fprintf(stderr, "test_spf_suite: %s\n", s.ncases == 0 ? "no cases loaded" : err);
		suite_free(&s);
		return 1;
	}
	zones = calloc(s.ngroups, sizeof(*zones));
	for (size_t i = 0; i < s.ngroups; i++) {
		zones[i].table = build_table(&s.groups[i]);
		zones[i].base = event_base_new();
		zones[i].dns = dns_client_new_mem(zones[i].base, zones[i].table, 1000);
	}
	tests = calloc(s.ncases, sizeof(*tests));
	ctx = calloc(s.ncases, sizeof(*ctx));
	for (size_t i = 0; i < s.ncases; i++) {
		ctx[i].c = &s.cases[i];
		ctx[i].zone = &zones[s.cases[i].gi];
		snprintf(ctx[i].name, sizeof(ctx[i].name), "%s: %s", s.cases[i].group,
		    s.cases[i].name);
		tests[i].name = ctx[i].name;
		tests[i].test_func = run_case;
		tests[i].initial_state = &ctx[i];
	}
	printf("openspf suite: %zu cases in %zu groups from %s\n", s.ncases, s.ngroups, path);
	rc = _cmocka_run_group_tests("rfc7208-tests", tests, s.ncases, NULL, NULL);
	for (size_t i = 0; i < s.ngroups; i++) {
		dns_client_free(zones[i].dns);
		event_base_free(zones[i].base);
		dns_mem_free(zones[i].table);
	}
	free(zones);
	free(tests);
	free(ctx);
	suite_free(&s);
	return rc;
}
