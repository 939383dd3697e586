/*
 * dns_mem: an in-memory table of DNS records answering without a network,
 * for unit tests and benchmarks (STYLE 12: the table backend of the DNS
 * client; see dns_client_new_mem() in dns.h).
 *
 * A table maps names (case-insensitive, trailing dot ignored) to records,
 * and may mark a name as "timing out": queries for a type the name has no
 * records of then fail as a timeout, as the openspf suite's TIMEOUT entries
 * do. CNAMEs are followed (8 at most; a loop is a temporary failure, like a
 * resolver's SERVFAIL). A name absent from the table is NXDOMAIN, unless
 * names below it are present: an empty non-terminal is NODATA, as a real
 * server answers (RFC 8020). A name present without records of the type
 * asked is NODATA. Records come back in the order added, duplicates kept,
 * names in the case they were given (the wire keeps all three); TXT text
 * is counted in character-strings of at most 255 octets, as on the wire.
 *
 * Building a table is not thread-safe; a finished table may be read by
 * any number of clients.
 */
#ifndef VOUCH_DNS_DNS_MEM_H
#define VOUCH_DNS_DNS_MEM_H

#include <stddef.h>

#include "dns/dns.h"

struct dns_mem;

struct dns_mem *dns_mem_new(void);
void dns_mem_free(struct dns_mem *t);

/*
 * Add one record from its text: A "192.0.2.1", AAAA "2001:db8::1",
 * MX "10 mx.example.com" (host may be empty: null MX), PTR/CNAME/NS a name,
 * TXT the text as one character-string. Returns 0, or -1 if the text does
 * not parse for the type.
 */
int dns_mem_add(struct dns_mem *t, const char *name, enum dns_type type, const char *text);
/* Add a TXT record of n character-strings (raw bytes, may hold NULs). */
void dns_mem_add_txt(
    struct dns_mem *t, const char *name, const char *const *strings, const size_t *lens, size_t n);
/* Make queries to name for types it has no records of time out. */
void dns_mem_add_timeout(struct dns_mem *t, const char *name);
/*
 * How timeouts are reported: 0 (default) answers DNS_TEMPFAIL "timeout" at
 * once; 1 never answers, so the client's own timer must fire (tests of it).
 */
void dns_mem_set_silent_timeouts(struct dns_mem *t, int silent);
/*
 * Answer queries to name only after ms milliseconds (from the event loop),
 * so a test can have answers arrive in another order than they were asked,
 * as a real resolver's do. Not for the synchronous lookups' own waits.
 */
void dns_mem_add_delay(struct dns_mem *t, const char *name, long long ms);
/* The delay set for name (0: none). */
long long dns_mem_delay(const struct dns_mem *t, const char *name);
/* True when queries to name for type should be left unanswered. */
int dns_mem_is_silent(const struct dns_mem *t, const char *name, enum dns_type type);

/* Answer a query from the table now (caller frees the result). */
struct dns_result *dns_mem_lookup(const struct dns_mem *t, const char *name, enum dns_type type);
/* Number of names in the table. */
size_t dns_mem_size(const struct dns_mem *t);

#endif
