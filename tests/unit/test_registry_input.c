/*
 * test_registry_input: validation of what people send the registry
 * (src/registry/core/reg_validate.c, reg_input.c): host names, addresses,
 * mailboxes, text, phones, and whole applications and reports read from
 * JSON, each refusal naming the field.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "reg_input.h"
#include "reg_validate.h"

static void
test_hostnames(void **state)
{
	static const struct { const char *in, *out; } good[] = {
		{ "mail.example.com", "mail.example.com" },
		{ "MX1.Example.COM.", "mx1.example.com" },
		{ "a-b.c-d.example", "a-b.c-d.example" },
		{ "1mail.example.com", "1mail.example.com" },
	};
	static const char *const bad[] = {
		"", "localhost", "a..b", ".a.b", "-a.example", "a-.example", "a_b.example",
		"192.0.2.1", "mail.example.com..", "a b.example", "mail.exa\xc3\xa9mple.com",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example",
	};
	char out[300];
	const char *why;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(reg_validate_hostname(good[i].in, out, sizeof(out), &why), 0);
		assert_string_equal(out, good[i].out);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		assert_int_equal(reg_validate_hostname(bad[i], out, sizeof(out), &why), -1);
		assert_non_null(why);
	}
	assert_int_equal(reg_validate_hostname(NULL, out, sizeof(out), &why), -1);
	/* 254 characters is one too many */
	{
		char longname[300];
		memset(longname, 'a', 254);
		for (int i = 63; i < 254; i += 64)
			longname[i] = '.';
		longname[254] = '\0';
		assert_int_equal(reg_validate_hostname(longname, out, sizeof(out), &why), -1);
		longname[253] = '\0';
		longname[252] = 'b';
		assert_int_equal(reg_validate_hostname(longname, out, sizeof(out), &why), 0);
	}
}

static void
test_addresses_emails_text(void **state)
{
	char out[64];
	const char *why;

	(void)state;
	assert_int_equal(reg_validate_address("192.0.2.1", out, sizeof(out), &why), 0);
	assert_string_equal(out, "192.0.2.1");
	assert_int_equal(reg_validate_address("2001:DB8:0:0::1", out, sizeof(out), &why), 0);
	assert_string_equal(out, "2001:db8::1");
	assert_int_equal(reg_validate_address("192.0.2.256", out, sizeof(out), &why), -1);
	assert_int_equal(reg_validate_address("mail.example.com", out, sizeof(out), &why), -1);

	assert_int_equal(reg_validate_email("postmaster@example.com", &why), 0);
	assert_int_equal(reg_validate_email("first.last+tag@sub.example.org", &why), 0);
	assert_int_equal(reg_validate_email("no-at-sign", &why), -1);
	assert_int_equal(reg_validate_email("@example.com", &why), -1);
	assert_int_equal(reg_validate_email("a..b@example.com", &why), -1);
	assert_int_equal(reg_validate_email("a@localhost", &why), -1);
	assert_int_equal(reg_validate_email("\"q\"@example.com", &why), -1);
	assert_int_equal(reg_validate_email("a<b>@example.com", &why), -1);

	assert_int_equal(reg_validate_text("plain words", 100, 1, 0, &why), 0);
	assert_int_equal(reg_validate_text("Zürich straße", 100, 1, 0, &why), 0);
	assert_int_equal(reg_validate_text("", 100, 1, 0, &why), -1);
	assert_int_equal(reg_validate_text("", 100, 0, 0, &why), 0);
	assert_int_equal(reg_validate_text("tab\there", 100, 1, 0, &why), -1);
	assert_int_equal(reg_validate_text("line\nbreak", 100, 1, 1, &why), 0);
	assert_int_equal(reg_validate_text("bad \xc3", 100, 1, 0, &why), -1);
	assert_int_equal(reg_validate_text("overlong \xc0\xaf", 100, 1, 0, &why), -1);
	assert_int_equal(reg_validate_text("surrogate \xed\xa0\x80", 100, 1, 0, &why), -1);
	assert_int_equal(reg_validate_text("0123456789", 9, 1, 0, &why), -1);

	assert_int_equal(reg_validate_phone("+1 (555) 010-0100", &why), 0);
	assert_int_equal(reg_validate_phone("123", &why), -1);
	assert_int_equal(reg_validate_phone("call me", &why), -1);

	assert_int_equal(reg_validate_choice("ISP", reg_validate_classes), 2);
	assert_int_equal(reg_validate_choice("spammer", reg_validate_classes), -1);
	{
		char s[] = "ok\x01 \xff end\n";
		reg_validate_utf8_fix(s, 0);
		assert_string_equal(s, "ok? ? end?");
	}
}

