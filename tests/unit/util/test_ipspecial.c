/* Unit tests for util/ipspecial: every special-purpose form the XVOUCH
 * callback, the sender callout and the registry's certification must never
 * reach by default (the IANA special-purpose registries, multicast,
 * reserved space, and the IPv6 forms that carry a special IPv4 address),
 * and public addresses in every form that are fine. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <sys/socket.h>

#include "util/ipspecial.h"

static const char *const special[] = {
	/* IPv4 */
	"0.0.0.0", "0.1.2.3", "10.0.0.1", "10.255.255.255", "100.64.0.1", "100.127.255.254",
	"127.0.0.1", "127.255.0.9", "169.254.1.1", "172.16.0.1", "172.31.255.255", "192.0.0.1",
	"192.0.0.170", "192.0.2.25", "192.88.99.1", "192.168.1.1", "198.18.0.1", "198.19.255.255",
	"198.51.100.7", "203.0.113.9", "224.0.0.1", "239.255.255.255", "240.0.0.1",
	"255.255.255.254", "255.255.255.255",
	/* IPv6 */
	"::", "::1", "fe80::1", "febf::1", "fec0::1", "fc00::1", "fd12:3456::1", "ff02::1",
	"ff0e::1", "2001:db8::25", "3fff::1", "100::1", "100::ffff:1", "5f00::1", "2001::1",
	"2001:0:5ef5:79fd::1", "2001:2::1", "2001:10::1", "2001:1ff::1", "64:ff9b:1::a00:1",
	"4000::1", "::2:0:0:1", "1::1",
	/* IPv6 forms carrying special IPv4 addresses */
	"::ffff:127.0.0.1", "::ffff:10.1.2.3", "::ffff:192.168.0.1", "::127.0.0.1", "::10.0.0.1",
	"::ffff:0:127.0.0.1", "::ffff:0:10.0.0.1", "64:ff9b::127.0.0.1", "64:ff9b::10.0.0.1",
	"64:ff9b::192.168.1.1", "64:ff9b::169.254.1.1", "2002:7f00:1::", "2002:a00:1::1",
	"2002:c0a8:101::", "2002:c612:1::1", "2002:f000:1::", "64:ff9b::198.18.0.1",
	"::ffff:224.0.0.1", "::ffff:0.0.0.0",
	/* not addresses */
	"", "localhost", "127.0.0.300", "1.2.3", "::g",
};

static const char *const global[] = {
	"1.1.1.1", "8.8.8.8", "9.9.9.9", "100.63.255.255", "100.128.0.0", "172.15.255.255",
	"172.32.0.0", "192.0.1.255", "192.0.3.0", "192.167.255.255", "192.169.0.0", "198.17.255.255",
	"198.20.0.0", "223.255.255.255", "93.184.216.34", "2a00:1450:4001:82b::200e",
	"2606:4700::1111", "2001:200::1", "2003::1", "3ffe::1", "::ffff:93.184.216.34",
	"64:ff9b::93.184.216.34", "2002:5db8:d822::1", "::ffff:0:8.8.8.8",
};

static void
test_special(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(special) / sizeof(special[0]); i++) {
		const char *why = ipspecial_text(special[i]);
		if (why == NULL)
			fail_msg("%s should be special", special[i]);
	}
}

static void
test_global(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(global) / sizeof(global[0]); i++) {
		const char *why = ipspecial_text(global[i]);
		if (why != NULL)
			fail_msg("%s should be global, got \"%s\"", global[i], why);
	}
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(ipspecial_text("127.0.0.1"), "loopback 127.0.0.0/8");
	assert_string_equal(ipspecial_text("198.18.3.4"), "benchmarking 198.18.0.0/15");
	assert_string_equal(ipspecial_text("64:ff9b::7f00:1"),
	    "NAT64 form (64:ff9b::/96) of a special IPv4 address");
	assert_string_equal(ipspecial_text("2002:7f00:1::"),
	    "6to4 form (2002::/16) of a special IPv4 address");
	assert_string_equal(ipspecial_text("2001::1"), "Teredo 2001::/32");
	assert_string_equal(ipspecial_text("x"), "not an IP address");
	assert_string_equal(ipspecial_range(AF_UNIX, "x"), "not an IP address");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_special),
		cmocka_unit_test(test_global),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
