/*
 * reg_resolve: libvouch's DNS client for the registry (see reg_resolve.h).
 */
#include "reg_resolve.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns_mem.h"
#include "util/xmalloc.h"

struct reg_resolve {
	struct dns_client *client;
	struct dns_mem *table; /* hosts; NULL for real DNS */
};

struct reg_resolve *
reg_resolve_new(struct event_base *base, const struct reg_config *cfg, char *err, size_t errsz)
{
	struct reg_resolve *r = xcalloc(1, sizeof(*r));

	if (cfg->hosts.n == 0) {
		r->client = dns_client_new(base, &cfg->dns, err, errsz);
		if (r->client == NULL) {
			free(r);
			return NULL;
		}
		return r;
	}
	r->table = dns_mem_new();
	for (size_t i = 0; i < cfg->hosts.n; i++) {
		const char *eq = strchr(cfg->hosts.v[i], '=');
		char name[256];
		size_t nl = eq ? (size_t)(eq - cfg->hosts.v[i]) : 0;

		if (eq == NULL || nl == 0 || nl >= sizeof(name)) {
			snprintf(
			    err, errsz, "hosts entry '%s' is not name=address", cfg->hosts.v[i]);
			reg_resolve_free(r);
			return NULL;
		}
		memcpy(name, cfg->hosts.v[i], nl);
		name[nl] = '\0';
		if (dns_mem_add(
		        r->table, name, strchr(eq + 1, ':') ? DNS_T_AAAA : DNS_T_A, eq + 1) < 0) {
			snprintf(err, errsz, "hosts entry '%s': not an address", cfg->hosts.v[i]);
			reg_resolve_free(r);
			return NULL;
		}
	}
	r->client = dns_client_new_mem(base, r->table, cfg->dns.timeout);
	return r;
}

void
reg_resolve_free(struct reg_resolve *r)
{
	if (r == NULL)
		return;
	dns_client_free(r->client);
	dns_mem_free(r->table);
	free(r);
}

struct dns_client *
reg_resolve_client(struct reg_resolve *r)
{
	return r->client;
}

const char *
reg_resolve_kind(const struct reg_resolve *r)
{
	return r->table ? "table" : "dns";
}
