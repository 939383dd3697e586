/*
 * dnslist: DNSBL/DNSWL lookups (see dnslist.h). One A query per zone, all
 * at once; a TXT query follows for each zone that lists the address.
 * Every query has a slot inside the check, the callback's argument, so
 * freeing the check cancels exactly what is in flight.
 */
#include "auth/dnslist.h"

#include <arpa/inet.h>
#include <event2/event.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns.h"
#include "dns/dns_result.h"
#include "util/log.h"
#include "util/str.h"
#include "util/xmalloc.h"

/* An IPv6 query name takes 64 octets before the zone (RFC 5782 2.4). */
#define ZONE_MAX (DNS_NAME_MAX - 64)

struct dl_slot {
	struct dnslist_check *chk;
	size_t zone;
	uint64_t id; /* query in flight, 0 when none */
};

struct dnslist_check {
	struct dns_client *dns;
	dnslist_cb cb;
	void *arg;
	struct dnslist_zone zones[DNSLIST_ZONES_MAX];
	char qname[DNSLIST_ZONES_MAX][DNS_NAME_MAX + 1];
	struct dl_slot slots[DNSLIST_ZONES_MAX][2]; /* A, then TXT */
	unsigned pending;
	struct event *ready_ev;
	int done;
	struct dnslist_outcome out;
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
dnslist_result_name(enum dnslist_result r)
{
	static const char *const names[] = { "notlisted", "listed", "temperror" };

	return (unsigned)r < sizeof(names) / sizeof(names[0]) ? names[r] : "?";
}

/* --- zone settings (pure) --------------------------------------------- */

static int
parse_number(const char **pp, unsigned *v)
{
	const char *p = *pp;
	unsigned n = 0;
	int digits = 0;

	while (*p >= '0' && *p <= '9' && digits < 4) {
		n = n * 10 + (unsigned)(*p++ - '0');
		digits++;
	}
	if (digits == 0 || digits > 3 || n > 255)
		return -1;
	*v = n;
	*pp = p;
	return 0;
}

static void
set_range(uint8_t bits[32], unsigned lo, unsigned hi)
{
	for (unsigned i = lo; i <= hi; i++)
		bits[i / 8] |= (uint8_t)(1u << (i % 8));
}

/* One octet of a pattern: "N" or "[N;N..M;...]". */
static int
parse_octet(const char **pp, uint8_t bits[32])
{
	const char *p = *pp;
	unsigned lo, hi;

	if (*p != '[') {
		if (parse_number(&p, &lo) < 0)
			return -1;
		set_range(bits, lo, lo);
		*pp = p;
		return 0;
	}
	p++;
	for (;;) {
		if (parse_number(&p, &lo) < 0)
			return -1;
		hi = lo;
		if (p[0] == '.' && p[1] == '.') {
			p += 2;
			if (parse_number(&p, &hi) < 0 || hi < lo)
				return -1;
		}
		set_range(bits, lo, hi);
		if (*p == ';') {
			p++;
			continue;
		}
		if (*p != ']')
			return -1;
		*pp = p + 1;
		return 0;
	}
}

int
dnslist_zone_parse(const char *spec, struct dnslist_zone *out, char *err, size_t errsz)
{
	const char *eq = strchr(spec, '=');
	size_t zl = eq ? (size_t)(eq - spec) : strlen(spec);

	memset(out, 0, sizeof(*out));
	if (str_copy(out->spec, sizeof(out->spec), spec) >= sizeof(out->spec)) {
		snprintf(err, errsz, "'%.60s...': too long", spec);
		return -1;
	}
	if (zl > 1 && spec[zl - 1] == '.')
		zl--;
	if (zl == 0 || zl > ZONE_MAX) {
		snprintf(err, errsz, "'%.80s': a zone name of 1 to %d characters is needed", spec,
		    ZONE_MAX);
		return -1;
	}
	for (size_t i = 0; i < zl; i++) {
		char c = spec[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		        c == '-' || c == '_' || c == '.')) {
			snprintf(err, errsz, "'%.80s': not a zone name", spec);
			return -1;
		}
	}
	memcpy(out->zone, spec, zl);
	out->zone[zl] = '\0';
	str_lower(out->zone);
	if (dns_name_check(out->zone) < 0 || out->zone[0] == '.') {
		snprintf(err, errsz, "'%.80s': not a zone name", spec);
		return -1;
	}
	if (eq == NULL)
		return 0;
	/* RFC 5782 2.1: the codes are A records; each octet gets a set. */
	const char *p = eq + 1;
	for (int i = 0; i < 4; i++) {
		if ((i > 0 && *p++ != '.') || parse_octet(&p, out->octet[i]) < 0) {
			snprintf(err, errsz,
			    "'%.80s': the codes after '=' must look like "
			    "127.0.0.2 or 127.0.0.[2..11;20]",
			    spec);
			return -1;
		}
	}
	if (*p != '\0') {
		snprintf(err, errsz, "'%.80s': unexpected text after the codes", spec);
		return -1;
	}
	out->filtered = 1;
	return 0;
}

