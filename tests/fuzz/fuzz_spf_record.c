/*
 * Fuzz target: the SPF record parser (spf_record.c). Any bytes in; a
 * record that parses must format to a canonical text that parses again to
 * the same canonical text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/spf_record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct spf_record *rec = NULL, *again = NULL;
	struct strbuf a, b;
	char err[300];

	if (spf_record_parse((const char *)data, size, &rec, err, sizeof(err)) < 0) {
		if (rec != NULL || err[0] == '\0')
			abort();
		return 0;
	}
	strbuf_init(&a, 1 << 20);
	strbuf_init(&b, 1 << 20);
	spf_record_format(rec, &a);
	if (spf_record_parse(a.s, a.len, &again, err, sizeof(err)) < 0)
		abort();	/* the canonical form must parse */
	spf_record_format(again, &b);
	if (a.len != b.len || memcmp(a.s, b.s, a.len) != 0)
		abort();	/* and be a fixed point */
	for (size_t i = 0; i < spf_record_nterms(rec); i++) {
		const struct spf_term *t = spf_record_term(rec, i);
		if (t->spec && strlen(t->spec) != t->spec_len)
			abort();
		if (t->cidr4 > 32 || t->cidr6 > 128)
			abort();
	}
	spf_record_free(again);
	spf_record_free(rec);
	strbuf_free(&a);
	strbuf_free(&b);
	return 0;
}
