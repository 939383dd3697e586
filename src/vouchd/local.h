/*
 * local: the local delivery agent. Worker threads copy queued messages
 * into Maildir mailboxes under <data_dir>/mail/<domain>/<local>/, and the
 * group commit publishes them; the result comes back on the loop thread.
 */
#ifndef VOUCH_VOUCHD_LOCAL_H
#define VOUCH_VOUCHD_LOCAL_H

#include <stddef.h>

#include "msg/mime_strip.h"

struct commit;
struct mime_config;
struct local_pool;

struct local_item {
	size_t rcpt;     /* index in the envelope */
	char *mailbox;   /* local@domain */
	int unsafe;      /* into the .Unsafe folder */
	int ok;          /* set by the agent */
	char error[256]; /* set by the agent on failure */
	char *tmp_path, *new_path, *new_dir;
};

struct local_task {
	char id[40];
	char *body_path;
	char *mail_root; /* <data_dir>/mail */
	char *hostname;
	char *prefix_from;   /* Return-Path value */
	char *trace;         /* the envelope's trace field, or NULL */
	uint64_t trace_skip; /* the octets of the body file it replaces */
	struct local_item *items;
	size_t nitems;
	/* How unsafe items are rewritten (local_task_set_unsafe; defaults
	 * when it was not called). */
	struct mime_strip_opts unsafe;
	int unsafe_set;
	char *unsafe_tag;
	char *unsafe_reason; /* why the mail is unsafe; NULL = our Authentication-Results */
	/* The transition period's notice put at the top of every copy
	 * (msg/mime_notice.h mime_notice_wrap), or NULL. */
	char *notice;
	/* Called on the loop thread when the task is finished. */
	void (*done)(struct local_task *t, void *arg);
	void *arg;
};

struct local_pool *local_pool_new(struct commit *c, int nthreads);
/* Finish queued tasks and stop the threads. NULL-safe. */
void local_pool_free(struct local_pool *p);
/* Hand a task to the pool (taken; freed with local_task_free by the caller
 * in its done callback). */
void local_pool_submit(struct local_pool *p, struct local_task *t);
void local_task_free(struct local_task *t);
/*
 * Rewrite unsafe items as cfg says (the tag and reason are copied; reason
 * may be NULL: the Authentication-Results vouchd added are quoted then).
 */
void local_task_set_unsafe(struct local_task *t, const struct mime_config *cfg, const char *reason);

#endif
