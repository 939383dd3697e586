/*
 * lists: the allow, block and vouch-required lists of a running vouchd,
 * kept in the store so they survive restarts (policy/lists.h matches).
 */
#ifndef VOUCH_VOUCHD_LISTS_H
#define VOUCH_VOUCHD_LISTS_H

#include <stddef.h>
#include <stdint.h>

#include "util/str.h"

struct vouchd;
struct list;

enum lists_kind {
	LISTS_ALLOW,    /* trusted as verified */
	LISTS_BLOCK,    /* refused at connect */
	LISTS_REQUIRED, /* accepted only when the session vouches (DESIGN 5.1 step 6) */
};
int lists_load(struct vouchd *d, char *err, size_t errsz);
void lists_free(struct vouchd *d);
/* A cluster (a shared store): reload the lists from it every second, so a
 * block set through another node holds here within a second. */
void lists_sync_start(struct vouchd *d);
void lists_sync_stop(struct vouchd *d);
/* The list of a kind, and its name ("allow", "block", "required"). */
struct list *lists_of(struct vouchd *d, enum lists_kind k);
const char *lists_name(enum lists_kind k);
/* Add to a list, persisted; expires 0 = never. */
int lists_add(struct vouchd *d, enum lists_kind k, const char *text, int64_t expires,
    const char *reason, char *err, size_t errsz);
int lists_del(struct vouchd *d, enum lists_kind k, const char *text);
/* Control-socket listing of one list. */
void lists_print(struct vouchd *d, enum lists_kind k, struct strbuf *out);

#endif
