/*
 * dns_name: domain name checks and reverse names (see dns_name.h).
 */
#include "dns/dns_name.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

/* Length without one trailing dot (a lone "." is the root: length 0). */
static size_t
name_len(const char *name)
{
	size_t n = strlen(name);

	if (n > 0 && name[n - 1] == '.')
		n--;
	return n;
}

int
dns_name_check(const char *name)
{
	size_t n = name_len(name);
	size_t label = 0;

	/* RFC 1035 2.3.4 */
	if (n == 0 || n > DNS_NAME_MAX)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (name[i] == '.') {
			if (label == 0)
				return -1;
			label = 0;
		} else if (++label > DNS_LABEL_MAX) {
			return -1;
		}
	}
	return label == 0 ? -1 : 0;
}

int
dns_name_labels(const char *name)
{
	size_t n = name_len(name);
	int labels = n > 0;

	for (size_t i = 0; i < n; i++)
		if (name[i] == '.')
			labels++;
	return labels;
}

int
dns_name_eq(const char *a, const char *b)
{
	size_t la = name_len(a), lb = name_len(b);

	return la == lb && strncasecmp(a, b, la) == 0;
}

int
dns_name_is_sub(const char *name, const char *parent)
{
	size_t ln = name_len(name), lp = name_len(parent);

	if (lp == 0)
		return 1;
	if (ln < lp || strncasecmp(name + ln - lp, parent, lp) != 0)
		return 0;
	return ln == lp || name[ln - lp - 1] == '.';
}

int
dns_name_reverse(int af, const void *addr, char *out, size_t outsz)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *b = addr;
	size_t o = 0;

	if (af == AF_INET) {
		int n = snprintf(out, outsz, "%u.%u.%u.%u.in-addr.arpa", b[3], b[2], b[1], b[0]);
		return n < 0 || (size_t)n >= outsz ? -1 : 0;
	}
	/* RFC 3596 2.5: 32 nibbles, least significant first. */
	if (outsz < 32 * 2 + sizeof("ip6.arpa"))
		return -1;
	for (int i = 15; i >= 0; i--) {
		out[o++] = hex[b[i] & 15];
		out[o++] = '.';
		out[o++] = hex[b[i] >> 4];
		out[o++] = '.';
	}
	memcpy(out + o, "ip6.arpa", sizeof("ip6.arpa"));
	return 0;
}

int
dns_name_to_presentation(const char *name, char *out, size_t outsz)
{
	size_t o = 0;

	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		int plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.';
		if (plain) {
			if (o + 1 >= outsz)
				return -1;
			out[o++] = (char)*p;
		} else {
			if (o + 4 >= outsz)
				return -1;
			snprintf(out + o, 5, "\\%03u", *p);
			o += 4;
		}
	}
	if (o >= outsz)
		return -1;
	out[o] = '\0';
	return 0;
}
