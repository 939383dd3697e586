/*
 * reg_zone: the register as a DNS zone (DESIGN 5.3), built in memory.
 *
 *   <zone>                       SOA, NS (configured)
 *   <ns name>.<zone>             A / AAAA of the NS names inside the zone (glue)
 *   <hostname>.<zone>            A 127.0.0.2 (active) | 127.0.0.3 (suspended)
 *                                TXT "v=vouch1; class=<c>; since=<YYYY-MM-DD>; sponsors=<n>"
 *   <reversed-ip>.ip.<zone>      A 127.0.0.2 | 127.0.0.3 (any active server
 *                                with the address makes it .2)
 *                                TXT "v=vouch1; host=<hostname>" (one per server)
 *
 * IPv4 addresses are reversed by octet (2.0.0.127.ip.<zone> for
 * 127.0.0.2), IPv6 by nibble as in ip6.arpa. Everything else is NXDOMAIN.
 *
 * Owns building the RR set from a list of published servers (pure),
 * keeping it in RFC 4034 canonical order for lookups, empty non-terminal
 * detection, and writing an RFC 1035 master file. A built zone is
 * immutable and reference-counted, so zone transfers in progress keep the
 * version they started with while a new one replaces it.
 */
#ifndef VOUCH_REGISTRY_REG_ZONE_H
#define VOUCH_REGISTRY_REG_ZONE_H

#include <stddef.h>
#include <stdint.h>

#include "dns/dns_wire.h"
#include "util/str.h"

struct reg_zone_rr {
	struct dns_wire_name owner; /* lower-case */
	uint16_t type;
	uint32_t ttl;
	uint16_t rdlen;
	uint8_t *rdata; /* owned; names inside are uncompressed */
};

struct reg_zone {
	int refs;
	struct dns_wire_name apex;
	uint32_t serial;
	struct reg_zone_rr *rrs; /* canonical order by owner, then type, rdata */
	size_t n;
	size_t soa; /* index of the SOA */
};

/* Zone-wide settings (from reg_config). */
struct reg_zone_params {
	const char *zone;
	const char *const *ns;
	size_t nns;
	const char *soa_rname; /* NULL or "" = hostmaster.<zone> */
	uint32_t serial, ttl, refresh, retry, expire, minimum;
	/* "name=address" address records of in-zone NS names (glue) */
	const char *const *glue;
	size_t nglue;
};

/* One server as the zone shows it. */
struct reg_zone_server {
	const char *hostname;
	const char *mclass;
	int suspended;
	long long since; /* Unix time of registration */
	int sponsors;
	const char *const *addrs;
	size_t naddrs;
};

/*
 * Build a zone. Servers whose names do not fit under the zone are skipped
 * (and counted in *skipped when not NULL). Returns REG_OK and *out with one
 * reference, or REG_EINVAL with a reason in err.
 */
int reg_zone_build(const struct reg_zone_params *p, const struct reg_zone_server *servers, size_t n,
    struct reg_zone **out, size_t *skipped, struct strbuf *err);
/* Take and drop references; the last unref frees. NULL-safe. */
struct reg_zone *reg_zone_ref(struct reg_zone *z);
void reg_zone_unref(struct reg_zone *z);

/* Canonical order of two RRs: owner (RFC 4034 6.1), SOA first, type, RDATA. */
int reg_zone_rr_cmp(const struct reg_zone_rr *a, const struct reg_zone_rr *b);
/* Index of the first RR owned by name and their count (0 if none). */
size_t reg_zone_find(const struct reg_zone *z, const struct dns_wire_name *name, size_t *count);
/* True if name exists: owns RRs or is an empty non-terminal above some. */
int reg_zone_name_exists(const struct reg_zone *z, const struct dns_wire_name *name);
/* Append one RR to a message, compressing names (NS and SOA RDATA too). */
int reg_zone_put_rr(struct dns_wire_writer *w, const struct reg_zone_rr *rr);
/* Write the zone as an RFC 1035 master file ($ORIGIN, $TTL, SOA first). */
int reg_zone_write_text(const struct reg_zone *z, struct strbuf *out);
/* The owner name for a host or an address under zone (text, final dot). */
int reg_zone_host_name(const char *zone, const char *hostname, struct dns_wire_name *out);
int reg_zone_ip_name(const char *zone, const char *addr, struct dns_wire_name *out);

#endif
