/*
 * commit: the group-commit thread (see commit.h).
 */
#include "queue/commit.h"

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/log.h"
#include "util/xmalloc.h"

struct commit_rename {
	char *from;
	char *to;
};

struct commit_job {
	struct commit_job *next;
	commit_done_fn fn;
	void *arg;
	int err;
	struct commit_rename *renames;
	size_t nrenames;
	char **dirs;
	size_t ndirs;
};

struct commit {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_cond_t ran;           /* a batch has been run */
	unsigned long long submitted; /* jobs handed in, under lock */
	unsigned long long finished;  /* jobs run by the thread, under lock */
	struct commit_job *todo, **todo_tail;
	struct commit_job *done, **done_tail;
	int stop;
	int fsfd; /* any directory on the filesystem, for syncfs */
	long long delay_ms;
	struct event *done_ev; /* runs callbacks on the loop thread */
	struct commit_stats stats;
};

struct commit_job *
commit_job_new(commit_done_fn fn, void *arg)
{
	struct commit_job *j = xcalloc(1, sizeof(*j));

	j->fn = fn;
	j->arg = arg;
	return j;
}

void
commit_job_rename(struct commit_job *j, const char *from, const char *to)
{
	j->renames = xrealloc(j->renames, (j->nrenames + 1) * sizeof(*j->renames));
	j->renames[j->nrenames].from = xstrdup(from);
	j->renames[j->nrenames].to = xstrdup(to);
	j->nrenames++;
}

void
commit_job_sync_dir(struct commit_job *j, const char *dir)
{
	for (size_t i = 0; i < j->ndirs; i++)
		if (strcmp(j->dirs[i], dir) == 0)
			return;
	j->dirs = xrealloc(j->dirs, (j->ndirs + 1) * sizeof(*j->dirs));
	j->dirs[j->ndirs++] = xstrdup(dir);
}

static void
job_free(struct commit_job *j)
{
	for (size_t i = 0; i < j->nrenames; i++) {
		free(j->renames[i].from);
		free(j->renames[i].to);
	}
	free(j->renames);
	for (size_t i = 0; i < j->ndirs; i++)
		free(j->dirs[i]);
	free(j->dirs);
	free(j);
}

static int
fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return errno;
	rc = fsync(fd) < 0 ? errno : 0;
	close(fd);
	return rc;
}

/* One batch: flush data, publish, flush directories. Returns its size. */
static size_t
run_batch(struct commit *c, struct commit_job *batch)
{
	int flush_err = 0;
	char **dirs = NULL;
	int *dir_err = NULL;
	size_t ndirs = 0, njobs = 0;
	int work = 0;

	for (struct commit_job *j = batch; j && !work; j = j->next)
		work = j->nrenames > 0 || j->ndirs > 0;
	/* A batch of empty jobs (ordering markers) needs no flush. */
	if (work && syncfs(c->fsfd) < 0)
		flush_err = errno;
	for (struct commit_job *j = batch; j; j = j->next) {
		njobs++;
		j->err = flush_err;
		for (size_t i = 0; i < j->nrenames && j->err == 0; i++)
			if (rename(j->renames[i].from, j->renames[i].to) < 0)
				j->err = errno;
		for (size_t i = 0; i < j->ndirs; i++) {
			size_t k;
			for (k = 0; k < ndirs; k++)
				if (strcmp(dirs[k], j->dirs[i]) == 0)
					break;
			if (k == ndirs) {
				dirs = xrealloc(dirs, (ndirs + 1) * sizeof(*dirs));
				dirs[ndirs++] = j->dirs[i];
			}
		}
	}
	dir_err = xcalloc(ndirs + 1, sizeof(*dir_err));
	for (size_t k = 0; k < ndirs; k++)
		dir_err[k] = fsync_dir(dirs[k]);
	for (struct commit_job *j = batch; j; j = j->next)
		for (size_t i = 0; i < j->ndirs && j->err == 0; i++)
			for (size_t k = 0; k < ndirs; k++)
				if (strcmp(dirs[k], j->dirs[i]) == 0 && dir_err[k])
					j->err = dir_err[k];
	free(dirs);
	free(dir_err);
	return njobs;
}

