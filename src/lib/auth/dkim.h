/*
 * dkim: types shared by vouch's DKIM (RFC 6376, with RFC 8301's algorithm
 * and key-size rules and RFC 8463's Ed25519) and ARC (RFC 8617)
 * implementation: results, reasons, algorithms, limits, and the typed
 * outcome of one signature.
 *
 * The implementation is split by concern:
 *   dkim_tag.h     tag=value lists (RFC 6376 3.2); pure
 *   dkim_sig.h     DKIM-Signature, ARC-Message-Signature, ARC-Seal fields; pure
 *   dkim_key.h     key records (3.6.1) and the public keys in them; pure
 *   dkim_canon.h   canonicalization (3.4), streaming; pure
 *   dkim_hdr.h     the header section, collected as the message streams in
 *   dkim_crypt.h   private keys, signing and verifying digests (OpenSSL)
 *   dkim_verify.h  the verifier: a streaming state machine without I/O
 *   dkim_check.h   its driver: key lookups through vouch's DNS client
 *   dkim_sign.h    the signer (one pass over a written message)
 *   dkim_authres.h Authentication-Results entries for the results
 *   arc.h          ARC: chain validation (inside the verifier) and sealing
 *   dkim_config.h  the dkim_* and arc_* settings
 */
#ifndef VOUCH_AUTH_DKIM_H
#define VOUCH_AUTH_DKIM_H

#include <stddef.h>
#include <stdint.h>

#include "dns/dns.h"
#include "util/str.h"

/* RFC 8601 2.7.1: the results of DKIM verification of one signature. */
enum dkim_result {
	DKIM_NONE = 0,  /* not signed (only for a message summary) */
	DKIM_PASS,      /* verified */
	DKIM_FAIL,      /* acceptable signature that did not verify, or refused by RFC 8301 */
	DKIM_POLICY,    /* verified, but not acceptable here (l= left part unsigned, limits) */
	DKIM_NEUTRAL,   /* not used by vouch; kept for the RFC 8601 vocabulary */
	DKIM_TEMPERROR, /* the key could not be fetched now: try later */
	DKIM_PERMERROR, /* the signature or its key record is unusable */
};

/* Why a signature got its result: one value per distinct cause. */
enum dkim_reason {
	DKIM_R_OK = 0,
	/* the signature field (permerror) */
	DKIM_R_SYNTAX,          /* the tag list does not parse (RFC 6376 3.2) */
	DKIM_R_VERSION,         /* v= is not 1 */
	DKIM_R_MISSING_TAG,     /* a required tag is absent */
	DKIM_R_BAD_TAG,         /* a tag's value is malformed */
	DKIM_R_ALG_UNKNOWN,     /* a= names no algorithm vouch knows */
	DKIM_R_CANON_UNKNOWN,   /* c= names no canonicalization */
	DKIM_R_QUERY_UNKNOWN,   /* q= lacks dns/txt */
	DKIM_R_FROM_UNSIGNED,   /* h= does not include From (6.1.1) */
	DKIM_R_DOMAIN_MISMATCH, /* i= is not d= or below it (6.1.1) */
	DKIM_R_FUTURE,          /* t= is in the future */
	DKIM_R_HEADER_LIMIT,    /* the header section is larger than vouch keeps */
	/* the key (permerror, or temperror for DNS) */
	DKIM_R_KEY_DNS,      /* DNS failed for now (temperror) */
	DKIM_R_KEY_MISSING,  /* no key record at the name (NXDOMAIN, no TXT) */
	DKIM_R_KEY_SYNTAX,   /* the key record does not parse */
	DKIM_R_KEY_REVOKED,  /* p= is empty (3.6.1) */
	DKIM_R_KEY_TYPE,     /* k= does not fit a= */
	DKIM_R_KEY_HASH,     /* the key's h= excludes the signature's hash */
	DKIM_R_KEY_SERVICE,  /* the key's s= excludes email */
	DKIM_R_KEY_STRICT,   /* key t=s, and i= is a subdomain of d= */
	DKIM_R_KEY_TOO_LONG, /* more bits than vouch verifies (DKIM_RSA_MAX_BITS) */
	/* failures */
	DKIM_R_SHA1,          /* rsa-sha1: never valid (RFC 8301 3.1) */
	DKIM_R_KEY_TOO_SHORT, /* RSA under the minimum, 1024 bits at least (RFC 8301 3.2) */
	DKIM_R_EXPIRED,       /* x= is past */
	DKIM_R_BODY_SHORT,    /* l= is longer than the body: the body was cut */
	DKIM_R_BODY_HASH,     /* bh= does not match the body: the body changed */
	DKIM_R_SIGNATURE,     /* b= does not verify: the signed header fields changed */
	/* local policy */
	DKIM_R_PARTIAL_BODY, /* verified, but l= leaves part of the body unsigned */
	DKIM_R_LOOKUP_LIMIT, /* not evaluated: more key lookups than allowed */
	DKIM_R__COUNT,
};

