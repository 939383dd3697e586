/*
 * reg_answer: authoritative answers for the register zone (see reg_answer.h).
 */
#include "reg_answer.h"

#include <stdlib.h>
#include <string.h>

#include "util/xmalloc.h"

#define OUR_EDNS_VERSION 0
#define XFR_MSG_TARGET 16384 /* transfer messages are cut near this size */

static void
put_header(struct dns_wire_writer *w, uint16_t id, uint16_t flags, uint16_t qd, uint16_t an,
    uint16_t ns, uint16_t ar)
{
	struct dns_wire_header h = { id, flags, qd, an, ns, ar };

	dns_wire_put_header(w, &h);
}

/* RFC 6891 6.1.2: OPT owner is the root; CLASS carries our payload size. */
static int
put_opt(struct dns_wire_writer *w, size_t size, int ext_rcode)
{
	struct dns_wire_name root = { 1, { 0 } };
	uint32_t ttl = ((uint32_t)ext_rcode << 24) | ((uint32_t)OUR_EDNS_VERSION << 16);

	return dns_wire_put_rr(w, &root, DNS_TYPE_OPT, (uint16_t)size, ttl, NULL, 0);
}

/* A header-and-question-only response with rcode. */
static size_t
error_reply(uint16_t id, uint16_t qflags, const struct dns_wire_question *q, int have_q, int rcode,
    int edns, size_t edns_size, uint8_t *out)
{
	struct dns_wire_writer w;
	uint16_t flags = DNS_FLAG_QR | (qflags & (0x7800 | DNS_FLAG_RD)) | (rcode & 0xf);
	uint16_t ar = 0;

	dns_wire_writer_init(&w, out, DNS_WIRE_UDP_MIN);
	put_header(&w, id, flags, have_q ? 1 : 0, 0, 0, 0);
	if (have_q)
		dns_wire_put_question(&w, &q->name, q->qtype, q->qclass);
	if (edns && put_opt(&w, edns_size, rcode >> 4) == DNS_WIRE_OK)
		ar = 1;
	put_header(&w, id, flags, have_q ? 1 : 0, 0, 0, ar);
	return w.len;
}

/* Append RRs [first, first+count) of type (ANY = all); count how many fit. */
static int
put_rrset(struct dns_wire_writer *w, const struct reg_zone *z, size_t first, size_t count,
    uint16_t qtype, uint16_t *added)
{
	for (size_t i = first; i < first + count; i++) {
		const struct reg_zone_rr *rr = &z->rrs[i];
		if (qtype != DNS_TYPE_ANY && rr->type != qtype)
			continue;
		if (reg_zone_put_rr(w, rr) != DNS_WIRE_OK)
			return -1;
		(*added)++;
	}
	return 0;
}

/*
 * RFC 1995 4: the difference from old to new as one deletion and one
 * addition list (a condensed sequence, 5). Both zones are in canonical
 * order, so one merge walk finds them; SOAs are sent separately.
 */
static void
diff(struct reg_answer_xfr *x, struct reg_zone *old, const struct reg_zone *new)
{
	size_t i = 0, j = 0;

	x->old = reg_zone_ref(old);
	x->del = xcalloc(old->n + 1, sizeof(size_t));
	x->add = xcalloc(new->n + 1, sizeof(size_t));
	while (i < old->n || j < new->n) {
		int c;

		if (i < old->n && old->rrs[i].type == DNS_TYPE_SOA) {
			i++;
			continue;
		}
		if (j < new->n &&new->rrs[j].type == DNS_TYPE_SOA) {
			j++;
			continue;
		}
		if (i >= old->n)
			c = 1;
		else if (j >= new->n)
			c = -1;
		else
			c = reg_zone_rr_cmp(&old->rrs[i], &new->rrs[j]);
		if (c == 0 && old->rrs[i].ttl != new->rrs[j].ttl) {
			x->del[x->ndel++] = i++;
			x->add[x->nadd++] = j++;
		} else if (c == 0) {
			i++;
			j++;
		} else if (c < 0) {
			x->del[x->ndel++] = i++;
		} else {
			x->add[x->nadd++] = j++;
		}
	}
}

