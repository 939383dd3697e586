/*
 * register_config: the "register" part of vouchd's configuration (config.h's
 * config_parts[]): which registrar zones are asked about sending servers
 * (register.h). docs/configuration.md "## Registrar lookups" describes it.
 */
#ifndef VOUCH_AUTH_REGISTER_CONFIG_H
#define VOUCH_AUTH_REGISTER_CONFIG_H

#include "util/conf.h"
#include "util/str.h"

struct register_config {
	struct conf_list zones; /* registrar_zones */
};

extern const struct conf_key register_config_keys[];

/* Check the zones (for config_load); 0, or -1 with errors in errs. */
int register_config_check(const struct register_config *cfg, struct strbuf *errs);

#endif
