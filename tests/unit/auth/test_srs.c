/*
 * Unit tests for SRS (srs.c, srs_keys.c): vectors in postsrsd's format,
 * reversal, expiry at its boundaries and across the 1024-day wrap, case
 * changes on the way back, both base64 alphabets, key rotation, and the
 * key file.
 *
 * The vectors were computed from the algorithm (HMAC-SHA1 over the
 * lower-cased parts, base64, the first 4 characters; the day number in
 * base32) by a separate Python implementation, which also reproduces the
 * vector in postsrsd's own unit test (tests/unit/test_srs2.c there: key
 * "tops3cr3t" at 1577836860 gives SRS0=vmyz=2W=otherdomain.com=test@
 * example.com). tests/integration/test_srs.py checks against postsrsd
 * itself.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth/srs.h"

#define T0 1577836860LL /* 2020-01-01 00:01:00 UTC: day 18262, stamp "2W" */
#define DAY 86400LL

static struct srs_keys *
keys1(const char *k)
{
	const char *v[] = { k };
	return srs_keys_new(v, 1);
}

static void
opts(struct srs_options *o, const char *domain)
{
	srs_options_default(o);
	o->domain = domain;
}

struct vec {
	const char *sender, *domain;
	char sep;
	int classic;
	const char *want;
};

static const struct vec vectors[] = {
	{ "test@otherdomain.com", "example.com", '=', 0,
	    "SRS0=vmyz=2W=otherdomain.com=test@example.com" },
	/* the hash is over lower case; the address keeps its case */
	{ "Alice.Smith@Example.ORG", "srs.example", '=', 0,
	    "SRS0=2xyD=2W=Example.ORG=Alice.Smith@srs.example" },
	/* another forwarder's SRS0 becomes SRS1 naming that forwarder */
	{ "SRS0=vmyz=2W=otherdomain.com=test@example.com", "fwd2.example", '=', 0,
	    "SRS1=JO9m=example.com==vmyz=2W=otherdomain.com=test@fwd2.example" },
	/* an SRS1 keeps its first forwarder and is signed again */
	{ "SRS1=abcd=first.example==HHHH=TT=orig.example=user@second.example", "third.example", '=',
	    0, "SRS1=z4TA=first.example==HHHH=TT=orig.example=user@third.example" },
	/* the separator after the tag */
	{ "bob+tag@example.net", "srs.example", '+', 0,
	    "SRS0+FfYp=2W=example.net=bob+tag@srs.example" },
	{ "bob+tag@example.net", "srs.example", '-', 0,
	    "SRS0-FfYp=2W=example.net=bob+tag@srs.example" },
	/* base64url (postsrsd >= 2.2.6) and base64 (libsrs2, postsrsd 1.x) */
	{ "user11@example.net", "srs.example", '=', 0,
	    "SRS0=HxM-=2W=example.net=user11@srs.example" },
	{ "user11@example.net", "srs.example", '=', 1,
	    "SRS0=HxM+=2W=example.net=user11@srs.example" },
	{ "user15@example.net", "srs.example", '=', 0,
	    "SRS0=_ZMl=2W=example.net=user15@srs.example" },
	{ "user15@example.net", "srs.example", '=', 1,
	    "SRS0=/ZMl=2W=example.net=user15@srs.example" },
};

static void
test_vectors(void **state)
{
	struct srs_keys *k = keys1("tops3cr3t");
	struct srs_options o;
	char out[SRS_ADDR_MAX + 1];

	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		const struct vec *v = &vectors[i];
		opts(&o, v->domain);
		o.separator = v->sep;
		o.classic_base64 = v->classic;
		enum srs_status st = srs_forward(k, &o, v->sender, T0, out, sizeof(out));
		if (st != SRS_OK || strcmp(out, v->want) != 0)
			fail_msg(
			    "%s: %s '%s', want '%s'", v->sender, srs_status_name(st), out, v->want);
	}
	/* a longer hash: the first 20 characters of the same base64 */
	opts(&o, "srs.example");
	o.hash_length = 20;
	assert_int_equal(srs_forward(k, &o, "user3@example.net", T0, out, sizeof(out)), SRS_OK);
	assert_string_equal(out, "SRS0=i7vPYsSBx4FLDUF3CwYi=2W=example.net=user3@srs.example");
	srs_keys_free(k);
}

