/*
 * maildir: writing messages into Maildir mailboxes (the qmail layout, with
 * Maildir++ subfolders such as ".Unsafe", as Dovecot reads them).
 *
 * A copy is written into tmp/ under a unique name and published into new/
 * by the caller's group commit (queue/commit.h): flushed, then renamed,
 * then new/ flushed. These calls block on file I/O: run them on a worker
 * thread, not the event loop.
 */
#ifndef VOUCH_DELIVER_MAILDIR_H
#define VOUCH_DELIVER_MAILDIR_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Make sure <root> (and <root>/<folder> when folder is not NULL) exist with
 * cur/, new/, tmp/. A Maildir++ folder name starts with '.', and gets the
 * "maildirfolder" marker file.
 */
int maildir_ensure(const char *root, const char *folder, char *err, size_t errsz);

/*
 * Write prefix then the whole of body_fd (read with pread from offset 0)
 * into a new file in tmp/. On success *tmp_path and *new_path (caller
 * frees) name the file and its destination in new/, and *new_dir the
 * folder to flush after the rename. Returns 0, or -1 with err set
 * (the partial file removed).
 */
int maildir_write(const char *root, const char *folder, const char *hostname, const char *prefix,
    size_t prefixlen, int body_fd, char **tmp_path, char **new_path, char **new_dir, char *err,
    size_t errsz);

/*
 * The same for a copy made in memory: prefix, then data, then (when
 * body_fd >= 0) body_fd from offset body_from to its end. Used for the
 * rewritten copies of unsafe mail.
 */
int maildir_write_copy(const char *root, const char *folder, const char *hostname,
    const char *prefix, size_t prefixlen, const char *data, size_t datalen, int body_fd,
    off_t body_from, char **tmp_path, char **new_path, char **new_dir, char *err, size_t errsz);

#endif
