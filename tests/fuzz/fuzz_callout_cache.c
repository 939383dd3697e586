/*
 * Fuzz target: the parser of cached callout records (callout.c), which
 * reads back what the state database holds (a damaged or foreign record
 * must be refused, never trusted). A record that parses yields a known
 * result, a three-digit code at most, and printable, terminated strings.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/callout.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
printable(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);

	if (n >= cap)
		abort();
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct callout_outcome o;

	memset(&o, 0, sizeof(o));
	if (callout_cache_parse((const char *)data, size, &o) < 0)
		return 0;
	if ((unsigned)o.result >= CALLOUT_RESULT_COUNT || o.code < 0 || o.code > 999 ||
	    (o.null_mx != 0 && o.null_mx != 1))
		abort();
	printable(o.mx, sizeof(o.mx));
	printable(o.mx_addr, sizeof(o.mx_addr));
	printable(o.reason, sizeof(o.reason));
	return 0;
}
