/*
 * reg_certq: certification jobs on worker threads (see reg_certq.h).
 */
#include "reg_certq.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reg_err.h"
#include "reg_server.h"
#include "util/log.h"
#include "util/str.h"
#include "util/xmalloc.h"

struct job {
	struct job *next;
	struct reg_certq *q;
	long long id;
	char hostname[256];
	pthread_t thread;
	int running;
	struct reg_certify_result result; /* written by the worker */
};

struct reg_certq {
	struct event_base *base;
	const struct reg_config *cfg;
	struct reg_db *db;
	struct reg_resolve *resolver; /* thread-safe, shared by workers */
	reg_certq_done_fn done;
	void *arg;
	int pipefd[2];
	struct event *ev;
	pthread_mutex_t lock;
	struct job *waiting; /* loop thread only */
	struct job *running; /* loop thread only */
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

static int
finish(struct reg_db *db, const struct reg_config *cfg, long long id,
    const struct reg_certify_result *r, struct reg_workflow_res *res)
{
	int rc =
	    reg_server_cert_add(db, id, r->started, r->finished, r->passed, r->summary, r->report);

	if (rc != REG_OK)
		return rc;
	return reg_workflow_certified(db, cfg, id, r->passed, r->summary, res);
}

int
reg_certq_run_sync(struct reg_db *db, const struct reg_config *cfg, const char *hostname,
    struct reg_certify_result *out, struct reg_workflow_res *res)
{
	struct reg_resolve *resolver;
	long long id = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = begin(db, cfg, hostname, &id, res)) != REG_OK)
		return rc;
	resolver = reg_resolve_new(&cfg->hosts);
	reg_certify_run(cfg, resolver, hostname, out);
	reg_resolve_free(resolver);
	return finish(db, cfg, id, out, res);
}

static void *
worker(void *vjob)
{
	struct job *j = vjob;
	struct reg_certq *q = j->q;
	char byte = 1;
	ssize_t w;

	reg_certify_run(q->cfg, q->resolver, j->hostname, &j->result);
	/* wake the loop: it finds finished jobs by their flag under the lock */
	pthread_mutex_lock(&q->lock);
	j->running = 0;
	pthread_mutex_unlock(&q->lock);
	do {
		w = write(q->pipefd[1], &byte, 1);
	} while (w < 0 && errno == EINTR);
	return NULL;
}

static void
start_waiting(struct reg_certq *q)
{
	while (q->waiting && q->nrunning < (size_t)q->cfg->certify_concurrency) {
		struct job *j = q->waiting;

		q->waiting = j->next;
		j->running = 1;
		if (pthread_create(&j->thread, NULL, worker, j) != 0) {
			log_err("event=certify_thread_failed server=%s", j->hostname);
			j->running = 0;
			j->result.report = NULL;
			str_copy(j->result.summary, sizeof(j->result.summary),
			    "internal error: could not start the tests");
			/* deliver as a failed run so the server leaves "testing" */
			j->next = q->running;
			q->running = j;
			q->nrunning++;
			{
				char byte = 1;
				ssize_t w = write(q->pipefd[1], &byte, 1);
				(void)w;
			}
			continue;
		}
		j->next = q->running;
		q->running = j;
		q->nrunning++;
	}
}

static void
on_wake(evutil_socket_t fd, short what, void *arg)
{
	struct reg_certq *q = arg;
	char buf[64];
	struct job **pp;

	(void)what;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	pp = &q->running;
	while (*pp) {
		struct job *j = *pp;
		int running;

		pthread_mutex_lock(&q->lock);
		running = j->running;
		pthread_mutex_unlock(&q->lock);
		if (running) {
			pp = &j->next;
			continue;
		}
		*pp = j->next;
		q->nrunning--;
		if (j->thread)
			pthread_join(j->thread, NULL);
		{
			struct reg_workflow_res res;
			int rc = finish(q->db, q->cfg, j->id, &j->result, &res);
			if (rc != REG_OK)
				log_err("event=certify_store_failed server=%s err=%s", j->hostname,
				    reg_err_str(rc));
			else if (q->done)
				q->done(q->arg, j->hostname, &res);
		}
		free(j->result.report);
		free(j);
	}
	start_waiting(q);
}

struct reg_certq *
reg_certq_new(struct event_base *base, const struct reg_config *cfg, struct reg_db *db,
    reg_certq_done_fn done, void *arg)
{
	struct reg_certq *q = xcalloc(1, sizeof(*q));

	q->base = base;
	q->cfg = cfg;
	q->db = db;
	q->done = done;
	q->arg = arg;
	q->resolver = reg_resolve_new(&cfg->hosts);
	pthread_mutex_init(&q->lock, NULL);
	if (pipe2(q->pipefd, O_CLOEXEC | O_NONBLOCK) < 0) {
		log_err("event=certq_pipe_failed err=\"%s\"", strerror(errno));
		reg_resolve_free(q->resolver);
		free(q);
		return NULL;
	}
	q->ev = event_new(base, q->pipefd[0], EV_READ | EV_PERSIST, on_wake, q);
	event_add(q->ev, NULL);
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
		if (j->thread)
			pthread_join(j->thread, NULL);
		free(j->result.report);
		free(j);
	}
	while (q->waiting) {
		struct job *j = q->waiting;
		q->waiting = j->next;
		free(j);
	}
	event_free(q->ev);
	close(q->pipefd[0]);
	close(q->pipefd[1]);
	pthread_mutex_destroy(&q->lock);
	reg_resolve_free(q->resolver);
	free(q);
}

int
reg_certq_submit(struct reg_certq *q, const char *hostname, struct reg_workflow_res *res)
{
	struct job *j;
	long long id = 0;
	int rc;

	for (j = q->running; j; j = j->next)
		if (strcmp(j->hostname, hostname) == 0)
			goto queued;
	for (j = q->waiting; j; j = j->next)
		if (strcmp(j->hostname, hostname) == 0)
			goto queued;
	if ((rc = begin(q->db, q->cfg, hostname, &id, res)) != REG_OK)
		return rc;
	j = xcalloc(1, sizeof(*j));
	j->q = q;
	j->id = id;
	str_copy(j->hostname, sizeof(j->hostname), hostname);
	/* append: first come, first tested */
	{
		struct job **pp = &q->waiting;
		while (*pp)
			pp = &(*pp)->next;
		*pp = j;
	}
	start_waiting(q);
	return REG_OK;
queued:
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
