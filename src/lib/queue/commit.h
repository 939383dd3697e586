/*
 * commit: group commit. A thread makes files durable for many requests at
 * once, so that durability costs one disk flush per batch, not one per
 * message (DESIGN 7).
 *
 * A job names files already written (with write(2), not yet flushed) by
 * the renames that publish them. For each batch of jobs the thread does:
 * one syncfs(2) (file data and inodes of the whole filesystem reach stable
 * storage), then every rename, then one fsync(2) per distinct directory
 * (the renames reach stable storage). Only then is each job's callback
 * run, on the event loop's thread. A message is acknowledged with 250 from
 * that callback: written to a temporary name, flushed, renamed, directory
 * flushed, in that order.
 */
#ifndef VOUCH_QUEUE_COMMIT_H
#define VOUCH_QUEUE_COMMIT_H

#include <stddef.h>

struct event_base;
struct commit;
struct commit_job;

/* Called on the loop thread; err is 0 or the errno that failed the job. */
typedef void (*commit_done_fn)(void *arg, int err);

/*
 * Start the commit thread for the filesystem holding dir. delay_ms lets a
 * batch wait that long for more jobs (0: flush as soon as one is ready).
 * The event base must have been set up after evthread_use_pthreads().
 */
struct commit *
commit_new(struct event_base *base, const char *dir, long long delay_ms, char *err, size_t errsz);
/* Finish every submitted job, stop the thread, free. NULL-safe. */
void commit_free(struct commit *c);

/* A new, empty job whose fn(arg, err) runs when it is durable. A job left
 * empty costs no flush: its callback simply runs after every job submitted
 * before it (jobs complete in submission order). */
struct commit_job *commit_job_new(commit_done_fn fn, void *arg);
/* rename(from, to) once the data is durable (paths copied). */
void commit_job_rename(struct commit_job *j, const char *from, const char *to);
/* fsync the directory after the renames (path copied; duplicates merged). */
void commit_job_sync_dir(struct commit_job *j, const char *dir);
/* Hand the job to the thread, which owns and frees it. */
void commit_submit(struct commit *c, struct commit_job *j);
/* Block until the thread has run every job submitted so far (their
 * callbacks may still be pending). For rare administrative paths. */
void commit_wait(struct commit *c);

/* Counters for status and benchmarks. */
struct commit_stats {
	unsigned long long batches;
	unsigned long long jobs;
	unsigned long long max_batch;
};
void commit_stats(struct commit *c, struct commit_stats *out);

#endif
