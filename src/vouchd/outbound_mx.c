/*
 * outbound_mx: which addresses serve a destination (RFC 5321 5.1): the
 * MX records in preference order (equal preferences in random order),
 * the domain itself when it has no MX (implicit MX), nothing when it
 * publishes a null MX (RFC 7505), or the configured relayhost. Every name
 * is looked up for A and AAAA at once; the outcome says whether a failure
 * is permanent (no such domain, null MX) or temporary (DNS trouble).
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vouchd.h"
#include "outbound_int.h"
#include "dns/dns.h"
#include "dns/dns_result.h"
#include "util/log.h"
#include "util/xmalloc.h"

/* RFC 5321 5.1 does not bound the MX list; we try at most this many hosts. */
#define MX_MAX 10
#define ADDR_MAX 64

struct mx_query {
	struct dest *dst;
	struct outbound *o;
	size_t mx;		/* index of the MX host, or (size_t)-1 for the MX query */
};

void
outbound_mx_clear(struct dest *dst)
{
	free(dst->addrs);
	dst->addrs = NULL;
	dst->naddrs = 0;
	free(dst->mx);
	dst->mx = NULL;
	dst->nmx = 0;
	free(dst->queries);
	dst->queries = NULL;
	dst->nqueries = 0;
}

static void set_fail(struct dest *dst, int code, const char *status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
set_fail(struct dest *dst, int code, const char *status, const char *fmt, ...)
{
	va_list ap;

	dst->fail.code = code;
	str_copy(dst->fail.status, sizeof(dst->fail.status), status);
	va_start(ap, fmt);
	vsnprintf(dst->fail.text, sizeof(dst->fail.text), fmt, ap);
	va_end(ap);
}

static void on_addr(struct dns_result *res, void *arg);

static void
lookup(struct outbound *o, struct dest *dst, const char *name, enum dns_type t, size_t mx,
    dns_callback cb)
{
	struct mx_query *q = xcalloc(1, sizeof(*q));

	q->dst = dst;
	q->o = o;
	q->mx = mx;
	dst->pending++;
	dst->queries = xrealloc(dst->queries, (dst->nqueries + 1) * sizeof(*dst->queries));
	dst->queries[dst->nqueries++] = dns_client_lookup(o->d->dns, name, t, cb, q);
}

static void
add_addr(struct dest *dst, const struct dns_rr *rr, size_t mx, int port)
{
	struct mx_addr *a;

	if (dst->naddrs >= ADDR_MAX)
		return;
	dst->addrs = xrealloc(dst->addrs, (dst->naddrs + 1) * sizeof(*dst->addrs));
	a = &dst->addrs[dst->naddrs++];
	memset(a, 0, sizeof(*a));
	str_copy(a->host, sizeof(a->host), dst->mx[mx].host);
	a->pref = dst->mx[mx].pref;
	if (rr->type == DNS_T_A) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&a->sa;
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		s4->sin_addr = rr->u.a;
		a->salen = sizeof(*s4);
		inet_ntop(AF_INET, &rr->u.a, a->text, sizeof(a->text));
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&a->sa;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		s6->sin6_addr = rr->u.aaaa;
		a->salen = sizeof(*s6);
		inet_ntop(AF_INET6, &rr->u.aaaa, a->text, sizeof(a->text));
	}
}

static int
cmp_addr(const void *x, const void *y)
{
	const struct mx_addr *a = x, *b = y;

	if (a->pref != b->pref)
		return a->pref < b->pref ? -1 : 1;
	/* within a host: IPv4 first, then IPv6 */
	return (int)a->sa.ss_family - (int)b->sa.ss_family;
}

/* All lookups are in: order the addresses and carry on. */
static void
resolved(struct outbound *o, struct dest *dst)
{
	dst->resolving = 0;
	dst->resolved = 1;
	dst->resolved_at = (int64_t)time(NULL);
	free(dst->queries);
	dst->queries = NULL;
	dst->nqueries = 0;
	if (dst->naddrs > 1)
		qsort(dst->addrs, dst->naddrs, sizeof(*dst->addrs), cmp_addr);
	if (dst->naddrs == 0 && dst->fail.code == 0) {
		if (dst->tempfail)
			set_fail(dst, 451, "4.4.3", "cannot find the mail servers of %s (DNS failure)",
			    dst->name);
		else
			set_fail(dst, 550, "5.4.4", "no address for the mail servers of %s", dst->name);
	}
	log_debug("event=outbound_resolved dest=%s addresses=%zu", dst->name, dst->naddrs);
	outbound_dest_kick(o, dst);
}

static void
on_addr(struct dns_result *res, void *arg)
{
	struct mx_query *q = arg;
	struct dest *dst = q->dst;
	struct outbound *o = q->o;
	int port = dst->relay ? o->relay_port : (int)o->d->cfg->outbound_port;

	if (res->status == DNS_ANSWER) {
		for (size_t i = 0; i < res->nrr; i++)
			if (res->rr[i].type == DNS_T_A || res->rr[i].type == DNS_T_AAAA)
				add_addr(dst, &res->rr[i], q->mx, port);
	} else if (res->status == DNS_TEMPFAIL) {
		dst->tempfail = 1;
	}
	dns_result_free(res);
	free(q);
	if (--dst->pending == 0)
		resolved(o, dst);
}

