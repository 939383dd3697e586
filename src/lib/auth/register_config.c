/*
 * register_config: the registrar settings table (see register_config.h).
 */
#include "auth/register_config.h"

#include <stddef.h>
#include <string.h>

#include "auth/register.h"
#include "dns/dns_name.h"

#define R(f) offsetof(struct register_config, f)

const struct conf_key register_config_keys[] = {
	{ "registrar_zones", CONF_LIST, R(zones), NULL, 0, 0, NULL,
	    "registrar zones (DESIGN 5.3) asked about the vouched HELO name and the client address" },
	{ NULL, 0, 0, NULL, 0, 0, NULL, NULL },
};

int
register_config_check(const struct register_config *cfg, struct strbuf *errs)
{
	int rc = 0;

	if (cfg->zones.n > REGISTER_ZONES_MAX) {
		strbuf_printf(errs, "registrar_zones: at most %d zones\n", REGISTER_ZONES_MAX);
		return -1;
	}
	for (size_t i = 0; i < cfg->zones.n; i++) {
		const char *z = cfg->zones.v[i];
		int ok = dns_name_check(z) == 0 && z[0] != '.';
		for (const char *p = z; ok && *p; p++)
			ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.';
		/* The address form adds 64 octets and "ip." in front (docs/registry.md). */
		if (!ok || dns_name_labels(z) < 1 || strlen(z) > DNS_NAME_MAX - 67) {
			strbuf_printf(
			    errs, "registrar_zones: '%.80s' is not a usable zone name\n", z);
			rc = -1;
		}
	}
	return rc;
}
