/*
 * callout_config: the callout settings table (see callout_config.h).
 */
#include "auth/callout_config.h"

#include <stddef.h>

#define C(f) offsetof(struct callout_config, f)
#define SEC 1000LL
#define MIN (60 * SEC)
#define HOUR (60 * MIN)
#define DAY (24 * HOUR)

const struct conf_key callout_config_keys[] = {
	{ "callout_port", CONF_INT, C(port), "25", 1, 65535, NULL,
	    "SMTP port of the MX hosts a sender callout connects to" },
	{ "callout_timeout", CONF_DURATION, C(timeout), "30s", 1 * SEC, 5 * MIN, NULL,
	    "total time one callout may take (waiting, DNS and SMTP) before it is temperror" },
	{ "callout_connect_timeout", CONF_DURATION, C(connect_timeout), "10s", 1 * SEC, 2 * MIN,
	    NULL, "time to connect to one MX address before the next is tried" },
	{ "callout_max_tries", CONF_INT, C(max_tries), "3", 1, 10, NULL,
	    "MX addresses one callout tries when connections fail" },
	{ "callout_positive_ttl", CONF_DURATION, C(positive_ttl), "1d", 0, 30 * DAY, NULL,
	    "how long an address found to exist is remembered (0 = not cached)" },
	{ "callout_negative_ttl", CONF_DURATION, C(negative_ttl), "2h", 0, 30 * DAY, NULL,
	    "how long an address refused with 5xx is remembered (0 = not cached)" },
	{ "callout_domain_ttl", CONF_DURATION, C(domain_ttl), "3h", 0, 30 * DAY, NULL,
	    "how long a domain-level result (catch-all, no MX, null MX, no such domain) is remembered" },
	{ "callout_tempfail_ttl", CONF_DURATION, C(tempfail_ttl), "10m", 0, 1 * DAY, NULL,
	    "how long a domain whose mail hosts could not be reached is not called again" },
	{ "callout_max_per_domain", CONF_INT, C(max_per_domain), "2", 1, 100, NULL,
	    "callouts in progress at once to one sender domain; more wait in a queue" },
	{ "callout_max_total", CONF_INT, C(max_total), "50", 1, 10000, NULL,
	    "callouts in progress at once in all; more wait in a queue" },
	{ "callout_max_queue", CONF_INT, C(max_queue), "200", 0, 100000, NULL,
	    "callouts waiting for a slot; beyond this a callout is temperror at once" },
	{ "callout_domain_per_minute", CONF_INT, C(domain_per_minute), "10", 1, 100000, NULL,
	    "callouts a minute to one sender domain (a burst of as many); past it the sender is temperror (try later)" },
	{ "callout_client_per_minute", CONF_INT, C(client_per_minute), "10", 1, 100000, NULL,
	    "callouts a minute one client address may cause, all its sessions together" },
	{ "callout_max_senders_per_session", CONF_INT, C(max_senders), "5", 1, 1000, NULL,
	    "different senders one session may have called out for; later new ones are temperror" },
	{ "callout_allow_private", CONF_BOOL, C(allow_private), "no", 0, 0, NULL,
	    "also call MX addresses that are loopback, private, link-local or multicast (test worlds)" },
	{ NULL, 0, 0, NULL, 0, 0, NULL, NULL },
};
