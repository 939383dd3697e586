/*
 * smtp_cmd: command line and ESMTP parameter parsing (see smtp_cmd.h).
 */
#include "smtp/smtp_cmd.h"

#include <string.h>
#include <strings.h>
#include <time.h>

#include "util/str.h"

static const char *const verb_names[SMTP_VERB_COUNT] = {
	"UNKNOWN",
	"HELO",
	"EHLO",
	"MAIL",
	"RCPT",
	"DATA",
	"BDAT",
	"RSET",
	"NOOP",
	"QUIT",
	"HELP",
	"VRFY",
	"EXPN",
	"STARTTLS",
	"AUTH",
	"XVOUCH",
	"XGEN",
};

#define PERR(e, c, st, t) ((e)->code = (c), (e)->status = (st), (e)->text = (t), -1)

const char *
smtp_verb_name(enum smtp_verb v)
{
	return (unsigned)v < SMTP_VERB_COUNT ? verb_names[v] : "UNKNOWN";
}

int
smtp_cmd_parse(const char *line, size_t len, struct smtp_cmd *cmd, struct smtp_perr *err)
{
	size_t vlen = 0;

	cmd->verb = SMTP_VERB_UNKNOWN;
	cmd->arg = "";
	cmd->arglen = 0;
	if (memchr(line, '\0', len) != NULL)
		return PERR(err, 500, "5.5.2", "Syntax error: NUL character in command");
	while (vlen < len && line[vlen] != ' ')
		vlen++;
	for (int v = 1; v < SMTP_VERB_COUNT; v++) {
		if (str_nieq(line, vlen, verb_names[v])) {
			cmd->verb = (enum smtp_verb)v;
			break;
		}
	}
	if (cmd->verb == SMTP_VERB_UNKNOWN)
		return PERR(err, 500, "5.5.1", "Syntax error: command unrecognized");
	if (vlen < len) {
		cmd->arg = line + vlen + 1;
		cmd->arglen = len - vlen - 1;
	}
	return 0;
}

int
smtp_xtext_ok(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '+') {
			/* hexchar = "+" 2(DIGIT / "A"-"F"), upper case only */
			for (int k = 1; k <= 2; k++) {
				if (i + k >= len)
					return 0;
				char h = s[i + k];
				if (!((h >= '0' && h <= '9') || (h >= 'A' && h <= 'F')))
					return 0;
			}
			i += 2;
		} else if (c < 33 || c > 126 || c == '=') {
			return 0;
		}
	}
	return 1;
}

static int
hexval(char h)
{
	return h <= '9' ? h - '0' : h - 'A' + 10;
}

int
smtp_xtext_decode(const char *s, size_t len, char *dst, size_t dstsz)
{
	size_t o = 0;

	if (!smtp_xtext_ok(s, len))
		return -1;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c == '+') {
			c = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
			i += 2;
		}
		if (o + 1 >= dstsz)
			return -1;
		dst[o++] = c;
	}
	dst[o] = '\0';
	return (int)o;
}

int
smtp_xtext_encode(const char *s, size_t len, char *dst, size_t dstsz)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 33 || c > 126 || c == '+' || c == '=') {
			if (o + 4 > dstsz)
				return -1;
			dst[o++] = '+';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 15];
		} else {
			if (o + 2 > dstsz)
				return -1;
			dst[o++] = (char)c;
		}
	}
	if (o + 1 > dstsz)
		return -1;
	dst[o] = '\0';
	return (int)o;
}

/* One esmtp-param: keyword and optional value, pointing into the line. */
struct param {
	const char *kw;
	size_t kwlen;
	const char *val; /* NULL when there is no "=" */
	size_t vallen;
};

#define PARAMS_MAX 16

/*
 * Split "kw[=val] kw[=val]..." (RFC 5321 4.1.2 Mail-parameters). esmtp-
 * keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-"); esmtp-value = 1*(%d33-60
 * / %d62-126), plus UTF-8 under SMTPUTF8 (RFC 6531 3.3).
 */
