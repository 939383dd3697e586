/*
 * srs_keys: SRS keys, read from a file the way postsrsd reads its
 * secrets file (see srs.h), kept in memory that is wiped when freed.
 */
#include "auth/srs_keys.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/safefile.h"
#include "util/xmalloc.h"

/* A key file is a few lines; anything much larger is not one. */
#define KEYFILE_MAX 65536

struct srs_keys {
	size_t n;
	size_t len[SRS_KEYS_MAX];
	unsigned char key[SRS_KEYS_MAX][SRS_KEY_MAX];
};

size_t
srs_keys_get(const struct srs_keys *k, size_t i, const unsigned char **key)
{
	*key = k->key[i];
	return k->len[i];
}

size_t
srs_keys_count(const struct srs_keys *k)
{
	return k ? k->n : 0;
}

void
srs_keys_free(struct srs_keys *k)
{
	if (k == NULL)
		return;
	OPENSSL_cleanse(k, sizeof(*k));
	free(k);
}

struct srs_keys *
srs_keys_new(const char *const *keys, size_t n)
{
	struct srs_keys *k = xcalloc(1, sizeof(*k));

	for (size_t i = 0; i < n && k->n < SRS_KEYS_MAX; i++) {
		size_t len = strlen(keys[i]);
		if (len == 0 || len > SRS_KEY_MAX)
			continue;
		memcpy(k->key[k->n], keys[i], len);
		k->len[k->n++] = len;
	}
	return k;
}

/* Split the file's text into keys; 0, or -1 with a reason. */
static int
parse(struct srs_keys *k, const char *path, const char *buf, size_t len, char *err, size_t errsz)
{
	size_t line = 0;

	for (size_t pos = 0; pos < len;) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - buf) : len, klen = 0;

		line++;
		/* postsrsd: the key is the line up to its first CR or LF */
		while (pos + klen < end && buf[pos + klen] != '\r')
			klen++;
		if (memchr(buf + pos, '\0', klen)) {
			snprintf(err, errsz, "%s line %zu: a NUL in the key", path, line);
			return -1;
		}
		if (klen > SRS_KEY_MAX) {
			snprintf(err, errsz, "%s line %zu: a key over %d octets", path, line,
			    SRS_KEY_MAX);
			return -1;
		}
		if (klen > 0) {
			if (k->n == SRS_KEYS_MAX) {
				snprintf(err, errsz, "%s: more than %d keys", path, SRS_KEYS_MAX);
				return -1;
			}
			memcpy(k->key[k->n], buf + pos, klen);
			k->len[k->n++] = klen;
		}
		pos = end + 1;
	}
	if (k->n == 0) {
		snprintf(err, errsz, "%s holds no key", path);
		return -1;
	}
	return 0;
}

struct srs_keys *
srs_keys_load(const char *path, char *err, size_t errsz)
{
	char *buf = NULL;
	struct srs_keys *k = NULL;
	struct stat st;
	ssize_t got = 0;
	size_t len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0) {
		snprintf(err, errsz, "cannot open the SRS key file %s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errsz, "%s is not a regular file", path);
		goto out;
	}
	if (st.st_mode & (S_IROTH | S_IWOTH)) {
		snprintf(err, errsz,
		    "%s may be read or written by anyone: whoever has the key can make this "
		    "server send bounces anywhere (chmod o-rw %s)",
		    path, path);
		goto out;
	}
	if (st.st_size > KEYFILE_MAX) {
		snprintf(err, errsz, "%s is over %d octets: not a key file", path, KEYFILE_MAX);
		goto out;
	}
	buf = xmalloc(KEYFILE_MAX + 1);
	while (len <= KEYFILE_MAX && (got = read(fd, buf + len, KEYFILE_MAX + 1 - len)) > 0)
		len += (size_t)got;
	if (got < 0) {
		snprintf(err, errsz, "cannot read %s: %s", path, strerror(errno));
		goto out;
	}
	if (len > KEYFILE_MAX) {
		snprintf(err, errsz, "%s is over %d octets: not a key file", path, KEYFILE_MAX);
		goto out;
	}
	k = xcalloc(1, sizeof(*k));
	if (parse(k, path, buf, len, err, errsz) < 0) {
		srs_keys_free(k);
		k = NULL;
	}
out:
	if (buf) {
		OPENSSL_cleanse(buf, KEYFILE_MAX + 1);
		free(buf);
	}
	close(fd);
	return k;
}

int
srs_key_random(char *out, size_t outsz)
{
	unsigned char raw[24];

	/* 24 random octets in base64, as Debian's postsrsd makes its secret */
	if (outsz < 33 || RAND_bytes(raw, sizeof(raw)) != 1)
		return -1;
	EVP_EncodeBlock((unsigned char *)out, raw, sizeof(raw));
	OPENSSL_cleanse(raw, sizeof(raw));
	return 0;
}

int
srs_keys_create(const char *path, char *err, size_t errsz)
{
	char key[40], line[48];
	int rc;

	if (srs_key_random(key, sizeof(key)) < 0) {
		snprintf(err, errsz, "%s: no randomness for a new key", path);
		return -1;
	}
	snprintf(line, sizeof(line), "%s\n", key);
	rc = safefile_write(
	    path, line, strlen(line), 0600, (uid_t)-1, (gid_t)-1, (uid_t)-1, err, errsz);
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(line, sizeof(line));
	return rc;
}
