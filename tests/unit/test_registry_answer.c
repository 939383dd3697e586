/*
 * test_registry_answer: the register zone (src/registry/dns/reg_zone.c) and
 * the authoritative answer logic (reg_answer.c) on wire-format queries:
 * A/TXT for active and suspended servers, address names, NXDOMAIN versus
 * NODATA for empty non-terminals, REFUSED outside the zone, FORMERR,
 * NOTIMP, EDNS sizes and BADVERS, truncation, AXFR streaming, IXFR
 * up-to-date, NOTIFY, and the master-file export.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dns/dns_wire.h"
#include "reg_answer.h"
#include "reg_zone.h"
#include "util/str.h"

static struct reg_zone *
make_zone(size_t extra)
{
	static const char *const a1[] = { "192.0.2.25", "2001:db8::25" };
	static const char *const a2[] = { "192.0.2.66" };
	static const char *const ns[] = { "ns1.example.net", "ns2.example.org" };
	struct reg_zone_server s[2 + 300];
	char names[300][64];
	struct reg_zone_params p = { "reg.example.net", ns, 2, "", 2026112301, 300, 3600, 600,
		604800, 60, NULL, 0 };
	struct reg_zone *z;
	struct strbuf err;

	memset(s, 0, sizeof(s));
	s[0] = (struct reg_zone_server){ "mail.example.com", "business", 0, 1795392000, 2, a1, 2 };
	s[1] = (struct reg_zone_server){ "bad.example.org", "bulk", 1, 1795392000, 0, a2, 1 };
	for (size_t i = 0; i < extra; i++) {
		snprintf(names[i], sizeof(names[i]), "host%03zu.filler.example", i);
		s[2 + i] = (struct reg_zone_server){ names[i], "isp", 0, 1795392000, 1, a2, 1 };
	}
	strbuf_init(&err, 1024);
	assert_int_equal(reg_zone_build(&p, s, 2 + extra, &z, NULL, &err), 0);
	strbuf_free(&err);
	return z;
}

static size_t
query(uint8_t *buf, const char *name, uint16_t type, int edns_version, uint16_t payload)
{
	struct dns_wire_writer w;
	struct dns_wire_header h = { 0x4242, DNS_FLAG_RD, 1, 0, 0, edns_version >= 0 ? 1 : 0 };
	struct dns_wire_name n, root = { 1, { 0 } };

	dns_wire_writer_init(&w, buf, 512);
	dns_wire_put_header(&w, &h);
	dns_wire_name_from_text(name, &n);
	dns_wire_put_question(&w, &n, type, DNS_CLASS_IN);
	if (edns_version >= 0)
		dns_wire_put_rr(&w, &root, DNS_TYPE_OPT, payload, (uint32_t)edns_version << 16, NULL, 0);
	return w.len;
}

struct resp {
	struct dns_wire_header h;
	struct dns_wire_rr rr[64];
	size_t n;
};

static void
parse(const uint8_t *m, size_t len, struct resp *r)
{
	struct dns_wire_reader rd;
	struct dns_wire_question q;

	dns_wire_reader_init(&rd, m, len);
	assert_int_equal(dns_wire_read_header(&rd, &r->h), 0);
	for (unsigned i = 0; i < r->h.qdcount; i++)
		assert_int_equal(dns_wire_read_question(&rd, &q), 0);
	r->n = 0;
	for (unsigned i = 0; i < (unsigned)r->h.ancount + r->h.nscount + r->h.arcount && r->n < 64; i++)
		assert_int_equal(dns_wire_read_rr(&rd, &r->rr[r->n++]), 0);
	assert_int_equal(rd.off, len);
}

static enum reg_answer_kind
ask(struct reg_zone *z, const uint8_t *q, size_t qlen, int tcp, int xfr, uint8_t *out,
    size_t *outlen, struct reg_answer_xfr *x)
{
	struct reg_answer_opts o = { tcp, xfr, 1232, NULL, 0 };
	struct reg_answer_info info;

	return reg_answer_query(z, q, qlen, &o, out, outlen, x, &info);
}

static void
test_lookups(void **state)
{
	struct reg_zone *z = make_zone(0);
	uint8_t q[512], *out = malloc(65535);
	size_t ql, ol;
	struct reg_answer_xfr x;
	struct resp r;

	(void)state;
	/* active: A 127.0.0.2, authoritative */
	ql = query(q, "MAIL.example.com.reg.example.net", DNS_TYPE_A, -1, 0);
	assert_int_equal(ask(z, q, ql, 0, 0, out, &ol, &x), REG_ANSWER_REPLY);
	parse(out, ol, &r);
	assert_int_equal(r.h.id, 0x4242);
	assert_true(r.h.flags & DNS_FLAG_QR);
	assert_true(r.h.flags & DNS_FLAG_AA);
	assert_true(r.h.flags & DNS_FLAG_RD);
	assert_false(r.h.flags & DNS_FLAG_RA);
	assert_int_equal(DNS_RCODE(r.h.flags), DNS_RCODE_NOERROR);
	assert_int_equal(r.h.ancount, 1);
	assert_int_equal(r.rr[0].type, DNS_TYPE_A);
	assert_memory_equal(out + r.rr[0].rdoff, "\x7f\x00\x00\x02", 4);

	/* suspended: 127.0.0.3 */
	ql = query(q, "bad.example.org.reg.example.net", DNS_TYPE_A, -1, 0);
	ask(z, q, ql, 0, 0, out, &ol, &x);
	parse(out, ol, &r);
	assert_memory_equal(out + r.rr[0].rdoff, "\x7f\x00\x00\x03", 4);

	/* TXT per DESIGN 5.3 */
	ql = query(q, "mail.example.com.reg.example.net", DNS_TYPE_TXT, -1, 0);
	ask(z, q, ql, 0, 0, out, &ol, &x);
	parse(out, ol, &r);
	assert_int_equal(r.h.ancount, 1);
	{
		const char *want = "v=vouch1; class=business; since=2026-11-23; sponsors=2";
		assert_int_equal(out[r.rr[0].rdoff], strlen(want));
		assert_memory_equal(out + r.rr[0].rdoff + 1, want, strlen(want));
	}

	/* address names: v4 by octet, v6 by nibble */
	ql = query(q, "25.2.0.192.ip.reg.example.net", DNS_TYPE_A, -1, 0);
	ask(z, q, ql, 0, 0, out, &ol, &x);
	parse(out, ol, &r);
	assert_int_equal(r.h.ancount, 1);
	assert_memory_equal(out + r.rr[0].rdoff, "\x7f\x00\x00\x02", 4);
	ql = query(q, "5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip.reg.example.net",
	    DNS_TYPE_A, -1, 0);
	ask(z, q, ql, 0, 0, out, &ol, &x);
	parse(out, ol, &r);
	assert_int_equal(r.h.ancount, 1);

	/* unregistered: NXDOMAIN with the SOA (RFC 2308) */
	ql = query(q, "nobody.example.reg.example.net", DNS_TYPE_A, -1, 0);
	ask(z, q, ql, 0, 0, out, &ol, &x);
	parse(out, ol, &r);
	assert_int_equal(DNS_RCODE(r.h.flags), DNS_RCODE_NXDOMAIN);
	assert_int_equal(r.h.nscount, 1);
	assert_int_equal(r.rr[0].type, DNS_TYPE_SOA);
	assert_int_equal(r.rr[0].ttl, 60);	/* RFC 2308 3: min(TTL 300, MINIMUM 60) */

	/* empty non-terminal and a type with no data: NOERROR, no answer */
	ql = query(q, "ip.reg.example.net", DNS_TYPE_A, -1, 0);
	ask(z, q, ql, 0, 0, out, &ol, &x);
	parse(out, ol, &r);
	assert_int_equal(DNS_RCODE(r.h.flags), DNS_RCODE_NOERROR);
	assert_int_equal(r.h.ancount, 0);
	assert_int_equal(r.h.nscount, 1);
	ql = query(q, "mail.example.com.reg.example.net", DNS_TYPE_AAAA, -1, 0);
	ask(z, q, ql, 0, 0, out, &ol, &x);
	parse(out, ol, &r);
	assert_int_equal(DNS_RCODE(r.h.flags), DNS_RCODE_NOERROR);
	assert_int_equal(r.h.ancount, 0);

	/* apex: SOA and the configured NS */
	ql = query(q, "reg.example.net", DNS_TYPE_NS, -1, 0);
	ask(z, q, ql, 0, 0, out, &ol, &x);
	parse(out, ol, &r);
	assert_int_equal(r.h.ancount, 2);
	ql = query(q, "reg.example.net", DNS_TYPE_ANY, -1, 0);
	ask(z, q, ql, 0, 0, out, &ol, &x);
	parse(out, ol, &r);
	assert_int_equal(r.h.ancount, 3);

	/* outside the zone */
	ql = query(q, "www.example.com", DNS_TYPE_A, -1, 0);
	ask(z, q, ql, 0, 0, out, &ol, &x);
	parse(out, ol, &r);
	assert_int_equal(DNS_RCODE(r.h.flags), DNS_RCODE_REFUSED);
	assert_false(r.h.flags & DNS_FLAG_AA);
	free(out);
	reg_zone_unref(z);
}

