/*
 * dns_answer: decoding answers into struct dns_result (see dns_answer.h).
 */
#include "dns/dns_answer.h"

#include <stdlib.h>
#include <string.h>

#include "dns/dns_name.h"
#include "dns/dns_result.h"
#include "dns/dns_wire.h"
#include "util/xmalloc.h"

/* CNAME links followed through one answer (a resolver gives at most a few). */
#define ANSWER_CNAME_MAX 8

/*
 * An uncompressed wire name as dotted text without the trailing dot ("" for
 * the root). Labels holding '.' or NUL cannot be written that way: -1.
 */
static int
wire_to_dotted(const struct dns_wire_name *n, char *out, size_t outsz)
{
	size_t i = 0, o = 0;

	while (i < n->len && n->b[i] != 0) {
		size_t l = n->b[i++];
		if (i + l > n->len || o + l + 2 > outsz)
			return -1;
		if (o > 0)
			out[o++] = '.';
		for (size_t k = 0; k < l; k++) {
			if (n->b[i + k] == '.' || n->b[i + k] == '\0')
				return -1;
			out[o++] = (char)n->b[i + k];
		}
		i += l;
	}
	out[o] = '\0';
	return 0;
}

/* The name at msg[off], which must end exactly at off + rdlen. */
static int
rdata_name(const uint8_t *msg, size_t len, size_t off, size_t rdlen, char *out, size_t outsz)
{
	struct dns_wire_name n;
	size_t end;

	if (dns_wire_name_at(msg, len, off, &n, &end) != DNS_WIRE_OK || end != off + rdlen)
		return -1;
	return wire_to_dotted(&n, out, outsz);
}

int
dns_answer_add_rdata(struct dns_result *res, enum dns_type type, const uint8_t *msg, size_t len,
    size_t off, size_t rdlen)
{
	char name[DNS_NAME_MAX + 2];
	const uint8_t *d;

	if (off > len || rdlen > len - off)
		return -1;
	d = msg + off;
	switch (type) {
	case DNS_T_A:
		if (rdlen != 4)
			return -1;
		dns_result_add_a(res, (const void *)d);
		return 0;
	case DNS_T_AAAA:
		if (rdlen != 16)
			return -1;
		dns_result_add_aaaa(res, (const void *)d);
		return 0;
	case DNS_T_MX:
		if (rdlen < 3 || rdata_name(msg, len, off + 2, rdlen - 2, name, sizeof(name)) < 0)
			return -1;
		dns_result_add_mx(res, (unsigned)(d[0] << 8 | d[1]), name);
		return 0;
	case DNS_T_PTR:
	case DNS_T_CNAME:
	case DNS_T_NS:
		if (rdata_name(msg, len, off, rdlen, name, sizeof(name)) < 0)
			return -1;
		dns_result_add_name(res, type, name);
		return 0;
	case DNS_T_TXT: {
		/* RFC 1035 3.3.14: <character-string>s, joined. */
		char *buf = xmalloc(rdlen + 1);
		size_t i = 0, o = 0;
		unsigned count = 0;
		while (i < rdlen) {
			size_t l = d[i++];
			if (l > rdlen - i) {
				free(buf);
				return -1;
			}
			memcpy(buf + o, d + i, l);
			o += l;
			i += l;
			count++;
		}
		dns_result_add_txt(res, buf, o, count);
		free(buf);
		return 0;
	}
	}
	return -1;
}

int
dns_answer_from_message(struct dns_result *res, const uint8_t *msg, size_t len)
{
	char pres[DNS_NAME_MAX * 4 + 2], text[DNS_NAME_MAX + 2];
	struct dns_wire_reader r;
	struct dns_wire_header h;
	struct dns_wire_question q;
	struct dns_wire_name cur;
	size_t answers;
	int found = 0;

	if (dns_name_to_presentation(res->qname, pres, sizeof(pres)) < 0 ||
	    dns_wire_name_from_text(pres, &cur) != DNS_WIRE_OK)
		return -1;
	dns_wire_reader_init(&r, msg, len);
	if (dns_wire_read_header(&r, &h) != DNS_WIRE_OK)
		return -1;
	res->rcode = DNS_RCODE(h.flags);
	for (unsigned i = 0; i < h.qdcount; i++)
		if (dns_wire_read_question(&r, &q) != DNS_WIRE_OK)
			return -1;
	answers = r.off;
	/* Each pass looks for the records of the current name; a CNAME
	 * there moves the chain on (RFC 1034 3.6.2, 4.3.2). */
	for (int hop = 0; hop <= ANSWER_CNAME_MAX; hop++) {
		struct dns_wire_name next;
		int moved = 0;

		r.off = answers;
		for (unsigned i = 0; i < h.ancount; i++) {
			struct dns_wire_rr rr;
			size_t end;

			if (dns_wire_read_rr(&r, &rr) != DNS_WIRE_OK)
				return -1;
			if (rr.rclass != DNS_CLASS_IN || !dns_wire_name_eq(&rr.name, &cur))
				continue;
			if (rr.type == (uint16_t)res->qtype) {
				found++;
				if (dns_answer_add_rdata(
				        res, res->qtype, msg, len, rr.rdoff, rr.rdlength) == 0 &&
				    (res->ttl == 0 || rr.ttl < res->ttl))
					res->ttl = rr.ttl;
			} else if (rr.type == DNS_TYPE_CNAME && res->qtype != DNS_T_CNAME &&
			    !moved &&
			    dns_wire_name_at(msg, len, rr.rdoff, &next, &end) == DNS_WIRE_OK) {
				moved = 1;
			}
		}
		if (found || !moved)
			return found;
		cur = next;
		if (wire_to_dotted(&cur, text, sizeof(text)) == 0) {
			free(res->canon);
			res->canon = xstrdup(text);
		}
	}
	return -1; /* a chain longer than any resolver gives: a loop */
}
