/*
 * queue: the durable spool (see queue.h).
 */
#include "queue/queue.h"
#include "queue/queue_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/time.h>
#include <unistd.h>

#include "util/log.h"
#include "util/str.h"
#include "util/xmalloc.h"

#define QUEUE_ID_LEN 17
#define WRITE_BUF (64 * 1024)
struct queue_writer {
	struct queue *q;
	char id[ENVELOPE_ID_MAX + 1];
	char *path;   /* the file being written, in tmp/ or spare/ */
	int is_spare; /* path is spare/<spare> */
	uint64_t spare;
	int fd;
	int err;
	uint64_t size;
	size_t buflen;
	char buf[WRITE_BUF];
};

char *
queue_join(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *p = xmalloc(la + lb + 2);

	memcpy(p, a, la);
	p[la] = '/';
	memcpy(p + la + 1, b, lb + 1);
	return p;
}

char *
queue_pathf(const char *dir, const char *id, const char *suffix)
{
	size_t n = strlen(dir) + strlen(id) + strlen(suffix) + 2;
	char *p = xmalloc(n);

	snprintf(p, n, "%s/%s%s", dir, id, suffix);
	return p;
}

static int
mkdir_p(const char *path, mode_t mode)
{
	char buf[4096];
	size_t n = strlen(path);

	if (n >= sizeof(buf))
		return -1;
	memcpy(buf, path, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (buf[i] == '/' || buf[i] == '\0') {
			char c = buf[i];
			buf[i] = '\0';
			if (mkdir(buf, mode) < 0 && errno != EEXIST)
				return -1;
			buf[i] = c;
		}
	}
	return 0;
}

static char *
spare_path(const struct queue *q, uint64_t n)
{
	char name[32];

	snprintf(name, sizeof(name), "%llu", (unsigned long long)n);
	return queue_join(q->spare, name);
}

/* A number for a new name in spare/ (any thread). */
static uint64_t
spare_number(struct queue *q)
{
	uint64_t n;

	pthread_mutex_lock(&q->lock);
	n = q->spare_seq++;
	pthread_mutex_unlock(&q->lock);
	return n;
}

/*
 * Open a file to write: an empty spare if there is one (*is_spare set,
 * *spare its number), else a new file tmp/<id><suffix>. Returns the fd (or
 * -1 with errno) and the path in *path (caller frees).
 */
