/*
 * dkim_hdr: the header section of a message, collected as the message
 * streams in (bounded), for signing and verifying: each field whole (its
 * continuation lines included) in the order received, ready to be picked
 * bottom-up by name (RFC 6376 5.4.2).
 *
 * Fields are read as vouch's MIME reader reads them (mime_hdr.h): a name
 * of printable characters directly followed by a colon. A line that is
 * neither a field nor a continuation ends the header section and is the
 * first line of the body (what readers show as body is what the body
 * hash covers); so does a first line that starts with white space. Bare
 * LF ends a line and is stored as CRLF (see dkim_canon.h).
 */
#ifndef VOUCH_AUTH_DKIM_HDR_H
#define VOUCH_AUTH_DKIM_HDR_H

#include <stddef.h>

#include "util/str.h"

/* One field in the collected text. */
struct dkim_hfield {
	size_t off;      /* first octet of the name */
	size_t len;      /* through its last line, without the final CRLF */
	size_t name_len; /* octets before the colon */
	int used;        /* scratch for dkim_hdr_pick() */
};

struct dkim_hdr {
	struct strbuf text; /* the header section (bounded by its max) */
	struct dkim_hfield *f;
	size_t nf, capf;
	int state;         /* internal */
	int open;          /* a field is being collected */
	size_t line_start; /* offset of the current line in text */
	int done;          /* the header section has ended */
	int overflow;      /* it was longer than the maximum: fields are incomplete */
	char prefix[1024]; /* the body's first octets, when a non-field line ended the header */
	size_t prefix_len;
};

/* Start collecting at most max octets of header section. */
void dkim_hdr_init(struct dkim_hdr *h, size_t max);
void dkim_hdr_free(struct dkim_hdr *h);
/*
 * Feed message octets. Returns how many of p[0..n) belong to the header
 * section (the empty line ending it included); the rest is body, to be
 * preceded by h->prefix[0..prefix_len). Once h->done, returns 0.
 */
size_t dkim_hdr_feed(struct dkim_hdr *h, const char *p, size_t n);
/* End of message: a message without a body ends its header here. */
void dkim_hdr_finish(struct dkim_hdr *h);
/*
 * Put fields above the collected ones (text: whole fields, each ending in
 * CRLF), as a sealer sees the signatures added on top of a message after
 * it was read. 0, or -1 when the text is not fields or does not fit.
 */
int dkim_hdr_prepend(struct dkim_hdr *h, const char *text, size_t len);

/* Field i's text (name through its last line, no final CRLF). */
const char *dkim_hdr_field(const struct dkim_hdr *h, size_t i, size_t *len);
/* True if field i is named name (ASCII case-insensitive). */
int dkim_hdr_is(const struct dkim_hdr *h, size_t i, const char *name, size_t namelen);
/* The text after field i's colon. */
const char *dkim_hdr_value(const struct dkim_hdr *h, size_t i, size_t *len);

/* Forget earlier picks: every field may be picked again. */
void dkim_hdr_pick_reset(struct dkim_hdr *h);
/*
 * RFC 6376 5.4.2: the last field named name not picked yet (searching
 * from the bottom up), marked as picked; -1 when none is left (an h=
 * entry then stands for a field that does not exist: the null string).
 */
long dkim_hdr_pick(struct dkim_hdr *h, const char *name, size_t namelen);

#endif
