/*
 * reg_workflow: the registration state machine (see reg_workflow.h).
 */
#include "reg_workflow.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "reg_err.h"
#include "reg_server.h"
#include "util/log.h"
#include "util/str.h"

static const char *const status_names[REG_ST__COUNT] = {
	"applied",
	"testing",
	"active",
	"suspended",
	"deregistered",
};

static const char *const action_names[REG_ACT__COUNT] = {
	"certify",
	"certified",
	"certify-failed",
	"certify-held",
	"approve",
	"suspend",
	"reinstate",
	"deregister",
};

#define BIT(s) (1u << (s))

/* The transition table: which statuses an action leaves from, and where to. */
static const struct transition {
	enum reg_action action;
	unsigned from;
	enum reg_status to;
	const char *event;
} transitions[] = {
	{ REG_ACT_CERTIFY_START, BIT(REG_ST_APPLIED), REG_ST_TESTING, "certification started" },
	{ REG_ACT_CERTIFY_PASS, BIT(REG_ST_TESTING), REG_ST_APPLIED, "certification passed" },
	{ REG_ACT_CERTIFY_FAIL, BIT(REG_ST_TESTING), REG_ST_APPLIED, "certification failed" },
	{ REG_ACT_CERTIFY_HOLD, BIT(REG_ST_TESTING), REG_ST_APPLIED,
	    "certification held for review" },
	{ REG_ACT_APPROVE, BIT(REG_ST_APPLIED), REG_ST_ACTIVE, "approved" },
	{ REG_ACT_SUSPEND, BIT(REG_ST_ACTIVE), REG_ST_SUSPENDED, "suspended" },
	{ REG_ACT_REINSTATE, BIT(REG_ST_SUSPENDED), REG_ST_ACTIVE, "reinstated" },
	{ REG_ACT_DEREGISTER,
	    BIT(REG_ST_APPLIED) | BIT(REG_ST_TESTING) | BIT(REG_ST_ACTIVE) | BIT(REG_ST_SUSPENDED),
	    REG_ST_DEREGISTERED, "deregistered" },
};

const char *
reg_workflow_status_name(enum reg_status st)
{
	return (unsigned)st < REG_ST__COUNT ? status_names[st] : "unknown";
}

int
reg_workflow_status_parse(const char *name)
{
	for (int i = 0; name && i < REG_ST__COUNT; i++)
		if (strcmp(name, status_names[i]) == 0)
			return i;
	return -1;
}

const char *
reg_workflow_action_name(enum reg_action a)
{
	return (unsigned)a < REG_ACT__COUNT ? action_names[a] : "unknown";
}

int
reg_workflow_action_parse(const char *name)
{
	for (int i = 0; name && i < REG_ACT__COUNT; i++)
		if (strcmp(name, action_names[i]) == 0)
			return i;
	return -1;
}

static int
published(enum reg_status s)
{
	return s == REG_ST_ACTIVE || s == REG_ST_SUSPENDED;
}

static void res_set(struct reg_workflow_res *res, const char *from, const char *to, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));

static void
res_set(struct reg_workflow_res *res, const char *from, const char *to, const char *fmt, ...)
{
	va_list ap;

	str_copy(res->from, sizeof(res->from), from ? from : "");
	str_copy(res->to, sizeof(res->to), to ? to : "");
	va_start(ap, fmt);
	vsnprintf(res->msg, sizeof(res->msg), fmt, ap);
	va_end(ap);
}

/*
 * The only place a status changes (inside the caller's transaction).
 * s is updated to the new status.
 */
