/*
 * str: small string helpers used across vouch, and strbuf, a growable
 * string with a hard maximum (every buffer has a limit, checked before
 * appending).
 */
#ifndef VOUCH_UTIL_STR_H
#define VOUCH_UTIL_STR_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* Copy src into dst (size dstsz) always terminating; returns strlen(src),
 * so a result >= dstsz means truncation. */
size_t str_copy(char *dst, size_t dstsz, const char *src);
/* snprintf for texts that may be cut (replies, reasons): always
 * terminated; returns 1 if the text was cut, else 0. */
int str_fmt(char *dst, size_t dstsz, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The value of a hexadecimal digit (either case), or -1. */
int str_hexval(int c);
/* Encode code point cp (at most 0x10ffff) as UTF-8 into b; returns the
 * octets written (1 to 4). */
size_t str_utf8_put(uint32_t cp, char b[4]);
/* Length of one well-formed UTF-8 sequence of 2 to 4 octets at s (RFC 3629:
 * no overlongs, no surrogates, at most U+10FFFF), or 0. */
size_t str_utf8_seq(const unsigned char *s, size_t len);
/* True if s[0..len) is well-formed UTF-8 (ASCII included). */
int str_utf8_valid(const char *s, size_t len);
/* ASCII lower-case in place; returns s. */
char *str_lower(char *s);
/* ASCII case-insensitive equality of two strings. */
int str_ieq(const char *a, const char *b);
/* ASCII case-insensitive equality of s[0..n) with the NUL-terminated word. */
int str_nieq(const char *s, size_t n, const char *word);
/* Strip leading and trailing ASCII whitespace in place; returns start. */
char *str_trim(char *s);
/* Parse a decimal integer within [min, max]; 0 on success, -1 otherwise. */
int str_to_ll(const char *s, long long min, long long max, long long *out);
/* True if s ends with suffix, ASCII case-insensitively. */
int str_iends_with(const char *s, const char *suffix);

struct strbuf {
	char *s; /* NUL-terminated contents, owned */
	size_t len;
	size_t cap;
	size_t max; /* hard limit on len */
};

/* Initialise empty with a maximum length; strbuf_free releases. */
void strbuf_init(struct strbuf *sb, size_t max);
void strbuf_free(struct strbuf *sb);
void strbuf_reset(struct strbuf *sb);
/* Append; -1 (buffer unchanged) when the result would exceed max. */
int strbuf_append(struct strbuf *sb, const void *p, size_t n);
int strbuf_puts(struct strbuf *sb, const char *s);
int strbuf_printf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int strbuf_vprintf(struct strbuf *sb, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* Hand over the contents (caller frees) and reset the buffer. */
char *strbuf_steal(struct strbuf *sb);

#endif
