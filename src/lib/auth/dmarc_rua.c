/*
 * dmarc_rua: report destinations and their verification (see dmarc_rua.h).
 */
#include "auth/dmarc_rua.h"

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#include "auth/dmarc_record.h"
#include "auth/orgdomain.h"
#include "dns/dns_name.h"
#include "dns/dns_result.h"
#include "util/log.h"
#include "util/str.h"
#include "util/xmalloc.h"

size_t
dmarc_rua_destinations(const struct orgdomain *od, const char *policy_domain,
    const struct dmarc_record *rec, struct dmarc_rua_dest *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < rec->nrua && n < max; i++) {
		struct dmarc_rua_dest *d = &out[n];
		const char *at;

		memset(d, 0, sizeof(*d));
		if (dmarc_uri_mailto(rec->rua[i].uri, d->addr, sizeof(d->addr)) < 0)
			continue;
		at = strrchr(d->addr, '@');
		if (str_copy(d->domain, sizeof(d->domain), at + 1) >= sizeof(d->domain) ||
		    dns_name_check(d->domain) < 0)
			continue;
		str_lower(d->domain);
		d->limit = rec->rua[i].limit;
		/* 7.1: a destination of another organization must agree */
		d->external = !orgdomain_same(od, policy_domain, d->domain);
		d->state = d->external ? DMARC_RUA_PENDING : DMARC_RUA_OK;
		n++;
	}
	return n;
}

int
dmarc_rua_verify_name(const char *policy_domain, const char *dest_domain, char *out, size_t outsz)
{
	/* 7.1 steps 1-3: the policy domain, "_report._dmarc", the destination host */
	if (str_fmt(out, outsz, "%s._report._dmarc.%s", policy_domain, dest_domain) ||
	    dns_name_check(out) < 0)
		return -1;
	return 0;
}

void
dmarc_rua_answer(struct dmarc_rua_dest *d, const struct dns_result *res)
{
	if (res->status == DNS_TEMPFAIL) {
		/* 7.1 step 4: a temporary error may be retried later */
		d->state = DMARC_RUA_TEMPERROR;
		return;
	}
	d->state = DMARC_RUA_REFUSED;
	if (res->status != DNS_ANSWER)
		return;
	for (size_t i = 0; i < res->nrr; i++) {
		const struct dns_rr *rr = &res->rr[i];
		struct dmarc_record rec;
		char err[64], addr[DMARC_URI_MAX + 1];

		/* 7.1 steps 5-7: one record that starts with v=DMARC1 is consent */
		if (rr->type != DNS_T_TXT || !dmarc_record_is_dmarc1(rr->u.txt.data, rr->u.txt.len))
			continue;
		d->state = DMARC_RUA_OK;
		dmarc_record_parse(rr->u.txt.data, rr->u.txt.len, &rec, err, sizeof(err));
		/* step 8: its rua= may replace ours, at the same destination host */
		for (size_t k = 0; k < rec.nrua; k++) {
			const char *at;
			if (dmarc_uri_mailto(rec.rua[k].uri, addr, sizeof(addr)) < 0)
				continue;
			at = strrchr(addr, '@');
			if (!dns_name_eq(at + 1, d->domain))
				continue;
			str_copy(d->addr, sizeof(d->addr), addr);
			d->limit = rec.rua[k].limit;
			break;
		}
		return;
	}
}

struct slot {
	struct dmarc_rua_check *chk;
	size_t i;
	uint64_t id;
};

struct dmarc_rua_check {
	struct dns_client *dns;
	dmarc_rua_cb cb;
	void *arg;
	struct event *ready_ev;
	size_t n, pending;
	int done;
	struct dmarc_rua_dest d[DMARC_URIS_MAX];
	struct slot slots[DMARC_URIS_MAX];
};

static void
finish(struct dmarc_rua_check *chk)
{
	chk->done = 1;
	chk->cb(chk->d, chk->n, chk->arg); /* may free chk */
}

static void
on_txt(struct dns_result *res, void *arg)
{
	struct slot *s = arg;
	struct dmarc_rua_check *chk = s->chk;

	s->id = 0;
	dmarc_rua_answer(&chk->d[s->i], res);
	dns_result_free(res);
	if (--chk->pending == 0)
		finish(chk);
}

static void
on_ready(evutil_socket_t fd, short what, void *arg)
{
	finish(arg);
}

struct dmarc_rua_check *
dmarc_rua_check_start(struct dns_client *dns, const struct orgdomain *od, const char *policy_domain,
    const struct dmarc_record *rec, dmarc_rua_cb cb, void *arg)
{
	struct dmarc_rua_check *chk = xcalloc(1, sizeof(*chk));
	char name[2 * DMARC_DOMAIN_MAX + 32];

	chk->dns = dns;
	chk->cb = cb;
	chk->arg = arg;
	chk->ready_ev = event_new(dns_client_base(dns), -1, 0, on_ready, chk);
	if (chk->ready_ev == NULL)
		log_panic("dmarc_rua: event_new failed");
	chk->n = dmarc_rua_destinations(od, policy_domain, rec, chk->d, DMARC_URIS_MAX);
	for (size_t i = 0; i < chk->n; i++) {
		if (chk->d[i].state != DMARC_RUA_PENDING)
			continue;
		if (dmarc_rua_verify_name(policy_domain, chk->d[i].domain, name, sizeof(name)) <
		    0) {
			chk->d[i].state = DMARC_RUA_REFUSED;
			continue;
		}
		chk->pending++;
	}
	if (chk->pending == 0) {
		event_active(chk->ready_ev, 0, 0);
		return chk;
	}
	for (size_t i = 0; i < chk->n; i++) {
		if (chk->d[i].state != DMARC_RUA_PENDING)
			continue;
		dmarc_rua_verify_name(policy_domain, chk->d[i].domain, name, sizeof(name));
		chk->slots[i] = (struct slot){ .chk = chk, .i = i };
		chk->slots[i].id = dns_client_lookup(dns, name, DNS_T_TXT, on_txt, &chk->slots[i]);
	}
	return chk;
}

void
dmarc_rua_check_free(struct dmarc_rua_check *chk)
{
	if (chk == NULL)
		return;
	for (size_t i = 0; i < DMARC_URIS_MAX; i++)
		if (chk->slots[i].id)
			dns_client_cancel(chk->dns, chk->slots[i].id);
	event_free(chk->ready_ev);
	free(chk);
}

static void
sync_cb(const struct dmarc_rua_dest *d, size_t n, void *arg)
{
}

size_t
dmarc_rua_check_sync(struct dns_client *dns, const struct orgdomain *od, const char *policy_domain,
    const struct dmarc_record *rec, struct dmarc_rua_dest *out, size_t max)
{
	struct dmarc_rua_check *chk =
	    dmarc_rua_check_start(dns, od, policy_domain, rec, sync_cb, NULL);
	struct event_base *base = dns_client_base(dns);
	size_t n;

	while (!chk->done)
		if (event_base_loop(base, EVLOOP_ONCE) < 0)
			log_panic("dmarc_rua: event loop failed");
	n = chk->n < max ? chk->n : max;
	memcpy(out, chk->d, n * sizeof(*out));
	dmarc_rua_check_free(chk);
	return n;
}
