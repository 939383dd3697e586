/*
 * reg_token: bearer tokens, hashed at rest (see reg_token.h).
 */
#include "reg_token.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "reg_err.h"

static void
hex(const unsigned char *b, size_t n, char *out)
{
	static const char d[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = d[b[i] >> 4];
		out[2 * i + 1] = d[b[i] & 15];
	}
	out[2 * n] = '\0';
}

int
reg_token_create(struct reg_db *db, enum reg_token_role role, long long server_id,
    const char *label, char out[REG_TOKEN_MAX])
{
	unsigned char secret[32], digest[SHA256_DIGEST_LENGTH];
	char shex[65];
	sqlite3_stmt *st;
	long long id;
	int rc;

	if (RAND_bytes(secret, sizeof(secret)) != 1)
		return REG_ETEMP;
	hex(secret, sizeof(secret), shex);
	SHA256((const unsigned char *)shex, 64, digest);
	if (reg_db_prepare(db,
	        "INSERT INTO tokens(hash, role, server_id, label, created_at)"
	        " VALUES(?1, ?2, ?3, ?4, ?5)",
	        &st) != REG_OK)
		return REG_ETEMP;
	sqlite3_bind_blob(st, 1, digest, sizeof(digest), SQLITE_TRANSIENT);
	reg_db_bind_text(st, 2, role == REG_ROLE_ADMIN ? "admin" : "owner");
	if (server_id > 0)
		sqlite3_bind_int64(st, 3, server_id);
	else
		sqlite3_bind_null(st, 3);
	reg_db_bind_text(st, 4, label ? label : "");
	sqlite3_bind_int64(st, 5, (long long)time(NULL));
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	OPENSSL_cleanse(secret, sizeof(secret));
	if (rc != SQLITE_DONE)
		return reg_db_err(rc);
	id = sqlite3_last_insert_rowid(reg_db_sqlite(db));
	snprintf(out, REG_TOKEN_MAX, "vr_%lld_%s", id, shex);
	OPENSSL_cleanse(shex, sizeof(shex));
	return REG_OK;
}

int
reg_token_check(
    struct reg_db *db, const char *token, enum reg_token_role *role, long long *server_id)
{
	unsigned char digest[SHA256_DIGEST_LENGTH];
	const char *p, *secret;
	long long id = 0;
	sqlite3_stmt *st;
	int ok = 0, rc;

	*role = REG_ROLE_NONE;
	*server_id = 0;
	if (token == NULL || strncmp(token, "vr_", 3) != 0)
		return REG_EPERM;
	p = token + 3;
	while (*p >= '0' && *p <= '9' && id < 1000000000000LL)
		id = id * 10 + (*p++ - '0');
	if (*p != '_' || id <= 0)
		return REG_EPERM;
	secret = p + 1;
	if (strlen(secret) != 64)
		return REG_EPERM;
	SHA256((const unsigned char *)secret, 64, digest);
	if (reg_db_prepare(db,
	        "SELECT hash, role, IFNULL(server_id, 0) FROM tokens"
	        " WHERE id = ?1 AND revoked = 0",
	        &st) != REG_OK)
		return REG_ETEMP;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 0) == SHA256_DIGEST_LENGTH &&
	    CRYPTO_memcmp(sqlite3_column_blob(st, 0), digest, sizeof(digest)) == 0) {
		const char *r = (const char *)sqlite3_column_text(st, 1);
		*role = (r && strcmp(r, "admin") == 0) ? REG_ROLE_ADMIN : REG_ROLE_OWNER;
		*server_id = sqlite3_column_int64(st, 2);
		ok = 1;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return REG_ETEMP;
	return ok ? REG_OK : REG_EPERM;
}

long long
reg_token_id(const char *token)
{
	long long id = 0;
	const char *p;

	if (token == NULL || strncmp(token, "vr_", 3) != 0)
		return 0;
	for (p = token + 3; *p >= '0' && *p <= '9' && id < 1000000000000LL; p++)
		id = id * 10 + (*p - '0');
	return *p == '_' ? id : 0;
}

int
reg_token_revoke(struct reg_db *db, long long id)
{
	sqlite3_stmt *st;
	int rc;

	if (reg_db_prepare(db, "UPDATE tokens SET revoked = 1 WHERE id = ?1", &st) != REG_OK)
		return REG_ETEMP;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return reg_db_err(rc);
	return sqlite3_changes(reg_db_sqlite(db)) > 0 ? REG_OK : REG_ENOTFOUND;
}

void
reg_token_csrf(const char *token, char out[65])
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	HMAC(EVP_sha256(), token, (int)strlen(token), (const unsigned char *)"csrf", 4, mac, &len);
	hex(mac, len > 32 ? 32 : len, out);
}

int
reg_token_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la != lb)
		return 0;
	return CRYPTO_memcmp(a, b, la) == 0;
}
