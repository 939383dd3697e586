/*
 * fuzz_dns_answer: feeds arbitrary bytes to the answer decoder
 * (src/lib/dns/dns_answer.c) as a whole response message, for each record
 * type vouch asks, and as a lone RDATA. Checks what it promises: a count
 * that bounds the records kept, names that are valid dotted text without
 * a '.' or NUL inside a label, TXT lengths that fit the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns_answer.h"
#include "dns/dns_name.h"
#include "dns/dns_result.h"

static void
check_name(const char *name)
{
	size_t n = strlen(name);

	if (n > DNS_NAME_MAX)
		abort();
	if (n > 0 && dns_name_check(name) < 0)
		abort();
}

static void
check(const struct dns_result *res, size_t size)
{
	for (size_t i = 0; i < res->nrr; i++) {
		const struct dns_rr *rr = &res->rr[i];
		if (rr->type != res->qtype)
			abort();
		switch (rr->type) {
		case DNS_T_MX: check_name(rr->u.mx.host); break;
		case DNS_T_PTR:
		case DNS_T_CNAME:
		case DNS_T_NS: check_name(rr->u.name); break;
		case DNS_T_TXT:
			if (rr->u.txt.len > size || rr->u.txt.nstrings > size)
				abort();
			break;
		default: break;
		}
	}
	if (res->canon)
		check_name(res->canon);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum dns_type types[] = { DNS_T_A, DNS_T_AAAA, DNS_T_MX, DNS_T_TXT, DNS_T_PTR,
		DNS_T_CNAME, DNS_T_NS };

	for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
		struct dns_result *res = dns_result_new("example.com", types[t], DNS_NODATA);
		int n = dns_answer_from_message(res, data, size);
		if (n >= 0 && res->nrr > (size_t)n)
			abort();
		check(res, size);
		dns_result_free(res);

		res = dns_result_new("example.com", types[t], DNS_NODATA);
		if (dns_answer_add_rdata(res, types[t], data, size, 0, size) == 0) {
			if (res->nrr != 1)
				abort();
		} else if (res->nrr != 0) {
			abort();
		}
		check(res, size);
		dns_result_free(res);
	}
	return 0;
}
