/*
 * reg_zone: building, looking up and printing the register zone
 * (see reg_zone.h).
 */
#include "reg_zone.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "reg_err.h"
#include "util/xmalloc.h"

struct builder {
	struct reg_zone_rr *v;
	size_t n, cap;
};

static void
add(struct builder *b, const struct dns_wire_name *owner, uint16_t type, uint32_t ttl,
    const void *rdata, size_t rdlen)
{
	struct reg_zone_rr *rr;

	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 64;
		b->v = xrealloc(b->v, b->cap * sizeof(*b->v));
	}
	rr = &b->v[b->n++];
	rr->owner = *owner;
	dns_wire_name_lower(&rr->owner);
	rr->type = type;
	rr->ttl = ttl;
	rr->rdlen = (uint16_t)rdlen;
	rr->rdata = xmemdup(rdata, rdlen);
}

int
reg_zone_rr_cmp(const struct reg_zone_rr *a, const struct reg_zone_rr *b)
{
	int c = dns_wire_name_cmp(&a->owner, &b->owner);
	size_t n;

	if (c)
		return c;
	/* the SOA sorts first at the apex so transfers can start with it */
	if (a->type != b->type) {
		if (a->type == DNS_TYPE_SOA || b->type == DNS_TYPE_SOA)
			return a->type == DNS_TYPE_SOA ? -1 : 1;
		return (int)a->type - (int)b->type;
	}
	n = a->rdlen < b->rdlen ? a->rdlen : b->rdlen;
	c = memcmp(a->rdata, b->rdata, n);
	return c ? c : (int)a->rdlen - (int)b->rdlen;
}

static int
rr_cmp(const void *pa, const void *pb)
{
	return reg_zone_rr_cmp(pa, pb);
}

int
reg_zone_host_name(const char *zone, const char *hostname, struct dns_wire_name *out)
{
	char text[DNS_WIRE_TEXT_MAX];

	if ((size_t)snprintf(text, sizeof(text), "%s.%s", hostname, zone) >= sizeof(text))
		return REG_EINVAL;
	return dns_wire_name_from_text(text, out) == DNS_WIRE_OK ? REG_OK : REG_EINVAL;
}

int
reg_zone_ip_name(const char *zone, const char *addr, struct dns_wire_name *out)
{
	unsigned char b[16];
	char text[DNS_WIRE_TEXT_MAX];
	size_t o = 0;

	if (inet_pton(AF_INET, addr, b) == 1) {
		o = (size_t)snprintf(text, sizeof(text), "%u.%u.%u.%u", b[3], b[2], b[1], b[0]);
	} else if (inet_pton(AF_INET6, addr, b) == 1) {
		static const char hx[] = "0123456789abcdef";
		for (int i = 15; i >= 0; i--) {
			text[o++] = hx[b[i] & 15];
			text[o++] = '.';
			text[o++] = hx[b[i] >> 4];
			text[o++] = i ? '.' : '\0';
		}
		o--;
	} else {
		return REG_EINVAL;
	}
	if ((size_t)snprintf(text + o, sizeof(text) - o, ".ip.%s", zone) >= sizeof(text) - o)
		return REG_EINVAL;
	return dns_wire_name_from_text(text, out) == DNS_WIRE_OK ? REG_OK : REG_EINVAL;
}

static size_t
txt_rdata(const char *text, uint8_t *out, size_t cap)
{
	struct dns_wire_writer w;

	dns_wire_writer_init(&w, out, cap);
	if (dns_wire_put_txt(&w, text, strlen(text)) != DNS_WIRE_OK)
		return 0;
	return w.len;
}

/* Address names of one server: A .2/.3 and a TXT naming the host. */
static void
add_ip_names(struct builder *b, const struct reg_zone_params *p, const struct reg_zone_server *s,
    size_t *skipped)
{
	for (size_t k = 0; k < s->naddrs; k++) {
		struct dns_wire_name n;
		uint8_t a[4] = { 127, 0, 0, (uint8_t)(s->suspended ? 3 : 2) }, txt[600];
		char t[400];
		size_t tl;
		int dup = 0;

		if (reg_zone_ip_name(p->zone, s->addrs[k], &n) != REG_OK) {
			if (skipped)
				(*skipped)++;
			continue;
		}
		dns_wire_name_lower(&n);
		/* one A per address name: active wins over suspended */
		for (size_t i = 0; i < b->n; i++) {
			if (b->v[i].type == DNS_TYPE_A && dns_wire_name_eq(&b->v[i].owner, &n)) {
				if (!s->suspended)
					b->v[i].rdata[3] = 2;
				dup = 1;
			}
		}
		if (!dup)
			add(b, &n, DNS_TYPE_A, p->ttl, a, 4);
		snprintf(t, sizeof(t), "v=vouch1; host=%s", s->hostname);
		if ((tl = txt_rdata(t, txt, sizeof(txt))) > 0)
			add(b, &n, DNS_TYPE_TXT, p->ttl, txt, tl);
	}
}

