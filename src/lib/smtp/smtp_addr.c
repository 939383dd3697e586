/*
 * smtp_addr: RFC 5321 4.1.2 / RFC 6531 address grammar (see smtp_addr.h).
 */
#include "smtp/smtp_addr.h"

#include <arpa/inet.h>
#include <string.h>
#include <strings.h>

#include "util/str.h"

/* RFC 5322 3.2.3 atext, ASCII part. */
static int
is_atext(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return 1;
	return c != 0 && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

static int
is_letdig(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* A dot-string: Atom *("." Atom). */
static int
is_dot_string(const char *s, size_t len, int utf8)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, atom = 0;

	if (len == 0)
		return 0;
	while (i < len) {
		if (p[i] == '.') {
			if (atom == 0)
				return 0;
			atom = 0;
			i++;
			continue;
		}
		if (p[i] >= 0x80) {
			size_t n = utf8 ? str_utf8_seq(p + i, len - i) : 0;
			if (n == 0)
				return 0;
			i += n;
			atom++;
			continue;
		}
		if (!is_atext(p[i]))
			return 0;
		atom++;
		i++;
	}
	return atom > 0;
}

int
smtp_addr_domain_ok(const char *s, size_t len, int utf8)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	if (len == 0 || len > SMTP_DOMAIN_MAX)
		return 0;
	while (i < len) {
		size_t start = i, octets = 0;
		int last_hyphen = 0;
		/* sub-domain = Let-dig [Ldh-str]; U-labels when utf8. */
		while (i < len && p[i] != '.') {
			if (p[i] >= 0x80) {
				size_t n = utf8 ? str_utf8_seq(p + i, len - i) : 0;
				if (n == 0)
					return 0;
				i += n;
				octets += n;
				last_hyphen = 0;
				continue;
			}
			if (p[i] == '-') {
				if (i == start)
					return 0;
				last_hyphen = 1;
			} else if (is_letdig(p[i])) {
				last_hyphen = 0;
			} else {
				return 0;
			}
			i++;
			octets++;
		}
		if (octets == 0 || octets > 63 || last_hyphen)
			return 0;
		if (i < len) {
			i++; /* the dot */
			if (i == len)
				return 0; /* trailing dot: not RFC 5321 syntax */
		}
	}
	return 1;
}

/* address-literal: [IPv4] or [IPv6:...]; general literals are refused. */
static int
literal_ok(const char *s, size_t len)
{
	char buf[64];
	unsigned char bin[16];

	if (len < 3 || s[0] != '[' || s[len - 1] != ']' || len - 2 >= sizeof(buf))
		return 0;
	memcpy(buf, s + 1, len - 2);
	buf[len - 2] = '\0';
	if (strncasecmp(buf, "IPv6:", 5) == 0)
		return inet_pton(AF_INET6, buf + 5, bin) == 1;
	/* RFC 5321 4.1.3: Snum "." Snum "." Snum "." Snum, no leading junk. */
	for (char *c = buf; *c; c++)
		if (!(*c >= '0' && *c <= '9') && *c != '.')
			return 0;
	return inet_pton(AF_INET, buf, bin) == 1;
}

/* Parse Quoted-string at s; sets *used and writes decoded text. */
static enum smtp_addr_err
parse_quoted(
    const char *s, size_t len, int utf8, char *raw, size_t rawsz, size_t *rawlen, size_t *used)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 1, o = 0;

	while (i < len && p[i] != '"') {
		unsigned char c = p[i];
		if (c == '\\') {
			/* quoted-pairSMTP = %d92 %d32-126 */
			if (i + 1 >= len || p[i + 1] < 32 || p[i + 1] > 126)
				return SMTP_ADDR_E_LOCAL;
			if (o + 1 >= rawsz)
				return SMTP_ADDR_E_LOCAL_LONG;
			raw[o++] = (char)p[i + 1];
			i += 2;
			continue;
		}
		if (c >= 0x80) {
			size_t n = utf8 ? str_utf8_seq(p + i, len - i) : 0;
			if (n == 0)
				return SMTP_ADDR_E_UTF8;
			if (o + n >= rawsz)
				return SMTP_ADDR_E_LOCAL_LONG;
			memcpy(raw + o, p + i, n);
			o += n;
			i += n;
			continue;
		}
		/* qtextSMTP = %d32-33 / %d35-91 / %d93-126 */
		if (c < 32 || c > 126)
			return SMTP_ADDR_E_LOCAL;
		if (o + 1 >= rawsz)
			return SMTP_ADDR_E_LOCAL_LONG;
		raw[o++] = (char)c;
		i++;
	}
	if (i >= len)
		return SMTP_ADDR_E_LOCAL;
	raw[o] = '\0';
	*rawlen = o;
	*used = i + 1;
	return SMTP_ADDR_OK;
}

