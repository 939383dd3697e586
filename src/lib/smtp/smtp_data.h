/*
 * smtp_data: incremental decoder for message text, pure and bounded.
 *
 * In DATA mode it finds the end of data (only CRLF "." CRLF, RFC 5321
 * 4.1.1.4), removes dot-stuffing (only a "." at the start of a CRLF line,
 * 4.5.2), and checks every line. In BDAT mode (RFC 3030) framing is by
 * length, so it only checks lines.
 *
 * Line rules are strict, which is what defeats SMTP smuggling: a CR not
 * followed by LF, an LF not preceded by CR, or a NUL anywhere makes the
 * message bad. A bad DATA message is still scanned, with bare CR and LF as
 * ordinary octets, to the true CRLF.CRLF, so nothing after a fake end
 * marker is ever read as a command; the caller then refuses the message.
 */
#ifndef VOUCH_SMTP_DATA_H
#define VOUCH_SMTP_DATA_H

#include <stddef.h>

enum smtp_data_mode { SMTP_DATA_DOT, SMTP_DATA_CHUNK };

/* Why a message is bad; the first problem found is kept. */
enum smtp_data_err {
	SMTP_DATA_OK = 0,
	SMTP_DATA_E_BARE_CR,
	SMTP_DATA_E_BARE_LF,
	SMTP_DATA_E_NUL,
	SMTP_DATA_E_LINE_LONG,
};

struct smtp_data {
	enum smtp_data_mode mode;
	int state;       /* internal */
	size_t max_line; /* longest line, CRLF included */
	size_t line_len; /* octets in the current line so far */
	enum smtp_data_err err;
	int done;                     /* DATA mode: end of data seen */
	unsigned long long out_total; /* decoded octets produced */
};

/* Start decoding a message; max_line includes the CRLF. */
void smtp_data_init(struct smtp_data *d, enum smtp_data_mode mode, size_t max_line);
/*
 * Consume input. Decoded octets go to out (room for inlen + 2 octets);
 * *outlen is set. Returns octets consumed: in DATA mode it stops right
 * after the end marker (d->done), leaving the rest for the command reader.
 * Once d->err is set nothing more is written to out.
 */
size_t smtp_data_feed(struct smtp_data *d, const char *in, size_t inlen, char *out, size_t *outlen);
/*
 * BDAT mode, after the LAST chunk: a message must end with CRLF; a final
 * partial line is an error only if it holds a pending CR. Writes at most
 * 2 octets to out (a CRLF to complete the last line).
 */
void smtp_data_finish(struct smtp_data *d, char *out, size_t *outlen);
/* Text for the reply to a bad message. */
const char *smtp_data_strerror(enum smtp_data_err e);

#endif