static int
split_params(const char *s, size_t len, struct param *p, size_t *np, struct smtp_perr *err)
{
	size_t i = 0, n = 0;

	while (i < len) {
		if (s[i] != ' ')
			return PERR(err, 501, "5.5.4", "Syntax error in parameters");
		while (i < len && s[i] == ' ')
			i++;
		if (i >= len)
			break;
		if (n == PARAMS_MAX)
			return PERR(err, 501, "5.5.4", "Too many parameters");
		size_t ks = i;
		while (i < len && s[i] != '=' && s[i] != ' ') {
			char c = s[i];
			int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || (c == '-' && i > ks);
			if (!ok)
				return PERR(err, 501, "5.5.4", "Syntax error in parameter keyword");
			i++;
		}
		if (i == ks)
			return PERR(err, 501, "5.5.4", "Syntax error in parameters");
		p[n].kw = s + ks;
		p[n].kwlen = i - ks;
		p[n].val = NULL;
		p[n].vallen = 0;
		if (i < len && s[i] == '=') {
			size_t vs = ++i;
			while (i < len && s[i] != ' ') {
				unsigned char c = (unsigned char)s[i];
				if (c < 33 || c == '=' || c == 127)
					return PERR(
					    err, 501, "5.5.4", "Syntax error in parameter value");
				i++;
			}
			if (i == vs)
				return PERR(
				    err, 501, "5.5.4", "Syntax error: empty parameter value");
			p[n].val = s + vs;
			p[n].vallen = i - vs;
		}
		for (size_t k = 0; k < n; k++)
			if (p[k].kwlen == p[n].kwlen &&
			    strncasecmp(p[k].kw, p[n].kw, p[n].kwlen) == 0)
				return PERR(err, 501, "5.5.4", "Duplicate parameter");
		n++;
	}
	*np = n;
	return 0;
}

static int
is_kw(const struct param *p, const char *kw)
{
	return str_nieq(p->kw, p->kwlen, kw);
}

static int
val_is(const struct param *p, const char *v)
{
	return p->val && str_nieq(p->val, p->vallen, v);
}

static int
copy_val(const struct param *p, char *dst, size_t dstsz)
{
	if (p->vallen + 1 > dstsz)
		return -1;
	memcpy(dst, p->val, p->vallen);
	dst[p->vallen] = '\0';
	return 0;
}

/* Skip "FROM:" / "TO:" and the optional spaces some clients add. */
static int
skip_prefix(const char **arg, size_t *len, const char *prefix)
{
	size_t pl = strlen(prefix);

	if (*len < pl || strncasecmp(*arg, prefix, pl) != 0)
		return -1;
	*arg += pl;
	*len -= pl;
	while (*len > 0 && **arg == ' ') {
		(*arg)++;
		(*len)--;
	}
	return 0;
}

static int
addr_err(enum smtp_addr_err e, int sender, struct smtp_perr *err)
{
	const char *st = sender ? "5.1.7" : "5.1.3";

	if (e == SMTP_ADDR_E_UTF8)
		return PERR(err, 553, "5.6.7", "Non-ASCII address requires SMTPUTF8 (RFC 6531)");
	if (e == SMTP_ADDR_E_NULL)
		return PERR(err, 501, "5.1.3", "Null recipient address not allowed");
	if (e == SMTP_ADDR_E_NO_BRACKETS)
		return PERR(err, 501, "5.5.4",
		    sender ? "Syntax: MAIL FROM:<address>" : "Syntax: RCPT TO:<address>");
	if (e == SMTP_ADDR_E_LOCAL_LONG || e == SMTP_ADDR_E_DOMAIN_LONG ||
	    e == SMTP_ADDR_E_PATH_LONG) {
		err->code = 501;
		err->status = st;
		err->text = smtp_addr_strerror(e);
		return -1;
	}
	err->code = 501;
	err->status = st;
	err->text = sender ? "Bad sender address syntax" : "Bad recipient address syntax";
	return -1;
}

/* MAIL may carry raw UTF-8 in its path only under SMTPUTF8: look ahead. */
static int
has_smtputf8_param(const char *s, size_t len)
{
	for (size_t i = 0; i + 8 <= len; i++)
		if ((i == 0 || s[i - 1] == ' ') && strncasecmp(s + i, "SMTPUTF8", 8) == 0 &&
		    (i + 8 == len || s[i + 8] == ' '))
			return 1;
	return 0;
}

