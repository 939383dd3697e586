/*
 * store_config: the shared-state settings table (see store_config.h).
 */
#include "store/store_config.h"

#include <stddef.h>
#include <string.h>

#include "store/store.h"

#define S(f) offsetof(struct store_config, f)
#define SEC 1000LL

const char *const store_fallback_names[] = { "tempfail", "local", NULL };

const struct conf_key store_config_keys[] = {
	{ "store", CONF_STR, S(url), "sqlite", 0, 0, NULL,
	    "where counters, locks, blocks, lists and caches live: sqlite (<data_dir>/state) or "
	    "redis://host[:port][/db], shared by a cluster's nodes" },
	{ "store_password_file", CONF_STR, S(password_file), "", 0, 0, NULL,
	    "file whose first line is the Redis AUTH password; empty = none" },
	{ "store_timeout", CONF_DURATION, S(timeout), "1s", 10, 60 * SEC, NULL,
	    "longest a check waits for Redis before it counts as unreachable" },
	{ "store_fallback", CONF_ENUM, S(fallback), "tempfail", 0, 0, store_fallback_names,
	    "Redis unreachable: tempfail (451 4.3.0 for checks needing shared state) or local "
	    "(the node's own SQLite store)" },
	{ NULL, 0, 0, NULL, 0, 0, NULL, NULL },
};

const char *
store_config_url_error(const char *url)
{
	char host[256];
	int port, db;

	if (url == NULL || *url == '\0' || strcmp(url, "sqlite") == 0)
		return NULL;
	if (strncmp(url, "rediss://", 9) == 0)
		return "TLS to Redis needs hiredis_ssl (hiredis 1.0 or later); this build's hiredis "
		       "(Debian 12 ships 0.14) has none: reach Redis over a private network or a TLS "
		       "tunnel";
	if (store_redis_url_parse(url, host, sizeof(host), &port, &db) < 0)
		return "store must be sqlite or redis://host[:port][/db]";
	return NULL;
}
