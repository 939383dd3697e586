/*
 * callout_addr: which addresses a sender callout never calls unless
 * callout_allow_private is set (see callout.h): anything that is not a
 * globally reachable unicast address (RFC 6890 special-purpose registries).
 */
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "auth/callout.h"

int
callout_addr_private(int af, const void *addr)
{
	const unsigned char *b = addr;

	if (af == AF_INET) {
		uint32_t a =
		    ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
		static const struct {
			uint32_t net;
			unsigned len;
		} special[] = {
			{ 0x00000000, 8 },  /* "this network" (RFC 791) */
			{ 0x0a000000, 8 },  /* private (RFC 1918) */
			{ 0x64400000, 10 }, /* shared address space (RFC 6598) */
			{ 0x7f000000, 8 },  /* loopback */
			{ 0xa9fe0000, 16 }, /* link-local (RFC 3927) */
			{ 0xac100000, 12 }, /* private */
			{ 0xc0000000, 24 }, /* IETF protocol assignments (RFC 6890) */
			{ 0xc0000200, 24 }, /* documentation (RFC 5737) */
			{ 0xc0a80000, 16 }, /* private */
			{ 0xc6120000, 15 }, /* benchmarking (RFC 2544) */
			{ 0xc6336400, 24 }, /* documentation */
			{ 0xcb007100, 24 }, /* documentation */
			{ 0xe0000000, 4 },  /* multicast */
			{ 0xf0000000, 4 },  /* reserved, and broadcast */
		};
		for (size_t i = 0; i < sizeof(special) / sizeof(special[0]); i++)
			if ((a >> (32 - special[i].len)) ==
			    (special[i].net >> (32 - special[i].len)))
				return 1;
		return 0;
	}
	if (af != AF_INET6)
		return 1;
	static const unsigned char zero[16];
	if (memcmp(b, zero, 15) == 0 && (b[15] == 0 || b[15] == 1))
		return 1; /* unspecified, loopback */
	/* IPv4-mapped ::ffff:0:0/96, IPv4-compatible ::/96, NAT64 64:ff9b::/96:
	 * judged by the IPv4 address inside. */
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	static const unsigned char nat64[12] = { 0, 0x64, 0xff, 0x9b };
	if (memcmp(b, mapped, 12) == 0 || memcmp(b, zero, 12) == 0 || memcmp(b, nat64, 12) == 0)
		return callout_addr_private(AF_INET, b + 12);
	if ((b[0] & 0xfe) == 0xfc)
		return 1; /* unique local (RFC 4193) */
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
		return 1; /* link-local */
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0)
		return 1; /* site-local (deprecated, RFC 3879) */
	if (b[0] == 0xff)
		return 1; /* multicast */
	if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8)
		return 1; /* documentation (RFC 3849) */
	if (b[0] == 0x01 && b[1] == 0 && memcmp(b + 2, zero, 6) == 0)
		return 1; /* discard-only (RFC 6666) */
	return 0;
}
