/*
 * reg_certq: runs certifications off the event loop.
 *
 * Submitting (on the loop thread) moves an applicant to "testing" and
 * queues a job; up to certify_concurrency worker threads run the blocking
 * tests (reg_certify) without touching the database; each finished job is
 * handed back through a pipe, and on the loop thread its report is stored
 * and the workflow told (reg_workflow_certified), after which done() is
 * called. reg_certq_run_sync does the same in the caller's thread (CLI).
 */
#ifndef VOUCH_REGISTRY_REG_CERTQ_H
#define VOUCH_REGISTRY_REG_CERTQ_H

#include <event2/event.h>

#include "reg_certify.h"
#include "reg_config.h"
#include "reg_db.h"
#include "reg_workflow.h"

struct reg_certq;

typedef void (*reg_certq_done_fn)(
    void *arg, const char *hostname, const struct reg_workflow_res *res);

/* Create a queue on base; cfg and db must outlive it. */
struct reg_certq *reg_certq_new(struct event_base *base, const struct reg_config *cfg,
    struct reg_db *db, reg_certq_done_fn done, void *arg);
/* Waits for running jobs, drops queued ones; NULL-safe. */
void reg_certq_free(struct reg_certq *q);
/* Start certifying hostname: ENOTFOUND, ECONFLICT (deregistered or already
 * queued), ETEMP. res tells what the status became. */
int reg_certq_submit(struct reg_certq *q, const char *hostname, struct reg_workflow_res *res);
/* Jobs queued or running. */
size_t reg_certq_busy(const struct reg_certq *q);

/* Certify hostname now, in this thread: start, run, store, decide. */
int reg_certq_run_sync(struct reg_db *db, const struct reg_config *cfg, const char *hostname,
    struct reg_certify_result *out, struct reg_workflow_res *res);

#endif