int
smtp_cmd_mail(
    const char *arg, size_t len, unsigned ext, struct smtp_mail_args *out, struct smtp_perr *err)
{
	struct param p[PARAMS_MAX];
	size_t np = 0, used = 0;
	int opts = SMTP_ADDR_ALLOW_NULL;
	enum smtp_addr_err e;

	memset(out, 0, sizeof(*out));
	out->size = -1;
	out->holdfor = -1;
	if (skip_prefix(&arg, &len, "FROM:") < 0)
		return PERR(err, 501, "5.5.4", "Syntax: MAIL FROM:<address>");
	if ((ext & SMTP_EXT_SMTPUTF8) && has_smtputf8_param(arg, len))
		opts |= SMTP_ADDR_ALLOW_UTF8;
	e = smtp_addr_parse_path(arg, len, opts, &out->from, &used);
	if (e != SMTP_ADDR_OK)
		return addr_err(e, 1, err);
	if (split_params(arg + used, len - used, p, &np, err) < 0)
		return -1;
	for (size_t i = 0; i < np; i++) {
		if (is_kw(&p[i], "SIZE") && (ext & SMTP_EXT_SIZE)) {
			long long v;
			char num[24];
			/* RFC 1870: size-value = 1*20DIGIT */
			if (p[i].val == NULL || copy_val(&p[i], num, sizeof(num)) < 0 ||
			    strspn(num, "0123456789") != p[i].vallen)
				return PERR(err, 501, "5.5.4", "Syntax error in SIZE parameter");
			if (str_to_ll(num, 0, (long long)9e18, &v) < 0)
				v = (long long)9e18; /* larger than any limit */
			out->size = v;
		} else if (is_kw(&p[i], "BODY") && (ext & SMTP_EXT_8BITMIME)) {
			if (val_is(&p[i], "7BIT"))
				out->body = SMTP_BODY_7BIT;
			else if (val_is(&p[i], "8BITMIME"))
				out->body = SMTP_BODY_8BITMIME;
			else if (val_is(&p[i], "BINARYMIME") && (ext & SMTP_EXT_BINARYMIME))
				out->body = SMTP_BODY_BINARYMIME;
			else
				return PERR(err, 501, "5.5.4", "Unsupported BODY value");
		} else if (is_kw(&p[i], "SMTPUTF8") && (ext & SMTP_EXT_SMTPUTF8)) {
			if (p[i].val)
				return PERR(err, 501, "5.5.4", "SMTPUTF8 takes no value");
			out->smtputf8 = 1;
		} else if (is_kw(&p[i], "RET") && (ext & SMTP_EXT_DSN)) {
			if (val_is(&p[i], "FULL"))
				out->ret = SMTP_RET_FULL;
			else if (val_is(&p[i], "HDRS"))
				out->ret = SMTP_RET_HDRS;
			else
				return PERR(err, 501, "5.5.4", "RET must be FULL or HDRS");
		} else if (is_kw(&p[i], "ENVID") && (ext & SMTP_EXT_DSN)) {
			if (p[i].val == NULL || !smtp_xtext_ok(p[i].val, p[i].vallen) ||
			    copy_val(&p[i], out->envid, sizeof(out->envid)) < 0)
				return PERR(
				    err, 501, "5.5.4", "Bad ENVID (xtext, at most 100 characters)");
		} else if (is_kw(&p[i], "AUTH") && (ext & SMTP_EXT_AUTH)) {
			/* RFC 4954 5: AUTH=<> or AUTH=xtext mailbox */
			if (p[i].val == NULL ||
			    (!val_is(&p[i], "<>") && !smtp_xtext_ok(p[i].val, p[i].vallen)) ||
			    copy_val(&p[i], out->auth, sizeof(out->auth)) < 0)
				return PERR(err, 501, "5.5.4", "Bad AUTH parameter");
		} else if (is_kw(&p[i], "HOLDFOR") && (ext & SMTP_EXT_FUTURERELEASE)) {
			/* RFC 4865 3: future-release-integer = 1*9DIGIT */
			char num[12];
			if (out->holduntil)
				return PERR(
				    err, 501, "5.5.4", "HOLDFOR and HOLDUNTIL cannot be combined");
			if (p[i].val == NULL || p[i].vallen > 9 ||
			    copy_val(&p[i], num, sizeof(num)) < 0 ||
			    strspn(num, "0123456789") != p[i].vallen ||
			    str_to_ll(num, 0, SMTP_HOLDFOR_MAX, &out->holdfor) < 0)
				return PERR(err, 501, "5.5.4",
				    "Syntax error in HOLDFOR (seconds: 1 to 9 digits)");
		} else if (is_kw(&p[i], "HOLDUNTIL") && (ext & SMTP_EXT_FUTURERELEASE)) {
			if (out->holdfor >= 0)
				return PERR(
				    err, 501, "5.5.4", "HOLDFOR and HOLDUNTIL cannot be combined");
			/* RFC 4865 3 (errata 2040): an RFC 3339 date-time */
			if (p[i].val == NULL ||
			    smtp_datetime_parse(p[i].val, p[i].vallen, &out->holduntil) < 0 ||
			    out->holduntil <= 0) {
				out->holduntil = 0;
				return PERR(err, 501, "5.5.4",
				    "Syntax error in HOLDUNTIL (an RFC 3339 date-time, e.g. "
				    "2026-12-02T10:00:00Z)");
			}
		} else {
			return PERR(err, 555, "5.5.4", "Unsupported MAIL parameter");
		}
	}
	if ((out->from.flags & SMTP_ADDR_UTF8) && !out->smtputf8)
		return PERR(err, 553, "5.6.7", "Non-ASCII address requires SMTPUTF8 (RFC 6531)");
	return 0;
}