/* Signing algorithms (RFC 6376 3.3, RFC 8463 3). */
enum dkim_alg {
	DKIM_ALG_NONE = 0,
	DKIM_ALG_RSA_SHA256,
	DKIM_ALG_ED25519_SHA256,
	DKIM_ALG_RSA_SHA1, /* parsed so it can be named and refused (RFC 8301) */
};

/* Canonicalization algorithms (RFC 6376 3.4). */
enum dkim_canon {
	DKIM_CANON_SIMPLE = 0,
	DKIM_CANON_RELAXED,
};

/* Key types of a key record's k= (RFC 6376 3.6.1, RFC 8463 4). */
enum dkim_keytype {
	DKIM_KEY_RSA = 0,
	DKIM_KEY_ED25519,
};

/* RFC 1035 2.3.4: names are at most 253 characters as text. */
#define DKIM_DOMAIN_MAX 253
/* i= (AUID): local-part "@" domain; local parts are cut for the result. */
#define DKIM_IDENTITY_MAX 320
/* Characters of b= kept in a result: header.b needs 8 and a few more to be
 * unique among a message's signatures (RFC 6008 2). */
#define DKIM_BPREFIX_MAX 48
/* RFC 8301 3.2: RSA keys of at least 1024 bits are accepted; smaller fail. */
#define DKIM_RSA_MIN_BITS 1024
/* Longer RSA keys are refused (cost bound); RFC 8301 asks for up to 4096. */
#define DKIM_RSA_MAX_BITS 8192
/* Entries of h= a signature may list (each costs a header canonicalization). */
#define DKIM_H_MAX 128
/* RFC 8617 4.2.1: ARC instances run from 1 to 50. */
#define ARC_MAX_INSTANCES 50

/* The outcome of one signature: self-contained (fixed buffers), so it can
 * be copied into a proof and outlive the verifier. */
struct dkim_sig_result {
	enum dkim_result result;
	enum dkim_reason reason;
	enum dkim_alg alg;
	enum dkim_canon hcanon, bcanon;
	char domain[DKIM_DOMAIN_MAX + 1];     /* d=, lower case ("" if unreadable) */
	char selector[DKIM_DOMAIN_MAX + 1];   /* s= */
	char identity[DKIM_IDENTITY_MAX + 1]; /* i= as given, or "" when absent */
	char bprefix[DKIM_BPREFIX_MAX + 1];   /* start of b= (base64, no spaces) */
	unsigned key_bits;                    /* RSA modulus bits; 256 for Ed25519; 0 unknown */
	enum dns_sec key_sec;                 /* DNSSEC state of the key's answer */
	int key_testing;                      /* key t=y: the domain is testing DKIM */
	int has_length;                       /* l= was given */
	unsigned long long length;            /* l= */
	unsigned long long body_octets;       /* the canonical body's length */
	long long timestamp, expiration;      /* t=, x= (-1 when absent) */
	char detail[160];                     /* a sentence for people and logs */
};

/* "none", "pass", "fail", "policy", "neutral", "temperror", "permerror". */
const char *dkim_result_name(enum dkim_result r);
/* A short phrase for a reason ("body hash mismatch", ...). */
const char *dkim_reason_text(enum dkim_reason r);
/* A reason as one word for key=value lines ("body_hash", "sha1", ...). */
const char *dkim_reason_name(enum dkim_reason r);
/* "rsa-sha256", "ed25519-sha256", "rsa-sha1", or "" */
const char *dkim_alg_name(enum dkim_alg a);
/* "simple", "relaxed" */
const char *dkim_canon_name(enum dkim_canon c);

/*
 * Base64 as DKIM writes it (b=, bh=, p=): folding white space anywhere is
 * skipped (RFC 6376 3.5), padding is checked strictly. Decodes into out
 * (room for outsz octets); returns the length, or -1 if the text is not
 * base64 or does not fit.
 */
long dkim_b64_decode(const char *in, size_t len, uint8_t *out, size_t outsz);
/* Append base64 of in[0..len) without line breaks; returns 0 or -1 (full). */
int dkim_b64_encode(const uint8_t *in, size_t len, struct strbuf *out);

/* True if a is b, or a subdomain of b (ASCII case-insensitive). */
int dkim_domain_within(const char *a, const char *b);

#endif
