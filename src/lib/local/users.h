/*
 * users: the local users file, one mailbox per line:
 *
 *     alice@example.com password=$y$... max_rcpt_msg=100 max_rcpt_day=300
 *     noreply@example.com discard=1
 *     pupil@school.example refuse_classes=bulk
 *
 * A user is a local mailbox and, with a password, a submission account.
 * vouchctl writes the file (atomically); vouchd reads it at start-up and on
 * reload. Passwords are only ever crypt(3) hashes. Parsing is pure.
 */
#ifndef VOUCH_LOCAL_USERS_H
#define VOUCH_LOCAL_USERS_H

#include <stddef.h>
#include <sys/types.h>

#include "util/conf.h"
#include "util/str.h"

struct user {
	char *address;          /* lower-case local@domain */
	char *password;         /* crypt(3) hash, or NULL: no submission login */
	int locked;             /* may not log in or send */
	int send_locked;        /* locked for sending after the daily limit */
	long long max_rcpt_msg; /* 0 = server default */
	long long max_rcpt_day; /* 0 = server default */
	int stamp_user;         /* put the user name in Received */
	int no_unsafe;          /* refuses unsafe mail (no .Unsafe folder) */
	int discard;            /* mail is accepted, then thrown away (no Maildir) */
	int challenge;          /* challenge/response: 1 yes, -1 no, 0 the domain's default */
	char *send_as;          /* extra addresses/domains MAIL FROM may use, or NULL */
	/* register mail classes refused for this mailbox (refuse_classes=bulk,isp;
	 * "none": none), overriding its domain's; set says it was given */
	struct conf_list refuse_classes;
	int refuse_classes_set;
};

struct users;

/* Parse the file's text. NULL with errors ("name:line: ...") in errs. */
struct users *users_parse(const char *text, size_t len, const char *name, struct strbuf *errs);
/* Read and parse path; a missing file is an empty table. Opened as
 * util/safefile.h says (trusted_uid: vouchd's user, or (uid_t)-1). */
struct users *users_load(const char *path, uid_t trusted_uid, struct strbuf *errs);
void users_free(struct users *u);
/* The user with this address (case-insensitive), or NULL. */
const struct user *users_find(const struct users *u, const char *address);
size_t users_count(const struct users *u);
const struct user *users_at(const struct users *u, size_t i);

/* Editing, for vouchctl: add (or replace) a user; remove one. */
struct user *users_put(struct users *u, const char *address);
int users_del(struct users *u, const char *address);
/* Serialise the whole table in the file's syntax. */
int users_write(const struct users *u, struct strbuf *out);
/*
 * Write the table to path atomically as a new file (util/safefile.h: a
 * random temporary name created O_EXCL|O_NOFOLLOW, fsync, renameat),
 * mode 0640, owned by uid:gid ((uid_t)-1 / (gid_t)-1: the writer's);
 * trusted_uid is vouchd's user, whose folders may hold it.
 */
int users_save(const struct users *u, const char *path, uid_t uid, gid_t gid, uid_t trusted_uid,
    char *err, size_t errsz);
/* Set x's refuse_classes from "bulk,isp" or "none" ("" clears it: the
 * domain's apply). 0, or -1 with a reason in err (x unchanged). */
int users_set_refuse_classes(struct user *x, const char *value, char *err, size_t errsz);
/* An empty table. */
struct users *users_new(void);

#endif
