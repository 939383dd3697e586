/*
 * reg_certify: a certification run: resolve the applicant's name, judge
 * each address (reg_target), run the sessions one after the other and
 * write the report (see reg_certify.h). The tests of one session are in
 * reg_certify_session.c.
 */
#include "reg_certify_int.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "dns/dns.h"
#include "dns/dns_result.h"
#include "util/log.h"
#include "util/xmalloc.h"

/* Schedule the next step (a session, or the end) from the loop. */
void
reg_certify_next(struct reg_certify *r)
{
	struct timeval now = { 0, 0 };

	evtimer_add(r->step, &now);
}

static void
add_address(struct reg_certify *r, const char *a)
{
	for (size_t i = 0; i < r->naddr; i++)
		if (strcmp(r->addrs[i], a) == 0)
			return;
	if (r->naddr < CERT_MAX_TARGETS)
		str_copy(r->addrs[r->naddr++], REG_ADDR_MAX, a);
}

/* A run with one verdict and no session (resolution failed). */
static void
single_verdict(struct reg_certify *r, const char *name, const char *detail)
{
	json_t *tests = json_array();

	json_array_append_new(
	    tests, json_pack("{s:s, s:s, s:s}", "name", name, "verdict", "fail", "detail", detail));
	json_array_append_new(r->runs,
	    json_pack("{s:s, s:s, s:o, s:s}", "address", "", "source", "", "tests", tests,
	        "transcript", ""));
	r->failed++;
	r->total++;
	if (!r->first[0])
		str_copy(r->first, sizeof(r->first), name);
}

/* Both lookups of the name are in: decide what to connect to. */
static void
plan(struct reg_certify *r)
{
	const struct reg_config *cfg = r->env.cfg;
	size_t nsrc = cfg->certify_sources.n ? cfg->certify_sources.n : 1;
	char why[512];

	if (r->naddr == 0) {
		snprintf(why, sizeof(why), "%s does not resolve (%s)", r->hostname,
		    r->resolve_temp ? r->why_temp : "no such name or no address");
		single_verdict(r, "resolve", why);
		reg_certify_next(r);
		return;
	}
	/* nobody has looked at an automatic application: public targets only */
	if (r->automatic &&
	    !reg_target_automatic(r->addrs, r->naddr, r->env.allow, why, sizeof(why))) {
		r->res.held = 1;
		snprintf(r->res.summary, sizeof(r->res.summary),
		    "automatic certification held: %.150s; an admin or a sponsor must start the tests",
		    why);
		reg_certify_next(r);
		return;
	}
	r->sess = xcalloc(r->naddr * nsrc, sizeof(*r->sess));
	for (size_t a = 0; a < r->naddr; a++) {
		char range[160];
		int refused = reg_target_judge(r->addrs[a], r->env.allow, range, sizeof(range)) ==
		    REG_TARGET_REFUSED;

		/* a refused address is reported once, whatever the sources */
		for (size_t s = 0; s < (refused ? 1 : nsrc); s++) {
			struct cert_session *ss = &r->sess[r->nsess++];
			ss->run = r;
			str_copy(ss->addr, sizeof(ss->addr), r->addrs[a]);
			ss->source = cfg->certify_sources.n ? cfg->certify_sources.v[s] : NULL;
			ss->refused = refused;
			str_copy(ss->why, sizeof(ss->why), range);
		}
	}
	reg_certify_next(r);
}

static void
on_address(struct dns_result *res, void *arg)
{
	struct reg_certify *r = arg;
	char a[REG_ADDR_MAX];

	r->q[res->qtype == DNS_T_A ? 0 : 1] = 0;
	for (size_t i = 0; res->status == DNS_ANSWER && i < res->nrr; i++) {
		const struct dns_rr *rr = &res->rr[i];
		if (rr->type == DNS_T_A && inet_ntop(AF_INET, &rr->u.a, a, sizeof(a)))
			add_address(r, a);
		else if (rr->type == DNS_T_AAAA && inet_ntop(AF_INET6, &rr->u.aaaa, a, sizeof(a)))
			add_address(r, a);
	}
	if (res->status == DNS_TEMPFAIL) {
		r->resolve_temp = 1;
		snprintf(r->why_temp, sizeof(r->why_temp), "temporary DNS failure: %.80s",
		    res->why ? res->why : "no answer");
	}
	dns_result_free(res);
	if (--r->qpending == 0)
		plan(r);
}

