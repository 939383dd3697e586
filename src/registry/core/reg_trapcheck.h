/*
 * reg_trapcheck: the MX checks of newly registered spam traps, on the
 * serve loop through libvouch's DNS client: each check looks the trap's
 * domain up (MX), judges the answer (reg_trap_mx_verdict) and records it
 * on the trap, which it finds again by its id. Owns the checks in flight;
 * freeing cancels them (the traps stay pending).
 */
#ifndef VOUCH_REGISTRY_REG_TRAPCHECK_H
#define VOUCH_REGISTRY_REG_TRAPCHECK_H

#include "reg_db.h"

struct dns_client;
struct reg_trapcheck;

/* db and dns must outlive it. */
struct reg_trapcheck *reg_trapcheck_new(struct reg_db *db, struct dns_client *dns);
void reg_trapcheck_free(struct reg_trapcheck *t);
/* Check trap trap_id (address) of the server owner_host. */
void reg_trapcheck_start(
    struct reg_trapcheck *t, long long trap_id, const char *address, const char *owner_host);
/* Checks in flight. */
size_t reg_trapcheck_pending(const struct reg_trapcheck *t);

#endif
