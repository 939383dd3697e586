/*
 * store: dispatch to the backend (see store.h), and the requests of the
 * event loop: run at once on a blocking backend, or handed to the
 * backend's submit op and found again by id when it answers.
 */
#include "store/store.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/store_impl.h"
#include "util/hmap.h"
#include "util/log.h"
#include "util/xmalloc.h"

struct store_pending {
	store_done_fn done;
	void *owner;
	uint64_t ref;
};

static void
free_pending(const void *key, size_t keylen, void *value, void *arg)
{
	(void)key;
	(void)keylen;
	(void)arg;
	free(value);
}

struct store *
store_wrap(const struct store_ops *ops, void *impl)
{
	struct store *s = xcalloc(1, sizeof(*s));

	s->ops = ops;
	s->impl = impl;
	return s;
}

void
store_close(struct store *s)
{
	if (s == NULL)
		return;
	if (s->pending) {
		hmap_foreach(s->pending, free_pending, NULL);
		hmap_free(s->pending);
		s->pending = NULL; /* answers arriving while closing find nothing */
	}
	s->ops->close(s->impl);
	free(s);
}

/* ---- requests ------------------------------------------------------------ */

struct rows {
	struct store_row *v;
	size_t n, cap;
};

static void
add_row(void *arg, const char *key, const char *value, int64_t expires)
{
	struct rows *r = arg;

	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 16;
		r->v = xrealloc(r->v, r->cap * sizeof(*r->v));
	}
	r->v[r->n].key = xstrdup(key);
	r->v[r->n].value = xstrdup(value);
	r->v[r->n].expires = expires;
	r->n++;
}

/* A blocking backend: the request's op, now. */
static void
run_now(struct store *s, const struct store_req *q, struct store_reply *r, char **value,
    struct rows *rows)
{
	void *impl = s->impl;
	int64_t now = (int64_t)time(NULL);

	switch (q->op) {
	case STORE_OP_GET:
		r->rc = s->ops->get(impl, q->ns, q->key, value, &r->expires, now);
		r->value = r->rc == 1 ? *value : NULL;
		break;
	case STORE_OP_PUT: r->rc = s->ops->put(impl, q->ns, q->key, q->value, q->expires); break;
	case STORE_OP_PUT_NEW:
		/* one step: nothing else runs on this loop in between */
		r->rc = s->ops->get(impl, q->ns, q->key, value, &r->expires, now);
		if (r->rc == 0)
			r->rc = s->ops->put(impl, q->ns, q->key, q->value, q->expires) < 0 ? -1 : 1;
		else if (r->rc == 1)
			r->rc = 0;
		break;
	case STORE_OP_DEL: r->rc = s->ops->del(impl, q->ns, q->key); break;
	case STORE_OP_COUNTER_ADD:
		r->rc = s->ops->counter_add(impl, q->key, q->bucket, q->n);
		break;
	case STORE_OP_COUNTER_SUM:
		r->rc = s->ops->counter_sum(impl, q->key, q->from_bucket, &r->sum);
		break;
	case STORE_OP_COUNTER_RESERVE:
		r->rc = s->ops->counter_reserve(
		    impl, q->key, q->bucket, q->n, q->from_bucket, q->limit, &r->sum);
		break;
	case STORE_OP_LIST:
		r->rc = s->ops->list(impl, q->ns, now, add_row, rows);
		r->rows = rows->v;
		r->nrows = rows->n;
		break;
	default: r->rc = -1; break;
	}
}

uint64_t
store_request(
    struct store *s, const struct store_req *req, store_done_fn done, void *owner, uint64_t ref)
{
	struct store_reply r = { 0 };

	if (s->ops->submit) {
		struct store_pending *p = xcalloc(1, sizeof(*p));
		uint64_t id = ++s->next_id;

		p->done = done;
		p->owner = owner;
		p->ref = ref;
		if (s->pending == NULL)
			s->pending = hmap_new();
		hmap_put(s->pending, &id, sizeof(id), p);
		if (s->ops->submit(s->impl, s, id, req) == 0)
			return hmap_get(s->pending, &id, sizeof(id)) ? id : 0;
		/* not started: complete now, as a failure */
		r.rc = -1;
		store_complete(s, id, &r);
		return 0;
	}
	char *value = NULL;
	struct rows rows = { NULL, 0, 0 };
	run_now(s, req, &r, &value, &rows);
	if (done)
		done(owner, ref, &r);
	free(value);
	for (size_t i = 0; i < rows.n; i++) {
		free((char *)rows.v[i].key);
		free((char *)rows.v[i].value);
	}
	free(rows.v);
	return 0;
}

