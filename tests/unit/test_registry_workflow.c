/*
 * test_registry_workflow: the registration state machine
 * (src/registry/core/reg_workflow.c) on an in-memory database: the transition
 * table (allowed and refused moves), side effects on the bond and dates,
 * history lines, the zone serial, automatic approval by sponsors,
 * suspension by confirmed reports (reg_report.c), and the zone it
 * publishes (reg_publish.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "reg_config.h"
#include "reg_db.h"
#include "reg_err.h"
#include "reg_publish.h"
#include "reg_report.h"
#include "reg_server.h"
#include "reg_trap.h"
#include "reg_workflow.h"

struct fx {
	struct reg_db *db;
	struct reg_config *cfg;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct strbuf err;
	const char *conf = "zone = reg.test\nsponsors_required = 2\nsuspend_threshold = 2\n"
	    "bond_amount = 50\n";

	strbuf_init(&err, 4096);
	f->cfg = reg_config_load_text(conf, strlen(conf), "test", &err);
	assert_non_null(f->cfg);
	assert_int_equal(reg_db_open(":memory:", &f->db, &err), REG_OK);
	assert_int_equal(reg_db_schema_version(f->db), reg_db_schema_latest());
	strbuf_free(&err);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	reg_db_close(f->db);
	reg_config_free(f->cfg);
	free(f);
	return 0;
}

static long long
applied(struct fx *f, const char *host, const char *addr)
{
	struct reg_application app;
	struct reg_workflow_res res;
	char token[REG_TOKEN_MAX];
	long long id;

	memset(&app, 0, sizeof(app));
	snprintf(app.hostname, sizeof(app.hostname), "%s", host);
	app.class_idx = 2;
	snprintf(app.owner_name, sizeof(app.owner_name), "Owner");
	snprintf(app.owner_address, sizeof(app.owner_address), "Street");
	snprintf(app.owner_phone, sizeof(app.owner_phone), "+1 555 0100");
	snprintf(app.owner_email, sizeof(app.owner_email), "o@example.com");
	snprintf(app.admin_contact, sizeof(app.admin_contact), "pm@example.com");
	snprintf(app.addresses[0], sizeof(app.addresses[0]), "%s", addr);
	app.naddrs = 1;
	assert_int_equal(reg_workflow_apply(f->db, &app, "test", &id, token, &res), REG_OK);
	assert_true(strncmp(token, "vr_", 3) == 0);
	return id;
}

static void
expect_status(struct fx *f, const char *host, const char *status, const char *bond)
{
	struct reg_server s;

	assert_int_equal(reg_server_get(f->db, host, &s), REG_OK);
	assert_string_equal(s.status, status);
	if (bond)
		assert_string_equal(s.bond_status, bond);
	reg_server_clear(&s);
}

static void
test_table(void **state)
{
	struct fx *f = *state;
	struct reg_workflow_res res;
	long long id = applied(f, "mx.one.test", "192.0.2.1");
	uint32_t serial = reg_db_serial(f->db);

	/* refused moves from "applied" */
	static const enum reg_action refused[] = { REG_ACT_SUSPEND, REG_ACT_REINSTATE,
		REG_ACT_CERTIFY_PASS };
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		assert_int_equal(reg_workflow_do(f->db, f->cfg, "mx.one.test", refused[i], "t", "r", 0,
		    &res), REG_ECONFLICT);
		assert_non_null(strstr(res.msg, "applied"));
	}
	/* approval needs passed tests unless forced */
	assert_int_equal(reg_workflow_do(f->db, f->cfg, "mx.one.test", REG_ACT_APPROVE, "t", "", 0,
	    &res), REG_ECONFLICT);
	assert_int_equal(reg_workflow_do(f->db, f->cfg, "mx.one.test", REG_ACT_CERTIFY_START, "t",
	    "go", 0, &res), REG_OK);
	assert_false(res.zone_changed);
	assert_int_equal(reg_db_serial(f->db), serial);	/* nothing published changed */
	assert_int_equal(reg_workflow_certified(f->db, f->cfg, id, 1, "12/12", &res), REG_OK);
	expect_status(f, "mx.one.test", "applied", "none");	/* no sponsors: no auto approval */
	assert_int_equal(reg_workflow_do(f->db, f->cfg, "mx.one.test", REG_ACT_APPROVE, "admin",
	    "ok", 0, &res), REG_OK);
	assert_true(res.zone_changed);
	assert_true(reg_db_serial(f->db) != serial);
	expect_status(f, "mx.one.test", "active", "held");	/* bond held without sponsors */
	assert_int_equal(reg_workflow_do(f->db, f->cfg, "mx.one.test", REG_ACT_SUSPEND, "admin",
	    "spam", 0, &res), REG_OK);
	expect_status(f, "mx.one.test", "suspended", "forfeited");
	assert_int_equal(reg_workflow_do(f->db, f->cfg, "mx.one.test", REG_ACT_REINSTATE, "admin",
	    "fixed", 0, &res), REG_OK);
	assert_int_equal(reg_workflow_do(f->db, f->cfg, "mx.one.test", REG_ACT_DEREGISTER, "admin",
	    "bye", 0, &res), REG_OK);
	expect_status(f, "mx.one.test", "deregistered", NULL);
	assert_int_equal(reg_workflow_do(f->db, f->cfg, "mx.one.test", REG_ACT_REINSTATE, "admin",
	    "no", 0, &res), REG_ECONFLICT);
	assert_int_equal(reg_workflow_do(f->db, f->cfg, "nope.test", REG_ACT_SUSPEND, "admin",
	    "no", 0, &res), REG_ENOTFOUND);
	{
		struct reg_history *h;
		size_t n;
		assert_int_equal(reg_server_history(f->db, id, &h, &n), REG_OK);
		assert_int_equal(n, 7);
		assert_string_equal(h[4].event, "suspended");
		assert_string_equal(h[4].actor, "admin");
		assert_string_equal(h[4].reason, "spam");
		assert_string_equal(h[4].from_status, "active");
		assert_string_equal(h[4].to_status, "suspended");
		reg_server_history_free(h, n);
	}
	assert_string_equal(reg_workflow_status_name(REG_ST_SUSPENDED), "suspended");
	assert_int_equal(reg_workflow_action_parse("deregister"), REG_ACT_DEREGISTER);
	assert_int_equal(reg_workflow_action_parse("explode"), -1);
}

