/*
 * dns_mx: the mail hosts of a domain and their addresses (see dns_mx.h).
 *
 * One MX query, then A and AAAA for every host at once. Each query has a
 * slot inside the lookup (the callback argument), so nothing is allocated
 * per query and dns_mx_free() can cancel exactly what is in flight.
 */
#include "dns/dns_mx.h"

#include <event2/event.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dns/dns_result.h"
#include "util/log.h"
#include "util/str.h"
#include "util/xmalloc.h"

struct mx_slot {
	struct dns_mx *q;
	size_t host; /* index of the host (address slots) */
	int v6;      /* AAAA rather than A */
	uint64_t id; /* DNS query in flight, 0 when none */
};

struct dns_mx {
	struct dns_client *dns;
	dns_mx_cb cb;
	void *arg;
	unsigned flags;
	struct event *ready_ev; /* delivers answers that need no DNS */
	struct mx_slot mx;      /* the MX query */
	struct mx_slot slots[DNS_MX_HOSTS_MAX][2];
	struct dns_result *ans[DNS_MX_HOSTS_MAX][2];
	unsigned pending; /* address queries in flight */
	char dns_why[80]; /* first temporary DNS failure seen */
	int done;
	struct dns_mx_result r;
};

const char *
dns_mx_status_name(enum dns_mx_status st)
{
	static const char *const names[] = { "found", "nxdomain", "nullmx", "noaddr", "tempfail" };

	return (unsigned)st < sizeof(names) / sizeof(names[0]) ? names[st] : "?";
}

socklen_t
dns_mx_sockaddr(const struct dns_mx_addr *a, int port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->af == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		s4->sin_addr = a->u.v4;
		return sizeof(*s4);
	}
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons((uint16_t)port);
	s6->sin6_addr = a->u.v6;
	return sizeof(*s6);
}