int
smtp_cmd_rcpt(const char *arg, size_t len, unsigned ext, int utf8, struct smtp_rcpt_args *out,
    struct smtp_perr *err)
{
	struct param p[PARAMS_MAX];
	size_t np = 0, used = 0;
	int opts = SMTP_ADDR_ALLOW_POSTMASTER;
	enum smtp_addr_err e;

	memset(out, 0, sizeof(*out));
	if (skip_prefix(&arg, &len, "TO:") < 0)
		return PERR(err, 501, "5.5.4", "Syntax: RCPT TO:<address>");
	if (utf8)
		opts |= SMTP_ADDR_ALLOW_UTF8;
	e = smtp_addr_parse_path(arg, len, opts, &out->to, &used);
	if (e != SMTP_ADDR_OK)
		return addr_err(e, 0, err);
	if (split_params(arg + used, len - used, p, &np, err) < 0)
		return -1;
	for (size_t i = 0; i < np; i++) {
		if (is_kw(&p[i], "NOTIFY") && (ext & SMTP_EXT_DSN)) {
			/* RFC 3461 4.1: NEVER, or a list of SUCCESS, FAILURE, DELAY */
			const char *v = p[i].val;
			size_t vl = p[i].vallen, s = 0;
			if (v == NULL)
				return PERR(err, 501, "5.5.4", "NOTIFY needs a value");
			while (s <= vl) {
				size_t e2 = s;
				while (e2 < vl && v[e2] != ',')
					e2++;
				if (str_nieq(v + s, e2 - s, "NEVER"))
					out->notify |= SMTP_NOTIFY_NEVER;
				else if (str_nieq(v + s, e2 - s, "SUCCESS"))
					out->notify |= SMTP_NOTIFY_SUCCESS;
				else if (str_nieq(v + s, e2 - s, "FAILURE"))
					out->notify |= SMTP_NOTIFY_FAILURE;
				else if (str_nieq(v + s, e2 - s, "DELAY"))
					out->notify |= SMTP_NOTIFY_DELAY;
				else
					return PERR(err, 501, "5.5.4", "Bad NOTIFY value");
				s = e2 + 1;
			}
			if ((out->notify & SMTP_NOTIFY_NEVER) && out->notify != SMTP_NOTIFY_NEVER)
				return PERR(err, 501, "5.5.4", "NOTIFY=NEVER cannot be combined");
		} else if (is_kw(&p[i], "ORCPT") && (ext & SMTP_EXT_DSN)) {
			/* RFC 3461 4.2: addr-type ";" xtext */
			const char *semi = p[i].val ? memchr(p[i].val, ';', p[i].vallen) : NULL;
			if (semi == NULL || semi == p[i].val ||
			    !smtp_xtext_ok(semi + 1, p[i].vallen - (size_t)(semi + 1 - p[i].val)) ||
			    copy_val(&p[i], out->orcpt, sizeof(out->orcpt)) < 0)
				return PERR(err, 501, "5.5.4", "Bad ORCPT parameter");
		} else {
			return PERR(err, 555, "5.5.4", "Unsupported RCPT parameter");
		}
	}
	return 0;
}

