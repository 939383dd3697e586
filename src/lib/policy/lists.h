/*
 * lists: allow and block lists (DESIGN 6 policy inputs). An entry names
 * what it matches by its shape:
 *
 *   192.0.2.7, 2001:db8::1          a client address
 *   192.0.2.0/24, 2001:db8::/32     a client network
 *   user@example.com                a sender address
 *   @example.com                    every sender in a domain
 *   helo:mx.example.com             a HELO name
 *
 * Pure: a table in memory and matching; vouchd keeps it in the store.
 */
#ifndef VOUCH_POLICY_LISTS_H
#define VOUCH_POLICY_LISTS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

enum list_kind { LIST_ADDR, LIST_NET, LIST_SENDER, LIST_DOMAIN, LIST_HELO };

struct list_entry {
	enum list_kind kind;
	char text[300]; /* canonical form, as listed */
	int family;     /* LIST_ADDR/LIST_NET */
	uint8_t net[16];
	unsigned prefix;
	int64_t expires; /* unix s; 0 = never */
	char reason[200];
};

struct list;

struct list *list_new(void);
void list_free(struct list *l);
/* Parse an entry's text (see above) into e; 0, or -1 with a reason. */
int list_parse(const char *text, struct list_entry *e, char *err, size_t errsz);
/* Add (or replace) an entry; strings copied. */
void list_add(struct list *l, const struct list_entry *e);
/* Remove by canonical text; 0, or -1 if absent. */
int list_del(struct list *l, const char *text);
size_t list_count(const struct list *l);
const struct list_entry *list_at(const struct list *l, size_t i);
/*
 * The first live entry (not expired at now) that matches the client
 * address, the HELO name, or the sender (each may be NULL), or NULL.
 */
const struct list_entry *list_match(const struct list *l, const struct sockaddr *client,
    const char *helo, const char *sender, int64_t now);

#endif
