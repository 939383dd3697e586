/*
 * store_impl: what a storage backend provides (see store.h). Private to
 * src/lib/store.
 */
#ifndef VOUCH_STORE_STORE_IMPL_H
#define VOUCH_STORE_STORE_IMPL_H

#include "store/store.h"

struct hmap;

struct store {
	const struct store_ops *ops;
	void *impl;
	struct hmap *pending; /* request id -> struct store_pending (async backends) */
	uint64_t next_id;
};

/* A backend's answer to request id (ops->submit): finds the request by id
 * and runs its callback, unless it was cancelled. Unknown ids are ignored. */
void store_complete(struct store *s, uint64_t id, const struct store_reply *r);
/* Wrap a backend's impl in a store (xcalloc'd; store_close frees it). */
struct store *store_wrap(const struct store_ops *ops, void *impl);

#endif