static void
test_errors_and_edns(void **state)
{
	struct reg_zone *z = make_zone(0);
	uint8_t q[512], *out = malloc(65535);
	size_t ql, ol;
	struct reg_answer_xfr x;
	struct resp r;

	(void)state;
	/* responses are never answered (RFC 1035 7.3) */
	ql = query(q, "reg.example.net", DNS_TYPE_SOA, -1, 0);
	q[2] |= 0x80;
	assert_int_equal(ask(z, q, ql, 0, 0, out, &ol, &x), REG_ANSWER_DROP);
	/* garbage shorter than a header */
	assert_int_equal(ask(z, q, 5, 0, 0, out, &ol, &x), REG_ANSWER_DROP);
	/* two questions: FORMERR */
	ql = query(q, "reg.example.net", DNS_TYPE_SOA, -1, 0);
	q[5] = 2;
	assert_int_equal(ask(z, q, ql, 0, 0, out, &ol, &x), REG_ANSWER_REPLY);
	parse(out, ol, &r);
	assert_int_equal(DNS_RCODE(r.h.flags), DNS_RCODE_FORMERR);
	/* UPDATE: NOTIMP */
	ql = query(q, "reg.example.net", DNS_TYPE_SOA, -1, 0);
	q[2] = (uint8_t)(DNS_OPCODE_UPDATE << 3);
	ask(z, q, ql, 0, 0, out, &ol, &x);
	parse(out, ol, &r);
	assert_int_equal(DNS_RCODE(r.h.flags), DNS_RCODE_NOTIMP);
	/* EDNS: our OPT comes back */
	ql = query(q, "mail.example.com.reg.example.net", DNS_TYPE_A, 0, 4096);
	ask(z, q, ql, 0, 0, out, &ol, &x);
	parse(out, ol, &r);
	assert_int_equal(r.h.arcount, 1);
	assert_int_equal(r.rr[1].type, DNS_TYPE_OPT);
	assert_int_equal(r.rr[1].rclass, 1232);
	/* EDNS version 1: BADVERS = extended rcode 1 in the OPT TTL, header rcode 0 */
	ql = query(q, "mail.example.com.reg.example.net", DNS_TYPE_A, 1, 4096);
	ask(z, q, ql, 0, 0, out, &ol, &x);
	parse(out, ol, &r);
	assert_int_equal(DNS_RCODE(r.h.flags), 0);
	assert_int_equal(r.h.ancount, 0);
	assert_int_equal(r.rr[0].type, DNS_TYPE_OPT);
	assert_int_equal(r.rr[0].ttl >> 24, 1);
	/* two OPT records: FORMERR */
	{
		struct dns_wire_writer w;
		struct dns_wire_name root = { 1, { 0 } };
		ql = query(q, "mail.example.com.reg.example.net", DNS_TYPE_A, 0, 4096);
		q[11] = 2;
		dns_wire_writer_init(&w, q, 512);
		w.len = ql;
		dns_wire_put_rr(&w, &root, DNS_TYPE_OPT, 512, 0, NULL, 0);
		ask(z, q, w.len, 0, 0, out, &ol, &x);
		parse(out, ol, &r);
		assert_int_equal(DNS_RCODE(r.h.flags), DNS_RCODE_FORMERR);
	}
	free(out);
	reg_zone_unref(z);
}