static void
test_reverse(void **state)
{
	struct srs_keys *k = keys1("tops3cr3t");
	struct srs_options o;
	char out[SRS_ADDR_MAX + 1];

	opts(&o, "example.com");
	/* postsrsd's own reversal vector */
	assert_int_equal(srs_reverse(k, &o, "SRS0=vmyz=2W=otherdomain.com=test@example.com", T0,
	                     out, sizeof(out)),
	    SRS_OK);
	assert_string_equal(out, "test@otherdomain.com");
	/* every forward vector reverses (SRS1 to the first forwarder's SRS0) */
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		const struct vec *v = &vectors[i];
		assert_int_equal(srs_reverse(k, &o, v->want, T0 + DAY, out, sizeof(out)), SRS_OK);
		if (strncmp(v->sender, "SRS1", 4) == 0)
			assert_string_equal(out, "SRS0=HHHH=TT=orig.example=user@first.example");
		else if (strncmp(v->sender, "SRS0", 4) == 0)
			assert_string_equal(out, v->sender);
		else
			assert_string_equal(out, v->sender);
	}
	/* not SRS: nothing to undo */
	assert_int_equal(
	    srs_reverse(k, &o, "alice@example.com", T0, out, sizeof(out)), SRS_NOT_SRS);
	assert_int_equal(srs_reverse(k, &o, "SRS2=x=y=z@a", T0, out, sizeof(out)), SRS_NOT_SRS);
	assert_int_equal(srs_reverse(k, &o, "SRS0", T0, out, sizeof(out)), SRS_NOT_SRS);
	assert_int_equal(srs_reverse(k, &o, "SRS0x", T0, out, sizeof(out)), SRS_NOT_SRS);
	assert_string_equal(out, "");
	srs_keys_free(k);
}

static void
test_case_and_alphabets(void **state)
{
	struct srs_keys *k = keys1("tops3cr3t");
	struct srs_options o;
	char out[SRS_ADDR_MAX + 1];

	opts(&o, "example.com");
	/* an MTA that lowers or raises the case of the whole address */
	assert_int_equal(srs_reverse(k, &o, "srs0=vmyz=2w=otherdomain.com=test@example.com", T0,
	                     out, sizeof(out)),
	    SRS_OK);
	assert_string_equal(out, "test@otherdomain.com");
	assert_int_equal(srs_reverse(k, &o, "SRS0=VMYZ=2W=OTHERDOMAIN.COM=TEST@EXAMPLE.COM", T0,
	                     out, sizeof(out)),
	    SRS_OK);
	assert_string_equal(out, "TEST@OTHERDOMAIN.COM");
	/* '+' and '-', '/' and '_' are the same hash character */
	opts(&o, "srs.example");
	assert_int_equal(
	    srs_reverse(k, &o, "SRS0=HxM+=2W=example.net=user11@srs.example", T0, out, sizeof(out)),
	    SRS_OK);
	assert_int_equal(
	    srs_reverse(k, &o, "SRS0=HxM-=2W=example.net=user11@srs.example", T0, out, sizeof(out)),
	    SRS_OK);
	assert_int_equal(
	    srs_reverse(k, &o, "SRS0=/ZMl=2W=example.net=user15@srs.example", T0, out, sizeof(out)),
	    SRS_OK);
	assert_int_equal(
	    srs_reverse(k, &o, "SRS0=HxM_=2W=example.net=user11@srs.example", T0, out, sizeof(out)),
	    SRS_E_HASH);
	/* a changed user, host or stamp breaks the hash */
	assert_int_equal(
	    srs_reverse(k, &o, "SRS0=HxM-=2W=example.net=user12@srs.example", T0, out, sizeof(out)),
	    SRS_E_HASH);
	assert_int_equal(
	    srs_reverse(k, &o, "SRS0=HxM-=2W=example.org=user11@srs.example", T0, out, sizeof(out)),
	    SRS_E_HASH);
	assert_int_equal(
	    srs_reverse(k, &o, "SRS0=HxM-=2V=example.net=user11@srs.example", T0, out, sizeof(out)),
	    SRS_E_HASH);
	/* hash length: longer given hashes count up to hash_length; shorter
	 * than hash_min is refused */
	assert_int_equal(srs_reverse(k, &o, "SRS0=HxM-zz=2W=example.net=user11@srs.example", T0,
	                     out, sizeof(out)),
	    SRS_OK);
	assert_int_equal(
	    srs_reverse(k, &o, "SRS0=HxM=2W=example.net=user11@srs.example", T0, out, sizeof(out)),
	    SRS_E_HASH_SHORT);
	o.hash_min = 3;
	assert_int_equal(
	    srs_reverse(k, &o, "SRS0=HxM=2W=example.net=user11@srs.example", T0, out, sizeof(out)),
	    SRS_OK);
	assert_int_equal(
	    srs_reverse(k, &o, "SRS0=Hx!=2W=example.net=user11@srs.example", T0, out, sizeof(out)),
	    SRS_E_HASH);
	srs_keys_free(k);
}

