/*
 * reg_token: bearer tokens for admins and for server owners.
 *
 * A token reads "vr_<id>_<secret>" where secret is 32 random octets in hex
 * (OpenSSL RAND_bytes). Only SHA-256(secret) is stored; a presented token
 * is found by its id and its secret's hash compared with CRYPTO_memcmp, so
 * checking takes the same time whatever the secret.
 */
#ifndef VOUCH_REGISTRY_REG_TOKEN_H
#define VOUCH_REGISTRY_REG_TOKEN_H

#include <stddef.h>

#include "reg_db.h"

#define REG_TOKEN_MAX 96

enum reg_token_role { REG_ROLE_NONE = 0, REG_ROLE_ADMIN, REG_ROLE_OWNER };

/* Create a token (owner tokens name their server) and write it into out
 * (shown once; never stored). */
int reg_token_create(struct reg_db *db, enum reg_token_role role, long long server_id,
    const char *label, char out[REG_TOKEN_MAX]);
/* Check a presented token: REG_OK with role and server id (owners), or
 * REG_EPERM for any unknown, malformed or revoked token. */
int reg_token_check(
    struct reg_db *db, const char *token, enum reg_token_role *role, long long *server_id);
/* The id part of a token's text ("vr_<id>_..."), or 0 if it has none. */
long long reg_token_id(const char *token);
/* Revoke a token by its id. */
int reg_token_revoke(struct reg_db *db, long long id);
/* A per-token anti-CSRF value for admin forms: hex HMAC-SHA256(token, "csrf"). */
void reg_token_csrf(const char *token, char out[65]);
/* Constant-time equality of two NUL-terminated strings. */
int reg_token_equal(const char *a, const char *b);

#endif
