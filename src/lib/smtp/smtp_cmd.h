/*
 * smtp_cmd: SMTP command lines and their arguments (RFC 5321 4.1, ESMTP
 * parameters of RFC 1870, 6152, 3030, 6531, 3461, 4954). Pure: a line in,
 * a structure or a precise reply (code, enhanced status, text) out.
 */
#ifndef VOUCH_SMTP_CMD_H
#define VOUCH_SMTP_CMD_H

#include <stddef.h>

#include "smtp/smtp_addr.h"

enum smtp_verb {
	SMTP_VERB_UNKNOWN = 0,
	SMTP_VERB_HELO,
	SMTP_VERB_EHLO,
	SMTP_VERB_MAIL,
	SMTP_VERB_RCPT,
	SMTP_VERB_DATA,
	SMTP_VERB_BDAT,
	SMTP_VERB_RSET,
	SMTP_VERB_NOOP,
	SMTP_VERB_QUIT,
	SMTP_VERB_HELP,
	SMTP_VERB_VRFY,
	SMTP_VERB_EXPN,
	SMTP_VERB_STARTTLS,
	SMTP_VERB_AUTH,
	SMTP_VERB_XVOUCH,
	SMTP_VERB_XGEN,
	SMTP_VERB_COUNT
};

/* A parse failure: the reply the server should send. Strings are static. */
struct smtp_perr {
	int code;
	const char *status; /* enhanced status code, e.g. "5.5.4" */
	const char *text;
};

struct smtp_cmd {
	enum smtp_verb verb;
	const char *arg; /* points into the line; "" when none */
	size_t arglen;
};

/* Verb name for logs ("MAIL"), or "UNKNOWN". */
const char *smtp_verb_name(enum smtp_verb v);
/*
 * Split a command line (without CRLF) into verb and argument. Returns 0,
 * or -1 with *err set (unknown verb, bad characters).
 */
int smtp_cmd_parse(const char *line, size_t len, struct smtp_cmd *cmd, struct smtp_perr *err);

enum smtp_body { SMTP_BODY_NONE = 0, SMTP_BODY_7BIT, SMTP_BODY_8BITMIME, SMTP_BODY_BINARYMIME };
enum smtp_ret { SMTP_RET_NONE = 0, SMTP_RET_FULL, SMTP_RET_HDRS };
enum smtp_notify {
	SMTP_NOTIFY_NEVER = 1 << 0,
	SMTP_NOTIFY_SUCCESS = 1 << 1,
	SMTP_NOTIFY_FAILURE = 1 << 2,
	SMTP_NOTIFY_DELAY = 1 << 3,
};

/* RFC 3461 4.4: ENVID at most 100 characters; 4.2: ORCPT at most 500. */
#define SMTP_ENVID_MAX 100
#define SMTP_ORCPT_MAX 500
#define SMTP_AUTH_PARAM_MAX 500

/* Which extensions the server offers, so unoffered parameters are refused. */
enum smtp_ext {
	SMTP_EXT_SIZE = 1 << 0,
	SMTP_EXT_8BITMIME = 1 << 1,
	SMTP_EXT_SMTPUTF8 = 1 << 2,
	SMTP_EXT_DSN = 1 << 3,
	SMTP_EXT_AUTH = 1 << 4,
	SMTP_EXT_BINARYMIME = 1 << 5,
	SMTP_EXT_CHUNKING = 1 << 6,
	SMTP_EXT_FUTURERELEASE = 1 << 7, /* RFC 4865: HOLDFOR, HOLDUNTIL */
};

/* RFC 4865 3: future-release-integer = 1*9DIGIT. */
#define SMTP_HOLDFOR_MAX 999999999LL

struct smtp_mail_args {
	struct smtp_addr from;
	long long size; /* SIZE=, -1 if not given */
	enum smtp_body body;
	int smtputf8;
	enum smtp_ret ret;
	char envid[SMTP_ENVID_MAX + 1];     /* xtext as received */
	char auth[SMTP_AUTH_PARAM_MAX + 1]; /* AUTH= value (xtext) or "" */
	long long holdfor;                  /* RFC 4865 HOLDFOR= seconds, -1 if not given */
	long long holduntil;                /* HOLDUNTIL= as unix seconds, 0 if not given */
};

struct smtp_rcpt_args {
	struct smtp_addr to;
	unsigned notify;                /* enum smtp_notify bits; 0 = not given */
	char orcpt[SMTP_ORCPT_MAX + 1]; /* "addr-type;xtext" as received */
};

/* Parse the argument of MAIL ("FROM:<path> params"). ext: enum smtp_ext. */
int smtp_cmd_mail(
    const char *arg, size_t len, unsigned ext, struct smtp_mail_args *out, struct smtp_perr *err);
/* Parse the argument of RCPT ("TO:<path> params"); utf8 if MAIL had SMTPUTF8. */
int smtp_cmd_rcpt(const char *arg, size_t len, unsigned ext, int utf8, struct smtp_rcpt_args *out,
    struct smtp_perr *err);
/* Parse the argument of BDAT ("size [LAST]"). */
int smtp_cmd_bdat(
    const char *arg, size_t len, unsigned long long *size, int *last, struct smtp_perr *err);
enum smtp_helo_kind {
	SMTP_HELO_DOMAIN,  /* RFC 5321 Domain syntax */
	SMTP_HELO_LITERAL, /* a valid address literal */
	SMTP_HELO_INVALID, /* printable but not RFC syntax: judged by policy */
};
/*
 * Check an EHLO/HELO argument. Empty or unprintable arguments are refused
 * (-1, *err set); anything else is classified for the HELO check.
 */
int smtp_cmd_helo(const char *arg, size_t len, enum smtp_helo_kind *kind, struct smtp_perr *err);
/*
 * An RFC 3339 5.6 date-time ("2026-12-02T10:00:00Z", "...T11:00:00.5+01:00")
 * as unix seconds (fractions dropped); -1 if it is not one. Pure: no time
 * zone database, no clock.
 */
int smtp_datetime_parse(const char *s, size_t len, long long *out);
/* Unix seconds as an RFC 3339 UTC date-time ("2026-12-02T10:00:00Z"). */
void smtp_datetime_format(long long t, char *buf, size_t bufsz);
/* True if s[0..len) is valid xtext (RFC 3461 4). */
int smtp_xtext_ok(const char *s, size_t len);
/* Decode xtext into dst (NUL-terminated); -1 if invalid or too long. */
int smtp_xtext_decode(const char *s, size_t len, char *dst, size_t dstsz);
/* Encode bytes as xtext into dst; -1 if too long. */
int smtp_xtext_encode(const char *s, size_t len, char *dst, size_t dstsz);

#endif
