/*
 * dmarc_record: the DMARC policy record parser (RFC 7489 6.3, 6.4).
 *
 * Pure: record text in, a struct dmarc_record out. The rules of 6.3 and
 * 6.6.3 are applied here, so what comes out is what a receiver acts on:
 *
 *  - the record must start with "v=DMARC1" (exact value) or it is not a
 *    DMARC record at all and is ignored;
 *  - unknown tags are ignored; invalid values of known tags fall back to
 *    their defaults (pct=100, adkim=r, aspf=r, fo=0, rf=afrf, ri=86400);
 *    both are listed in the record's notes for admins;
 *  - a record without a valid p=, or with an invalid sp=, is unusable —
 *    unless rua= holds a valid URI, in which case it acts as p=none
 *    (6.6.3 step 6, p_assumed set);
 *  - a tag given twice counts the first time (notes say so).
 *
 * Tag names and keyword values are read case-insensitively (ABNF strings,
 * RFC 5234 2.3); "DMARC1" must match exactly (6.3 v=).
 */
#ifndef VOUCH_AUTH_DMARC_RECORD_H
#define VOUCH_AUTH_DMARC_RECORD_H

#include <stddef.h>

#include "auth/dmarc.h"
#include "util/str.h"

enum dmarc_record_status {
	DMARC_RECORD_OK = 0,    /* a usable policy record (p_assumed: acting as p=none) */
	DMARC_RECORD_NOT_DMARC, /* does not start with v=DMARC1: ignore it */
	DMARC_RECORD_NO_POLICY, /* v=DMARC1 without a usable policy (no valid p=, bad sp=) */
	DMARC_RECORD_TOO_LONG,  /* over DMARC_RECORD_MAX octets */
};

/*
 * True if txt[0..len) starts with the v=DMARC1 tag (RFC 7489 6.6.3 step 2:
 * records that do not are discarded before counting).
 */
int dmarc_record_is_dmarc1(const char *txt, size_t len);

/*
 * Parse a record into *out (always filled: defaults, and what could be
 * read). Returns a status; for anything but DMARC_RECORD_OK a reason
 * (client text escaped) is written into err. rua= and ruf= are filled
 * for DMARC_RECORD_NO_POLICY too: third-party reporting authorizations
 * (7.1) are such records.
 */
enum dmarc_record_status
dmarc_record_parse(const char *txt, size_t len, struct dmarc_record *out, char *err, size_t errsz);

/*
 * Canonical text of a record, every tag spelled out:
 * "v=DMARC1; p=reject; sp=none; pct=100; adkim=r; aspf=r; fo=0; rf=afrf;
 * ri=86400[; rua=...][; ruf=...]". It parses back to the same record
 * (without notes). Appends to out.
 */
void dmarc_record_format(const struct dmarc_record *rec, struct strbuf *out);

/*
 * The address of a "mailto:" reporting URI (RFC 6068), percent-decoded,
 * without the query ("?subject=..."). Returns 0, or -1 when uri is not a
 * mailto: URI with one plausible address (local@domain).
 */
int dmarc_uri_mailto(const char *uri, char *addr, size_t addrsz);

/* Parse a policy word (case-insensitive); 0, or -1 if unknown. */
int dmarc_policy_parse(const char *s, size_t n, enum dmarc_policy *out);

#endif
