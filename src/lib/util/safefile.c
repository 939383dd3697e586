/*
 * safefile: files written as root without following anyone's traps (see
 * safefile.h).
 */
#include "util/safefile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/str.h"

#define SAFEFILE_LINKS_MAX 40

/* Lexically normalised absolute path: no ".", "..", empty components. */
static int
normalise(const char *in, char *out, size_t outsz)
{
	char cwd[PATH_MAX], tmp[PATH_MAX * 2];
	size_t o = 0;
	const char *p;

	if (in[0] != '/') {
		if (getcwd(cwd, sizeof(cwd)) == NULL ||
		    (size_t)snprintf(tmp, sizeof(tmp), "%s/%s", cwd, in) >= sizeof(tmp))
			return -1;
	} else if (str_copy(tmp, sizeof(tmp), in) >= sizeof(tmp)) {
		return -1;
	}
	for (p = tmp; *p;) {
		const char *s;
		size_t n;
		while (*p == '/')
			p++;
		s = p;
		while (*p && *p != '/')
			p++;
		n = (size_t)(p - s);
		if (n == 0 || (n == 1 && s[0] == '.'))
			continue;
		if (n == 2 && s[0] == '.' && s[1] == '.') {
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
			continue;
		}
		if (o + 1 + n + 1 > outsz)
			return -1;
		out[o++] = '/';
		memcpy(out + o, s, n);
		o += n;
	}
	out[o] = '\0';
	return 0;
}

/* Root's, and nobody else may change what is in it. */
static int
root_only(const struct stat *st)
{
	return st->st_uid == 0 && !(st->st_mode & S_IWOTH) &&
	    (!(st->st_mode & S_IWGRP) || st->st_gid == 0);
}

/* May a symlink found in this folder be followed? Root follows only
 * root's own; anyone else also its own (it could write there anyway). */
static int
may_follow(const struct stat *st)
{
	return root_only(st) ||
	    (geteuid() != 0 && st->st_uid == geteuid() && !(st->st_mode & S_IWOTH));
}