size_t
reg_answer_xfr_total(const struct reg_answer_xfr *x)
{
	if (x->zone == NULL)
		return 0;
	/* new SOA, old SOA, deletions, new SOA, additions, new SOA */
	return x->old ? 4 + x->ndel + x->nadd : x->zone->n + 1;
}

/* The RR at position p of the transfer sequence. */
static const struct reg_zone_rr *
xfr_rr(const struct reg_answer_xfr *x, size_t p)
{
	const struct reg_zone *z = x->zone;

	if (x->old == NULL)
		return p == z->n ? &z->rrs[z->soa] : &z->rrs[p];
	if (p == 0)
		return &z->rrs[z->soa];
	if (p == 1)
		return &x->old->rrs[x->old->soa];
	p -= 2;
	if (p < x->ndel)
		return &x->old->rrs[x->del[p]];
	p -= x->ndel;
	if (p == 0)
		return &z->rrs[z->soa];
	p -= 1;
	if (p < x->nadd)
		return &z->rrs[x->add[p]];
	return &z->rrs[z->soa];
}

enum reg_answer_kind
reg_answer_query(struct reg_zone *z, const uint8_t *q, size_t qlen, const struct reg_answer_opts *o,
    uint8_t *out, size_t *outlen, struct reg_answer_xfr *xfr, struct reg_answer_info *info)
{
	struct dns_wire_reader r;
	struct dns_wire_header h;
	struct dns_wire_question qu;
	struct dns_wire_writer w;
	int edns = 0, have_q = 0, rcode = DNS_RCODE_NOERROR;
	size_t limit, edns_size = o->edns_size < DNS_WIRE_UDP_MIN ? DNS_WIRE_UDP_MIN : o->edns_size;
	uint16_t an = 0, ns = 0, ar = 0, flags;

	*outlen = 0;
	memset(info, 0, sizeof(*info));
	info->rcode = -1;
	info->opcode = -1;
	info->qname[0] = '\0';
	dns_wire_reader_init(&r, q, qlen);
	if (dns_wire_read_header(&r, &h) != DNS_WIRE_OK || (h.flags & DNS_FLAG_QR))
		return REG_ANSWER_DROP; /* RFC 1035 7.3: never answer a response */
	info->opcode = DNS_OPCODE(h.flags);
	if (h.qdcount >= 1 && dns_wire_read_question(&r, &qu) == DNS_WIRE_OK) {
		have_q = 1;
		info->qtype = qu.qtype;
		dns_wire_name_to_text(&qu.name, info->qname, sizeof(info->qname));
	}
	if (DNS_OPCODE(h.flags) != DNS_OPCODE_QUERY) {
		rcode = DNS_RCODE_NOTIMP;
		goto error;
	}
	if (h.qdcount != 1 || !have_q || h.ancount != 0 || h.nscount > 1) {
		rcode = DNS_RCODE_FORMERR;
		goto error;
	}
	/* skip the authority (IXFR carries the client's SOA there), find OPT */
	{
		unsigned total = (unsigned)h.nscount + h.arcount;
		uint32_t client_serial = 0;
		int have_client_soa = 0;

		for (unsigned i = 0; i < total; i++) {
			struct dns_wire_rr rr;
			if (dns_wire_read_rr(&r, &rr) != DNS_WIRE_OK) {
				rcode = DNS_RCODE_FORMERR;
				goto error;
			}
			if (i < h.nscount) {
				if (rr.type == DNS_TYPE_SOA) {
					struct dns_wire_name n1, n2;
					size_t e1, e2;
					if (dns_wire_name_at(q, qlen, rr.rdoff, &n1, &e1) ==
					        DNS_WIRE_OK &&
					    dns_wire_name_at(q, qlen, e1, &n2, &e2) ==
					        DNS_WIRE_OK &&
					    e2 + 4 <= rr.rdoff + rr.rdlength) {
						client_serial = dns_wire_get_u32(q + e2);
						have_client_soa = 1;
					}
				}
				continue;
			}
			if (rr.type == DNS_TYPE_OPT) {
				if (edns || rr.name.len != 1) {
					rcode = DNS_RCODE_FORMERR; /* RFC 6891 6.1.1 */
					goto error;
				}
				edns = 1;
				if (((rr.ttl >> 16) & 0xff) > OUR_EDNS_VERSION) {
					rcode = DNS_RCODE_BADVERS; /* RFC 6891 6.1.3 */
					goto error;
				}
				if (rr.rclass > DNS_WIRE_UDP_MIN && rr.rclass < edns_size)
					edns_size = rr.rclass;
				else if (rr.rclass <= DNS_WIRE_UDP_MIN)
					edns_size = DNS_WIRE_UDP_MIN;
			}
		}
		if (qu.qclass != DNS_CLASS_IN && qu.qclass != DNS_CLASS_ANY) {
			rcode = DNS_RCODE_REFUSED;
			goto error;
		}
		if (!dns_wire_name_is_under(&qu.name, &z->apex)) {
			rcode = DNS_RCODE_REFUSED; /* not authoritative, no recursion */
			goto error;
		}
		if (qu.qtype == DNS_TYPE_AXFR || qu.qtype == DNS_TYPE_IXFR) {
			if (!o->xfr_allowed || !dns_wire_name_eq(&qu.name, &z->apex)) {
				rcode = DNS_RCODE_REFUSED;
				goto error;
			}
			if (qu.qtype == DNS_TYPE_AXFR && !o->tcp) {
				rcode = DNS_RCODE_FORMERR; /* RFC 5936 4.2: AXFR is TCP only */
				goto error;
			}
			/* RFC 1995 2: up to date, or UDP that cannot carry the zone */
			if (qu.qtype == DNS_TYPE_IXFR &&
			    ((have_client_soa && (int32_t)(client_serial - z->serial) >= 0) ||
			        !o->tcp)) {
				qu.qtype = DNS_TYPE_SOA;
				goto answer;
			}
			memset(xfr, 0, sizeof(*xfr));
			xfr->zone = reg_zone_ref(z);
			xfr->id = h.id;
			xfr->q = qu;
			xfr->edns = edns;
			if (qu.qtype == DNS_TYPE_IXFR && have_client_soa) {
				for (size_t i = 0; i < o->nhistory; i++) {
					if (o->history[i] &&
					    o->history[i]->serial == client_serial) {
						diff(xfr, o->history[i], z);
						break;
					}
				}
			}
			info->rcode = DNS_RCODE_NOERROR;
			return REG_ANSWER_XFR;
		}
	}
answer:
	limit = o->tcp ? DNS_WIRE_MSG_MAX : (edns ? edns_size : DNS_WIRE_UDP_MIN);
	dns_wire_writer_init(&w, out, limit);
	flags = DNS_FLAG_QR | DNS_FLAG_AA | (h.flags & DNS_FLAG_RD);
	put_header(&w, h.id, flags, 1, 0, 0, 0);
	if (dns_wire_put_question(&w, &qu.name,
	        info->qtype == DNS_TYPE_IXFR ? DNS_TYPE_IXFR : qu.qtype,
	        qu.qclass) != DNS_WIRE_OK) {
		rcode = DNS_RCODE_SERVFAIL;
		goto error;
	}
	{
		size_t count, first = reg_zone_find(z, &qu.name, &count);
		/* leave room for the OPT record (11 octets) */
		size_t room = edns ? 11 : 0;
		struct dns_wire_mark before = dns_wire_mark(&w);
		int truncated = 0;

		w.cap -= room;
		if (put_rrset(&w, z, first, count, qu.qtype, &an) < 0)
			truncated = 1;
		if (!truncated && an == 0) {
			/* NXDOMAIN or NODATA: the SOA for negative caching (RFC 2308 3) */
			if (count == 0 && !reg_zone_name_exists(z, &qu.name))
				rcode = DNS_RCODE_NXDOMAIN;
			/* RFC 2308 3: the SOA's TTL here is min(TTL, MINIMUM) */
			struct reg_zone_rr soa = z->rrs[z->soa];
			uint32_t minimum =
			    soa.rdlen >= 4 ? dns_wire_get_u32(soa.rdata + soa.rdlen - 4) : 0;
			if (minimum < soa.ttl)
				soa.ttl = minimum;
			if (reg_zone_put_rr(&w, &soa) == DNS_WIRE_OK)
				ns = 1;
			else
				truncated = 1;
		}
		w.cap += room;
		if (truncated) {
			/* RFC 2181 9: a truncated answer carries no partial RRset */
			dns_wire_rollback(&w, before);
			an = ns = 0;
			flags |= DNS_FLAG_TC;
		}
	}
	if (edns && put_opt(&w, o->edns_size, 0) == DNS_WIRE_OK)
		ar = 1;
	put_header(&w, h.id, flags | (uint16_t)rcode, 1, an, ns, ar);
	*outlen = w.len;
	info->rcode = rcode;
	return REG_ANSWER_REPLY;
error:
	info->rcode = rcode;
	*outlen = error_reply(h.id, h.flags, &qu, have_q && rcode != DNS_RCODE_FORMERR, rcode, edns,
	    o->edns_size, out);
	return REG_ANSWER_REPLY;
}

