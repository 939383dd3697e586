/*
 * workq: run blocking work (password hashing, file I/O) on worker threads
 * and its completion back on the event loop thread, so the loop never
 * waits on it.
 */
#ifndef VOUCH_UTIL_WORKQ_H
#define VOUCH_UTIL_WORKQ_H

struct event_base;
struct workq;

/* work(arg) runs on a worker thread; done(arg) then runs on the loop. */
typedef void (*workq_fn)(void *arg);

/* Start nthreads workers. The base must have been set up after
 * evthread_use_pthreads(). */
struct workq *workq_new(struct event_base *base, int nthreads);
/* Finish all submitted work (running its done callbacks), stop, free. */
void workq_free(struct workq *q);
/* Queue a job; arg is owned by the caller's callbacks. */
void workq_submit(struct workq *q, workq_fn work, workq_fn done, void *arg);

#endif
