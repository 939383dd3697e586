/*
 * dnsclient: the DNS client of the check commands (callout, dnsbl,
 * register), made from the configuration's dns_* settings, with
 * --resolver replacing dns_resolver.
 */
#include <event2/event.h>
#include <stdio.h>

#include "config/config.h"
#include "dns/dns.h"
#include "vouchctl.h"

struct dns_client *
vouchctl_dns(struct config *cfg, const char *resolver, struct event_base **basep, const char *cmd)
{
	struct conf_list saved = cfg->dns.resolver;
	char *words[1];
	struct event_base *base = event_base_new();
	struct dns_client *dns = NULL;
	char err[300];

	*basep = base;
	if (base == NULL) {
		fprintf(stderr, "vouchctl %s: no event base\n", cmd);
		return NULL;
	}
	if (resolver) {
		/* The config keeps ownership of its own list: restored below. */
		words[0] = (char *)resolver;
		cfg->dns.resolver.v = words;
		cfg->dns.resolver.n = 1;
	}
	dns = dns_client_new(base, &cfg->dns, err, sizeof(err));
	cfg->dns.resolver = saved;
	if (dns == NULL) {
		fprintf(stderr, "vouchctl %s: DNS: %s\n", cmd, err);
		event_base_free(base);
		*basep = NULL;
	}
	return dns;
}
