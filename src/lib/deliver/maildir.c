/*
 * maildir: Maildir writing (see maildir.h).
 */
#include "deliver/maildir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "util/str.h"
#include "util/xmalloc.h"

static atomic_uint maildir_seq;

static int
mkdir_one(const char *path)
{
	return mkdir(path, 0700) < 0 && errno != EEXIST ? -1 : 0;
}

static int
mkdir_parents(const char *path)
{
	char buf[4096];
	size_t n = strlen(path);

	if (n >= sizeof(buf))
		return -1;
	memcpy(buf, path, n + 1);
	for (size_t i = 1; i < n; i++) {
		if (buf[i] == '/') {
			buf[i] = '\0';
			if (mkdir_one(buf) < 0)
				return -1;
			buf[i] = '/';
		}
	}
	return mkdir_one(buf);
}

static char *
folder_path(const char *root, const char *folder)
{
	struct strbuf sb;

	strbuf_init(&sb, 8192);
	if (folder)
		strbuf_printf(&sb, "%s/%s", root, folder);
	else
		strbuf_puts(&sb, root);
	return strbuf_steal(&sb);
}

int
maildir_ensure(const char *root, const char *folder, char *err, size_t errsz)
{
	static const char *const subs[] = { "cur", "new", "tmp" };
	char *dir = folder_path(root, folder);
	char sub[4096];
	int rc = 0;

	if (folder && (folder[0] != '.' || strchr(folder, '/') || strcmp(folder, "..") == 0)) {
		snprintf(err, errsz, "bad Maildir++ folder name '%s'", folder);
		free(dir);
		return -1;
	}
	/* Fast path: tmp/ exists, so the rest does. */
	if (snprintf(sub, sizeof(sub), "%s/tmp", dir) < (int)sizeof(sub) &&
	    access(sub, F_OK) == 0) {
		free(dir);
		return 0;
	}
	if (mkdir_parents(root) < 0 || (folder && mkdir_one(dir) < 0))
		rc = -1;
	for (int i = 0; rc == 0 && i < 3; i++) {
		if (snprintf(sub, sizeof(sub), "%s/%s", dir, subs[i]) >= (int)sizeof(sub) ||
		    mkdir_one(sub) < 0)
			rc = -1;
	}
	if (rc == 0 && folder) {
		/* Dovecot's marker for a Maildir++ subfolder. */
		if (snprintf(sub, sizeof(sub), "%s/maildirfolder", dir) < (int)sizeof(sub)) {
			int fd = open(sub, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
			if (fd >= 0)
				close(fd);
		}
	}
	if (rc < 0)
		snprintf(err, errsz, "cannot create Maildir %s: %s", dir, strerror(errno));
	free(dir);
	return rc;
}

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Copy in from offset off to its end to out; in-kernel when possible. */
static int
copy_body(int in, off_t off, int out)
{
	struct stat st;

	if (fstat(in, &st) < 0)
		return -1;
	while (off < st.st_size) {
		ssize_t n = copy_file_range(in, &off, out, NULL, (size_t)(st.st_size - off), 0);
		if (n > 0)
			continue;
		if (n == 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
			return -1;
		/* No in-kernel copy here: fall back to read and write. */
		char buf[65536];
		for (;;) {
			ssize_t r = pread(in, buf, sizeof(buf), off);
			if (r < 0) {
				if (errno == EINTR)
					continue;
				return -1;
			}
			if (r == 0)
				return 0;
			if (write_all(out, buf, (size_t)r) < 0)
				return -1;
			off += r;
		}
	}
	return 0;
}

int
maildir_write(const char *root, const char *folder, const char *hostname, const char *prefix,
    size_t prefixlen, int body_fd, char **tmp_path, char **new_path, char **new_dir, char *err,
    size_t errsz)
{
	return maildir_write_copy(root, folder, hostname, prefix, prefixlen, NULL, 0, body_fd, 0,
	    tmp_path, new_path, new_dir, err, errsz);
}

int
maildir_write_copy(const char *root, const char *folder, const char *hostname, const char *prefix,
    size_t prefixlen, const char *data, size_t datalen, int body_fd, off_t body_from,
    char **tmp_path, char **new_path, char **new_dir, char *err, size_t errsz)
{
	char host[128], name[256];
	struct timeval tv;
	struct stat st;
	size_t i, o = 0;
	int fd;

	if (maildir_ensure(root, folder, err, errsz) < 0)
		return -1;
	/* The host part may not hold '/' or ':' (Maildir naming rules). */
	for (i = 0; hostname[i] && o < sizeof(host) - 5; i++) {
		char c = hostname[i];
		if (c == '/') {
			memcpy(host + o, "\\057", 4);
			o += 4;
		} else if (c == ':') {
			memcpy(host + o, "\\072", 4);
			o += 4;
		} else {
			host[o++] = c;
		}
	}
	host[o] = '\0';
	gettimeofday(&tv, NULL);
	memset(&st, 0, sizeof(st));
	if (body_fd >= 0 && fstat(body_fd, &st) < 0) {
		snprintf(err, errsz, "cannot stat the queued message: %s", strerror(errno));
		return -1;
	}
	if (st.st_size < body_from)
		st.st_size = body_from;
	snprintf(name, sizeof(name), "%lld.M%06ldP%ldQ%u.%s,S=%lld", (long long)tv.tv_sec,
	    (long)tv.tv_usec, (long)getpid(), atomic_fetch_add(&maildir_seq, 1), host,
	    (long long)(st.st_size - body_from + (off_t)prefixlen + (off_t)datalen));

	char *dir = folder_path(root, folder);
	struct strbuf tp, np, nd;
	strbuf_init(&tp, 8192);
	strbuf_init(&np, 8192);
	strbuf_init(&nd, 8192);
	strbuf_printf(&tp, "%s/tmp/%s", dir, name);
	strbuf_printf(&np, "%s/new/%s", dir, name);
	strbuf_printf(&nd, "%s/new", dir);
	free(dir);

	fd = open(tp.s, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || write_all(fd, prefix, prefixlen) < 0 ||
	    (datalen && write_all(fd, data, datalen) < 0) ||
	    (body_fd >= 0 && copy_body(body_fd, body_from, fd) < 0)) {
		snprintf(err, errsz, "cannot write %s: %s", tp.s, strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(tp.s);
		}
		strbuf_free(&tp);
		strbuf_free(&np);
		strbuf_free(&nd);
		return -1;
	}
	if (close(fd) < 0) {
		snprintf(err, errsz, "cannot write %s: %s", tp.s, strerror(errno));
		unlink(tp.s);
		strbuf_free(&tp);
		strbuf_free(&np);
		strbuf_free(&nd);
		return -1;
	}
	*tmp_path = strbuf_steal(&tp);
	*new_path = strbuf_steal(&np);
	*new_dir = strbuf_steal(&nd);
	return 0;
}
