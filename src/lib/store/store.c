/*
 * store: dispatch to the backend (see store.h).
 */
#include "store/store.h"

#include <stdlib.h>
#include <time.h>

#include "store/store_impl.h"

void
store_close(struct store *s)
{
	if (s == NULL)
		return;
	s->ops->close(s->impl);
	free(s);
}

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
