/*
 * reg_rate: per-client rate limits on what anyone may do without a
 * token (apply, report abuse), kept in the database so that serve and the
 * mail intake (a process per message) share them and a restart does not
 * reset them. A sliding window: at most limit events per client within
 * window seconds; only events that were allowed are recorded, so a
 * client refused over and over costs one lookup each time.
 *
 * A client is its IPv4 address, or the /64 its IPv6 address lies in (one
 * subscriber's whole allocation).
 */
#ifndef VOUCH_REGISTRY_REG_RATE_H
#define VOUCH_REGISTRY_REG_RATE_H

#include <stddef.h>

#include "reg_db.h"

#define REG_RATE_KEY_MAX 64

/* The client key of an address (text); "" if it is not an address. */
void reg_rate_key(const char *addr, char out[REG_RATE_KEY_MAX]);
/*
 * Count one event of kind ("application", "report") for client at now:
 * REG_OK if it is within limit per window_s (and then it is recorded), or
 * REG_ELIMIT with *retry_after (seconds until one more is allowed).
 * limit 0 means no limit. ETEMP if the database is busy.
 */
int reg_rate_take(struct reg_db *db, const char *kind, const char *client, long long limit,
    long long window_s, long long now, long long *retry_after);

#endif
