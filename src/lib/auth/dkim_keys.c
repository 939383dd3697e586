/*
 * dkim_keys: the signing keyring (see dkim_keys.h).
 */
#include "auth/dkim_keys.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth/dkim_crypt.h"
#include "util/str.h"
#include "util/xmalloc.h"

#define KEY_FILE_MAX (64 * 1024)

struct dkim_keyring {
	struct dkim_signkey *k;
	size_t n;
};

struct dkim_keyring *
dkim_keyring_new(void)
{
	return xcalloc(1, sizeof(struct dkim_keyring));
}

void
dkim_keyring_free(struct dkim_keyring *kr)
{
	if (kr == NULL)
		return;
	for (size_t i = 0; i < kr->n; i++)
		EVP_PKEY_free(kr->k[i].pkey);
	free(kr->k);
	free(kr);
}

/* A domain or selector word: what a key name may be made of. */
int
dkim_keyring_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > DKIM_DOMAIN_MAX || s[0] == '.' || s[n - 1] == '.' || strstr(s, ".."))
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		        c == '-' || c == '_' || c == '.'))
			return 0;
	}
	return 1;
}

int
dkim_keyring_add_text(struct dkim_keyring *kr, const char *domain, const char *selector,
    const char *text, size_t len, char *err, size_t errsz)
{
	struct dkim_signkey key;
	char why[200];

	if (!dkim_keyring_name_ok(domain) || !dkim_keyring_name_ok(selector)) {
		str_fmt(err, errsz, "not a domain and selector: %.60s %.60s", domain, selector);
		return -1;
	}
	memset(&key, 0, sizeof(key));
	str_copy(key.domain, sizeof(key.domain), domain);
	str_copy(key.selector, sizeof(key.selector), selector);
	str_lower(key.domain);
	str_lower(key.selector);
	if (dkim_keyring_get(kr, key.domain, key.selector)) {
		str_fmt(err, errsz, "%s._domainkey.%s is listed twice", key.selector, key.domain);
		return -1;
	}
	key.pkey = dkim_crypt_private(text, len, &key.alg, why, sizeof(why));
	if (key.pkey == NULL) {
		str_fmt(err, errsz, "%s._domainkey.%s: %s", selector, domain, why);
		return -1;
	}
	kr->k = xrealloc(kr->k, (kr->n + 1) * sizeof(*kr->k));
	kr->k[kr->n++] = key;
	return 0;
}

int
dkim_key_file_read(const char *path, char **text, size_t *len, char *err, size_t errsz)
{
	struct stat st;
	char *buf;
	ssize_t r;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0) {
		str_fmt(err, errsz, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > KEY_FILE_MAX) {
		str_fmt(err, errsz, "%s: not a key file (a regular file under 64 KiB)", path);
		close(fd);
		return -1;
	}
	/* a private key nobody else may read */
	if (st.st_mode & (S_IROTH | S_IWOTH | S_IWGRP)) {
		str_fmt(err, errsz, "%s: readable or writable by other users (chmod 600)", path);
		close(fd);
		return -1;
	}
	buf = xmalloc((size_t)st.st_size + 1);
	while (got < (size_t)st.st_size) {
		r = read(fd, buf + got, (size_t)st.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			/* an I/O error, or the file shrank while we read it: a
			 * truncated key must not load as a shorter, different one */
			str_fmt(err, errsz, "%s: %s", path,
			    r < 0 ? strerror(errno) : "changed while being read");
			OPENSSL_cleanse(buf, got);
			free(buf);
			close(fd);
			return -1;
		}
		got += (size_t)r;
	}
	close(fd);
	buf[got] = '\0';
	*text = buf;
	*len = got;
	return 0;
}

int
dkim_keyring_load(struct dkim_keyring *kr, const char *dir, const char *domain,
    const char *selector, char *err, size_t errsz)
{
	char path[4096];
	char *text;
	size_t len;
	int rc;

	if (!dkim_keyring_name_ok(domain) || !dkim_keyring_name_ok(selector)) {
		str_fmt(err, errsz, "not a domain and selector: %.60s %.60s", domain, selector);
		return -1;
	}
	if (str_fmt(path, sizeof(path), "%s/%s/%s.key", dir, domain, selector)) {
		str_fmt(err, errsz, "key path too long");
		return -1;
	}
	if (dkim_key_file_read(path, &text, &len, err, errsz) < 0)
		return -1;
	rc = dkim_keyring_add_text(kr, domain, selector, text, len, err, errsz);
	OPENSSL_cleanse(text, len);
	free(text);
	return rc;
}

size_t
dkim_keyring_find(
    const struct dkim_keyring *kr, const char *domain, const struct dkim_signkey **out, size_t max)
{
	const char *d = domain;

	while (d && *d) {
		size_t n = 0;
		for (size_t i = 0; i < kr->n && n < max; i++)
			if (strcasecmp(kr->k[i].domain, d) == 0)
				out[n++] = &kr->k[i];
		if (n)
			return n;
		d = strchr(d, '.');
		if (d)
			d++;
		/* never up to a top-level domain alone */
		if (d && strchr(d, '.') == NULL)
			break;
	}
	return 0;
}

size_t
dkim_keyring_count(const struct dkim_keyring *kr)
{
	return kr->n;
}

const struct dkim_signkey *
dkim_keyring_key(const struct dkim_keyring *kr, size_t i)
{
	return i < kr->n ? &kr->k[i] : NULL;
}

const struct dkim_signkey *
dkim_keyring_get(const struct dkim_keyring *kr, const char *domain, const char *selector)
{
	for (size_t i = 0; i < kr->n; i++)
		if (strcasecmp(kr->k[i].domain, domain) == 0 &&
		    strcasecmp(kr->k[i].selector, selector) == 0)
			return &kr->k[i];
	return NULL;
}
