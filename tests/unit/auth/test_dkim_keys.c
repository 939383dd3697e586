/*
 * Unit tests for the signing keyring (dkim_keys.c) and the private key
 * readers (dkim_crypt.c): key files in DIR/DOMAIN/SELECTOR.key, refused
 * when other users may read them; PEM (PKCS#8 and PKCS#1) and RFC 8463's
 * raw Ed25519 seed; names a key may have; which keys sign a domain (its
 * own, else its nearest parent's, never a top-level domain's); and the
 * DOMAIN:SELECTOR entries of the configuration.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth/dkim_config.h"
#include "auth/dkim_crypt.h"
#include "auth/dkim_keys.h"

/* RFC 8463 A.2's Ed25519 private key (the seed, base64). */
#define RFC8463_SEED "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A="

static char dir[64];

static void
write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static char *
pem_of(EVP_PKEY *k, int pkcs1)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p, *out;
	long n;

	if (pkcs1)
		assert_int_equal(
		    PEM_write_bio_PrivateKey_traditional(b, k, NULL, NULL, 0, NULL, NULL), 1);
	else
		assert_int_equal(PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL), 1);
	n = BIO_get_mem_data(b, &p);
	out = strndup(p, (size_t)n);
	BIO_free(b);
	return out;
}

static int
setup(void **state)
{
	char path[256];

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/vouch-dkimkeys-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/example.com", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/sub.example.com", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static void
test_load(void **state)
{
	EVP_PKEY *rsa = dkim_crypt_keygen(DKIM_KEY_RSA, 1024);
	EVP_PKEY *ed = dkim_crypt_keygen(DKIM_KEY_ED25519, 0);
	char *p8 = pem_of(rsa, 0), *p1 = pem_of(rsa, 1), *ped = pem_of(ed, 0);
	struct dkim_keyring *kr = dkim_keyring_new();
	char path[256], err[600];

	(void)state;
	snprintf(path, sizeof(path), "%s/example.com/rsa.key", dir);
	write_file(path, p8, 0600);
	snprintf(path, sizeof(path), "%s/example.com/pkcs1.key", dir);
	write_file(path, p1, 0640); /* vouchd's group may read */
	snprintf(path, sizeof(path), "%s/example.com/ed.key", dir);
	write_file(path, ped, 0600);
	snprintf(path, sizeof(path), "%s/example.com/seed.key", dir);
	write_file(path, RFC8463_SEED "\n", 0600);
	snprintf(path, sizeof(path), "%s/example.com/open.key", dir);
	write_file(path, p8, 0644);
	snprintf(path, sizeof(path), "%s/example.com/junk.key", dir);
	write_file(path, "not a key\n", 0600);

	assert_int_equal(dkim_keyring_load(kr, dir, "example.com", "rsa", err, sizeof(err)), 0);
	assert_int_equal(dkim_keyring_load(kr, dir, "Example.COM", "PKCS1", err, sizeof(err)), -1);
	/* the file name is lower case; upper case names are a different file */
	assert_int_equal(dkim_keyring_load(kr, dir, "example.com", "pkcs1", err, sizeof(err)), 0);
	assert_int_equal(dkim_keyring_load(kr, dir, "example.com", "ed", err, sizeof(err)), 0);
	assert_int_equal(dkim_keyring_load(kr, dir, "example.com", "seed", err, sizeof(err)), 0);
	assert_int_equal(dkim_keyring_count(kr), 4);
	assert_int_equal(dkim_keyring_get(kr, "example.com", "rsa")->alg, DKIM_ALG_RSA_SHA256);
	assert_int_equal(dkim_keyring_get(kr, "EXAMPLE.com", "Ed")->alg, DKIM_ALG_ED25519_SHA256);
	assert_int_equal(EVP_PKEY_eq(dkim_keyring_get(kr, "example.com", "rsa")->pkey,
	                     dkim_keyring_get(kr, "example.com", "pkcs1")->pkey),
	    1);
	/* the seed is RFC 8463's key: its public half is A.2's record */
	struct strbuf rec;
	strbuf_init(&rec, 1024);
	assert_int_equal(
	    dkim_crypt_public_record(dkim_keyring_get(kr, "example.com", "seed")->pkey, &rec), 0);
	assert_string_equal(
	    rec.s, "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
	strbuf_free(&rec);

	/* refused: world-readable, not a key, missing, listed twice, bad names */
	assert_int_equal(dkim_keyring_load(kr, dir, "example.com", "open", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "chmod 600"));
	assert_int_equal(dkim_keyring_load(kr, dir, "example.com", "junk", err, sizeof(err)), -1);
	assert_int_equal(dkim_keyring_load(kr, dir, "example.com", "none", err, sizeof(err)), -1);
	assert_int_equal(dkim_keyring_load(kr, dir, "example.com", "rsa", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "twice"));
	assert_int_equal(dkim_keyring_load(kr, dir, "../etc", "passwd", err, sizeof(err)), -1);
	assert_int_equal(dkim_keyring_load(kr, dir, "example.com", "a/b", err, sizeof(err)), -1);
	assert_int_equal(dkim_keyring_count(kr), 4);

	dkim_keyring_free(kr);
	dkim_keyring_free(NULL);
	free(p8);
	free(p1);
	free(ped);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(ed);
}

static void
test_names(void **state)
{
	static const struct {
		const char *s;
		int ok;
	} cases[] = {
		{ "example.com", 1 },
		{ "sel-2024_a", 1 },
		{ "a", 1 },
		{ "", 0 },
		{ ".example.com", 0 },
		{ "example.com.", 0 },
		{ "a..b", 0 },
		{ "a/b", 0 },
		{ "a b", 0 },
		{ "a:b", 0 },
		{ "caf\xc3\xa9", 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (dkim_keyring_name_ok(cases[i].s) != cases[i].ok)
			fail_msg("\"%s\": want %d", cases[i].s, cases[i].ok);
}

static void
test_find(void **state)
{
	struct dkim_keyring *kr = dkim_keyring_new();
	const struct dkim_signkey *out[4];
	char err[200];
	EVP_PKEY *k = dkim_crypt_keygen(DKIM_KEY_ED25519, 0);
	char *pem = pem_of(k, 0);

	(void)state;
	assert_int_equal(
	    dkim_keyring_add_text(kr, "example.com", "a", pem, strlen(pem), err, sizeof(err)), 0);
	assert_int_equal(dkim_keyring_add_text(kr, "example.com", "b", RFC8463_SEED,
	                     strlen(RFC8463_SEED), err, sizeof(err)),
	    0);
	assert_int_equal(
	    dkim_keyring_add_text(kr, "other.example.com", "c", pem, strlen(pem), err, sizeof(err)),
	    0);
	assert_int_equal(
	    dkim_keyring_add_text(kr, "example.com", "bad", "xx", 2, err, sizeof(err)), -1);
	/* its own keys: both (dual signing) */
	assert_int_equal(dkim_keyring_find(kr, "example.com", out, 4), 2);
	assert_int_equal(dkim_keyring_find(kr, "example.com", out, 1), 1);
	/* a subdomain without keys: the parent's (relaxed alignment) */
	assert_int_equal(dkim_keyring_find(kr, "mail.dept.example.com", out, 4), 2);
	assert_string_equal(out[0]->domain, "example.com");
	/* a subdomain with its own */
	assert_int_equal(dkim_keyring_find(kr, "x.other.example.com", out, 4), 1);
	assert_string_equal(out[0]->selector, "c");
	/* never another domain, never up to the TLD */
	assert_int_equal(dkim_keyring_find(kr, "example.org", out, 4), 0);
	assert_int_equal(dkim_keyring_find(kr, "com", out, 4), 0);
	assert_int_equal(dkim_keyring_find(kr, "notexample.com", out, 4), 0);
	assert_null(dkim_keyring_get(kr, "example.com", "c"));
	assert_null(dkim_keyring_key(kr, 3));
	dkim_keyring_free(kr);
	free(pem);
	EVP_PKEY_free(k);
}

static void
test_private_text(void **state)
{
	enum dkim_alg alg;
	char err[200];

	(void)state;
	EVP_PKEY *k =
	    dkim_crypt_private(RFC8463_SEED, strlen(RFC8463_SEED), &alg, err, sizeof(err));
	assert_non_null(k);
	assert_int_equal(alg, DKIM_ALG_ED25519_SHA256);
	EVP_PKEY_free(k);
	/* not 32 octets, not base64, not PEM */
	assert_null(dkim_crypt_private("dGVzdA==", 8, &alg, err, sizeof(err)));
	assert_null(dkim_crypt_private("!!!!", 4, &alg, err, sizeof(err)));
	assert_null(
	    dkim_crypt_private("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", 58,
	        &alg, err, sizeof(err)));
	assert_null(dkim_crypt_private("", 0, &alg, err, sizeof(err)));
	/* key sizes vouch makes */
	assert_null(dkim_crypt_keygen(DKIM_KEY_RSA, 512));
	assert_null(dkim_crypt_keygen(DKIM_KEY_RSA, 16384));
}

static void
test_config_split(void **state)
{
	char d[64], s[64];

	(void)state;
	assert_int_equal(dkim_config_split("example.com:sel", d, sizeof(d), s, sizeof(s)), 0);
	assert_string_equal(d, "example.com");
	assert_string_equal(s, "sel");
	assert_int_equal(dkim_config_split("example.com", d, sizeof(d), s, sizeof(s)), -1);
	assert_int_equal(dkim_config_split(":sel", d, sizeof(d), s, sizeof(s)), -1);
	assert_int_equal(dkim_config_split("example.com:", d, sizeof(d), s, sizeof(s)), -1);
	assert_int_equal(dkim_config_split("a:b:c", d, sizeof(d), s, sizeof(s)), -1);
	assert_int_equal(dkim_config_split("example.com:sel", d, 4, s, sizeof(s)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_private_text),
		cmocka_unit_test(test_config_split),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
