/*
 * register: registrar lookups (see register.h). For every zone an A and a
 * TXT query at once; each query has a slot inside the check (its callback
 * argument), so freeing the check cancels exactly what is in flight.
 */
#include "auth/register.h"

#include <arpa/inet.h>
#include <event2/event.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/dnslist.h"
#include "dns/dns.h"
#include "dns/dns_result.h"
#include "util/log.h"
#include "util/str.h"
#include "util/xmalloc.h"

struct rg_slot {
	struct register_check *chk;
	size_t zone;
	uint64_t id; /* query in flight, 0 when none */
};

struct register_check {
	struct dns_client *dns;
	register_cb cb;
	void *arg;
	char qname[REGISTER_ZONES_MAX][DNS_NAME_MAX + 1];
	struct rg_slot slots[REGISTER_ZONES_MAX][2]; /* A, TXT */
	int af;                                      /* the address asked (by_address) */
	unsigned char addr[16];
	unsigned pending;
	struct event *ready_ev;
	int done;
	struct register_outcome out;
};

/* Format into dst through a buffer of its own: the arguments may live in
 * the same structure as dst. */
static void
say(char *dst, size_t dstsz, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
say(char *dst, size_t dstsz, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	str_copy(dst, dstsz, tmp);
}

const char *
register_status_name(enum register_status st)
{
	static const char *const names[] = { "unregistered", "registered", "suspended",
		"temperror" };

	return (unsigned)st < sizeof(names) / sizeof(names[0]) ? names[st] : "?";
}

/* RFC 1035 names of letters, digits, '-', '_' and dots, lower-cased, without
 * the final dot. Returns 0, or -1 if s is no such name. */
static int
normal_name(const char *s, char *out, size_t outsz)
{
	size_t n = strlen(s);

	if (n > 1 && s[n - 1] == '.')
		n--;
	if (n == 0 || n >= outsz)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		        c == '-' || c == '_' || c == '.'))
			return -1;
	}
	memcpy(out, s, n);
	out[n] = '\0';
	str_lower(out);
	return dns_name_check(out) < 0 || out[0] == '.' ? -1 : 0;
}

/* Combine the zones' results (precedence in register.h) and call back. */
static void
finish(struct register_check *chk)
{
	static const enum register_status order[] = { REGISTER_SUSPENDED, REGISTER_ACTIVE,
		REGISTER_TEMPERROR };
	struct register_outcome *o = &chk->out;

	o->status = REGISTER_UNREGISTERED;
	o->decided_by = -1;
	for (size_t k = 0; k < sizeof(order) / sizeof(order[0]) && o->decided_by < 0; k++) {
		for (size_t i = 0; i < o->nzones; i++) {
			if (o->zones[i].status == order[k]) {
				o->status = order[k];
				o->decided_by = (int)i;
				break;
			}
		}
	}
	if (o->decided_by < 0 && o->nzones > 0)
		o->decided_by = 0;
	if (o->decided_by >= 0)
		str_copy(o->reason, sizeof(o->reason), o->zones[o->decided_by].reason);
	else
		str_copy(o->reason, sizeof(o->reason), "no registrar zones configured");
	if (log_enabled(LOG_LVL_DEBUG)) {
		char esc[LOG_ESC_MAX];
		log_debug("event=register query=%s status=%s zone=%s",
		    log_token(esc, sizeof(esc), o->query), register_status_name(o->status),
		    o->decided_by >= 0 ? o->zones[o->decided_by].zone : "-");
	}
	chk->done = 1;
	chk->cb(o, chk->arg);
}

