/*
 * smtp_sasl: PLAIN and base64 (see smtp_sasl.h).
 */
#include "smtp/smtp_sasl.h"

#include <openssl/evp.h>
#include <string.h>

int
smtp_sasl_b64_decode(const char *in, size_t inlen, char *out, size_t outsz)
{
	unsigned char buf[3 * (SMTP_SASL_MAX * 3 + 8) / 4 + 8];
	size_t pad = 0;
	int n;

	if (inlen == 0) {
		if (outsz < 1)
			return -1;
		out[0] = '\0';
		return 0;
	}
	if (inlen % 4 != 0 || inlen / 4 * 3 > sizeof(buf))
		return -1;
	for (size_t i = 0; i < inlen; i++) {
		char c = in[i];
		int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '+' || c == '/';
		if (c == '=' && i >= inlen - 2) {
			pad++;
			continue;
		}
		if (!ok || pad)
			return -1;
	}
	/* RFC 4648 3.5: the bits padding leaves over must be zero; refusing
	 * others keeps one text per value (canonical encodings only). */
	if (pad) {
		static const char alphabet[] =
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
		const char *at = strchr(alphabet, in[inlen - pad - 1]);
		int v = at ? (int)(at - alphabet) : 0;
		if ((pad == 1 && (v & 0x3)) || (pad == 2 && (v & 0xf)))
			return -1;
	}
	n = EVP_DecodeBlock(buf, (const unsigned char *)in, (int)inlen);
	if (n < 0)
		return -1;
	/* EVP_DecodeBlock counts padding as data: take it back off. */
	n -= (int)pad;
	if ((size_t)n + 1 > outsz)
		return -1;
	memcpy(out, buf, (size_t)n);
	out[n] = '\0';
	OPENSSL_cleanse(buf, sizeof(buf));
	return n;
}

int
smtp_sasl_b64_encode(const void *in, size_t inlen, char *out, size_t outsz)
{
	if ((inlen + 2) / 3 * 4 + 1 > outsz)
		return -1;
	return EVP_EncodeBlock((unsigned char *)out, in, (int)inlen);
}

int
smtp_sasl_plain(const char *b64, size_t len, struct smtp_sasl_creds *out)
{
	char buf[3 * SMTP_SASL_MAX + 4];
	int n = smtp_sasl_b64_decode(b64, len, buf, sizeof(buf));
	const char *p1, *p2;
	size_t a, u, w;

	memset(out, 0, sizeof(*out));
	if (n < 0)
		return -1;
	/* RFC 4616 2: message = [authzid] UTF8NUL authcid UTF8NUL passwd */
	p1 = memchr(buf, '\0', (size_t)n);
	if (p1 == NULL)
		goto bad;
	p2 = memchr(p1 + 1, '\0', (size_t)n - (size_t)(p1 + 1 - buf));
	if (p2 == NULL)
		goto bad;
	a = (size_t)(p1 - buf);
	u = (size_t)(p2 - p1 - 1);
	w = (size_t)n - (size_t)(p2 + 1 - buf);
	if (u == 0 || w == 0 || a > SMTP_SASL_MAX || u > SMTP_SASL_MAX || w > SMTP_SASL_MAX ||
	    memchr(p2 + 1, '\0', w) != NULL)
		goto bad;
	memcpy(out->authzid, buf, a);
	memcpy(out->user, p1 + 1, u);
	memcpy(out->pass, p2 + 1, w);
	OPENSSL_cleanse(buf, sizeof(buf));
	return 0;
bad:
	OPENSSL_cleanse(buf, sizeof(buf));
	return -1;
}

void
smtp_sasl_wipe(struct smtp_sasl_creds *c)
{
	OPENSSL_cleanse(c, sizeof(*c));
}
