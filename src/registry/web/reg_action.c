/*
 * reg_action: verbs shared by the API and the web UI (see reg_action.h).
 */
#include "reg_action.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "reg_err.h"
#include "reg_rate.h"
#include "util/log.h"
#include "util/str.h"

int
reg_action_http_status(int err)
{
	switch (err) {
	case REG_OK: return 200;
	case REG_ENOTFOUND: return 404;
	case REG_ECONFLICT: return 409;
	case REG_EINVAL: return 400;
	case REG_EPERM: return 403;
	case REG_ELIMIT: return 429;
	default: return 503;
	}
}

void
reg_action_actor(const struct reg_req *q, char *out, size_t outsz)
{
	snprintf(out, outsz, "%s#%lld",
	    q->role == REG_ROLE_ADMIN       ? "admin"
	        : q->role == REG_ROLE_OWNER ? "owner"
	                                    : "anonymous",
	    q->token_id);
}

static void
bad(struct reg_action_out *out, const struct reg_verr *e)
{
	out->status = 400;
	str_copy(out->field, sizeof(out->field), e->field);
	snprintf(out->msg, sizeof(out->msg), "%.31s %.159s", e->field, e->why);
}

int
reg_action_rate(struct reg_req *q, const char *kind, long long limit, struct reg_action_out *out)
{
	char key[REG_RATE_KEY_MAX];
	int rc;

	reg_rate_key(q->peer, key);
	rc = reg_rate_take(q->ctx->db, kind, key, limit, q->ctx->cfg->limit_window / 1000,
	    (long long)time(NULL), &out->retry_after);
	if (rc == REG_OK)
		return 0;
	out->status = reg_action_http_status(rc);
	if (rc == REG_ELIMIT) {
		char esc[LOG_ESC_MAX];
		snprintf(out->msg, sizeof(out->msg),
		    "too many %ss from your address; try again in %lld seconds", kind,
		    out->retry_after);
		log_info("event=rate_limited kind=%s client=%s", kind,
		    log_escape(esc, sizeof(esc), key, strlen(key)));
	} else {
		str_copy(out->msg, sizeof(out->msg), reg_err_str(rc));
	}
	return -1;
}

static void
zone_changed(struct reg_req *q, const struct reg_workflow_res *res)
{
	if (res->zone_changed && q->ctx->zone_changed)
		q->ctx->zone_changed(q->ctx->zone_arg);
}

void
reg_action_apply(struct reg_req *q, const struct reg_input_src *src, struct reg_action_out *out)
{
	struct reg_application app;
	long long id;
	size_t maxh = REG_HOSTNAME_MAX - strlen(q->ctx->cfg->zone) - 1;
	int rc;

	memset(out, 0, sizeof(*out));
	if (reg_input_application_all(src, maxh, &app, out->errs,
	        sizeof(out->errs) / sizeof(out->errs[0]), &out->nerrs) < 0) {
		if (out->nerrs > sizeof(out->errs) / sizeof(out->errs[0]))
			out->nerrs = sizeof(out->errs) / sizeof(out->errs[0]);
		bad(out, &out->errs[0]);
		return;
	}
	/* each application may start tests: anonymous clients get a few */
	if (reg_action_rate(q, "application", q->ctx->cfg->limit_applications, out) < 0)
		return;
	str_copy(out->hostname, sizeof(out->hostname), app.hostname);
	rc = reg_workflow_apply(q->ctx->db, &app, "applicant", &id, out->token, &out->wf);
	if (rc != REG_OK) {
		out->status = reg_action_http_status(rc);
		str_copy(
		    out->msg, sizeof(out->msg), out->wf.msg[0] ? out->wf.msg : reg_err_str(rc));
		if (rc == REG_ECONFLICT)
			str_copy(out->field, sizeof(out->field), "hostname");
		return;
	}
	out->status = 201;
	snprintf(out->msg, sizeof(out->msg), "%s: application received", app.hostname);
	if (q->ctx->cfg->auto_certify && q->ctx->certq) {
		struct reg_workflow_res res;
		/* nobody has seen it: an automatic run tests public addresses only */
		if (reg_certq_submit(q->ctx->certq, app.hostname, 1, &res) == REG_OK)
			out->certifying = 1;
	}
}

void
reg_action_report(struct reg_req *q, const struct reg_input_src *src, const char *source,
    struct reg_action_out *out)
{
	struct reg_report_input in;
	struct reg_report_new n;
	struct reg_verr e;
	int rc;