int
dnslist_zone_matches(const struct dnslist_zone *z, struct in_addr a)
{
	const unsigned char *b = (const unsigned char *)&a;

	if (!z->filtered)
		return 1;
	for (int i = 0; i < 4; i++)
		if (!(z->octet[i][b[i] / 8] & (1u << (b[i] % 8))))
			return 0;
	return 1;
}

int
dnslist_qname(int af, const void *addr, const char *zone, char *out, size_t outsz)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *b = addr;
	struct strbuf sb;
	int rc = 0;

	strbuf_init(&sb, DNS_NAME_MAX);
	if (af == AF_INET) {
		rc = strbuf_printf(&sb, "%u.%u.%u.%u.%s", b[3], b[2], b[1], b[0], zone);
	} else if (af == AF_INET6) {
		/* RFC 5782 2.4: 32 nibbles, least significant first, as ip6.arpa. */
		for (int i = 15; i >= 0 && rc == 0; i--)
			rc = strbuf_printf(&sb, "%c.%c.", hex[b[i] & 15], hex[b[i] >> 4]);
		if (rc == 0)
			rc = strbuf_puts(&sb, zone);
	} else {
		rc = -1;
	}
	if (rc < 0 || sb.s == NULL || sb.len >= outsz || dns_name_check(sb.s) < 0) {
		strbuf_free(&sb);
		return -1;
	}
	memcpy(out, sb.s, sb.len + 1);
	strbuf_free(&sb);
	return 0;
}

/* --- lookups ------------------------------------------------------------ */

static void
finish(struct dnslist_check *chk)
{
	struct dnslist_outcome *o = &chk->out;

	for (size_t i = 0; i < o->nzones; i++) {
		o->listed |= o->zones[i].result == DNSLIST_LISTED;
		o->temperror |= o->zones[i].result == DNSLIST_TEMPERROR;
		if (log_enabled(LOG_LVL_DEBUG))
			log_debug("event=dnslist address=%s zone=%s result=%s", o->address,
			    o->zones[i].zone, dnslist_result_name(o->zones[i].result));
	}
	chk->done = 1;
	chk->cb(o, chk->arg);
}

static void
clean_copy(char *dst, size_t dstsz, const char *src, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < len && o + 1 < dstsz; i++)
		dst[o++] =
		    (unsigned char)src[i] >= 0x20 && (unsigned char)src[i] < 0x7f ? src[i] : '?';
	dst[o] = '\0';
}

static void
codes_text(const struct dnslist_zone_result *z, char *out, size_t outsz)
{
	size_t o = 0;

	out[0] = '\0';
	for (size_t i = 0; i < z->ncodes && o + INET_ADDRSTRLEN + 2 < outsz; i++) {
		if (i)
			out[o++] = ' ';
		inet_ntop(AF_INET, &z->codes[i], out + o, (socklen_t)(outsz - o));
		o += strlen(out + o);
	}
}

