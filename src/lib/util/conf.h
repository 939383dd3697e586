/*
 * conf: the configuration language and its declarative key tables.
 *
 * A file is "key = value" lines, "key += value" to append to a list, and
 * blocks "kind label { ... }" holding more keys (listeners, per-domain
 * overrides). '#' starts a comment outside double quotes. Values may be
 * double-quoted (with \" and \\ escapes) to keep spaces or '#'.
 *
 * Parsing is pure (text in, conf_doc out). Each program describes its
 * settings as a table of conf_key rows (name, type, default, bounds,
 * description) that fills a plain struct through offsetof; the same table
 * prints the effective configuration and documents the key.
 */
#ifndef VOUCH_UTIL_CONF_H
#define VOUCH_UTIL_CONF_H

#include <stddef.h>

#include "util/str.h"

enum conf_type {
	CONF_STR,      /* char *, owned */
	CONF_INT,      /* long long */
	CONF_BOOL,     /* int: yes/no, true/false, on/off, 1/0 */
	CONF_SIZE,     /* long long bytes; suffixes k, m, g (binary) */
	CONF_DURATION, /* long long milliseconds; suffixes ms, s, m, h, d; bare = s */
	CONF_ENUM,     /* int: index into choices */
	CONF_LIST,     /* struct conf_list: words split on spaces and commas */
	CONF_ADDR,     /* char *: a socket address (util/netaddr.h), or empty if the
	                * default is empty; min..max bound the port (0,0 = 0..65535) */
	CONF_ADDRS,    /* struct conf_list of CONF_ADDR words */
};

struct conf_list {
	char **v; /* owned strings */
	size_t n;
};

struct conf_key {
	const char *name;
	enum conf_type type;
	size_t offset;              /* offsetof() into the target struct */
	const char *def;            /* default, in the file's syntax; NULL = empty */
	long long min, max;         /* bounds for INT, SIZE, DURATION (0,0 = none);
	                             * the port's for ADDR and ADDRS */
	const char *const *choices; /* NULL-terminated, for ENUM */
	const char *desc;           /* one line for docs and -n output */
};

struct conf_item {
	char *key;
	char *value;
	int append; /* written with += */
	int line;
};

struct conf_block {
	char *kind;  /* NULL for the top level */
	char *label; /* may be NULL */
	int line;
	struct conf_item *items;
	size_t nitems;
};

struct conf_doc {
	struct conf_block *blocks; /* blocks[0] is the top level */
	size_t nblocks;
};

/*
 * Parse text into doc. Errors are appended to errs as "file:line: message"
 * lines. Returns 0, or -1 if any error was found (doc still freeable).
 */
int conf_parse(
    const char *text, size_t len, const char *filename, struct conf_doc *doc, struct strbuf *errs);
void conf_doc_free(struct conf_doc *doc);

/* Store every key's default into obj (which must be zeroed first). */
void conf_defaults(const struct conf_key *keys, void *obj);
/*
 * Apply a block's items to obj. Unknown keys and bad values are errors
 * with their line numbers. Returns the number of errors added.
 */
int conf_apply(const struct conf_key *keys, void *obj, const struct conf_block *blk,
    const char *filename, struct strbuf *errs);
/* Parse one value for key k into obj; on failure writes a reason to err. */
int conf_set(
    const struct conf_key *k, void *obj, const char *value, int append, char *err, size_t errsz);
/* Find a key row by name, or NULL. */
const struct conf_key *conf_find(const struct conf_key *keys, const char *name);
/* Free the strings and lists obj owns (not obj itself). NULL-safe. */
void conf_release(const struct conf_key *keys, void *obj);
/* Deep-copy src into dst (dst zeroed). */
void conf_copy(const struct conf_key *keys, void *dst, const void *src);
/* Print "key = value" lines for obj, each prefixed by indent. */
void
conf_print(const struct conf_key *keys, const void *obj, const char *indent, struct strbuf *out);
/* True if list contains word (ASCII case-insensitive). */
int conf_list_has(const struct conf_list *l, const char *word);

#endif
