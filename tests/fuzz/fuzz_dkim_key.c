/*
 * Fuzz target: DKIM key records (dkim_key.c, RFC 6376 3.6.1, RFC 8463 4).
 * Any TXT text in; a record that parses holds a public key OpenSSL can use,
 * of the type and size the record says (RSA within vouch's bounds, Ed25519
 * 256 bits); a refused one gives a key reason and holds no key. Clearing
 * twice is harmless.
 */
#include <stdint.h>
#include <stdlib.h>

#include "auth/dkim_key.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dkim_pubkey k;
	enum dkim_reason why = DKIM_R_OK;
	char err[200] = "";

	if (dkim_key_parse((const char *)data, size, &k, &why, err, sizeof(err)) < 0) {
		if (k.pkey != NULL || err[0] == '\0')
			abort();
		if (why != DKIM_R_KEY_SYNTAX && why != DKIM_R_KEY_REVOKED &&
		    why != DKIM_R_KEY_TYPE && why != DKIM_R_KEY_TOO_LONG)
			abort();
		dkim_pubkey_clear(&k);
		return 0;
	}
	if (k.pkey == NULL)
		abort();
	if (k.type == DKIM_KEY_ED25519) {
		if (k.bits != 256 || EVP_PKEY_get_id(k.pkey) != EVP_PKEY_ED25519)
			abort();
	} else if (k.type == DKIM_KEY_RSA) {
		if (k.bits == 0 || k.bits > DKIM_RSA_MAX_BITS ||
		    EVP_PKEY_get_id(k.pkey) != EVP_PKEY_RSA ||
		    (unsigned)EVP_PKEY_get_bits(k.pkey) != k.bits)
			abort();
	} else {
		abort();
	}
	dkim_pubkey_clear(&k);
	if (k.pkey != NULL)
		abort();
	dkim_pubkey_clear(&k);
	return 0;
}