static void
test_sponsors_and_reports(void **state)
{
	struct fx *f = *state;
	struct reg_workflow_res res;
	long long a = applied(f, "mx.a.test", "192.0.2.10"), b = applied(f, "mx.b.test", "192.0.2.11");
	long long c = applied(f, "mx.c.test", "192.0.2.12");
	struct reg_report_filed filed;
	struct reg_report_new rep;
	char msg[1024];

	(void)a;
	(void)b;
	assert_int_equal(reg_workflow_do(f->db, f->cfg, "mx.a.test", REG_ACT_APPROVE, "t", "", 1,
	    &res), REG_OK);
	assert_int_equal(reg_workflow_do(f->db, f->cfg, "mx.b.test", REG_ACT_APPROVE, "t", "", 1,
	    &res), REG_OK);
	/* an applicant cannot sponsor; an active server can, once */
	assert_int_equal(reg_workflow_sponsor(f->db, f->cfg, "mx.a.test", c, &res), REG_EPERM);
	assert_int_equal(reg_workflow_sponsor(f->db, f->cfg, "mx.c.test", a, &res), REG_OK);
	assert_int_equal(reg_workflow_sponsor(f->db, f->cfg, "mx.c.test", a, &res), REG_ECONFLICT);
	assert_int_equal(reg_workflow_sponsor(f->db, f->cfg, "mx.c.test", b, &res), REG_OK);
	expect_status(f, "mx.c.test", "applied", NULL);	/* sponsors, but no passed tests yet */
	assert_int_equal(reg_workflow_do(f->db, f->cfg, "mx.c.test", REG_ACT_CERTIFY_START, "t", "",
	    0, &res), REG_OK);
	assert_int_equal(reg_workflow_certified(f->db, f->cfg, c, 1, "12/12", &res), REG_OK);
	expect_status(f, "mx.c.test", "active", "none");	/* approved, bond waived */

	/* reports: linked through the Received chain; threshold 2 suspends */
	for (int i = 0; i < 2; i++) {
		snprintf(msg, sizeof(msg),
		    "Received: from mx.c.test (mx.c.test [192.0.2.12]) by mx.victim.test id V%d; x\r\n"
		    "Received: from bot (bot [10.0.0.1]) by mx.c.test id CQ%d; x\r\n"
		    "Subject: spam %d\r\n\r\nbody\r\n", i, i, i);
		memset(&rep, 0, sizeof(rep));
		rep.msg = msg;
		rep.len = strlen(msg);
		rep.source = "api";
		assert_int_equal(reg_report_file(f->db, f->cfg, &rep, &filed), REG_OK);
		assert_string_equal(filed.server, "mx.c.test");
		snprintf(msg, sizeof(msg), "CQ%d", i);
		assert_string_equal(filed.tracking_id, msg);
		assert_int_equal(reg_report_decide(f->db, f->cfg, filed.id, 1, "admin", "spam", &res),
		    REG_OK);
	}
	expect_status(f, "mx.c.test", "suspended", NULL);
	assert_int_equal(reg_report_decide(f->db, f->cfg, filed.id, 0, "admin", "", &res),
	    REG_ECONFLICT);
	assert_int_equal(reg_report_decide(f->db, f->cfg, 9999, 1, "admin", "", &res), REG_ENOTFOUND);

	/* the zone shows active a and b, suspended c, not the deregistered one */
	{
		struct reg_zone *z;
		struct strbuf err, text;
		strbuf_init(&err, 1024);
		strbuf_init(&text, 1 << 20);
		assert_int_equal(reg_publish_build(f->db, f->cfg, &z, &err), REG_OK);
		assert_int_equal(z->serial, reg_db_serial(f->db));
		reg_zone_write_text(z, &text);
		assert_non_null(strstr(text.s, "mx.a.test.reg.test. 300 IN A 127.0.0.2"));
		assert_non_null(strstr(text.s, "mx.c.test.reg.test. 300 IN A 127.0.0.3"));
		assert_non_null(strstr(text.s, "sponsors=2\""));
		assert_null(strstr(text.s, "mx.one.test"));
		reg_zone_unref(z);
		strbuf_free(&err);
		strbuf_free(&text);
	}
}

