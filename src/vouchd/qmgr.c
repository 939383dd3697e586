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
#include "bounce.h"
#include "srsfwd.h"
#include "local.h"
#include "outbound.h"
#include "transition.h"
#include "util/hmap.h"
#include "smtp/smtp_cmd.h"
#include "smtp/smtp_reply.h"
#include "util/log.h"
#include "util/xmalloc.h"

struct qentry {
	struct envelope env;
	int busy;               /* a delivery attempt is under way */
	int inflight;           /* its tasks not yet back (local, one per destination) */
	unsigned char *outcome; /* per recipient, enum bounce_outcome, this attempt */
	int deleted;            /* delete once the attempt returns */
	int flush;              /* retry as soon as the attempt returns */
	/* released in order (qmgr_visit): this one waits for the one before,
	 * and next is started when this one's attempt is back */
	int chain_wait;
	char chain_next[ENVELOPE_ID_MAX + 1];
};

struct qmgr {
	struct vouchd *d;
	struct hmap *msgs; /* id -> struct qentry */
	struct event *tick;
	size_t busy;       /* messages with an attempt under way */
	size_t local_busy; /* local delivery tasks out */
};

static void start(struct qmgr *q, struct qentry *e);
static void task_back(struct qmgr *q, struct qentry *e);

static void
entry_free(struct qentry *e)
{
	envelope_clear(&e->env);
	free(e->outcome);
	free(e);
}

/* The next message of a release in order may go now. */
static void
chain_go(struct qmgr *q, struct qentry *e)
{
	struct qentry *n;

	if (e->chain_next[0] == '\0')
		return;
	n = hmap_get(q->msgs, e->chain_next, strlen(e->chain_next));
	e->chain_next[0] = '\0';
	if (n && n->chain_wait) {
		n->chain_wait = 0;
		start(q, n);
	}
}

