/*
 * Fuzz target: SMTP AUTH's SASL decoding (smtp_sasl), which reads what
 * any client sends after AUTH: base64 (strict, no whitespace) and PLAIN's
 * "authzid NUL user NUL password". Checks: what decodes encodes back to
 * the same text (canonical padding only), decoded output fits its buffer
 * and is terminated, and PLAIN credentials that parse are non-empty,
 * terminated, and come back from encoding them again.
 */
#include <stdint.h>
#include <string.h>

#include "smtp/smtp_sasl.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	char dec[2048], enc[4096], raw[3 * SMTP_SASL_MAX + 3];
	struct smtp_sasl_creds c;
	int n;

	if (size > 2700)
		return 0;
	n = smtp_sasl_b64_decode(s, size, dec, sizeof(dec));
	if (n >= 0) {
		if ((size_t)n >= sizeof(dec) || dec[n] != '\0')
			__builtin_trap();
		if (smtp_sasl_b64_encode(dec, (size_t)n, enc, sizeof(enc)) < 0 ||
		    strlen(enc) != size || memcmp(enc, s, size) != 0)
			__builtin_trap();
	}
	if (smtp_sasl_plain(s, size, &c) == 0) {
		size_t a = strnlen(c.authzid, sizeof(c.authzid)), u = strnlen(c.user, sizeof(c.user));
		size_t p = strnlen(c.pass, sizeof(c.pass));
		if (a > SMTP_SASL_MAX || u == 0 || u > SMTP_SASL_MAX || p == 0 || p > SMTP_SASL_MAX)
			__builtin_trap();
		memcpy(raw, c.authzid, a);
		raw[a] = '\0';
		memcpy(raw + a + 1, c.user, u);
		raw[a + 1 + u] = '\0';
		memcpy(raw + a + u + 2, c.pass, p);
		if (smtp_sasl_b64_encode(raw, a + u + 2 + p, enc, sizeof(enc)) < 0 ||
		    strlen(enc) != size || memcmp(enc, s, size) != 0)
			__builtin_trap();
		smtp_sasl_wipe(&c);
	}
	return 0;
}
