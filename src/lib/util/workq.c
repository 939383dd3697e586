/*
 * workq: worker threads with completions on the loop (see workq.h).
 */
#include "util/workq.h"

#include <event2/event.h>
#include <pthread.h>
#include <stdlib.h>

#include "util/xmalloc.h"

struct job {
	struct job *next;
	workq_fn work, done;
	void *arg;
};

struct workq {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct job *todo, **todo_tail;
	struct job *done, **done_tail;
	pthread_t *threads;
	int nthreads;
	int stop;
	struct event *done_ev;
};

static void *
worker(void *arg)
{
	struct workq *q = arg;

	pthread_mutex_lock(&q->lock);
	for (;;) {
		while (q->todo == NULL && !q->stop)
			pthread_cond_wait(&q->wake, &q->lock);
		if (q->todo == NULL)
			break;
		struct job *j = q->todo;
		q->todo = j->next;
		if (q->todo == NULL)
			q->todo_tail = &q->todo;
		pthread_mutex_unlock(&q->lock);
		j->work(j->arg);
		pthread_mutex_lock(&q->lock);
		j->next = NULL;
		*q->done_tail = j;
		q->done_tail = &j->next;
		event_active(q->done_ev, EV_READ, 0);
	}
	pthread_mutex_unlock(&q->lock);
	return NULL;
}

static void
run_done(evutil_socket_t fd, short what, void *arg)
{
	struct workq *q = arg;
	struct job *list;

	(void)fd;
	(void)what;
	pthread_mutex_lock(&q->lock);
	list = q->done;
	q->done = NULL;
	q->done_tail = &q->done;
	pthread_mutex_unlock(&q->lock);
	while (list) {
		struct job *j = list;
		list = j->next;
		if (j->done)
			j->done(j->arg);
		free(j);
	}
}

struct workq *
workq_new(struct event_base *base, int nthreads)
{
	struct workq *q = xcalloc(1, sizeof(*q));

	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->wake, NULL);
	q->todo_tail = &q->todo;
	q->done_tail = &q->done;
	q->done_ev = event_new(base, -1, 0, run_done, q);
	q->threads = xcalloc((size_t)nthreads, sizeof(*q->threads));
	for (int i = 0; i < nthreads; i++)
		if (pthread_create(&q->threads[i], NULL, worker, q) == 0)
			q->nthreads++;
	if (q->nthreads == 0) {
		event_free(q->done_ev);
		free(q->threads);
		free(q);
		return NULL;
	}
	return q;
}

void
workq_submit(struct workq *q, workq_fn work, workq_fn done, void *arg)
{
	struct job *j = xmalloc(sizeof(*j));

	j->next = NULL;
	j->work = work;
	j->done = done;
	j->arg = arg;
	pthread_mutex_lock(&q->lock);
	*q->todo_tail = j;
	q->todo_tail = &j->next;
	pthread_cond_signal(&q->wake);
	pthread_mutex_unlock(&q->lock);
}

void
workq_free(struct workq *q)
{
	if (q == NULL)
		return;
	pthread_mutex_lock(&q->lock);
	q->stop = 1;
	pthread_cond_broadcast(&q->wake);
	pthread_mutex_unlock(&q->lock);
	for (int i = 0; i < q->nthreads; i++)
		pthread_join(q->threads[i], NULL);
	run_done(-1, 0, q);
	event_free(q->done_ev);
	pthread_mutex_destroy(&q->lock);
	pthread_cond_destroy(&q->wake);
	free(q->threads);
	free(q);
}
