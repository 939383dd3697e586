/*
 * dnslist_config: the DNS list settings table (see dnslist_config.h).
 */
#include "auth/dnslist_config.h"

#include <stddef.h>

#define D(f) offsetof(struct dnslist_config, f)

const struct conf_key dnslist_config_keys[] = {
	{ "dnsbl_zones", CONF_LIST, D(bl_zones), NULL, 0, 0, NULL,
	    "DNS block lists asked about each client address: ZONE or ZONE=CODES (e.g. 127.0.0.[2..11])" },
	{ "dnswl_zones", CONF_LIST, D(wl_zones), NULL, 0, 0, NULL,
	    "DNS allow lists asked about each client address: ZONE or ZONE=CODES" },
	{ NULL, 0, 0, NULL, 0, 0, NULL, NULL },
};

int
dnslist_config_zones(
    const struct conf_list *l, const char *key, struct dnslist_zone *out, struct strbuf *errs)
{
	char err[300];
	int nerr = 0;

	if (l->n > DNSLIST_ZONES_MAX) {
		strbuf_printf(errs, "%s: at most %d zones\n", key, DNSLIST_ZONES_MAX);
		return -1;
	}
	for (size_t i = 0; i < l->n; i++) {
		if (dnslist_zone_parse(l->v[i], &out[i], err, sizeof(err)) < 0) {
			strbuf_printf(errs, "%s: %s\n", key, err);
			nerr++;
		}
	}
	return nerr ? -1 : (int)l->n;
}

int
dnslist_config_check(const struct dnslist_config *cfg, struct strbuf *errs)
{
	struct dnslist_zone z[DNSLIST_ZONES_MAX];
	int rc = 0;

	if (dnslist_config_zones(&cfg->bl_zones, "dnsbl_zones", z, errs) < 0)
		rc = -1;
	if (dnslist_config_zones(&cfg->wl_zones, "dnswl_zones", z, errs) < 0)
		rc = -1;
	return rc;
}
