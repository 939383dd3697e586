/* Unit tests for smtp/smtp_reply: the diagnostic text of a reply. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "smtp/smtp_reply.h"

static void
test_diag_names_the_code_once(void **state)
{
	static const struct {
		int code;
		const char *status, *text, *want;
	} cases[] = {
		/* a server's text carries its own enhanced code */
		{ 550, "5.1.1", "5.1.1 no such user", "550 5.1.1 no such user" },
		{ 451, "4.7.1", "4.7.1", "451 4.7.1" },
		/* a locally made error has only the status */
		{ 451, "4.4.1", "connection refused", "451 4.4.1 connection refused" },
		/* a code that only starts the same is not the same */
		{ 550, "5.1.1", "5.1.10 null MX", "550 5.1.1 5.1.10 null MX" },
		{ 550, "", "no enhanced code", "550 no enhanced code" },
		{ 550, NULL, "", "550" },
		{ 250, "2.0.0", NULL, "250 2.0.0" },
	};
	char out[128];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(smtp_reply_diag(cases[i].code, cases[i].status, cases[i].text,
		                        out, sizeof(out)),
		    cases[i].want);
	/* bounded */
	assert_string_equal(smtp_reply_diag(550, "5.1.1", "x", out, 6), "550 5");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_diag_names_the_code_once),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
