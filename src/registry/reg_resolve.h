/*
 * reg_resolve: name-to-address lookups for the certification tests,
 * behind a small backend interface: the system resolver (getaddrinfo) or
 * a static table from the configuration ("name=address" entries, for test
 * worlds on loopback). Both are safe to use from worker threads.
 */
#ifndef VOUCH_REGISTRY_REG_RESOLVE_H
#define VOUCH_REGISTRY_REG_RESOLVE_H

#include <stddef.h>

#include "reg_validate.h"
#include "util/conf.h"

struct reg_resolve;

/* A table resolver when hosts has entries, else the system's. Caller
 * frees with reg_resolve_free. */
struct reg_resolve *reg_resolve_new(const struct conf_list *hosts);
/* Release; NULL-safe. */
void reg_resolve_free(struct reg_resolve *r);
/* Addresses (A and AAAA) of name, at most max: REG_OK with *n >= 1,
 * REG_ENOTFOUND (no such name or no address) or REG_ETEMP. */
int reg_resolve_addrs(
    struct reg_resolve *r, const char *name, char out[][REG_ADDR_MAX], size_t max, size_t *n);
/* Name of the backend ("system" or "table"), for reports. */
const char *reg_resolve_kind(const struct reg_resolve *r);

#endif