/* The sentence for a zone's result, once both its answers are in. */
static void
describe(struct register_check *chk, size_t zi)
{
	struct register_zone_result *z = &chk->out.zones[zi];
	const char *q = chk->out.query;
	char extra[160] = "";

	if (z->has_txt && !chk->out.by_address) {
		const struct register_txt *t = &z->txt;
		int n = snprintf(extra, sizeof(extra), " (class %s",
		    t->klass == REGISTER_CLASS_OTHER ? t->class_text
		                                     : register_class_name(t->klass));
		if (t->has_since && n > 0 && (size_t)n < sizeof(extra))
			n += snprintf(extra + n, sizeof(extra) - (size_t)n,
			    ", since %04d-%02d-%02d", t->year, t->month, t->day);
		if (t->has_sponsors && n > 0 && (size_t)n < sizeof(extra))
			n += snprintf(extra + n, sizeof(extra) - (size_t)n, ", %lu sponsor%s",
			    t->sponsors, t->sponsors == 1 ? "" : "s");
		if (n > 0 && (size_t)n < sizeof(extra) - 1)
			snprintf(extra + n, sizeof(extra) - (size_t)n, ")");
	} else if (z->nhosts > 0) {
		snprintf(extra, sizeof(extra), " (server %s%s)", z->hosts[0],
		    z->nhosts > 1 ? ", ..." : "");
	}
	switch (z->status) {
	case REGISTER_ACTIVE:
		say(z->reason, sizeof(z->reason), "%s is registered in %s%s", q, z->zone, extra);
		break;
	case REGISTER_SUSPENDED:
		say(z->reason, sizeof(z->reason), "%s is registered in %s but suspended%s", q,
		    z->zone, extra);
		break;
	case REGISTER_UNREGISTERED:
		if (z->reason[0] == '\0')
			say(z->reason, sizeof(z->reason), "%s is not registered in %s", q, z->zone);
		break;
	case REGISTER_TEMPERROR: break; /* said when the answer came */
	}
}

static void
on_a(struct dns_result *res, void *arg)
{
	struct rg_slot *s = arg;
	struct register_check *chk = s->chk;
	struct register_zone_result *z = &chk->out.zones[s->zone];
	int active = 0, suspended = 0;
	char bad[INET_ADDRSTRLEN] = "";

	s->id = 0;
	switch (res->status) {
	case DNS_ANSWER:
		for (size_t i = 0; i < res->nrr; i++) {
			if (res->rr[i].type != DNS_T_A)
				continue;
			uint32_t a = ntohl(res->rr[i].u.a.s_addr);
			if (a == 0x7f000002)
				active = 1;
			else if (a == 0x7f000003)
				suspended = 1;
			else if (bad[0] == '\0')
				inet_ntop(AF_INET, &res->rr[i].u.a, bad, sizeof(bad));
		}
		if (bad[0] || (!active && !suspended)) {
			/* Not what a registrar zone serves: a wildcard, a rewriting
			 * resolver, or a broken zone. Do not guess. */
			z->status = REGISTER_TEMPERROR;
			say(z->reason, sizeof(z->reason),
			    "%s answered %s for %s; a registrar zone answers 127.0.0.2 or 127.0.0.3",
			    z->zone, bad[0] ? bad : "no address", chk->out.query);
		} else {
			/* Several servers may share an address: any active one counts. */
			z->status = active ? REGISTER_ACTIVE : REGISTER_SUSPENDED;
		}
		break;
	case DNS_NXDOMAIN:
	case DNS_NODATA: z->status = REGISTER_UNREGISTERED; break;
	case DNS_PERMFAIL:
		z->status = REGISTER_UNREGISTERED;
		say(z->reason, sizeof(z->reason), "%s cannot be in %s (%s)", chk->out.query,
		    z->zone, res->why ? res->why : "no such name");
		break;
	case DNS_TEMPFAIL:
	default:
		z->status = REGISTER_TEMPERROR;
		say(z->reason, sizeof(z->reason), "cannot ask %s about %s (DNS: %s)", z->zone,
		    chk->out.query, res->why ? res->why : "temporary failure");
		break;
	}
	dns_result_free(res);
	if (chk->slots[s->zone][1].id == 0)
		describe(chk, s->zone);
	if (--chk->pending == 0)
		finish(chk);
}

