/*
 * header_fields: the header fields of a whole message, unfolded, as a
 * reader of received reports needs them (the registry's abuse intake), on
 * top of the MIME header reader (msg/mime_hdr.h): lines end at
 * CRLF, LF or a bare CR as the most liberal mail reader splits them, so a
 * field no reader shows cannot hide inside another; continuation lines
 * are unfolded (RFC 5322 2.2.3) into a bounded copy. An mbox "From " line
 * at the very start is skipped, as messages piped from an MDA have it.
 * Pure: text in, fields out.
 */
#ifndef VOUCH_MSG_HEADER_FIELDS_H
#define VOUCH_MSG_HEADER_FIELDS_H

#include <stddef.h>

#include "msg/mime_hdr.h"

#define HEADER_FIELD_MAX 8192 /* longest unfolded field kept whole */

struct header_field {
	char name[80];
	char value[HEADER_FIELD_MAX]; /* unfolded, leading blanks trimmed */
	int truncated;                /* value was longer and was cut */
};

/* A cursor over a message's header section; does not own text. */
struct header_fields {
	const char *text;
	struct mime_hdrs h;
	int done;
};

/* Start reading the header section of text[0..len). */
void header_fields_init(struct header_fields *r, const char *text, size_t len);
/* Next header field: 1 with *f, 0 at the end of the header section (the
 * empty line, or a line that is not a field). */
int header_fields_next(struct header_fields *r, struct header_field *f);
/* Offset of the body (after the header section), or len if there is none. */
size_t header_fields_body_offset(const char *text, size_t len);
/* Find the first field called name; copies its value; 1 if found. */
int header_fields_find(const char *text, size_t len, const char *name, char *out, size_t outsz);

#endif
