/*
 * ipspecial: the special-purpose address table (see ipspecial.h).
 */
#include "util/ipspecial.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

struct range {
	unsigned char net[16];
	unsigned len; /* prefix length in bits */
	const char *name;
};

/* IANA IPv4 Special-Purpose Address Registry, multicast and reserved. */
static const struct range v4[] = {
	{ { 0, 0, 0, 0 }, 8, "\"this network\" 0.0.0.0/8" },
	{ { 10, 0, 0, 0 }, 8, "private 10.0.0.0/8" },
	{ { 100, 64, 0, 0 }, 10, "shared address space 100.64.0.0/10" },
	{ { 127, 0, 0, 0 }, 8, "loopback 127.0.0.0/8" },
	{ { 169, 254, 0, 0 }, 16, "link-local 169.254.0.0/16" },
	{ { 172, 16, 0, 0 }, 12, "private 172.16.0.0/12" },
	{ { 192, 0, 0, 0 }, 24, "IETF protocol assignments 192.0.0.0/24" },
	{ { 192, 0, 2, 0 }, 24, "documentation 192.0.2.0/24" },
	{ { 192, 88, 99, 0 }, 24, "6to4 relay anycast 192.88.99.0/24" },
	{ { 192, 168, 0, 0 }, 16, "private 192.168.0.0/16" },
	{ { 198, 18, 0, 0 }, 15, "benchmarking 198.18.0.0/15" },
	{ { 198, 51, 100, 0 }, 24, "documentation 198.51.100.0/24" },
	{ { 203, 0, 113, 0 }, 24, "documentation 203.0.113.0/24" },
	{ { 224, 0, 0, 0 }, 4, "multicast 224.0.0.0/4" },
	{ { 240, 0, 0, 0 }, 4, "reserved 240.0.0.0/4" },
};

/* IANA IPv6 Special-Purpose Address Registry entries inside 2000::/3, and
 * the ranges outside it worth naming (the rest outside is "reserved"). */
static const struct range v6[] = {
	{ { 0 }, 128, "unspecified ::/128" },
	{ { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, 128, "loopback ::1/128" },
	{ { 0, 0x64, 0xff, 0x9b, 0, 1 }, 48, "local-use IPv4/IPv6 translation 64:ff9b:1::/48" },
	{ { 1, 0, 0, 0, 0, 0, 0, 0 }, 64, "discard-only 100::/64" },
	{ { 0x20, 0x01, 0x0d, 0xb8 }, 32, "documentation 2001:db8::/32" },
	{ { 0x20, 0x01, 0, 0 }, 32, "Teredo 2001::/32" },
	{ { 0x20, 0x01, 0, 0 }, 23, "IETF protocol assignments 2001::/23" },
	{ { 0x3f, 0xff }, 20, "documentation 3fff::/20" },
	{ { 0x5f, 0 }, 16, "SRv6 SIDs 5f00::/16" },
	{ { 0xfc }, 7, "unique local fc00::/7" },
	{ { 0xfe, 0x80 }, 10, "link-local fe80::/10" },
	{ { 0xfe, 0xc0 }, 10, "site-local fec0::/10" },
	{ { 0xff }, 8, "multicast ff00::/8" },
};

static int
in_range(const unsigned char *a, const struct range *r)
{
	unsigned full = r->len / 8, rest = r->len % 8;

	if (memcmp(a, r->net, full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	unsigned char mask = (unsigned char)(0xff << (8 - rest));
	return (a[full] & mask) == (r->net[full] & mask);
}

static const char *
special4(const unsigned char *a)
{
	if (a[0] == 255 && a[1] == 255 && a[2] == 255 && a[3] == 255)
		return "broadcast 255.255.255.255/32";
	for (size_t i = 0; i < sizeof(v4) / sizeof(v4[0]); i++)
		if (in_range(a, &v4[i]))
			return v4[i].name;
	return NULL;
}

/*
 * An IPv6 form carrying an IPv4 address: the IPv4 address, with *form
 * naming the form in the text returned for a special one; or NULL.
 */
static const unsigned char *
embedded4(const unsigned char *a, const char **form)
{
	static const unsigned char zero[12];
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	static const unsigned char siit[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0 };
	static const unsigned char nat64[12] = { 0, 0x64, 0xff, 0x9b };

	if (memcmp(a, mapped, 12) == 0) {
		*form = "IPv4-mapped form (::ffff:0:0/96) of a special IPv4 address";
		return a + 12;
	}
	if (memcmp(a, siit, 12) == 0) {
		*form = "IPv4-translated form (::ffff:0:0:0/96) of a special IPv4 address";
		return a + 12;
	}
	if (memcmp(a, nat64, 12) == 0) {
		*form = "NAT64 form (64:ff9b::/96) of a special IPv4 address";
		return a + 12;
	}
	if (memcmp(a, zero, 12) == 0) {
		*form = "IPv4-compatible form (::/96) of a special IPv4 address";
		return a + 12;
	}
	if (a[0] == 0x20 && a[1] == 0x02) {
		*form = "6to4 form (2002::/16) of a special IPv4 address";
		return a + 2;
	}
	return NULL;
}

const char *
ipspecial_range(int af, const void *addr)
{
	const unsigned char *a = addr;

	if (af == AF_INET)
		return special4(a);
	if (af != AF_INET6)
		return "not an IP address";
	for (size_t i = 0; i < sizeof(v6) / sizeof(v6[0]); i++)
		if (in_range(a, &v6[i]))
			return v6[i].name;
	const char *form = NULL;
	const unsigned char *inner = embedded4(a, &form);
	if (inner) /* a public IPv4 address in an IPv6 form is public */
		return special4(inner) ? form : NULL;
	if ((a[0] & 0xe0) != 0x20)
		return "reserved IPv6 space outside 2000::/3";
	return NULL;
}

const char *
ipspecial_text(const char *ip)
{
	unsigned char a[16];

	if (inet_pton(AF_INET, ip, a) == 1)
		return ipspecial_range(AF_INET, a);
	if (inet_pton(AF_INET6, ip, a) == 1)
		return ipspecial_range(AF_INET6, a);
	return "not an IP address";
}