static void
test_expiry(void **state)
{
	struct srs_keys *k = keys1("tops3cr3t");
	struct srs_options o;
	char fwd[SRS_ADDR_MAX + 1], out[SRS_ADDR_MAX + 1];
	/* the start of a day */
	int64_t d0 = (T0 / DAY) * DAY;

	opts(&o, "srs.example");
	assert_int_equal(
	    srs_forward(k, &o, "a@example.net", d0 + DAY - 1, fwd, sizeof(fwd)), SRS_OK);
	/* valid through day +21, expired on day +22 (max_age 21, postsrsd's) */
	assert_int_equal(srs_reverse(k, &o, fwd, d0, out, sizeof(out)), SRS_OK);
	assert_int_equal(
	    srs_reverse(k, &o, fwd, d0 + 21 * DAY + DAY - 1, out, sizeof(out)), SRS_OK);
	assert_int_equal(srs_reverse(k, &o, fwd, d0 + 22 * DAY, out, sizeof(out)), SRS_E_EXPIRED);
	o.max_age = 30;
	assert_int_equal(srs_reverse(k, &o, fwd, d0 + 22 * DAY, out, sizeof(out)), SRS_OK);
	o.max_age = 21;
	/* a stamp from tomorrow reads as 1023 days old */
	assert_int_equal(srs_reverse(k, &o, fwd, d0 - DAY, out, sizeof(out)), SRS_E_EXPIRED);
	/* across the wrap: stamped on day 1023 of a cycle, read 5 days later */
	int64_t wrap = (int64_t)((T0 / DAY / 1024) * 1024 + 1023) * DAY;
	assert_int_equal(srs_forward(k, &o, "a@example.net", wrap, fwd, sizeof(fwd)), SRS_OK);
	assert_non_null(strstr(fwd, "=77="));
	assert_int_equal(srs_reverse(k, &o, fwd, wrap + 5 * DAY, out, sizeof(out)), SRS_OK);
	assert_int_equal(srs_reverse(k, &o, fwd, wrap + 22 * DAY, out, sizeof(out)), SRS_E_EXPIRED);
	/* 1024 days later the same stamp is valid again (the format's limit) */
	assert_int_equal(srs_reverse(k, &o, fwd, wrap + 1024 * DAY, out, sizeof(out)), SRS_OK);
	/* bad stamps */
	assert_int_equal(
	    srs_reverse(k, &o, "SRS0=abcd=2=example.net=a@srs.example", T0, out, sizeof(out)),
	    SRS_E_EXPIRED);
	assert_int_equal(
	    srs_reverse(k, &o, "SRS0=abcd=2!=example.net=a@srs.example", T0, out, sizeof(out)),
	    SRS_E_STAMP);
	assert_int_equal(
	    srs_reverse(k, &o, "SRS0=abcd=21=example.net=a@srs.example", T0, out, sizeof(out)),
	    SRS_E_STAMP);
	/* SRS1 carries no stamp of its own */
	assert_int_equal(
	    srs_forward(k, &o, "SRS0=HHHH=TT=orig.example=u@fwd.example", T0, fwd, sizeof(fwd)),
	    SRS_OK);
	assert_int_equal(srs_reverse(k, &o, fwd, T0 + 900 * DAY, out, sizeof(out)), SRS_OK);
	srs_keys_free(k);
}