void
store_complete(struct store *s, uint64_t id, const struct store_reply *r)
{
	struct store_pending *p = s->pending ? hmap_del(s->pending, &id, sizeof(id)) : NULL;

	if (p == NULL)
		return; /* cancelled */
	if (p->done)
		p->done(p->owner, p->ref, r);
	free(p);
}

void
store_req_cancel(struct store *s, uint64_t id)
{
	if (s && s->pending && id)
		free(hmap_del(s->pending, &id, sizeof(id)));
}

uint64_t
store_req_get(
    struct store *s, const char *ns, const char *key, store_done_fn done, void *owner, uint64_t ref)
{
	struct store_req q = { .op = STORE_OP_GET, .ns = ns, .key = key };

	return store_request(s, &q, done, owner, ref);
}

uint64_t
store_req_put(struct store *s, const char *ns, const char *key, const char *value, int64_t expires,
    store_done_fn done, void *owner, uint64_t ref)
{
	struct store_req q = {
		.op = STORE_OP_PUT, .ns = ns, .key = key, .value = value, .expires = expires
	};

	return store_request(s, &q, done, owner, ref);
}

uint64_t
store_req_del(
    struct store *s, const char *ns, const char *key, store_done_fn done, void *owner, uint64_t ref)
{
	struct store_req q = { .op = STORE_OP_DEL, .ns = ns, .key = key };

	return store_request(s, &q, done, owner, ref);
}

uint64_t
store_req_counter_add(struct store *s, const char *key, int64_t bucket, int64_t n,
    store_done_fn done, void *owner, uint64_t ref)
{
	struct store_req q = { .op = STORE_OP_COUNTER_ADD, .key = key, .bucket = bucket, .n = n };

	return store_request(s, &q, done, owner, ref);
}

uint64_t
store_req_counter_reserve(struct store *s, const char *key, int64_t bucket, int64_t n,
    int64_t from_bucket, int64_t limit, store_done_fn done, void *owner, uint64_t ref)
{
	struct store_req q = { .op = STORE_OP_COUNTER_RESERVE,
		.key = key,
		.bucket = bucket,
		.n = n,
		.from_bucket = from_bucket,
		.limit = limit };

	return store_request(s, &q, done, owner, ref);
}

void
store_done_log(void *what, uint64_t ref, const struct store_reply *r)
{
	if (r->rc < 0)
		log_warn("sid=%016llx event=store_error op=%s", (unsigned long long)ref,
		    (const char *)what);
}

/* ---- blocking calls ------------------------------------------------------- */

int
store_counter_add(struct store *s, const char *key, int64_t bucket, int64_t n)
{
	return s->ops->counter_add(s->impl, key, bucket, n);
}

int64_t
store_counter_sum(struct store *s, const char *key, int64_t from_bucket)
{
	int64_t sum = 0;

	if (s->ops->counter_sum(s->impl, key, from_bucket, &sum) < 0)
		return 0;
	return sum;
}

int
store_counter_reserve(struct store *s, const char *key, int64_t bucket, int64_t n,
    int64_t from_bucket, int64_t limit, int64_t *sum)
{
	int64_t got = 0;
	int rc = s->ops->counter_reserve(s->impl, key, bucket, n, from_bucket, limit, &got);

	if (sum)
		*sum = got;
	return rc;
}

int
store_put(struct store *s, const char *ns, const char *key, const char *value, int64_t expires)
{
	return s->ops->put(s->impl, ns, key, value, expires);
}

int
store_get(struct store *s, const char *ns, const char *key, char **value, int64_t *expires)
{
	char *v = NULL;
	int64_t e = 0;
	int rc = s->ops->get(s->impl, ns, key, &v, &e, (int64_t)time(NULL));

	if (rc == 1 && value)
		*value = v;
	else
		free(v);
	if (expires)
		*expires = e;
	return rc;
}

int
store_del(struct store *s, const char *ns, const char *key)
{
	return s->ops->del(s->impl, ns, key);
}

int
store_list(struct store *s, const char *ns,
    void (*fn)(void *arg, const char *key, const char *value, int64_t expires), void *arg)
{
	return s->ops->list(s->impl, ns, (int64_t)time(NULL), fn, arg);
}

int
store_expire(struct store *s, int64_t before_bucket)
{
	return s->ops->expire(s->impl, (int64_t)time(NULL), before_bucket);
}
