/*
 * dns_wire: DNS message encoding and decoding (see dns_wire.h).
 */
#include "dns/dns_wire.h"

#include <string.h>

static int
lc(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

const char *
dns_wire_strerror(int err)
{
	switch (err) {
	case DNS_WIRE_OK: return "ok";
	case DNS_WIRE_ESHORT: return "message too short";
	case DNS_WIRE_EFORMAT: return "malformed";
	case DNS_WIRE_ELOOP: return "bad compression pointer";
	case DNS_WIRE_ESPACE: return "no space";
	case DNS_WIRE_ETEXT: return "bad name text";
	}
	return "unknown";
}

uint16_t
dns_wire_get_u16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

uint32_t
dns_wire_get_u32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) |
	    (uint32_t)p[3];
}

void
dns_wire_reader_init(struct dns_wire_reader *r, const uint8_t *msg, size_t len)
{
	r->msg = msg;
	r->len = len;
	r->off = 0;
}

int
dns_wire_read_header(struct dns_wire_reader *r, struct dns_wire_header *h)
{
	const uint8_t *p;

	if (r->len < DNS_WIRE_HEADER_LEN || r->off > r->len - DNS_WIRE_HEADER_LEN)
		return DNS_WIRE_ESHORT;
	p = r->msg + r->off;
	h->id = dns_wire_get_u16(p);
	h->flags = dns_wire_get_u16(p + 2);
	h->qdcount = dns_wire_get_u16(p + 4);
	h->ancount = dns_wire_get_u16(p + 6);
	h->nscount = dns_wire_get_u16(p + 8);
	h->arcount = dns_wire_get_u16(p + 10);
	r->off += DNS_WIRE_HEADER_LEN;
	return DNS_WIRE_OK;
}

/*
 * RFC 1035 4.1.4. Each pointer must point strictly before the place the
 * previous jump landed (or before the name's start), so targets decrease
 * and no input can loop; labels with the reserved 01/10 prefixes are
 * rejected; the decompressed name may not exceed 255 octets.
 */
int
dns_wire_name_at(const uint8_t *msg, size_t len, size_t off, struct dns_wire_name *out, size_t *end)
{
	size_t pos = off, limit = off, olen = 0;
	int jumped = 0;

	for (;;) {
		uint8_t c;

		if (pos >= len)
			return DNS_WIRE_ESHORT;
		c = msg[pos];
		if (c == 0) {
			if (olen + 1 > DNS_WIRE_NAME_MAX)
				return DNS_WIRE_EFORMAT;
			out->b[olen++] = 0;
			out->len = (uint8_t)olen;
			if (!jumped)
				*end = pos + 1;
			return DNS_WIRE_OK;
		}
		if ((c & 0xc0) == 0xc0) {
			size_t ptr;

			if (pos + 1 >= len)
				return DNS_WIRE_ESHORT;
			ptr = ((size_t)(c & 0x3f) << 8) | msg[pos + 1];
			if (!jumped) {
				*end = pos + 2;
				jumped = 1;
			}
			if (ptr >= limit)
				return DNS_WIRE_ELOOP;
			limit = ptr;
			pos = ptr;
			continue;
		}
		if (c & 0xc0)
			return DNS_WIRE_EFORMAT;
		if (pos + 1 + c > len)
			return DNS_WIRE_ESHORT;
		/* room for this label and the root label after it */
		if (olen + 1 + c + 1 > DNS_WIRE_NAME_MAX)
			return DNS_WIRE_EFORMAT;
		memcpy(out->b + olen, msg + pos, (size_t)c + 1);
		olen += (size_t)c + 1;
		pos += (size_t)c + 1;
	}
}

int
dns_wire_read_name(struct dns_wire_reader *r, struct dns_wire_name *out)
{
	size_t end;
	int e = dns_wire_name_at(r->msg, r->len, r->off, out, &end);

	if (e == DNS_WIRE_OK)
		r->off = end;
	return e;
}