static void
finish(struct reg_certify *r)
{
	json_t *doc;

	r->finished = 1;
	r->res.finished = (long long)time(NULL);
	if (!r->res.held) {
		r->res.passed = r->failed == 0 && r->total > 0;
		if (r->res.passed)
			snprintf(r->res.summary, sizeof(r->res.summary), "%d/%d tests passed",
			    r->total, r->total);
		else
			snprintf(r->res.summary, sizeof(r->res.summary),
			    "%d of %d tests failed (first: %s)", r->failed, r->total, r->first);
		doc = json_pack("{s:s, s:I, s:I, s:b, s:s, s:I, s:O}", "hostname", r->hostname,
		    "started", (json_int_t)r->res.started, "finished", (json_int_t)r->res.finished,
		    "passed", r->res.passed, "summary", r->res.summary, "port",
		    (json_int_t)r->env.cfg->certify_port, "runs", r->runs);
		r->res.report = json_dumps(doc, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
		json_decref(doc);
	}
	char host_esc[LOG_ESC_MAX], sum_esc[LOG_ESC_MAX];
	log_info("event=certified server=%s passed=%s held=%s summary=%s",
	    log_token(host_esc, sizeof(host_esc), r->hostname), r->res.passed ? "yes" : "no",
	    r->res.held ? "yes" : "no", log_str(sum_esc, sizeof(sum_esc), r->res.summary));
	/* last: done may free the run */
	r->done(r->arg, &r->res);
}

static void
on_step(evutil_socket_t fd, short what, void *arg)
{
	struct reg_certify *r = arg;

	(void)fd;
	(void)what;
	if (r->finished)
		return;
	/* the session just over goes into the report */
	if (r->running) {
		r->running = 0;
		json_array_append_new(r->runs,
		    cert_session_json(
		        &r->sess[r->cur], &r->failed, &r->total, r->first, sizeof(r->first)));
		cert_session_clear(&r->sess[r->cur]);
		r->cur++;
	}
	if (r->qpending > 0)
		return;
	if (r->res.held || r->cur >= r->nsess) {
		finish(r);
		return;
	}
	r->running = 1;
	cert_session_start(&r->sess[r->cur]);
}

struct reg_certify *
reg_certify_start(const struct reg_certify_env *env, const char *hostname, int automatic,
    reg_certify_done_fn done, void *arg)
{
	struct reg_certify *r = xcalloc(1, sizeof(*r));

	r->env = *env;
	str_copy(r->hostname, sizeof(r->hostname), hostname);
	r->automatic = automatic;
	r->done = done;
	r->arg = arg;
	r->runs = json_array();
	r->res.started = (long long)time(NULL);
	r->step = evtimer_new(env->base, on_step, r);
	r->qpending = 2;
	r->q[0] = dns_client_lookup(env->dns, hostname, DNS_T_A, on_address, r);
	r->q[1] = dns_client_lookup(env->dns, hostname, DNS_T_AAAA, on_address, r);
	return r;
}

void
reg_certify_free(struct reg_certify *r)
{
	if (r == NULL)
		return;
	for (int i = 0; i < 2; i++)
		if (r->q[i])
			dns_client_cancel(r->env.dns, r->q[i]);
	for (size_t i = 0; i < r->nsess; i++)
		cert_session_clear(&r->sess[i]);
	free(r->sess);
	if (r->step)
		event_free(r->step);
	json_decref(r->runs);
	free(r->res.report);
	free(r);
}
