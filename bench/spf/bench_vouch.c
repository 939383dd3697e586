/*
 * bench_vouch: vouch's SPF evaluator over the whole openspf suite with the
 * in-memory DNS table. Prints how many cases pass (result and explanation,
 * as tests/unit/test_spf_suite.c judges them) and evaluations per second,
 * in two modes:
 *   direct  the evaluator state machine answered straight from the table
 *           (like libspf2's zone layer and pyspf's DNS hook);
 *   client  through the asynchronous DNS client and its libevent loop, the
 *           path vouchd takes (spf_check_run_sync over dns_client_new_mem).
 *
 * usage: bench_vouch SUITE.yml [SECONDS]
 */
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/spf_check.h"
#include "auth/spf_eval.h"
#include "dns/dns.h"
#include "dns/dns_mem.h"
#include "spf_suite.h"
#include "util/log.h"

struct prepared {
	struct spf_request req;
	const struct suite_case *c;
	struct dns_mem *table;
	struct dns_client *dns;
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
				dns_mem_add(t, nm->name, DNS_T_MX, text);
			} else if (strcmp(rr->type, "SPF") != 0) {
				dns_mem_add(t, nm->name, dns_type_parse(rr->type), rr->text);
			}
		}
	}
	return t;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
eval_direct(const struct prepared *p, const struct spf_options *opts,
    struct spf_outcome *out)
{
	struct spf_eval *ev = spf_eval_new(&p->req, opts);

	while (spf_eval_run(ev) == SPF_EVAL_NEED_DNS)
		spf_eval_answer(ev, dns_mem_lookup(p->table, spf_eval_qname(ev),
		    spf_eval_qtype(ev)));
	if (out)
		*out = *spf_eval_outcome(ev);
	spf_eval_free(ev);
}

static void
eval_client(const struct prepared *p, const struct spf_options *opts,
    struct spf_outcome *out)
{
	struct spf_outcome o;

	spf_check_sync(p->dns, &p->req, opts, &o);
	if (out)
		*out = o;
}

static int
passes(const struct suite_case *c, const struct spf_outcome *o)
{
	if (!suite_result_ok(c, spf_result_name(o->result)))
		return 0;
	return c->explanation == NULL || strcmp(c->explanation, o->explanation) == 0;
}

static void
bench(const char *mode, struct prepared *p, size_t n, const struct spf_options *opts,
    double seconds, void (*fn)(const struct prepared *, const struct spf_options *,
    struct spf_outcome *))
{
	struct spf_outcome o;
	size_t passed = 0, evals = 0;
	double t0, t;

	for (size_t i = 0; i < n; i++) {
		fn(&p[i], opts, &o);
		if (passes(p[i].c, &o))
			passed++;
		else
			fprintf(stderr, "vouch %s: FAILED %s: %s: got %s \"%s\"\n", mode,
			    p[i].c->group, p[i].c->name, spf_result_name(o.result), o.explanation);
	}
	t0 = now();
	do {
		for (size_t i = 0; i < n; i++)
			fn(&p[i], opts, NULL);
		evals += n;
		t = now();
	} while (t - t0 < seconds);
	printf("impl=vouch mode=%s cases=%zu passed=%zu evals=%zu seconds=%.3f evals_per_sec=%.0f\n",
	    mode, n, passed, evals, t - t0, (double)evals / (t - t0));
}

int
main(int argc, char **argv)
{
	struct suite s;
	struct spf_options opts = { 0 };
	struct event_base *base;
	struct dns_mem **tables;
	struct dns_client **clients;
	struct prepared *p;
	double seconds = argc > 2 ? atof(argv[2]) : 3.0;
	char err[512];

	if (argc < 2) {
		fprintf(stderr, "usage: bench_vouch SUITE.yml [SECONDS]\n");
		return 2;
	}
	log_init("bench_vouch", LOG_LVL_ERR, LOG_SINK_STDERR);
	if (suite_load(argv[1], &s, err, sizeof(err)) < 0) {
		fprintf(stderr, "bench_vouch: %s\n", err);
		return 1;
	}
	base = event_base_new();
	tables = calloc(s.ngroups, sizeof(*tables));
	clients = calloc(s.ngroups, sizeof(*clients));
	for (size_t g = 0; g < s.ngroups; g++) {
		tables[g] = build_table(&s.groups[g]);
		clients[g] = dns_client_new_mem(base, tables[g], 1000);
	}
	p = calloc(s.ncases, sizeof(*p));
	for (size_t i = 0; i < s.ncases; i++) {
		p[i].c = &s.cases[i];
		p[i].table = tables[s.cases[i].gi];
		p[i].dns = clients[s.cases[i].gi];
		if (spf_ip_parse(s.cases[i].host, &p[i].req.ip) < 0)
			return 1;
		p[i].req.sender = s.cases[i].mailfrom ? s.cases[i].mailfrom : "";
		p[i].req.helo = s.cases[i].helo ? s.cases[i].helo : "";
	}
	opts.default_explanation = "DEFAULT";
	opts.receiver = "receiver.example.org";
	opts.now = 1400000000;

	bench("direct", p, s.ncases, &opts, seconds, eval_direct);
	bench("client", p, s.ncases, &opts, seconds, eval_client);

	for (size_t g = 0; g < s.ngroups; g++) {
		dns_client_free(clients[g]);
		dns_mem_free(tables[g]);
	}
	event_base_free(base);
	free(tables);
	free(clients);
	free(p);
	suite_free(&s);
	return 0;
}
