/* Unit tests for util/conf and config: the configuration language, the
 * declarative tables, errors with line numbers, and printing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "config/config.h"
#include "util/conf.h"

struct obj {
	char *s;
	long long i, size, dur;
	int b, e;
	struct conf_list l;
};

static const char *const colours[] = { "red", "green", "blue", NULL };

static const struct conf_key keys[] = {
	{ "s", CONF_STR, offsetof(struct obj, s), "dflt", 0, 0, NULL, "a string" },
	{ "i", CONF_INT, offsetof(struct obj, i), "5", 1, 10, NULL, "an int" },
	{ "size", CONF_SIZE, offsetof(struct obj, size), "1k", 0, 0, NULL, "a size" },
	{ "dur", CONF_DURATION, offsetof(struct obj, dur), "30s", 0, 0, NULL, "a duration" },
	{ "b", CONF_BOOL, offsetof(struct obj, b), "no", 0, 0, NULL, "a bool" },
	{ "e", CONF_ENUM, offsetof(struct obj, e), "green", 0, 0, colours, "an enum" },
	{ "l", CONF_LIST, offsetof(struct obj, l), "a b", 0, 0, NULL, "a list" },
	{ NULL, 0, 0, NULL, 0, 0, NULL, NULL },
};

static int
apply(const char *text, struct obj *o, struct strbuf *errs)
{
	struct conf_doc doc;
	int n = 0;

	memset(o, 0, sizeof(*o));
	conf_defaults(keys, o);
	if (conf_parse(text, strlen(text), "t.conf", &doc, errs) < 0)
		n++;
	if (doc.nblocks)
		n += conf_apply(keys, o, &doc.blocks[0], "t.conf", errs);
	conf_doc_free(&doc);
	return n;
}

static void
test_values(void **state)
{
	struct obj o;
	struct strbuf errs;

	(void)state;
	strbuf_init(&errs, 65536);
	assert_int_equal(apply("", &o, &errs), 0);
	assert_string_equal(o.s, "dflt");
	assert_int_equal(o.i, 5);
	assert_int_equal(o.size, 1024);
	assert_int_equal(o.dur, 30000);
	assert_int_equal(o.e, 1);
	assert_int_equal(o.l.n, 2);
	conf_release(keys, &o);

	assert_int_equal(apply("s = \"hello # not a comment\" # comment\n"
	    "i=7\nsize = 25m\ndur = 500ms\nb = yes\ne = BLUE\nl = x, y z\nl += w\n", &o, &errs), 0);
	assert_string_equal(o.s, "hello # not a comment");
	assert_int_equal(o.i, 7);
	assert_int_equal(o.size, 25 * 1024 * 1024);
	assert_int_equal(o.dur, 500);
	assert_int_equal(o.b, 1);
	assert_int_equal(o.e, 2);
	assert_int_equal(o.l.n, 4);
	assert_string_equal(o.l.v[3], "w");
	conf_release(keys, &o);

	assert_int_equal(apply("dur = 2h\nsize = 3\ns = a#b\n", &o, &errs), 0);
	assert_int_equal(o.dur, 2 * 3600 * 1000);
	assert_int_equal(o.size, 3);
	assert_string_equal(o.s, "a#b");	/* '#' only starts a comment after space */
	conf_release(keys, &o);
	strbuf_free(&errs);
}