static int
enter(struct reg_db *db, const struct reg_config *cfg, struct reg_server *s, enum reg_action action,
    const char *actor, const char *reason, struct reg_workflow_res *res)
{
	int cur = reg_workflow_status_parse(s->status);
	const struct transition *t = NULL;
	long long now = (long long)time(NULL);
	int rc;

	for (size_t i = 0; i < sizeof(transitions) / sizeof(transitions[0]); i++)
		if (transitions[i].action == action)
			t = &transitions[i];
	if (t == NULL || cur < 0 || !(t->from & BIT(cur))) {
		res_set(res, s->status, s->status, "%s cannot %s a server that is %s", actor,
		    reg_workflow_action_name(action), s->status);
		return REG_ECONFLICT;
	}
	if ((rc = reg_server_set_status(db, s->id, status_names[t->to])) != REG_OK)
		return rc;
	switch (action) {
	case REG_ACT_APPROVE:
		rc = reg_server_set_registered(db, s->id, now, now + cfg->fee_period / 1000);
		if (rc == REG_OK && s->nsponsors < cfg->sponsors_required)
			rc = reg_server_set_bond(db, s->id, "held", cfg->bond_amount);
		break;
	case REG_ACT_SUSPEND:
		if (strcmp(s->bond_status, "held") == 0)
			rc = reg_server_set_bond(db, s->id, "forfeited", s->bond_amount);
		break;
	case REG_ACT_REINSTATE:
		/* an admin looked: what was confirmed until now is settled */
		rc = reg_server_settle_reports(db, s->id);
		break;
	case REG_ACT_DEREGISTER:
		if (strcmp(s->bond_status, "held") == 0)
			rc = reg_server_set_bond(db, s->id, "refunded", s->bond_amount);
		break;
	case REG_ACT_CERTIFY_START: rc = reg_server_set_cert(db, s->id, "running"); break;
	case REG_ACT_CERTIFY_PASS: rc = reg_server_set_cert(db, s->id, "passed"); break;
	case REG_ACT_CERTIFY_FAIL: rc = reg_server_set_cert(db, s->id, "failed"); break;
	case REG_ACT_CERTIFY_HOLD: rc = reg_server_set_cert(db, s->id, "review"); break;
	default: break;
	}
	if (rc == REG_OK)
		rc = reg_server_history_add(
		    db, s->id, actor, t->event, s->status, status_names[t->to], reason);
	res->zone_changed = published((enum reg_status)cur) || published(t->to);
	if (rc == REG_OK && res->zone_changed)
		rc = reg_db_bump_serial(db);
	if (rc != REG_OK)
		return rc;
	{
		char esc[LOG_ESC_MAX];
		char host_esc[LOG_ESC_MAX], actor_esc[LOG_ESC_MAX];
		log_info("event=transition server=%s action=%s from=%s to=%s actor=%s reason=%s",
		    log_token(host_esc, sizeof(host_esc), s->hostname),
		    reg_workflow_action_name(action), s->status, status_names[t->to],
		    log_token(actor_esc, sizeof(actor_esc), actor),
		    log_escape(
		        esc, sizeof(esc), reason ? reason : "", reason ? strlen(reason) : 0));
	}
	res_set(res, s->status, status_names[t->to], "%s: %s -> %s", s->hostname, s->status,
	    status_names[t->to]);
	free(s->status);
	s->status = NULL;
	s->status = strdup(status_names[t->to]);
	return s->status ? REG_OK : REG_ETEMP;
}

/* Approve automatically when the tests passed and sponsors suffice. */
static int
maybe_auto_approve(struct reg_db *db, const struct reg_config *cfg, struct reg_server *s,
    struct reg_workflow_res *res)
{
	char why[128];

	if (strcmp(s->status, "applied") != 0 || strcmp(s->cert_status, "passed") != 0 ||
	    s->nsponsors < cfg->sponsors_required || cfg->sponsors_required <= 0)
		return REG_OK;
	snprintf(why, sizeof(why), "certification passed and %d sponsors vouch (bond waived)",
	    s->nsponsors);
	return enter(db, cfg, s, REG_ACT_APPROVE, "registry", why, res);
}

static int
finish(struct reg_db *db, int rc)
{
	if (rc == REG_OK)
		rc = reg_db_commit(db);
	if (rc != REG_OK)
		reg_db_rollback(db);
	return rc;
}

int
reg_workflow_apply(struct reg_db *db, const struct reg_application *app, const char *actor,
    long long *id, char token[REG_TOKEN_MAX], struct reg_workflow_res *res)
{
	int rc;

	memset(res, 0, sizeof(*res));
	if ((rc = reg_db_begin(db)) != REG_OK)
		return rc;
	rc = reg_server_create(db, app, actor, id);
	if (rc == REG_ECONFLICT)
		res_set(res, "", "", "%s has already applied", app->hostname);
	if (rc == REG_OK)
		rc = reg_token_create(db, REG_ROLE_OWNER, *id, app->hostname, token);
	if (rc == REG_OK) {
		res_set(res, "", "applied", "%s: application received", app->hostname);
		char host_esc[LOG_ESC_MAX];
		log_info("event=applied server=%s id=%lld",
		    log_token(host_esc, sizeof(host_esc), app->hostname), *id);
	}
	return finish(db, rc);
}

