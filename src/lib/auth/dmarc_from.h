/*
 * dmarc_from: the domain of the RFC5322.From field (RFC 7489 3.1, 6.6.1),
 * the identifier DMARC protects.
 *
 * Pure: the field's value (the text after "From:", folded lines
 * included) in, the domain or a typed reason out. The mailbox-list of
 * RFC 5322 3.4 is read with display names, quoted strings, nested
 * comments, obsolete routes and RFC 6854 groups; atoms may hold UTF-8
 * (RFC 6532).
 *
 * Several addresses of one domain give that domain; several domains give
 * DMARC_FROM_MULTI (6.6.1: such messages are "typically rejected"). A
 * message with no From field, or more than one, is the caller's to
 * count. None of the failures is a pass of anything: a From this parser
 * cannot read is what a forger would send, so the policy should treat
 * them as DMARC failures, never as "no policy".
 */
#ifndef VOUCH_AUTH_DMARC_FROM_H
#define VOUCH_AUTH_DMARC_FROM_H

#include <stddef.h>

enum dmarc_from_status {
	DMARC_FROM_OK = 0,  /* one domain (maybe several addresses in it) */
	DMARC_FROM_NONE,    /* no address at all ("undisclosed:;", empty) */
	DMARC_FROM_MULTI,   /* addresses in different domains */
	DMARC_FROM_LITERAL, /* an address literal ("user@[192.0.2.1]") */
	DMARC_FROM_SYNTAX,  /* not a mailbox-list */
};

/* Longest From value read (longer is DMARC_FROM_SYNTAX). */
#define DMARC_FROM_MAX 8192

/*
 * Read value[0..len): on DMARC_FROM_OK (and MULTI: the first) the domain
 * is written into domain (lower case, no trailing dot; at most 253
 * characters, so domainsz 254 suffices); *naddrs (may be NULL) gets the
 * number of addresses seen.
 */
enum dmarc_from_status
dmarc_from_parse(const char *value, size_t len, char *domain, size_t domainsz, unsigned *naddrs);

/* "ok", "none", "multiple domains", "address literal", "syntax". */
const char *dmarc_from_status_name(enum dmarc_from_status s);

#endif
