/*
 * arc_origin: what the oldest ARC set says the message passed (RFC 8617
 * 4.1.1, 7.2). The ARC-Authentication-Results of instance 1 was written
 * by the first ARC-aware hop, which saw the message as its author sent
 * it; when a forwarder has broken DKIM and SPF since, this is the only
 * record left that the message once passed DMARC. Pure: the payload (an
 * Authentication-Results value, RFC 8601 2.2, as arc_aar_copy() keeps it)
 * and the message's From domain in, the strongest aligned pass out.
 *
 *	struct arc_origin o;
 *	arc_origin_read(set1->aar, "example.com", od, adkim, aspf, &o);
 *	if (o.pass == ARC_ORIGIN_DMARC) ... o.domain, o.authserv_id ...
 *
 * Whether to believe it is the policy engine's question (policy/verdict.h:
 * only when the chain validates and every sealer is trusted).
 */
#ifndef VOUCH_AUTH_ARC_ORIGIN_H
#define VOUCH_AUTH_ARC_ORIGIN_H

#include <stddef.h>

#include "auth/dmarc.h"

struct orgdomain;

/* The strongest result the oldest set records for the From domain. */
enum arc_origin_pass {
	ARC_ORIGIN_NONE = 0, /* nothing aligned passed (or nothing readable) */
	ARC_ORIGIN_SPF,      /* spf=pass for an smtp.mailfrom domain aligned with From */
	ARC_ORIGIN_DKIM,     /* dkim=pass for a header.d aligned with From */
	ARC_ORIGIN_DMARC,    /* dmarc=pass with header.from the same From domain */
};

#define ARC_ORIGIN_ID_MAX 128

struct arc_origin {
	enum arc_origin_pass pass;
	char domain[DMARC_DOMAIN_MAX + 1];       /* what passed: header.from, header.d, the
	                                          * smtp.mailfrom domain; "" with NONE */
	char authserv_id[ARC_ORIGIN_ID_MAX + 1]; /* who wrote it, "" if unreadable */
};

/*
 * Read an AAR payload ("authserv-id; method=result ...; ...") for
 * from_domain (lower case). od may be NULL: alignment is then the same
 * name only. adkim/aspf are the From domain's alignment modes (relaxed
 * without a record). Always fills *o; returns o->pass.
 */
enum arc_origin_pass
arc_origin_read(const char *aar, const char *from_domain, const struct orgdomain *od,
    enum dmarc_align adkim, enum dmarc_align aspf, struct arc_origin *o);

/* "none", "spf", "dkim", "dmarc". */
const char *arc_origin_name(enum arc_origin_pass p);

#endif
