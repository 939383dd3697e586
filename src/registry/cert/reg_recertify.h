/*
 * reg_recertify: certification runs asked for by a confirmed abuse report.
 *
 * A confirmation (by an admin, the CLI, or a spam trap, in any process)
 * records a request in the database, in the confirming transaction, with
 * a history line; the serve loop takes the requests and queues the runs
 * (reg_certq), whose results the workflow records in the history as for
 * any re-run. One request per server is pending at most: more confirmed
 * reports before the run start the same run.
 *
 * Owns the recertify table.
 */
#ifndef VOUCH_REGISTRY_REG_RECERTIFY_H
#define VOUCH_REGISTRY_REG_RECERTIFY_H

#include <stddef.h>

#include "reg_db.h"

/* A pending request, as taken. */
struct reg_recertify {
	long long server_id, report_id;
	char hostname[256];
	int by_person; /* confirmed by a person (not a trap): a person asked */
};

/*
 * Inside the caller's transaction: report_id against server_id was
 * confirmed by actor; ask for a run and write the history line. ETEMP.
 */
int reg_recertify_request(
    struct reg_db *db, long long server_id, long long report_id, const char *actor);
/*
 * Take (and delete) up to max pending requests of servers that are not
 * deregistered, oldest first, into out; *n gets the count. ETEMP.
 */
int reg_recertify_take(struct reg_db *db, struct reg_recertify *out, size_t max, size_t *n);

#endif
