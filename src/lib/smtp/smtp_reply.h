/*
 * smtp_reply: SMTP replies (RFC 5321 4.2) with enhanced status codes
 * (RFC 2034, 3463): writing them as a server, reading them as a client.
 */
#ifndef VOUCH_SMTP_REPLY_H
#define VOUCH_SMTP_REPLY_H

#include <stddef.h>

#include "util/str.h"

/*
 * Append one reply to out: "code status text" with CRLF. A '\n' in text
 * starts a continuation line ("code-status ..."). Control characters in
 * text are replaced by '?', so text can never inject a line. status may
 * be NULL (greeting, or a peer without ENHANCEDSTATUSCODES).
 */
int smtp_reply_append(struct strbuf *out, int code, const char *status, const char *text);

/* One parsed reply line. */
struct smtp_reply_line {
	int code;         /* 200..599 */
	int last;         /* "code SP" rather than "code -" */
	const char *text; /* after the separator, not terminated */
	size_t textlen;
};

/* Parse one reply line (without CRLF); -1 if it is not a reply line. */
int smtp_reply_parse_line(const char *line, size_t len, struct smtp_reply_line *out);

/*
 * Find an enhanced status code "c.s.d" at the start of text; on success
 * copies it to status (at least 16 octets) and returns its length.
 */
int smtp_reply_status(const char *text, size_t len, char *status, size_t statussz);

/*
 * "code status text" for a diagnostic (DSNs, the queue's error=): status is
 * left out when text already starts with it, as a server's reply text does
 * (RFC 3463: "550 5.1.1 5.1.1 ..." says it twice), and when it is empty.
 * Always NUL-terminates out; returns out.
 */
char *smtp_reply_diag(int code, const char *status, const char *text, char *out, size_t outsz);

#endif
