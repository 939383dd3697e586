/*
 * queue: the durable spool under <data_dir>/queue.
 *
 *   tmp/      files being written (never trusted: removed at start-up)
 *   spare/    files of removed messages, emptied and kept for new ones to
 *             be written into (saves creating inodes); like tmp/, emptied
 *             at start-up
 *   active/   ID.msg (the message, canonical CRLF, immutable) and
 *             ID.env (its envelope, rewritten as delivery progresses)
 *
 * A message exists once active/ID.env exists; the .msg is published
 * before it in the same group commit. Writers use the event loop thread;
 * flushing happens in the commit thread (queue/commit.h).
 */
#ifndef VOUCH_QUEUE_QUEUE_H
#define VOUCH_QUEUE_QUEUE_H

#include <stddef.h>
#include <stdint.h>

#include "queue/commit.h"
#include "queue/envelope.h"

struct queue;
struct queue_writer;

/* Open (creating folders) the spool at <data_dir>/queue; starts the
 * remover threads (see queue_remove). */
struct queue *queue_open(const char *data_dir, struct commit *c, char *err, size_t errsz);
/* Finish pending removals, stop the remover threads, free. NULL-safe.
 * Call after commit_free() (its last callbacks may remove messages). */
void queue_close(struct queue *q);
/* A new unique queue id: time-ordered, 17 characters of [0-9A-F]. */
void queue_new_id(struct queue *q, char id[ENVELOPE_ID_MAX + 1]);
/* True if id has the shape queue_new_id makes (safe as a file name). */
int queue_id_ok(const char *id);
/* The active folder's path. */
const char *queue_active_dir(const struct queue *q);
/* Free octets on the spool's filesystem for unprivileged writers, or -1. */
long long queue_free_space(const struct queue *q);

/* Start writing a new message body to tmp/. NULL (and err) on failure. */
struct queue_writer *queue_writer_new(struct queue *q, const char *id, char *err, size_t errsz);
/* Buffered write; -1 after any error (sticky; see queue_writer_errno). */
int queue_writer_write(struct queue_writer *w, const void *p, size_t n);
int queue_writer_errno(const struct queue_writer *w);
uint64_t queue_writer_size(const struct queue_writer *w);
/*
 * Finish: flush, write the envelope next to the body, and submit both to
 * the group commit. fn(arg, err) runs on the loop thread when the message
 * is durable in active/ (err 0) or failed (err set, files removed).
 * Takes w in all cases.
 */
void queue_writer_commit(
    struct queue_writer *w, const struct envelope *env, commit_done_fn fn, void *arg);
/* Abandon: close and remove the temporary file. NULL-safe. */
void queue_writer_abort(struct queue_writer *w);

/* Durably replace a message's envelope; fn as for queue_writer_commit. */
int queue_update(struct queue *q, const struct envelope *e, commit_done_fn fn, void *arg);
/* Read a message's envelope. Returns 0, or -1 with a reason in err. */
int queue_load(struct queue *q, const char *id, struct envelope *e, char *err, size_t errsz);
/* Path of the message body (caller frees). */
char *queue_body_path(const struct queue *q, const char *id);
/*
 * Remove a message whose recipients are all done. Asynchronous: the files
 * are unlinked by the queue's remover threads, after every commit submitted
 * before this call (so a pending envelope update cannot bring the envelope
 * back), and queue_close() finishes what is pending. Not flushed: after a
 * crash the message may come back and be delivered again (duplicates are
 * allowed, losses are not).
 */
void queue_remove(struct queue *q, const char *id);
/*
 * Remove a message now, on this thread (for an administrator's delete,
 * which should be done when it is acknowledged): waits for the commits
 * submitted before (an envelope update must not bring the envelope back),
 * then unlinks. Blocks for up to one group commit.
 */
void queue_remove_now(struct queue *q, const char *id);
/*
 * Start-up recovery: remove tmp/ and spare/ leftovers and bodies without envelopes,
 * set aside unreadable envelopes (renamed *.corrupt, logged), and call fn
 * for each message in active/. Returns the number of messages.
 */
size_t queue_recover(struct queue *q, void (*fn)(void *arg, const char *id), void *arg);

#endif