static void
on_txt(struct dns_result *res, void *arg)
{
	struct dl_slot *s = arg;
	struct dnslist_check *chk = s->chk;
	struct dnslist_zone_result *z = &chk->out.zones[s->zone];

	s->id = 0;
	for (size_t i = 0; i < res->nrr; i++) {
		if (res->status == DNS_ANSWER && res->rr[i].type == DNS_T_TXT) {
			clean_copy(
			    z->text, sizeof(z->text), res->rr[i].u.txt.data, res->rr[i].u.txt.len);
			char listed[sizeof(z->reason)];
			str_copy(listed, sizeof(listed), z->reason);
			say(z->reason, sizeof(z->reason), "%s: %s", listed, z->text);
			break;
		}
	}
	dns_result_free(res);
	if (--chk->pending == 0)
		finish(chk);
}

/* RFC 5782 2.1: what an A answer says. */
static void
judge_a(struct dnslist_check *chk, size_t zi, const struct dns_result *res)
{
	struct dnslist_zone_result *z = &chk->out.zones[zi];
	const struct dnslist_zone *cfg = &chk->zones[zi];
	const char *addr = chk->out.address;
	char codes[DNSLIST_CODES_MAX * (INET_ADDRSTRLEN + 1)];
	int counted = 0, outside = 0, refused = 0;

	switch (res->status) {
	case DNS_ANSWER: break;
	case DNS_NXDOMAIN:
		z->result = DNSLIST_NOT_LISTED;
		say(z->reason, sizeof(z->reason), "%s is not listed in %s", addr, z->zone);
		return;
	case DNS_NODATA:
		z->result = DNSLIST_TEMPERROR;
		say(z->reason, sizeof(z->reason),
		    "%s gave no A record and no NXDOMAIN for %s (RFC 5782 2.1)", z->zone, addr);
		return;
	default:
		z->result = DNSLIST_TEMPERROR;
		say(z->reason, sizeof(z->reason), "cannot ask %s about %s (DNS: %s)", z->zone, addr,
		    res->why ? res->why : dns_status_name(res->status));
		return;
	}
	for (size_t i = 0; i < res->nrr; i++) {
		if (res->rr[i].type != DNS_T_A)
			continue;
		const unsigned char *b = (const unsigned char *)&res->rr[i].u.a;
		if (z->ncodes < DNSLIST_CODES_MAX)
			z->codes[z->ncodes++] = res->rr[i].u.a;
		if (b[0] != 127)
			outside = 1;
		else if (b[1] == 255 && b[2] == 255)
			refused = 1; /* lists' own error codes, e.g. "public resolver" */
		else if (dnslist_zone_matches(cfg, res->rr[i].u.a))
			counted = 1;
	}
	codes_text(z, codes, sizeof(codes));
	if (outside || refused || z->ncodes == 0) {
		z->result = DNSLIST_TEMPERROR;
		say(z->reason, sizeof(z->reason),
		    outside
		        ? "%s answered %s for %s, outside 127.0.0.0/8 (RFC 5782 2.1): broken list or rewritten answer"
		        : "%s answered %s for %s: the list refused the query",
		    z->zone, codes, addr);
		return;
	}
	if (!counted) {
		z->result = DNSLIST_NOT_LISTED;
		say(z->reason, sizeof(z->reason),
		    "%s is listed in %s as %s, which %s does not count", addr, z->zone, codes,
		    cfg->spec);
		return;
	}
	z->result = DNSLIST_LISTED;
	say(z->reason, sizeof(z->reason), "%s is listed in %s (%s)", addr, z->zone, codes);
}

