/*
 * aliases: the alias table, in the familiar /etc/aliases shape:
 *
 *     postmaster: alice@example.com
 *     info@example.com: alice@example.com, bob@example.com
 *     sales: bob                    # bare: same domain as the alias
 *
 * A key with a domain matches that address; a bare key matches its local
 * part in every local domain. Targets are addresses, or bare local parts
 * meaning "in the alias's domain". Parsing is pure.
 */
#ifndef VOUCH_LOCAL_ALIASES_H
#define VOUCH_LOCAL_ALIASES_H

#include <stddef.h>

#include "util/str.h"

struct aliases;

struct aliases *aliases_parse(const char *text, size_t len, const char *name, struct strbuf *errs);
/* Read and parse path; NULL or "" path gives an empty table. */
struct aliases *aliases_load(const char *path, struct strbuf *errs);
void aliases_free(struct aliases *a);
/*
 * Targets of the alias for local@domain (lower-cased lookup: exact key,
 * then the bare local part), or NULL if it is not an alias. The array is
 * owned by the table; *n is set.
 */
char *const *
aliases_lookup(const struct aliases *a, const char *local, const char *domain, size_t *n);

#endif
