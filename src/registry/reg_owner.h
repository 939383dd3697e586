/*
 * reg_owner: what owners of registered servers contribute besides their
 * server: spam trap addresses (any message reaching one is an automatic,
 * confirmed abuse report; see reg_report) and offender records (users an
 * owner identified after an incident, by the owner's own reference, with
 * no personal data required), which owners of active servers may query.
 */
#ifndef VOUCH_REGISTRY_REG_OWNER_H
#define VOUCH_REGISTRY_REG_OWNER_H

#include <stddef.h>

#include "reg_db.h"

struct reg_offender {
	long long id;
	char *server; /* reporting server's host name */
	char *reference, *note;
	long long created_at;
};

/* Register a trap address (lower-cased) for server_id; ECONFLICT if known. */
int reg_owner_trap_add(struct reg_db *db, long long server_id, const char *address);
/* A server's trap addresses (caller frees each and the array). */
int reg_owner_traps(struct reg_db *db, long long server_id, char ***out, size_t *n);
/* Record an offender reference for server_id. */
int reg_owner_offender_add(
    struct reg_db *db, long long server_id, const char *reference, const char *note, long long *id);
/* Offender records with this reference (exact), newest first. */
int
reg_owner_offenders(struct reg_db *db, const char *reference, struct reg_offender **out, size_t *n);
/* Free an offender array. */
void reg_owner_offenders_free(struct reg_offender *v, size_t n);

#endif
