/* Fuzz target: queue envelopes. Whatever parses must write back to text
 * that parses to the same text again. */
#include <stdint.h>
#include <string.h>

#include "queue/envelope.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct envelope e, e2;
	struct strbuf a, b;
	char err[128];

	if (envelope_parse((const char *)data, size, &e, err, sizeof(err)) != 0)
		return 0;
	strbuf_init(&a, 1 << 24);
	strbuf_init(&b, 1 << 24);
	if (envelope_write(&e, &a) == 0) {
		if (envelope_parse(a.s, a.len, &e2, err, sizeof(err)) != 0)
			__builtin_trap();
		envelope_write(&e2, &b);
		if (a.len != b.len || memcmp(a.s, b.s, a.len) != 0)
			__builtin_trap();
		envelope_clear(&e2);
	}
	envelope_clear(&e);
	strbuf_free(&a);
	strbuf_free(&b);
	return 0;
}