#define GOOD_APP \
	"\"hostname\":\"Mail.Example.COM\",\"class\":\"business\",\"owner_kind\":\"business\"," \
	"\"owner_name\":\"Example Ltd\",\"owner_address\":\"1 Main St\",\"owner_phone\":\"+1 555 0100\"," \
	"\"owner_email\":\"owner@example.com\",\"business_number\":\"HRB 1234\"," \
	"\"admin_contact\":\"postmaster@example.com\""

static int
parse_app(const char *json, struct reg_application *app, struct reg_verr *e)
{
	struct reg_input_json j;
	struct reg_input_src src;
	int rc;

	if (reg_input_json_open(&j, json, strlen(json), e) < 0)
		return -1;	/* e names "body" */
	src = reg_input_json_src(&j);
	rc = reg_input_application(&src, 200, app, e);
	reg_input_json_close(&j);
	return rc;
}

static void
test_application(void **state)
{
	struct reg_application app;
	struct reg_verr e;
	static const struct { const char *json; const char *field; } bad[] = {
		{ "{" GOOD_APP "}", "addresses" },
		{ "{" GOOD_APP ",\"addresses\":[]}", "addresses" },
		{ "{" GOOD_APP ",\"addresses\":[\"192.0.2.1\",\"192.0.2.1\"]}", "addresses" },
		{ "{" GOOD_APP ",\"addresses\":[\"not-an-ip\"]}", "addresses" },
		{ "{" GOOD_APP ",\"addresses\":[1,2]}", "addresses" },
		{ "{\"hostname\":\"x\"}", "hostname" },
		{ "{\"hostname\":{\"a\":1}}", "hostname" },
		{ "{\"hostname\":\"mail.example.com\",\"class\":\"spam\"}", "class" },
		{ "{\"hostname\":\"mail.example.com\",\"class\":\"isp\",\"owner_kind\":\"robot\"}",
		  "owner_kind" },
		{ "{\"hostname\":\"mail.example.com\",\"class\":\"isp\",\"owner_kind\":\"business\","
		  "\"owner_name\":\"X\",\"owner_address\":\"Y\",\"owner_phone\":\"+1 555 0100\","
		  "\"owner_email\":\"o@example.com\",\"admin_contact\":\"pm@example.com\","
		  "\"addresses\":\"192.0.2.1\"}", "business_number" },
		{ "{\"hostname\":\"mail.example.com\",\"class\":\"isp\",\"owner_kind\":\"individual\","
		  "\"owner_name\":\"X\",\"owner_address\":\"Y\",\"owner_phone\":\"12\","
		  "\"owner_email\":\"o@example.com\",\"admin_contact\":\"pm@example.com\","
		  "\"addresses\":\"192.0.2.1\"}", "owner_phone" },
		{ "{\"hostname\":\"mail.example.com\",\"class\":\"isp\",\"owner_kind\":\"individual\","
		  "\"owner_name\":\"X\",\"owner_address\":\"Y\",\"owner_phone\":\"+1 555 0100\","
		  "\"owner_email\":\"nope\",\"admin_contact\":\"pm@example.com\","
		  "\"addresses\":\"192.0.2.1\"}", "owner_email" },
		{ "{\"hostname\":\"mail.example.com\",\"class\":\"isp\",\"owner_kind\":\"individual\","
		  "\"owner_name\":\"X\\u0000Y\",\"owner_address\":\"Y\"}", "body" },
	};

	(void)state;
	assert_int_equal(parse_app("{" GOOD_APP ",\"addresses\":[\"192.0.2.1\", \"2001:db8::1\"],"
	    "\"domain_age_note\":\"since 2009\"}", &app, &e), 0);
	assert_string_equal(app.hostname, "mail.example.com");
	assert_string_equal(reg_validate_classes[app.class_idx], "business");
	assert_int_equal(app.naddrs, 2);
	assert_string_equal(app.addresses[1], "2001:db8::1");
	assert_string_equal(app.domain_age_note, "since 2009");
	/* addresses may also be one string with spaces or commas */
	assert_int_equal(parse_app("{" GOOD_APP ",\"addresses\":\"192.0.2.1, 192.0.2.2\"}", &app, &e), 0);
	assert_int_equal(app.naddrs, 2);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&e, 0, sizeof(e));
		assert_int_equal(parse_app(bad[i].json, &app, &e), -1);
		if (strcmp(e.field, bad[i].field) != 0)
			fail_msg("case %zu: field %s (%s), want %s", i, e.field, e.why, bad[i].field);
	}
	/* a host name too long for the zone */
	{
		struct reg_input_json j;
		struct reg_input_src src;
		const char *json = "{" GOOD_APP ",\"addresses\":\"192.0.2.1\"}";
		reg_input_json_open(&j, json, strlen(json), &e);
		src = reg_input_json_src(&j);
		assert_int_equal(reg_input_application(&src, 10, &app, &e), -1);
		assert_string_equal(e.field, "hostname");
		reg_input_json_close(&j);
	}
}

