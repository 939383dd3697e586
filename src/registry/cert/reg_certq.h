/*
 * reg_certq: the queue of certification runs on the serve loop.
 *
 * Submitting moves an applicant to "testing" and queues a job; at most
 * certify_concurrency runs (reg_certify, all on the loop: libvouch's SMTP
 * and DNS clients never block) go at once. When a run ends, its report
 * is stored and the workflow told (reg_workflow_certified, or
 * reg_workflow_certify_held when an automatic run found an address that
 * is not public), after which done() is called. reg_certq_run_sync does
 * the same on a loop of its own, for the CLI.
 *
 * Owns the runs, the TLS client context and the certify_allow_networks
 * list they use; borrows the DNS client.
 */
#ifndef VOUCH_REGISTRY_REG_CERTQ_H
#define VOUCH_REGISTRY_REG_CERTQ_H

#include <stddef.h>

#include "reg_certify.h"
#include "reg_config.h"
#include "reg_db.h"
#include "reg_workflow.h"

struct event_base;
struct dns_client;
struct reg_certq;

typedef void (*reg_certq_done_fn)(
    void *arg, const char *hostname, const struct reg_workflow_res *res);

/* Create a queue on base; cfg, db and dns must outlive it. NULL with a
 * reason in err (the TLS context or certify_allow_networks). */
struct reg_certq *
reg_certq_new(struct event_base *base, const struct reg_config *cfg, struct reg_db *db,
    struct dns_client *dns, reg_certq_done_fn done, void *arg, char *err, size_t errsz);
/* Stop every run (nothing is stored for them) and free; NULL-safe. */
void reg_certq_free(struct reg_certq *q);
/*
 * Start certifying hostname: automatic when no person asked (an
 * application): then only public addresses are tested. ENOTFOUND,
 * ECONFLICT (deregistered or already queued), ETEMP; res says what the
 * status became.
 */
int reg_certq_submit(
    struct reg_certq *q, const char *hostname, int automatic, struct reg_workflow_res *res);
/* Jobs queued or running. */
size_t reg_certq_busy(const struct reg_certq *q);

/* Certify hostname now, as a person asked (the CLI): start, run on a loop
 * of its own, store, decide. out->report is the caller's (free). */
int reg_certq_run_sync(struct reg_db *db, const struct reg_config *cfg, const char *hostname,
    struct reg_certify_result *out, struct reg_workflow_res *res);

#endif
