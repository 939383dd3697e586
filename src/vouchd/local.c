/*
 * local: Maildir delivery on worker threads (see local.h).
 */
#include "local.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "deliver/maildir.h"
#include "queue/commit.h"
#include "util/str.h"
#include "util/xmalloc.h"

struct local_pool {
	struct commit *commit;
	pthread_t *threads;
	int nthreads;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct qnode { struct qnode *next; struct local_task *t; } *head, **tail;
	int stop;
};

void
local_task_free(struct local_task *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->nitems; i++) {
		free(t->items[i].mailbox);
		free(t->items[i].tmp_path);
		free(t->items[i].new_path);
		free(t->items[i].new_dir);
	}
	free(t->items);
	free(t->body_path);
	free(t->mail_root);
	free(t->hostname);
	free(t->prefix_from);
	free(t);
}

/* Loop thread: the group commit has published (or failed) the copies. */
static void
task_committed(void *arg, int err)
{
	struct local_task *t = arg;

	for (size_t i = 0; i < t->nitems; i++) {
		struct local_item *it = &t->items[i];
		if (err && it->ok) {
			it->ok = 0;
			snprintf(it->error, sizeof(it->error), "cannot make the mailbox copy durable: %s",
			    strerror(err));
			if (it->tmp_path)
				unlink(it->tmp_path);
		}
	}
	t->done(t, t->arg);
}

/* Worker thread: write one copy per recipient into tmp/. */
static void
run_task(struct local_pool *p, struct local_task *t)
{
	int fd = open(t->body_path, O_RDONLY | O_CLOEXEC);
	struct commit_job *j = commit_job_new(task_committed, t);

	for (size_t i = 0; i < t->nitems; i++) {
		struct local_item *it = &t->items[i];
		const char *at = strrchr(it->mailbox, '@');
		struct strbuf root, prefix;

		if (fd < 0) {
			snprintf(it->error, sizeof(it->error), "cannot open the queued message: %s",
			    strerror(errno));
			continue;
		}
		/* Mailbox names come from the users table, but check anyway. */
		if (at == NULL || at == it->mailbox || strchr(it->mailbox, '/') ||
		    it->mailbox[0] == '.' || at[1] == '.' || at[1] == '\0') {
			snprintf(it->error, sizeof(it->error), "unusable mailbox name");
			continue;
		}
		strbuf_init(&root, 8192);
		strbuf_printf(&root, "%s/%s/", t->mail_root, at + 1);
		strbuf_append(&root, it->mailbox, (size_t)(at - it->mailbox));
		strbuf_init(&prefix, 4096);
		strbuf_printf(&prefix, "Return-Path: <%s>\r\nDelivered-To: %s\r\n", t->prefix_from,
		    it->mailbox);
		if (maildir_write(root.s, it->unsafe ? ".Unsafe" : NULL, t->hostname, prefix.s,
		    prefix.len, fd, &it->tmp_path, &it->new_path, &it->new_dir, it->error,
		    sizeof(it->error)) == 0) {
			it->ok = 1;
			commit_job_rename(j, it->tmp_path, it->new_path);
			commit_job_sync_dir(j, it->new_dir);
		}
		strbuf_free(&root);
		strbuf_free(&prefix);
	}
	if (fd >= 0)
		close(fd);
	commit_submit(p->commit, j);
}

static void *
worker(void *arg)
{
	struct local_pool *p = arg;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (p->head == NULL && !p->stop)
			pthread_cond_wait(&p->wake, &p->lock);
		if (p->head == NULL)
			break;
		struct qnode *n = p->head;
		p->head = n->next;
		if (p->head == NULL)
			p->tail = &p->head;
		pthread_mutex_unlock(&p->lock);
		run_task(p, n->t);
		free(n);
		pthread_mutex_lock(&p->lock);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

struct local_pool *
local_pool_new(struct commit *c, int nthreads)
{
	struct local_pool *p = xcalloc(1, sizeof(*p));

	p->commit = c;
	p->tail = &p->head;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->wake, NULL);
	p->threads = xcalloc((size_t)nthreads, sizeof(*p->threads));
	for (int i = 0; i < nthreads; i++) {
		if (pthread_create(&p->threads[i], NULL, worker, p) != 0)
			break;
		p->nthreads++;
	}
	if (p->nthreads == 0) {
		free(p->threads);
		free(p);
		return NULL;
	}
	return p;
}

void
local_pool_submit(struct local_pool *p, struct local_task *t)
{
	struct qnode *n = xmalloc(sizeof(*n));

	n->next = NULL;
	n->t = t;
	pthread_mutex_lock(&p->lock);
	*p->tail = n;
	p->tail = &n->next;
	pthread_cond_signal(&p->wake);
	pthread_mutex_unlock(&p->lock);
}

void
local_pool_free(struct local_pool *p)
{
	if (p == NULL)
		return;
	pthread_mutex_lock(&p->lock);
	p->stop = 1;
	pthread_cond_broadcast(&p->wake);
	pthread_mutex_unlock(&p->lock);
	for (int i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	free(p->threads);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->wake);
	free(p);
}