static void
test_truncation(void **state)
{
	/* 300 servers sharing one address: 300 TXT at its address name */
	struct reg_zone *z = make_zone(300);
	uint8_t q[512], *out = malloc(65535);
	size_t ql, ol;
	struct reg_answer_xfr x;
	struct resp r;

	(void)state;
	ql = query(q, "66.2.0.192.ip.reg.example.net", DNS_TYPE_TXT, -1, 0);
	ask(z, q, ql, 0, 0, out, &ol, &x);
	assert_true(ol <= 512);
	parse(out, ol, &r);
	assert_true(r.h.flags & DNS_FLAG_TC);
	assert_int_equal(r.h.ancount, 0);
	/* over TCP it all fits */
	ask(z, q, ql, 1, 0, out, &ol, &x);
	{
		struct dns_wire_reader rd;
		struct dns_wire_header h;
		dns_wire_reader_init(&rd, out, ol);
		dns_wire_read_header(&rd, &h);
		assert_false(h.flags & DNS_FLAG_TC);
		assert_int_equal(h.ancount, 301);	/* 300 fillers and bad.example.org */
	}
	free(out);
	reg_zone_unref(z);
}

static void
test_axfr(void **state)
{
	struct reg_zone *z = make_zone(300);
	uint8_t q[512], *out = malloc(65535);
	size_t ql, ol, total = 0, msgs = 0;
	struct reg_answer_xfr x;
	struct resp r;

	(void)state;
	ql = query(q, "reg.example.net", DNS_TYPE_AXFR, -1, 0);
	/* not allowed, and not over UDP */
	ask(z, q, ql, 1, 0, out, &ol, &x);
	parse(out, ol, &r);
	assert_int_equal(DNS_RCODE(r.h.flags), DNS_RCODE_REFUSED);
	ask(z, q, ql, 0, 1, out, &ol, &x);
	parse(out, ol, &r);
	assert_int_equal(DNS_RCODE(r.h.flags), DNS_RCODE_FORMERR);

	assert_int_equal(ask(z, q, ql, 1, 1, out, &ol, &x), REG_ANSWER_XFR);
	reg_zone_unref(z);	/* the transfer holds its own reference */
	{
		uint32_t first_type = 0, last_type = 0;
		while (reg_answer_xfr_next(&x, out, 65535, &ol)) {
			struct dns_wire_reader rd;
			struct dns_wire_header h;
			struct dns_wire_question qq;
			struct dns_wire_rr rr;

			dns_wire_reader_init(&rd, out, ol);
			dns_wire_read_header(&rd, &h);
			assert_int_equal(h.id, 0x4242);
			assert_int_equal(h.qdcount, msgs == 0 ? 1 : 0);
			if (h.qdcount)
				dns_wire_read_question(&rd, &qq);
			for (unsigned i = 0; i < h.ancount; i++) {
				assert_int_equal(dns_wire_read_rr(&rd, &rr), 0);
				if (total == 0)
					first_type = rr.type;
				last_type = rr.type;
				total++;
			}
			msgs++;
		}
		assert_int_equal(first_type, DNS_TYPE_SOA);
		assert_int_equal(last_type, DNS_TYPE_SOA);
	}
	/* SOA + 2 NS + 2x(A,TXT) + 3 addr names of the 2 + 300x(A,TXT) + 300 TXT at .66 + SOA */
	assert_true(msgs > 1);
	assert_true(total > 900);
	reg_answer_xfr_release(&x);
	free(out);
}

