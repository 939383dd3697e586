/*
 * spf_check: asynchronous and synchronous SPF drivers (see spf_check.h).
 */
#include "auth/spf_check.h"

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dns/dns.h"
#include "dns/dns_result.h"
#include "util/log.h"
#include "util/xmalloc.h"

/* RFC 7208 4.6.4: "Such a limit SHOULD allow at least 20 seconds." */
#define SPF_TIMEOUT_DEFAULT 20000

struct spf_check {
	struct dns_client *dns;
	struct spf_eval *ev;
	uint64_t qid;           /* DNS query in flight, 0 when none */
	struct event *start_ev; /* runs the first step from the loop */
	struct event *limit_ev; /* the time limit */
	spf_check_cb cb;
	void *arg;
	int done;
};

static void
log_outcome(const struct spf_outcome *o)
{
	char esc[LOG_ESC_MAX];

	/* Results from the local table are logged as such (issue 3). */
	if (o->from_table)
		log_info("event=spf_known domain=%s result=%s source=table",
		    log_escape(esc, sizeof(esc), o->domain, strlen(o->domain)),
		    spf_result_name(o->result));
	else
		log_debug("event=spf domain=%s result=%s lookups=%u queries=%u",
		    log_escape(esc, sizeof(esc), o->domain, strlen(o->domain)),
		    spf_result_name(o->result), o->lookups, o->queries);
}

static void step(struct spf_check *chk);

static void
on_answer(struct dns_result *res, void *arg)
{
	struct spf_check *chk = arg;

	chk->qid = 0;
	spf_eval_answer(chk->ev, res);
	step(chk);
}

/* Run the evaluator until it needs DNS (ask) or is done (call back). */
static void
step(struct spf_check *chk)
{
	if (spf_eval_run(chk->ev) == SPF_EVAL_NEED_DNS) {
		chk->qid = dns_client_lookup(
		    chk->dns, spf_eval_qname(chk->ev), spf_eval_qtype(chk->ev), on_answer, chk);
		return;
	}
	chk->done = 1;
	event_del(chk->limit_ev);
	log_outcome(spf_eval_outcome(chk->ev));
	/* Last thing: the callback may free chk. */
	chk->cb(spf_eval_outcome(chk->ev), chk->arg);
}

static void
on_limit(evutil_socket_t fd, short what, void *arg)
{
	struct spf_check *chk = arg;

	if (chk->done)
		return;
	if (chk->qid) {
		dns_client_cancel(chk->dns, chk->qid);
		chk->qid = 0;
	}
	spf_eval_expire(chk->ev);
	step(chk);
}

static void
on_start(evutil_socket_t fd, short what, void *arg)
{
	step(arg);
}

struct spf_check *
spf_check_start(struct dns_client *dns, const struct spf_request *req,
    const struct spf_options *opts, long long timeout_ms, spf_check_cb cb, void *arg)
{
	struct spf_check *chk = xcalloc(1, sizeof(*chk));
	struct event_base *base = dns_client_base(dns);
	struct timeval tv;

	if (timeout_ms <= 0)
		timeout_ms = SPF_TIMEOUT_DEFAULT;
	chk->dns = dns;
	chk->ev = spf_eval_new(req, opts);
	chk->cb = cb;
	chk->arg = arg;
	chk->start_ev = event_new(base, -1, 0, on_start, chk);
	chk->limit_ev = evtimer_new(base, on_limit, chk);
	if (chk->start_ev == NULL || chk->limit_ev == NULL)
		log_panic("spf: event_new failed");
	tv.tv_sec = (time_t)(timeout_ms / 1000);
	tv.tv_usec = (suseconds_t)((timeout_ms % 1000) * 1000);
	evtimer_add(chk->limit_ev, &tv);
	/* Even an answer from the local table comes through the loop, never
	 * from inside this function. */
	event_active(chk->start_ev, 0, 0);
	return chk;
}

void
spf_check_free(struct spf_check *chk)
{
	if (chk == NULL)
		return;
	if (chk->qid)
		dns_client_cancel(chk->dns, chk->qid);
	event_free(chk->start_ev);
	event_free(chk->limit_ev);
	spf_eval_free(chk->ev);
	free(chk);
}

const struct spf_outcome *
spf_check_outcome(const struct spf_check *chk)
{
	return spf_eval_outcome(chk->ev);
}

const struct spf_eval *
spf_check_eval(const struct spf_check *chk)
{
	return chk->ev;
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
spf_check_run_sync(struct spf_eval *ev, struct dns_client *dns, long long timeout_ms)
{
	long long deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : SPF_TIMEOUT_DEFAULT);

	while (spf_eval_run(ev) == SPF_EVAL_NEED_DNS) {
		if (now_ms() > deadline) {
			spf_eval_expire(ev);
			break;
		}
		spf_eval_answer(
		    ev, dns_client_lookup_sync(dns, spf_eval_qname(ev), spf_eval_qtype(ev)));
	}
	log_outcome(spf_eval_outcome(ev));
}

void
spf_check_sync(struct dns_client *dns, const struct spf_request *req,
    const struct spf_options *opts, struct spf_outcome *out)
{
	struct spf_eval *ev = spf_eval_new(req, opts);

	spf_check_run_sync(ev, dns, 0);
	*out = *spf_eval_outcome(ev);
	spf_eval_free(ev);
}
