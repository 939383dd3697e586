/*
 * qmgr: scheduling deliveries from the active queue (see qmgr.h).
 */
#include "qmgr.h"

#include <event2/event.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vouchd.h"
#include "local.h"
#include "util/hmap.h"
#include "util/log.h"
#include "util/xmalloc.h"

struct qentry {
	struct envelope env;
	int busy;		/* a delivery attempt is under way */
	int deleted;		/* delete once the attempt returns */
	int flush;		/* retry as soon as the attempt returns */
};

struct qmgr {
	struct vouchd *d;
	struct hmap *msgs;	/* id -> struct qentry */
	struct event *tick;
	size_t busy;
};

static void start(struct qmgr *q, struct qentry *e);

static void
entry_free(struct qentry *e)
{
	envelope_clear(&e->env);
	free(e);
}

static void
forget(struct qmgr *q, struct qentry *e)
{
	hmap_del(q->msgs, e->env.id, strlen(e->env.id));
	entry_free(e);
}

/* Exponential back-off between retry_min and retry_max. */
static int64_t
backoff_s(const struct config *cfg, int attempts)
{
	long long ms = cfg->retry_min;

	for (int i = 1; i < attempts && ms < cfg->retry_max; i++)
		ms *= 2;
	if (ms > cfg->retry_max)
		ms = cfg->retry_max;
	return (ms + 999) / 1000;
}

static void
updated(void *arg, int err)
{
	char *id = arg;

	if (err)
		log_err("qid=%s event=envelope_update_failed error=\"%s\"", id, strerror(err));
	free(id);
}

/* Loop thread: the local agent finished an attempt. */
static void
local_done(struct local_task *t, void *arg)
{
	struct qmgr *q = arg;
	struct vouchd *d = q->d;
	struct qentry *e = hmap_get(q->msgs, t->id, strlen(t->id));
	time_t now = time(NULL);

	q->busy--;
	if (e == NULL) {
		local_task_free(t);
		return;
	}
	e->busy = 0;
	for (size_t i = 0; i < t->nitems; i++) {
		struct local_item *it = &t->items[i];
		struct env_rcpt *r = &e->env.rcpts[it->rcpt];
		r->attempts++;
		if (it->ok) {
			r->status = ENV_RCPT_DONE;
			r->done_at = now;
			envelope_rcpt_set_error(r, "2.0.0", NULL, NULL);
			d->stats.deliveries_local++;
			log_info("qid=%s event=delivered to=%s mailbox=%s%s", e->env.id, r->addr,
			    it->mailbox, it->unsafe ? " folder=.Unsafe" : "");
		} else {
			envelope_rcpt_set_error(r, "4.3.0", it->error, NULL);
			d->stats.deliveries_deferred++;
			log_warn("qid=%s event=deferred to=%s error=\"%s\"", e->env.id, r->addr,
			    it->error);
		}
	}
	local_task_free(t);
	if (e->deleted) {
		queue_remove(d->queue, e->env.id);
		forget(q, e);
		return;
	}
	if (envelope_pending(&e->env) == 0) {
		queue_remove(d->queue, e->env.id);
		log_info("qid=%s event=removed", e->env.id);
		forget(q, e);
		return;
	}
	e->env.attempts++;
	e->env.next_attempt = e->flush ? now : now + backoff_s(d->cfg, e->env.attempts);
	e->flush = 0;
	if (queue_update(d->queue, &e->env, updated, xstrdup(e->env.id)) < 0)
		log_err("qid=%s event=envelope_update_failed error=\"cannot write\"", e->env.id);
	if (e->env.next_attempt <= now)
		start(q, e);
}

