/*
 * mime_strip: the copy of an unsafe message that goes to a recipient's
 * .Unsafe folder (DESIGN 6, soft mode). Pure and bounded: the message as
 * queued (CRLF text, headers and body) in, the rewritten message out.
 *
 *  - The Subject gets a tag ("[UNSAFE]" by default), added once, in front
 *    of any "Re:"; encoded words and folding are left as they are.
 *  - With strip on, plain text is all that stays: every other part (HTML,
 *    attachments, images, and attached messages when configured) becomes
 *    a short text/plain notice naming its type, file name and size. In a
 *    multipart/alternative the HTML alternative is dropped when a plain one
 *    is there; an HTML body without one becomes a notice holding its text.
 *    Kept parts keep their boundaries and transfer encodings; the result
 *    is valid MIME that parses again to the same structure.
 *  - An X-Vouch-Unsafe field says what was removed and why the message is
 *    unsafe (the caller's reason); such fields arriving with the message go.
 *  - Past the limits (size, nesting, parts, line length), or when the
 *    structure is ambiguous at the top, the body is replaced by a notice
 *    and only the header fields stay.
 */
#ifndef VOUCH_MSG_MIME_STRIP_H
#define VOUCH_MSG_MIME_STRIP_H

#include <stddef.h>
#include <stdint.h>

#include "msg/mime_parse.h"
#include "util/str.h"

struct mime_strip_opts {
	const char *subject_tag;   /* prefixed to Subject; NULL or "" = none */
	const char *reason;        /* why the message is unsafe; NULL = not given */
	int strip;                 /* keep plain text only */
	int strip_messages;        /* attached messages replaced whole, not entered */
	int html_text;             /* an HTML part with no plain alternative keeps its text */
	size_t max_size;           /* larger messages keep only their header fields */
	struct mime_limits limits; /* depth, parts, line length (998 by default) */
};

/* The defaults: tag "[UNSAFE]", strip on, messages entered, HTML text kept,
 * 25 MiB, depth 16, 200 parts, lines of 998 octets (RFC 5322 2.1.1). */
void mime_strip_defaults(struct mime_strip_opts *o);

struct mime_strip_info {
	unsigned removed; /* parts replaced by notices or dropped */
	int replaced;     /* the whole body was replaced by a notice */
	const char *why;  /* why it was replaced (static text), or NULL */
	/*
	 * Only when strip is off and msg held just a prefix of the message
	 * (total > len): the header section is in out, and the caller appends
	 * the original message from this offset on. Otherwise 0.
	 */
	size_t rest;
	int has_rest;
};

/* The most output mime_strip writes for an input of len octets. */
size_t mime_strip_bound(size_t len, const struct mime_strip_opts *o);

/*
 * Append the unsafe copy of the message msg[0..len) to out (whose limit
 * should be at least mime_strip_bound(len)). total is the size of the
 * whole message: a caller may read only a prefix of one larger than
 * o->max_size (a few hundred KiB are enough for its header section).
 * Returns 0, or -1 when out's limit was hit (out then holds a partial
 * copy the caller must not deliver).
 */
int mime_strip(const char *msg, size_t len, uint64_t total, const struct mime_strip_opts *o,
    struct strbuf *out, struct mime_strip_info *info);

/*
 * Check that msg is MIME as mime_strip writes it: a header section ended
 * by an empty line, every multipart closed, no ambiguous part, within the
 * limits. 0 if so, -1 (with a reason in why) otherwise. For tests and
 * the fuzz target.
 */
int mime_strip_check(const char *msg, size_t len, const struct mime_limits *lim, const char **why);

#endif
