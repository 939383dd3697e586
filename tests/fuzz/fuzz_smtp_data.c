/* Fuzz target: DATA/BDAT framing. The input is decoded whole and in
 * pieces; both must agree, and output never exceeds input by more than
 * the completing CRLF. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtp/smtp_data.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smtp_data a, b;
	char *out1, *out2;
	size_t o1 = 0, o2 = 0, n, used1, pos = 0, step;
	enum smtp_data_mode mode;

	if (size < 2)
		return 0;
	mode = data[0] & 1 ? SMTP_DATA_CHUNK : SMTP_DATA_DOT;
	step = (data[1] % 13) + 1;
	data += 2;
	size -= 2;
	out1 = malloc(size + 4);
	out2 = malloc(size + 4);
	if (!out1 || !out2) {
		free(out1);
		free(out2);
		return 0;
	}
	smtp_data_init(&a, mode, 1000);
	smtp_data_init(&b, mode, 1000);
	used1 = smtp_data_feed(&a, (const char *)data, size, out1, &o1);
	while (pos < size && !b.done) {
		size_t k = size - pos < step ? size - pos : step;
		size_t got = 0;
		pos += smtp_data_feed(&b, (const char *)data + pos, k, out2 + o2, &got);
		o2 += got;
	}
	if (used1 != pos || a.done != b.done || a.err != b.err)
		__builtin_trap();
	if (a.err == SMTP_DATA_OK && (o1 != o2 || memcmp(out1, out2, o1) != 0))
		__builtin_trap();
	if (o1 > size + 1)
		__builtin_trap();
	if (mode == SMTP_DATA_CHUNK) {
		smtp_data_finish(&a, out1, &n);
		if (n > 2)
			__builtin_trap();
	}
	free(out1);
	free(out2);
	return 0;
}
