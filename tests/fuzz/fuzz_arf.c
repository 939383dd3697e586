/*
 * fuzz_arf: arbitrary bytes as an abuse report mail: ARF / forwarded
 * message detection (reg_arf), MIME part walking and header parameters;
 * the reported message it finds must lie inside the input.
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
	if (size < 2048) {
		char *s = malloc(size + 1);
		memcpy(s, data, size);
		s[size] = '\0';
		reg_msg_param(s, "boundary", v, sizeof(v));
		reg_msg_media_type(s, v, sizeof(v));
		free(s);
	}
	return 0;
}
