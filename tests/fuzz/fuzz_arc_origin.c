/*
 * Fuzz target: the oldest ARC set's results (arc_origin.c). Any bytes as
 * an ARC-Authentication-Results payload (NUL ends it, as arc_aar_copy's
 * copy is a string), read for example.com; the reader never reads past
 * the string, and what it gives is bounded and consistent: a pass names
 * a domain, no pass names none.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/arc_origin.h"
#include "dns/dns_name.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *v = malloc(size + 1);
	struct arc_origin o;

	memcpy(v, data, size);
	v[size] = '\0';
	for (int strict = 0; strict < 2; strict++) {
		enum dmarc_align m = strict ? DMARC_ALIGN_STRICT : DMARC_ALIGN_RELAXED;
		enum arc_origin_pass p = arc_origin_read(v, "example.com", NULL, m, m, &o);
		if (p != o.pass || p > ARC_ORIGIN_DMARC)
			abort();
		if (strnlen(o.domain, sizeof(o.domain)) >= sizeof(o.domain) ||
		    strnlen(o.authserv_id, sizeof(o.authserv_id)) >= sizeof(o.authserv_id))
			abort();
		if ((p == ARC_ORIGIN_NONE) != (o.domain[0] == '\0'))
			abort();
		/* without a suffix list only the same name aligns */
		if (p != ARC_ORIGIN_NONE && !dns_name_eq(o.domain, "example.com"))
			abort();
	}
	free(v);
	return 0;
}
