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
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "deliver/maildir.h"
#include "msg/authres.h"
#include "msg/mime_config.h"
#include "msg/mime_hdr.h"
#include "msg/mime_notice.h"
#include "queue/commit.h"
#include "util/str.h"
#include "util/xmalloc.h"

struct local_pool {
	struct commit *commit;
	pthread_t *threads;
	int nthreads;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct qnode {
		struct qnode *next;
		struct local_task *t;
	} * head, **tail;
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
	free(t->trace);
	free(t->unsafe_tag);
	free(t->unsafe_reason);
	free(t->notice);
	free(t);
}

void
local_task_set_unsafe(struct local_task *t, const struct mime_config *cfg, const char *reason)
{
	free(t->unsafe_tag);
	free(t->unsafe_reason);
	mime_config_options(cfg, &t->unsafe);
	t->unsafe_tag = xstrdup(cfg->subject_tag ? cfg->subject_tag : "");
	t->unsafe_reason = reason ? xstrdup(reason) : NULL;
	t->unsafe.subject_tag = t->unsafe_tag;
	t->unsafe_set = 1;
}

/* Read up to n octets of fd from offset 0 into buf; the count or -1. */
static ssize_t
read_head(int fd, char *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = pread(fd, buf + got, n - got, (off_t)got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

/*
 * The reason an unsafe message is unsafe, when the queue manager gave
 * none: the Authentication-Results field vouchd put on it (the first one
 * naming our host; forged ones were removed on receipt).
 */
static void
reason_from_message(const char *buf, size_t len, const char *hostname, char *out, size_t outsz)
{
	struct mime_hdrs h;
	struct mime_field f;
	char id[256];
	size_t o = 0;

	out[0] = '\0';
	mime_hdrs_init(&h, buf, 0, len, 0);
	while (mime_hdrs_next(&h, &f)) {
		if (!mime_field_is(buf, &f, "Authentication-Results") ||
		    authres_authserv_id(buf + f.value_off, f.value_len, id, sizeof(id)) < 0 ||
		    strcasecmp(id, hostname) != 0)
			continue;
		/* unfolded, white space collapsed */
		for (size_t i = 0; i < f.value_len && o + 1 < outsz; i++) {
			char c = buf[f.value_off + i];
			int sp = c == ' ' || c == '\t' || c == '\r' || c == '\n';
			if (sp && (o == 0 || out[o - 1] == ' '))
				continue;
			out[o++] = sp ? ' ' : c;
		}
		while (o > 0 && out[o - 1] == ' ')
			o--;
		out[o] = '\0';
		return;
	}
}

/* The bytes of a message's header section worth reading when the message
 * is too large to rewrite whole. */
#define UNSAFE_HEAD_READ (1024 * 1024)

/*
 * Worker thread: the rewritten copy of the queued message for .Unsafe
 * (msg/mime_strip.h), made once per task. When *has_rest, the copy goes
 * on with the queued file from offset *rest.
 */
static int
unsafe_copy(struct local_task *t, int fd, struct strbuf *out, size_t *rest, int *has_rest,
    char *err, size_t errsz)
{
	struct mime_strip_opts o = t->unsafe;
	struct mime_strip_info info;
	struct stat st;
	char reason[300];
	size_t want;
	ssize_t n;
	char *buf;

	if (!t->unsafe_set)
		mime_strip_defaults(&o);
	if (fstat(fd, &st) < 0) {
		snprintf(err, errsz, "cannot stat the queued message: %s", strerror(errno));
		return -1;
	}
	want = (uint64_t)st.st_size <= o.max_size   ? (size_t)st.st_size
	    : (size_t)st.st_size < UNSAFE_HEAD_READ ? (size_t)st.st_size
	                                            : UNSAFE_HEAD_READ;
	buf = malloc(want + 1);
	if (buf == NULL || (n = read_head(fd, buf, want)) < 0) {
		snprintf(err, errsz, "cannot read the queued message: %s", strerror(errno));
		free(buf);
		return -1;
	}
	/* the body's first octets are replaced by t->trace (envelope.h) */
	size_t skip = t->trace && t->trace_skip <= (uint64_t)n ? (size_t)t->trace_skip : 0;
	if (t->unsafe_reason == NULL) {
		if (skip)
			reason_from_message(
			    t->trace, strlen(t->trace), t->hostname, reason, sizeof(reason));
		else
			reason_from_message(buf, (size_t)n, t->hostname, reason, sizeof(reason));
		o.reason = reason[0] ? reason : NULL;
	} else {
		o.reason = t->unsafe_reason;
	}
	strbuf_init(out, mime_strip_bound((size_t)n - skip, &o));
	if (mime_strip(buf + skip, (size_t)n - skip, (uint64_t)st.st_size - skip, &o, out, &info) <
	    0) {
		snprintf(err, errsz, "cannot make the unsafe copy (too large)");
		free(buf);
		strbuf_free(out);
		return -1;
	}
	free(buf);
	*rest = info.rest + skip;
	*has_rest = info.has_rest;
	return 0;
}

/* The largest message the transition notice is put into (the copy is made
 * in memory); larger ones go as they are. */
#define NOTICE_MAX_SIZE (64u * 1024 * 1024)

/*
 * Worker thread: src[0..len) with the transition notice at its top, into
 * out (initialised here); 0, or -1 (out freed) when it cannot be made.
 */
static int
notice_wrap(struct local_task *t, const char *src, size_t len, struct strbuf *out)
{
	strbuf_init(out, len + MIME_NOTICE_MAX + strlen(t->notice) * 3 + 1024);
	if (mime_notice_wrap(src, len, t->notice, t->id, out) < 0) {
		strbuf_free(out);
		return -1;
	}
	return 0;
}

/* Worker thread: the queued message (its trace in place) with the notice. */
static int
notice_copy(struct local_task *t, int fd, struct strbuf *out)
{
	struct stat st;
	ssize_t n;
	char *buf;
	int rc;

	if (fstat(fd, &st) < 0 || (uint64_t)st.st_size > NOTICE_MAX_SIZE)
		return -1;
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL || (n = read_head(fd, buf, (size_t)st.st_size)) < 0) {
		free(buf);
		return -1;
	}
	size_t skip = t->trace && t->trace_skip <= (uint64_t)n ? (size_t)t->trace_skip : 0;
	rc = notice_wrap(t, buf + skip, (size_t)n - skip, out);
	free(buf);
	return rc;
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
			snprintf(it->error, sizeof(it->error),
			    "cannot make the mailbox copy durable: %s", strerror(err));
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
	/* unsafe items share one rewritten copy: 0 not made yet, 1 made, -1 failed */
	struct strbuf copy;
	int have_copy = 0, has_rest = 0;
	size_t rest = 0;
	char copy_err[sizeof(t->items[0].error)];
	/* the notice's copies: 0 not made yet, 1 made, -1 going without it */
	struct strbuf noticed;
	int have_noticed = 0, copy_noticed = 0;

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
		if (t->trace)
			strbuf_puts(&prefix, t->trace);
		if (it->unsafe && have_copy == 0)
			have_copy = unsafe_copy(t, fd, &copy, &rest, &has_rest, copy_err,
			                sizeof(copy_err)) == 0
			    ? 1
			    : -1;
		if (t->notice && it->unsafe && have_copy > 0 && !has_rest && !copy_noticed) {
			/* the unsafe copy gets the notice too (made once) */
			struct strbuf w;
			copy_noticed = 1;
			if (notice_wrap(t, copy.s, copy.len, &w) == 0) {
				strbuf_free(&copy);
				copy = w;
			}
		}
		if (t->notice && !it->unsafe && have_noticed == 0)
			have_noticed = fd >= 0 && notice_copy(t, fd, &noticed) == 0 ? 1 : -1;
		if (it->unsafe && have_copy < 0) {
			str_copy(it->error, sizeof(it->error), copy_err);
		} else if (!it->unsafe && have_noticed > 0) {
			if (maildir_write_copy(root.s, NULL, t->hostname, prefix.s, prefix.len,
			        noticed.s, noticed.len, -1, 0, &it->tmp_path, &it->new_path,
			        &it->new_dir, it->error, sizeof(it->error)) == 0) {
				it->ok = 1;
				commit_job_rename(j, it->tmp_path, it->new_path);
				commit_job_sync_dir(j, it->new_dir);
			}
		} else if (it->unsafe
		        ? maildir_write_copy(root.s, ".Unsafe", t->hostname, prefix.s, prefix.len,
		              copy.s, copy.len, has_rest ? fd : -1, (off_t)rest, &it->tmp_path,
		              &it->new_path, &it->new_dir, it->error, sizeof(it->error)) == 0
		        : maildir_write_copy(root.s, NULL, t->hostname, prefix.s, prefix.len, NULL,
		              0, fd, t->trace ? (off_t)t->trace_skip : 0, &it->tmp_path,
		              &it->new_path, &it->new_dir, it->error, sizeof(it->error)) == 0) {
			it->ok = 1;
			commit_job_rename(j, it->tmp_path, it->new_path);
			commit_job_sync_dir(j, it->new_dir);
		}
		strbuf_free(&root);
		strbuf_free(&prefix);
	}
	if (fd >= 0)
		close(fd);
	if (have_copy > 0)
		strbuf_free(&copy);
	if (have_noticed > 0)
		strbuf_free(&noticed);
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
