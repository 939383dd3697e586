/*
 * reg_msg: a pure reader for RFC 5322 message text: walks the header
 * section field by field (unfolding continuation lines, RFC 5322 2.2.3)
 * and finds where the body starts. Accepts CRLF or bare LF line ends, as
 * messages piped from an MDA have them. Also decodes a header parameter
 * (RFC 2045 5.1, e.g. the boundary of a Content-Type).
 */
#ifndef VOUCH_REGISTRY_REG_MSG_H
#define VOUCH_REGISTRY_REG_MSG_H

#include <stddef.h>

#define REG_MSG_FIELD_MAX 8192 /* longest unfolded field kept whole */

struct reg_msg_field {
	char name[80];
	char value[REG_MSG_FIELD_MAX]; /* unfolded, leading blanks trimmed */
	int truncated;                 /* value was longer and was cut */
};

/* A cursor over a message's header section; does not own text. */
struct reg_msg_reader {
	const char *text;
	size_t len;
	size_t off;
	int done;
};

/* Start reading the header section of text[0..len). */
void reg_msg_reader_init(struct reg_msg_reader *r, const char *text, size_t len);
/* Next header field: 1 with *f, 0 at the end of the header section. Lines
 * that are not fields (no colon) end the header section. */
int reg_msg_next(struct reg_msg_reader *r, struct reg_msg_field *f);
/* Offset of the body (after the blank line), or len if there is none. */
size_t reg_msg_body_offset(const char *text, size_t len);
/* Find the first field called name; copies its value; 1 if found. */
int reg_msg_find(const char *text, size_t len, const char *name, char *out, size_t outsz);
/* The value of parameter param (e.g. "boundary") in a structured field
 * value like 'multipart/report; boundary="x"'; 1 if found. */
int reg_msg_param(const char *value, const char *param, char *out, size_t outsz);
/* Copy the media type ("multipart/report") of a Content-Type value, lower-case. */
void reg_msg_media_type(const char *value, char *out, size_t outsz);

#endif
