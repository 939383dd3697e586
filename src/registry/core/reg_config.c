/*
 * reg_config: the settings table and loading (see reg_config.h).
 */
#include "reg_config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "policy/lists.h"
#include "util/log.h"
#include "util/netaddr.h"
#include "util/xmalloc.h"

#define K(f) offsetof(struct reg_config, f)
#define SEC 1000LL
#define MIN (60LL * SEC)
#define HOUR (60LL * MIN)
#define DAY (24LL * HOUR)
#define KB 1024LL
#define MB (1024LL * KB)

static const char *const log_levels[] = { "err", "warn", "notice", "info", "debug", NULL };

const struct conf_key reg_config_keys[] = {
	{ "data_dir", CONF_STR, K(data_dir), "var/registry", 0, 0, NULL,
	    "directory holding registry.db (SQLite, WAL)" },
	{ "log_level", CONF_ENUM, K(log_level), "info", 0, 0, log_levels,
	    "least important events logged" },
	{ "user", CONF_STR, K(user), "vouch", 0, 0, NULL,
	    "serve started as root binds its ports, then runs as this user for good" },
	{ "zone", CONF_STR, K(zone), "reg.example.net", 0, 0, NULL,
	    "the register's DNS zone (DESIGN 5.3)" },
	{ "ns", CONF_LIST, K(ns), "", 0, 0, NULL,
	    "name servers for the zone's NS records; empty = ns.<zone>" },
	{ "ns_address", CONF_LIST, K(ns_address), "", 0, 0, NULL,
	    "name=address of each NS name inside the zone (glue, RFC 1034 4.2.1); default ns.<zone>"
	    " gets the dns_listen addresses" },
	{ "soa_rname", CONF_STR, K(soa_rname), "", 0, 0, NULL,
	    "SOA responsible mailbox as a name; empty = hostmaster.<zone>" },
	{ "ttl", CONF_DURATION, K(ttl), "300", 1 * SEC, 7 * DAY, NULL,
	    "TTL of the zone's records" },
	{ "soa_refresh", CONF_DURATION, K(soa_refresh), "1h", 1 * SEC, 30 * DAY, NULL,
	    "SOA REFRESH: how often secondaries poll without a NOTIFY" },
	{ "soa_retry", CONF_DURATION, K(soa_retry), "10m", 1 * SEC, 30 * DAY, NULL,
	    "SOA RETRY after a failed refresh" },
	{ "soa_expire", CONF_DURATION, K(soa_expire), "7d", 1 * MIN, 365 * DAY, NULL,
	    "SOA EXPIRE: secondaries stop answering after this without the primary" },
	{ "soa_minimum", CONF_DURATION, K(soa_minimum), "5m", 0, 7 * DAY, NULL,
	    "SOA MINIMUM: negative-answer TTL (RFC 2308)" },
	{ "dns_listen", CONF_ADDRS, K(dns_listen), "127.0.0.1:5353", 0, 0, NULL,
	    "addresses (IP:port; port 0 = any free port) the zone is served on, UDP and TCP" },
	{ "notify", CONF_ADDRS, K(notify), "", 1, 65535, NULL,
	    "secondaries (IP:port) sent a NOTIFY on each change; they may also transfer" },
	{ "allow_transfer", CONF_LIST, K(allow_transfer), "", 0, 0, NULL,
	    "further client addresses allowed to AXFR/IXFR the zone" },
	{ "notify_retry", CONF_DURATION, K(notify_retry), "3s", 100, 10 * MIN, NULL,
	    "wait before re-sending an unanswered NOTIFY (5 tries, RFC 1996 3.6)" },
	{ "edns_size", CONF_SIZE, K(edns_size), "1232", 512, 4096, NULL,
	    "largest UDP answer we send to EDNS clients (RFC 6891)" },
	{ "dns_tcp_clients", CONF_INT, K(dns_tcp_clients), "64", 1, 10000, NULL,
	    "concurrent DNS-over-TCP connections" },
	{ "dns_tcp_reserved", CONF_INT, K(dns_tcp_reserved), "4", 0, 10000, NULL,
	    "of dns_tcp_clients, slots only configured secondaries (notify, allow_transfer) may use" },
	{ "dns_tcp_per_address", CONF_INT, K(dns_tcp_per_address), "8", 1, 10000, NULL,
	    "DNS-over-TCP connections per client address (IPv6: per /64); secondaries exempt" },
	{ "dns_tcp_idle", CONF_DURATION, K(dns_tcp_idle), "10s", 100, 10 * MIN, NULL,
	    "a TCP connection without a query for this long is closed (RFC 7766 6.2.3)" },
	{ "dns_tcp_query_timeout", CONF_DURATION, K(dns_tcp_query_timeout), "5s", 100, 10 * MIN,
	    NULL, "time from a TCP query's first octet to its last, however slowly it comes" },
	{ "http_listen", CONF_ADDRS, K(http_listen), "127.0.0.1:8080", 0, 0, NULL,
	    "addresses (IP:port; port 0 = any free port) for the HTTP API and web UI" },
	{ "http_max_body", CONF_SIZE, K(http_max_body), "1m", 1 * KB, 64 * MB, NULL,
	    "largest HTTP request body (a reported message included)" },
	{ "http_timeout", CONF_DURATION, K(http_timeout), "30s", 1 * SEC, 10 * MIN, NULL,
	    "time a client has to send a request" },
	{ "site_name", CONF_STR, K(site_name), "vouch registry", 0, 0, NULL,
	    "title shown on the web pages" },
	{ "admin_session_ttl", CONF_DURATION, K(admin_session_ttl), "8h", 1 * SEC, 30 * DAY, NULL,
	    "how long an admin's web sign-in lasts" },
	{ "http_secure_cookie", CONF_BOOL, K(http_secure_cookie), "no", 0, 0, NULL,
	    "mark the admin cookie Secure even without a trusted proxy saying https" },
	{ "http_trusted_proxies", CONF_LIST, K(http_trusted_proxies), "", 0, 0, NULL,
	    "proxy addresses whose X-Forwarded-For (client address) and X-Forwarded-Proto count" },
	{ "sponsors_required", CONF_INT, K(sponsors_required), "2", 0, 100, NULL,
	    "sponsors that waive the bond and approve automatically once tests pass" },
	{ "suspend_threshold", CONF_INT, K(suspend_threshold), "3", 1, 10000, NULL,
	    "confirmed abuse reports within report_window that suspend a server" },
	{ "suspend_reporters", CONF_INT, K(suspend_reporters), "2", 1, 1000, NULL,
	    "independent reporters those reports must come from (a trap owner counts once, each"
	    " report an admin confirmed once)" },
	{ "report_window", CONF_DURATION, K(report_window), "30d", 1 * HOUR, 3650 * DAY, NULL,
	    "period over which confirmed reports count towards suspension" },
	{ "bond_amount", CONF_INT, K(bond_amount), "100", 0, 1000000000, NULL,
	    "bond recorded as held when a server is approved without enough sponsors" },
	{ "max_report_size", CONF_SIZE, K(max_report_size), "1m", 1 * KB, 64 * MB, NULL,
	    "largest reported message kept" },
	{ "auto_certify", CONF_BOOL, K(auto_certify), "yes", 0, 0, NULL,
	    "queue the tests on apply; they connect only if every address is public, else a person"
	    " starts them" },
	{ "fee_period", CONF_DURATION, K(fee_period), "365d", 1 * DAY, 3650 * DAY, NULL,
	    "time from registration until the yearly fee is due" },
	{ "certify_port", CONF_INT, K(certify_port), "25", 1, 65535, NULL,
	    "SMTP port the certification tests connect to" },
	{ "certify_timeout", CONF_DURATION, K(certify_timeout), "20s", 100, 10 * MIN, NULL,
	    "time allowed for each reply during a certification test" },
	{ "certify_sources", CONF_LIST, K(certify_sources), "", 0, 0, NULL,
	    "local addresses to run the tests from (each once); empty = the system's choice" },
	{ "certify_helo", CONF_STR, K(certify_helo), "", 0, 0, NULL,
	    "EHLO name the tests use; empty = the zone name" },
	{ "certify_relay_target", CONF_STR, K(certify_relay_target), "relaytest@example.com", 0, 0,
	    NULL, "foreign mailbox the relay tricks try to reach" },
	{ "certify_tls_verify", CONF_BOOL, K(certify_tls_verify), "no", 0, 0, NULL,
	    "require the STARTTLS certificate to verify and match the hostname" },
	{ "certify_ca_file", CONF_STR, K(certify_ca_file), "", 0, 0, NULL,
	    "CA bundle for certify_tls_verify; empty = the system's" },
	{ "certify_allow_networks", CONF_LIST, K(certify_allow_networks), "", 0, 0, NULL,
	    "special-purpose networks (loopback, private, ...) the tests may connect to anyway" },
	{ "hosts", CONF_LIST, K(hosts), "", 0, 0, NULL,
	    "static name=address entries used instead of DNS by the tests (test worlds)" },
	{ "certify_concurrency", CONF_INT, K(certify_concurrency), "4", 1, 64, NULL,
	    "certification runs at once" },
	{ "notice_relay", CONF_ADDR, K(notice_relay), "", 1, 65535, NULL,
	    "SMTP relay (IP:port) for the mails to owners on suspension, forfeit, reinstatement;"
	    " empty = none sent" },
	{ "notice_from", CONF_STR, K(notice_from), "", 0, 0, NULL,
	    "sender of those mails; empty = registry@<zone>" },
	{ "notice_dir", CONF_STR, K(notice_dir), "", 0, 0, NULL,
	    "folder of the notice-<kind>.txt templates; empty = the configuration file's folder" },
	{ "notice_helo", CONF_STR, K(notice_helo), "", 0, 0, NULL,
	    "EHLO name towards notice_relay; empty = the zone name" },
	{ "notice_retry", CONF_DURATION, K(notice_retry), "5m", 1 * SEC, 1 * DAY, NULL,
	    "wait before trying a mail again after a temporary failure (for a day at most)" },
	{ "site_url", CONF_STR, K(site_url), "", 0, 0, NULL,
	    "the web UI's public address, quoted in the mails (${site_url}); empty = none" },
	{ "limit_applications", CONF_INT, K(limit_applications), "10", 0, 1000000, NULL,
	    "applications one client address may file per limit_window (0 = no limit)" },
	{ "limit_reports", CONF_INT, K(limit_reports), "30", 0, 1000000, NULL,
	    "abuse reports one client address may file per limit_window (0 = no limit)" },
	{ "limit_window", CONF_DURATION, K(limit_window), "1h", 1 * SEC, 30 * DAY, NULL,
	    "the period the per-client limits count over" },
	{ NULL, 0, 0, NULL, 0, 0, NULL, NULL },
};

