/*
 * callout_config: the "callout" part of vouchd's configuration (config.h's
 * config_parts[]): how sender callouts (callout.h) are made and how long
 * their results are remembered. docs/configuration.md "## Sender callouts"
 * describes each key.
 */
#ifndef VOUCH_AUTH_CALLOUT_CONFIG_H
#define VOUCH_AUTH_CALLOUT_CONFIG_H

#include "util/conf.h"

struct callout_config {
	long long port;            /* SMTP port of the MX hosts (25) */
	long long timeout;         /* ms: total time budget of one callout */
	long long connect_timeout; /* ms for one connection attempt */
	long long max_tries;       /* MX addresses tried per callout */
	long long positive_ttl;    /* ms an address that exists is remembered */
	long long negative_ttl;    /* ms an address refused with 5xx is remembered */
	long long domain_ttl;      /* ms for catch-all, no MX, null MX, NXDOMAIN */
	long long tempfail_ttl;    /* ms a domain whose MX hosts cannot be reached is left alone */
	long long max_per_domain;  /* callouts at once to one domain */
	long long max_total;       /* callouts at once in all */
	long long max_queue;       /* callouts waiting for a slot, in all */
	long long domain_per_minute; /* callouts to one domain (its MX hosts) a minute */
	long long client_per_minute; /* callouts one client address may cause a minute */
	long long max_senders;       /* different senders called out for in one session */
	int allow_private;           /* call loopback/private/link-local addresses (tests) */
};

extern const struct conf_key callout_config_keys[];

#endif