int
dns_wire_read_question(struct dns_wire_reader *r, struct dns_wire_question *q)
{
	int e = dns_wire_read_name(r, &q->name);

	if (e != DNS_WIRE_OK)
		return e;
	if (r->len - r->off < 4)
		return DNS_WIRE_ESHORT;
	q->qtype = dns_wire_get_u16(r->msg + r->off);
	q->qclass = dns_wire_get_u16(r->msg + r->off + 2);
	r->off += 4;
	return DNS_WIRE_OK;
}

int
dns_wire_read_rr(struct dns_wire_reader *r, struct dns_wire_rr *rr)
{
	const uint8_t *p;
	int e = dns_wire_read_name(r, &rr->name);

	if (e != DNS_WIRE_OK)
		return e;
	if (r->len - r->off < 10)
		return DNS_WIRE_ESHORT;
	p = r->msg + r->off;
	rr->type = dns_wire_get_u16(p);
	rr->rclass = dns_wire_get_u16(p + 2);
	rr->ttl = dns_wire_get_u32(p + 4);
	rr->rdlength = dns_wire_get_u16(p + 8);
	r->off += 10;
	if (r->len - r->off < rr->rdlength)
		return DNS_WIRE_ESHORT;
	rr->rdoff = r->off;
	r->off += rr->rdlength;
	return DNS_WIRE_OK;
}

/* RFC 1035 5.1: \X quotes X, \DDD is a decimal octet. */
int
dns_wire_name_from_text(const char *text, struct dns_wire_name *out)
{
	size_t o = 0;
	const char *p = text;

	if (strcmp(text, ".") == 0) {
		out->b[0] = 0;
		out->len = 1;
		return DNS_WIRE_OK;
	}
	if (*p == '\0')
		return DNS_WIRE_ETEXT;
	while (*p) {
		size_t lenpos = o, l = 0;

		if (o + 1 >= DNS_WIRE_NAME_MAX)
			return DNS_WIRE_ETEXT;
		o++;
		while (*p && *p != '.') {
			int c = (unsigned char)*p++;

			if (c == '\\') {
				if (p[0] >= '0' && p[0] <= '9') {
					if (!(p[1] >= '0' && p[1] <= '9' && p[2] >= '0' &&
					        p[2] <= '9'))
						return DNS_WIRE_ETEXT;
					c = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
					if (c > 255)
						return DNS_WIRE_ETEXT;
					p += 3;
				} else if (*p == '\0') {
					return DNS_WIRE_ETEXT;
				} else {
					c = (unsigned char)*p++;
				}
			}
			if (l >= DNS_WIRE_LABEL_MAX || o + 1 >= DNS_WIRE_NAME_MAX)
				return DNS_WIRE_ETEXT;
			out->b[o++] = (uint8_t)c;
			l++;
		}
		if (l == 0)
			return DNS_WIRE_ETEXT; /* empty label: "a..b" or ".a" */
		out->b[lenpos] = (uint8_t)l;
		if (*p == '.') {
			p++;
			if (*p == '\0')
				break; /* the final dot */
		}
	}
	out->b[o++] = 0;
	out->len = (uint8_t)o;
	return DNS_WIRE_OK;
}

int
dns_wire_name_to_text(const struct dns_wire_name *n, char *out, size_t outsz)
{
	size_t i = 0, o = 0;

	if (outsz < 2)
		return DNS_WIRE_ESPACE;
	if (n->len == 0 || n->b[0] == 0) {
		out[0] = '.';
		out[1] = '\0';
		return DNS_WIRE_OK;
	}
	while (i < n->len && n->b[i] != 0) {
		size_t l = n->b[i++];

		for (size_t k = 0; k < l && i < n->len; k++, i++) {
			unsigned char c = n->b[i];
			char tmp[5];
			size_t tl;

			if (c <= 0x20 || c >= 0x7f) {
				tmp[0] = '\\';
				tmp[1] = (char)('0' + c / 100);
				tmp[2] = (char)('0' + (c / 10) % 10);
				tmp[3] = (char)('0' + c % 10);
				tl = 4;
			} else if (strchr(".\\\"();@$", c) != NULL) {
				tmp[0] = '\\';
				tmp[1] = (char)c;
				tl = 2;
			} else {
				tmp[0] = (char)c;
				tl = 1;
			}
			if (o + tl + 2 > outsz)
				return DNS_WIRE_ESPACE;
			memcpy(out + o, tmp, tl);
			o += tl;
		}
		if (o + 2 > outsz)
			return DNS_WIRE_ESPACE;
		out[o++] = '.';
	}
	out[o] = '\0';
	return DNS_WIRE_OK;
}

