/*
 * fuzz_dns_query: arbitrary bytes as a query to the registry's
 * authoritative answer logic (src/registry/dns/reg_answer.c) over a small
 * zone, by UDP and by TCP with transfers allowed; every response must
 * parse back with dns_wire and respect the size limit of its transport.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns_wire.h"
#include "reg_answer.h"
#include "reg_zone.h"

static struct reg_zone *zone, *older;

static void
check(const uint8_t *m, size_t len, size_t limit)
{
	struct dns_wire_reader r;
	struct dns_wire_header h;
	struct dns_wire_question q;
	struct dns_wire_rr rr;

	if (len > limit)
		abort();
	dns_wire_reader_init(&r, m, len);
	if (dns_wire_read_header(&r, &h) != DNS_WIRE_OK)
		abort();
	for (unsigned i = 0; i < h.qdcount; i++)
		if (dns_wire_read_question(&r, &q) != DNS_WIRE_OK)
			abort();
	for (unsigned i = 0; i < (unsigned)h.ancount + h.nscount + h.arcount; i++)
		if (dns_wire_read_rr(&r, &rr) != DNS_WIRE_OK)
			abort();
	if (r.off != len)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[65535];
	struct reg_answer_opts udp = { 0, 0, 1232, NULL, 0 }, tcp = { 1, 1, 1232, NULL, 0 };
	struct reg_answer_info info;
	struct reg_answer_xfr x;
	size_t len;

	if (zone == NULL) {
		static const char *const a[] = { "192.0.2.25", "2001:db8::25" };
		static const char *const ns[] = { "ns1.example.net" };
		struct reg_zone_server s[2] = {
			{ "mail.example.com", "isp", 0, 1795392000, 2, a, 2 },
			{ "bad.example.org", "bulk", 1, 1795392000, 0, a, 1 },
		};
		struct reg_zone_params p = { "reg.example.net", ns, 1, "", 7, 300, 3600, 600, 604800, 60, NULL, 0 };
		struct strbuf err;
		strbuf_init(&err, 256);
		if (reg_zone_build(&p, s, 2, &zone, NULL, &err) != 0)
			abort();
		/* serial 6 with one server fewer: IXFR from 6 is incremental */
		p.serial = 6;
		if (reg_zone_build(&p, s, 1, &older, NULL, &err) != 0)
			abort();
		strbuf_free(&err);
	}
	tcp.history = &older;
	tcp.nhistory = 1;
	if (reg_answer_query(zone, data, size, &udp, out, &len, &x, &info) == REG_ANSWER_REPLY)
		check(out, len, 1232);
	switch (reg_answer_query(zone, data, size, &tcp, out, &len, &x, &info)) {
	case REG_ANSWER_REPLY:
		check(out, len, 65535);
		break;
	case REG_ANSWER_XFR:
		while (reg_answer_xfr_next(&x, out, sizeof(out), &len))
			check(out, len, 65535);
		reg_answer_xfr_release(&x);
		break;
	case REG_ANSWER_DROP:
		break;
	}
	return 0;
}
