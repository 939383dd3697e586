/*
 * spf_record: the SPF record parser (RFC 7208 4.5, 4.6, 5, 6, 12).
 *
 * Pure: record text in, a parsed record (or a syntax error) out. The whole
 * record is checked before anything is evaluated (RFC 7208 4.6: syntax
 * errors anywhere in the record are a permerror), including every
 * domain-spec's macro syntax. Memory is bounded by the record's length.
 */
#ifndef VOUCH_AUTH_SPF_RECORD_H
#define VOUCH_AUTH_SPF_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "auth/spf.h"
#include "util/str.h"

enum spf_mech {
	SPF_M_ALL = 0,
	SPF_M_INCLUDE,
	SPF_M_A,
	SPF_M_MX,
	SPF_M_PTR,
	SPF_M_IP4,
	SPF_M_IP6,
	SPF_M_EXISTS,
};

/* One mechanism. Strings point into the record and live as long as it. */
struct spf_term {
	enum spf_mech mech;
	enum spf_result qual; /* result on a match: pass, fail, softfail, neutral */
	const char *text;     /* the term as written (for logs and outcomes) */
	const char *spec;     /* domain-spec, or NULL for "the current domain" */
	size_t spec_len;
	unsigned cidr4;  /* a, mx, ip4: prefix length (32 when absent) */
	unsigned cidr6;  /* a, mx, ip6: prefix length (128 when absent) */
	uint8_t net[16]; /* ip4 (first 4 bytes) / ip6 network */
};

struct spf_record;

/*
 * True if txt[0..len) is an SPF version 1 record: "v=spf1" (any case)
 * followed by a space or the end (RFC 7208 4.5).
 */
int spf_record_is_spf1(const char *txt, size_t len);
/*
 * Parse a record. On success returns 0 and *out (free with
 * spf_record_free); on a syntax error returns -1 and writes a reason
 * (naming the offending term, escaped) into err.
 */
int spf_record_parse(const char *txt, size_t len, struct spf_record **out, char *err, size_t errsz);
void spf_record_free(struct spf_record *rec);

size_t spf_record_nterms(const struct spf_record *rec);
const struct spf_term *spf_record_term(const struct spf_record *rec, size_t i);
/* The redirect= / exp= domain-specs (NUL-terminated), or NULL if absent. */
const char *spf_record_redirect(const struct spf_record *rec);
const char *spf_record_exp(const struct spf_record *rec);
/* Canonical text of the parsed record ("v=spf1 +a:x/24 -all redirect=y"). */
void spf_record_format(const struct spf_record *rec, struct strbuf *out);
/* Name of a mechanism ("all", "include", ...). */
const char *spf_mech_name(enum spf_mech m);

#endif
