/*
 * Fuzz target: DNS list zone settings ("ZONE[=CODES]", dnslist.c) and the
 * query names made under them. A setting that parses must give a zone
 * under which both an IPv4 and an IPv6 query name can be made (RFC 5782
 * 2.1, 2.4), and parse again to the same thing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "auth/dnslist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dnslist_zone z, again;
	char spec[512], err[300], name[DNS_NAME_MAX + 1];
	static const unsigned char v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	static const unsigned char v4[4] = { 192, 0, 2, 1 };
	struct in_addr a;

	if (size >= sizeof(spec))
		size = sizeof(spec) - 1;
	memcpy(spec, data, size);
	spec[size] = '\0';
	err[0] = '\0';
	if (dnslist_zone_parse(spec, &z, err, sizeof(err)) < 0) {
		if (err[0] == '\0')
			abort();
		return 0;
	}
	if (dnslist_qname(AF_INET, v4, z.zone, name, sizeof(name)) < 0 ||
	    dnslist_qname(AF_INET6, v6, z.zone, name, sizeof(name)) < 0)
		abort();
	if (dnslist_zone_parse(spec, &again, err, sizeof(err)) < 0 ||
	    memcmp(&z, &again, sizeof(z)) != 0)
		abort();
	/* Matching any code is defined; an unfiltered zone matches them all. */
	for (unsigned i = 0; i < 4; i++) {
		a.s_addr = (uint32_t)(0x7f000000u | (i * 0x01010101u)) ;
		if (!z.filtered && !dnslist_zone_matches(&z, a))
			abort();
	}
	return 0;
}
