/*
 * privs: handing files to the unprivileged user and dropping root for
 * good (see privs.h).
 */
#include "util/privs.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/log.h"

int
privs_give(const char *path, int dir, const char *user, char *err, size_t errsz)
{
	struct passwd *pw;
	struct stat st;
	int fd;

	if (geteuid() != 0)
		return 0;
	if ((pw = getpwnam(user)) == NULL) {
		snprintf(err, errsz, "user '%s' does not exist", user);
		return -1;
	}
	/* O_NOFOLLOW: a link planted by the user is not followed to its target */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | (dir ? O_DIRECTORY : 0));
	if (fd < 0) {
		if (errno == ENOENT && !dir)
			return 0;
		snprintf(err, errsz, "%s: %s", path,
		    errno == ELOOP ? "is a symbolic link; refusing to follow it" : strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)) {
		snprintf(err, errsz, "%s: not a %s", path, dir ? "directory" : "regular file");
		close(fd);
		return -1;
	}
	/* a second name for the file may be anyone's file, linked here */
	if (!dir && st.st_nlink != 1) {
		snprintf(err, errsz, "%s: has %lu hard links; refusing to give it away", path,
		    (unsigned long)st.st_nlink);
		close(fd);
		return -1;
	}
	if ((st.st_uid != pw->pw_uid || st.st_gid != pw->pw_gid) &&
	    fchown(fd, pw->pw_uid, pw->pw_gid) < 0) {
		snprintf(err, errsz, "cannot give %s to %s: %s", path, user, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

int
privs_drop_to(const char *user, char *err, size_t errsz)
{
	struct rlimit nocore = { 0, 0 };
	struct passwd *pw;

	/* No core dumps: they would hold mail, passwords and tokens. */
	setrlimit(RLIMIT_CORE, &nocore);
	if (geteuid() != 0 && getuid() != 0) {
		prctl(PR_SET_DUMPABLE, 0);
		return 0;
	}
	pw = getpwnam(user);
	if (pw == NULL) {
		snprintf(err, errsz, "user '%s' does not exist", user);
		return -1;
	}
	if (pw->pw_uid == 0) {
		snprintf(err, errsz,
		    "refusing to keep running as root: set 'user' to an "
		    "unprivileged account (not '%s')",
		    user);
		return -1;
	}
	if (setgroups(1, &pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0) {
		snprintf(err, errsz, "cannot switch to user %s: %s", user, strerror(errno));
		return -1;
	}
	/* For good: getting root back must be impossible. */
	if (setuid(0) == 0 || seteuid(0) == 0 || getuid() == 0 || geteuid() == 0) {
		snprintf(err, errsz, "still able to regain root after dropping privileges");
		return -1;
	}
	prctl(PR_SET_DUMPABLE, 0);
	log_info(
	    "event=privileges user=%s uid=%ld gid=%ld", user, (long)pw->pw_uid, (long)pw->pw_gid);
	return 0;
}
