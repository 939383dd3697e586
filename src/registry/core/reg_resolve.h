/*
 * reg_resolve: the registry's DNS client, libvouch's (dns/dns.h) on the
 * caller's event loop: libunbound configured by dns_resolver,
 * dns_trust_anchor and dns_timeout, or, when the static hosts table is
 * set ("name=address" entries, for test worlds on loopback), libvouch's
 * in-memory table backend answering A and AAAA from it. Owns the client
 * and the table it reads.
 */
#ifndef VOUCH_REGISTRY_REG_RESOLVE_H
#define VOUCH_REGISTRY_REG_RESOLVE_H

#include <stddef.h>

#include "dns/dns.h"
#include "reg_config.h"

struct event_base;
struct reg_resolve;

/* A resolver on base for cfg; NULL with a reason in err. */
struct reg_resolve *
reg_resolve_new(struct event_base *base, const struct reg_config *cfg, char *err, size_t errsz);
/* Release (every query is cancelled); NULL-safe. */
void reg_resolve_free(struct reg_resolve *r);
/* The client to start lookups with (valid until reg_resolve_free). */
struct dns_client *reg_resolve_client(struct reg_resolve *r);
/* "table" or "dns", for reports. */
const char *reg_resolve_kind(const struct reg_resolve *r);

#endif
