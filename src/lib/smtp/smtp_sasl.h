/*
 * smtp_sasl: the SASL pieces of SMTP AUTH (RFC 4954) vouch accepts: PLAIN
 * (RFC 4616) and LOGIN. Pure: base64 text in, credentials out.
 */
#ifndef VOUCH_SMTP_SASL_H
#define VOUCH_SMTP_SASL_H

#include <stddef.h>

/* Longest decoded credential we accept (user or password). */
#define SMTP_SASL_MAX 512

struct smtp_sasl_creds {
	char authzid[SMTP_SASL_MAX + 1];
	char user[SMTP_SASL_MAX + 1];
	char pass[SMTP_SASL_MAX + 1];
};

/*
 * Decode base64 text (no whitespace) into out (NUL-terminated). Returns
 * the decoded length, or -1 if it is not valid base64 or does not fit.
 */
int smtp_sasl_b64_decode(const char *in, size_t inlen, char *out, size_t outsz);
/* Encode into out; -1 if it does not fit. */
int smtp_sasl_b64_encode(const void *in, size_t inlen, char *out, size_t outsz);
/*
 * PLAIN: base64 of "authzid NUL authcid NUL passwd". Returns 0, or -1 when
 * malformed (NULs in wrong places, empty user or password, too long).
 */
int smtp_sasl_plain(const char *b64, size_t len, struct smtp_sasl_creds *out);
/* Wipe credentials from memory. */
void smtp_sasl_wipe(struct smtp_sasl_creds *c);

#endif