static int
tmp_open(struct queue *q, const char *id, const char *suffix, char **path, int *is_spare,
    uint64_t *spare)
{
	int fd;

	pthread_mutex_lock(&q->lock);
	*is_spare = q->nspares > 0;
	if (*is_spare)
		*spare = q->spares[--q->nspares];
	pthread_mutex_unlock(&q->lock);
	if (*is_spare) {
		struct stat st;
		*path = spare_path(q, *spare);
		/*
		 * Spares are empty (spare_keep). No O_TRUNC: truncating to 0 makes
		 * ext4 (auto_da_alloc) write the file out when it is closed, on
		 * this thread, the event loop.
		 */
		if ((fd = open(*path, O_WRONLY | O_CLOEXEC)) >= 0) {
			if (fstat(fd, &st) == 0 && st.st_size == 0)
				return fd;
			close(fd);
		}
		free(*path);
	}
	*is_spare = 0;
	*path = queue_pathf(q->tmp, id, suffix);
	return open(*path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
}

/* Remover thread: empty spare/<n> (at path) and keep it, or drop it. */
static void
spare_keep(struct queue *q, const char *path, uint64_t n)
{
	int kept = 0;
	/*
	 * Truncated through a descriptor and closed here, so that ext4's
	 * flush-on-close of a file truncated to 0 (auto_da_alloc) happens now,
	 * with nothing to write, not when a session closes the file it wrote.
	 */
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int ok = fd >= 0 && ftruncate(fd, 0) == 0;

	if (fd >= 0 && close(fd) < 0)
		ok = 0;
	if (ok) {
		pthread_mutex_lock(&q->lock);
		if (q->nspares < QUEUE_SPARES) {
			q->spares[q->nspares++] = n;
			kept = 1;
		}
		pthread_mutex_unlock(&q->lock);
	}
	if (!kept)
		unlink(path);
}

/*
 * Remover thread: make the file at path a spare (renamed into spare/,
 * emptied). Returns 0 if the file is gone from path, or errno.
 */
static int
spare_recycle(struct queue *q, const char *path)
{
	uint64_t n;
	char *sp;
	int rc = 0, full;

	pthread_mutex_lock(&q->lock);
	full = q->nspares >= QUEUE_SPARES;
	n = q->spare_seq++;
	pthread_mutex_unlock(&q->lock);
	if (full)
		return unlink(path) < 0 && errno != ENOENT ? errno : 0;
	sp = spare_path(q, n);
	if (rename(path, sp) == 0)
		spare_keep(q, sp, n);
	else if (errno != ENOENT && unlink(path) < 0 && errno != ENOENT)
		rc = errno;
	free(sp);
	return rc;
}

/* Remove a message's files (recycled as spares): envelope first, so a
 * body without envelope (an orphan, removed at start-up) is the worst a
 * crash can leave. */
static void
remove_files(struct queue *q, const char *id)
{
	char *env = queue_pathf(q->active, id, ".env");
	char *msg = queue_pathf(q->active, id, ".msg");
	int e;

	if ((e = spare_recycle(q, env)) != 0)
		log_warn("qid=%s event=remove_failed file=env error=\"%s\"", id, strerror(e));
	if ((e = spare_recycle(q, msg)) != 0)
		log_warn("qid=%s event=remove_failed file=msg error=\"%s\"", id, strerror(e));
	free(env);
	free(msg);
}

static void
removal_run(struct removal *r)
{
	if (r->spare) {
		spare_keep(r->q, r->spare, r->n);
		free(r->spare);
	} else {
		remove_files(r->q, r->id);
	}
	free(r);
}

/* Any thread: hand work to the remover threads. */
static void
removal_submit(struct queue *q, struct removal *r)
{
	pthread_mutex_lock(&q->lock);
	*q->tail = r;
	q->tail = &r->next;
	pthread_cond_signal(&q->wake);
	pthread_mutex_unlock(&q->lock);
}

static void *
remover_thread(void *arg)
{
	struct queue *q = arg;

	pthread_mutex_lock(&q->lock);
	for (;;) {
		while (q->head == NULL && !q->stop)
			pthread_cond_wait(&q->wake, &q->lock);
		if (q->head == NULL)
			break;
		struct removal *r = q->head;
		q->head = r->next;
		if (q->head == NULL)
			q->tail = &q->head;
		pthread_mutex_unlock(&q->lock);
		removal_run(r);
		pthread_mutex_lock(&q->lock);
	}
	pthread_mutex_unlock(&q->lock);
	return NULL;
}

struct queue *
queue_open(const char *data_dir, struct commit *c, char *err, size_t errsz)
{
	struct queue *q = xcalloc(1, sizeof(*q));

	q->root = queue_join(data_dir, "queue");
	q->tmp = queue_join(q->root, "tmp");
	q->active = queue_join(q->root, "active");
	q->spare = queue_join(q->root, "spare");
	q->commit = c;
	q->tail = &q->head;
	q->spares = xcalloc(QUEUE_SPARES, sizeof(*q->spares));
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->wake, NULL);
	if (mkdir_p(q->tmp, 0700) < 0 || mkdir_p(q->active, 0700) < 0 ||
	    mkdir_p(q->spare, 0700) < 0) {
		snprintf(
		    err, errsz, "cannot create the queue under %s: %s", q->root, strerror(errno));
		queue_close(q);
		return NULL;
	}
	for (int i = 0; i < QUEUE_REMOVERS; i++) {
		if (pthread_create(&q->remover[i], NULL, remover_thread, q) != 0) {
			snprintf(err, errsz, "cannot start the queue remover threads");
			queue_close(q);
			return NULL;
		}
		q->nremovers++;
	}
	return q;
}

void
queue_close(struct queue *q)
{
	if (q == NULL)
		return;
	pthread_mutex_lock(&q->lock);
	q->stop = 1;
	pthread_cond_broadcast(&q->wake);
	pthread_mutex_unlock(&q->lock);
	/* The threads finish the list before they exit. */
	for (int i = 0; i < q->nremovers; i++)
		pthread_join(q->remover[i], NULL);
	while (q->head) {
		struct removal *r = q->head;
		q->head = r->next;
		removal_run(r);
	}
	/* The spare files stay; start-up removes them. */
	free(q->spares);
	pthread_mutex_destroy(&q->lock);
	pthread_cond_destroy(&q->wake);
	free(q->root);
	free(q->tmp);
	free(q->active);
	free(q->spare);
	free(q);
}

const char *
queue_active_dir(const struct queue *q)
{
	return q->active;
}

void
queue_new_id(struct queue *q, char id[ENVELOPE_ID_MAX + 1])
{
	struct timeval tv;
	uint64_t us;

	gettimeofday(&tv, NULL);
	us = (uint64_t)tv.tv_sec * 1000000ULL + (uint64_t)tv.tv_usec;
	/* Microseconds, then a counter for ids made in the same one. */
	if (us <= q->last_us)
		us = q->last_us;
	else
		q->counter = 0;
	q->last_us = us;
	snprintf(id, ENVELOPE_ID_MAX + 1, "%013llX%04X", (unsigned long long)us,
	    (q->counter++) & 0xffff);
}