static void
test_json_body(void **state)
{
	struct reg_input_json j;
	struct reg_verr e;
	static const char *const bad[] = { "", "[1,2]", "{\"a\":", "\"str\"", "{\"a\":1,\"a\":2}" };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(reg_input_json_open(&j, bad[i], strlen(bad[i]), &e), -1);
		assert_string_equal(e.field, "body");
		reg_input_json_close(&j);
	}
}

static void
test_report_input(void **state)
{
	struct reg_input_json j;
	struct reg_input_src src;
	struct reg_report_input r;
	struct reg_verr e;
	const char *ok = "{\"message\":\"Received: from a by b\\r\\nSubject: x\\r\\n\\r\\nbody\","
	    "\"reporter\":\"me@example.org\",\"comment\":\"spam\\nagain\"}";
	const char *nohdr = "{\"message\":\"just words\"}";
	const char *badrep = "{\"message\":\"A: b\",\"reporter\":\"not mail\"}";

	(void)state;
	reg_input_json_open(&j, ok, strlen(ok), &e);
	src = reg_input_json_src(&j);
	assert_int_equal(reg_input_report(&src, 1000, &r, &e), 0);
	assert_string_equal(r.reporter, "me@example.org");
	assert_string_equal(r.comment, "spam\nagain");
	assert_int_equal(reg_input_report(&src, 10, &r, &e), -1);
	assert_string_equal(e.field, "message");
	reg_input_json_close(&j);

	reg_input_json_open(&j, nohdr, strlen(nohdr), &e);
	src = reg_input_json_src(&j);
	assert_int_equal(reg_input_report(&src, 1000, &r, &e), -1);
	assert_string_equal(e.field, "message");
	reg_input_json_close(&j);

	reg_input_json_open(&j, badrep, strlen(badrep), &e);
	src = reg_input_json_src(&j);
	assert_int_equal(reg_input_report(&src, 1000, &r, &e), -1);
	assert_string_equal(e.field, "reporter");
	reg_input_json_close(&j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostnames),
		cmocka_unit_test(test_addresses_emails_text),
		cmocka_unit_test(test_application),
		cmocka_unit_test(test_json_body),
		cmocka_unit_test(test_report_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