int
reg_workflow_do(struct reg_db *db, const struct reg_config *cfg, const char *hostname,
    enum reg_action action, const char *actor, const char *reason, int force,
    struct reg_workflow_res *res)
{
	struct reg_server s;
	int rc;

	memset(res, 0, sizeof(*res));
	if ((rc = reg_db_begin(db)) != REG_OK)
		return rc;
	if ((rc = reg_server_get(db, hostname, &s)) != REG_OK) {
		res_set(res, "", "", "no server named %s", hostname);
		return finish(db, rc);
	}
	if (action == REG_ACT_APPROVE && !force && strcmp(s.cert_status, "passed") != 0) {
		res_set(res, s.status, s.status,
		    "%s has not passed certification (%s); run the tests or force", s.hostname,
		    s.cert_status);
		reg_server_clear(&s);
		return finish(db, REG_ECONFLICT);
	}
	rc = enter(db, cfg, &s, action, actor, reason, res);
	reg_server_clear(&s);
	return finish(db, rc);
}

int
reg_workflow_certified(struct reg_db *db, const struct reg_config *cfg, long long id, int passed,
    const char *summary, struct reg_workflow_res *res)
{
	struct reg_server s;
	int rc;

	memset(res, 0, sizeof(*res));
	if ((rc = reg_db_begin(db)) != REG_OK)
		return rc;
	if ((rc = reg_server_get_id(db, id, &s)) != REG_OK)
		return finish(db, rc);
	if (strcmp(s.status, "testing") == 0) {
		rc = enter(db, cfg, &s, passed ? REG_ACT_CERTIFY_PASS : REG_ACT_CERTIFY_FAIL,
		    "registry", summary, res);
		free(s.cert_status);
		s.cert_status = strdup(passed ? "passed" : "failed");
		if (rc == REG_OK && s.cert_status)
			rc = maybe_auto_approve(db, cfg, &s, res);
	} else {
		/* a re-run on a server past the application stage: record only */
		rc = reg_server_set_cert(db, s.id, passed ? "passed" : "failed");
		if (rc == REG_OK)
			rc = reg_server_history_add(db, s.id, "registry",
			    passed ? "certification passed" : "certification failed", s.status,
			    s.status, summary);
		res_set(res, s.status, s.status, "%s: certification %s", s.hostname,
		    passed ? "passed" : "failed");
	}
	reg_server_clear(&s);
	return finish(db, rc);
}

int
reg_workflow_certify_held(struct reg_db *db, const struct reg_config *cfg, long long id,
    const char *summary, struct reg_workflow_res *res)
{
	struct reg_server s;
	int rc;

	memset(res, 0, sizeof(*res));
	if ((rc = reg_db_begin(db)) != REG_OK)
		return rc;
	if ((rc = reg_server_get_id(db, id, &s)) != REG_OK)
		return finish(db, rc);
	if (strcmp(s.status, "testing") == 0)
		rc = enter(db, cfg, &s, REG_ACT_CERTIFY_HOLD, "registry", summary, res);
	else
		res_set(res, s.status, s.status, "%s: %s", s.hostname, summary);
	reg_server_clear(&s);
	return finish(db, rc);
}