static void
on_txt(struct dns_result *res, void *arg)
{
	struct rg_slot *s = arg;
	struct register_check *chk = s->chk;
	struct register_zone_result *z = &chk->out.zones[s->zone];
	struct register_txt t;
	char err[120];

	s->id = 0;
	/* A TXT that cannot be had only leaves the class unknown. */
	for (size_t i = 0; res->status == DNS_ANSWER && i < res->nrr; i++) {
		if (res->rr[i].type != DNS_T_TXT)
			continue;
		if (register_txt_parse(
		        res->rr[i].u.txt.data, res->rr[i].u.txt.len, &t, err, sizeof(err)) < 0) {
			char esc[LOG_ESC_MAX];
			char why_esc[LOG_ESC_MAX];
			log_debug("event=register_txt zone=%s query=%s error=%s", z->zone,
			    log_token(esc, sizeof(esc), chk->out.query),
			    log_str(why_esc, sizeof(why_esc), err));
			continue;
		}
		if (chk->out.by_address) {
			int dup = 0;
			for (size_t k = 0; k < z->nhosts; k++)
				dup |= strcmp(z->hosts[k], t.host) == 0;
			if (t.host[0] && !dup && z->nhosts < REGISTER_HOSTS_MAX)
				str_copy(z->hosts[z->nhosts++], sizeof(z->hosts[0]), t.host);
		} else if (!z->has_txt && t.klass != REGISTER_CLASS_NONE) {
			z->txt = t;
			z->has_txt = 1;
		}
	}
	dns_result_free(res);
	if (chk->slots[s->zone][0].id == 0)
		describe(chk, s->zone);
	if (--chk->pending == 0)
		finish(chk);
}

static void
on_ready(evutil_socket_t fd, short what, void *arg)
{
	finish(arg);
}

static int
qname_of(struct register_check *chk, const char *zone, char *out)
{
	char ipzone[DNS_NAME_MAX + 1];
	int n;

	if (chk->out.by_address) {
		/* docs/registry.md: <reversed-ip>.ip.<zone>, by octet or nibble. */
		if ((size_t)snprintf(ipzone, sizeof(ipzone), "ip.%s", zone) >= sizeof(ipzone))
			return -1;
		return dnslist_qname(chk->af, chk->addr, ipzone, out, DNS_NAME_MAX + 1);
	}
	n = snprintf(out, DNS_NAME_MAX + 1, "%s.%s", chk->out.query, zone);
	return n < 0 || n > DNS_NAME_MAX || dns_name_check(out) < 0 ? -1 : 0;
}

/* Ask every zone; the query (name or address) is already in chk. */
static struct register_check *
start(struct register_check *chk, struct dns_client *dns, const char *const *zones, size_t nzones,
    register_cb cb, void *arg)
{
	struct register_outcome *o = &chk->out;

	chk->dns = dns;
	chk->cb = cb;
	chk->arg = arg;
	chk->ready_ev = event_new(dns_client_base(dns), -1, 0, on_ready, chk);
	if (chk->ready_ev == NULL)
		log_panic("register: event_new failed");
	o->nzones = nzones > REGISTER_ZONES_MAX ? REGISTER_ZONES_MAX : nzones;
	for (size_t i = 0; i < o->nzones; i++) {
		struct register_zone_result *z = &o->zones[i];
		if (normal_name(zones[i], z->zone, sizeof(z->zone)) < 0) {
			str_copy(z->zone, sizeof(z->zone), "?");
			z->status = REGISTER_TEMPERROR;
			say(z->reason, sizeof(z->reason), "'%.60s' is not a zone name", zones[i]);
			continue;
		}
		if (o->query[0] == '\0') {
			z->status = REGISTER_UNREGISTERED;
			say(z->reason, sizeof(z->reason), "not a host name: nothing to ask %s",
			    z->zone);
			continue;
		}
		if (qname_of(chk, z->zone, chk->qname[i]) < 0) {
			z->status = REGISTER_UNREGISTERED;
			say(z->reason, sizeof(z->reason), "%s cannot be in %s (name too long)",
			    o->query, z->zone);
			chk->qname[i][0] = '\0';
			continue;
		}
		chk->pending += 2;
	}
	if (chk->pending == 0) {
		event_active(chk->ready_ev, 0, 0);
		return chk;
	}
	for (size_t i = 0; i < o->nzones; i++) {
		if (chk->qname[i][0] == '\0')
			continue;
		for (int k = 0; k < 2; k++) {
			chk->slots[i][k].chk = chk;
			chk->slots[i][k].zone = i;
		}
		chk->slots[i][0].id =
		    dns_client_lookup(dns, chk->qname[i], DNS_T_A, on_a, &chk->slots[i][0]);
		chk->slots[i][1].id =
		    dns_client_lookup(dns, chk->qname[i], DNS_T_TXT, on_txt, &chk->slots[i][1]);
	}
	return chk;
}

