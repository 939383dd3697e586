/*
 * reg_certq: certification runs queued on the loop (see reg_certq.h).
 */
#include "reg_certq.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <openssl/ssl.h>

#include "reg_err.h"
#include "reg_resolve.h"
#include "reg_server.h"
#include "reg_target.h"
#include "tls/tls_ctx.h"
#include "util/log.h"
#include "util/str.h"
#include "util/xmalloc.h"

/* A job owns its run, so the run's callback can never outlive the job. */
struct job {
	struct job *next;
	struct reg_certq *q;
	long long id;
	char hostname[256];
	int automatic;
	struct reg_certify *run; /* NULL while waiting */
};

struct reg_certq {
	struct reg_certify_env env;
	struct reg_target_allow *allow; /* env.allow, owned */
	struct reg_db *db;
	reg_certq_done_fn done;
	void *arg;
	struct job *waiting, *running;
	size_t nrunning;
};

/* Begin: applied -> testing (re-runs of later statuses keep theirs). */
static int
begin(struct reg_db *db, const struct reg_config *cfg, const char *hostname, long long *id,
    struct reg_workflow_res *res)
{
	struct reg_server s;
	int rc = reg_server_get(db, hostname, &s);

	memset(res, 0, sizeof(*res));
	if (rc != REG_OK) {
		snprintf(res->msg, sizeof(res->msg), "no server named %s", hostname);
		return rc;
	}
	*id = s.id;
	if (strcmp(s.status, "deregistered") == 0 || strcmp(s.status, "testing") == 0) {
		snprintf(res->msg, sizeof(res->msg), "%s is %s", s.hostname, s.status);
		reg_server_clear(&s);
		return REG_ECONFLICT;
	}
	if (strcmp(s.status, "applied") == 0) {
		reg_server_clear(&s);
		return reg_workflow_do(db, cfg, hostname, REG_ACT_CERTIFY_START, "registry",
		    "certification tests started", 0, res);
	}
	snprintf(res->msg, sizeof(res->msg), "%s: re-running certification", s.hostname);
	reg_server_clear(&s);
	return REG_OK;
}

/* Store the run and tell the workflow. */
static int
store(struct reg_db *db, const struct reg_config *cfg, long long id,
    const struct reg_certify_result *r, struct reg_workflow_res *res)
{
	int rc;

	if (r->held)
		return reg_workflow_certify_held(db, cfg, id, r->summary, res);
	rc = reg_server_cert_add(
	    db, id, r->started, r->finished, r->passed, r->summary, r->report ? r->report : "{}");
	if (rc != REG_OK)
		return rc;
	return reg_workflow_certified(db, cfg, id, r->passed, r->summary, res);
}

static void start_waiting(struct reg_certq *q);

static void
on_run_done(void *arg, struct reg_certify_result *r)
{
	struct job *j = arg, **pp;
	struct reg_certq *q = j->q;
	struct reg_workflow_res res;
	int rc = store(q->db, q->env.cfg, j->id, r, &res);

	char host_esc[LOG_ESC_MAX];
	if (rc != REG_OK)
		log_err("event=certify_store_failed server=%s err=%s",
		    log_token(host_esc, sizeof(host_esc), j->hostname), reg_err_str(rc));
	else if (q->done)
		q->done(q->arg, j->hostname, &res);
	for (pp = &q->running; *pp; pp = &(*pp)->next)
		if (*pp == j) {
			*pp = j->next;
			break;
		}
	q->nrunning--;
	reg_certify_free(j->run); /* from inside its last callback: nothing follows */
	free(j);
	start_waiting(q);
}

static void
start_waiting(struct reg_certq *q)
{
	while (q->waiting && q->nrunning < (size_t)q->env.cfg->certify_concurrency) {
		struct job *j = q->waiting;

		q->waiting = j->next;
		j->next = q->running;
		q->running = j;
		q->nrunning++;
		j->run = reg_certify_start(&q->env, j->hostname, j->automatic, on_run_done, j);
	}
}

struct reg_certq *
reg_certq_new(struct event_base *base, const struct reg_config *cfg, struct reg_db *db,
    struct dns_client *dns, reg_certq_done_fn done, void *arg, char *err, size_t errsz)
{
	struct reg_certq *q = xcalloc(1, sizeof(*q));