void
dns_wire_name_lower(struct dns_wire_name *n)
{
	for (size_t i = 0; i < n->len; i++)
		n->b[i] = (uint8_t)lc(n->b[i]);
}

int
dns_wire_name_eq(const struct dns_wire_name *a, const struct dns_wire_name *b)
{
	if (a->len != b->len)
		return 0;
	/* length octets are <= 63, below 'A', so lc() leaves them alone */
	for (size_t i = 0; i < a->len; i++)
		if (lc(a->b[i]) != lc(b->b[i]))
			return 0;
	return 1;
}

int
dns_wire_name_labels(const struct dns_wire_name *n)
{
	int count = 0;

	for (size_t i = 0; i < n->len && n->b[i] != 0; i += (size_t)n->b[i] + 1)
		count++;
	return count;
}

int
dns_wire_name_is_under(const struct dns_wire_name *n, const struct dns_wire_name *zone)
{
	size_t i = 0;

	/* walk label boundaries of n until the remaining suffix is zone-sized */
	while (i < n->len) {
		if ((size_t)n->len - i == zone->len) {
			for (size_t k = 0; k < zone->len; k++)
				if (lc(n->b[i + k]) != lc(zone->b[k]))
					return 0;
			return 1;
		}
		if (n->b[i] == 0)
			return 0;
		i += (size_t)n->b[i] + 1;
	}
	return 0;
}

int
dns_wire_name_prepend(struct dns_wire_name *n, const void *label, size_t len)
{
	if (len == 0 || len > DNS_WIRE_LABEL_MAX || (size_t)n->len + len + 1 > DNS_WIRE_NAME_MAX)
		return DNS_WIRE_EFORMAT;
	memmove(n->b + len + 1, n->b, n->len);
	n->b[0] = (uint8_t)len;
	memcpy(n->b + 1, label, len);
	n->len = (uint8_t)(n->len + len + 1);
	return DNS_WIRE_OK;
}

int
dns_wire_name_parent(struct dns_wire_name *n)
{
	size_t l;

	if (n->len == 0 || n->b[0] == 0)
		return -1;
	l = (size_t)n->b[0] + 1;
	memmove(n->b, n->b + l, n->len - l);
	n->len = (uint8_t)(n->len - l);
	return 0;
}

/* Offsets of each label of n, rightmost last; returns the count. */
static int
label_offsets(const struct dns_wire_name *n, uint8_t offs[128])
{
	int count = 0;

	for (size_t i = 0; i < n->len && n->b[i] != 0 && count < 128; i += (size_t)n->b[i] + 1)
		offs[count++] = (uint8_t)i;
	return count;
}

/* RFC 4034 6.1: compare label by label from the right, octets lower-cased. */
int
dns_wire_name_cmp(const struct dns_wire_name *a, const struct dns_wire_name *b)
{
	uint8_t oa[128], ob[128];
	int na = label_offsets(a, oa), nb = label_offsets(b, ob);

	while (na > 0 && nb > 0) {
		const uint8_t *la = a->b + oa[--na], *lb = b->b + ob[--nb];
		size_t n = la[0] < lb[0] ? la[0] : lb[0];

		for (size_t k = 1; k <= n; k++) {
			int d = lc(la[k]) - lc(lb[k]);
			if (d)
				return d;
		}
		if (la[0] != lb[0])
			return (int)la[0] - (int)lb[0];
	}
	return na - nb;
}