/* Begin an attempt for every pending recipient of a due message. */
static void
start(struct qmgr *q, struct qentry *e)
{
	struct vouchd *d = q->d;
	const struct config *cfg = d->cfg;
	struct local_task *t;
	size_t n = 0;

	if (e->busy || e->env.hold || d->stopping)
		return;
	if ((long long)q->busy >= cfg->max_local_deliveries)
		return;
	for (size_t i = 0; i < e->env.nrcpts; i++) {
		struct env_rcpt *r = &e->env.rcpts[i];
		if (r->status != ENV_RCPT_PENDING)
			continue;
		if (r->local) {
			n++;
		} else if (r->error == NULL) {
			/* Remote delivery is the outbound agent's job. */
			envelope_rcpt_set_error(r, "4.4.0", "no route to remote destinations yet", NULL);
		}
	}
	if (n == 0) {
		e->env.next_attempt = time(NULL) + backoff_s(cfg, ++e->env.attempts);
		return;
	}
	t = xcalloc(1, sizeof(*t));
	str_copy(t->id, sizeof(t->id), e->env.id);
	t->body_path = queue_body_path(d->queue, e->env.id);
	{
		struct strbuf root;
		strbuf_init(&root, 8192);
		strbuf_printf(&root, "%s/mail", cfg->data_dir);
		t->mail_root = strbuf_steal(&root);
	}
	t->hostname = xstrdup(cfg->hostname);
	t->prefix_from = xstrdup(e->env.sender);
	t->items = xcalloc(n, sizeof(*t->items));
	for (size_t i = 0; i < e->env.nrcpts; i++) {
		struct env_rcpt *r = &e->env.rcpts[i];
		if (r->status != ENV_RCPT_PENDING || !r->local)
			continue;
		struct local_item *it = &t->items[t->nitems++];
		it->rcpt = i;
		it->mailbox = xstrdup(r->addr);
		it->unsafe = r->unsafe;
	}
	t->done = local_done;
	t->arg = q;
	e->busy = 1;
	q->busy++;
	local_pool_submit(d->local, t);
}

struct due {
	struct qentry **v;
	size_t n;
	time_t now;
};

static void
collect_due(const void *key, size_t keylen, void *value, void *arg)
{
	struct due *du = arg;
	struct qentry *e = value;

	(void)key;
	(void)keylen;
	if (!e->busy && !e->env.hold && e->env.next_attempt <= du->now)
		du->v[du->n++] = e;
}

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct qmgr *q = arg;
	struct due du;

	(void)fd;
	(void)what;
	du.v = xcalloc(hmap_count(q->msgs) + 1, sizeof(*du.v));
	du.n = 0;
	du.now = time(NULL);
	hmap_foreach(q->msgs, collect_due, &du);
	for (size_t i = 0; i < du.n; i++)
		start(q, du.v[i]);
	free(du.v);
}

struct qmgr *
qmgr_new(struct vouchd *d)
{
	struct qmgr *q = xcalloc(1, sizeof(*q));
	struct timeval one = { 1, 0 };

	q->d = d;
	q->msgs = hmap_new();
	q->tick = event_new(d->base, -1, EV_PERSIST, on_tick, q);
	event_add(q->tick, &one);
	return q;
}

static void
free_entry_cb(const void *key, size_t keylen, void *value, void *arg)
{
	(void)key;
	(void)keylen;
	(void)arg;
	entry_free(value);
}

void
qmgr_free(struct qmgr *q)
{
	if (q == NULL)
		return;
	event_free(q->tick);
	hmap_foreach(q->msgs, free_entry_cb, NULL);
	hmap_free(q->msgs);
	free(q);
}

/*
 * Recipients whose mailbox discards its mail (users' discard=1) are done
 * as soon as the message is durable, like Postfix's discard transport.
 * Returns how many recipients are still pending.
 */
static size_t
discard_rcpts(struct qmgr *q, struct qentry *e)
{
	struct vouchd *d = q->d;
	time_t now = time(NULL);

	for (size_t i = 0; i < e->env.nrcpts; i++) {
		struct env_rcpt *r = &e->env.rcpts[i];
		const struct user *u;
		if (r->status != ENV_RCPT_PENDING || !r->local)
			continue;
		if ((u = users_find(d->users, r->addr)) == NULL || !u->discard)
			continue;
		r->status = ENV_RCPT_DONE;
		r->done_at = now;
		envelope_rcpt_set_error(r, "2.0.0", NULL, NULL);
		d->stats.deliveries_discarded++;
		log_info("qid=%s event=discarded to=%s", e->env.id, r->addr);
	}
	return envelope_pending(&e->env);
}

void
qmgr_add(struct qmgr *q, struct envelope *env)
{
	struct qentry *e = xcalloc(1, sizeof(*e));

	e->env = *env;
	envelope_init(env);
	if (discard_rcpts(q, e) == 0) {
		/* Nothing left to deliver; the envelope on disk still lists the
		 * recipients, so a crash before the removal only discards again. */
		queue_remove(q->d->queue, e->env.id);
		log_info("qid=%s event=removed", e->env.id);
		entry_free(e);
		return;
	}
	if (hmap_put(q->msgs, e->env.id, strlen(e->env.id), e) != NULL)
		log_panic("queue id %s added twice", e->env.id);
	start(q, e);
}

void
qmgr_add_id(struct qmgr *q, const char *id)
{
	struct envelope env;
	char err[256];

	if (queue_load(q->d->queue, id, &env, err, sizeof(err)) < 0) {
		log_err("qid=%s event=queue_load_failed error=\"%s\"", id, err);
		return;
	}
	qmgr_add(q, &env);
}

