/*
 * dns_config: the "dns" part of vouchd's configuration (config.h's
 * config_parts[]): which resolver the DNS client uses, DNSSEC, timeouts.
 * docs/configuration.md "## DNS" describes each key.
 */
#ifndef VOUCH_DNS_DNS_CONFIG_H
#define VOUCH_DNS_DNS_CONFIG_H

#include <stddef.h>

#include "util/conf.h"

/* Default forwarder port when dns_resolver names a host without one. */
#define DNS_CONFIG_PORT 53

struct dns_config {
	/* "system" (/etc/resolv.conf and /etc/hosts), "recursive" (libunbound
	 * resolves from the root itself), or forwarders HOST[:PORT] /
	 * [V6]:PORT. */
	struct conf_list resolver;
	char *trust_anchor; /* DNSSEC trust anchor file; "" = no validation */
	long long timeout;  /* ms one query may take before it is a tempfail */
};

extern const struct conf_key dns_config_keys[];

/*
 * Parse one forwarder "HOST[:PORT]" or "[V6]:PORT" into libunbound's
 * "ADDR@PORT" form (written into out). Returns 0, or -1 with a reason in err.
 * Pure: no name resolution, HOST must be an IP address.
 */
int dns_config_forwarder(const char *word, char *out, size_t outsz, char *err, size_t errsz);
/* True if the configured resolver is a forwarder list (not system/recursive). */
int dns_config_is_forward(const struct dns_config *cfg);

#endif
