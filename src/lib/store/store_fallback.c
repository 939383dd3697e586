/*
 * store_fallback: a shared store with the node's own behind it
 * (store_fallback = local): what the shared one fails (unreachable, slow)
 * is asked of the local one, so mail keeps flowing while Redis is away,
 * with limits and blocks then held per node. Logs when it starts falling
 * back and when the shared store answers again.
 */
#include <stdlib.h>
#include <string.h>

#include "store/store_impl.h"
#include "util/log.h"
#include "util/xmalloc.h"

struct fb {
	struct store *self;
	struct store *shared; /* owned */
	struct store *local;  /* borrowed */
	int falling_back;
};

/* A request on its way: its own copy of what it asks. */
struct fbq {
	struct fb *fb;
	uint64_t id;
	struct store_req req;
	char *ns, *key, *value;
};

static void
note(struct fb *fb, int failed)
{
	if (failed && !fb->falling_back)
		log_warn("event=store_fallback state=local reason=shared_store_unreachable");
	else if (!failed && fb->falling_back)
		log_info("event=store_fallback state=ended");
	fb->falling_back = failed;
}

static void
local_done(void *owner, uint64_t ref, const struct store_reply *r)
{
	struct fbq *q = owner;

	(void)ref;
	store_complete(q->fb->self, q->id, r);
	free(q->ns);
	free(q->key);
	free(q->value);
	free(q);
}

static void
shared_done(void *owner, uint64_t ref, const struct store_reply *r)
{
	struct fbq *q = owner;

	note(q->fb, r->rc < 0);
	if (r->rc < 0) {
		store_request(q->fb->local, &q->req, local_done, q, ref);
		return;
	}
	local_done(q, ref, r);
}

static int
fb_submit(void *impl, struct store *s, uint64_t id, const struct store_req *req)
{
	struct fb *fb = impl;
	struct fbq *q = xcalloc(1, sizeof(*q));

	(void)s;
	q->fb = fb;
	q->id = id;
	q->req = *req;
	q->req.ns = q->ns = req->ns ? xstrdup(req->ns) : NULL;
	q->req.key = q->key = req->key ? xstrdup(req->key) : NULL;
	q->req.value = q->value = req->value ? xstrdup(req->value) : NULL;
	store_request(fb->shared, &q->req, shared_done, q, 0);
	return 0;
}

/* The blocking calls: the shared store, else the local one. */
#define BOTH(call_shared, call_local) \
	do { \
		int rc_ = (call_shared); \
		note(fb, rc_ < 0); \
		return rc_ >= 0 ? rc_ : (call_local); \
	} while (0)

static int
fb_counter_add(void *impl, const char *key, int64_t bucket, int64_t n)
{
	struct fb *fb = impl;
	BOTH(store_counter_add(fb->shared, key, bucket, n),
	    store_counter_add(fb->local, key, bucket, n));
}

static int
fb_counter_sum(void *impl, const char *key, int64_t from, int64_t *sum)
{
	struct fb *fb = impl;
	BOTH(fb->shared->ops->counter_sum(fb->shared->impl, key, from, sum),
	    fb->local->ops->counter_sum(fb->local->impl, key, from, sum));
}

static int
fb_counter_reserve(void *impl, const char *key, int64_t bucket, int64_t n, int64_t from,
    int64_t limit, int64_t *sum)
{
	struct fb *fb = impl;
	BOTH(store_counter_reserve(fb->shared, key, bucket, n, from, limit, sum),
	    store_counter_reserve(fb->local, key, bucket, n, from, limit, sum));
}

static int
fb_put(void *impl, const char *ns, const char *key, const char *value, int64_t expires)
{
	struct fb *fb = impl;
	BOTH(store_put(fb->shared, ns, key, value, expires),
	    store_put(fb->local, ns, key, value, expires));
}

static int
fb_get(void *impl, const char *ns, const char *key, char **value, int64_t *expires, int64_t now)
{
	struct fb *fb = impl;
	BOTH(fb->shared->ops->get(fb->shared->impl, ns, key, value, expires, now),
	    fb->local->ops->get(fb->local->impl, ns, key, value, expires, now));
}

static int
fb_del(void *impl, const char *ns, const char *key)
{
	struct fb *fb = impl;
	BOTH(store_del(fb->shared, ns, key), store_del(fb->local, ns, key));
}

static int
fb_list(void *impl, const char *ns, int64_t now,
    void (*fn)(void *arg, const char *key, const char *value, int64_t expires), void *arg)
{
	struct fb *fb = impl;
	(void)now;
	BOTH(store_list(fb->shared, ns, fn, arg), store_list(fb->local, ns, fn, arg));
}

static int
fb_expire(void *impl, int64_t now, int64_t before)
{
	struct fb *fb = impl;
	(void)now;
	BOTH(store_expire(fb->shared, before), store_expire(fb->local, before));
}

static void
fb_close(void *impl)
{
	struct fb *fb = impl;

	store_close(fb->shared);
	free(fb);
}

static const struct store_ops fallback_ops = {
	fb_counter_add,
	fb_counter_sum,
	fb_put,
	fb_get,
	fb_del,
	fb_list,
	fb_expire,
	fb_close,
	fb_counter_reserve,
	fb_submit,
};

struct store *
store_with_fallback(struct store *shared, struct store *local)
{
	struct fb *fb = xcalloc(1, sizeof(*fb));

	fb->shared = shared;
	fb->local = local;
	fb->self = store_wrap(&fallback_ops, fb);
	return fb->self;
}
