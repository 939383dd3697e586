/*
 * smtp_addr: the RFC 5321 4.1.2 path and mailbox grammar, extended for
 * SMTPUTF8 (RFC 6531 3.3). Pure: bytes in, a parsed address or a typed
 * error out.
 *
 * A parsed address keeps the local part twice: in canonical wire form
 * (unquoted when the content is a valid Dot-string, otherwise minimally
 * quoted) and decoded (quotes and backslashes removed), so routing tricks
 * hidden in a quoted local part ("user@other"@local) can be seen.
 */
#ifndef VOUCH_SMTP_ADDR_H
#define VOUCH_SMTP_ADDR_H

#include <stddef.h>

/* RFC 5321 4.5.3.1.1-3 */
#define SMTP_LOCAL_MAX 64
#define SMTP_DOMAIN_MAX 255
#define SMTP_PATH_MAX 256

enum smtp_addr_flags {
	SMTP_ADDR_NULL = 1 << 0,       /* the null reverse-path <> */
	SMTP_ADDR_QUOTED = 1 << 1,     /* local part needs quoting on the wire */
	SMTP_ADDR_LITERAL = 1 << 2,    /* domain is an address literal [..] */
	SMTP_ADDR_UTF8 = 1 << 3,       /* contains non-ASCII (needs SMTPUTF8) */
	SMTP_ADDR_ROUTE = 1 << 4,      /* a source route was given (and dropped) */
	SMTP_ADDR_POSTMASTER = 1 << 5, /* the bare <Postmaster> (RFC 5321 4.1.1.3) */
};

enum smtp_addr_err {
	SMTP_ADDR_OK = 0,
	SMTP_ADDR_E_SYNTAX,      /* does not follow the grammar */
	SMTP_ADDR_E_NO_BRACKETS, /* path not enclosed in < > */
	SMTP_ADDR_E_LOCAL_LONG,  /* local part over 64 octets */
	SMTP_ADDR_E_DOMAIN_LONG, /* domain over 255 octets */
	SMTP_ADDR_E_PATH_LONG,   /* path over 256 octets */
	SMTP_ADDR_E_DOMAIN,      /* bad domain or address literal */
	SMTP_ADDR_E_LOCAL,       /* bad local part */
	SMTP_ADDR_E_UTF8,        /* non-ASCII without SMTPUTF8, or bad UTF-8 */
	SMTP_ADDR_E_NULL,        /* <> where a mailbox is required */
};

struct smtp_addr {
	unsigned flags;
	char local[2 * SMTP_LOCAL_MAX + 3]; /* canonical wire form */
	char local_raw[SMTP_LOCAL_MAX + 1]; /* decoded */
	char domain[SMTP_DOMAIN_MAX + 1];   /* as given (literal with brackets) */
};

/* Options for parsing. */
enum smtp_addr_opt {
	SMTP_ADDR_ALLOW_NULL = 1 << 0,       /* accept <> (MAIL FROM) */
	SMTP_ADDR_ALLOW_UTF8 = 1 << 1,       /* SMTPUTF8 in effect */
	SMTP_ADDR_ALLOW_POSTMASTER = 1 << 2, /* accept bare <Postmaster> (RCPT) */
};

/*
 * Parse a path "<...>" at the start of s[0..len). On success fills out and
 * sets *used to the octets consumed (through '>'). Returns an error code.
 */
enum smtp_addr_err
smtp_addr_parse_path(const char *s, size_t len, int opts, struct smtp_addr *out, size_t *used);
/* Parse a whole bare mailbox "local@domain" (no brackets), e.g. from a file. */
enum smtp_addr_err
smtp_addr_parse_mailbox(const char *s, size_t len, int opts, struct smtp_addr *out);
/* Check a domain name (RFC 5321 Domain, or U-label form with utf8). */
int smtp_addr_domain_ok(const char *s, size_t len, int utf8);
/* A human-readable reason for an error, for the SMTP reply text. */
const char *smtp_addr_strerror(enum smtp_addr_err e);
/*
 * Write "local@domain" (or "" for the null path) into dst; returns the
 * length, or -1 if dst is too small.
 */
int smtp_addr_format(const struct smtp_addr *a, char *dst, size_t dstsz);

#endif