void
dns_wire_writer_init(struct dns_wire_writer *w, uint8_t *buf, size_t cap)
{
	w->buf = buf;
	w->cap = cap > DNS_WIRE_MSG_MAX ? DNS_WIRE_MSG_MAX : cap;
	w->len = 0;
	w->ncomp = 0;
}

struct dns_wire_mark
dns_wire_mark(const struct dns_wire_writer *w)
{
	struct dns_wire_mark m = { w->len, w->ncomp };

	return m;
}

void
dns_wire_rollback(struct dns_wire_writer *w, struct dns_wire_mark m)
{
	w->len = m.len;
	w->ncomp = m.ncomp;
}

int
dns_wire_put_bytes(struct dns_wire_writer *w, const void *p, size_t n)
{
	if (n > w->cap - w->len)
		return DNS_WIRE_ESPACE;
	if (n)
		memcpy(w->buf + w->len, p, n);
	w->len += n;
	return DNS_WIRE_OK;
}

int
dns_wire_put_u16(struct dns_wire_writer *w, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	return dns_wire_put_bytes(w, b, 2);
}

int
dns_wire_put_u32(struct dns_wire_writer *w, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };

	return dns_wire_put_bytes(w, b, 4);
}

int
dns_wire_put_header(struct dns_wire_writer *w, const struct dns_wire_header *h)
{
	uint8_t b[DNS_WIRE_HEADER_LEN];

	if (w->cap < DNS_WIRE_HEADER_LEN)
		return DNS_WIRE_ESPACE;
	b[0] = (uint8_t)(h->id >> 8);
	b[1] = (uint8_t)h->id;
	b[2] = (uint8_t)(h->flags >> 8);
	b[3] = (uint8_t)h->flags;
	b[4] = (uint8_t)(h->qdcount >> 8);
	b[5] = (uint8_t)h->qdcount;
	b[6] = (uint8_t)(h->ancount >> 8);
	b[7] = (uint8_t)h->ancount;
	b[8] = (uint8_t)(h->nscount >> 8);
	b[9] = (uint8_t)h->nscount;
	b[10] = (uint8_t)(h->arcount >> 8);
	b[11] = (uint8_t)h->arcount;
	memcpy(w->buf, b, sizeof(b));
	if (w->len < DNS_WIRE_HEADER_LEN)
		w->len = DNS_WIRE_HEADER_LEN;
	return DNS_WIRE_OK;
}

/* Find an earlier copy of the suffix n->b[from..] in the output. */
static int
find_suffix(
    const struct dns_wire_writer *w, const struct dns_wire_name *n, size_t from, uint16_t *at)
{
	size_t slen = (size_t)n->len - from;

	for (size_t i = 0; i < w->ncomp; i++) {
		struct dns_wire_name cand;
		size_t end;

		if (dns_wire_name_at(w->buf, w->len, w->comp[i], &cand, &end) != DNS_WIRE_OK)
			continue;
		if (cand.len != slen)
			continue;
		size_t k = 0;
		while (k < slen && lc(cand.b[k]) == lc(n->b[from + k]))
			k++;
		if (k == slen) {
			*at = w->comp[i];
			return 1;
		}
	}
	return 0;
}

int
dns_wire_put_name(struct dns_wire_writer *w, const struct dns_wire_name *n, int compress)
{
	struct dns_wire_mark m = dns_wire_mark(w);
	size_t i = 0;

	if (n->len == 0)
		return DNS_WIRE_EFORMAT;
	while (i < n->len && n->b[i] != 0) {
		uint16_t at;
		size_t here = w->len;

		if (compress && find_suffix(w, n, i, &at)) {
			if (dns_wire_put_u16(w, (uint16_t)(0xc000 | at)) != DNS_WIRE_OK)
				goto nospace;
			return DNS_WIRE_OK;
		}
		if (dns_wire_put_bytes(w, n->b + i, (size_t)n->b[i] + 1) != DNS_WIRE_OK)
			goto nospace;
		/* pointers reach 14 bits (RFC 1035 4.1.4) */
		if (here < 0x4000 && w->ncomp < DNS_WIRE_COMPRESS_MAX)
			w->comp[w->ncomp++] = (uint16_t)here;
		i += (size_t)n->b[i] + 1;
	}
	{
		uint8_t root = 0;

		if (dns_wire_put_bytes(w, &root, 1) != DNS_WIRE_OK)
			goto nospace;
	}
	return DNS_WIRE_OK;
nospace:
	dns_wire_rollback(w, m);
	return DNS_WIRE_ESPACE;
}