struct register_check *
register_check_name(struct dns_client *dns, const char *const *zones, size_t nzones,
    const char *hostname, register_cb cb, void *arg)
{
	struct register_check *chk = xcalloc(1, sizeof(*chk));

	/* An address literal, or bytes no host name has: nothing to ask. */
	if (normal_name(hostname, chk->out.query, sizeof(chk->out.query)) < 0)
		chk->out.query[0] = '\0';
	return start(chk, dns, zones, nzones, cb, arg);
}

struct register_check *
register_check_addr(struct dns_client *dns, const char *const *zones, size_t nzones, int af,
    const void *addr, register_cb cb, void *arg)
{
	struct register_check *chk = xcalloc(1, sizeof(*chk));

	chk->out.by_address = 1;
	chk->af = af == AF_INET6 ? AF_INET6 : AF_INET;
	memcpy(chk->addr, addr, chk->af == AF_INET6 ? 16 : 4);
	inet_ntop(chk->af, chk->addr, chk->out.query, sizeof(chk->out.query));
	return start(chk, dns, zones, nzones, cb, arg);
}

void
register_check_free(struct register_check *chk)
{
	if (chk == NULL)
		return;
	for (size_t i = 0; i < REGISTER_ZONES_MAX; i++)
		for (int k = 0; k < 2; k++)
			if (chk->slots[i][k].id)
				dns_client_cancel(chk->dns, chk->slots[i][k].id);
	event_free(chk->ready_ev);
	free(chk);
}

const struct register_outcome *
register_check_outcome(const struct register_check *chk)
{
	return &chk->out;
}

struct rg_wait {
	struct register_outcome *out;
	int done;
};

static void
sync_cb(const struct register_outcome *o, void *arg)
{
	struct rg_wait *w = arg;

	*w->out = *o;
	w->done = 1;
}

void
register_check_sync(struct dns_client *dns, const char *const *zones, size_t nzones,
    const char *name_or_ip, struct register_outcome *out)
{
	struct rg_wait w = { out, 0 };
	unsigned char a[16];
	struct register_check *chk;

	if (inet_pton(AF_INET, name_or_ip, a) == 1)
		chk = register_check_addr(dns, zones, nzones, AF_INET, a, sync_cb, &w);
	else if (inet_pton(AF_INET6, name_or_ip, a) == 1)
		chk = register_check_addr(dns, zones, nzones, AF_INET6, a, sync_cb, &w);
	else
		chk = register_check_name(dns, zones, nzones, name_or_ip, sync_cb, &w);
	while (!w.done)
		if (event_base_loop(dns_client_base(dns), EVLOOP_ONCE) < 0)
			break;
	if (!w.done)
		*out = chk->out;
	register_check_free(chk);
}
