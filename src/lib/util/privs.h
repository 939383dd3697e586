/*
 * privs: running unprivileged, shared by every daemon that binds as root
 * (vouchd, vouch-registry): hand the files it will write after the drop
 * to the unprivileged user without following links a less privileged
 * account could have planted, then give up root for good (no way back,
 * no core dumps).
 *
 * Nothing here is needed, or done, when the process does not run as root:
 * privs_give is a no-op then and privs_drop_to only turns core dumps off.
 */
#ifndef VOUCH_UTIL_PRIVS_H
#define VOUCH_UTIL_PRIVS_H

#include <stddef.h>

/*
 * As root, make path (a directory when dir is set, else a regular file)
 * belong to user. Symbolic links are never followed and a file with more
 * than one hard link is refused, so the user cannot make root give it
 * someone else's file. A missing file is fine (nothing to give). Returns
 * 0, or -1 with a reason in err.
 */
int privs_give(const char *path, int dir, const char *user, char *err, size_t errsz);
/*
 * Drop to user for good: supplementary groups, gid and uid, checked that
 * root cannot be regained; core dumps off in any case. A user that is
 * root itself is refused. Not root already: only the core dump part.
 * Returns 0, or -1 with a reason in err.
 */
int privs_drop_to(const char *user, char *err, size_t errsz);

#endif
