/*
 * privs: the data directory and dropping root for good.
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vouchd.h"
#include "util/privs.h"

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

/* Folders vouchd writes after dropping privileges. */
static const char *const owned_dirs[] = { "", "/queue", "/queue/tmp", "/queue/active", "/mail",
	"/state", NULL };

int
privs_prepare_dirs(const struct config *cfg, char *err, size_t errsz)
{
	struct passwd *pw = NULL;
	char path[4096];

	if (geteuid() == 0 && (pw = getpwnam(cfg->user)) == NULL) {
		snprintf(err, errsz,
		    "user '%s' does not exist: create it (scripts/setup.sh does) or set 'user' "
		    "to an unprivileged account",
		    cfg->user);
		return -1;
	}
	for (int i = 0; owned_dirs[i]; i++) {
		if (snprintf(path, sizeof(path), "%s%s", cfg->data_dir, owned_dirs[i]) >=
		        (int)sizeof(path) ||
		    mkdir_p(path) < 0) {
			snprintf(err, errsz, "cannot create %s: %s", path, strerror(errno));
			return -1;
		}
		if (pw && chown(path, pw->pw_uid, pw->pw_gid) < 0) {
			snprintf(err, errsz, "cannot give %s to %s: %s", path, cfg->user,
			    strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* The drop itself is libvouch's (util/privs.c), shared with vouch-registry. */
int
privs_drop(const struct config *cfg, char *err, size_t errsz)
{
	return privs_drop_to(cfg->user, err, errsz);
}
