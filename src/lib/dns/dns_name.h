/*
 * dns_name: pure helpers for domain names as dotted text: validity against
 * RFC 1035 limits, comparison, and the reverse-lookup names of addresses
 * (in-addr.arpa, ip6.arpa). No I/O.
 */
#ifndef VOUCH_DNS_DNS_NAME_H
#define VOUCH_DNS_DNS_NAME_H

#include <stddef.h>

/* RFC 1035 2.3.4: 63 octets per label; 253 characters of dotted text. */
#define DNS_LABEL_MAX 63
#define DNS_NAME_MAX 253

/*
 * Check a dotted name (one trailing dot allowed): non-empty, no empty
 * label, labels of at most 63 octets, at most 253 characters without the
 * trailing dot. Returns 0 if valid, -1 if not. Any octet may appear in a
 * label: DNS itself does not restrict them.
 */
int dns_name_check(const char *name);
/* Number of labels of a name that passed dns_name_check(). */
int dns_name_labels(const char *name);
/* ASCII case-insensitive equality ignoring one trailing dot on either. */
int dns_name_eq(const char *a, const char *b);
/* True if name equals parent or is below it (case-insensitive). */
int dns_name_is_sub(const char *name, const char *parent);

/*
 * The PTR query name for an address: af is AF_INET (4 bytes) or AF_INET6
 * (16 bytes). "4.3.2.1.in-addr.arpa" / nibbles + "ip6.arpa". Writes at
 * most outsz bytes (73 suffice); returns 0, or -1 if outsz is too small.
 */
int dns_name_reverse(int af, const void *addr, char *out, size_t outsz);

/*
 * Copy a dotted name into presentation format for a resolver: octets other
 * than letters, digits, '-', '_' and '.' become \DDD. Returns 0, or -1 if
 * the result does not fit in outsz.
 */
int dns_name_to_presentation(const char *name, char *out, size_t outsz);

#endif