/* A report of a message mx.v.test handed on, "to" a recipient, through via. */
static void
file(struct fx *f, int n, const char *rcpt, long long via, struct reg_report_filed *filed)
{
	struct reg_report_new rep;
	char msg[512];

	snprintf(msg, sizeof(msg),
	    "Received: from mx.v.test (mx.v.test [192.0.2.40]) by mx.x.test id X%d; x\r\n"
	    "To: %s\r\nSubject: t %d\r\n\r\nbody\r\n", n, rcpt, n);
	memset(&rep, 0, sizeof(rep));
	rep.msg = msg;
	rep.len = strlen(msg);
	rep.source = "api";
	rep.via_server_id = via;
	assert_int_equal(reg_report_file(f->db, f->cfg, &rep, filed), REG_OK);
	assert_string_equal(filed->server, "mx.v.test");
}

static long long
trap_owner(struct fx *f, const char *host, const char *addr, const char *email, const char *trap)
{
	struct reg_workflow_res res;
	long long id = applied(f, host, addr), tid;
	char sql[300];

	snprintf(sql, sizeof(sql), "UPDATE servers SET owner_email = '%s' WHERE id = %lld", email, id);
	assert_int_equal(sqlite3_exec(reg_db_sqlite(f->db), sql, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(reg_workflow_do(f->db, f->cfg, host, REG_ACT_APPROVE, "t", "", 1, &res),
	    REG_OK);
	assert_int_equal(reg_trap_add(f->db, id, trap, &tid), REG_OK);
	assert_int_equal(reg_trap_set(f->db, tid, 1, "MX checked"), REG_OK);
	return id;
}

static void
test_trap_reports(void **state)
{
	struct fx *f = *state;
	struct reg_workflow_res res;
	struct reg_report_filed filed;
	long long o1, o2, tid;

	applied(f, "mx.v.test", "192.0.2.40");
	assert_int_equal(reg_workflow_do(f->db, f->cfg, "mx.v.test", REG_ACT_APPROVE, "t", "", 1,
	    &res), REG_OK);
	o1 = trap_owner(f, "mx.t1.test", "192.0.2.41", "a@one.test", "trap@t1.test");
	/* active but not certified: the hit is recorded, not counted */
	file(f, 1, "trap@t1.test", o1, &filed);
	assert_string_equal(filed.status, "new");
	assert_non_null(strstr(filed.trap_note, "not passed certification"));
	assert_int_equal(reg_workflow_certified(f->db, f->cfg, o1, 1, "12/12", &res), REG_OK);
	/* anonymous: never counted */
	file(f, 2, "trap@t1.test", 0, &filed);
	assert_string_equal(filed.status, "new");
	assert_non_null(strstr(filed.trap_note, "did not come through"));
	/* a pending (unverified) trap is no trap */
	assert_int_equal(reg_trap_add(f->db, o1, "pending@t1.test", &tid), REG_OK);
	file(f, 3, "pending@t1.test", o1, &filed);
	assert_string_equal(filed.status, "new");
	assert_string_equal(filed.trap_note, "");
	/* through the owner: counted; two hits, one reporter: no suspension */
	file(f, 4, "trap@t1.test", o1, &filed);
	assert_string_equal(filed.status, "confirmed");
	file(f, 5, "trap@t1.test", o1, &filed);
	assert_string_equal(filed.status, "confirmed");
	assert_non_null(strstr(filed.wf.msg, "1 independent reporter"));
	expect_status(f, "mx.v.test", "active", NULL);
	/* another server of the same owner is the same reporter */
	o2 = trap_owner(f, "mx.t1b.test", "192.0.2.43", "A@One.test", "trap@t1b.test");
	assert_int_equal(reg_workflow_certified(f->db, f->cfg, o2, 1, "12/12", &res), REG_OK);
	file(f, 6, "trap@t1b.test", o2, &filed);
	assert_string_equal(filed.status, "confirmed");
	expect_status(f, "mx.v.test", "active", NULL);
	/* a second, independent owner: suspended */
	o2 = trap_owner(f, "mx.t2.test", "192.0.2.42", "b@two.test", "trap@t2.test");
	assert_int_equal(reg_workflow_certified(f->db, f->cfg, o2, 1, "12/12", &res), REG_OK);
	file(f, 7, "trap@t2.test", o2, &filed);
	assert_string_equal(filed.status, "confirmed");
	assert_string_equal(filed.wf.to, "suspended");
	expect_status(f, "mx.v.test", "suspended", NULL);
	/* reinstated: what was confirmed before is settled */
	assert_int_equal(reg_workflow_do(f->db, f->cfg, "mx.v.test", REG_ACT_REINSTATE, "admin",
	    "looked at it", 0, &res), REG_OK);
	file(f, 8, "trap@t2.test", o2, &filed);
	assert_string_equal(filed.status, "confirmed");
	expect_status(f, "mx.v.test", "active", NULL);
	/* a second reporter after the reinstatement: suspended again */
	file(f, 9, "trap@t1.test", o1, &filed);
	assert_string_equal(filed.status, "confirmed");
	expect_status(f, "mx.v.test", "suspended", NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_sponsors_and_reports),
		cmocka_unit_test(test_trap_reports),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
