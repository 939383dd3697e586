/*
 * spf_known: the local table of known SPF results. The administrator's own
 * domains and partners can be given a fixed result (optionally only for
 * client addresses inside a network), which then short-circuits DNS for
 * that identity; the outcome says it came from the table (from_table) and
 * the drivers log it so.
 *
 * Entries are "DOMAIN=RESULT" or "DOMAIN=RESULT@NETWORK[/LEN]"; a DOMAIN
 * written "*.example.com" matches every name below example.com. Entries are
 * tried in the order added; the first whose domain matches and whose
 * network (if any) holds the client decides. If none does, the evaluation
 * goes to DNS as usual. E.g. "example.com=pass@192.0.2.0/24 example.com=fail"
 * passes example.com from its own network and fails it elsewhere.
 */
#ifndef VOUCH_AUTH_SPF_KNOWN_H
#define VOUCH_AUTH_SPF_KNOWN_H

#include <stddef.h>

#include "auth/spf.h"

struct spf_known;

struct spf_known *spf_known_new(void);
void spf_known_free(struct spf_known *t);
/* Add one entry; 0, or -1 with a reason in err. */
int spf_known_add(struct spf_known *t, const char *entry, char *err, size_t errsz);
/* Find the result for domain and ip: 1 and *out set, or 0 if no entry applies. */
int spf_known_lookup(
    const struct spf_known *t, const char *domain, const struct spf_ip *ip, enum spf_result *out);
size_t spf_known_size(const struct spf_known *t);

#endif
