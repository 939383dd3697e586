/*
 * dkim_check: the verifier over the DNS client (see dkim_check.h).
 */
#include "auth/dkim_check.h"

#include <event2/event.h>
#include <stdint.h>
#include <stdlib.h>

#include "dns/dns.h"
#include "dns/dns_result.h"
#include "util/log.h"
#include "util/xmalloc.h"

/* A lookup's callback argument: which check, which key. */
struct dkim_query {
	struct dkim_check *chk;
	size_t key;
	uint64_t id; /* 0 once answered */
};

struct dkim_check {
	struct dkim_verify *v;
	struct dns_client *dns;
	struct dkim_query *q;
	size_t nq;
	int started, ended, notified;
	struct event *ev; /* the deferred callback */
	dkim_check_cb cb;
	void *arg;
};

static void
notify(struct dkim_check *chk)
{
	if (chk->notified)
		return;
	chk->notified = 1;
	chk->cb(chk, chk->arg); /* may free chk: nothing after this */
}

static void
on_deferred(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	notify(arg);
}

static void
on_key(struct dns_result *res, void *arg)
{
	struct dkim_query *q = arg;
	struct dkim_check *chk = q->chk;

	q->id = 0;
	dkim_verify_key_answer(chk->v, q->key, res);
	dns_result_free(res);
	if (chk->ended && dkim_verify_done(chk->v))
		notify(chk);
}

static void
start_lookups(struct dkim_check *chk)
{
	size_t n = dkim_verify_nkeys(chk->v);

	chk->started = 1;
	if (n == 0)
		return;
	chk->q = xcalloc(n, sizeof(*chk->q));
	chk->nq = n;
	for (size_t i = 0; i < n; i++) {
		chk->q[i].chk = chk;
		chk->q[i].key = i;
		chk->q[i].id = dns_client_lookup(
		    chk->dns, dkim_verify_key_name(chk->v, i), DNS_T_TXT, on_key, &chk->q[i]);
	}
}

struct dkim_check *
dkim_check_new(
    struct dns_client *dns, const struct dkim_verify_opts *opts, dkim_check_cb cb, void *arg)
{
	struct dkim_check *chk = xcalloc(1, sizeof(*chk));

	chk->v = dkim_verify_new(opts);
	chk->dns = dns;
	chk->cb = cb;
	chk->arg = arg;
	chk->ev = evtimer_new(dns_client_base(dns), on_deferred, chk);
	if (chk->ev == NULL)
		log_panic("evtimer_new failed");
	return chk;
}

void
dkim_check_feed(struct dkim_check *chk, const char *p, size_t n)
{
	dkim_verify_feed(chk->v, p, n);
	if (!chk->started && dkim_verify_header_done(chk->v))
		start_lookups(chk);
}

void
dkim_check_end(struct dkim_check *chk)
{
	if (chk->ended)
		return;
	chk->ended = 1;
	dkim_verify_end(chk->v);
	if (!chk->started)
		start_lookups(chk);
	/* done already (no keys, or all in): call back from the loop */
	if (dkim_verify_done(chk->v)) {
		struct timeval now = { 0, 0 };
		evtimer_add(chk->ev, &now);
	}
}

const struct dkim_verify *
dkim_check_verify(const struct dkim_check *chk)
{
	return chk->v;
}

size_t
dkim_check_lookups(const struct dkim_check *chk)
{
	return chk->nq;
}

void
dkim_check_free(struct dkim_check *chk)
{
	if (chk == NULL)
		return;
	for (size_t i = 0; i < chk->nq; i++)
		if (chk->q[i].id)
			dns_client_cancel(chk->dns, chk->q[i].id);
	free(chk->q);
	event_free(chk->ev);
	dkim_verify_free(chk->v);
	free(chk);
}