static void
test_rotation(void **state)
{
	const char *old1[] = { "old-key" };
	const char *both[] = { "new-key", "old-key" };
	struct srs_keys *ko = srs_keys_new(old1, 1), *kb = srs_keys_new(both, 2);
	struct srs_keys *kn = keys1("new-key");
	struct srs_options o;
	char a[SRS_ADDR_MAX + 1], b[SRS_ADDR_MAX + 1], out[SRS_ADDR_MAX + 1];

	opts(&o, "srs.example");
	assert_int_equal(srs_keys_count(kb), 2);
	assert_int_equal(srs_forward(ko, &o, "a@example.net", T0, a, sizeof(a)), SRS_OK);
	assert_int_equal(srs_forward(kb, &o, "a@example.net", T0, b, sizeof(b)), SRS_OK);
	/* the first key signs: the rotated set writes what the new key alone writes */
	assert_int_equal(srs_reverse(kn, &o, b, T0, out, sizeof(out)), SRS_OK);
	assert_string_not_equal(a, b);
	/* every key verifies: addresses made before the rotation still come back */
	assert_int_equal(srs_reverse(kb, &o, a, T0, out, sizeof(out)), SRS_OK);
	assert_string_equal(out, "a@example.net");
	/* ... until the old key is dropped */
	assert_int_equal(srs_reverse(kn, &o, a, T0, out, sizeof(out)), SRS_E_HASH);
	srs_keys_free(ko);
	srs_keys_free(kb);
	srs_keys_free(kn);
}

static void
test_forward_rules(void **state)
{
	struct srs_keys *k = keys1("tops3cr3t");
	struct srs_options o;
	char out[SRS_ADDR_MAX + 1];
	char big[SRS_ADDR_MAX + 10];

	opts(&o, "srs.example");
	/* senders of the SRS domain are left as they are (any case) */
	assert_int_equal(
	    srs_forward(k, &o, "bob@SRS.example", T0, out, sizeof(out)), SRS_UNCHANGED);
	assert_string_equal(out, "bob@SRS.example");
	o.always_rewrite = 1;
	assert_int_equal(srs_forward(k, &o, "bob@srs.example", T0, out, sizeof(out)), SRS_OK);
	assert_int_equal(strncmp(out, "SRS0=", 5), 0);
	o.always_rewrite = 0;
	/* not local@domain */
	assert_int_equal(srs_forward(k, &o, "bob", T0, out, sizeof(out)), SRS_E_SYNTAX);
	assert_int_equal(srs_forward(k, &o, "@example.net", T0, out, sizeof(out)), SRS_E_SYNTAX);
	assert_int_equal(srs_forward(k, &o, "bob@", T0, out, sizeof(out)), SRS_E_SYNTAX);
	assert_int_equal(srs_forward(k, &o, "", T0, out, sizeof(out)), SRS_E_SYNTAX);
	/* a domain that would not survive the trip: "=" is the field separator
	 * (found by fuzz_srs_addr: the SRS0 of "a@x=y" did not reverse), literals, empty labels */
	assert_int_equal(srs_forward(k, &o, "a@ex=ample.net", T0, out, sizeof(out)), SRS_E_SYNTAX);
	assert_string_equal(out, "");
	assert_int_equal(srs_forward(k, &o, "a@[192.0.2.1]", T0, out, sizeof(out)), SRS_E_SYNTAX);
	assert_int_equal(srs_forward(k, &o, "a@.example.net", T0, out, sizeof(out)), SRS_E_SYNTAX);
	assert_int_equal(srs_forward(k, &o, "a@b@example.net", T0, out, sizeof(out)), SRS_E_SYNTAX);
	assert_int_equal(srs_forward(k, &o, "a@exa+mple.net", T0, out, sizeof(out)), SRS_E_SYNTAX);
	/* underscores and UTF-8 (RFC 6531) pass */
	assert_int_equal(
	    srs_forward(k, &o, "a@x_y.ex\xc3\xa4mple.net", T0, out, sizeof(out)), SRS_OK);
	/* local parts an SRS local part cannot carry */
	assert_int_equal(
	    srs_forward(k, &o, "\"a b\"@example.net", T0, out, sizeof(out)), SRS_E_UNSUPPORTED);
	assert_int_equal(
	    srs_forward(k, &o, "\"a@b\"@example.net", T0, out, sizeof(out)), SRS_E_UNSUPPORTED);
	assert_string_equal(out, "");
	/* a malformed SRS1 is not passed on */
	assert_int_equal(
	    srs_forward(k, &o, "SRS1=abcd@example.net", T0, out, sizeof(out)), SRS_E_SYNTAX);
	assert_int_equal(
	    srs_forward(k, &o, "SRS1=@example.net", T0, out, sizeof(out)), SRS_E_SYNTAX);
	/* "SRS0" without a separator is an ordinary local part */
	assert_int_equal(srs_forward(k, &o, "SRS0@example.net", T0, out, sizeof(out)), SRS_OK);
	assert_int_equal(strncmp(out, "SRS0=", 5), 0);
	/* bounded output */
	assert_int_equal(srs_forward(k, &o, "a@example.net", T0, out, 20), SRS_E_TOO_LONG);
	assert_string_equal(out, "");
	memset(big, 'a', sizeof(big));
	memcpy(big + sizeof(big) - 14, "@example.net", 13);
	assert_int_equal(srs_forward(k, &o, big, T0, out, sizeof(out)), SRS_E_TOO_LONG);
	memset(big, 'a', 480);
	memcpy(big + 480, "@example.net", 13);
	assert_int_equal(srs_forward(k, &o, big, T0, out, sizeof(out)), SRS_E_TOO_LONG);
	/* configuration */
	assert_int_equal(
	    srs_forward(NULL, &o, "a@example.net", T0, out, sizeof(out)), SRS_E_CONFIG);
	struct srs_keys *none = srs_keys_new(NULL, 0);
	assert_int_equal(
	    srs_forward(none, &o, "a@example.net", T0, out, sizeof(out)), SRS_E_CONFIG);
	assert_int_equal(
	    srs_reverse(none, &o, vectors[0].want, T0, out, sizeof(out)), SRS_E_CONFIG);
	srs_keys_free(none);
	o.domain = NULL;
	assert_int_equal(srs_forward(k, &o, "a@example.net", T0, out, sizeof(out)), SRS_E_CONFIG);
	srs_keys_free(k);
}

