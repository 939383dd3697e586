/*
 * dns_cache: the DNS client's own cache of answers (dns.c), in front of
 * the backend. libunbound caches too, but each of its answers still
 * crosses its worker thread, a pipe and a ub_result conversion; on a busy
 * receiver the same few names (a sender's DKIM key, its SPF record, the
 * registrar's entries) are asked for over and over, and that round trip
 * was a third of vouchd's CPU time. Here a repeated question is answered
 * from a deep copy, on the loop, for as long as its TTL allows -- never
 * longer than libunbound itself would keep it (the same caps: a day for
 * an answer, an hour for a negative one), so what a client sees does not
 * change, only what it costs.
 *
 * Cached: answers, NXDOMAIN and NODATA with a TTL above 0, with their
 * DNSSEC state. Never cached: temporary and permanent failures (a
 * timeout or SERVFAIL is asked again next time), bogus answers, TTL 0.
 * Names are compared without case and without a trailing dot. The table
 * holds at most max entries; past that, the least recently used goes.
 */
#ifndef VOUCH_DNS_DNS_CACHE_H
#define VOUCH_DNS_DNS_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "dns/dns.h"

#define DNS_CACHE_MAX_TTL 86400u    /* libunbound's cache-max-ttl */
#define DNS_CACHE_MAX_NEG_TTL 3600u /* libunbound's cache-max-negative-ttl */

struct dns_cache;

struct dns_cache *dns_cache_new(size_t max);
void dns_cache_free(struct dns_cache *c);
/* A copy of the answer to (name, type) valid at now (seconds on a
 * monotonic clock), its ttl the seconds left and its qname name; or NULL. */
struct dns_result *
dns_cache_get(struct dns_cache *c, const char *name, enum dns_type type, int64_t now);
/* Remember a copy of res (if it may be cached) from now for its TTL. */
void dns_cache_put(struct dns_cache *c, const struct dns_result *res, int64_t now);
size_t dns_cache_count(const struct dns_cache *c);

#endif