	memset(out, 0, sizeof(*out));
	if (reg_input_report(src, (size_t)q->ctx->cfg->max_report_size, &in, &e) < 0) {
		bad(out, &e);
		return;
	}
	if (reg_action_rate(q, "report", q->ctx->cfg->limit_reports, out) < 0)
		return;
	memset(&n, 0, sizeof(n));
	n.msg = in.message;
	n.len = in.message_len;
	n.source = source;
	n.reporter = in.reporter;
	n.comment = in.comment;
	n.client = q->peer;
	/* an owner token is the only way a web or API report is authenticated */
	n.via_server_id = q->role == REG_ROLE_OWNER ? q->owner_id : 0;
	rc = reg_report_file(q->ctx->db, q->ctx->cfg, &n, &out->filed);
	out->status = rc == REG_OK ? 201 : reg_action_http_status(rc);
	if (rc == REG_OK) {
		snprintf(out->msg, sizeof(out->msg), "report %lld filed%s%s", out->filed.id,
		    out->filed.server[0] ? " against "
		                         : " (no registered server found in the"
		                           " Received chain)",
		    out->filed.server);
		zone_changed(q, &out->filed.wf);
	} else {
		str_copy(out->msg, sizeof(out->msg), reg_err_str(rc));
	}
}

void
reg_action_server(struct reg_req *q, const char *hostname, const char *verb,
    const struct reg_input_src *src, struct reg_action_out *out)
{
	char host[REG_HOSTNAME_MAX + 1], reason[REG_REASON_MAX + 1], actor[64];
	const char *why;
	struct reg_verr e;
	int action, rc, force = 0;

	memset(out, 0, sizeof(*out));
	if (reg_validate_hostname(hostname, host, sizeof(host), &why) < 0) {
		out->status = 400;
		str_copy(out->field, sizeof(out->field), "hostname");
		snprintf(out->msg, sizeof(out->msg), "hostname %s", why);
		return;
	}
	str_copy(out->hostname, sizeof(out->hostname), host);
	reg_action_actor(q, actor, sizeof(actor));
	if (strcmp(verb, "certify") == 0) {
		if (q->ctx->certq == NULL) {
			out->status = 503;
			str_copy(out->msg, sizeof(out->msg), "certification is not available");
			return;
		}
		rc = reg_certq_submit(q->ctx->certq, host, 0, &out->wf);
		out->status = rc == REG_OK ? 202 : reg_action_http_status(rc);
		out->certifying = rc == REG_OK;
		str_copy(out->msg, sizeof(out->msg),
		    rc == REG_OK         ? "certification started"
		        : out->wf.msg[0] ? out->wf.msg
		                         : reg_err_str(rc));
		return;
	}
	action = reg_workflow_action_parse(verb);
	if (action != REG_ACT_APPROVE && action != REG_ACT_SUSPEND && action != REG_ACT_REINSTATE &&
	    action != REG_ACT_DEREGISTER) {
		out->status = 404;
		snprintf(out->msg, sizeof(out->msg), "no action '%.40s'", verb);
		return;
	}
	/* suspending, reinstating and deregistering need a reason for the history */
	if (reg_input_reason(src, action != REG_ACT_APPROVE, reason, sizeof(reason), &e) < 0) {
		bad(out, &e);
		return;
	}
	{
		const char *f = src->get(src->ctx, "force");
		force = f &&
		    (str_ieq(f, "yes") || str_ieq(f, "true") || str_ieq(f, "1") ||
		        str_ieq(f, "on"));
	}
	rc = reg_workflow_do(q->ctx->db, q->ctx->cfg, host, (enum reg_action)action, actor,
	    reason[0] ? reason : "approved by an admin", force, &out->wf);
	out->status = reg_action_http_status(rc);
	str_copy(out->msg, sizeof(out->msg), out->wf.msg[0] ? out->wf.msg : reg_err_str(rc));
	if (rc == REG_OK)
		zone_changed(q, &out->wf);
}

void
reg_action_decide(struct reg_req *q, const char *id_text, const char *verb,
    const struct reg_input_src *src, struct reg_action_out *out)
{
	char reason[REG_REASON_MAX + 1], actor[64];
	struct reg_verr e;
	long long id;
	int rc, confirm;

	memset(out, 0, sizeof(*out));
	if (str_to_ll(id_text, 1, 1LL << 62, &id) < 0) {
		out->status = 404;
		str_copy(out->msg, sizeof(out->msg), "no such report");
		return;
	}
	if (strcmp(verb, "confirm") == 0)
		confirm = 1;
	else if (strcmp(verb, "dismiss") == 0)
		confirm = 0;
	else {
		out->status = 404;
		snprintf(out->msg, sizeof(out->msg), "no action '%.40s'", verb);
		return;
	}
	if (reg_input_reason(src, 0, reason, sizeof(reason), &e) < 0) {
		bad(out, &e);
		return;
	}
	reg_action_actor(q, actor, sizeof(actor));
	rc = reg_report_decide(q->ctx->db, q->ctx->cfg, id, confirm, actor, reason, &out->wf);
	out->status = reg_action_http_status(rc);
	str_copy(out->msg, sizeof(out->msg), out->wf.msg[0] ? out->wf.msg : reg_err_str(rc));
	if (rc == REG_OK)
		zone_changed(q, &out->wf);
}