int
reg_answer_xfr_next(struct reg_answer_xfr *x, uint8_t *out, size_t cap, size_t *outlen)
{
	struct dns_wire_writer w;
	const struct reg_zone *z = x->zone;
	uint16_t an = 0, ar = 0;
	uint16_t flags = DNS_FLAG_QR | DNS_FLAG_AA;

	*outlen = 0;
	if (x->done || z == NULL)
		return 0;
	dns_wire_writer_init(&w, out, cap);
	put_header(&w, x->id, flags, 1, 0, 0, 0);
	/* RFC 5936 2.2: the question is repeated in the first message only */
	if (x->next == 0) {
		if (dns_wire_put_question(&w, &x->q.name, x->q.qtype, x->q.qclass) != DNS_WIRE_OK)
			return 0;
	} else {
		put_header(&w, x->id, flags, 0, 0, 0, 0);
	}
	/* AXFR: SOA (index 0), the rest, the SOA again; IXFR: see xfr_rr */
	while (x->next < reg_answer_xfr_total(x) && w.len < XFR_MSG_TARGET) {
		if (reg_zone_put_rr(&w, xfr_rr(x, x->next)) != DNS_WIRE_OK)
			break;
		an++;
		x->next++;
	}
	if (an == 0)
		return 0; /* one RR larger than a message: cannot happen here */
	if (x->next >= reg_answer_xfr_total(x))
		x->done = 1;
	if (x->edns) {
		struct dns_wire_name root = { 1, { 0 } };
		if (dns_wire_put_rr(&w, &root, DNS_TYPE_OPT, 1232, 0, NULL, 0) == DNS_WIRE_OK)
			ar = 1;
	}
	put_header(&w, x->id, flags, x->next - an == 0 ? 1 : 0, an, 0, ar);
	*outlen = w.len;
	return 1;
}

void
reg_answer_xfr_release(struct reg_answer_xfr *x)
{
	if (x == NULL)
		return;
	reg_zone_unref(x->zone);
	reg_zone_unref(x->old);
	free(x->del);
	free(x->add);
	x->zone = x->old = NULL;
	x->del = x->add = NULL;
	x->ndel = x->nadd = 0;
}

size_t
reg_answer_notify(const struct reg_zone *z, uint16_t id, uint8_t *out, size_t cap)
{
	struct dns_wire_writer w;

	dns_wire_writer_init(&w, out, cap);
	put_header(&w, id, (DNS_OPCODE_NOTIFY << 11) | DNS_FLAG_AA, 1, 1, 0, 0);
	if (dns_wire_put_question(&w, &z->apex, DNS_TYPE_SOA, DNS_CLASS_IN) != DNS_WIRE_OK ||
	    reg_zone_put_rr(&w, &z->rrs[z->soa]) != DNS_WIRE_OK)
		return 0;
	return w.len;
}