/* Canonical wire form of a decoded local part. */
static void
canonical_local(struct smtp_addr *a, size_t rawlen, int utf8)
{
	size_t o = 0;

	if (is_dot_string(a->local_raw, rawlen, utf8)) {
		memcpy(a->local, a->local_raw, rawlen + 1);
		a->flags &= ~(unsigned)SMTP_ADDR_QUOTED;
		return;
	}
	a->flags |= SMTP_ADDR_QUOTED;
	a->local[o++] = '"';
	for (size_t i = 0; i < rawlen; i++) {
		if (a->local_raw[i] == '"' || a->local_raw[i] == '\\')
			a->local[o++] = '\\';
		a->local[o++] = a->local_raw[i];
	}
	a->local[o++] = '"';
	a->local[o] = '\0';
}

static int
has_non_ascii(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return 1;
	return 0;
}

/* Mailbox = Local-part "@" ( Domain / address-literal ), s[0..len) exactly. */
static enum smtp_addr_err
parse_mailbox(const char *s, size_t len, int opts, struct smtp_addr *out)
{
	int utf8 = (opts & SMTP_ADDR_ALLOW_UTF8) != 0;
	size_t rawlen = 0, lp_end;
	const char *at;

	if (!utf8 && has_non_ascii(s, len))
		return SMTP_ADDR_E_UTF8;
	if (len > 0 && s[0] == '"') {
		size_t used;
		enum smtp_addr_err e = parse_quoted(
		    s, len, utf8, out->local_raw, sizeof(out->local_raw), &rawlen, &used);
		if (e != SMTP_ADDR_OK)
			return e;
		lp_end = used;
		if (lp_end >= len || s[lp_end] != '@')
			return SMTP_ADDR_E_SYNTAX;
	} else {
		/* An unquoted local part cannot hold '@': the first one ends it. */
		at = memchr(s, '@', len);
		if (at == NULL)
			return SMTP_ADDR_E_SYNTAX;
		lp_end = (size_t)(at - s);
		if (lp_end == 0)
			return SMTP_ADDR_E_LOCAL;
		if (lp_end > SMTP_LOCAL_MAX)
			return SMTP_ADDR_E_LOCAL_LONG;
		if (!is_dot_string(s, lp_end, utf8))
			return SMTP_ADDR_E_LOCAL;
		memcpy(out->local_raw, s, lp_end);
		rawlen = lp_end;
		out->local_raw[rawlen] = '\0';
	}
	if (lp_end > SMTP_LOCAL_MAX)
		return SMTP_ADDR_E_LOCAL_LONG;
	const char *dom = s + lp_end + 1;
	size_t dlen = len - lp_end - 1;
	if (dlen == 0)
		return SMTP_ADDR_E_DOMAIN;
	if (dlen > SMTP_DOMAIN_MAX)
		return SMTP_ADDR_E_DOMAIN_LONG;
	if (dom[0] == '[') {
		if (!literal_ok(dom, dlen))
			return SMTP_ADDR_E_DOMAIN;
		out->flags |= SMTP_ADDR_LITERAL;
	} else if (!smtp_addr_domain_ok(dom, dlen, utf8)) {
		return SMTP_ADDR_E_DOMAIN;
	}
	memcpy(out->domain, dom, dlen);
	out->domain[dlen] = '\0';
	canonical_local(out, rawlen, utf8);
	if (has_non_ascii(s, len))
		out->flags |= SMTP_ADDR_UTF8;
	return SMTP_ADDR_OK;
}

enum smtp_addr_err
smtp_addr_parse_mailbox(const char *s, size_t len, int opts, struct smtp_addr *out)
{
	memset(out, 0, sizeof(*out));
	return parse_mailbox(s, len, opts, out);
}

