/*
 * dnslist: DNS block and allow lists (DNSBL, DNSWL) for a client address,
 * per RFC 5782: the address's octets (IPv4) or nibbles (IPv6) reversed
 * under each configured zone; an A record in 127.0.0.0/8 means listed,
 * with the record as its code, the TXT record at the same name gives the
 * reason, NXDOMAIN means not listed, and anything else (a timeout,
 * SERVFAIL, NODATA, an answer outside 127.0.0.0/8, a list's own error
 * codes in 127.255.255.0/24) is a temporary error. One outcome per zone;
 * what a listing means (block, allow, score) is the policy's business.
 *
 * A zone may be configured with a filter of the codes that count, in the
 * style of Postfix: "zen.example.org=127.0.0.[2..11]" or
 * "list.example=127.0.[0;1].[2..4;10]".
 *
 * Use from an event loop:
 *
 *	sess->bl = dnslist_check_start(dns, zones, nzones, AF_INET, &ip4, on_bl, sess);
 *	...
 *	static void on_bl(const struct dnslist_outcome *o, void *arg) {
 *		... o->zones[i].result, .codes, .text ...
 *		dnslist_check_free(sess->bl);	// allowed here
 *		sess->bl = NULL;
 *	}
 *
 * The check belongs to its caller: the callback comes once, from the event
 * loop, when every zone has answered; dnslist_check_free() at any time
 * before cancels the queries and no callback follows.
 */
#ifndef VOUCH_AUTH_DNSLIST_H
#define VOUCH_AUTH_DNSLIST_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/dns_name.h"

struct dns_client;
struct dnslist_check;

/* Zones per check, and A records kept per zone. */
#define DNSLIST_ZONES_MAX 16
#define DNSLIST_CODES_MAX 8

/* A configured zone: its name and, optionally, the codes that count. */
struct dnslist_zone {
	char zone[DNS_NAME_MAX + 1];
	int filtered;                 /* only codes matching the pattern count */
	uint8_t octet[4][32];         /* per octet: a bitmap of the values allowed */
	char spec[DNS_NAME_MAX + 64]; /* as configured, for logs */
};

enum dnslist_result {
	DNSLIST_NOT_LISTED = 0, /* NXDOMAIN, or only codes the filter ignores */
	DNSLIST_LISTED,         /* an A record in 127.0.0.0/8 that counts */
	DNSLIST_TEMPERROR,      /* no usable answer: try again later */
};

struct dnslist_zone_result {
	char zone[DNS_NAME_MAX + 1];
	enum dnslist_result result;
	struct in_addr codes[DNSLIST_CODES_MAX]; /* the A records (all of them) */
	size_t ncodes;
	char text[256];   /* the TXT reason when listed, cleaned; "" if none */
	char reason[320]; /* one line for logs and replies */
};

struct dnslist_outcome {
	char address[INET6_ADDRSTRLEN];
	size_t nzones;
	struct dnslist_zone_result zones[DNSLIST_ZONES_MAX];
	int listed;    /* some zone says LISTED */
	int temperror; /* some zone says TEMPERROR */
};

/* Called once when every zone has answered; o is valid until freed. */
typedef void (*dnslist_cb)(const struct dnslist_outcome *o, void *arg);

/*
 * Parse a zone setting "ZONE" or "ZONE=PATTERN" (pure). PATTERN is four
 * dot-separated octets, each a number or "[...]" holding numbers and
 * ranges "N..M" separated by ';'. Returns 0, or -1 with a reason in err.
 */
int dnslist_zone_parse(const char *spec, struct dnslist_zone *out, char *err, size_t errsz);
/* True if the A record value a counts for zone z. */
int dnslist_zone_matches(const struct dnslist_zone *z, struct in_addr a);

/*
 * The query name for an address under zone (RFC 5782 2.1, 2.4):
 * "2.0.2.192.zone" or 32 nibbles + ".zone". af is AF_INET (4 bytes) or
 * AF_INET6 (16 bytes). Returns 0, or -1 if it does not fit in outsz or is
 * not a valid DNS name (a zone too long for an IPv6 name).
 */
int dnslist_qname(int af, const void *addr, const char *zone, char *out, size_t outsz);

/*
 * Look addr up in zones[0 .. nzones) (copied; at most DNSLIST_ZONES_MAX),
 * all at once. dns is borrowed and must outlive the check.
 */
struct dnslist_check *dnslist_check_start(struct dns_client *dns, const struct dnslist_zone *zones,
    size_t nzones, int af, const void *addr, dnslist_cb cb, void *arg);
/* Cancel if still running and free. NULL-safe. */
void dnslist_check_free(struct dnslist_check *chk);
/* The outcome (final once the callback ran). */
const struct dnslist_outcome *dnslist_check_outcome(const struct dnslist_check *chk);
/* Synchronous, for the CLI and tests (a client whose base nobody else runs). */
void dnslist_check_sync(struct dns_client *dns, const struct dnslist_zone *zones, size_t nzones,
    int af, const void *addr, struct dnslist_outcome *out);

/* "listed", "notlisted", "temperror". */
const char *dnslist_result_name(enum dnslist_result r);

#endif