int
smtp_cmd_bdat(
    const char *arg, size_t len, unsigned long long *size, int *last, struct smtp_perr *err)
{
	size_t i = 0;
	unsigned long long v = 0;

	*last = 0;
	/* RFC 3030 2: bdat-cmd = "BDAT" SP chunk-size [ SP end-marker ] */
	if (len == 0 || arg[0] < '0' || arg[0] > '9')
		return PERR(err, 501, "5.5.4", "Syntax: BDAT size [LAST]");
	while (i < len && arg[i] >= '0' && arg[i] <= '9') {
		if (v > (~0ULL - 9) / 10)
			return PERR(err, 552, "5.3.4", "Chunk size too large");
		v = v * 10 + (unsigned)(arg[i] - '0');
		i++;
	}
	if (i < len) {
		if (arg[i] != ' ' || !str_nieq(arg + i + 1, len - i - 1, "LAST"))
			return PERR(err, 501, "5.5.4", "Syntax: BDAT size [LAST]");
		*last = 1;
	}
	*size = v;
	return 0;
}

int
smtp_cmd_helo(const char *arg, size_t len, enum smtp_helo_kind *kind, struct smtp_perr *err)
{
	if (len == 0)
		return PERR(err, 501, "5.5.4", "Syntax: EHLO hostname");
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)arg[i];
		if (c <= ' ' || c >= 127)
			return PERR(
			    err, 501, "5.5.4", "Syntax: EHLO hostname (one printable word)");
	}
	if (arg[0] == '[') {
		struct smtp_addr a;
		char buf[SMTP_DOMAIN_MAX + 8];
		/* Reuse the mailbox grammar's literal check. */
		if (len + 3 < sizeof(buf)) {
			memcpy(buf, "x@", 2);
			memcpy(buf + 2, arg, len);
			if (smtp_addr_parse_mailbox(buf, len + 2, 0, &a) == SMTP_ADDR_OK) {
				*kind = SMTP_HELO_LITERAL;
				return 0;
			}
		}
		*kind = SMTP_HELO_INVALID;
		return 0;
	}
	*kind = smtp_addr_domain_ok(arg, len, 0) ? SMTP_HELO_DOMAIN : SMTP_HELO_INVALID;
	return 0;
}

/* n digits at s[*i] as a number, or -1. */
static int
digits(const char *s, size_t len, size_t *i, int n)
{
	int v = 0;

	for (int k = 0; k < n; k++, (*i)++) {
		if (*i >= len || s[*i] < '0' || s[*i] > '9')
			return -1;
		v = v * 10 + (s[*i] - '0');
	}
	return v;
}

static int
expect(const char *s, size_t len, size_t *i, const char *set)
{
	if (*i >= len || strchr(set, s[*i]) == NULL || s[*i] == '\0')
		return -1;
	(*i)++;
	return 0;
}

int
smtp_datetime_parse(const char *s, size_t len, long long *out)
{
	static const unsigned char mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	size_t i = 0;
	int y, mo, d, h, mi, sec, off = 0;

	/* full-date "T" partial-time time-offset (RFC 3339 5.6) */
	if ((y = digits(s, len, &i, 4)) < 0 || expect(s, len, &i, "-") < 0 ||
	    (mo = digits(s, len, &i, 2)) < 0 || expect(s, len, &i, "-") < 0 ||
	    (d = digits(s, len, &i, 2)) < 0 || expect(s, len, &i, "Tt") < 0 ||
	    (h = digits(s, len, &i, 2)) < 0 || expect(s, len, &i, ":") < 0 ||
	    (mi = digits(s, len, &i, 2)) < 0 || expect(s, len, &i, ":") < 0 ||
	    (sec = digits(s, len, &i, 2)) < 0)
		return -1;
	if (i < len && s[i] == '.') {
		size_t f = ++i;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == f)
			return -1;
	}
	if (i < len && (s[i] == 'Z' || s[i] == 'z')) {
		i++;
	} else if (i < len && (s[i] == '+' || s[i] == '-')) {
		int sign = s[i++] == '-' ? -1 : 1, oh, om;
		if ((oh = digits(s, len, &i, 2)) < 0 || expect(s, len, &i, ":") < 0 ||
		    (om = digits(s, len, &i, 2)) < 0 || oh > 23 || om > 59)
			return -1;
		off = sign * (oh * 3600 + om * 60);
	} else {
		return -1;
	}
	if (i != len || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 ||
	    sec > 60)
		return -1;
	if (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return -1;
	struct tm tm = { .tm_year = y - 1900,
		.tm_mon = mo - 1,
		.tm_mday = d,
		.tm_hour = h,
		.tm_min = mi,
		.tm_sec = sec }; /* a leap second: the next second's start */
	*out = (long long)timegm(&tm) - off;
	return 0;
}

void
smtp_datetime_format(long long t, char *buf, size_t bufsz)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL || strftime(buf, bufsz, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		str_copy(buf, bufsz, "");
}