static void
test_ixfr_and_notify(void **state)
{
	struct reg_zone *z = make_zone(0);
	uint8_t q[512], *out = malloc(65535);
	size_t ql, ol;
	struct reg_answer_xfr x;
	struct resp r;
	struct dns_wire_writer w;
	struct dns_wire_name apex;
	size_t at;

	(void)state;
	/* IXFR carrying the client's SOA with our serial: just the SOA */
	ql = query(q, "reg.example.net", DNS_TYPE_IXFR, -1, 0);
	q[9] = 1;	/* NSCOUNT */
	dns_wire_writer_init(&w, q, 512);
	w.len = ql;
	dns_wire_name_from_text("reg.example.net", &apex);
	dns_wire_rr_begin(&w, &apex, DNS_TYPE_SOA, DNS_CLASS_IN, 0, &at);
	dns_wire_put_name(&w, &apex, 1);
	dns_wire_put_name(&w, &apex, 1);
	dns_wire_put_u32(&w, 2026112301);
	for (int i = 0; i < 4; i++)
		dns_wire_put_u32(&w, 0);
	dns_wire_rr_end(&w, at);
	assert_int_equal(ask(z, q, w.len, 1, 1, out, &ol, &x), REG_ANSWER_REPLY);
	parse(out, ol, &r);
	assert_int_equal(r.h.ancount, 1);
	assert_int_equal(r.rr[0].type, DNS_TYPE_SOA);
	/* an older serial over TCP: the whole zone */
	/* the serial is the 4 octets before the last 16 of the RDATA */
	assert_int_equal(dns_wire_get_u32(q + w.len - 20), 2026112301);
	q[w.len - 17] = 0;	/* an older serial (low octet was 0x2d) */
	assert_int_equal(ask(z, q, w.len, 1, 1, out, &ol, &x), REG_ANSWER_XFR);
	reg_answer_xfr_release(&x);

	ol = reg_answer_notify(z, 77, out, 512);
	assert_true(ol > 0);
	parse(out, ol, &r);
	assert_int_equal(r.h.id, 77);
	assert_int_equal(DNS_OPCODE(r.h.flags), DNS_OPCODE_NOTIFY);
	assert_true(r.h.flags & DNS_FLAG_AA);
	assert_int_equal(r.rr[0].type, DNS_TYPE_SOA);
	free(out);
	reg_zone_unref(z);
}

