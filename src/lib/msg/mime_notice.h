/*
 * mime_notice: the text vouch puts where it removed something from an
 * unsafe message, and the header fields it changes: the tagged Subject and
 * X-Vouch-Unsafe. Pure; output is appended to a bounded strbuf.
 */
#ifndef VOUCH_MSG_MIME_NOTICE_H
#define VOUCH_MSG_MIME_NOTICE_H

#include <stddef.h>
#include <stdint.h>

#include "msg/mime_hdr.h"
#include "util/str.h"

/* The most a notice (fields and body, text excluded) takes, encoded. */
#define MIME_NOTICE_MAX 4096
/* Longest tag accepted; longer ones are cut. */
#define MIME_NOTICE_TAG_MAX 64

/* What a notice says about what was removed. */
struct mime_notice {
	const char *type; /* "application/pdf" */
	const char *name; /* sanitised file name, or NULL */
	uint64_t size;    /* decoded octets, about */
	const char *why;  /* why it could not be kept, or NULL */
	int whole;        /* the whole body of the message was removed */
	int top;          /* the part is the message itself */
	const char *text; /* text taken from it (sanitised UTF-8), or NULL */
	size_t textlen;
};

/* The fields of a notice entity: Content-Type and Content-Transfer-Encoding. */
int mime_notice_fields(struct strbuf *out);
/* The notice's body, quoted-printable. */
int mime_notice_body(const struct mime_notice *n, struct strbuf *out);

/*
 * The tag as it goes into a header: control characters removed, cut to
 * MIME_NOTICE_TAG_MAX, and an RFC 2047 encoded word when it is not ASCII.
 * "" when there is no tag.
 */
void mime_notice_tag(const char *tag, char *out, size_t outsz);
/*
 * Append the Subject field f of buf with the header-ready tag in front of
 * its text, unless the text already starts with it (after white space and
 * any "Re:"/"Fwd:" prefixes), in which case the field is copied as is.
 */
int mime_notice_subject(
    const char *buf, const struct mime_field *f, const char *tag, struct strbuf *out);

/*
 * Append msg[0..len) (a whole message, CRLF) with a notice at its top:
 * the header fields stay, except the MIME ones (MIME-Version and every
 * Content-*), which go with the original body into the second part of a
 * new multipart/mixed whose first part is text (UTF-8, quoted-printable)
 * -- valid MIME whatever the message was. seed makes the boundary (a
 * queue id); one that occurs in the message is changed until it does not.
 * Returns 0, or -1 when out's limit was hit.
 */
int mime_notice_wrap(
    const char *msg, size_t len, const char *text, const char *seed, struct strbuf *out);

/* Append "X-Vouch-Unsafe: " summary and "; reason=..." folded to 78 columns. */
int mime_notice_summary(const char *summary, const char *reason, struct strbuf *out);

#endif
