/*
 * Unit tests for auth/gen_publish: signed releases of generations, as a
 * table of records judged against a held generation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "auth/gen.h"
#include "auth/gen_publish.h"

static EVP_PKEY *
ed25519(void)
{
	EVP_PKEY *k = NULL;
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL);

	assert_non_null(c);
	assert_int_equal(EVP_PKEY_keygen_init(c), 1);
	assert_int_equal(EVP_PKEY_keygen(c, &k), 1);
	EVP_PKEY_CTX_free(c);
	return k;
}

static void
test_judge(void **state)
{
	uint8_t c0[GEN_COOKIE_LEN], other0[GEN_COOKIE_LEN], c[GEN_COOKIE_LEN], got[GEN_COOKIE_LEN];
	uint8_t held[GEN_COOKIE_LEN];
	EVP_PKEY *key = ed25519(), *thief = ed25519();
	char txt[GEN_PUBLISH_MAX + 1], why[200];
	long long ng = -1;

	(void)state;
	assert_int_equal(gen_seed_new(c0), 0);
	assert_int_equal(gen_seed_new(other0), 0);
	gen_cookie(c0, 50, held);
	static const struct {
		long long g;
		int other_chain, other_key, max_step;
		enum gen_publish_result want;
		const char *why;
	} cases[] = {
		{ 49, 0, 0, 100, GEN_PUBLISH_NEWER, "generation 49 follows on from 50" },
		{ 40, 0, 0, 100, GEN_PUBLISH_NEWER, "generation 40 follows on from 50" },
		{ 50, 0, 0, 100, GEN_PUBLISH_SAME, "generation 50 is not newer than ours (50)" },
		{ 51, 0, 0, 100, GEN_PUBLISH_SAME, "is not newer" },
		/* a valid signature on another chain (a stolen key) */
		{ 49, 1, 0, 100, GEN_PUBLISH_NOT_CHAINED, "signed but not on our chain" },
		/* someone else's key */
		{ 49, 0, 1, 100, GEN_PUBLISH_BAD_SIG, "the signature does not verify" },
		{ 10, 0, 0, 20, GEN_PUBLISH_TOO_FAR, "more than 20 newer" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		gen_cookie(cases[i].other_chain ? other0 : c0, cases[i].g, c);
		assert_int_equal(gen_publish_format(cases[i].other_key ? thief : key, cases[i].g, c,
		                     txt, sizeof(txt)),
		    0);
		enum gen_publish_result r = gen_publish_judge(
		    key, txt, strlen(txt), 50, held, cases[i].max_step, &ng, got, why, sizeof(why));
		if (r != cases[i].want || !strstr(why, cases[i].why))
			fail_msg("case %zu: %s \"%s\"", i, gen_publish_result_name(r), why);
		if (r == GEN_PUBLISH_NEWER) {
			assert_int_equal(ng, cases[i].g);
			assert_memory_equal(got, c, GEN_COOKIE_LEN);
		}
	}
	/* a record changed after signing, and records that are not ones */
	gen_cookie(c0, 49, c);
	assert_int_equal(gen_publish_format(key, 49, c, txt, sizeof(txt)), 0);
	char *gp = strstr(txt, "g=49");
	gp[3] = '8';
	assert_int_equal(
	    gen_publish_judge(key, txt, strlen(txt), 50, held, 100, &ng, got, why, sizeof(why)),
	    GEN_PUBLISH_BAD_SIG);
	static const char *const junk[] = { "", "v=spf1 -all", "v=vouchgen1", "v=vouchgen1; g=49",
		"v=vouchgen1; g=x; c=00; s=00", "v=vouchgen10; g=1" };
	for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++)
		assert_int_equal(gen_publish_judge(key, junk[i], strlen(junk[i]), 50, held, 100,
		                     &ng, got, why, sizeof(why)),
		    GEN_PUBLISH_SYNTAX);
	EVP_PKEY_free(key);
	EVP_PKEY_free(thief);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_judge),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
