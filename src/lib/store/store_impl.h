/*
 * store_impl: what a storage backend provides (see store.h). Private to
 * src/lib/store.
 */
#ifndef VOUCH_STORE_STORE_IMPL_H
#define VOUCH_STORE_STORE_IMPL_H

#include "store/store.h"

struct store {
	const struct store_ops *ops;
	void *impl;
};

#endif