/* name (any case, final dot or not) lower-cased without the dot into out. */
static void
plain_name(const char *name, size_t len, char *out, size_t outsz)
{
	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len >= outsz)
		len = outsz - 1;
	memcpy(out, name, len);
	out[len] = '\0';
	str_lower(out);
}

/* True if name (plain) is the zone or below it. */
static int
in_zone(const char *name, const char *zone)
{
	size_t nl = strlen(name), zl = strlen(zone);

	if (nl == zl)
		return strcmp(name, zone) == 0;
	return nl > zl && name[nl - zl - 1] == '.' && strcmp(name + nl - zl, zone) == 0;
}

static void
list_push(struct conf_list *l, const char *word)
{
	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n++] = xstrdup(word);
}

/*
 * RFC 1034 4.2.1: an NS name inside the zone needs its address in the
 * zone (glue), or no resolver can reach it and BIND refuses to load the
 * zone. Checks ns_address against the NS names and completes it: the
 * default NS (ns.<zone>, this process) gets the dns_listen addresses.
 * Returns the number of errors appended to errs.
 */
static int
check_glue(struct reg_config *cfg, const char *name, struct strbuf *errs)
{
	char dflt[300], n[300];
	int nerr = 0;
	size_t nns = cfg->ns.n ? cfg->ns.n : 1;

	snprintf(dflt, sizeof(dflt), "ns.%s", cfg->zone);
	for (size_t i = 0; i < cfg->ns_address.n; i++) {
		const char *e = cfg->ns_address.v[i], *eq = strchr(e, '=');
		unsigned char b[16];
		int listed = 0;

		if (eq == NULL || eq == e ||
		    (inet_pton(AF_INET, eq + 1, b) != 1 && inet_pton(AF_INET6, eq + 1, b) != 1)) {
			strbuf_printf(
			    errs, "%s: ns_address '%s' is not name=IP-address\n", name, e);
			nerr++;
			continue;
		}
		plain_name(e, (size_t)(eq - e), n, sizeof(n));
		for (size_t k = 0; k < nns; k++) {
			char ns[300];
			const char *w = cfg->ns.n ? cfg->ns.v[k] : dflt;
			plain_name(w, strlen(w), ns, sizeof(ns));
			listed |= strcmp(ns, n) == 0;
		}
		if (!listed || !in_zone(n, cfg->zone)) {
			strbuf_printf(errs, "%s: ns_address '%s': %s\n", name, e,
			    !listed
			        ? "the name is not one of the ns names"
			        : "the name is outside the zone (its own zone gives its address)");
			nerr++;
		}
	}
	for (size_t k = 0; nerr == 0 && k < nns; k++) {
		const char *w = cfg->ns.n ? cfg->ns.v[k] : dflt;
		int has = 0;

		plain_name(w, strlen(w), n, sizeof(n));
		if (!in_zone(n, cfg->zone))
			continue;
		for (size_t i = 0; i < cfg->ns_address.n; i++) {
			char g[300];
			const char *e = cfg->ns_address.v[i];
			plain_name(e, (size_t)(strchr(e, '=') - e), g, sizeof(g));
			has |= strcmp(g, n) == 0;
		}
		if (has)
			continue;
		if (cfg->ns.n == 0) {
			/* the default NS is this process: its listen addresses */
			for (size_t i = 0; i < cfg->dns_listen.n; i++) {
				struct sockaddr_storage ss;
				socklen_t sl;
				char why[200], ip[INET6_ADDRSTRLEN], word[400];
				const void *a;

				if (netaddr_parse(cfg->dns_listen.v[i], 0, 65535, &ss, &sl, why,
				        sizeof(why)) < 0)
					continue;
				if (ss.ss_family == AF_INET) {
					const struct sockaddr_in *s4 = (const void *)&ss;
					if (s4->sin_addr.s_addr == htonl(INADDR_ANY))
						continue;
					a = &s4->sin_addr;
				} else {
					const struct sockaddr_in6 *s6 = (const void *)&ss;
					if (IN6_IS_ADDR_UNSPECIFIED(&s6->sin6_addr))
						continue;
					a = &s6->sin6_addr;
				}
				inet_ntop(ss.ss_family, a, ip, sizeof(ip));
				snprintf(word, sizeof(word), "%s=%s", n, ip);
				list_push(&cfg->ns_address, word);
				has = 1;
			}
		}
		if (!has) {
			strbuf_printf(errs,
			    "%s: ns '%s' is inside the zone and has no address: set ns_address = "
			    "%s=IP (glue, RFC 1034 4.2.1)\n",
			    name, n, n);
			nerr++;
		}
	}
	return nerr;
}

