/*
 * reg_rate: sliding-window rate limits in the database (see reg_rate.h).
 */
#include "reg_rate.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "reg_err.h"
#include "util/str.h"

void
reg_rate_key(const char *addr, char out[REG_RATE_KEY_MAX])
{
	unsigned char a6[16];
	struct in_addr a4;
	char text[INET6_ADDRSTRLEN];

	out[0] = '\0';
	if (addr == NULL)
		return;
	if (inet_pton(AF_INET, addr, &a4) == 1) {
		inet_ntop(AF_INET, &a4, out, REG_RATE_KEY_MAX);
		return;
	}
	if (inet_pton(AF_INET6, addr, a6) != 1)
		return;
	/* one subscriber holds a /64: the limit is theirs, not per address */
	memset(a6 + 8, 0, 8);
	if (inet_ntop(AF_INET6, a6, text, sizeof(text)) != NULL)
		str_fmt(out, REG_RATE_KEY_MAX, "%s/64", text);
}

int
reg_rate_take(struct reg_db *db, const char *kind, const char *client, long long limit,
    long long window_s, long long now, long long *retry_after)
{
	sqlite3_stmt *st;
	long long count = 0, oldest = now;
	int rc;

	*retry_after = 0;
	if (limit <= 0)
		return REG_OK;
	if ((rc = reg_db_begin(db)) != REG_OK)
		return rc;
	if (reg_db_prepare(db, "DELETE FROM rate_events WHERE kind = ?1 AND at <= ?2", &st) !=
	    REG_OK)
		goto temp;
	reg_db_bind_text(st, 1, kind);
	sqlite3_bind_int64(st, 2, now - window_s);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		goto temp;
	if (reg_db_prepare(db,
	        "SELECT COUNT(*), IFNULL(MIN(at), ?3) FROM rate_events"
	        " WHERE kind = ?1 AND client = ?2",
	        &st) != REG_OK)
		goto temp;
	reg_db_bind_text(st, 1, kind);
	reg_db_bind_text(st, 2, client);
	sqlite3_bind_int64(st, 3, now);
	if (sqlite3_step(st) == SQLITE_ROW) {
		count = sqlite3_column_int64(st, 0);
		oldest = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	if (count >= limit) {
		reg_db_rollback(db);
		*retry_after = oldest + window_s - now;
		if (*retry_after < 1)
			*retry_after = 1;
		return REG_ELIMIT;
	}
	if (reg_db_prepare(
	        db, "INSERT INTO rate_events(kind, client, at) VALUES(?1, ?2, ?3)", &st) != REG_OK)
		goto temp;
	reg_db_bind_text(st, 1, kind);
	reg_db_bind_text(st, 2, client);
	sqlite3_bind_int64(st, 3, now);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		goto temp;
	return reg_db_commit(db) == REG_OK ? REG_OK : REG_ETEMP;
temp:
	reg_db_rollback(db);
	return REG_ETEMP;
}
