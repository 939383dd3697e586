/* Unit tests for queue/envelope: exact round trips and refusal of
 * truncated or forged files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "queue/envelope.h"

static void
test_round_trip(void **state)
{
	struct envelope e, back;
	struct strbuf a, b;
	char err[128];

	(void)state;
	envelope_init(&e);
	str_copy(e.id, sizeof(e.id), "0123456789ABCDEF0");
	e.arrival = 1700000000;
	e.sender = strdup("odd sender=%x@example.org");
	e.envid = strdup("QQ+2B");
	e.helo = strdup("client.example");
	e.client_addr = strdup("192.0.2.1");
	/* the end-of-data trace fields: CRLF and tabs inside */
	e.trace = strdup("Authentication-Results: mx.example;\r\n\tdkim=none (no signatures)\r\n");
	/* the fields that leave with it, and the forwarded copies' sender */
	e.out_head = strdup("DKIM-Signature: v=1; a=rsa-sha256; d=example.com;\r\n\tb=abc\r\n");
	e.srs_sender = strdup("SRS0=HHHH=TT=example.org=alice@srs.example.com");
	e.size = 12345;
	e.body_8bit = 1;
	e.smtputf8 = 1;
	e.ret = 2;
	e.attempts = 3;
	e.next_attempt = 1700000600;
	e.release_at = 1700003600; /* RFC 4865 HOLDFOR */
	struct env_rcpt *r = envelope_add_rcpt(
	    &e, "alice@example.com", "team@example.com", "rfc822;team@example.com", 6, 1);
	envelope_rcpt_set_error(r, "4.3.0", "line\nbreak and \"quotes\"", "mx.example.net");
	r->challenge = strdup("0123456789abcdef"); /* held for a challenge */
	envelope_add_rcpt(&e, "bob@example.net", NULL, NULL, 0, 0)->status = ENV_RCPT_DONE;
	strbuf_init(&a, 1 << 20);
	strbuf_init(&b, 1 << 20);
	assert_int_equal(envelope_write(&e, &a), 0);
	/* nothing a value holds can start a new line */
	assert_null(strstr(a.s, "line\nbreak"));
	assert_int_equal(envelope_parse(a.s, a.len, &back, err, sizeof(err)), 0);
	assert_string_equal(back.sender, e.sender);
	assert_string_equal(back.trace, e.trace);
	assert_string_equal(back.out_head, e.out_head);
	assert_string_equal(back.srs_sender, e.srs_sender);
	assert_null(strstr(a.s, "\r\n\tdkim"));
	assert_string_equal(back.rcpts[0].error, "line\nbreak and \"quotes\"");
	assert_string_equal(back.rcpts[0].orig, "team@example.com");
	assert_int_equal(back.rcpts[0].notify, 6);
	assert_string_equal(back.rcpts[0].challenge, "0123456789abcdef");
	assert_null(back.rcpts[1].challenge);
	assert_int_equal(back.rcpts[1].status, ENV_RCPT_DONE);
	assert_int_equal(back.size, 12345);
	assert_int_equal(back.release_at, 1700003600);
	assert_int_equal(envelope_pending(&back), 1);
	assert_int_equal(envelope_write(&back, &b), 0);
	assert_string_equal(a.s, b.s);
	/* empty sender survives */
	free(back.sender);
	back.sender = strdup("");
	strbuf_reset(&b);
	envelope_write(&back, &b);
	envelope_clear(&e);
	assert_int_equal(envelope_parse(b.s, b.len, &e, err, sizeof(err)), 0);
	assert_string_equal(e.sender, "");
	envelope_clear(&e);
	envelope_clear(&back);
	strbuf_free(&a);
	strbuf_free(&b);
}

static void
test_refusals(void **state)
{
	static const char *const bad[] = {
		"",
		"vouch-envelope 2\nid X\nsender a\nrcpt status=pending addr=x\nend\n",
		"vouch-envelope 1\nid 1\nsender a\nrcpt status=pending addr=x\n",    /* no end */
		"vouch-envelope 1\nid 1\nsender a\nrcpt status=pending addr=x\nend", /* unterminated */
		"vouch-envelope 1\nid 1\nsender a\nend\n",                           /* no rcpt */
		"vouch-envelope 1\nsender a\nrcpt status=pending addr=x\nend\n",     /* no id */
		"vouch-envelope 1\nid 1\nsender a\nrcpt status=maybe addr=x\nend\n",
		"vouch-envelope 1\nid 1\nsender a\nrcpt addr=x\nend\n",
		"vouch-envelope 1\nid 1\nsender a%0\nrcpt status=pending addr=x\nend\n",
		"vouch-envelope 1\nid 1\nsender a%00b\nrcpt status=pending addr=x\nend\n",
		"vouch-envelope 1\nid 1\nsender a\nsender b\nrcpt status=pending addr=x\nend\n",
		"vouch-envelope 1\nid 1\nsender a\nrcpt status=pending addr=x\nend\nmore\n",
		"vouch-envelope 1\nid 1\nsender a\nsize 12x\nrcpt status=pending addr=x\nend\n",
		"vouch-envelope 1\nid 1\nsender a\nsize -10\nrcpt status=pending addr=x\nend\n",
		"vouch-envelope 1\nid 1\nsender a\nattempts -1\nrcpt status=pending addr=x\nend\n",
		"vouch-envelope 1\nid 1\nsender a\nattempts 4294967297\nrcpt status=pending addr=x\nend\n",
	};
	struct envelope e;
	char err[128];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (envelope_parse(bad[i], strlen(bad[i]), &e, err, sizeof(err)) == 0)
			fail_msg("case %zu parsed", i);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