static void
set_reason(struct dns_mx_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
set_reason(struct dns_mx_result *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
	va_end(ap);
}

/* Add a host unless it is there already or the list is full. */
static void
add_host(struct dns_mx_result *r, const char *name, unsigned pref)
{
	size_t n = strlen(name);

	if (r->nhosts >= DNS_MX_HOSTS_MAX || n == 0 || n >= sizeof(r->hosts[0].name))
		return;
	if (n > 1 && name[n - 1] == '.')
		n--;
	for (size_t i = 0; i < r->nhosts; i++)
		if (strlen(r->hosts[i].name) == n && strncasecmp(r->hosts[i].name, name, n) == 0)
			return;
	struct dns_mx_host *h = &r->hosts[r->nhosts++];
	memset(h, 0, sizeof(*h));
	memcpy(h->name, name, n);
	h->name[n] = '\0';
	h->pref = pref;
	h->a = h->aaaa = DNS_NODATA;
}

/* Add an address for host unless it is a duplicate or the list is full. */
static void
add_addr(struct dns_mx_result *r, size_t host, int af, const void *addr)
{
	size_t len = af == AF_INET ? sizeof(struct in_addr) : sizeof(struct in6_addr);

	if (r->naddrs >= DNS_MX_ADDRS_MAX)
		return;
	for (size_t i = 0; i < r->naddrs; i++)
		if (r->addrs[i].af == af && memcmp(&r->addrs[i].u, addr, len) == 0)
			return;
	struct dns_mx_addr *a = &r->addrs[r->naddrs++];
	memset(a, 0, sizeof(*a));
	a->host = host;
	a->pref = r->hosts[host].pref;
	a->af = af;
	memcpy(&a->u, addr, len);
	inet_ntop(af, addr, a->text, sizeof(a->text));
	r->hosts[host].naddrs++;
}

/* The end: say why there is nothing, if so, then call back (last thing). */
static void
finish(struct dns_mx *q)
{
	struct dns_mx_result *r = &q->r;

	/* Hosts in order, IPv4 before IPv6 within each (as outbound did). */
	for (size_t h = 0; h < r->nhosts; h++) {
		for (int v6 = 0; v6 < 2; v6++) {
			const struct dns_result *res = q->ans[h][v6];
			if (res == NULL || res->status != DNS_ANSWER)
				continue;
			for (size_t i = 0; i < res->nrr; i++) {
				if (!v6 && res->rr[i].type == DNS_T_A)
					add_addr(r, h, AF_INET, &res->rr[i].u.a);
				else if (v6 && res->rr[i].type == DNS_T_AAAA)
					add_addr(r, h, AF_INET6, &res->rr[i].u.aaaa);
			}
		}
	}
	if (r->status == DNS_MX_FOUND) {
		if (r->naddrs > 0)
			set_reason(r, "%zu address%s of %zu host%s%s%s", r->naddrs,
			    r->naddrs == 1 ? "" : "es", r->nhosts, r->nhosts == 1 ? "" : "s",
			    r->implicit ? " (no MX: the domain itself, RFC 5321 5.1)" : "",
			    r->partial ? " (some lookups failed)" : "");
		else if (r->partial) {
			r->status = DNS_MX_TEMPFAIL;
			set_reason(r, "cannot find the mail servers of %s (DNS failure: %s)",
			    r->domain, q->dns_why[0] ? q->dns_why : "temporary");
		} else {
			r->status = DNS_MX_NOADDR;
			set_reason(r, "no address for the mail servers of %s", r->domain);
		}
	}
	q->done = 1;
	if (log_enabled(LOG_LVL_DEBUG)) {
		char esc[LOG_ESC_MAX];
		log_debug("event=dns_mx domain=%s status=%s hosts=%zu addresses=%zu",
		    log_escape(esc, sizeof(esc), r->domain, strlen(r->domain)),
		    dns_mx_status_name(r->status), r->nhosts, r->naddrs);
	}
	q->cb(r, q->arg);
}

static void
note_tempfail(struct dns_mx *q, const struct dns_result *res)
{
	if (q->dns_why[0] == '\0')
		str_copy(q->dns_why, sizeof(q->dns_why), res->why ? res->why : "temporary failure");
}

static void
on_addr(struct dns_result *res, void *arg)
{
	struct mx_slot *s = arg;
	struct dns_mx *q = s->q;
	struct dns_mx_host *h = &q->r.hosts[s->host];

	s->id = 0;
	q->pending--;
	if (s->v6)
		h->aaaa = res->status;
	else
		h->a = res->status;
	if (res->status == DNS_TEMPFAIL) {
		q->r.partial = 1;
		note_tempfail(q, res);
	}
	q->ans[s->host][s->v6] = res;
	if (q->pending == 0)
		finish(q);
}

/* Look up A and AAAA of every host at once. */
static void
lookup_hosts(struct dns_mx *q)
{
	for (size_t h = 0; h < q->r.nhosts; h++) {
		for (int v6 = 0; v6 < 2; v6++) {
			struct mx_slot *s = &q->slots[h][v6];
			s->q = q;
			s->host = h;
			s->v6 = v6;
			q->pending++;
			s->id = dns_client_lookup(
			    q->dns, q->r.hosts[h].name, v6 ? DNS_T_AAAA : DNS_T_A, on_addr, s);
		}
	}
}

/* RFC 5321 5.1: by preference, lowest first; equal ones in random order. */
static void
take_mx(struct dns_mx_result *r, struct dns_result *res)
{
	size_t n = res->nrr, usable = 0;

	for (size_t i = 0; i < n; i++)
		if (res->rr[i].type == DNS_T_MX && res->rr[i].u.mx.host[0])
			usable++;
	/* RFC 7505 3: a single MX whose host is the root: no mail at all. A
	 * null MX beside real ones is a mistake; the real ones are used. */
	if (usable == 0) {
		r->status = DNS_MX_NULL;
		return;
	}
	for (size_t i = n; i > 1; i--) {
		size_t k = (size_t)random() % i;
		struct dns_rr t = res->rr[i - 1];
		res->rr[i - 1] = res->rr[k];
		res->rr[k] = t;
	}
	/* A selection by preference keeps the shuffled order among equals. */
	for (size_t pass = 0; pass < n && r->nhosts < DNS_MX_HOSTS_MAX; pass++) {
		unsigned best = ~0u;
		for (size_t i = 0; i < n; i++)
			if (res->rr[i].type == DNS_T_MX && res->rr[i].u.mx.host[0] &&
			    res->rr[i].u.mx.pref < best)
				best = res->rr[i].u.mx.pref;
		if (best == ~0u)
			break;
		for (size_t i = 0; i < n; i++) {
			if (res->rr[i].type == DNS_T_MX && res->rr[i].u.mx.host[0] &&
			    res->rr[i].u.mx.pref == best) {
				add_host(r, res->rr[i].u.mx.host, best);
				res->rr[i].u.mx.host[0] = '\0';
			}
		}
	}
}

static void
on_mx(struct dns_result *res, void *arg)
{
	struct mx_slot *s = arg;
	struct dns_mx *q = s->q;
	struct dns_mx_result *r = &q->r;

	s->id = 0;
	switch (res->status) {
	case DNS_ANSWER:
		take_mx(r, res);
		if (r->status == DNS_MX_NULL)
			set_reason(r, "%s accepts no mail (null MX, RFC 7505)", r->domain);
		break;
	case DNS_NODATA:
		/* RFC 5321 5.1: no MX, so the domain itself (after any CNAME). */
		r->implicit = 1;
		add_host(r, res->canon ? res->canon : r->domain, 0);
		break;
	case DNS_NXDOMAIN:
		r->status = DNS_MX_NXDOMAIN;
		set_reason(r, "domain %s does not exist", r->domain);
		break;
	case DNS_PERMFAIL:
		r->status = DNS_MX_NXDOMAIN;
		set_reason(r, "%s is not a domain name that can exist (%s)", r->domain,
		    res->why ? res->why : "malformed");
		break;
	case DNS_TEMPFAIL:
	default:
		note_tempfail(q, res);
		r->status = DNS_MX_TEMPFAIL;
		set_reason(r, "cannot look up the mail servers of %s (DNS failure: %s)", r->domain,
		    q->dns_why);
		break;
	}
	dns_result_free(res);
	if (r->status != DNS_MX_FOUND || r->nhosts == 0) {
		if (r->status == DNS_MX_FOUND) {
			r->status = DNS_MX_NOADDR;
			set_reason(r, "no usable mail server name for %s", r->domain);
		}
		q->done = 1;
		q->cb(r, q->arg);
		return;
	}
	lookup_hosts(q);
}

static void
on_ready(evutil_socket_t fd, short what, void *arg)
{
	struct dns_mx *q = arg;

	q->done = 1;
	q->cb(&q->r, q->arg);
}

/*
 * "[192.0.2.1]", "[IPv6:2001:db8::1]" (RFC 5321 4.1.3), or with
 * DNS_MX_HOST_ONLY a bare IP address: one address, no DNS. Returns 1 if
 * name was one of those.
 */
static int
literal(struct dns_mx_result *r, const char *name, unsigned flags)
{
	char buf[64];
	size_t n = strlen(name);
	unsigned char addr[sizeof(struct in6_addr)];
	const char *text = buf;
	int af;

	if (n >= 3 && name[0] == '[' && name[n - 1] == ']') {
		if (n - 2 >= sizeof(buf))
			return 0;
		memcpy(buf, name + 1, n - 2);
		buf[n - 2] = '\0';
		if (strncasecmp(buf, "IPv6:", 5) == 0) {
			af = AF_INET6;
			text = buf + 5;
		} else {
			af = AF_INET;
		}
	} else if (flags & DNS_MX_HOST_ONLY) {
		if (str_copy(buf, sizeof(buf), name) >= sizeof(buf))
			return 0;
		af = strchr(buf, ':') ? AF_INET6 : AF_INET;
	} else {
		return 0;
	}
	if (inet_pton(af, text, addr) != 1)
		return 0;
	add_host(r, name, 0);
	if (r->nhosts == 0)
		return 0;
	add_addr(r, 0, af, addr);
	r->literal = 1;
	set_reason(r, "address literal %s", r->addrs[0].text);
	return 1;
}

struct dns_mx *
dns_mx_start(struct dns_client *dns, const char *domain, unsigned flags, dns_mx_cb cb, void *arg)
{
	struct dns_mx *q = xcalloc(1, sizeof(*q));
	struct dns_mx_result *r = &q->r;
	size_t n;

	q->dns = dns;
	q->cb = cb;
	q->arg = arg;
	q->flags = flags;
	q->ready_ev = event_new(dns_client_base(dns), -1, 0, on_ready, q);
	if (q->ready_ev == NULL)
		log_panic("dns_mx: event_new failed");
	r->status = DNS_MX_FOUND;
	if (str_copy(r->domain, sizeof(r->domain), domain) >= sizeof(r->domain)) {
		r->status = DNS_MX_NXDOMAIN;
		set_reason(r, "domain name too long (RFC 1035 2.3.4)");
		event_active(q->ready_ev, 0, 0);
		return q;
	}
	n = strlen(r->domain);
	if (n > 1 && r->domain[n - 1] == '.')
		r->domain[n - 1] = '\0';
	if (literal(r, r->domain, flags)) {
		event_active(q->ready_ev, 0, 0);
		return q;
	}
	if (flags & DNS_MX_HOST_ONLY) {
		add_host(r, r->domain, 0);
		if (r->nhosts == 0) {
			r->status = DNS_MX_NOADDR;
			set_reason(r, "no host name given");
			event_active(q->ready_ev, 0, 0);
			return q;
		}
		lookup_hosts(q);
		return q;
	}
	q->mx.q = q;
	q->mx.id = dns_client_lookup(dns, r->domain, DNS_T_MX, on_mx, &q->mx);
	return q;
}

void
dns_mx_free(struct dns_mx *q)
{
	if (q == NULL)
		return;
	if (q->mx.id)
		dns_client_cancel(q->dns, q->mx.id);
	for (size_t h = 0; h < DNS_MX_HOSTS_MAX; h++) {
		for (int v6 = 0; v6 < 2; v6++) {
			if (q->slots[h][v6].id)
				dns_client_cancel(q->dns, q->slots[h][v6].id);
			dns_result_free(q->ans[h][v6]);
		}
	}
	event_free(q->ready_ev);
	free(q);
}

const struct dns_mx_result *
dns_mx_result(const struct dns_mx *q)
{
	return &q->r;
}

struct mx_wait {
	struct dns_mx_result *out;
	int done;
};

static void
sync_cb(const struct dns_mx_result *r, void *arg)
{
	struct mx_wait *w = arg;

	*w->out = *r;
	w->done = 1;
}

void
dns_mx_resolve_sync(
    struct dns_client *dns, const char *domain, unsigned flags, struct dns_mx_result *out)
{
	struct mx_wait w = { out, 0 };
	struct dns_mx *q = dns_mx_start(dns, domain, flags, sync_cb, &w);

	while (!w.done) {
		if (event_base_loop(dns_client_base(dns), EVLOOP_ONCE) < 0) {
			memset(out, 0, sizeof(*out));
			out->status = DNS_MX_TEMPFAIL;
			str_copy(out->domain, sizeof(out->domain), domain);
			set_reason(out, "event loop failed");
			break;
		}
	}
	dns_mx_free(q);
}
