/*
 * resolve: which mailboxes (and forward addresses) a local recipient
 * stands for, following aliases. Pure: reads the tables, no I/O.
 */
#ifndef VOUCH_LOCAL_RESOLVE_H
#define VOUCH_LOCAL_RESOLVE_H

#include <stddef.h>

#include "local/aliases.h"
#include "local/users.h"
#include "util/conf.h"

/* Alias chains deeper than this are treated as loops. */
#define RESOLVE_MAX_DEPTH 8
/* An alias may not fan out to more addresses than this. */
#define RESOLVE_MAX_TARGETS 1000

enum resolve_status {
	RESOLVE_OK = 0,
	RESOLVE_UNKNOWN,  /* no such user or alias */
	RESOLVE_LOOP,     /* alias chain too deep */
	RESOLVE_TOO_MANY, /* alias expands too far */
};

struct resolved {
	char **local; /* local mailboxes, "local@domain" lower-case */
	size_t nlocal;
	char **remote; /* addresses in other domains (forwarding) */
	size_t nremote;
};

/*
 * Resolve local@domain (domain must be one of domains). Postmaster exists
 * in every local domain even without a user or alias (RFC 5321 4.5.1).
 * Fills out (free with resolved_clear) and returns a status.
 */
enum resolve_status resolve_address(const struct users *u, const struct aliases *a,
    const struct conf_list *domains, const char *local, const char *domain, struct resolved *out);
void resolved_clear(struct resolved *r);

#endif
