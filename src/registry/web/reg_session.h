/*
 * reg_session: the web UI's admin sessions (and owners' sessions, checked
 * apart so that one can never stand for the other). Signing in with an admin
 * token creates a session: a random id (32 octets from RAND_bytes, in
 * hex) that goes into the browser's cookie, while the database keeps
 * only its SHA-256, the admin token it stands for and when it expires.
 * A session works until it expires, is revoked (sign-out) or its token
 * is revoked; the token itself never leaves the sign-in request.
 *
 * Each session has its own CSRF value for the admin forms, derived from
 * the id (HMAC), so a form of one session is refused in any other.
 */
#ifndef VOUCH_REGISTRY_REG_SESSION_H
#define VOUCH_REGISTRY_REG_SESSION_H

#include "reg_db.h"

#define REG_SESSION_ID_LEN 64 /* hex characters */

/* Create a session for admin token token_id, valid ttl_s seconds from
 * now; the id is written to id (shown to the browser once). */
int reg_session_create(struct reg_db *db, long long token_id, long long now, long long ttl_s,
    char id[REG_SESSION_ID_LEN + 1]);
/* REG_OK with the token's id if id names a live session at now (not
 * expired, not revoked, its admin token not revoked), else REG_EPERM. */
int reg_session_check(struct reg_db *db, const char *id, long long now, long long *token_id);
/* The same for an owner's web session (owner pages): its token must be a
 * live owner token; *server_id gets the server it owns. */
int reg_session_check_owner(
    struct reg_db *db, const char *id, long long now, long long *token_id, long long *server_id);
/* End a session for good (sign-out). ENOTFOUND if there was none. */
int reg_session_revoke(struct reg_db *db, const char *id);
/* Forget sessions that expired before now. */
int reg_session_prune(struct reg_db *db, long long now);
/* The session's CSRF value: hex HMAC-SHA256(id, "csrf"). */
void reg_session_csrf(const char *id, char out[65]);

#endif
