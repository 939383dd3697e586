/*
 * dmarc_check: policy discovery over the DNS client (see dmarc_check.h).
 */
#include "auth/dmarc_check.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/dmarc_record.h"
#include "auth/orgdomain.h"
#include "dns/dns_name.h"
#include "dns/dns_result.h"
#include "util/log.h"
#include "util/str.h"
#include "util/xmalloc.h"

struct dmarc_check {
	struct dns_client *dns;
	const struct orgdomain *od;
	dmarc_check_cb cb;
	void *arg;
	struct event *ready_ev; /* finishes from the loop when no query is needed */
	uint64_t id;            /* query in flight, or 0 */
	int done;
	struct dmarc_discovery d;
	struct dmarc_query q[2];
	size_t nq;
};

/* "_dmarc." + domain into out; 0, or -1 if that is no valid DNS name. */
static int
qname(const char *domain, char *out, size_t outsz)
{
	if (str_fmt(out, outsz, "_dmarc.%s", domain) || dns_name_check(out) < 0)
		return -1;
	return 0;
}

int
dmarc_check_answer(struct dmarc_discovery *d, int at_org, const struct dns_result *res)
{
	const char *domain = at_org ? d->org_domain : d->from_domain;
	const char *txt = NULL;
	size_t len = 0, ndmarc = 0;
	char err[DMARC_REASON_MAX];

	d->queries++;
	d->sec = res->sec;
	if (res->status == DNS_TEMPFAIL) {
		/* RFC 7489 6.6.3 leaves DNS errors to the receiver: a later try
		 * may find the policy, so nothing is concluded now. */
		d->status = DMARC_DISC_TEMPERROR;
		str_fmt(d->reason, sizeof(d->reason), "DNS failure looking up _dmarc.%s: %s",
		    domain, res->why ? res->why : "temporary failure");
		return 1;
	}
	if (res->status == DNS_ANSWER) {
		for (size_t i = 0; i < res->nrr; i++) {
			const struct dns_rr *rr = &res->rr[i];
			/* 6.6.3 step 2: records not starting with v=DMARC1 are discarded */
			if (rr->type != DNS_T_TXT ||
			    !dmarc_record_is_dmarc1(rr->u.txt.data, rr->u.txt.len))
				continue;
			if (ndmarc++ == 0) {
				txt = rr->u.txt.data;
				len = rr->u.txt.len;
			}
		}
	}
	if (ndmarc > 1) {
		/* 6.6.3 step 5: several records end discovery: no policy applies. */
		d->status = DMARC_DISC_PERMERROR;
		str_fmt(d->reason, sizeof(d->reason),
		    "%zu DMARC records at _dmarc.%s (RFC 7489 6.6.3: at most one)", ndmarc, domain);
		return 1;
	}
	if (ndmarc == 1) {
		str_copy(d->policy_domain, sizeof(d->policy_domain), domain);
		d->at_org = at_org;
		switch (dmarc_record_parse(txt, len, &d->rec, err, sizeof(err))) {
		case DMARC_RECORD_OK:
			d->status = DMARC_DISC_FOUND;
			str_fmt(d->reason, sizeof(d->reason), "policy p=%s found at _dmarc.%s%s",
			    dmarc_policy_name(d->rec.p), domain,
			    d->rec.p_assumed ? " (no valid p=, acting as p=none)" : "");
			break;
		default:
			/* 6.6.3 step 6: a record without a usable policy (and no rua=
			 * to report to) means no DMARC processing. */
			d->status = DMARC_DISC_PERMERROR;
			str_fmt(d->reason, sizeof(d->reason),
			    "unusable DMARC record at _dmarc.%s: %s", domain, err);
			break;
		}
		return 1;
	}
	/* 6.6.3 step 3: nothing at the From domain: ask its organizational
	 * domain, when that is another name. */
	if (!at_org && d->org_domain[0] && strcmp(d->org_domain, d->from_domain) != 0)
		return 0;
	d->status = DMARC_DISC_NONE;
	if (at_org)
		str_fmt(d->reason, sizeof(d->reason), "no DMARC record at _dmarc.%s or _dmarc.%s",
		    d->from_domain, d->org_domain);
	else
		str_fmt(d->reason, sizeof(d->reason), "no DMARC record at _dmarc.%s", domain);
	return 1;
}

