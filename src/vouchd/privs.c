/*
 * privs: the data directory and dropping root for good.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vouchd.h"
#include "privs.h"
#include "util/privs.h"
#include "util/safefile.h"
#include "util/log.h"

static int
mkdir_p(const char *path)
{
	char buf[4096];
	size_t n = strlen(path);

	if (n >= sizeof(buf))
		return -1;
	memcpy(buf, path, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (buf[i] == '/' || buf[i] == '\0') {
			char c = buf[i];
			buf[i] = '\0';
			if (mkdir(buf, 0750) < 0 && errno != EEXIST)
				return -1;
			buf[i] = c;
		}
	}
	return 0;
}

/* Folders vouchd writes after dropping privileges, below data_dir. */
static const char *const owned_dirs[] = { "queue", "queue/tmp", "queue/active", "mail", "state",
	NULL };

/*
 * A folder of ours, made if missing and given to vouchd's user (pw, or
 * nobody when not root) through a descriptor opened O_NOFOLLOW, so a name
 * vouchd's user swapped for a symlink (data_dir is that user's) is
 * refused instead of followed: chown(2) by name would have given away
 * whatever the link pointed to (issue 13 item 5).
 */
static int
own_dir(int parent, const char *shown, const char *name, const struct passwd *pw, char *err,
    size_t errsz)
{
	return safefile_own_dir(parent, name, shown, 0750, pw ? pw->pw_uid : (uid_t)-1,
	    pw ? pw->pw_gid : (gid_t)-1, err, errsz);
}

int
privs_prepare_dirs(const struct config *cfg, char *err, size_t errsz)
{
	struct passwd *pw = NULL;
	struct stat st;
	char shown[4200];
	int top;

	if (geteuid() == 0 && (pw = getpwnam(cfg->user)) == NULL) {
		snprintf(err, errsz,
		    "user '%s' does not exist: create it (scripts/setup.sh does) or set 'user' "
		    "to an unprivileged account",
		    cfg->user);
		return -1;
	}
	/* data_dir itself sits in folders root chose (its parents are made
	 * here as root if missing); what is below it is vouchd's user's. */
	if (mkdir_p(cfg->data_dir) < 0) {
		snprintf(err, errsz, "cannot create %s: %s", cfg->data_dir, strerror(errno));
		return -1;
	}
	top = open(cfg->data_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (top < 0 || fstat(top, &st) < 0) {
		snprintf(err, errsz, "cannot use %s: %s", cfg->data_dir, strerror(errno));
		if (top >= 0)
			close(top);
		return -1;
	}
	if (st.st_mode & S_IWOTH) {
		snprintf(err, errsz, "%s is writable by every user (mode %04o): refusing to use it",
		    cfg->data_dir, (unsigned)(st.st_mode & 07777));
		close(top);
		return -1;
	}
	if (pw && st.st_uid != 0 && st.st_uid != pw->pw_uid) {
		snprintf(err, errsz,
		    "%s belongs to uid %ld, neither root nor %s: refusing to use it", cfg->data_dir,
		    (long)st.st_uid, cfg->user);
		close(top);
		return -1;
	}
	if (pw && fchown(top, pw->pw_uid, pw->pw_gid) < 0) {
		snprintf(err, errsz, "cannot give %s to %s: %s", cfg->data_dir, cfg->user,
		    strerror(errno));
		close(top);
		return -1;
	}
	for (int i = 0; owned_dirs[i]; i++) {
		/* each step from the folder before, never by a whole path */
		char name[64];
		const char *slash = strchr(owned_dirs[i], '/');
		int parent = top, fd;
		if (slash) {
			snprintf(name, sizeof(name), "%.*s", (int)(slash - owned_dirs[i]),
			    owned_dirs[i]);
			snprintf(shown, sizeof(shown), "%s/%s", cfg->data_dir, name);
			if ((parent = own_dir(top, shown, name, pw, err, errsz)) < 0) {
				close(top);
				return -1;
			}
		}
		snprintf(shown, sizeof(shown), "%s/%s", cfg->data_dir, owned_dirs[i]);
		fd = own_dir(parent, shown, slash ? slash + 1 : owned_dirs[i], pw, err, errsz);
		if (parent != top)
			close(parent);
		if (fd < 0) {
			close(top);
			return -1;
		}
		close(fd);
	}
	close(top);
	return 0;
}

/* The drop itself is libvouch's (util/privs.c), shared with vouch-registry. */
int
privs_drop(const struct config *cfg, char *err, size_t errsz)
{
	return privs_drop_to(cfg->user, err, errsz);
}