static void *
commit_thread(void *arg)
{
	struct commit *c = arg;

	pthread_mutex_lock(&c->lock);
	for (;;) {
		while (c->todo == NULL && !c->stop)
			pthread_cond_wait(&c->wake, &c->lock);
		if (c->todo == NULL && c->stop)
			break;
		if (c->delay_ms > 0 && !c->stop) {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += (long)(c->delay_ms * 1000000LL);
			ts.tv_sec += ts.tv_nsec / 1000000000L;
			ts.tv_nsec %= 1000000000L;
			pthread_cond_timedwait(&c->wake, &c->lock, &ts);
		}
		struct commit_job *batch = c->todo;
		c->todo = NULL;
		c->todo_tail = &c->todo;
		pthread_mutex_unlock(&c->lock);

		size_t njobs = run_batch(c, batch);

		pthread_mutex_lock(&c->lock);
		c->finished += njobs;
		pthread_cond_broadcast(&c->ran);
		c->stats.batches++;
		c->stats.jobs += njobs;
		if (njobs > c->stats.max_batch)
			c->stats.max_batch = njobs;
		struct commit_job *last = batch;
		while (last->next)
			last = last->next;
		*c->done_tail = batch;
		c->done_tail = &last->next;
		event_active(c->done_ev, EV_READ, 0);
	}
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

static void
run_callbacks(evutil_socket_t fd, short what, void *arg)
{
	struct commit *c = arg;
	struct commit_job *list;

	(void)fd;
	(void)what;
	pthread_mutex_lock(&c->lock);
	list = c->done;
	c->done = NULL;
	c->done_tail = &c->done;
	pthread_mutex_unlock(&c->lock);
	while (list) {
		struct commit_job *j = list;
		list = j->next;
		if (j->err)
			log_err("event=commit_failed error=\"%s\"", strerror(j->err));
		j->fn(j->arg, j->err);
		job_free(j);
	}
}

struct commit *
commit_new(struct event_base *base, const char *dir, long long delay_ms, char *err, size_t errsz)
{
	struct commit *c = xcalloc(1, sizeof(*c));

	c->fsfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c->fsfd < 0) {
		snprintf(err, errsz, "%s: %s", dir, strerror(errno));
		free(c);
		return NULL;
	}
	c->delay_ms = delay_ms;
	c->todo_tail = &c->todo;
	c->done_tail = &c->done;
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->wake, NULL);
	pthread_cond_init(&c->ran, NULL);
	c->done_ev = event_new(base, -1, 0, run_callbacks, c);
	if (pthread_create(&c->thread, NULL, commit_thread, c) != 0) {
		snprintf(err, errsz, "cannot start the commit thread");
		pthread_cond_destroy(&c->ran);
		event_free(c->done_ev);
		close(c->fsfd);
		free(c);
		return NULL;
	}
	return c;
}

void
commit_submit(struct commit *c, struct commit_job *j)
{
	j->next = NULL;
	pthread_mutex_lock(&c->lock);
	*c->todo_tail = j;
	c->todo_tail = &j->next;
	c->submitted++;
	pthread_cond_signal(&c->wake);
	pthread_mutex_unlock(&c->lock);
}

void
commit_wait(struct commit *c)
{
	pthread_mutex_lock(&c->lock);
	unsigned long long target = c->submitted;
	while (c->finished < target && !c->stop)
		pthread_cond_wait(&c->ran, &c->lock);
	pthread_mutex_unlock(&c->lock);
}

void
commit_stats(struct commit *c, struct commit_stats *out)
{
	pthread_mutex_lock(&c->lock);
	*out = c->stats;
	pthread_mutex_unlock(&c->lock);
}

void
commit_free(struct commit *c)
{
	if (c == NULL)
		return;
	pthread_mutex_lock(&c->lock);
	c->stop = 1;
	pthread_cond_signal(&c->wake);
	pthread_cond_broadcast(&c->ran);
	pthread_mutex_unlock(&c->lock);
	pthread_join(c->thread, NULL);
	/* Callbacks may submit more jobs (an envelope update after a
	 * delivery); with the thread gone, finish them here. */
	run_callbacks(-1, 0, c);
	while (c->todo != NULL) {
		struct commit_job *batch = c->todo;
		c->todo = NULL;
		c->todo_tail = &c->todo;
		run_batch(c, batch);
		struct commit_job *last = batch;
		while (last->next)
			last = last->next;
		*c->done_tail = batch;
		c->done_tail = &last->next;
		run_callbacks(-1, 0, c);
	}
	event_free(c->done_ev);
	pthread_mutex_destroy(&c->lock);
	pthread_cond_destroy(&c->wake);
	pthread_cond_destroy(&c->ran);
	close(c->fsfd);
	free(c);
}
