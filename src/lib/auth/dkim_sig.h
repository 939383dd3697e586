/*
 * dkim_sig: the signature fields: DKIM-Signature (RFC 6376 3.5) and ARC's
 * ARC-Message-Signature and ARC-Seal (RFC 8617 4.1.2, 4.1.3), read from
 * a field's value. Pure: the tag list is checked as a whole, then each
 * tag's meaning; the result says which rule failed (enum dkim_reason), so
 * a verifier reports a typed permerror without touching DNS.
 */
#ifndef VOUCH_AUTH_DKIM_SIG_H
#define VOUCH_AUTH_DKIM_SIG_H

#include <stddef.h>
#include <stdint.h>

#include "auth/dkim.h"

enum dkim_sig_kind {
	DKIM_SIG_DKIM = 0, /* DKIM-Signature */
	DKIM_SIG_AMS,      /* ARC-Message-Signature */
	DKIM_SIG_AS,       /* ARC-Seal */
};

/* RFC 8617 4.1.3: an ARC-Seal's chain validation status. */
enum arc_cv {
	ARC_CV_NONE = 0,
	ARC_CV_PASS,
	ARC_CV_FAIL,
};

/* Largest b= vouch reads: an 8192-bit RSA signature (DKIM_RSA_MAX_BITS). */
#define DKIM_SIG_B_MAX 1024

/* One h= entry: a field name, pointing into the parsed text. */
struct dkim_hname {
	const char *name;
	size_t len;
};

/* A parsed signature field. Strings in h[] point into the text parsed. */
struct dkim_sig {
	enum dkim_sig_kind kind;
	enum dkim_alg alg;
	enum dkim_canon hcanon, bcanon;       /* AS: relaxed header, no body */
	char domain[DKIM_DOMAIN_MAX + 1];     /* d=, lower case */
	char selector[DKIM_DOMAIN_MAX + 1];   /* s=, lower case */
	char identity[DKIM_IDENTITY_MAX + 1]; /* DKIM i= as given ("" if absent) */
	unsigned instance;                    /* ARC i= (1..50) */
	enum arc_cv cv;                       /* AS cv= */
	uint8_t bh[64];                       /* bh= decoded */
	size_t bh_len;
	uint8_t b[DKIM_SIG_B_MAX]; /* b= decoded */
	size_t b_len;
	char bprefix[DKIM_BPREFIX_MAX + 1];
	int has_length;
	unsigned long long length; /* l= */
	long long timestamp;       /* t=, -1 if absent */
	long long expiration;      /* x=, -1 if absent */
	struct dkim_hname h[DKIM_H_MAX];
	size_t nh;
	size_t b_start, b_end; /* b='s value in the text: after '=' to the ';' or end */
};

/*
 * Parse the value of a signature field of kind (the text after the
 * colon, folding included). Returns 0, or -1 with *why set and a reason
 * in err. On failure, whatever was read before the bad tag (d=, s=, b=)
 * stays in *sig for the result's fields.
 */
int dkim_sig_parse(enum dkim_sig_kind kind, const char *value, size_t len, struct dkim_sig *sig,
    enum dkim_reason *why, char *err, size_t errsz);

/* The name of the key record for (selector, domain): "s._domainkey.d". */
int dkim_key_name(const char *selector, const char *domain, char *out, size_t outsz);

/* Parse an algorithm word ("rsa-sha256", ...), DKIM_ALG_NONE if unknown. */
enum dkim_alg dkim_alg_parse(const char *s, size_t len);
/* "none", "pass", "fail". */
const char *arc_cv_name(enum arc_cv cv);

#endif