static int
open_dir(const char *path, uid_t trusted_uid, char *leaf, size_t leafsz, int *follow, char *err,
    size_t errsz)
{
	char cur[PATH_MAX], done[PATH_MAX], next[PATH_MAX * 3];
	struct stat st;
	int links = 0, dfd = -1, trusted = 1;

restart:
	if (normalise(path, cur, sizeof(cur)) < 0 || cur[0] == '\0') {
		snprintf(err, errsz, "%s: not a usable file name", path);
		return -1;
	}
	{
		char *slash = strrchr(cur, '/');
		if (str_copy(leaf, leafsz, slash + 1) >= leafsz) {
			snprintf(err, errsz, "%s: name too long", path);
			return -1;
		}
		*slash = '\0'; /* cur is the folder now, "" for "/" */
	}
	dfd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fstat(dfd, &st) < 0) {
		snprintf(err, errsz, "/: %s", strerror(errno));
		goto fail;
	}
	trusted = may_follow(&st);
	done[0] = '\0';
	for (const char *p = cur; *p;) {
		char comp[NAME_MAX + 1];
		const char *s = ++p;
		size_t dl = strlen(done);
		int nfd;

		while (*p && *p != '/')
			p++;
		if ((size_t)(p - s) >= sizeof(comp) || dl + 1 + (size_t)(p - s) >= sizeof(done))
			goto toolong;
		memcpy(comp, s, (size_t)(p - s));
		comp[p - s] = '\0';
		if (fstatat(dfd, comp, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			snprintf(err, errsz, "%s/%s: %s", done, comp, strerror(errno));
			goto fail;
		}
		if (S_ISLNK(st.st_mode)) {
			char target[PATH_MAX];
			ssize_t n;
			/* Only root could have put it there: follow it, and check
			 * where it leads too. Anywhere else it may be a trap. */
			if (!trusted) {
				snprintf(err, errsz,
				    "%s/%s is a symbolic link in a folder another account may change: "
				    "refusing to follow it",
				    done, comp);
				goto fail;
			}
			n = readlinkat(dfd, comp, target, sizeof(target) - 1);
			if (n < 0 || ++links > SAFEFILE_LINKS_MAX) {
				snprintf(err, errsz, "%s/%s: %s", done, comp,
				    n < 0 ? strerror(errno) : "too many symbolic links");
				goto fail;
			}
			target[n] = '\0';
			if ((size_t)snprintf(next, sizeof(next), "%s/%s%s/%s",
			        target[0] == '/' ? "" : done, target, p, leaf) >= sizeof(next))
				goto toolong;
			close(dfd);
			path = next;
			goto restart;
		}
		if (!S_ISDIR(st.st_mode)) {
			snprintf(err, errsz, "%s/%s is not a folder", done, comp);
			goto fail;
		}
		/* A sticky one (/tmp) may be passed through: nobody can replace
		 * what is in it but its owner, which is checked at the next step. */
		if ((st.st_mode & S_IWOTH) && !(st.st_mode & S_ISVTX)) {
			snprintf(err, errsz, "%s/%s is writable by every user (mode %04o)", done,
			    comp, (unsigned)(st.st_mode & 07777));
			goto fail;
		}
		if (st.st_uid != 0 && st.st_uid != trusted_uid && st.st_uid != geteuid()) {
			snprintf(err, errsz,
			    "%s/%s belongs to uid %ld (mode %04o), neither root nor vouch's user",
			    done, comp, (long)st.st_uid, (unsigned)(st.st_mode & 07777));
			goto fail;
		}
		/* O_NOFOLLOW: what is opened is what was checked, or nothing */
		nfd = openat(dfd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0) {
			snprintf(err, errsz, "%s/%s: %s", done, comp, strerror(errno));
			goto fail;
		}
		close(dfd);
		dfd = nfd;
		/* what a folder holds is up to who may write it, wherever it is */
		trusted = may_follow(&st);
		done[dl] = '/';
		memcpy(done + dl + 1, comp, strlen(comp) + 1);
	}
	/* the file's own folder: nobody else may make names in it */
	if (st.st_mode & S_IWOTH) {
		snprintf(err, errsz, "%s is writable by every user (mode %04o)",
		    done[0] ? done : "/", (unsigned)(st.st_mode & 07777));
		goto fail;
	}
	return dfd;
toolong:
	snprintf(err, errsz, "%s: name too long", path);
fail:
	if (dfd >= 0)
		close(dfd);
	return -1;
}

int
safefile_open_dir(
    const char *path, uid_t trusted_uid, char *leaf, size_t leafsz, char *err, size_t errsz)
{
	return open_dir(path, trusted_uid, leaf, leafsz, NULL, err, errsz);
}

