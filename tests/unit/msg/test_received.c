/* Unit tests for msg/received: the trace header's shape. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "msg/received.h"

static void
test_format(void **state)
{
	struct received_info ri;
	struct strbuf out;

	(void)state;
	setenv("TZ", "UTC", 1);
	memset(&ri, 0, sizeof(ri));
	ri.helo = "client.example";
	ri.verified_name = "mail.client.example";
	ri.client_addr = "192.0.2.1";
	ri.by = "mx.example.com";
	ri.protocol = received_protocol(1, 1, 0, 0);
	ri.queue_id = "0123456789ABCDEF0";
	ri.tls_version = "TLSv1.3";
	ri.tls_cipher = "TLS_AES_256_GCM_SHA384";
	ri.for_rcpt = "alice@example.com";
	ri.when = 1700000000;
	strbuf_init(&out, 4096);
	assert_int_equal(received_format(&ri, &out), 0);
	assert_string_equal(out.s,
	    "Received: from client.example (mail.client.example [192.0.2.1])\r\n"
	    "\tby mx.example.com (vouch) with ESMTPS id 0123456789ABCDEF0\r\n"
	    "\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384)\r\n"
	    "\tfor <alice@example.com>; Tue, 14 Nov 2023 22:13:20 +0000\r\n");
	assert_string_equal(received_protocol(0, 0, 0, 0), "SMTP");
	assert_string_equal(received_protocol(1, 1, 1, 0), "ESMTPSA");
	assert_string_equal(received_protocol(1, 0, 1, 1), "UTF8SMTPA");
	strbuf_free(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_format) };
	return cmocka_run_group_tests(tests, NULL, NULL);
}
