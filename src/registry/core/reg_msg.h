/*
 * reg_msg: the header fields of a message as the registry reads them, on
 * top of libvouch's MIME header reader (msg/mime_hdr.h): lines end at
 * CRLF, LF or a bare CR as the most liberal mail reader splits them, so a
 * field no reader shows cannot hide inside another; continuation lines
 * are unfolded (RFC 5322 2.2.3) into a bounded copy. An mbox "From " line
 * at the very start is skipped, as messages piped from an MDA have it.
 * Pure: text in, fields out.
 */
#ifndef VOUCH_REGISTRY_REG_MSG_H
#define VOUCH_REGISTRY_REG_MSG_H

#include <stddef.h>

#include "msg/mime_hdr.h"

#define REG_MSG_FIELD_MAX 8192 /* longest unfolded field kept whole */

struct reg_msg_field {
	char name[80];
	char value[REG_MSG_FIELD_MAX]; /* unfolded, leading blanks trimmed */
	int truncated;                 /* value was longer and was cut */
};

/* A cursor over a message's header section; does not own text. */
struct reg_msg_reader {
	const char *text;
	struct mime_hdrs h;
	int done;
};

/* Start reading the header section of text[0..len). */
void reg_msg_reader_init(struct reg_msg_reader *r, const char *text, size_t len);
/* Next header field: 1 with *f, 0 at the end of the header section (the
 * empty line, or a line that is not a field). */
int reg_msg_next(struct reg_msg_reader *r, struct reg_msg_field *f);
/* Offset of the body (after the header section), or len if there is none. */
size_t reg_msg_body_offset(const char *text, size_t len);
/* Find the first field called name; copies its value; 1 if found. */
int reg_msg_find(const char *text, size_t len, const char *name, char *out, size_t outsz);

#endif