static void
put_name_raw(uint8_t *buf, size_t *o, const struct dns_wire_name *n)
{
	memcpy(buf + *o, n->b, n->len);
	*o += n->len;
}

static void
put32(uint8_t *buf, size_t *o, uint32_t v)
{
	buf[(*o)++] = (uint8_t)(v >> 24);
	buf[(*o)++] = (uint8_t)(v >> 16);
	buf[(*o)++] = (uint8_t)(v >> 8);
	buf[(*o)++] = (uint8_t)v;
}

/* One "name=address" glue entry: an A or AAAA record inside the zone. */
static int
add_glue(struct builder *b, const struct dns_wire_name *apex, const char *entry, uint32_t ttl,
    struct strbuf *err)
{
	const char *eq = strchr(entry, '=');
	char name[DNS_WIRE_TEXT_MAX];
	struct dns_wire_name owner;
	uint8_t addr[16];
	size_t nl;

	if (eq == NULL || (nl = (size_t)(eq - entry)) == 0 || nl >= sizeof(name))
		goto bad;
	memcpy(name, entry, nl);
	name[nl] = '\0';
	if (dns_wire_name_from_text(name, &owner) != DNS_WIRE_OK)
		goto bad;
	dns_wire_name_lower(&owner);
	if (!dns_wire_name_is_under(&owner, apex)) {
		strbuf_printf(err, "ns_address '%s' is outside the zone", entry);
		return REG_EINVAL;
	}
	if (inet_pton(AF_INET, eq + 1, addr) == 1)
		add(b, &owner, DNS_TYPE_A, ttl, addr, 4);
	else if (inet_pton(AF_INET6, eq + 1, addr) == 1)
		add(b, &owner, DNS_TYPE_AAAA, ttl, addr, 16);
	else
		goto bad;
	return REG_OK;
bad:
	strbuf_printf(err, "ns_address '%s' is not name=address", entry);
	return REG_EINVAL;
}

int
reg_zone_build(const struct reg_zone_params *p, const struct reg_zone_server *servers, size_t n,
    struct reg_zone **out, size_t *skipped, struct strbuf *err)
{
	struct builder b = { NULL, 0, 0 };
	struct reg_zone *z;
	struct dns_wire_name apex, mname, rname;
	char text[DNS_WIRE_TEXT_MAX];
	uint8_t rd[2 * DNS_WIRE_NAME_MAX + 20];
	size_t o = 0;

