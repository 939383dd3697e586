/*
 * Fuzz target: the RFC5322.From domain (dmarc_from.c). Any bytes as a
 * field value; the parser never reads past them, and a domain it gives is
 * a valid DNS name in lower case without a trailing dot.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/dmarc_from.h"
#include "dns/dns_name.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *v = malloc(size ? size : 1);
	char dom[DNS_NAME_MAX + 1];
	unsigned n = 0;
	enum dmarc_from_status st;

	memcpy(v, data, size);
	st = dmarc_from_parse(v, size, dom, sizeof(dom), &n);
	if (strnlen(dom, sizeof(dom)) >= sizeof(dom))
		abort();
	if (st == DMARC_FROM_OK || st == DMARC_FROM_MULTI) {
		size_t len = strlen(dom);
		if (len == 0 || dns_name_check(dom) < 0 || dom[len - 1] == '.' || n == 0)
			abort();
		for (size_t i = 0; i < len; i++)
			if (dom[i] >= 'A' && dom[i] <= 'Z')
				abort();
	} else if (dom[0] != '\0') {
		abort();
	}
	if (st == DMARC_FROM_NONE && n != 0)
		abort();
	free(v);
	return 0;
}
