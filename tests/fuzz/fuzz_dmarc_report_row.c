/*
 * Fuzz target: aggregate report rows as the store keeps them
 * (dmarc_report.c), which are read back from a database another node or
 * an older version may have written: a row that parses formats back to
 * the same text, and its strings are bounded and printable.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/dmarc_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dmarc_report_row row, again;
	struct strbuf t;
	char *s = malloc(size + 1);

	memcpy(s, data, size);
	s[size] = '\0';
	if (dmarc_report_row_parse(s, &row) == 0) {
		if (row.ndkim > DMARC_REPORT_DKIM_MAX || row.header_from[0] == '\0' ||
		    row.source_ip[0] == '\0')
			abort();
		strbuf_init(&t, 1 << 16);
		if (dmarc_report_row_format(&row, &t) < 0)
			abort();
		if (dmarc_report_row_parse(t.s, &again) < 0 || memcmp(&row, &again, sizeof(row)))
			abort();
		strbuf_free(&t);
	}
	free(s);
	return 0;
}