int
queue_id_ok(const char *id)
{
	size_t n = strlen(id);

	if (n != QUEUE_ID_LEN)
		return 0;
	return strspn(id, "0123456789ABCDEF") == n;
}

long long
queue_free_space(const struct queue *q)
{
	struct statvfs st;

	if (statvfs(q->root, &st) < 0)
		return -1;
	return (long long)st.f_bavail * (long long)st.f_frsize;
}

struct queue_writer *
queue_writer_new(struct queue *q, const char *id, char *err, size_t errsz)
{
	struct queue_writer *w;
	char *path = NULL;
	int is_spare;
	uint64_t spare = 0;
	int fd = tmp_open(q, id, ".msg", &path, &is_spare, &spare);

	if (fd < 0) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		free(path);
		return NULL;
	}
	w = xmalloc(sizeof(*w));
	w->q = q;
	w->path = path;
	w->is_spare = is_spare;
	w->spare = spare;
	str_copy(w->id, sizeof(w->id), id);
	w->fd = fd;
	w->err = 0;
	w->size = 0;
	w->buflen = 0;
	return w;
}

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
writer_flush(struct queue_writer *w)
{
	if (w->err == 0 && w->buflen > 0)
		w->err = write_all(w->fd, w->buf, w->buflen);
	w->buflen = 0;
	return w->err ? -1 : 0;
}

int
queue_writer_write(struct queue_writer *w, const void *p, size_t n)
{
	if (w->err)
		return -1;
	w->size += n;
	if (w->buflen + n > sizeof(w->buf)) {
		if (writer_flush(w) < 0)
			return -1;
		if (n >= sizeof(w->buf)) {
			w->err = write_all(w->fd, p, n);
			return w->err ? -1 : 0;
		}
	}
	memcpy(w->buf + w->buflen, p, n);
	w->buflen += n;
	return 0;
}

int
queue_writer_errno(const struct queue_writer *w)
{
	return w->err;
}

uint64_t
queue_writer_size(const struct queue_writer *w)
{
	return w->size;
}

void
queue_writer_abort(struct queue_writer *w)
{
	struct removal *r;

	if (w == NULL)
		return;
	if (w->fd >= 0)
		close(w->fd);
	r = xcalloc(1, sizeof(*r));
	r->q = w->q;
	if (w->is_spare) {
		r->n = w->spare;
		r->spare = w->path;
	} else {
		/* Out of tmp/ now (a rename frees no blocks, so it is quick);
		 * emptied on a remover thread, as freeing blocks may wait for
		 * the device (-o discard). */
		r->n = spare_number(w->q);
		r->spare = spare_path(w->q, r->n);
		if (rename(w->path, r->spare) < 0) {
			unlink(w->path);
			free(r->spare);
			r->spare = NULL;
		}
		free(w->path);
	}
	if (r->spare)
		removal_submit(w->q, r);
	else
		free(r);
	free(w);
}

/* Write data to a spare, else a new file in tmp/; its path in *path.
 * Returns 0 or errno (nothing left behind). */
static int
write_tmp(
    struct queue *q, const char *id, const char *suffix, const char *data, size_t len, char **path)
{
	int is_spare;
	uint64_t spare;
	int fd = tmp_open(q, id, suffix, path, &is_spare, &spare);
	int rc;

	if (fd < 0) {
		rc = errno;
		free(*path);
		*path = NULL;
		return rc;
	}
	rc = write_all(fd, data, len);
	if (close(fd) < 0 && rc == 0)
		rc = errno;
	if (rc) {
		unlink(*path);
		free(*path);
		*path = NULL;
	}
	return rc;
}

/* What a commit job needs to clean up if it fails. */
struct commit_ctx {
	commit_done_fn fn;
	void *arg;
	char *cleanup[2]; /* tmp files to remove on failure */
};

static void
commit_cb(void *arg, int err)
{
	struct commit_ctx *ctx = arg;

	if (err)
		for (int i = 0; i < 2; i++)
			if (ctx->cleanup[i])
				unlink(ctx->cleanup[i]);
	ctx->fn(ctx->arg, err);
	free(ctx->cleanup[0]);
	free(ctx->cleanup[1]);
	free(ctx);
}

void
queue_writer_commit(
    struct queue_writer *w, const struct envelope *env, commit_done_fn fn, void *arg)
{
	struct queue *q = w->q;
	struct strbuf text;
	int err = 0;

