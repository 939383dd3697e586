/*
 * stats_config: the statistics settings table (see stats_config.h).
 */
#include "policy/stats_config.h"

#include <stddef.h>

#define S(f) offsetof(struct stats_config, f)

const struct conf_key stats_config_keys[] = {
	{ "metrics_listen", CONF_ADDR, S(metrics_listen), "", 0, 0, NULL,
	    "address:port of the Prometheus endpoint (GET /metrics), e.g. 127.0.0.1:9325; empty = off" },
	{ NULL, 0, 0, NULL, 0, 0, NULL, NULL },
};
