/*
 * dkim: names of results, reasons and algorithms; DKIM's base64; domain
 * comparison (see dkim.h).
 */
#include "auth/dkim.h"

#include <string.h>

#include "util/str.h"

const char *
dkim_result_name(enum dkim_result r)
{
	switch (r) {
	case DKIM_NONE: return "none";
	case DKIM_PASS: return "pass";
	case DKIM_FAIL: return "fail";
	case DKIM_POLICY: return "policy";
	case DKIM_NEUTRAL: return "neutral";
	case DKIM_TEMPERROR: return "temperror";
	case DKIM_PERMERROR: return "permerror";
	}
	return "permerror";
}

static const char *const reason_texts[DKIM_R__COUNT] = {
	[DKIM_R_OK] = "verified",
	[DKIM_R_SYNTAX] = "signature syntax error",
	[DKIM_R_VERSION] = "unsupported version",
	[DKIM_R_MISSING_TAG] = "required tag missing",
	[DKIM_R_BAD_TAG] = "malformed tag value",
	[DKIM_R_ALG_UNKNOWN] = "unknown algorithm",
	[DKIM_R_CANON_UNKNOWN] = "unknown canonicalization",
	[DKIM_R_QUERY_UNKNOWN] = "unsupported query method",
	[DKIM_R_FROM_UNSIGNED] = "From field not signed",
	[DKIM_R_DOMAIN_MISMATCH] = "i= not within d=",
	[DKIM_R_FUTURE] = "timestamp in the future",
	[DKIM_R_HEADER_LIMIT] = "header section too large",
	[DKIM_R_KEY_DNS] = "key lookup failed",
	[DKIM_R_KEY_MISSING] = "no key for signature",
	[DKIM_R_KEY_SYNTAX] = "key record syntax error",
	[DKIM_R_KEY_REVOKED] = "key revoked",
	[DKIM_R_KEY_TYPE] = "key type does not match algorithm",
	[DKIM_R_KEY_HASH] = "key does not allow the hash",
	[DKIM_R_KEY_SERVICE] = "key not for email",
	[DKIM_R_KEY_STRICT] = "key requires i= domain equal to d=",
	[DKIM_R_KEY_TOO_LONG] = "key too long",
	[DKIM_R_SHA1] = "rsa-sha1 not accepted (RFC 8301)",
	[DKIM_R_KEY_TOO_SHORT] = "key too short (RFC 8301)",
	[DKIM_R_EXPIRED] = "signature expired",
	[DKIM_R_BODY_SHORT] = "body shorter than l=",
	[DKIM_R_BODY_HASH] = "body hash mismatch",
	[DKIM_R_SIGNATURE] = "signature did not verify",
	[DKIM_R_PARTIAL_BODY] = "body only partly signed (l=)",
	[DKIM_R_LOOKUP_LIMIT] = "key lookup limit reached",
};

const char *
dkim_reason_text(enum dkim_reason r)
{
	if ((unsigned)r >= DKIM_R__COUNT || reason_texts[r] == NULL)
		return "unknown";
	return reason_texts[r];
}

