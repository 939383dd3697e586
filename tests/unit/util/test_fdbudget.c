/* Unit tests for util/fdbudget: the descriptors max_connections needs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "util/fdbudget.h"

static void
test_plans(void **state)
{
	static const struct {
		long long conns, reserve, soft, hard, ceiling;
		long long set_soft, set_hard, sessions;
		int rc;
	} c[] = {
		/* enough already: nothing changes */
		{ 100, 218, 1024, 4096, 4096, 1024, 4096, 100, 0 },
		/* the soft limit is raised to what is needed, within hard */
		{ 4000, 218, 1024, 524288, 524288, 8218, 524288, 4000, 0 },
		/* root under prlimit 256:256: the hard limit goes up too */
		{ 4000, 218, 256, 256, 1048576, 8218, 8218, 4000, 0 },
		/* an unprivileged vouchd under 256:256: fewer sessions */
		{ 4000, 218, 256, 256, 256, 256, 256, 19, 0 },
		/* as high as the ceiling lets it, then fewer sessions */
		{ 4000, 218, 256, 256, 4096, 4096, 4096, 1939, 0 },
		/* not even one session beside the reserve */
		{ 10, 218, 200, 200, 200, 200, 200, -9, -1 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct fdbudget b = { c[i].conns, c[i].reserve, c[i].soft, c[i].hard, c[i].ceiling,
			0, 0, 0, 0 };
		assert_int_equal(fdbudget_plan(&b), c[i].rc);
		assert_int_equal(b.need, c[i].reserve + 2 * c[i].conns);
		assert_int_equal(b.set_soft, c[i].set_soft);
		assert_int_equal(b.set_hard, c[i].set_hard);
		assert_int_equal(b.sessions, c[i].sessions);
	}
	assert_int_equal(fdbudget_reserve(100, 50, 2), 218);
}

int
main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_plans) };
	return cmocka_run_group_tests(tests, NULL, NULL);
}
