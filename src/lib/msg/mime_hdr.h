/*
 * mime_hdr: the header sections of a message and of its MIME parts, and
 * the fields MIME structure hangs on (RFC 5322 2.2, RFC 2045 5 and 6,
 * RFC 2183, RFC 2231). Pure: everything works on a buffer the caller
 * owns, through offsets; nothing is allocated.
 *
 * Lines end at CRLF, LF or a bare CR, as the most liberal mail reader
 * splits them (Python's email package does the same), so that no reader
 * can see a line this module does not.
 */
#ifndef VOUCH_MSG_MIME_HDR_H
#define VOUCH_MSG_MIME_HDR_H

#include <stddef.h>

/* RFC 2046 5.1.1: a boundary is 1 to 70 characters. */
#define MIME_BOUNDARY_MAX 70
/* Decoded, sanitised file names are cut to this many octets. */
#define MIME_NAME_MAX 256

/*
 * The line starting at pos (pos < end): returns the length of its text;
 * *eol is the length of its terminator (2 for CRLF, 1 for LF or a bare CR,
 * 0 when the line runs to end).
 */
size_t mime_line(const char *buf, size_t pos, size_t end, size_t *eol);

/* One header field: name, colon, value and continuation lines. */
struct mime_field {
	size_t off; /* first octet of the name */
	size_t len; /* through the terminator of its last line */
	size_t name_len;
	size_t value_off; /* the octet after the colon */
	size_t value_len; /* to the end of the last line's text */
};

/* What a header section showed besides its fields (mime_hdrs.flags). */
enum {
	MIME_HDR_JUNK = 1,      /* ended by a line that is no field (no empty line) */
	MIME_HDR_NO_BLANK = 2,  /* ended by the end of input, not an empty line */
	MIME_HDR_WS_LINE = 4,   /* a continuation line of only white space */
	MIME_HDR_LONG_LINE = 8, /* a line longer than max_line */
};

/* Iterator over the fields of a header section. */
struct mime_hdrs {
	const char *buf;
	size_t pos, end;
	size_t max_line; /* longer lines set MIME_HDR_LONG_LINE */
	unsigned flags;
	size_t body;    /* where the body starts; set when next returns 0 */
	size_t longest; /* longest line seen */
};

/* Start iterating over the header section at buf[start..end). */
void
mime_hdrs_init(struct mime_hdrs *h, const char *buf, size_t start, size_t end, size_t max_line);
/* The next field into *f: 1, or 0 at the end of the section (h->body set). */
int mime_hdrs_next(struct mime_hdrs *h, struct mime_field *f);
/* The field's name is name (ASCII case-insensitive)? */
int mime_field_is(const char *buf, const struct mime_field *f, const char *name);

enum mime_disp { MIME_DISP_NONE, MIME_DISP_INLINE, MIME_DISP_ATTACHMENT, MIME_DISP_OTHER };

/* What Content-Type (and Content-Disposition) say about a part. */
struct mime_ctype {
	char type[32]; /* lower case; "" when absent or unparseable */
	char subtype[64];
	int bad; /* present but not type/subtype */
	char boundary[MIME_BOUNDARY_MAX + 1];
	size_t boundary_len;      /* 0 when absent */
	int boundary_bad;         /* present but empty, too long or with CR/LF */
	char charset[40];         /* lower case; "" when absent */
	char name[MIME_NAME_MAX]; /* file name, decoded and sanitised (UTF-8) */
	int disposition;          /* enum mime_disp */
};

/*
 * Parse a Content-Type value (buf[off..off+len), folding allowed) into ct,
 * which the caller zeroed. Comments, quoted strings and RFC 2231
 * continuations and charsets are understood; the file name comes from
 * the name parameter unless a Content-Disposition gave one already.
 */
void mime_ctype_parse(const char *buf, size_t off, size_t len, struct mime_ctype *ct);
/* Parse a Content-Disposition value into ct->disposition and ct->name. */
void mime_disposition_parse(const char *buf, size_t off, size_t len, struct mime_ctype *ct);

enum mime_cte {
	MIME_CTE_7BIT,
	MIME_CTE_8BIT,
	MIME_CTE_BINARY,
	MIME_CTE_QP,
	MIME_CTE_BASE64,
	MIME_CTE_OTHER,
};
/* Parse a Content-Transfer-Encoding value. */
enum mime_cte mime_cte_parse(const char *buf, size_t off, size_t len);

#endif
