/*
 * reg_action: the verbs the API and the web UI share, each taking the
 * request's fields through a reg_input_src and returning an HTTP status
 * with a message a person can act on: apply (and start certification),
 * file an abuse report, run an admin action on a server, decide a report.
 * They tell the serve loop when the zone must be rebuilt.
 */
#ifndef VOUCH_REGISTRY_REG_ACTION_H
#define VOUCH_REGISTRY_REG_ACTION_H

#include "reg_http.h"
#include "reg_input.h"
#include "reg_report.h"
#include "reg_workflow.h"

struct reg_action_out {
	int status; /* HTTP status */
	char msg[512];
	char field[32];           /* the offending field on a 400 */
	struct reg_verr errs[16]; /* apply: every field's problem (errs[0] = field, msg) */
	size_t nerrs;
	char hostname[REG_HOSTNAME_MAX + 1];
	char token[REG_TOKEN_MAX]; /* apply: the owner token, shown once */
	int certifying;            /* apply/certify: tests started */
	long long retry_after;     /* 429: seconds until the client may try again */
	struct reg_workflow_res wf;
	struct reg_report_filed filed; /* report */
};

/* HTTP status for a reg_err. */
int reg_action_http_status(int err);
/* "admin#<token id>" or "owner#<id>" for the history, from the request. */
void reg_action_actor(const struct reg_req *q, char *out, size_t outsz);
/* Count one event of kind against the client's rate limit (limit per
 * limit_window): 0, or -1 with out set to 429 and retry_after. */
int
reg_action_rate(struct reg_req *q, const char *kind, long long limit, struct reg_action_out *out);
/* Apply with the fields of src. */
void
reg_action_apply(struct reg_req *q, const struct reg_input_src *src, struct reg_action_out *out);
/* File an abuse report (source "api" or "web"). */
void reg_action_report(struct reg_req *q, const struct reg_input_src *src, const char *source,
    struct reg_action_out *out);
/* approve|suspend|reinstate|deregister|certify on hostname (reason, force in src). */
void reg_action_server(struct reg_req *q, const char *hostname, const char *verb,
    const struct reg_input_src *src, struct reg_action_out *out);
/* confirm|dismiss report id (reason in src). */
void reg_action_decide(struct reg_req *q, const char *id_text, const char *verb,
    const struct reg_input_src *src, struct reg_action_out *out);

#endif