	q->env.base = base;
	q->env.dns = dns;
	q->env.cfg = cfg;
	q->db = db;
	q->done = done;
	q->arg = arg;
	q->env.tls = tls_ctx_client_new(cfg->certify_ca_file, NULL, NULL, err, errsz);
	if (q->env.tls == NULL ||
	    (q->allow = reg_target_allow_new(&cfg->certify_allow_networks, err, errsz)) == NULL) {
		reg_certq_free(q);
		return NULL;
	}
	q->env.allow = q->allow;
	return q;
}

void
reg_certq_free(struct reg_certq *q)
{
	if (q == NULL)
		return;
	while (q->running) {
		struct job *j = q->running;
		q->running = j->next;
		reg_certify_free(j->run);
		free(j);
	}
	while (q->waiting) {
		struct job *j = q->waiting;
		q->waiting = j->next;
		free(j);
	}
	SSL_CTX_free(q->env.tls);
	reg_target_allow_free(q->allow);
	free(q);
}

int
reg_certq_submit(
    struct reg_certq *q, const char *hostname, int automatic, struct reg_workflow_res *res)
{
	struct job *j, **pp;
	long long id = 0;
	int rc;

	for (j = q->running; j; j = j->next)
		if (strcmp(j->hostname, hostname) == 0)
			goto queued;
	for (j = q->waiting; j; j = j->next)
		if (strcmp(j->hostname, hostname) == 0)
			goto queued;
	if ((rc = begin(q->db, q->env.cfg, hostname, &id, res)) != REG_OK)
		return rc;
	j = xcalloc(1, sizeof(*j));
	j->q = q;
	j->id = id;
	j->automatic = automatic;
	str_copy(j->hostname, sizeof(j->hostname), hostname);
	/* append: first come, first tested */
	for (pp = &q->waiting; *pp; pp = &(*pp)->next)
		;
	*pp = j;
	start_waiting(q);
	return REG_OK;
queued:
	memset(res, 0, sizeof(*res));
	snprintf(res->msg, sizeof(res->msg), "%s is already being tested", hostname);
	return REG_ECONFLICT;
}

size_t
reg_certq_busy(const struct reg_certq *q)
{
	size_t n = q->nrunning;

	for (const struct job *j = q->waiting; j; j = j->next)
		n++;
	return n;
}

struct sync_run {
	int done;
	struct reg_certify_result res;
};

static void
on_sync_done(void *arg, struct reg_certify_result *r)
{
	struct sync_run *s = arg;

	s->res = *r;
	r->report = NULL; /* taken */
	s->done = 1;
}

int
reg_certq_run_sync(struct reg_db *db, const struct reg_config *cfg, const char *hostname,
    struct reg_certify_result *out, struct reg_workflow_res *res)
{
	struct reg_certify_env env;
	struct reg_resolve *resolve = NULL;
	struct reg_target_allow *allow = NULL;
	struct reg_certify *run = NULL;
	struct sync_run s;
	char err[512] = "";
	long long id = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&s, 0, sizeof(s));
	memset(&env, 0, sizeof(env));
	if ((rc = begin(db, cfg, hostname, &id, res)) != REG_OK)
		return rc;
	env.cfg = cfg;
	env.base = event_base_new();
	if (env.base && (resolve = reg_resolve_new(env.base, cfg, err, sizeof(err))) != NULL &&
	    (env.tls = tls_ctx_client_new(cfg->certify_ca_file, NULL, NULL, err, sizeof(err))) !=
	        NULL &&
	    (allow = reg_target_allow_new(&cfg->certify_allow_networks, err, sizeof(err))) !=
	        NULL) {
		env.allow = allow;
		env.dns = reg_resolve_client(resolve);
		run = reg_certify_start(&env, hostname, 0, on_sync_done, &s);
		while (!s.done && event_base_loop(env.base, EVLOOP_ONCE) >= 0)
			;
	}
	if (s.done) {
		*out = s.res;
	} else {
		/* the tests could not even start: a failed run says why */
		snprintf(out->summary, sizeof(out->summary), "internal error: %.200s",
		    err[0] ? err : "no event loop");
	}
	reg_certify_free(run);
	reg_target_allow_free(allow);
	SSL_CTX_free(env.tls);
	reg_resolve_free(resolve);
	if (env.base)
		event_base_free(env.base);
	return store(db, cfg, id, out, res);
}
