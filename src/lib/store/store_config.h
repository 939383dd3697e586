/*
 * store_config: the "store" part of vouchd's configuration (config.h's
 * config_parts[]): where the shared state lives, and what a node does
 * when it cannot reach it. docs/configuration.md "## Shared state (cluster)".
 */
#ifndef VOUCH_STORE_STORE_CONFIG_H
#define VOUCH_STORE_STORE_CONFIG_H

#include "util/conf.h"

enum store_fallback {
	STORE_FALLBACK_TEMPFAIL, /* checks needing shared state answer 451 4.3.0 */
	STORE_FALLBACK_LOCAL,    /* they ask the node's own SQLite store instead */
};

struct store_config {
	char *url;           /* "sqlite" (the default) or redis://host[:port][/db] */
	char *password_file; /* Redis AUTH password, first line; "" = none */
	long long timeout;   /* ms a request may wait for Redis */
	int fallback;        /* enum store_fallback */
};

extern const struct conf_key store_config_keys[];
extern const char *const store_fallback_names[];

/* NULL if url is an acceptable value of "store", else why not (static). */
const char *store_config_url_error(const char *url);

#endif
