/*
 * fuzz_arf: arbitrary bytes as an abuse report mail: ARF / forwarded
 * message detection (arf) over libvouch's MIME parser, and the
 * registry's field reader (header_fields); the reported message it finds must
 * lie inside the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "msg/arf.h"
#include "msg/header_fields.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arf_report a;
	char v[512];

	arf_parse((const char *)data, size, &a);
	if (a.orig_off > size || a.orig_len > size - a.orig_off)
		abort();
	if (a.nrcpt > ARF_RCPTS || strlen(a.subject) >= sizeof(a.subject))
		abort();
	if (header_fields_find((const char *)data, size, "Content-Type", v, sizeof(v)) &&
	    strlen(v) >= sizeof(v))
		abort();
	return 0;
}