static const char *const reason_names[DKIM_R__COUNT] = {
	[DKIM_R_OK] = "ok",
	[DKIM_R_SYNTAX] = "syntax",
	[DKIM_R_VERSION] = "version",
	[DKIM_R_MISSING_TAG] = "missing_tag",
	[DKIM_R_BAD_TAG] = "bad_tag",
	[DKIM_R_ALG_UNKNOWN] = "alg_unknown",
	[DKIM_R_CANON_UNKNOWN] = "canon_unknown",
	[DKIM_R_QUERY_UNKNOWN] = "query_unknown",
	[DKIM_R_FROM_UNSIGNED] = "from_unsigned",
	[DKIM_R_DOMAIN_MISMATCH] = "domain_mismatch",
	[DKIM_R_FUTURE] = "future",
	[DKIM_R_HEADER_LIMIT] = "header_limit",
	[DKIM_R_KEY_DNS] = "key_dns",
	[DKIM_R_KEY_MISSING] = "key_missing",
	[DKIM_R_KEY_SYNTAX] = "key_syntax",
	[DKIM_R_KEY_REVOKED] = "key_revoked",
	[DKIM_R_KEY_TYPE] = "key_type",
	[DKIM_R_KEY_HASH] = "key_hash",
	[DKIM_R_KEY_SERVICE] = "key_service",
	[DKIM_R_KEY_STRICT] = "key_strict",
	[DKIM_R_KEY_TOO_LONG] = "key_too_long",
	[DKIM_R_SHA1] = "sha1",
	[DKIM_R_KEY_TOO_SHORT] = "key_too_short",
	[DKIM_R_EXPIRED] = "expired",
	[DKIM_R_BODY_SHORT] = "body_short",
	[DKIM_R_BODY_HASH] = "body_hash",
	[DKIM_R_SIGNATURE] = "signature",
	[DKIM_R_PARTIAL_BODY] = "partial_body",
	[DKIM_R_LOOKUP_LIMIT] = "lookup_limit",
};

const char *
dkim_reason_name(enum dkim_reason r)
{
	if ((unsigned)r >= DKIM_R__COUNT || reason_names[r] == NULL)
		return "unknown";
	return reason_names[r];
}

const char *
dkim_alg_name(enum dkim_alg a)
{
	switch (a) {
	case DKIM_ALG_RSA_SHA256: return "rsa-sha256";
	case DKIM_ALG_ED25519_SHA256: return "ed25519-sha256";
	case DKIM_ALG_RSA_SHA1: return "rsa-sha1";
	case DKIM_ALG_NONE: break;
	}
	return "";
}

const char *
dkim_canon_name(enum dkim_canon c)
{
	return c == DKIM_CANON_RELAXED ? "relaxed" : "simple";
}

static int
b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

long
dkim_b64_decode(const char *in, size_t len, uint8_t *out, size_t outsz)
{
	uint32_t acc = 0;
	size_t n = 0, o = 0, pad = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		/* RFC 6376 3.5: FWS inside base64 values is ignored */
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			continue;
		if (c == '=') {
			pad++;
			continue;
		}
		int v = b64val(c);
		if (v < 0 || pad > 0)
			return -1; /* junk, or data after padding */
		acc = (acc << 6) | (uint32_t)v;
		if (++n % 4 == 0) {
			if (o + 3 > outsz)
				return -1;
			out[o++] = (uint8_t)(acc >> 16);
			out[o++] = (uint8_t)(acc >> 8);
			out[o++] = (uint8_t)acc;
			acc = 0;
		}
	}
	switch (n % 4) {
	case 0:
		if (pad != 0)
			return -1;
		break;
	case 2:
		/* RFC 4648 3.5: the unused bits must be zero */
		if (pad > 2 || (pad != 0 && pad != 2) || (acc & 0xf) != 0 || o + 1 > outsz)
			return -1;
		out[o++] = (uint8_t)(acc >> 4);
		break;
	case 3:
		if ((pad != 0 && pad != 1) || (acc & 0x3) != 0 || o + 2 > outsz)
			return -1;
		out[o++] = (uint8_t)(acc >> 10);
		out[o++] = (uint8_t)(acc >> 2);
		break;
	default: return -1;
	}
	return (long)o;
}

int
dkim_b64_encode(const uint8_t *in, size_t len, struct strbuf *out)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char q[4];

	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < len)
			v |= in[i + 2];
		q[0] = tab[(v >> 18) & 63];
		q[1] = tab[(v >> 12) & 63];
		q[2] = i + 1 < len ? tab[(v >> 6) & 63] : '=';
		q[3] = i + 2 < len ? tab[v & 63] : '=';
		if (strbuf_append(out, q, 4) < 0)
			return -1;
	}
	return 0;
}

int
dkim_domain_within(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (lb == 0 || la < lb)
		return 0;
	if (!str_nieq(a + la - lb, lb, b))
		return 0;
	return la == lb || a[la - lb - 1] == '.';
}