enum smtp_addr_err
smtp_addr_parse_path(const char *s, size_t len, int opts, struct smtp_addr *out, size_t *used)
{
	size_t end, i;
	int in_quote = 0;

	memset(out, 0, sizeof(*out));
	if (len == 0 || s[0] != '<')
		return SMTP_ADDR_E_NO_BRACKETS;
	/* Find the closing '>' outside a quoted string. */
	for (end = 1; end < len; end++) {
		if (in_quote && s[end] == '\\' && end + 1 < len) {
			end++;
			continue;
		}
		if (s[end] == '"')
			in_quote = !in_quote;
		else if (s[end] == '>' && !in_quote)
			break;
	}
	if (end >= len)
		return SMTP_ADDR_E_NO_BRACKETS;
	if (end + 1 > SMTP_PATH_MAX)
		return SMTP_ADDR_E_PATH_LONG;
	*used = end + 1;
	if (end == 1) {
		if (!(opts & SMTP_ADDR_ALLOW_NULL))
			return SMTP_ADDR_E_NULL;
		out->flags = SMTP_ADDR_NULL;
		return SMTP_ADDR_OK;
	}
	const char *p = s + 1;
	size_t plen = end - 1;
	/* RFC 5321 4.1.1.3: <Postmaster> without a domain. */
	if ((opts & SMTP_ADDR_ALLOW_POSTMASTER) && plen == 10 &&
	    strncasecmp(p, "postmaster", 10) == 0) {
		out->flags = SMTP_ADDR_POSTMASTER;
		memcpy(out->local, "postmaster", 11);
		memcpy(out->local_raw, "postmaster", 11);
		return SMTP_ADDR_OK;
	}
	/* A-d-l ":" — a source route, syntax-checked and then ignored
	 * (RFC 5321 4.1.1.3 and Appendix C). */
	if (p[0] == '@') {
		i = 0;
		for (;;) {
			size_t ds = ++i; /* past '@' */
			while (i < plen && p[i] != ',' && p[i] != ':')
				i++;
			if (i >= plen ||
			    !smtp_addr_domain_ok(
			        p + ds, i - ds, (opts & SMTP_ADDR_ALLOW_UTF8) != 0))
				return SMTP_ADDR_E_SYNTAX;
			if (p[i] == ':')
				break;
			if (i + 1 >= plen || p[i + 1] != '@')
				return SMTP_ADDR_E_SYNTAX;
			i++;
		}
		out->flags |= SMTP_ADDR_ROUTE;
		p += i + 1;
		plen -= i + 1;
	}
	unsigned route = out->flags & SMTP_ADDR_ROUTE;
	enum smtp_addr_err e = parse_mailbox(p, plen, opts, out);
	out->flags |= route;
	return e;
}

const char *
smtp_addr_strerror(enum smtp_addr_err e)
{
	switch (e) {
	case SMTP_ADDR_OK: return "ok";
	case SMTP_ADDR_E_SYNTAX: return "address syntax error";
	case SMTP_ADDR_E_NO_BRACKETS: return "address must be enclosed in <>";
	case SMTP_ADDR_E_LOCAL_LONG: return "local part longer than 64 octets";
	case SMTP_ADDR_E_DOMAIN_LONG: return "domain longer than 255 octets";
	case SMTP_ADDR_E_PATH_LONG: return "path longer than 256 octets";
	case SMTP_ADDR_E_DOMAIN: return "invalid domain or address literal";
	case SMTP_ADDR_E_LOCAL: return "invalid local part";
	case SMTP_ADDR_E_UTF8: return "non-ASCII address needs SMTPUTF8 (or is not valid UTF-8)";
	case SMTP_ADDR_E_NULL: return "null address not allowed here";
	}
	return "address error";
}

int
smtp_addr_format(const struct smtp_addr *a, char *dst, size_t dstsz)
{
	size_t ll, dl;

	if (a->flags & SMTP_ADDR_NULL) {
		if (dstsz < 1)
			return -1;
		dst[0] = '\0';
		return 0;
	}
	ll = strlen(a->local);
	dl = strlen(a->domain);
	if (a->flags & SMTP_ADDR_POSTMASTER) {
		if (ll + 1 > dstsz)
			return -1;
		memcpy(dst, a->local, ll + 1);
		return (int)ll;
	}
	if (ll + 1 + dl + 1 > dstsz)
		return -1;
	memcpy(dst, a->local, ll);
	dst[ll] = '@';
	memcpy(dst + ll + 1, a->domain, dl + 1);
	return (int)(ll + 1 + dl);
}
