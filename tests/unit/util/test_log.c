/* Unit tests for util/log: one event is one line, whatever a value holds;
 * the escaping helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "util/log.h"

/* What one log_write() puts on stderr (read back through a pipe). */
static void
capture(char *out, size_t outsz, const char *value)
{
	int p[2], saved = dup(STDERR_FILENO);
	ssize_t n;

	assert_int_equal(pipe(p), 0);
	assert_true(dup2(p[1], STDERR_FILENO) >= 0);
	log_init("test", LOG_LVL_INFO, LOG_SINK_STDERR);
	log_info("event=forged_header_removed field=%s", value);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(p[1]);
	n = read(p[0], out, outsz - 1);
	close(p[0]);
	assert_true(n > 0);
	out[n] = '\0';
}

static void
test_a_value_cannot_start_a_line(void **state)
{
	char out[4096];
	const char *nl;

	(void)state;
	/* the folded header of the issue: CRLF + " event=delivered FAKE" */
	capture(out, sizeof(out), "Authentication-Results: x;\r\n event=delivered FAKE\x1b[2J");
	nl = strchr(out, '\n');
	assert_non_null(nl);
	assert_int_equal(nl[1], '\0'); /* exactly one line */
	assert_non_null(strstr(out,
	    "field=Authentication-Results: x;\\x0d\\x0a event=delivered FAKE"
	    "\\x1b[2J\n"));
}

/* notice sits between warn and info, as syslog's severities do: written
 * at log_level = notice, not at warn; "notice: " on the line. */
static void
test_notice_level(void **state)
{
	char out[4096];
	int p[2], saved = dup(STDERR_FILENO);
	ssize_t n;

	(void)state;
	assert_int_equal(log_level_parse("err"), LOG_LVL_ERR);
	assert_int_equal(log_level_parse("warn"), LOG_LVL_WARN);
	assert_int_equal(log_level_parse("notice"), LOG_LVL_NOTICE);
	assert_int_equal(log_level_parse("info"), LOG_LVL_INFO);
	assert_int_equal(log_level_parse("debug"), LOG_LVL_DEBUG);
	assert_int_equal(log_level_parse("verbose"), -1);
	assert_int_equal(pipe(p), 0);
	assert_true(dup2(p[1], STDERR_FILENO) >= 0);
	log_init("test", LOG_LVL_WARN, LOG_SINK_STDERR);
	assert_false(log_enabled(LOG_LVL_NOTICE));
	log_notice("event=hidden");
	log_set_level(LOG_LVL_NOTICE);
	assert_false(log_enabled(LOG_LVL_INFO));
	log_info("event=hidden_too");
	log_notice("event=xfr_refused");
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(p[1]);
	n = read(p[0], out, sizeof(out) - 1);
	close(p[0]);
	assert_true(n > 0);
	out[n] = '\0';
	assert_null(strstr(out, "hidden"));
	assert_non_null(strstr(out, " notice: event=xfr_refused\n"));
}

static void
test_helpers(void **state)
{
	char buf[LOG_ESC_MAX];

	(void)state;
	assert_string_equal(log_token(buf, sizeof(buf), "alice@example.com"), "alice@example.com");
	assert_string_equal(
	    log_token(buf, sizeof(buf), "\"a b=c\"@example.com"), "\"\\\"a b=c\\\"@example.com\"");
	assert_string_equal(
	    log_token(buf, sizeof(buf), "x event=delivered"), "\"x event=delivered\"");
	assert_string_equal(log_token(buf, sizeof(buf), "a\r\nb"), "\"a\\x0d\\x0ab\"");
	assert_string_equal(log_token(buf, sizeof(buf), ""), "\"\"");
	assert_string_equal(log_token(buf, sizeof(buf), NULL), "\"\"");
	assert_string_equal(log_str(buf, sizeof(buf), "mx.example"), "\"mx.example\"");
	assert_string_equal(log_str(buf, sizeof(buf), NULL), "\"\"");
	/* bounded: too long for the buffer is quoted and cut */
	char small[12];
	assert_string_equal(log_token(small, sizeof(small), "abcdefghijklmnop"), "\"abcdef...\"");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_value_cannot_start_a_line),
		cmocka_unit_test(test_notice_level),
		cmocka_unit_test(test_helpers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