/* The top-level block: each key is the registry's or the DNS client's. */
static int
apply_block(
    struct reg_config *cfg, const struct conf_block *blk, const char *name, struct strbuf *errs)
{
	int nerr = 0;
	char err[512];

	for (size_t i = 0; i < blk->nitems; i++) {
		const struct conf_item *it = &blk->items[i];
		const struct conf_key *k = conf_find(reg_config_keys, it->key);
		void *obj = cfg;

		if (k == NULL && (k = conf_find(dns_config_keys, it->key)) != NULL)
			obj = &cfg->dns;
		if (k == NULL) {
			strbuf_printf(
			    errs, "%s:%d: unknown setting '%s'\n", name, it->line, it->key);
			nerr++;
		} else if (conf_set(k, obj, it->value, it->append, err, sizeof(err)) < 0) {
			strbuf_printf(errs, "%s:%d: %s\n", name, it->line, err);
			nerr++;
		}
	}
	return nerr;
}

struct reg_config *
reg_config_load_text(const char *text, size_t len, const char *name, struct strbuf *errs)
{
	struct reg_config *cfg = xcalloc(1, sizeof(*cfg));
	struct conf_doc doc = { NULL, 0 };
	int bad = 0;

	conf_defaults(reg_config_keys, cfg);
	conf_defaults(dns_config_keys, &cfg->dns);
	if (text != NULL) {
		if (conf_parse(text, len, name, &doc, errs) < 0)
			bad = 1;
		if (doc.nblocks > 0 && apply_block(cfg, &doc.blocks[0], name, errs) > 0)
			bad = 1;
		for (size_t i = 1; i < doc.nblocks; i++) {
			strbuf_printf(errs, "%s:%d: unexpected block '%s'\n", name,
			    doc.blocks[i].line, doc.blocks[i].kind ? doc.blocks[i].kind : "");
			bad = 1;
		}
		conf_doc_free(&doc);
	}
	for (size_t i = 0; !bad && i < cfg->certify_allow_networks.n; i++) {
		struct list_entry e;
		char why[200];
		if (list_parse(cfg->certify_allow_networks.v[i], &e, why, sizeof(why)) < 0 ||
		    (e.kind != LIST_ADDR && e.kind != LIST_NET)) {
			strbuf_printf(errs, "%s: certify_allow_networks: '%s' is not a network\n",
			    name, cfg->certify_allow_networks.v[i]);
			bad = 1;
		}
	}
	if (!bad && cfg->zone[0] == '\0') {
		strbuf_printf(errs, "%s: zone must not be empty\n", name);
		bad = 1;
	}
	if (!bad && cfg->dns_tcp_reserved >= cfg->dns_tcp_clients) {
		strbuf_printf(errs,
		    "%s: dns_tcp_reserved (%lld) must be less than dns_tcp_clients (%lld)\n", name,
		    cfg->dns_tcp_reserved, cfg->dns_tcp_clients);
		bad = 1;
	}
	for (size_t i = 0; !bad && i < cfg->hosts.n; i++) {
		if (strchr(cfg->hosts.v[i], '=') == NULL) {
			strbuf_printf(errs, "%s: hosts entry '%s' is not name=address\n", name,
			    cfg->hosts.v[i]);
			bad = 1;
		}
	}
	if (bad) {
		reg_config_free(cfg);
		return NULL;
	}
	/* names are stored without the final dot, lower-case */
	str_lower(cfg->zone);
	{
		size_t zl = strlen(cfg->zone);
		if (zl > 1 && cfg->zone[zl - 1] == '.')
			cfg->zone[zl - 1] = '\0';
	}
	if (check_glue(cfg, name, errs) > 0) {
		reg_config_free(cfg);
		return NULL;
	}
	return cfg;
}

