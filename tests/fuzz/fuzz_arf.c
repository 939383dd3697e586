/*
 * fuzz_arf: arbitrary bytes as an abuse report mail: ARF / forwarded
 * message detection (reg_arf) over libvouch's MIME parser, and the
 * registry's field reader (reg_msg); the reported message it finds must
 * lie inside the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reg_arf.h"
#include "reg_msg.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reg_arf a;
	char v[512];

	reg_arf_parse((const char *)data, size, &a);
	if (a.orig_off > size || a.orig_len > size - a.orig_off)
		abort();
	if (a.nrcpt > REG_ARF_RCPTS || strlen(a.subject) >= sizeof(a.subject))
		abort();
	if (reg_msg_find((const char *)data, size, "Content-Type", v, sizeof(v)) &&
	    strlen(v) >= sizeof(v))
		abort();
	return 0;
}
