/*
 * reg_config: vouch-registry's settings, one declarative table
 * (util/conf.h syntax) parsed into an immutable struct reg_config.
 *
 * Owns the table rows (name, type, default, bounds, description) and
 * loading from a file or text; docs/registry.md lists the same keys.
 */
#ifndef VOUCH_REGISTRY_REG_CONFIG_H
#define VOUCH_REGISTRY_REG_CONFIG_H

#include "dns/dns_config.h"
#include "util/conf.h"
#include "util/str.h"

struct reg_config {
	char *path;     /* file loaded, or NULL */
	char *data_dir; /* holds registry.db */
	int log_level;  /* enum log_level */
	char *user;     /* serve started as root binds, then runs as this user */

	/* the zone (DESIGN 5.3) */
	char *zone;          /* e.g. reg.example.net */
	struct conf_list ns; /* NS names at the apex */
	/* "name=address" glue for the NS names inside the zone; after loading
	 * it holds every in-zone NS (the default ns.<zone> from dns_listen) */
	struct conf_list ns_address;
	char *soa_rname; /* mailbox as a name; empty = hostmaster.<zone> */
	long long ttl;   /* ms */
	long long soa_refresh, soa_retry, soa_expire, soa_minimum; /* ms */
	struct conf_list dns_listen;                               /* host:port, UDP and TCP */
	struct conf_list notify;         /* secondaries: host:port for NOTIFY */
	struct conf_list allow_transfer; /* addresses allowed AXFR/IXFR */
	long long notify_retry;          /* ms between NOTIFY retries */
	long long edns_size;             /* our UDP payload size */
	long long dns_tcp_clients;       /* concurrent TCP DNS connections */
	long long dns_tcp_reserved;      /* of them, only for configured secondaries */
	long long dns_tcp_per_address;   /* per client address (IPv6: per /64) */
	long long dns_tcp_idle;          /* ms without a query before closing */
	long long dns_tcp_query_timeout; /* ms from a query's first octet to its last */

	/* HTTP API and web UI */
	struct conf_list http_listen;
	long long http_max_body;
	long long http_timeout; /* ms */
	char *site_name;
	long long admin_session_ttl;           /* ms a web sign-in lasts */
	int http_secure_cookie;                /* always mark the cookie Secure */
	struct conf_list http_trusted_proxies; /* their X-Forwarded-For/-Proto count */

	/* workflow */
	long long sponsors_required;
	long long suspend_threshold;
	long long suspend_reporters; /* independent reporters an automatic suspension needs */
	long long report_window;     /* ms */
	long long bond_amount;
	long long max_report_size;
	int auto_certify;     /* run certification on apply */
	long long fee_period; /* ms until the yearly fee is due */

	/* certification tests */
	long long certify_port;
	long long certify_timeout;        /* ms, per connection step */
	struct conf_list certify_sources; /* local addresses to test from */
	char *certify_helo;               /* our EHLO name; empty = zone */
	char *certify_relay_target;       /* foreign mailbox for relay tricks */
	int certify_tls_verify;           /* require a chain that verifies */
	char *certify_ca_file;
	struct conf_list certify_allow_networks; /* special-purpose ranges the tests may reach */
	struct conf_list hosts; /* static name=address table; empty = DNS (dns_resolver) */
	long long certify_concurrency;

	/* mails to owners (reg_notice, reg_mailer) */
	char *notice_relay;     /* IP:port of the SMTP relay; empty = no mails */
	char *notice_from;      /* sender address; empty = registry@<zone> */
	char *notice_dir;       /* templates; empty = the configuration file's folder */
	char *notice_helo;      /* our EHLO name; empty = the zone */
	long long notice_retry; /* ms between attempts (a day of them at most) */
	char *site_url;         /* the web UI's address, for the mails; empty = none */

	/* rate limits per client address (0 = none) */
	long long limit_applications; /* applications per limit_window */
	long long limit_reports;      /* reports per limit_window */
	long long limit_window;       /* ms */

	/* libvouch's DNS client (dns_resolver, dns_timeout, dns_trust_anchor) */
	struct dns_config dns;
};

extern const struct conf_key reg_config_keys[];

/*
 * Build the configuration from the defaults and the file at path (NULL:
 * none). On error, appends "file:line: message" lines to errs and returns
 * NULL. The result is owned by the caller: reg_config_free.
 */
struct reg_config *reg_config_load(const char *path, struct strbuf *errs);
/* Same from text in memory; name appears in error messages. */
struct reg_config *
reg_config_load_text(const char *text, size_t len, const char *name, struct strbuf *errs);
/* Release a configuration; NULL-safe. */
void reg_config_free(struct reg_config *cfg);
/* Print the effective settings in the file's syntax. */
void reg_config_print(const struct reg_config *cfg, struct strbuf *out);

#endif