/* Two versions: mail.example.com suspended and new.example.net added. */
static struct reg_zone *
zone_version(uint32_t serial, int v2)
{
	static const char *const a1[] = { "192.0.2.25" };
	static const char *const a3[] = { "192.0.2.77" };
	static const char *const ns[] = { "ns1.example.net" };
	struct reg_zone_server s[2] = {
		{ "mail.example.com", "business", v2, 1795392000, 2, a1, 1 },
		{ "new.example.net", "isp", 0, 1795392000, 0, a3, 1 },
	};
	struct reg_zone_params p = { "reg.example.net", ns, 1, "", serial, 300, 3600, 600, 604800, 60, NULL, 0 };
	struct reg_zone *z;
	struct strbuf err;

	strbuf_init(&err, 256);
	assert_int_equal(reg_zone_build(&p, s, v2 ? 2 : 1, &z, NULL, &err), 0);
	strbuf_free(&err);
	return z;
}

static void
test_ixfr_incremental(void **state)
{
	struct reg_zone *v1 = zone_version(100, 0), *v2 = zone_version(101, 1), *v0 = zone_version(99, 0);
	struct reg_zone *hist[2];
	uint8_t q[512], *out = malloc(65535);
	struct dns_wire_writer w;
	struct dns_wire_name apex;
	struct reg_answer_xfr x;
	struct reg_answer_info info;
	size_t ol, at, ql;
	uint32_t seq_types[32], seq_serial[32];
	uint8_t seq_last[32];
	size_t nseq = 0;

	(void)state;
	hist[0] = v1;
	hist[1] = v0;
	ql = query(q, "reg.example.net", DNS_TYPE_IXFR, -1, 0);
	q[9] = 1;
	dns_wire_writer_init(&w, q, 512);
	w.len = ql;
	dns_wire_name_from_text("reg.example.net", &apex);
	dns_wire_rr_begin(&w, &apex, DNS_TYPE_SOA, DNS_CLASS_IN, 0, &at);
	dns_wire_put_name(&w, &apex, 1);
	dns_wire_put_name(&w, &apex, 1);
	dns_wire_put_u32(&w, 100);	/* the client has v1 */
	for (int i = 0; i < 4; i++)
		dns_wire_put_u32(&w, 0);
	dns_wire_rr_end(&w, at);
	{
		struct reg_answer_opts o = { 1, 1, 1232, hist, 2 };
		assert_int_equal(reg_answer_query(v2, q, w.len, &o, out, &ol, &x, &info), REG_ANSWER_XFR);
	}
	assert_non_null(x.old);
	/* deleted: the .2 A of mail (name and address); added: .3 A x2 and new.example.net's 4 */
	assert_int_equal(x.ndel, 2);
	assert_int_equal(x.nadd, 6);
	assert_int_equal(reg_answer_xfr_total(&x), 4 + 2 + 6);
	while (reg_answer_xfr_next(&x, out, 65535, &ol)) {
		struct dns_wire_reader rd;
		struct dns_wire_header h;
		struct dns_wire_question qq;
		struct dns_wire_rr rr;
		dns_wire_reader_init(&rd, out, ol);
		dns_wire_read_header(&rd, &h);
		if (h.qdcount)
			dns_wire_read_question(&rd, &qq);
		for (unsigned i = 0; i < h.ancount; i++) {
			assert_int_equal(dns_wire_read_rr(&rd, &rr), 0);
			seq_types[nseq] = rr.type;
			seq_last[nseq] = out[rr.rdoff + 3];
			seq_serial[nseq] = 0;
			if (rr.type == DNS_TYPE_SOA) {
				struct dns_wire_name n1, n2;
				size_t e1, e2;
				dns_wire_name_at(out, ol, rr.rdoff, &n1, &e1);
				dns_wire_name_at(out, ol, e1, &n2, &e2);
				seq_serial[nseq] = dns_wire_get_u32(out + e2);
			}
			nseq++;
		}
	}
	reg_answer_xfr_release(&x);
	/* RFC 1995 4: new SOA, old SOA, deletions, new SOA, additions, new SOA */
	assert_int_equal(nseq, 12);
	assert_int_equal(seq_serial[0], 101);
	assert_int_equal(seq_serial[1], 100);
	assert_int_equal(seq_types[2], DNS_TYPE_A);
	assert_int_equal(seq_last[2], 2);
	assert_int_equal(seq_types[3], DNS_TYPE_A);
	assert_int_equal(seq_serial[4], 101);
	assert_int_equal(seq_serial[11], 101);
	for (size_t i = 5; i < 11; i++)
		assert_int_not_equal(seq_types[i], DNS_TYPE_SOA);

	/* a serial not in the history: the whole zone */
	assert_int_equal(dns_wire_get_u32(q + w.len - 20), 100);
	q[w.len - 17] = 7;	/* serial 7: not in the history */
	{
		struct reg_answer_opts o = { 1, 1, 1232, hist, 2 };
		assert_int_equal(reg_answer_query(v2, q, w.len, &o, out, &ol, &x, &info), REG_ANSWER_XFR);
	}
	assert_null(x.old);
	assert_int_equal(reg_answer_xfr_total(&x), v2->n + 1);
	reg_answer_xfr_release(&x);
	free(out);
	reg_zone_unref(v0);
	reg_zone_unref(v1);
	reg_zone_unref(v2);
}