	*out = NULL;
	if (skipped)
		*skipped = 0;
	if (dns_wire_name_from_text(p->zone, &apex) != DNS_WIRE_OK) {
		strbuf_printf(err, "zone '%s' is not a valid name", p->zone);
		return REG_EINVAL;
	}
	dns_wire_name_lower(&apex);
	/* SOA: MNAME is the first NS, RNAME hostmaster.<zone> unless set */
	if (p->nns > 0) {
		if (dns_wire_name_from_text(p->ns[0], &mname) != DNS_WIRE_OK) {
			strbuf_printf(err, "ns '%s' is not a valid name", p->ns[0]);
			return REG_EINVAL;
		}
	} else {
		snprintf(text, sizeof(text), "ns.%s", p->zone);
		if (dns_wire_name_from_text(text, &mname) != DNS_WIRE_OK) {
			strbuf_printf(err, "zone '%s' is too long", p->zone);
			return REG_EINVAL;
		}
	}
	if (p->soa_rname && p->soa_rname[0])
		str_copy(text, sizeof(text), p->soa_rname);
	else
		snprintf(text, sizeof(text), "hostmaster.%s", p->zone);
	if (dns_wire_name_from_text(text, &rname) != DNS_WIRE_OK) {
		strbuf_printf(err, "soa_rname '%s' is not a valid name", text);
		return REG_EINVAL;
	}
	put_name_raw(rd, &o, &mname);
	put_name_raw(rd, &o, &rname);
	put32(rd, &o, p->serial);
	put32(rd, &o, p->refresh);
	put32(rd, &o, p->retry);
	put32(rd, &o, p->expire);
	put32(rd, &o, p->minimum);
	add(&b, &apex, DNS_TYPE_SOA, p->ttl, rd, o);
	if (p->nns == 0) {
		add(&b, &apex, DNS_TYPE_NS, p->ttl, mname.b, mname.len);
	}
	for (size_t i = 0; i < p->nns; i++) {
		struct dns_wire_name ns;
		if (dns_wire_name_from_text(p->ns[i], &ns) != DNS_WIRE_OK) {
			strbuf_printf(err, "ns '%s' is not a valid name", p->ns[i]);
			goto fail;
		}
		dns_wire_name_lower(&ns);
		add(&b, &apex, DNS_TYPE_NS, p->ttl, ns.b, ns.len);
	}
	for (size_t i = 0; i < p->nglue; i++) {
		if (add_glue(&b, &apex, p->glue[i], p->ttl, err) != REG_OK)
			goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		const struct reg_zone_server *s = &servers[i];
		struct dns_wire_name hn;
		uint8_t a[4] = { 127, 0, 0, (uint8_t)(s->suspended ? 3 : 2) }, txt[600];
		char t[400], day[16];
		time_t since = (time_t)s->since;
		struct tm tm;
		size_t tl;

		if (reg_zone_host_name(p->zone, s->hostname, &hn) != REG_OK) {
			if (skipped)
				(*skipped)++;
			continue;
		}
		add(&b, &hn, DNS_TYPE_A, p->ttl, a, 4);
		gmtime_r(&since, &tm);
		strftime(day, sizeof(day), "%Y-%m-%d", &tm);
		snprintf(t, sizeof(t), "v=vouch1; class=%s; since=%s; sponsors=%d", s->mclass, day,
		    s->sponsors);
		if ((tl = txt_rdata(t, txt, sizeof(txt))) > 0)
			add(&b, &hn, DNS_TYPE_TXT, p->ttl, txt, tl);
		add_ip_names(&b, p, s, skipped);
	}
	qsort(b.v, b.n, sizeof(*b.v), rr_cmp);
	/* drop exact duplicates (two servers sharing an address and name) */
	{
		size_t w = 0;
		for (size_t i = 0; i < b.n; i++) {
			if (w > 0 && rr_cmp(&b.v[w - 1], &b.v[i]) == 0) {
				free(b.v[i].rdata);
				continue;
			}
			b.v[w++] = b.v[i];
		}
		b.n = w;
	}
	z = xcalloc(1, sizeof(*z));
	z->refs = 1;
	z->apex = apex;
	z->serial = p->serial;
	z->rrs = b.v;
	z->n = b.n;
	z->soa = 0; /* apex sorts first, SOA first within it */
	*out = z;
	return REG_OK;
fail:
	for (size_t i = 0; i < b.n; i++)
		free(b.v[i].rdata);
	free(b.v);
	return REG_EINVAL;
}

struct reg_zone *
reg_zone_ref(struct reg_zone *z)
{
	if (z)
		z->refs++;
	return z;
}

void
reg_zone_unref(struct reg_zone *z)
{
	if (z == NULL || --z->refs > 0)
		return;
	for (size_t i = 0; i < z->n; i++)
		free(z->rrs[i].rdata);
	free(z->rrs);
	free(z);
}