static void
test_options(void **state)
{
	struct srs_options o;
	char err[200];

	opts(&o, "srs.example");
	assert_int_equal(srs_options_check(&o, err, sizeof(err)), 0);
	o.separator = '#';
	assert_int_equal(srs_options_check(&o, err, sizeof(err)), -1);
	opts(&o, "srs.example");
	o.hash_length = 21;
	assert_int_equal(srs_options_check(&o, err, sizeof(err)), -1);
	opts(&o, "srs.example");
	o.hash_min = 5;
	assert_int_equal(srs_options_check(&o, err, sizeof(err)), -1);
	opts(&o, "srs.example");
	o.max_age = 0;
	assert_int_equal(srs_options_check(&o, err, sizeof(err)), -1);
	opts(&o, "a@srs.example");
	assert_int_equal(srs_options_check(&o, err, sizeof(err)), -1);
	opts(&o, "");
	assert_int_equal(srs_options_check(&o, err, sizeof(err)), -1);
}

static void
test_parse(void **state)
{
	struct srs_addr a;
	const char *s = "SRS0+HHHH=TT=host.example=us=er@srs.example";

	assert_int_equal(srs_parse(s, strlen(s), &a), SRS_OK);
	assert_int_equal(a.srs1, 0);
	assert_int_equal(a.separator, '+');
	assert_int_equal(a.hash_len, 4);
	assert_memory_equal(a.stamp, "TT", 2);
	assert_int_equal(a.host_len, 12);
	assert_int_equal(a.user_len, 5);
	assert_memory_equal(a.user, "us=er", 5);
	assert_int_equal(a.domain_len, 11);
	s = "srs1=GGGG=fwd.example==HHHH=TT=h=u";
	assert_int_equal(srs_parse(s, strlen(s), &a), SRS_OK);
	assert_int_equal(a.srs1, 1);
	assert_null(a.stamp);
	assert_memory_equal(a.host, "fwd.example", 11);
	assert_memory_equal(a.user, "=HHHH=TT=h=u", 12);
	assert_int_equal(a.domain_len, 0);
	static const char *const bad[] = {
		"SRS0=",
		"SRS0=HHHH",
		"SRS0=HHHH=TT",
		"SRS0=HHHH=TT=host",
		"SRS0=HHHH=TT=host=",
		"SRS0=HHHH=TT==user",
		"SRS1=GGGG=host=",
		"SRS1=GGGG==rest",
		"SRS1=GGGG",
		"SRS0=HHHH=TT=host@x=user",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (srs_parse(bad[i], strlen(bad[i]), &a) != SRS_E_SYNTAX)
			fail_msg("'%s' parsed", bad[i]);
	assert_int_equal(srs_parse("alice@example.com", 17, &a), SRS_NOT_SRS);
}

static char *
write_file(const char *text, size_t len, mode_t mode)
{
	static char path[64];
	int fd;

	snprintf(path, sizeof(path), "/tmp/vouch-srs-test-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
	return path;
}

static void
test_key_file(void **state)
{
	char err[300];
	struct srs_keys *k, *m;
	struct srs_options o;
	char a[SRS_ADDR_MAX + 1], b[SRS_ADDR_MAX + 1];
	char *path;

	opts(&o, "srs.example");
	/* lines cut at CR or LF, empty lines skipped; the first signs */
	static const char text[] = "\r\nnew-key\r\n\nold-key\nthird\r";
	path = write_file(text, sizeof(text) - 1, 0600);
	k = srs_keys_load(path, err, sizeof(err));
	assert_non_null(k);
	assert_int_equal(srs_keys_count(k), 3);
	m = keys1("new-key");
	assert_int_equal(srs_forward(k, &o, "a@example.net", T0, a, sizeof(a)), SRS_OK);
	assert_int_equal(srs_forward(m, &o, "a@example.net", T0, b, sizeof(b)), SRS_OK);
	assert_string_equal(a, b);
	srs_keys_free(k);
	srs_keys_free(m);
	unlink(path);
	/* a file others may read is refused */
	path = write_file("key\n", 4, 0644);
	assert_null(srs_keys_load(path, err, sizeof(err)));
	assert_non_null(strstr(err, "chmod o-rw"));
	unlink(path);
	/* group-readable is fine (root:vouch 0640) */
	path = write_file("key\n", 4, 0640);
	k = srs_keys_load(path, err, sizeof(err));
	assert_non_null(k);
	srs_keys_free(k);
	unlink(path);
	/* no key, a NUL, a line too long, too many keys */
	path = write_file("\n\r\n\n", 4, 0600);
	assert_null(srs_keys_load(path, err, sizeof(err)));
	assert_non_null(strstr(err, "no key"));
	unlink(path);
	path = write_file("ke\0y\n", 5, 0600);
	assert_null(srs_keys_load(path, err, sizeof(err)));
	unlink(path);
	char longk[SRS_KEY_MAX + 3];
	memset(longk, 'k', sizeof(longk));
	longk[SRS_KEY_MAX + 2] = '\n';
	path = write_file(longk, sizeof(longk), 0600);
	assert_null(srs_keys_load(path, err, sizeof(err)));
	unlink(path);
	char many[SRS_KEYS_MAX * 4 + 8];
	size_t n = 0;
	for (int i = 0; i <= SRS_KEYS_MAX; i++)
		n += (size_t)snprintf(many + n, sizeof(many) - n, "k%d\n", i % 10);
	path = write_file(many, n, 0600);
	assert_null(srs_keys_load(path, err, sizeof(err)));
	unlink(path);
	assert_null(srs_keys_load("/nonexistent/srs.key", err, sizeof(err)));
	assert_null(srs_keys_load("/tmp", err, sizeof(err)));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_reverse),
		cmocka_unit_test(test_case_and_alphabets),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_rotation),
		cmocka_unit_test(test_forward_rules),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_key_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
