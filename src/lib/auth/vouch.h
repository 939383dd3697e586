/*
 * vouch: session vouching, the XVOUCH protocol of DESIGN 5.1 (the
 * specification is docs/protocol.md). This module holds what both sides
 * share: session ids, the command's grammar, and the sender's session
 * table, kept behind the storage interface so that a cluster of sending
 * nodes can share it.
 */
#ifndef VOUCH_AUTH_VOUCH_H
#define VOUCH_AUTH_VOUCH_H

#include <stddef.h>
#include <stdint.h>

struct store;

/* DESIGN 5.1 step 2: 128 characters of [A-Za-z0-9]. */
#define VOUCH_ID_LEN 128

/* A fresh id from the CSPRNG; 0, or -1 if the generator failed. */
int vouch_id_new(char id[VOUCH_ID_LEN + 1]);
/* True if s[0..len) has the shape of an id. */
int vouch_id_ok(const char *s, size_t len);

enum vouch_cmd {
	VOUCH_CMD_OFFER, /* "XVOUCH <id>": a client vouches for its session */
	VOUCH_CMD_CHECK, /* "XVOUCH CHECK <id>": a receiver asks us about one */
};

/* Parse the argument of XVOUCH. 0, or -1 when it does not fit the grammar. */
int vouch_cmd_parse(const char *arg, size_t len, enum vouch_cmd *kind, char id[VOUCH_ID_LEN + 1]);

/*
 * The sender's session table: the id of each open outbound session that
 * vouched, with the address of the receiver it talks to and our EHLO name.
 * Entries expire after ttl seconds even if a session is never closed.
 * add and del are requests nobody waits for (store.h); a failure is
 * logged. add returns -1 only when the record cannot be made.
 */
int vouch_table_add(struct store *st, const char *id, const char *peer_addr, const char *helo,
    int64_t now, int64_t ttl);
int vouch_table_del(struct store *st, const char *id);
/* Is value (a record of the table) a session whose peer is addr (the
 * address the check comes from)? 1 yes, 0 no. Pure. */
int vouch_table_matches(const char *value, const char *addr);
/*
 * Blocking (tests, vouchctl): does the table hold id for a session whose
 * peer is addr? 1 yes, 0 no (unknown id, or another peer), -1 on a
 * storage error. The daemon asks with store_req_get + vouch_table_matches.
 */
int vouch_table_check(struct store *st, const char *id, const char *addr);
/* Canonical text of an IP address (IPv4-mapped IPv6 as IPv4), into out. */
int vouch_addr_canonical(const char *addr, char *out, size_t outsz);

#endif
