/*
 * dns_result: building, copying, describing and freeing struct dns_result
 * (declared in dns.h). Backends build results with these helpers; users
 * only need dns_result_free() and, for logs and the CLI, dns_result_describe().
 */
#ifndef VOUCH_DNS_DNS_RESULT_H
#define VOUCH_DNS_DNS_RESULT_H

#include <stddef.h>

#include "dns/dns.h"
#include "util/str.h"

/* A new result for (name, type) with the given status and no records. */
struct dns_result *dns_result_new(const char *name, enum dns_type type, enum dns_status status);
/* A failed result with a reason (copied), e.g. "timeout". */
struct dns_result *
dns_result_fail(const char *name, enum dns_type type, enum dns_status status, const char *why);
/* Free res and everything it owns. NULL-safe. */
void dns_result_free(struct dns_result *res);
/* Deep copy (caller frees). */
struct dns_result *dns_result_copy(const struct dns_result *res);
/* The same, as the answer to qname (the name as another query asked it). */
struct dns_result *dns_result_copy_as(const struct dns_result *res, const char *qname);

/* Append one record; the add_* helpers copy their arguments. */
void dns_result_add_a(struct dns_result *res, const struct in_addr *a);
void dns_result_add_aaaa(struct dns_result *res, const struct in6_addr *a);
void dns_result_add_mx(struct dns_result *res, unsigned pref, const char *host);
/* PTR, CNAME or NS (by type). */
void dns_result_add_name(struct dns_result *res, enum dns_type type, const char *name);
/* A TXT record from its character-strings already joined (len bytes). */
void dns_result_add_txt(struct dns_result *res, const void *data, size_t len, unsigned nstrings);
/* Set status to DNS_ANSWER if records were added, else keep it. */
void dns_result_settle(struct dns_result *res);

/* Replace res->why with a copy of why (NULL clears it). */
void dns_result_set_why(struct dns_result *res, const char *why);

/*
 * Describe the result on one line, e.g. "answer 2: 192.0.2.1 192.0.2.2" or
 * "tempfail (timeout)"; record text is escaped and capped. Appends to out.
 */
void dns_result_describe(const struct dns_result *res, struct strbuf *out);

#endif
