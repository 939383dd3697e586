/*
 * Fuzz target: a published generation's TXT record (gen_publish.c),
 * judged against generation 50 of a fixed chain with a fixed authority
 * key (seed: 32 octets of 0x01). Any bytes in; a release is taken only
 * when it is newer and its cookie hashes to the one held, and every
 * result names a reason.
 */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/gen.h"
#include "auth/gen_publish.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static EVP_PKEY *key;
	static uint8_t held[GEN_COOKIE_LEN];
	uint8_t c[GEN_COOKIE_LEN], x[GEN_COOKIE_LEN];
	char why[200];
	long long g = -1;

	if (key == NULL) {
		uint8_t seed[32], c0[GEN_COOKIE_LEN];
		memset(seed, 1, sizeof(seed));
		memset(c0, 2, sizeof(c0));
		key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, sizeof(seed));
		if (key == NULL)
			abort();
		gen_cookie(c0, 50, held);
	}
	why[0] = '\0';
	enum gen_publish_result r = gen_publish_judge(
	    key, (const char *)data, size, 50, held, 1000, &g, c, why, sizeof(why));
	if (why[0] == '\0' || (unsigned)r > GEN_PUBLISH_TOO_FAR)
		abort();
	if (r == GEN_PUBLISH_NEWER) {
		if (g < 0 || g >= 50)
			abort();
		memcpy(x, c, sizeof(x));
		for (long long i = g; i < 50; i++)
			if (gen_cookie(x, 1, x) < 0)
				abort();
		if (CRYPTO_memcmp(x, held, sizeof(x)) != 0)
			abort();
	}
	return 0;
}