int
reg_workflow_sponsor(struct reg_db *db, const struct reg_config *cfg, const char *hostname,
    long long sponsor_id, struct reg_workflow_res *res)
{
	struct reg_server s, sp;
	char why[300];
	int rc;

	memset(res, 0, sizeof(*res));
	if ((rc = reg_db_begin(db)) != REG_OK)
		return rc;
	if ((rc = reg_server_get(db, hostname, &s)) != REG_OK) {
		res_set(res, "", "", "no server named %s", hostname);
		return finish(db, rc);
	}
	if ((rc = reg_server_get_id(db, sponsor_id, &sp)) != REG_OK) {
		reg_server_clear(&s);
		return finish(db, rc);
	}
	if (strcmp(sp.status, "active") != 0 || sp.id == s.id) {
		res_set(res, s.status, s.status, "only another active server may sponsor");
		rc = REG_EPERM;
	} else if (strcmp(s.status, "applied") != 0 && strcmp(s.status, "testing") != 0) {
		res_set(res, s.status, s.status, "%s is %s; sponsorship is for applicants",
		    s.hostname, s.status);
		rc = REG_ECONFLICT;
	} else if ((rc = reg_server_add_sponsor(db, s.id, sp.id)) == REG_ECONFLICT) {
		res_set(res, s.status, s.status, "%s already sponsors %s", sp.hostname, s.hostname);
	} else if (rc == REG_OK) {
		snprintf(why, sizeof(why), "sponsored by %s", sp.hostname);
		rc = reg_server_history_add(
		    db, s.id, sp.hostname, "sponsored", s.status, s.status, why);
		s.nsponsors++;
		res_set(res, s.status, s.status, "%s: %d sponsor(s)", s.hostname, s.nsponsors);
		if (rc == REG_OK)
			rc = maybe_auto_approve(db, cfg, &s, res);
	}
	reg_server_clear(&s);
	reg_server_clear(&sp);
	return finish(db, rc);
}

int
reg_workflow_check_abuse(
    struct reg_db *db, const struct reg_config *cfg, long long id, struct reg_workflow_res *res)
{
	struct reg_server s;
	sqlite3_stmt *st;
	long long since = (long long)time(NULL) - cfg->report_window / 1000;
	int count = 0, persons = 0, owners = 0, reporters, rc;
	char why[200];

	memset(res, 0, sizeof(*res));
	if ((rc = reg_db_begin(db)) != REG_OK)
		return rc;
	if ((rc = reg_server_get_id(db, id, &s)) != REG_OK)
		return finish(db, rc);
	/*
	 * Independent reporters: each report a person confirmed counts as one;
	 * trap hits (confirmed by "trap") count once per trap owner, whatever
	 * number of traps or servers that owner has.
	 */
	if (reg_db_prepare(db,
	        "SELECT COUNT(*), IFNULL(SUM(r.decided_by <> 'trap'), 0),"
	        " COUNT(DISTINCT CASE WHEN r.decided_by = 'trap'"
	        " THEN lower(o.owner_email) END)"
	        " FROM reports r LEFT JOIN servers o ON o.id = r.trap_server_id"
	        " WHERE r.server_id = ?1 AND r.status = 'confirmed' AND r.decided_at >= ?2"
	        " AND r.settled = 0",
	        &st) != REG_OK) {
		reg_server_clear(&s);
		return finish(db, REG_ETEMP);
	}
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, since);
	if (sqlite3_step(st) == SQLITE_ROW) {
		count = sqlite3_column_int(st, 0);
		persons = sqlite3_column_int(st, 1);
		owners = sqlite3_column_int(st, 2);
	}
	sqlite3_finalize(st);
	reporters = persons + owners;
	res_set(res, s.status, s.status,
	    "%s: %d confirmed report(s) from %d independent reporter(s)", s.hostname, count,
	    reporters);
	if (strcmp(s.status, "active") == 0 && count >= cfg->suspend_threshold) {
		if (reporters >= cfg->suspend_reporters) {
			snprintf(why, sizeof(why),
			    "%d confirmed abuse reports from %d independent reporters within %lld days"
			    " (threshold %lld)",
			    count, reporters, cfg->report_window / 86400000LL,
			    cfg->suspend_threshold);
			rc = enter(db, cfg, &s, REG_ACT_SUSPEND, "registry", why, res);
		} else {
			char host_esc[LOG_ESC_MAX];
			log_info(
			    "event=suspension_withheld server=%s reports=%d reporters=%d needed=%lld",
			    log_token(host_esc, sizeof(host_esc), s.hostname), count, reporters,
			    cfg->suspend_reporters);
			snprintf(res->msg, sizeof(res->msg),
			    "%s: %d confirmed report(s) from %d independent reporter(s); %lld needed for"
			    " an automatic suspension",
			    s.hostname, count, reporters, cfg->suspend_reporters);
		}
	}
	reg_server_clear(&s);
	return finish(db, rc);
}
