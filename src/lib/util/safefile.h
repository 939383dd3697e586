/*
 * safefile: writing files as root where another account could lay traps
 * (issue 13 item 5: the vouch account planted symlinks at the users
 * file's temporary names, and root overwrote what they pointed to).
 *
 * The path's folders are opened one by one from "/" (openat with
 * O_NOFOLLOW, so nothing can be swapped between a check and its use).
 * A symlink is followed only where root alone could have made it (in a
 * folder that is root's and that nobody else may write; a caller other
 * than root also follows its own); a folder any
 * user may write, one that belongs to anybody but root or the trusted
 * account (vouchd's user), and a symlink in a folder another account
 * controls are refused.
 *
 * The file itself is always new: created with O_CREAT|O_EXCL|O_NOFOLLOW
 * under a random name in its folder (through the folder's descriptor),
 * written, given its mode and owner through its own descriptor, flushed,
 * and renamed over the name with renameat(); then the folder is flushed.
 * No existing file, and nothing a symlink points to, is ever opened for
 * writing, and the name replaced is only ever the one asked for.
 */
#ifndef VOUCH_UTIL_SAFEFILE_H
#define VOUCH_UTIL_SAFEFILE_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Replace path with a new file holding data[0..len), with the given mode,
 * owned by uid:gid ((uid_t)-1 / (gid_t)-1: the writer's). trusted_uid is
 * the one account besides root (and the caller) whose folders may hold
 * it ((uid_t)-1: none). 0, or -1 with a reason in err.
 */
int safefile_write(const char *path, const void *data, size_t len, mode_t mode, uid_t uid,
    gid_t gid, uid_t trusted_uid, char *err, size_t errsz);

/*
 * Open path's folder as safefile_write() reaches it: the descriptor (an
 * O_DIRECTORY one, close it), and the file's name in it in leaf; -1 with
 * a reason in err.
 */
int safefile_open_dir(
    const char *path, uid_t trusted_uid, char *leaf, size_t leafsz, char *err, size_t errsz);

/*
 * Open path for reading the same way: its folders as above, and the file
 * itself not through a symlink another account could have made. A file
 * descriptor, or -1 with errno (ENOENT when it does not exist) and a
 * reason in err.
 */
int safefile_open_read(const char *path, uid_t trusted_uid, char *err, size_t errsz);

/*
 * Make the folder name in the folder dirfd if it is missing (mode), and
 * give it to uid:gid ((uid_t)-1: leave it) through a descriptor opened
 * O_NOFOLLOW|O_DIRECTORY: a symlink or a file at that name is refused,
 * and so is a folder every user may write. The folder's descriptor, or
 * -1 with a reason in err (shown names the folder there).
 */
int safefile_own_dir(int dirfd, const char *name, const char *shown, mode_t mode, uid_t uid,
    gid_t gid, char *err, size_t errsz);

#endif