static void
forget(struct qmgr *q, struct qentry *e)
{
	hmap_del(q->msgs, e->env.id, strlen(e->env.id));
	chain_go(q, e);
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

/* Rewrite the message's envelope file (durably, through the commit thread). */
static int
update(struct qmgr *q, struct qentry *e)
{
	return queue_update(q->d->queue, &e->env, updated, xstrdup(e->env.id));
}

/*
 * Remove the message's files and forget it. queue_remove orders the
 * removal after every commit already submitted, so an envelope rewrite
 * still in flight cannot bring the envelope back.
 */
static void
drop(struct qmgr *q, struct qentry *e)
{
	queue_remove(q->d->queue, e->env.id);
	forget(q, e);
}

/* Every task of the attempt is back: notify, then keep or drop the message. */
static void
attempt_done(struct qmgr *q, struct qentry *e)
{
	struct vouchd *d = q->d;
	time_t now = time(NULL);

	e->busy = 0;
	q->busy--;
	if (e->deleted) {
		drop(q, e);
		return;
	}
	bounce_after_attempt(d, &e->env, e->outcome);
	if (envelope_pending(&e->env) == 0) {
		log_info("qid=%s event=removed", e->env.id);
		drop(q, e);
		return;
	}
	e->env.attempts++;
	e->env.next_attempt = e->flush ? now : now + backoff_s(d->cfg, e->env.attempts);
	e->flush = 0;
	if (update(q, e) < 0)
		log_err("qid=%s event=envelope_update_failed error=\"cannot write\"", e->env.id);
	chain_go(q, e);
	if (e->env.next_attempt <= now)
		start(q, e);
}

static void
task_back(struct qmgr *q, struct qentry *e)
{
	if (--e->inflight == 0)
		attempt_done(q, e);
}

/* Loop thread: the local agent finished its part of an attempt. */
static void
local_done(struct local_task *t, void *arg)
{
	struct qmgr *q = arg;
	struct vouchd *d = q->d;
	struct qentry *e = hmap_get(q->msgs, t->id, strlen(t->id));
	time_t now = time(NULL);

	q->local_busy--;
	if (e == NULL) {
		local_task_free(t);
		return;
	}
	for (size_t i = 0; i < t->nitems; i++) {
		struct local_item *it = &t->items[i];
		struct env_rcpt *r = &e->env.rcpts[it->rcpt];
		r->attempts++;
		if (it->ok) {
			r->status = ENV_RCPT_DONE;
			r->done_at = now;
			envelope_rcpt_set_error(r, "2.0.0", NULL, NULL);
			e->outcome[it->rcpt] = BOUNCE_DELIVERED;
			d->stats.deliveries_local++;
			char esc[LOG_ESC_MAX], mbox_esc[LOG_ESC_MAX];
			log_info("qid=%s event=delivered to=%s mailbox=%s%s", e->env.id,
			    log_token(esc, sizeof(esc), r->addr),
			    log_token(mbox_esc, sizeof(mbox_esc), it->mailbox),
			    it->unsafe ? " folder=.Unsafe" : "");
		} else {
			envelope_rcpt_set_error(r, "4.3.0", it->error, NULL);
			d->stats.deliveries_deferred++;
			char esc[LOG_ESC_MAX], why_esc[LOG_ESC_MAX];
			log_warn("qid=%s event=deferred to=%s error=%s", e->env.id,
			    log_token(esc, sizeof(esc), r->addr),
			    log_str(why_esc, sizeof(why_esc), it->error));
		}
	}
	local_task_free(t);
	task_back(q, e);
}

/* Loop thread: one destination's part of an attempt is back. */
static void
remote_done(struct outbound_job *j, void *arg)
{
	struct qmgr *q = arg;
	struct vouchd *d = q->d;
	struct qentry *e = hmap_get(q->msgs, j->qid, strlen(j->qid));
	time_t now = time(NULL);

	if (e == NULL) {
		outbound_job_free(j);
		return;
	}
	for (size_t i = 0; i < j->msg.nrcpts; i++) {
		const struct smtp_client_reply *rep = &j->msg.rcpts[i].reply;
		struct env_rcpt *r = &e->env.rcpts[j->rcpt_index[i]];
		char diag[700];
		int code = rep->code;

		r->attempts++;
		if (code >= 200 && code < 300) {
			r->status = ENV_RCPT_DONE;
			r->done_at = now;
			envelope_rcpt_set_error(
			    r, rep->status[0] ? rep->status : "2.0.0", NULL, j->remote_mta);
			e->outcome[j->rcpt_index[i]] =
			    j->msg.dsn_passed ? BOUNCE_SENT_DSN : BOUNCE_RELAYED;
			d->stats.deliveries_remote++;
			continue;
		}
		if (code == 0) {
			code = 451;
		}
		smtp_reply_diag(code, rep->status, rep->text, diag, sizeof(diag));
		if (code >= 500) {
			r->status = ENV_RCPT_FAILED;
			r->done_at = now;
			e->outcome[j->rcpt_index[i]] = BOUNCE_FAILED;
			d->stats.deliveries_bounced++;
		} else {
			d->stats.deliveries_deferred++;
		}
		envelope_rcpt_set_error(r,
		    rep->status[0] ? rep->status : (code >= 500 ? "5.0.0" : "4.0.0"), diag,
		    j->remote_mta);
		/* Transactions are logged by the agent; failures before one here. */
		if (j->dest_error.code) {
			char esc[LOG_ESC_MAX], dest_esc[LOG_ESC_MAX], why_esc[LOG_ESC_MAX];
			log_info("qid=%s event=%s to=%s dest=%s reply=%s", e->env.id,
			    code >= 500 ? "bounced" : "deferred",
			    log_token(esc, sizeof(esc), r->addr),
			    log_token(dest_esc, sizeof(dest_esc), j->dest),
			    log_str(why_esc, sizeof(why_esc), diag));
		}
	}
	outbound_job_free(j);
	task_back(q, e);
}

static struct local_task *
local_task_for(struct qmgr *q, struct qentry *e, size_t n)
{
	const struct config *cfg = q->d->cfg;
	struct local_task *t = xcalloc(1, sizeof(*t));
	struct strbuf root;

	str_copy(t->id, sizeof(t->id), e->env.id);
	t->body_path = queue_body_path(q->d->queue, e->env.id);
	strbuf_init(&root, 8192);
	strbuf_printf(&root, "%s/mail", cfg->data_dir);
	t->mail_root = strbuf_steal(&root);
	t->hostname = xstrdup(cfg->hostname);
	t->prefix_from = xstrdup(e->env.sender);
	t->trace = e->env.trace ? xstrdup(e->env.trace) : NULL;
	t->trace_skip = e->env.trace ? e->env.trace_skip : 0;
	/* unsafe items are rewritten as [unsafe] settings say (msg/mime_strip.h) */
	local_task_set_unsafe(t, &cfg->unsafe, NULL);
	if (e->env.transition_notice && cfg->transition_at > 0) {
		struct strbuf text;
		strbuf_init(&text, 8192);
		transition_text(cfg, 0, &text);
		t->notice = strbuf_steal(&text);
	}
	t->items = xcalloc(n, sizeof(*t->items));
	for (size_t i = 0; i < e->env.nrcpts; i++) {
		struct env_rcpt *r = &e->env.rcpts[i];
		if (r->status != ENV_RCPT_PENDING || !r->local || r->challenge)
			continue;
		struct local_item *it = &t->items[t->nitems++];
		it->rcpt = i;
		it->mailbox = xstrdup(r->addr);
		it->unsafe = r->unsafe;
	}
	t->done = local_done;
	t->arg = q;
	return t;
}

/* The destination a remote recipient goes to: its domain, or the relayhost. */
static void
dest_of(const struct config *cfg, const char *addr, char *out, size_t outsz)
{
	const char *at = strrchr(addr, '@');

	str_copy(out, outsz, cfg->relayhost[0] ? cfg->relayhost : at ? at + 1 : addr);
	str_lower(out);
}

/* One outbound job per destination, with that destination's recipients. */
static void
start_remote(struct qmgr *q, struct qentry *e, const int *todo)
{
	const struct config *cfg = q->d->cfg;
	char *taken = xcalloc(e->env.nrcpts + 1, 1);

	for (size_t i = 0; i < e->env.nrcpts; i++) {
		char dest[300], other[300];
		if (!todo[i] || taken[i])
			continue;
		dest_of(cfg, e->env.rcpts[i].addr, dest, sizeof(dest));
		/* forwarded copies go with the SRS sender: one job each way */
		int fwd = e->env.srs_sender && srsfwd_forwarded(&e->env.rcpts[i]);
		struct outbound_job *j = xcalloc(1, sizeof(*j));
		str_copy(j->qid, sizeof(j->qid), e->env.id);
		j->dest = xstrdup(dest);
		j->body_path = queue_body_path(q->d->queue, e->env.id);
		j->fd = -1;
		j->msg.sender = xstrdup(fwd ? e->env.srs_sender : e->env.sender);
		/* our signatures and seal, made when it was queued */
		if (e->env.out_head) {
			j->msg.head = xstrdup(e->env.out_head);
			j->msg.head_len = strlen(e->env.out_head);
		}
		j->msg.body_8bit = e->env.body_8bit;
		j->msg.smtputf8 = e->env.smtputf8;
		j->msg.ret = e->env.ret;
		j->msg.envid = e->env.envid ? xstrdup(e->env.envid) : NULL;
		j->msg.body_size = e->env.size;
		j->msg.rcpts = xcalloc(e->env.nrcpts, sizeof(*j->msg.rcpts));
		j->rcpt_index = xcalloc(e->env.nrcpts, sizeof(*j->rcpt_index));
		for (size_t k = i; k < e->env.nrcpts; k++) {
			if (!todo[k] || taken[k])
				continue;
			dest_of(cfg, e->env.rcpts[k].addr, other, sizeof(other));
			if (strcmp(other, dest) != 0 ||
			    fwd != (e->env.srs_sender && srsfwd_forwarded(&e->env.rcpts[k])))
				continue;
			taken[k] = 1;
			struct smtp_client_rcpt *cr = &j->msg.rcpts[j->msg.nrcpts];
			cr->addr = xstrdup(e->env.rcpts[k].addr);
			cr->notify = e->env.rcpts[k].notify;
			cr->orcpt = e->env.rcpts[k].orcpt ? xstrdup(e->env.rcpts[k].orcpt) : NULL;
			j->rcpt_index[j->msg.nrcpts++] = k;
		}
		j->done = remote_done;
		j->arg = q;
		e->inflight++;
		outbound_submit(q->d->outbound, j);
	}
	free(taken);
}

/* RFC 4865: held until its release time. */
static int
waiting_release(const struct qentry *e, time_t now)
{
	return e->env.release_at > (int64_t)now;
}

/* Begin an attempt for every pending recipient of a due message. */
static void
start(struct qmgr *q, struct qentry *e)
{
	struct vouchd *d = q->d;
	const struct config *cfg = d->cfg;
	size_t nlocal = 0, nremote = 0;
	int *todo;

	if (e->busy || e->chain_wait || d->stopping)
		return;
	if (e->env.hold || waiting_release(e, time(NULL))) {
		/* held by the admin, or for its FUTURERELEASE time: the next of a
		 * challenge's release goes on */
		chain_go(q, e);
		return;
	}
	if ((long long)q->local_busy >= cfg->max_local_deliveries)
		return;
	todo = xcalloc(e->env.nrcpts + 1, sizeof(*todo));
	for (size_t i = 0; i < e->env.nrcpts; i++) {
		const struct env_rcpt *r = &e->env.rcpts[i];
		if (r->status != ENV_RCPT_PENDING || r->challenge)
			continue; /* a held recipient waits for its confirmation */
		if (r->local)
			nlocal++;
		else
			todo[i] = 1, nremote++;
	}
	free(e->outcome);
	e->outcome = xcalloc(e->env.nrcpts + 1, 1);
	if (nlocal + nremote == 0) {
		free(todo);
		chain_go(q, e);
		return;
	}
	e->busy = 1;
	q->busy++;
	/* Hold a reference while the tasks start, so one that ends at once
	 * cannot finish the attempt early. */
	e->inflight = 1;
	if (nlocal) {
		e->inflight++;
		q->local_busy++;
		local_pool_submit(d->local, local_task_for(q, e, nlocal));
	}
	if (nremote)
		start_remote(q, e, todo);
	free(todo);
	task_back(q, e);
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
	if (!e->busy && !e->env.hold && !e->chain_wait && e->env.next_attempt <= du->now &&
	    !waiting_release(e, du->now))
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
		char esc[LOG_ESC_MAX];
		log_info("qid=%s event=discarded to=%s", e->env.id,
		    log_token(esc, sizeof(esc), r->addr));
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
	if (waiting_release(e, time(NULL))) {
		char when[40];
		smtp_datetime_format(e->env.release_at, when, sizeof(when));
		char esc[LOG_ESC_MAX];
		log_info("qid=%s event=held_for_release release=%s", e->env.id,
		    log_token(esc, sizeof(esc), when));
	}
	start(q, e);
}

void
qmgr_add_id(struct qmgr *q, const char *id)
{
	struct envelope env;
	char err[256];

	if (queue_load(q->d->queue, id, &env, err, sizeof(err)) < 0) {
		char esc[LOG_ESC_MAX];
		log_err(
		    "qid=%s event=queue_load_failed error=%s", id, log_str(esc, sizeof(esc), err));
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
	strbuf_printf(l->out,
	    "%s size=%" PRIu64 " arrival=%" PRId64 " sender=<%s> pending=%zu/%zu "
	    "attempts=%d next=%s%" PRId64,
	    e->env.id, e->env.size, e->env.arrival, e->env.sender, envelope_pending(&e->env),
	    e->env.nrcpts, e->env.attempts, e->env.next_attempt > l->now ? "+" : "",
	    e->env.next_attempt > l->now ? e->env.next_attempt - l->now : (int64_t)0);
	if (waiting_release(e, l->now)) {
		char when[40];
		smtp_datetime_format(e->env.release_at, when, sizeof(when));
		strbuf_printf(l->out, " release=%s", when);
	}
	strbuf_puts(l->out,
	    e->env.hold                      ? " held"
	        : e->busy                    ? " active"
	        : waiting_release(e, l->now) ? " held-for-release"
	                                     : "");
	if (err)
		strbuf_printf(l->out, " error=\"%s\"", err);
	strbuf_puts(l->out, "\n");
}

int
qmgr_list(struct qmgr *q, struct strbuf *out)
{
	struct listing l = { out, time(NULL) };

	hmap_foreach(q->msgs, list_one, &l);
	strbuf_printf(out, "-- %zu message(s)\n", qmgr_count(q));
	return 0;
}

static struct qentry *
find(struct qmgr *q, const char *id, struct strbuf *out)
{
	struct qentry *e = queue_id_ok(id) ? hmap_get(q->msgs, id, strlen(id)) : NULL;

	if (e == NULL)
		strbuf_printf(
		    out, "error: no message %s in the queue\n", queue_id_ok(id) ? id : "");
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
	    e->env.hold                          ? "held"
	        : e->busy                        ? "active"
	        : waiting_release(e, time(NULL)) ? "held-for-release"
	                                         : "waiting",
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
	/* Synchronous, so the message is gone when the delete is answered;
	 * queue_remove_now waits for a rewrite in flight. */
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
	if (!hold)
		e->env.release_at = 0; /* the admin's release is now, RFC 4865's too */
	if (update(q, e) < 0) {
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
	strbuf_printf(out, "flushing %zu message(s)\n", qmgr_count(q));
	return 0;
}

/* ---- visiting every message (challenge/response's held mail) ------------ */

struct visit {
	struct qentry **v;
	size_t n;
};

static void
collect_all(const void *key, size_t keylen, void *value, void *arg)
{
	struct visit *vi = arg;

	(void)key;
	(void)keylen;
	vi->v[vi->n++] = value;
}

static int
by_id(const void *a, const void *b)
{
	const struct qentry *x = *(struct qentry *const *)a, *y = *(struct qentry *const *)b;

	return strcmp(x->env.id, y->env.id);
}

void
qmgr_visit(struct qmgr *q, int (*fn)(void *arg, struct envelope *env), void *arg)
{
	struct visit vi;
	struct qentry *prev = NULL;
	char first[ENVELOPE_ID_MAX + 1] = "";

	vi.v = xcalloc(hmap_count(q->msgs) + 1, sizeof(*vi.v));
	vi.n = 0;
	hmap_foreach(q->msgs, collect_all, &vi);
	/* queue ids are time-ordered: this is the order of arrival */
	qsort(vi.v, vi.n, sizeof(*vi.v), by_id);
	for (size_t i = 0; i < vi.n; i++) {
		struct qentry *e = vi.v[i];
		int r = fn(arg, &e->env);
		if (r == 0)
			continue;
		if (!e->busy && envelope_pending(&e->env) == 0) {
			log_info("qid=%s event=removed", e->env.id);
			drop(q, e);
			continue;
		}
		/* a busy message's envelope is written when its attempt is back */
		if (!e->busy && (r & QMGR_VISIT_UPDATE) && update(q, e) < 0)
			log_err("qid=%s event=envelope_update_failed error=\"cannot write\"",
			    e->env.id);
		if (!(r & QMGR_VISIT_START))
			continue;
		e->env.next_attempt = 0;
		if (e->busy)
			e->flush = 1;
		/* one after the other, in order: each waits for the one before */
		if (prev && !prev->chain_next[0]) {
			str_copy(prev->chain_next, sizeof(prev->chain_next), e->env.id);
			e->chain_wait = 1;
		} else if (first[0] == '\0')
			str_copy(first, sizeof(first), e->env.id);
		prev = e;
	}
	free(vi.v);
	/* the first goes now; each of the others when the one before is back */
	if (first[0]) {
		struct qentry *e = hmap_get(q->msgs, first, strlen(first));
		if (e)
			start(q, e);
	}
}