static void
finish(struct dmarc_check *chk)
{
	chk->done = 1;
	chk->cb(&chk->d, chk->arg); /* may free chk */
}

static void on_txt(struct dns_result *res, void *arg);

static void
ask(struct dmarc_check *chk, const char *domain)
{
	struct dmarc_query *q = &chk->q[chk->nq++];

	if (qname(domain, q->name, sizeof(q->name)) < 0)
		log_panic("dmarc_check: query name checked at start");
	chk->id = dns_client_lookup(chk->dns, q->name, DNS_T_TXT, on_txt, chk);
}

static void
on_txt(struct dns_result *res, void *arg)
{
	struct dmarc_check *chk = arg;
	struct dmarc_query *q = &chk->q[chk->nq - 1];
	int at_org = chk->nq == 2;
	int done;

	chk->id = 0;
	q->status = res->status;
	q->sec = res->sec;
	q->nrr = res->nrr;
	done = dmarc_check_answer(&chk->d, at_org, res);
	dns_result_free(res);
	if (done)
		finish(chk);
	else
		ask(chk, chk->d.org_domain);
}

static void
on_ready(evutil_socket_t fd, short what, void *arg)
{
	finish(arg);
}

struct dmarc_check *
dmarc_check_start(struct dns_client *dns, const struct orgdomain *od, const char *from_domain,
    dmarc_check_cb cb, void *arg)
{
	struct dmarc_check *chk = xcalloc(1, sizeof(*chk));
	struct dmarc_discovery *d = &chk->d;
	char q[DMARC_DOMAIN_MAX + 16];

	chk->dns = dns;
	chk->od = od;
	chk->cb = cb;
	chk->arg = arg;
	chk->ready_ev = event_new(dns_client_base(dns), -1, 0, on_ready, chk);
	if (chk->ready_ev == NULL)
		log_panic("dmarc_check: event_new failed");

	/* the A-label form: DNS has no record at a name in UTF-8, so asking
	 * there would find "no policy" for every internationalized domain */
	if (orgdomain_ascii(
	        from_domain ? from_domain : "", d->from_domain, sizeof(d->from_domain)) < 0 ||
	    dns_name_check(d->from_domain) < 0 || qname(d->from_domain, q, sizeof(q)) < 0) {
		char e[LOG_ESC_MAX];
		d->status = DMARC_DISC_PERMERROR;
		str_fmt(d->reason, sizeof(d->reason), "From domain %s is not a domain name",
		    log_escape(e, sizeof(e), from_domain ? from_domain : "",
		        from_domain ? strlen(from_domain) : 0));
		d->from_domain[0] = '\0';
		event_active(chk->ready_ev, 0, 0);
		return chk;
	}
	if (orgdomain_get(od, d->from_domain, d->org_domain, sizeof(d->org_domain)) < 0 ||
	    qname(d->org_domain, q, sizeof(q)) < 0)
		str_copy(d->org_domain, sizeof(d->org_domain), d->from_domain);
	ask(chk, d->from_domain);
	return chk;
}

void
dmarc_check_free(struct dmarc_check *chk)
{
	if (chk == NULL)
		return;
	if (chk->id)
		dns_client_cancel(chk->dns, chk->id);
	event_free(chk->ready_ev);
	free(chk);
}

const struct dmarc_discovery *
dmarc_check_discovery(const struct dmarc_check *chk)
{
	return &chk->d;
}

size_t
dmarc_check_nqueries(const struct dmarc_check *chk)
{
	return chk->nq;
}

const struct dmarc_query *
dmarc_check_query(const struct dmarc_check *chk, size_t i)
{
	return i < chk->nq ? &chk->q[i] : NULL;
}

static void
sync_cb(const struct dmarc_discovery *d, void *arg)
{
	(void)d;
	(void)arg;
}

void
dmarc_check_wait(struct dmarc_check *chk)
{
	struct event_base *base = dns_client_base(chk->dns);

	while (!chk->done)
		if (event_base_loop(base, EVLOOP_ONCE) < 0)
			log_panic("dmarc_check: event loop failed");
}

void
dmarc_check_sync(struct dns_client *dns, const struct orgdomain *od, const char *from_domain,
    struct dmarc_discovery *out)
{
	struct dmarc_check *chk = dmarc_check_start(dns, od, from_domain, sync_cb, NULL);

	dmarc_check_wait(chk);
	*out = chk->d;
	dmarc_check_free(chk);
}
