/*
 * reg_workflow: the registration state machine.
 *
 *   applied --certify--> testing --pass/fail--> applied
 *   testing --held (an automatic run found an address that is not
 *             public: a person must start it)--> applied
 *   applied --approve (tests passed; admin, or automatic when sponsors
 *             suffice)--> active
 *   active --suspend (admin, or confirmed abuse over the threshold)--> suspended
 *   suspended --reinstate--> active
 *   any but deregistered --deregister--> deregistered
 *
 * Owns the transition table and the one function that changes a server's
 * status: it checks the table, applies the side effects (bond held,
 * forfeited or refunded; registration and fee dates), writes the history
 * line (who, when, why), logs the transition by name, and advances the zone
 * serial when what the zone publishes changed. Each verb is one
 * transaction.
 */
#ifndef VOUCH_REGISTRY_REG_WORKFLOW_H
#define VOUCH_REGISTRY_REG_WORKFLOW_H

#include "reg_config.h"
#include "reg_db.h"
#include "reg_input.h"
#include "reg_token.h"

enum reg_status {
	REG_ST_APPLIED,
	REG_ST_TESTING,
	REG_ST_ACTIVE,
	REG_ST_SUSPENDED,
	REG_ST_DEREGISTERED,
	REG_ST__COUNT
};

enum reg_action {
	REG_ACT_CERTIFY_START,
	REG_ACT_CERTIFY_PASS,
	REG_ACT_CERTIFY_FAIL,
	REG_ACT_CERTIFY_HOLD,
	REG_ACT_APPROVE,
	REG_ACT_SUSPEND,
	REG_ACT_REINSTATE,
	REG_ACT_DEREGISTER,
	REG_ACT__COUNT
};

/* What a verb did: statuses before and after and a sentence for people. */
struct reg_workflow_res {
	char from[16], to[16];
	char msg[256];
	int zone_changed; /* the published zone differs now */
};

/* Status names as stored ("applied", ...). */
const char *reg_workflow_status_name(enum reg_status st);
/* Parse a status name; -1 if unknown. */
int reg_workflow_status_parse(const char *name);
/* Action names ("approve", ...); parse returns -1 if unknown. */
const char *reg_workflow_action_name(enum reg_action a);
int reg_workflow_action_parse(const char *name);

/* Store a new application and create its owner token (written to token). */
int reg_workflow_apply(struct reg_db *db, const struct reg_application *app, const char *actor,
    long long *id, char token[REG_TOKEN_MAX], struct reg_workflow_res *res);
/*
 * Run an admin or system action on a server. force lets an admin approve
 * a server whose certification has not passed. Errors: ENOTFOUND,
 * ECONFLICT (the table forbids it; res->msg says why), ETEMP.
 */
int reg_workflow_do(struct reg_db *db, const struct reg_config *cfg, const char *hostname,
    enum reg_action action, const char *actor, const char *reason, int force,
    struct reg_workflow_res *res);
/* Record a certification result (and approve when sponsors suffice). */
int reg_workflow_certified(struct reg_db *db, const struct reg_config *cfg, long long id,
    int passed, const char *summary, struct reg_workflow_res *res);
/* An automatic run was held before connecting (summary says why): back to
 * applied with certification "review", until an admin or a sponsor starts it. */
int reg_workflow_certify_held(struct reg_db *db, const struct reg_config *cfg, long long id,
    const char *summary, struct reg_workflow_res *res);
/* An active server sponsor_id vouches for hostname (approves if enough). */
int reg_workflow_sponsor(struct reg_db *db, const struct reg_config *cfg, const char *hostname,
    long long sponsor_id, struct reg_workflow_res *res);
/* Suspend server id when its confirmed reports within the window (and
 * since its last reinstatement) reach the threshold and come from at least
 * suspend_reporters independent reporters; res->to is "suspended" when it
 * did. */
int reg_workflow_check_abuse(
    struct reg_db *db, const struct reg_config *cfg, long long id, struct reg_workflow_res *res);

#endif
