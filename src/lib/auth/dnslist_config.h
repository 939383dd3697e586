/*
 * dnslist_config: the "dnslist" part of vouchd's configuration (config.h's
 * config_parts[]): the DNS block and allow lists asked about each client
 * address (dnslist.h). docs/configuration.md "## DNS block and allow lists"
 * describes each key.
 */
#ifndef VOUCH_AUTH_DNSLIST_CONFIG_H
#define VOUCH_AUTH_DNSLIST_CONFIG_H

#include <stddef.h>

#include "auth/dnslist.h"
#include "util/conf.h"
#include "util/str.h"

struct dnslist_config {
	struct conf_list bl_zones; /* dnsbl_zones: ZONE[=CODES] ... */
	struct conf_list wl_zones; /* dnswl_zones */
};

extern const struct conf_key dnslist_config_keys[];

/*
 * Parse the zones of one list (bl_zones or wl_zones) into out (room for
 * DNSLIST_ZONES_MAX). Returns the number of zones, or -1 with every bad
 * entry described in errs as "key: reason" lines.
 */
int dnslist_config_zones(
    const struct conf_list *l, const char *key, struct dnslist_zone *out, struct strbuf *errs);
/* Check both lists (for config_load); 0, or -1 with errors in errs. */
int dnslist_config_check(const struct dnslist_config *cfg, struct strbuf *errs);

#endif