size_t
qmgr_count(const struct qmgr *q)
{
	return hmap_count(q->msgs);
}

size_t
qmgr_busy(const struct qmgr *q)
{
	return q->busy;
}

struct listing {
	struct strbuf *out;
	time_t now;
};

static void
list_one(const void *key, size_t keylen, void *value, void *arg)
{
	struct listing *l = arg;
	const struct qentry *e = value;
	const char *err = NULL;

	(void)key;
	(void)keylen;
	for (size_t i = 0; i < e->env.nrcpts && err == NULL; i++)
		if (e->env.rcpts[i].status == ENV_RCPT_PENDING)
			err = e->env.rcpts[i].error;
	strbuf_printf(l->out, "%s size=%" PRIu64 " arrival=%" PRId64 " sender=<%s> pending=%zu/%zu "
	    "attempts=%d next=%s%" PRId64 "%s", e->env.id, e->env.size, e->env.arrival,
	    e->env.sender, envelope_pending(&e->env), e->env.nrcpts, e->env.attempts,
	    e->env.next_attempt > l->now ? "+" : "", e->env.next_attempt > l->now ?
	    e->env.next_attempt - l->now : (int64_t)0,
	    e->env.hold ? " held" : e->busy ? " active" : "");
	if (err)
		strbuf_printf(l->out, " error=\"%s\"", err);
	strbuf_puts(l->out, "\n");
}

int
qmgr_list(struct qmgr *q, struct strbuf *out)
{
	struct listing l = { out, time(NULL) };

	hmap_foreach(q->msgs, list_one, &l);
	strbuf_printf(out, "-- %zu message(s)\n", hmap_count(q->msgs));
	return 0;
}

static struct qentry *
find(struct qmgr *q, const char *id, struct strbuf *out)
{
	struct qentry *e = queue_id_ok(id) ? hmap_get(q->msgs, id, strlen(id)) : NULL;

	if (e == NULL)
		strbuf_printf(out, "error: no message %s in the queue\n", queue_id_ok(id) ? id : "");
	return e;
}

int
qmgr_show(struct qmgr *q, const char *id, struct strbuf *out)
{
	struct qentry *e = find(q, id, out);

	if (e == NULL)
		return -1;
	envelope_write(&e->env, out);
	strbuf_printf(out, "state %s\nbody %s/%s.msg\n",
	    e->env.hold ? "held" : e->busy ? "active" : "waiting",
	    queue_active_dir(q->d->queue), e->env.id);
	return 0;
}

int
qmgr_delete(struct qmgr *q, const char *id, struct strbuf *out)
{
	struct qentry *e = find(q, id, out);

	if (e == NULL)
		return -1;
	log_info("qid=%s event=deleted_by_admin", e->env.id);
	strbuf_printf(out, "deleted %s\n", e->env.id);
	if (e->busy) {
		e->deleted = 1;
		return 0;
	}
	queue_remove_now(q->d->queue, e->env.id);
	forget(q, e);
	return 0;
}

int
qmgr_hold(struct qmgr *q, const char *id, int hold, struct strbuf *out)
{
	struct qentry *e = find(q, id, out);

	if (e == NULL)
		return -1;
	e->env.hold = hold;
	if (queue_update(q->d->queue, &e->env, updated, xstrdup(e->env.id)) < 0) {
		strbuf_printf(out, "error: cannot record the change\n");
		return -1;
	}
	log_info("qid=%s event=%s_by_admin", e->env.id, hold ? "held" : "released");
	strbuf_printf(out, "%s %s\n", hold ? "held" : "released", e->env.id);
	if (!hold) {
		e->env.next_attempt = 0;
		start(q, e);
	}
	return 0;
}

static void
flush_one(const void *key, size_t keylen, void *value, void *arg)
{
	struct qentry *e = value;

	(void)key;
	(void)keylen;
	(void)arg;
	e->env.next_attempt = 0;
	if (e->busy)
		e->flush = 1;
}

int
qmgr_flush(struct qmgr *q, const char *id, struct strbuf *out)
{
	if (id) {
		struct qentry *e = find(q, id, out);
		if (e == NULL)
			return -1;
		flush_one(NULL, 0, e, NULL);
		start(q, e);
		strbuf_printf(out, "flushing %s\n", e->env.id);
		return 0;
	}
	hmap_foreach(q->msgs, flush_one, NULL);
	on_tick(-1, 0, q);
	strbuf_printf(out, "flushing %zu message(s)\n", hmap_count(q->msgs));
	return 0;
}
