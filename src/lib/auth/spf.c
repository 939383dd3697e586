/*
 * spf: result names and client address helpers (see spf.h).
 */
#include "auth/spf.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

static const char *const result_names[] = {
	"none",
	"neutral",
	"pass",
	"fail",
	"softfail",
	"temperror",
	"permerror",
};

const char *
spf_result_name(enum spf_result r)
{
	return (unsigned)r < sizeof(result_names) / sizeof(result_names[0]) ? result_names[r] : "?";
}

int
spf_result_parse(const char *word, enum spf_result *out)
{
	for (size_t i = 0; i < sizeof(result_names) / sizeof(result_names[0]); i++) {
		if (strcasecmp(word, result_names[i]) == 0) {
			*out = (enum spf_result)i;
			return 0;
		}
	}
	return -1;
}

static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

static void
set_v6(struct spf_ip *ip, const uint8_t *a)
{
	memset(ip, 0, sizeof(*ip));
	if (memcmp(a, v4mapped, sizeof(v4mapped)) == 0) {
		/* RFC 7208 5: IPv4-mapped IPv6 is an IPv4 address. */
		ip->family = AF_INET;
		memcpy(ip->addr, a + 12, 4);
	} else {
		ip->family = AF_INET6;
		memcpy(ip->addr, a, 16);
	}
}

int
spf_ip_parse(const char *text, struct spf_ip *ip)
{
	uint8_t a[16];

	if (inet_pton(AF_INET, text, a) == 1) {
		memset(ip, 0, sizeof(*ip));
		ip->family = AF_INET;
		memcpy(ip->addr, a, 4);
		return 0;
	}
	if (inet_pton(AF_INET6, text, a) == 1) {
		set_v6(ip, a);
		return 0;
	}
	return -1;
}

int
spf_ip_from_sockaddr(const struct sockaddr *sa, struct spf_ip *ip)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)(const void *)sa;
		memset(ip, 0, sizeof(*ip));
		ip->family = AF_INET;
		memcpy(ip->addr, &sin->sin_addr, 4);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)(const void *)sa;
		set_v6(ip, s6->sin6_addr.s6_addr);
		return 0;
	}
	return -1;
}

void
spf_ip_format(const struct spf_ip *ip, char *out, size_t outsz)
{
	char buf[INET6_ADDRSTRLEN];
	size_t n = 0;

	if (ip->family == AF_INET) {
		/* By hand: glibc's inet_ntop formats IPv4 with sprintf, and this
		 * runs for every evaluation (%{c}). */
		for (int i = 0; i < 4; i++) {
			unsigned v = ip->addr[i];
			if (v >= 100)
				buf[n++] = (char)('0' + v / 100);
			if (v >= 10)
				buf[n++] = (char)('0' + v / 10 % 10);
			buf[n++] = (char)('0' + v % 10);
			if (i < 3)
				buf[n++] = '.';
		}
		buf[n] = '\0';
	} else if (inet_ntop(AF_INET6, ip->addr, buf, sizeof(buf)) == NULL) {
		/* glibc's inet_ntop writes RFC 5952 form (lower case, :: compressed). */
		buf[0] = '\0';
	}
	if (outsz > 0) {
		n = strlen(buf);
		if (n >= outsz)
			n = outsz - 1;
		memcpy(out, buf, n);
		out[n] = '\0';
	}
}

int
spf_ip_in_net(const struct spf_ip *ip, int family, const uint8_t *net, unsigned prefix)
{
	unsigned bits = family == AF_INET ? 32 : 128;
	unsigned full, rest;

	if (ip->family != family)
		return 0;
	if (prefix > bits)
		prefix = bits;
	full = prefix / 8;
	rest = prefix % 8;
	if (memcmp(ip->addr, net, full) != 0)
		return 0;
	if (rest) {
		uint8_t mask = (uint8_t)(0xff << (8 - rest));
		if ((ip->addr[full] & mask) != (net[full] & mask))
			return 0;
	}
	return 1;
}
