/*
 * test_registry_session: the admin web sessions (src/registry/web/reg_session.c)
 * on an in-memory database: a session is a random id unrelated to the
 * token, lives until its expiry (checked against the clock it is given),
 * until it is revoked or its admin token is, and has its own CSRF value.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "reg_db.h"
#include "reg_err.h"
#include "reg_session.h"
#include "reg_token.h"

static int
setup(void **state)
{
	struct reg_db *db;
	struct strbuf err;

	strbuf_init(&err, 4096);
	assert_int_equal(reg_db_open(":memory:", &db, &err), REG_OK);
	strbuf_free(&err);
	*state = db;
	return 0;
}

static int
teardown(void **state)
{
	reg_db_close(*state);
	return 0;
}

static void
test_lifetime(void **state)
{
	struct reg_db *db = *state;
	char token[REG_TOKEN_MAX], id[REG_SESSION_ID_LEN + 1], id2[REG_SESSION_ID_LEN + 1];
	long long tid = 0, now = 1800000000;

	assert_int_equal(reg_token_create(db, REG_ROLE_ADMIN, 0, "t", token), REG_OK);
	assert_int_equal(reg_session_create(db, reg_token_id(token), now, 3600, id), REG_OK);
	assert_int_equal(strlen(id), REG_SESSION_ID_LEN);
	assert_null(strstr(token, id));
	assert_int_equal(reg_session_check(db, id, now, &tid), REG_OK);
	assert_int_equal(tid, reg_token_id(token));
	/* expiry: the last second still counts, the next does not */
	assert_int_equal(reg_session_check(db, id, now + 3599, &tid), REG_OK);
	assert_int_equal(reg_session_check(db, id, now + 3600, &tid), REG_EPERM);
	assert_int_equal(tid, 0);
	/* garbage and the token itself are no session */
	assert_int_equal(reg_session_check(db, token, now, &tid), REG_EPERM);
	assert_int_equal(reg_session_check(db, "", now, &tid), REG_EPERM);
	id2[0] = '\0';
	memset(id2, 'a', REG_SESSION_ID_LEN);
	id2[REG_SESSION_ID_LEN] = '\0';
	assert_int_equal(reg_session_check(db, id2, now, &tid), REG_EPERM);
	/* revoked for good */
	assert_int_equal(reg_session_create(db, reg_token_id(token), now, 3600, id2), REG_OK);
	assert_string_not_equal(id, id2);
	assert_int_equal(reg_session_revoke(db, id), REG_OK);
	assert_int_equal(reg_session_check(db, id, now, &tid), REG_EPERM);
	assert_int_equal(reg_session_check(db, id2, now, &tid), REG_OK);
	/* the admin token revoked: its sessions end */
	assert_int_equal(reg_token_revoke(db, reg_token_id(token)), REG_OK);
	assert_int_equal(reg_session_check(db, id2, now, &tid), REG_EPERM);
	/* expired ones are pruned */
	assert_int_equal(reg_session_prune(db, now + 3600), REG_OK);
	assert_int_equal(reg_session_revoke(db, id2), REG_ENOTFOUND);
}

static void
test_owner_tokens_have_no_session(void **state)
{
	struct reg_db *db = *state;
	char token[REG_TOKEN_MAX], id[REG_SESSION_ID_LEN + 1];
	long long tid;

	assert_int_equal(reg_token_create(db, REG_ROLE_OWNER, 0, "o", token), REG_OK);
	assert_int_equal(reg_session_create(db, reg_token_id(token), 100, 60, id), REG_OK);
	assert_int_equal(reg_session_check(db, id, 100, &tid), REG_EPERM);
}

static void
test_csrf(void **state)
{
	char a[65], b[65], a2[65];
	const char *ida = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	const char *idb = "1123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

	(void)state;
	reg_session_csrf(ida, a);
	reg_session_csrf(idb, b);
	reg_session_csrf(ida, a2);
	assert_int_equal(strlen(a), 64);
	assert_string_equal(a, a2);
	assert_string_not_equal(a, b);
	assert_null(strstr(a, ida));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lifetime, setup, teardown),
		cmocka_unit_test_setup_teardown(test_owner_tokens_have_no_session, setup, teardown),
		cmocka_unit_test_setup_teardown(test_csrf, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