struct reg_config *
reg_config_load(const char *path, struct strbuf *errs)
{
	struct reg_config *cfg;
	struct strbuf text;
	FILE *f;
	char buf[4096];
	size_t n;

	if (path == NULL)
		return reg_config_load_text(NULL, 0, "<defaults>", errs);
	f = fopen(path, "r");
	if (f == NULL) {
		strbuf_printf(errs, "%s: %s\n", path, strerror(errno));
		return NULL;
	}
	strbuf_init(&text, 4 * 1024 * 1024);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		if (strbuf_append(&text, buf, n) < 0) {
			strbuf_printf(errs, "%s: file too large\n", path);
			fclose(f);
			strbuf_free(&text);
			return NULL;
		}
	}
	fclose(f);
	cfg = reg_config_load_text(text.s ? text.s : "", text.len, path, errs);
	strbuf_free(&text);
	if (cfg)
		cfg->path = xstrdup(path);
	return cfg;
}

void
reg_config_free(struct reg_config *cfg)
{
	if (cfg == NULL)
		return;
	conf_release(reg_config_keys, cfg);
	conf_release(dns_config_keys, &cfg->dns);
	free(cfg->path);
	free(cfg);
}

void
reg_config_print(const struct reg_config *cfg, struct strbuf *out)
{
	conf_print(reg_config_keys, cfg, "", out);
	conf_print(dns_config_keys, &cfg->dns, "", out);
}