static void
test_export(void **state)
{
	struct reg_zone *z = make_zone(0);
	struct strbuf sb;

	(void)state;
	strbuf_init(&sb, 1 << 20);
	assert_int_equal(reg_zone_write_text(z, &sb), 0);
	assert_non_null(strstr(sb.s, "$ORIGIN reg.example.net.\n"));
	assert_non_null(strstr(sb.s, "reg.example.net. 300 IN SOA ns1.example.net. "
	    "hostmaster.reg.example.net. 2026112301 3600 600 604800 60\n"));
	assert_non_null(strstr(sb.s, "mail.example.com.reg.example.net. 300 IN A 127.0.0.2\n"));
	assert_non_null(strstr(sb.s, "bad.example.org.reg.example.net. 300 IN A 127.0.0.3\n"));
	assert_non_null(strstr(sb.s, "mail.example.com.reg.example.net. 300 IN TXT "
	    "\"v=vouch1; class=business; since=2026-11-23; sponsors=2\"\n"));
	assert_non_null(strstr(sb.s, "25.2.0.192.ip.reg.example.net. 300 IN A 127.0.0.2\n"));
	/* the SOA is the first record */
	assert_true(strstr(sb.s, "IN SOA") < strstr(sb.s, "IN NS"));
	strbuf_free(&sb);
	reg_zone_unref(z);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookups),
		cmocka_unit_test(test_errors_and_edns),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_axfr),
		cmocka_unit_test(test_ixfr_and_notify),
		cmocka_unit_test(test_ixfr_incremental),
		cmocka_unit_test(test_export),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
