/*
 * dns_config: the dns settings table and forwarder address parsing
 * (see dns_config.h).
 */
#include "dns/dns_config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "util/str.h"

#define D(f) offsetof(struct dns_config, f)

const struct conf_key dns_config_keys[] = {
	{ "dns_resolver", CONF_LIST, D(resolver), "system", 0, 0, NULL,
	    "system (resolv.conf), recursive (from the root), or forwarders HOST[:PORT] ..." },
	{ "dns_trust_anchor", CONF_STR, D(trust_anchor), "", 0, 0, NULL,
	    "DNSSEC trust anchor file (e.g. /usr/share/dns/root.key); empty = no validation" },
	{ "dns_timeout", CONF_DURATION, D(timeout), "10s", 100, 120000, NULL,
	    "time one DNS query may take before it counts as a temporary failure" },
	{ NULL, 0, 0, NULL, 0, 0, NULL, NULL },
};

int
dns_config_is_forward(const struct dns_config *cfg)
{
	if (cfg->resolver.n == 0)
		return 0;
	return !(cfg->resolver.n == 1 &&
	    (str_ieq(cfg->resolver.v[0], "system") || str_ieq(cfg->resolver.v[0], "recursive")));
}

static int
parse_port(const char *s, long long *port)
{
	return str_to_ll(s, 1, 65535, port);
}

int
dns_config_forwarder(const char *word, char *out, size_t outsz, char *err, size_t errsz)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *port_s = NULL;
	long long port = DNS_CONFIG_PORT;
	unsigned char buf[sizeof(struct in6_addr)];
	size_t hl;

	if (word[0] == '[') {
		const char *close = strchr(word, ']');
		if (close == NULL) {
			snprintf(err, errsz, "'%.80s': missing ']'", word);
			return -1;
		}
		hl = (size_t)(close - word - 1);
		if (hl >= sizeof(host)) {
			snprintf(err, errsz, "'%.80s': not an IPv6 address", word);
			return -1;
		}
		memcpy(host, word + 1, hl);
		host[hl] = '\0';
		if (close[1] == ':')
			port_s = close + 2;
		else if (close[1] != '\0') {
			snprintf(err, errsz, "'%.80s': expected ':PORT' after ']'", word);
			return -1;
		}
		if (inet_pton(AF_INET6, host, buf) != 1) {
			snprintf(err, errsz, "'%.80s': not an IPv6 address", word);
			return -1;
		}
	} else {
		const char *colon = strchr(word, ':');
		if (colon != NULL && strchr(colon + 1, ':') != NULL) {
			/* A bare IPv6 address: no port possible without brackets. */
			if (str_copy(host, sizeof(host), word) >= sizeof(host) ||
			    inet_pton(AF_INET6, host, buf) != 1) {
				snprintf(
				    err, errsz, "'%.80s': not an address (use [V6]:PORT)", word);
				return -1;
			}
		} else {
			hl = colon ? (size_t)(colon - word) : strlen(word);
			if (hl >= sizeof(host)) {
				snprintf(err, errsz, "'%.80s': not an IPv4 address", word);
				return -1;
			}
			memcpy(host, word, hl);
			host[hl] = '\0';
			if (colon)
				port_s = colon + 1;
			if (inet_pton(AF_INET, host, buf) != 1) {
				snprintf(err, errsz,
				    "'%.80s': not an IP address (forwarders are given by address)",
				    word);
				return -1;
			}
		}
	}
	if (port_s != NULL && parse_port(port_s, &port) < 0) {
		snprintf(err, errsz, "'%.80s': bad port", word);
		return -1;
	}
	if ((size_t)snprintf(out, outsz, "%s@%lld", host, port) >= outsz) {
		snprintf(err, errsz, "'%.80s': too long", word);
		return -1;
	}
	return 0;
}
