/*
 * hmap: a hash map from short byte-string keys to pointers, used for
 * sessions by id, connection counts by client address, and the like.
 * Keys are copied; values are not owned. Not thread-safe.
 */
#ifndef VOUCH_UTIL_HMAP_H
#define VOUCH_UTIL_HMAP_H

#include <stddef.h>
#include <stdint.h>

struct hmap;

struct hmap *hmap_new(void);
/* Free the map (not the values). NULL-safe. */
void hmap_free(struct hmap *m);
/* Value for key, or NULL. */
void *hmap_get(const struct hmap *m, const void *key, size_t keylen);
/* Insert or replace; returns the previous value or NULL. */
void *hmap_put(struct hmap *m, const void *key, size_t keylen, void *value);
/* Remove; returns the value removed or NULL. */
void *hmap_del(struct hmap *m, const void *key, size_t keylen);
size_t hmap_count(const struct hmap *m);
/* Call fn for every entry; fn must not change the map. */
void hmap_foreach(const struct hmap *m,
    void (*fn)(const void *key, size_t keylen, void *value, void *arg), void *arg);

#endif
