/*
 * reg_owner: offender records, what owners of registered servers
 * contribute besides their server and their spam traps (reg_trap): users
 * an owner identified after an incident, by the owner's own reference,
 * with no personal data required, which owners of active servers may
 * query.
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

/* Record an offender reference for server_id. */
int reg_owner_offender_add(
    struct reg_db *db, long long server_id, const char *reference, const char *note, long long *id);
/* Offender records with this reference (exact), newest first. */
int
reg_owner_offenders(struct reg_db *db, const char *reference, struct reg_offender **out, size_t *n);
/* Free an offender array. */
void reg_owner_offenders_free(struct reg_offender *v, size_t n);

#endif