	if (writer_flush(w) < 0)
		err = w->err;
	if (close(w->fd) < 0 && err == 0)
		err = errno;
	w->fd = -1;
	strbuf_init(&text, 16 * 1024 * 1024);
	if (err == 0 && envelope_write(env, &text) < 0)
		err = EFBIG;
	char *tmp_msg = w->path;
	char *tmp_env = NULL;
	if (err == 0)
		err = write_tmp(q, w->id, ".env", text.s, text.len, &tmp_env);
	strbuf_free(&text);
	if (err) {
		unlink(tmp_msg);
		free(tmp_msg);
		free(w);
		fn(arg, err);
		return;
	}
	char *act_msg = queue_pathf(q->active, w->id, ".msg");
	char *act_env = queue_pathf(q->active, w->id, ".env");
	struct commit_ctx *ctx = xcalloc(1, sizeof(*ctx));
	ctx->fn = fn;
	ctx->arg = arg;
	ctx->cleanup[0] = tmp_msg;
	ctx->cleanup[1] = tmp_env;
	struct commit_job *j = commit_job_new(commit_cb, ctx);
	/* The body first: an envelope is never visible without its body. */
	commit_job_rename(j, tmp_msg, act_msg);
	commit_job_rename(j, tmp_env, act_env);
	commit_job_sync_dir(j, q->active);
	commit_submit(q->commit, j);
	free(act_msg);
	free(act_env);
	free(w);
}

int
queue_update(struct queue *q, const struct envelope *e, commit_done_fn fn, void *arg)
{
	struct strbuf text;
	char suffix[32];
	static unsigned seq; /* loop thread only */
	char *tmp = NULL;
	int err;

	snprintf(suffix, sizeof(suffix), ".env.%u", ++seq);
	strbuf_init(&text, 16 * 1024 * 1024);
	err = envelope_write(e, &text) < 0 ? EFBIG
	                                   : write_tmp(q, e->id, suffix, text.s, text.len, &tmp);
	strbuf_free(&text);
	if (err)
		return -1;
	char *act = queue_pathf(q->active, e->id, ".env");
	struct commit_ctx *ctx = xcalloc(1, sizeof(*ctx));
	ctx->fn = fn;
	ctx->arg = arg;
	ctx->cleanup[0] = tmp;
	struct commit_job *j = commit_job_new(commit_cb, ctx);
	commit_job_rename(j, tmp, act);
	commit_job_sync_dir(j, q->active);
	commit_submit(q->commit, j);
	free(act);
	return 0;
}

int
queue_load(struct queue *q, const char *id, struct envelope *e, char *err, size_t errsz)
{
	char *path = queue_pathf(q->active, id, ".env");
	struct strbuf text;
	char buf[8192];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int rc;

	if (fd < 0) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		free(path);
		return -1;
	}
	free(path);
	strbuf_init(&text, 16 * 1024 * 1024);
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		if (strbuf_append(&text, buf, (size_t)n) < 0) {
			n = -1;
			errno = EFBIG;
			break;
		}
	}
	close(fd);
	if (n < 0) {
		snprintf(err, errsz, "read error: %s", strerror(errno));
		strbuf_free(&text);
		return -1;
	}
	rc = envelope_parse(text.s ? text.s : "", text.len, e, err, errsz);
	strbuf_free(&text);
	if (rc == 0 && strcmp(e->id, id) != 0) {
		snprintf(err, errsz, "envelope names id %s", e->id);
		envelope_clear(e);
		return -1;
	}
	return rc;
}

char *
queue_body_path(const struct queue *q, const char *id)
{
	return queue_pathf(q->active, id, ".msg");
}

/* Loop thread: every commit submitted before the removal has run (an
 * envelope update cannot recreate the file after it is gone); hand the
 * unlinking to the remover threads. */
static void
removal_ready(void *arg, int err)
{
	struct removal *r = arg;

	(void)err; /* the job had nothing to flush */
	removal_submit(r->q, r);
}

void
queue_remove(struct queue *q, const char *id)
{
	struct removal *r = xcalloc(1, sizeof(*r));

	r->q = q;
	str_copy(r->id, sizeof(r->id), id);
	/* An empty job: it costs no flush, and its callback runs only after
	 * every job submitted before it (commit jobs run in order). */
	commit_submit(q->commit, commit_job_new(removal_ready, r));
}

void
queue_remove_now(struct queue *q, const char *id)
{
	char *env = queue_pathf(q->active, id, ".env");
	char *msg = queue_pathf(q->active, id, ".msg");

	/* An envelope update still in the commit thread would bring the
	 * envelope back after the unlink. */
	commit_wait(q->commit);
	if (unlink(env) < 0 && errno != ENOENT)
		log_warn("qid=%s event=remove_failed file=env error=\"%s\"", id, strerror(errno));
	if (unlink(msg) < 0 && errno != ENOENT)
		log_warn("qid=%s event=remove_failed file=msg error=\"%s\"", id, strerror(errno));
	free(env);
	free(msg);
}