/* First index whose owner is >= name in canonical order. */
static size_t
lower_bound(const struct reg_zone *z, const struct dns_wire_name *name)
{
	size_t lo = 0, hi = z->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (dns_wire_name_cmp(&z->rrs[mid].owner, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

size_t
reg_zone_find(const struct reg_zone *z, const struct dns_wire_name *name, size_t *count)
{
	size_t i = lower_bound(z, name), j = i;

	while (j < z->n && dns_wire_name_cmp(&z->rrs[j].owner, name) == 0)
		j++;
	*count = j - i;
	return i;
}

int
reg_zone_name_exists(const struct reg_zone *z, const struct dns_wire_name *name)
{
	size_t i = lower_bound(z, name);

	/* canonical order puts a name's descendants right after it */
	return i < z->n && dns_wire_name_is_under(&z->rrs[i].owner, name);
}

int
reg_zone_put_rr(struct dns_wire_writer *w, const struct reg_zone_rr *rr)
{
	struct dns_wire_mark m = dns_wire_mark(w);
	size_t at, end;
	struct dns_wire_name n1, n2;

	if (rr->type != DNS_TYPE_NS && rr->type != DNS_TYPE_SOA)
		return dns_wire_put_rr(
		    w, &rr->owner, rr->type, DNS_CLASS_IN, rr->ttl, rr->rdata, rr->rdlen);
	/* RFC 1035 4.1.4: names in NS and SOA RDATA may be compressed */
	if (dns_wire_rr_begin(w, &rr->owner, rr->type, DNS_CLASS_IN, rr->ttl, &at) != DNS_WIRE_OK)
		goto nospace;
	if (dns_wire_name_at(rr->rdata, rr->rdlen, 0, &n1, &end) != DNS_WIRE_OK ||
	    dns_wire_put_name(w, &n1, 1) != DNS_WIRE_OK)
		goto nospace;
	if (rr->type == DNS_TYPE_SOA) {
		size_t end2;
		if (dns_wire_name_at(rr->rdata, rr->rdlen, end, &n2, &end2) != DNS_WIRE_OK ||
		    dns_wire_put_name(w, &n2, 1) != DNS_WIRE_OK || end2 + 20 > rr->rdlen ||
		    dns_wire_put_bytes(w, rr->rdata + end2, 20) != DNS_WIRE_OK)
			goto nospace;
	}
	if (dns_wire_rr_end(w, at) != DNS_WIRE_OK)
		goto nospace;
	return DNS_WIRE_OK;
nospace:
	dns_wire_rollback(w, m);
	return DNS_WIRE_ESPACE;
}

static int
print_rr(const struct reg_zone_rr *rr, struct strbuf *out)
{
	char owner[DNS_WIRE_TEXT_MAX], n1[DNS_WIRE_TEXT_MAX], n2[DNS_WIRE_TEXT_MAX];
	struct dns_wire_name a, b;
	size_t end, end2;

	dns_wire_name_to_text(&rr->owner, owner, sizeof(owner));
	switch (rr->type) {
	case DNS_TYPE_A:
		return strbuf_printf(out, "%s %u IN A %u.%u.%u.%u\n", owner, rr->ttl, rr->rdata[0],
		    rr->rdata[1], rr->rdata[2], rr->rdata[3]);
	case DNS_TYPE_AAAA: {
		char ip[INET6_ADDRSTRLEN];
		if (rr->rdlen != 16 || inet_ntop(AF_INET6, rr->rdata, ip, sizeof(ip)) == NULL)
			return -1;
		return strbuf_printf(out, "%s %u IN AAAA %s\n", owner, rr->ttl, ip);
	}
	case DNS_TYPE_NS:
		if (dns_wire_name_at(rr->rdata, rr->rdlen, 0, &a, &end) != DNS_WIRE_OK)
			return -1;
		dns_wire_name_to_text(&a, n1, sizeof(n1));
		return strbuf_printf(out, "%s %u IN NS %s\n", owner, rr->ttl, n1);
	case DNS_TYPE_SOA:
		if (dns_wire_name_at(rr->rdata, rr->rdlen, 0, &a, &end) != DNS_WIRE_OK ||
		    dns_wire_name_at(rr->rdata, rr->rdlen, end, &b, &end2) != DNS_WIRE_OK ||
		    end2 + 20 > rr->rdlen)
			return -1;
		dns_wire_name_to_text(&a, n1, sizeof(n1));
		dns_wire_name_to_text(&b, n2, sizeof(n2));
		return strbuf_printf(out, "%s %u IN SOA %s %s %u %u %u %u %u\n", owner, rr->ttl, n1,
		    n2, dns_wire_get_u32(rr->rdata + end2), dns_wire_get_u32(rr->rdata + end2 + 4),
		    dns_wire_get_u32(rr->rdata + end2 + 8), dns_wire_get_u32(rr->rdata + end2 + 12),
		    dns_wire_get_u32(rr->rdata + end2 + 16));
	case DNS_TYPE_TXT:
		if (strbuf_printf(out, "%s %u IN TXT", owner, rr->ttl) < 0)
			return -1;
		for (size_t i = 0; i < rr->rdlen;) {
			size_t l = rr->rdata[i++];
			if (strbuf_puts(out, " \"") < 0)
				return -1;
			for (size_t k = 0; k < l && i < rr->rdlen; k++, i++) {
				unsigned char c = rr->rdata[i];
				/* RFC 1035 5.1: quote '"' and '\', \DDD for the rest */
				if (c == '"' || c == '\\') {
					if (strbuf_printf(out, "\\%c", c) < 0)
						return -1;
				} else if (c < 0x20 || c >= 0x7f) {
					if (strbuf_printf(out, "\\%03u", c) < 0)
						return -1;
				} else if (strbuf_append(out, &c, 1) < 0) {
					return -1;
				}
			}
			if (strbuf_puts(out, "\"") < 0)
				return -1;
		}
		return strbuf_puts(out, "\n");
	}
	return 0;
}

int
reg_zone_write_text(const struct reg_zone *z, struct strbuf *out)
{
	char apex[DNS_WIRE_TEXT_MAX];

	dns_wire_name_to_text(&z->apex, apex, sizeof(apex));
	if (strbuf_printf(out,
	        "; vouch-registry zone %s serial %u (RFC 1035 master file)\n"
	        "$ORIGIN %s\n$TTL %u\n",
	        apex, z->serial, apex, z->n ? z->rrs[0].ttl : 300) < 0)
		return REG_EINVAL;
	for (size_t i = 0; i < z->n; i++)
		if (print_rr(&z->rrs[i], out) < 0)
			return REG_EINVAL;
	return REG_OK;
}