int
dns_wire_put_question(
    struct dns_wire_writer *w, const struct dns_wire_name *n, uint16_t qtype, uint16_t qclass)
{
	struct dns_wire_mark m = dns_wire_mark(w);

	if (dns_wire_put_name(w, n, 1) != DNS_WIRE_OK ||
	    dns_wire_put_u16(w, qtype) != DNS_WIRE_OK ||
	    dns_wire_put_u16(w, qclass) != DNS_WIRE_OK) {
		dns_wire_rollback(w, m);
		return DNS_WIRE_ESPACE;
	}
	return DNS_WIRE_OK;
}

int
dns_wire_rr_begin(struct dns_wire_writer *w, const struct dns_wire_name *owner, uint16_t type,
    uint16_t rclass, uint32_t ttl, size_t *rdlen_at)
{
	struct dns_wire_mark m = dns_wire_mark(w);

	if (dns_wire_put_name(w, owner, 1) != DNS_WIRE_OK ||
	    dns_wire_put_u16(w, type) != DNS_WIRE_OK ||
	    dns_wire_put_u16(w, rclass) != DNS_WIRE_OK || dns_wire_put_u32(w, ttl) != DNS_WIRE_OK) {
		dns_wire_rollback(w, m);
		return DNS_WIRE_ESPACE;
	}
	*rdlen_at = w->len;
	if (dns_wire_put_u16(w, 0) != DNS_WIRE_OK) {
		dns_wire_rollback(w, m);
		return DNS_WIRE_ESPACE;
	}
	return DNS_WIRE_OK;
}

int
dns_wire_rr_end(struct dns_wire_writer *w, size_t rdlen_at)
{
	size_t rdlen;

	if (rdlen_at + 2 > w->len)
		return DNS_WIRE_EFORMAT;
	rdlen = w->len - rdlen_at - 2;
	if (rdlen > 0xffff)
		return DNS_WIRE_EFORMAT;
	w->buf[rdlen_at] = (uint8_t)(rdlen >> 8);
	w->buf[rdlen_at + 1] = (uint8_t)rdlen;
	return DNS_WIRE_OK;
}

int
dns_wire_put_rr(struct dns_wire_writer *w, const struct dns_wire_name *owner, uint16_t type,
    uint16_t rclass, uint32_t ttl, const void *rdata, uint16_t rdlen)
{
	struct dns_wire_mark m = dns_wire_mark(w);
	size_t at;

	if (dns_wire_rr_begin(w, owner, type, rclass, ttl, &at) != DNS_WIRE_OK ||
	    dns_wire_put_bytes(w, rdata, rdlen) != DNS_WIRE_OK ||
	    dns_wire_rr_end(w, at) != DNS_WIRE_OK) {
		dns_wire_rollback(w, m);
		return DNS_WIRE_ESPACE;
	}
	return DNS_WIRE_OK;
}

/* RFC 1035 3.3.14: one or more <character-string>s of up to 255 octets. */
int
dns_wire_put_txt(struct dns_wire_writer *w, const char *text, size_t len)
{
	struct dns_wire_mark m = dns_wire_mark(w);
	size_t off = 0;

	do {
		size_t n = len - off > 255 ? 255 : len - off;
		uint8_t l = (uint8_t)n;

		if (dns_wire_put_bytes(w, &l, 1) != DNS_WIRE_OK ||
		    dns_wire_put_bytes(w, text + off, n) != DNS_WIRE_OK) {
			dns_wire_rollback(w, m);
			return DNS_WIRE_ESPACE;
		}
		off += n;
	} while (off < len);
	return DNS_WIRE_OK;
}
