/*
 * stats_config: the "stats" part of vouchd's configuration (config.h's
 * config_parts[]): where the Prometheus endpoint listens.
 * docs/configuration.md "## Statistics" describes each key.
 */
#ifndef VOUCH_POLICY_STATS_CONFIG_H
#define VOUCH_POLICY_STATS_CONFIG_H

#include "util/conf.h"

struct stats_config {
	char *metrics_listen; /* host:port for GET /metrics; "" = off */
};

extern const struct conf_key stats_config_keys[];

#endif
