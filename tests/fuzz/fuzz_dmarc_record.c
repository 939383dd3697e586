/*
 * Fuzz target: the DMARC record parser (dmarc_record.c) and the mailto:
 * URI reader. Any bytes in; the status agrees with dmarc_record_is_dmarc1;
 * a usable record stays within its bounds and formats to a canonical text
 * that parses again, without notes, to the same text; every mailto: the
 * record holds reads as one address or not at all.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/dmarc_record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* an exact-size copy: reading past the length is caught by ASan */
	char *txt = malloc(size ? size : 1);
	struct dmarc_record rec, again;
	struct strbuf a, b;
	char err[300], addr[DMARC_URI_MAX + 1];
	enum dmarc_record_status st;

	memcpy(txt, data, size);
	st = dmarc_record_parse(txt, size, &rec, err, sizeof(err));
	if (strnlen(rec.notes, sizeof(rec.notes)) >= sizeof(rec.notes))
		abort();
	if (st != DMARC_RECORD_OK && err[0] == '\0')
		abort(); /* a failure always says why */
	if (st != DMARC_RECORD_TOO_LONG &&
	    (st == DMARC_RECORD_NOT_DMARC) != !dmarc_record_is_dmarc1(txt, size))
		abort();
	if (rec.pct > 100 || rec.nrua > DMARC_URIS_MAX || rec.nruf > DMARC_URIS_MAX)
		abort();
	for (size_t i = 0; i < rec.nrua; i++) {
		if (strnlen(rec.rua[i].uri, sizeof(rec.rua[i].uri)) >= sizeof(rec.rua[i].uri))
			abort();
		if (dmarc_uri_mailto(rec.rua[i].uri, addr, sizeof(addr)) == 0) {
			const char *at = strchr(addr, '@');
			if (at == NULL || at == addr || strchr(at + 1, '@') || at[1] == '\0')
				abort();
		}
	}
	if (st == DMARC_RECORD_OK) {
		strbuf_init(&a, 1 << 16);
		strbuf_init(&b, 1 << 16);
		dmarc_record_format(&rec, &a);
		if (dmarc_record_parse(a.s, a.len, &again, err, sizeof(err)) != DMARC_RECORD_OK)
			abort(); /* the canonical form must parse */
		if (again.notes[0])
			abort(); /* and be clean */
		dmarc_record_format(&again, &b);
		if (a.len != b.len || memcmp(a.s, b.s, a.len) != 0)
			abort(); /* and be a fixed point */
		if (again.p != rec.p || again.sp != rec.sp || again.pct != rec.pct ||
		    again.nrua != rec.nrua || again.nruf != rec.nruf || again.ri != rec.ri)
			abort();
		strbuf_free(&a);
		strbuf_free(&b);
	}
	free(txt);
	return 0;
}