static void
test_errors(void **state)
{
	struct obj o;
	struct strbuf errs;
	static const struct { const char *text; const char *want; } c[] = {
		{ "i = 11\n", "t.conf:1: i: 11 is outside the allowed range [1, 10]" },
		{ "\n\ni = x\n", "t.conf:3: i: 'x' is not an integer" },
		{ "b = maybe\n", "t.conf:1: b: 'maybe' is not yes or no" },
		{ "e = purple\n", "t.conf:1: e: 'purple' is not one of: red, green, blue" },
		{ "dur = 5 minutes\n", "t.conf:1: dur: '5 minutes' is not a duration" },
		{ "size = -1\n", "t.conf:1: size: '-1' is not a size" },
		{ "nope = 1\n", "t.conf:1: unknown setting 'nope'" },
		{ "i += 1\n", "t.conf:1: '+=' only works on lists; 'i' is not one" },
		{ "s = \"open\n", "t.conf:1: s: unterminated quoted value" },
		{ "s = \"a\" b\n", "t.conf:1: s: text after a quoted value" },
		{ "just words\n", "t.conf:1: expected '=' after 'just'" },
		{ "}\n", "t.conf:1: '}' without an open block" },
		{ "x y {\n", "t.conf:1: block 'x' is not closed with '}'" },
		{ "x {\ny {\n}\n", "t.conf:2: block 'y' opened inside block 'x' (line 1): blocks do not nest" },
		/* values are text: no control characters, valid UTF-8 (issue 13 item 19) */
		{ "s = a\rb\n", "t.conf:1: s: the value holds a control character (0x0d)" },
		{ "s = \"a\x1b" "b\"\n", "t.conf:1: s: the value holds a control character (0x1b)" },
		{ "l = a\tb c\x7f\n", "t.conf:1: l: the value holds a control character (0x7f)" },
		{ "l = a\x01 b\n", "t.conf:1: l: the value holds a control character (0x01)" },
		{ "s = caf\xc3\n", "t.conf:1: s: the value is not valid UTF-8" },
		{ "s = \xc0\xaf\n", "t.conf:1: s: the value is not valid UTF-8" },
		{ "s = \xed\xa0\x80\n", "t.conf:1: s: the value is not valid UTF-8" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		strbuf_init(&errs, 65536);
		assert_true(apply(c[i].text, &o, &errs) > 0);
		if (errs.s == NULL || strstr(errs.s, c[i].want) == NULL)
			fail_msg("case %zu: got '%s', want '%s'", i, errs.s ? errs.s : "", c[i].want);
		conf_release(keys, &o);
		strbuf_free(&errs);
	}
}

static void
test_print_round_trip(void **state)
{
	struct obj o, o2;
	struct strbuf errs, out;

	(void)state;
	strbuf_init(&errs, 65536);
	strbuf_init(&out, 65536);
	assert_int_equal(apply("s = \"with space\"\nsize = 3g\ndur = 90s\nl = p q\n", &o, &errs), 0);
	conf_print(keys, &o, "", &out);
	assert_non_null(strstr(out.s, "s = \"with space\"\n"));
	assert_non_null(strstr(out.s, "size = 3g\n"));
	assert_non_null(strstr(out.s, "dur = 90s\n"));
	assert_int_equal(apply(out.s, &o2, &errs), 0);
	assert_string_equal(o2.s, o.s);
	assert_int_equal(o2.size, o.size);
	assert_int_equal(o2.dur, o.dur);
	assert_int_equal(o2.l.n, 2);
	conf_release(keys, &o);
	conf_release(keys, &o2);
	strbuf_free(&errs);
	strbuf_free(&out);
}

static void
test_vouchd_config(void **state)
{
	struct strbuf errs;
	struct config *cfg;
	const char *text = "hostname = mx.example.com\n"
	    "domains = Example.COM example.org\n"
	    "data_dir = /var/lib/vouch\n"
	    "listener mx {\n  address = 0.0.0.0:25\n}\n"
	    "listener submission {\n  address = 0.0.0.0:587\n}\n";

	(void)state;
	strbuf_init(&errs, 65536);
	cfg = config_load_text(text, strlen(text), "v.conf", &errs);
	assert_non_null(cfg);
	assert_int_equal(cfg->nlisteners, 2);
	assert_string_equal(cfg->listeners[1].name, "submission");
	assert_string_equal(cfg->control_socket, "/var/lib/vouch/control.sock");
	assert_true(config_is_local_domain(cfg, "EXAMPLE.com"));
	assert_false(config_is_local_domain(cfg, "example.net"));
	config_free(cfg);

	const char *bad = "listener mx {\n}\nlistener mx {\n}\nlistener {\n}\nfoo bar {\n}\n";
	cfg = config_load_text(bad, strlen(bad), "v.conf", &errs);
	assert_null(cfg);
	assert_non_null(strstr(errs.s, "listener 'mx' is defined twice"));
	assert_non_null(strstr(errs.s, "v.conf:5: a listener block needs a name"));
	assert_non_null(strstr(errs.s, "v.conf:7: unknown block 'foo'"));
	strbuf_free(&errs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_print_round_trip),
		cmocka_unit_test(test_vouchd_config),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