static void
on_a(struct dns_result *res, void *arg)
{
	struct dl_slot *s = arg;
	struct dnslist_check *chk = s->chk;

	s->id = 0;
	judge_a(chk, s->zone, res);
	dns_result_free(res);
	if (chk->out.zones[s->zone].result == DNSLIST_LISTED) {
		/* RFC 5782 2.1: the TXT record at the same name says why. */
		struct dl_slot *t = &chk->slots[s->zone][1];
		t->chk = chk;
		t->zone = s->zone;
		chk->pending++;
		t->id = dns_client_lookup(chk->dns, chk->qname[s->zone], DNS_T_TXT, on_txt, t);
	}
	if (--chk->pending == 0)
		finish(chk);
}

static void
on_ready(evutil_socket_t fd, short what, void *arg)
{
	finish(arg);
}

struct dnslist_check *
dnslist_check_start(struct dns_client *dns, const struct dnslist_zone *zones, size_t nzones, int af,
    const void *addr, dnslist_cb cb, void *arg)
{
	struct dnslist_check *chk = xcalloc(1, sizeof(*chk));
	struct dnslist_outcome *o = &chk->out;

	chk->dns = dns;
	chk->cb = cb;
	chk->arg = arg;
	chk->ready_ev = event_new(dns_client_base(dns), -1, 0, on_ready, chk);
	if (chk->ready_ev == NULL)
		log_panic("dnslist: event_new failed");
	if (nzones > DNSLIST_ZONES_MAX)
		nzones = DNSLIST_ZONES_MAX;
	inet_ntop(af, addr, o->address, sizeof(o->address));
	o->nzones = nzones;
	for (size_t i = 0; i < nzones; i++) {
		chk->zones[i] = zones[i];
		str_copy(o->zones[i].zone, sizeof(o->zones[i].zone), zones[i].zone);
		if (dnslist_qname(af, addr, zones[i].zone, chk->qname[i], sizeof(chk->qname[i])) <
		    0) {
			/* Only a zone that did not come through dnslist_zone_parse(). */
			o->zones[i].result = DNSLIST_TEMPERROR;
			snprintf(o->zones[i].reason, sizeof(o->zones[i].reason),
			    "cannot make a query name under %s", zones[i].zone);
			continue;
		}
		chk->pending++;
	}
	if (chk->pending == 0) {
		event_active(chk->ready_ev, 0, 0);
		return chk;
	}
	for (size_t i = 0; i < nzones; i++) {
		if (chk->qname[i][0] == '\0')
			continue;
		struct dl_slot *s = &chk->slots[i][0];
		s->chk = chk;
		s->zone = i;
		s->id = dns_client_lookup(dns, chk->qname[i], DNS_T_A, on_a, s);
	}
	return chk;
}

void
dnslist_check_free(struct dnslist_check *chk)
{
	if (chk == NULL)
		return;
	for (size_t i = 0; i < DNSLIST_ZONES_MAX; i++)
		for (int k = 0; k < 2; k++)
			if (chk->slots[i][k].id)
				dns_client_cancel(chk->dns, chk->slots[i][k].id);
	event_free(chk->ready_ev);
	free(chk);
}

const struct dnslist_outcome *
dnslist_check_outcome(const struct dnslist_check *chk)
{
	return &chk->out;
}

struct dl_wait {
	struct dnslist_outcome *out;
	int done;
};

static void
sync_cb(const struct dnslist_outcome *o, void *arg)
{
	struct dl_wait *w = arg;

	*w->out = *o;
	w->done = 1;
}

void
dnslist_check_sync(struct dns_client *dns, const struct dnslist_zone *zones, size_t nzones, int af,
    const void *addr, struct dnslist_outcome *out)
{
	struct dl_wait w = { out, 0 };
	struct dnslist_check *chk = dnslist_check_start(dns, zones, nzones, af, addr, sync_cb, &w);

	while (!w.done)
		if (event_base_loop(dns_client_base(dns), EVLOOP_ONCE) < 0)
			break;
	if (!w.done)
		*out = chk->out;
	dnslist_check_free(chk);
}
