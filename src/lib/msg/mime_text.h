/*
 * mime_text: the text codecs MIME needs to show a person what a part
 * was: transfer encodings (RFC 2045 6.7 quoted-printable, 6.8 base64),
 * encoded words in headers (RFC 2047), parameter values (RFC 2231),
 * charsets to UTF-8, and a sanitiser that keeps only what is safe to
 * display. Pure and bounded: output goes to a caller's strbuf, whose
 * limit is never exceeded (-1 is returned instead; what fitted stays).
 */
#ifndef VOUCH_MSG_MIME_TEXT_H
#define VOUCH_MSG_MIME_TEXT_H

#include <stddef.h>

#include "util/str.h"

/* Append the base64 decoding of in (other octets skipped; stops at '='). */
int mime_text_b64_decode(const char *in, size_t len, struct strbuf *out);
/* Append the quoted-printable decoding of in (soft line breaks removed). */
int mime_text_qp_decode(const char *in, size_t len, struct strbuf *out);
/*
 * Append in, quoted-printable encoded: line breaks (LF or CRLF) become
 * CRLF hard breaks, lines are cut at 76 octets with soft breaks, so the
 * result is 7-bit with short lines whatever in holds.
 */
int mime_text_qp_encode(const char *in, size_t len, struct strbuf *out);
/* Append in base64 encoded (RFC 2045 6.8) in lines of 76 octets plus CRLF. */
int mime_text_b64_encode(const char *in, size_t len, struct strbuf *out);

/*
 * Append in, converted from charset to UTF-8. UTF-8, US-ASCII and the
 * common ISO-8859, Windows and East Asian charsets are converted; octets
 * that are not valid in the charset, or any non-ASCII octet of a charset
 * not on that list, become '?'.
 */
int mime_text_to_utf8(const char *charset, const char *in, size_t len, struct strbuf *out);
/* Append the header text in with RFC 2047 encoded words decoded to UTF-8. */
int mime_text_decode_words(const char *in, size_t len, struct strbuf *out);

enum {
	MIME_SAN_NEWLINES = 1, /* keep LF (otherwise line breaks become spaces) */
};
/*
 * Append the displayable part of the UTF-8 text in: invalid sequences,
 * control characters, bidirectional overrides and zero-width characters
 * (what makes "gpj.exe" look like "exe.jpg") become '?', at most max
 * octets are appended, and "..." marks a cut.
 */
int mime_text_sanitize(const char *in, size_t len, unsigned flags, size_t max, struct strbuf *out);

#endif
