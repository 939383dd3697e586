/*
 * mime_parse: the MIME structure of a whole message in memory (RFC 2045,
 * RFC 2046 5.1 multipart bodies, 5.2.1 message/rfc822), as a tree of
 * parts that point into the caller's buffer. Pure and bounded: nesting
 * depth, number of parts and line length have limits, and every octet is
 * scanned at most once per nesting level.
 *
 * Malformed input is described, never refused: a missing close delimiter,
 * a header section that ends without an empty line, lines that only look
 * like a boundary, duplicate Content-Type fields. Anything a mail reader
 * could understand differently from this parser is flagged as ambiguous
 * on the part it lies in, so that a caller can refuse to pass it on.
 */
#ifndef VOUCH_MSG_MIME_PARSE_H
#define VOUCH_MSG_MIME_PARSE_H

#include <stddef.h>

#include "msg/mime_hdr.h"

struct mime_limits {
	size_t max_depth; /* nesting of multiparts and attached messages */
	size_t max_parts; /* parts in all, the message itself included */
	size_t max_line;  /* header lines, CRLF excluded; 0 = no limit */
};

enum mime_kind {
	MIME_LEAF,      /* content */
	MIME_MULTIPART, /* children are its body parts */
	MIME_MESSAGE,   /* message/rfc822 or message/global: one child */
};

/* Problems of a part (mime_part.flags). */
enum {
	MIME_P_AMBIG_HDR = 1,    /* header section readers may split differently */
	MIME_P_AMBIG_BODY = 2,   /* a line that starts like the enclosing boundary */
	MIME_P_UNCLOSED = 4,     /* multipart without its close delimiter */
	MIME_P_BAD_BOUNDARY = 8, /* multipart without a usable boundary */
	MIME_P_EMPTY = 16,       /* multipart without any body part */
	MIME_P_BAD_TYPE = 32,    /* Content-Type that is not type/subtype */
	MIME_P_BAD_CTE = 64,     /* multipart or message with a transfer encoding */
};

/* Limits hit (mime_tree.limits); the tree is then incomplete. */
enum {
	MIME_LIMIT_DEPTH = 1,
	MIME_LIMIT_PARTS = 2,
	MIME_LIMIT_LINE = 4,
};

struct mime_part {
	int parent;            /* index, -1 for the message itself */
	int first_child, next; /* indexes, -1 for none */
	int depth;             /* 0 for the message */
	size_t off;            /* first octet of the header section */
	size_t hdr_end;        /* end of the last header field */
	size_t body_off, body_end;
	struct mime_ctype ct; /* the type in force (defaults applied) */
	int has_ctype;        /* a Content-Type field was there */
	enum mime_cte cte;
	enum mime_kind kind;
	unsigned flags;     /* MIME_P_* */
	size_t hdr_longest; /* longest header line */
	unsigned hdr_flags; /* MIME_HDR_* of its header section */
	int nfields;        /* header fields */
};

struct mime_tree {
	struct mime_part *parts; /* parts[0] is the message; owned */
	size_t nparts;
	unsigned limits; /* MIME_LIMIT_* hit */
};

/* Parse buf[0..len) into t; free with mime_tree_free. Returns 0, or -1
 * when a limit was hit (t->limits says which; t stays freeable). */
int mime_parse(const char *buf, size_t len, const struct mime_limits *lim, struct mime_tree *t);
void mime_tree_free(struct mime_tree *t);
/* A part's type is type/subtype (lower-case arguments)? */
int mime_part_is(const struct mime_part *p, const char *type, const char *subtype);

#endif
