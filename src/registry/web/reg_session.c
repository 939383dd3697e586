/*
 * reg_session: admin web sessions, hashed at rest (see reg_session.h).
 */
#include "reg_session.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "reg_err.h"
#include "reg_token.h"

static int
is_id(const char *id)
{
	if (id == NULL || strlen(id) != REG_SESSION_ID_LEN)
		return 0;
	for (const char *p = id; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return 0;
	return 1;
}

int
reg_session_create(struct reg_db *db, long long token_id, long long now, long long ttl_s,
    char id[REG_SESSION_ID_LEN + 1])
{
	static const char d[] = "0123456789abcdef";
	unsigned char secret[REG_SESSION_ID_LEN / 2], digest[SHA256_DIGEST_LENGTH];
	sqlite3_stmt *st;
	int rc;

	if (RAND_bytes(secret, sizeof(secret)) != 1)
		return REG_ETEMP;
	for (size_t i = 0; i < sizeof(secret); i++) {
		id[2 * i] = d[secret[i] >> 4];
		id[2 * i + 1] = d[secret[i] & 15];
	}
	id[REG_SESSION_ID_LEN] = '\0';
	OPENSSL_cleanse(secret, sizeof(secret));
	SHA256((const unsigned char *)id, REG_SESSION_ID_LEN, digest);
	if (reg_db_prepare(db,
	        "INSERT INTO sessions(hash, token_id, created_at, expires_at)"
	        " VALUES(?1, ?2, ?3, ?4)",
	        &st) != REG_OK)
		return REG_ETEMP;
	sqlite3_bind_blob(st, 1, digest, sizeof(digest), SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, token_id);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_int64(st, 4, now + ttl_s);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? REG_OK : reg_db_err(rc);
}

int
reg_session_check(struct reg_db *db, const char *id, long long now, long long *token_id)
{
	unsigned char digest[SHA256_DIGEST_LENGTH];
	sqlite3_stmt *st;
	int rc;

	*token_id = 0;
	if (!is_id(id))
		return REG_EPERM;
	SHA256((const unsigned char *)id, REG_SESSION_ID_LEN, digest);
	/* found by the hash of the id: the lookup itself is the comparison */
	if (reg_db_prepare(db,
	        "SELECT s.token_id FROM sessions s JOIN tokens t ON t.id = s.token_id"
	        " WHERE s.hash = ?1 AND s.revoked = 0 AND s.expires_at > ?2"
	        " AND t.revoked = 0 AND t.role = 'admin'",
	        &st) != REG_OK)
		return REG_ETEMP;
	sqlite3_bind_blob(st, 1, digest, sizeof(digest), SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, now);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*token_id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return REG_ETEMP;
	return rc == SQLITE_ROW ? REG_OK : REG_EPERM;
}

int
reg_session_check_owner(
    struct reg_db *db, const char *id, long long now, long long *token_id, long long *server_id)
{
	unsigned char digest[SHA256_DIGEST_LENGTH];
	sqlite3_stmt *st;
	int rc;

	*token_id = *server_id = 0;
	if (!is_id(id))
		return REG_EPERM;
	SHA256((const unsigned char *)id, REG_SESSION_ID_LEN, digest);
	if (reg_db_prepare(db,
	        "SELECT s.token_id, t.server_id FROM sessions s JOIN tokens t ON t.id = s.token_id"
	        " WHERE s.hash = ?1 AND s.revoked = 0 AND s.expires_at > ?2"
	        " AND t.revoked = 0 AND t.role = 'owner' AND t.server_id IS NOT NULL",
	        &st) != REG_OK)
		return REG_ETEMP;
	sqlite3_bind_blob(st, 1, digest, sizeof(digest), SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, now);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*token_id = sqlite3_column_int64(st, 0);
		*server_id = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return REG_ETEMP;
	return rc == SQLITE_ROW ? REG_OK : REG_EPERM;
}

int
reg_session_revoke(struct reg_db *db, const char *id)
{
	unsigned char digest[SHA256_DIGEST_LENGTH];
	sqlite3_stmt *st;
	int rc;

	if (!is_id(id))
		return REG_ENOTFOUND;
	SHA256((const unsigned char *)id, REG_SESSION_ID_LEN, digest);
	if (reg_db_prepare(db, "UPDATE sessions SET revoked = 1 WHERE hash = ?1", &st) != REG_OK)
		return REG_ETEMP;
	sqlite3_bind_blob(st, 1, digest, sizeof(digest), SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return reg_db_err(rc);
	return sqlite3_changes(reg_db_sqlite(db)) > 0 ? REG_OK : REG_ENOTFOUND;
}

int
reg_session_prune(struct reg_db *db, long long now)
{
	sqlite3_stmt *st;
	int rc;

	if (reg_db_prepare(db, "DELETE FROM sessions WHERE expires_at <= ?1", &st) != REG_OK)
		return REG_ETEMP;
	sqlite3_bind_int64(st, 1, now);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return reg_db_err(rc);
}

void
reg_session_csrf(const char *id, char out[65])
{
	reg_token_csrf(id, out);
}