int
safefile_open_read(const char *path, uid_t trusted_uid, char *err, size_t errsz)
{
	char leaf[NAME_MAX + 1], bufs[2][PATH_MAX];
	struct stat st;
	int follow = 0, fd;

	for (int links = 0; links <= SAFEFILE_LINKS_MAX; links++) {
		int dfd = open_dir(path, trusted_uid, leaf, sizeof(leaf), &follow, err, errsz);
		if (dfd < 0)
			return -1;
		if (fstatat(dfd, leaf, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) {
			char target[PATH_MAX];
			ssize_t n;
			const char *slash = strrchr(path, '/');
			if (!follow) {
				snprintf(err, errsz,
				    "%s is a symbolic link in a folder another account may change: "
				    "refusing to follow it",
				    path);
				close(dfd);
				errno = ELOOP;
				return -1;
			}
			n = readlinkat(dfd, leaf, target, sizeof(target) - 1);
			close(dfd);
			if (n < 0) {
				snprintf(err, errsz, "%s: %s", path, strerror(errno));
				return -1;
			}
			target[n] = '\0';
			/* relative to the link's folder; never written over path */
			char *next = bufs[links & 1];
			if ((size_t)snprintf(next, PATH_MAX, "%.*s%s",
			        target[0] == '/' || slash == NULL ? 0 : (int)(slash - path + 1),
			        path, target) >= PATH_MAX) {
				snprintf(err, errsz, "%s: name too long", path);
				return -1;
			}
			path = next;
			continue;
		}
		fd = openat(dfd, leaf, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			snprintf(err, errsz, "%s: %s", path, strerror(errno));
		int e = errno;
		close(dfd);
		errno = e;
		return fd;
	}
	snprintf(err, errsz, "%s: too many symbolic links", path);
	errno = ELOOP;
	return -1;
}

/* ".<leaf>.<12 random hex digits>": not guessable before it exists. */
static void
temp_name(const char *leaf, char *out, size_t outsz)
{
	unsigned char r[6];
	static const char hex[] = "0123456789abcdef";
	char h[13];

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		for (size_t i = 0; i < sizeof(r); i++)
			r[i] = (unsigned char)(rand() ^ getpid());
	for (size_t i = 0; i < sizeof(r); i++) {
		h[2 * i] = hex[r[i] >> 4];
		h[2 * i + 1] = hex[r[i] & 15];
	}
	h[12] = '\0';
	snprintf(out, outsz, ".%.200s.%s", leaf, h);
}

int
safefile_write(const char *path, const void *data, size_t len, mode_t mode, uid_t uid, gid_t gid,
    uid_t trusted_uid, char *err, size_t errsz)
{
	char leaf[NAME_MAX + 1], tmp[NAME_MAX + 1];
	int dfd = safefile_open_dir(path, trusted_uid, leaf, sizeof(leaf), err, errsz);
	int fd = -1, e = 0;
	size_t off = 0;

	if (dfd < 0)
		return -1;
	for (int tries = 0; fd < 0 && tries < 100; tries++) {
		temp_name(leaf, tmp, sizeof(tmp));
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0) {
		snprintf(err, errsz, "%s: cannot create a new file beside it: %s", path,
		    strerror(errno));
		close(dfd);
		return -1;
	}
	while (off < len && e == 0) {
		ssize_t w = write(fd, (const char *)data + off, len - off);
		if (w < 0 && errno != EINTR)
			e = errno;
		else if (w > 0)
			off += (size_t)w;
	}
	if (e == 0 && fchmod(fd, mode) < 0)
		e = errno;
	if (e == 0 && (uid != (uid_t)-1 || gid != (gid_t)-1) && fchown(fd, uid, gid) < 0)
		e = errno;
	if (e == 0 && fsync(fd) < 0)
		e = errno;
	if (close(fd) < 0 && e == 0)
		e = errno;
	/* renameat replaces the name, never what a symlink there points to */
	if (e == 0 && renameat(dfd, tmp, dfd, leaf) < 0)
		e = errno;
	if (e) {
		unlinkat(dfd, tmp, 0);
		snprintf(err, errsz, "%s: %s", path, strerror(e));
		close(dfd);
		return -1;
	}
	fsync(dfd);
	close(dfd);
	return 0;
}

int
safefile_own_dir(int dirfd, const char *name, const char *shown, mode_t mode, uid_t uid, gid_t gid,
    char *err, size_t errsz)
{
	struct stat st;
	int fd;

	if (mkdirat(dirfd, name, mode) < 0 && errno != EEXIST) {
		snprintf(err, errsz, "cannot create %s: %s", shown, strerror(errno));
		return -1;
	}
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		snprintf(err, errsz, "cannot use %s: %s%s", shown, strerror(e),
		    e == ELOOP || e == ENOTDIR ? " (it must be a folder, not a symbolic link)"
		                               : "");
		return -1;
	}
	if (fstat(fd, &st) < 0 || (st.st_mode & S_IWOTH)) {
		snprintf(err, errsz, "%s is writable by every user (mode %04o): refusing to use it",
		    shown, (unsigned)(st.st_mode & 07777));
		close(fd);
		return -1;
	}
	if ((uid != (uid_t)-1 || gid != (gid_t)-1) && fchown(fd, uid, gid) < 0) {
		snprintf(err, errsz, "cannot give %s away: %s", shown, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}