static void
lookup_hosts(struct outbound *o, struct dest *dst)
{
	for (size_t i = 0; i < dst->nmx; i++) {
		lookup(o, dst, dst->mx[i].host, DNS_T_A, i, on_addr);
		lookup(o, dst, dst->mx[i].host, DNS_T_AAAA, i, on_addr);
	}
}

static void
add_mx(struct dest *dst, const char *host, unsigned pref)
{
	if (dst->nmx >= MX_MAX)
		return;
	for (size_t i = 0; i < dst->nmx; i++)
		if (strcasecmp(dst->mx[i].host, host) == 0)
			return;
	dst->mx = xrealloc(dst->mx, (dst->nmx + 1) * sizeof(*dst->mx));
	str_copy(dst->mx[dst->nmx].host, sizeof(dst->mx[0].host), host);
	dst->mx[dst->nmx].pref = pref;
	dst->nmx++;
}

static void
on_mx(struct dns_result *res, void *arg)
{
	struct mx_query *q = arg;
	struct dest *dst = q->dst;
	struct outbound *o = q->o;

	free(q);
	dst->pending--;
	free(dst->queries);
	dst->queries = NULL;
	dst->nqueries = 0;
	switch (res->status) {
	case DNS_ANSWER: {
		/* RFC 7505 3: a single MX with the root as host means no mail. */
		if (res->nrr == 1 && res->rr[0].u.mx.host[0] == '\0') {
			set_fail(dst, 556, "5.1.10", "%s accepts no mail (null MX, RFC 7505)", dst->name);
			break;
		}
		/* Shuffle, then a stable sort by preference: equal ones stay random. */
		size_t n = res->nrr;
		for (size_t i = n; i > 1; i--) {
			size_t k = (size_t)random() % i;
			struct dns_rr t = res->rr[i - 1];
			res->rr[i - 1] = res->rr[k];
			res->rr[k] = t;
		}
		for (unsigned pass = 0; pass < n; pass++) {
			unsigned best = ~0u;
			for (size_t i = 0; i < n; i++)
				if (res->rr[i].u.mx.pref < best && res->rr[i].u.mx.host[0])
					best = res->rr[i].u.mx.pref;
			if (best == ~0u)
				break;
			for (size_t i = 0; i < n; i++) {
				if (res->rr[i].u.mx.pref == best && res->rr[i].u.mx.host[0]) {
					add_mx(dst, res->rr[i].u.mx.host, best);
					res->rr[i].u.mx.host[0] = '\0';
				}
			}
		}
		break;
	}
	case DNS_NODATA:
		/* RFC 5321 5.1: no MX, so the domain itself (implicit MX). */
		add_mx(dst, dst->name, 0);
		break;
	case DNS_NXDOMAIN:
		set_fail(dst, 550, "5.1.2", "domain %s does not exist", dst->name);
		break;
	default:
		set_fail(dst, 451, "4.4.3", "cannot look up the mail servers of %s (DNS failure)",
		    dst->name);
		break;
	}
	dns_result_free(res);
	if (dst->nmx == 0) {
		resolved(o, dst);
		return;
	}
	lookup_hosts(o, dst);
}

/* "[192.0.2.1]" or "[IPv6:2001:db8::1]" from an authenticated user. */
static int
literal(struct dest *dst, int port)
{
	char buf[64];
	size_t n = strlen(dst->name);
	struct dns_rr rr;

	if (n < 3 || dst->name[0] != '[' || dst->name[n - 1] != ']' || n - 2 >= sizeof(buf))
		return 0;
	memcpy(buf, dst->name + 1, n - 2);
	buf[n - 2] = '\0';
	add_mx(dst, dst->name, 0);
	memset(&rr, 0, sizeof(rr));
	if (strncasecmp(buf, "IPv6:", 5) == 0 && inet_pton(AF_INET6, buf + 5, &rr.u.aaaa) == 1)
		rr.type = DNS_T_AAAA;
	else if (inet_pton(AF_INET, buf, &rr.u.a) == 1)
		rr.type = DNS_T_A;
	else
		return 0;
	add_addr(dst, &rr, 0, port);
	return 1;
}

void
outbound_mx_resolve(struct outbound *o, struct dest *dst)
{
	outbound_mx_clear(dst);
	memset(&dst->fail, 0, sizeof(dst->fail));
	dst->tempfail = 0;
	dst->resolving = 1;
	dst->resolved = 0;
	if (dst->relay) {
		/* The relayhost: a name or an address, looked up directly. */
		const char *h = o->relay_name;
		struct dns_rr rr;
		memset(&rr, 0, sizeof(rr));
		add_mx(dst, h, 0);
		if (inet_pton(AF_INET, h, &rr.u.a) == 1) {
			rr.type = DNS_T_A;
			add_addr(dst, &rr, 0, o->relay_port);
		} else if (inet_pton(AF_INET6, h, &rr.u.aaaa) == 1) {
			rr.type = DNS_T_AAAA;
			add_addr(dst, &rr, 0, o->relay_port);
		} else {
			lookup_hosts(o, dst);
			return;
		}
		resolved(o, dst);
		return;
	}
	if (literal(dst, (int)o->d->cfg->outbound_port)) {
		resolved(o, dst);
		return;
	}
	lookup(o, dst, dst->name, DNS_T_MX, (size_t)-1, on_mx);
}

void
outbound_mx_cancel(struct outbound *o, struct dest *dst)
{
	for (size_t i = 0; i < dst->nqueries; i++)
		dns_client_cancel(o->d->dns, dst->queries[i]);
	dst->pending = 0;
	dst->resolving = 0;
}
