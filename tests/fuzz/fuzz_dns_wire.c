/*
 * fuzz_dns_wire: feeds arbitrary bytes to the DNS message reader
 * (src/lib/dns/dns_wire.c) as a whole message, walks every section,
 * decompresses names inside well-known RDATA, and checks that every name
 * read survives a text round trip and re-encoding.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns_wire.h"

static void
check_name(const struct dns_wire_name *n)
{
	char text[DNS_WIRE_TEXT_MAX];
	struct dns_wire_name back;
	uint8_t buf[600];
	struct dns_wire_writer w;

	if (n->len == 0)
		abort();
	if (dns_wire_name_to_text(n, text, sizeof(text)) != DNS_WIRE_OK)
		abort();
	if (dns_wire_name_from_text(text, &back) != DNS_WIRE_OK)
		abort();
	if (!dns_wire_name_eq(n, &back) || dns_wire_name_cmp(n, &back) != 0)
		abort();
	dns_wire_writer_init(&w, buf, sizeof(buf));
	if (dns_wire_put_name(&w, n, 1) != DNS_WIRE_OK)
		abort();
	if (dns_wire_put_name(&w, n, 1) != DNS_WIRE_OK)
		abort();
	{
		struct dns_wire_name again;
		size_t end;
		if (dns_wire_name_at(buf, w.len, n->len, &again, &end) != DNS_WIRE_OK ||
		    !dns_wire_name_eq(&again, n))
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dns_wire_reader r;
	struct dns_wire_header h;
	unsigned total;

	dns_wire_reader_init(&r, data, size);
	if (dns_wire_read_header(&r, &h) != DNS_WIRE_OK)
		return 0;
	for (unsigned i = 0; i < h.qdcount; i++) {
		struct dns_wire_question q;
		if (dns_wire_read_question(&r, &q) != DNS_WIRE_OK)
			return 0;
		check_name(&q.name);
	}
	total = (unsigned)h.ancount + h.nscount + h.arcount;
	for (unsigned i = 0; i < total; i++) {
		struct dns_wire_rr rr;
		struct dns_wire_name n;
		size_t end;

		if (dns_wire_read_rr(&r, &rr) != DNS_WIRE_OK)
			return 0;
		check_name(&rr.name);
		if (rr.rdoff + rr.rdlength > size)
			abort();
		switch (rr.type) {
		case DNS_TYPE_NS: case DNS_TYPE_CNAME: case DNS_TYPE_PTR: case DNS_TYPE_SOA:
			if (dns_wire_name_at(data, size, rr.rdoff, &n, &end) == DNS_WIRE_OK) {
				check_name(&n);
				if (rr.type == DNS_TYPE_SOA &&
				    dns_wire_name_at(data, size, end, &n, &end) == DNS_WIRE_OK)
					check_name(&n);
			}
			break;
		case DNS_TYPE_MX:
			if (rr.rdlength > 2 &&
			    dns_wire_name_at(data, size, rr.rdoff + 2, &n, &end) == DNS_WIRE_OK)
				check_name(&n);
			break;
		}
	}
	return 0;
}
