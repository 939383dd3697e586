/*
 * dmarc_from: the RFC5322.From domain (see dmarc_from.h). The grammar is
 * RFC 5322 3.4 (mailbox-list, name-addr, angle-addr, addr-spec), 3.2.2
 * (CFWS), 4.4 (obs-angle-addr routes) and RFC 6854 (groups in From).
 */
#include "auth/dmarc_from.h"

#include <string.h>

#include "dns/dns_name.h"
#include "util/str.h"

enum tok {
	T_END,
	T_ATOM,
	T_QUOTED,
	T_LITERAL,
	T_SPECIAL,
	T_ERR,
};

struct lex {
	const char *s;
	size_t n, i;
	size_t off, len; /* the last token's text */
	char special;
};

static int
is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* RFC 5322 3.2.3 atext, plus UTF-8 (RFC 6532 3.2). */
static int
is_atext(unsigned char c)
{
	if (c >= 0x80)
		return 1;
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

/* RFC 5322 3.2.2 CFWS: white space and (nested) comments. -1 if unterminated. */
static int
skip_cfws(struct lex *l)
{
	while (l->i < l->n) {
		char c = l->s[l->i];
		if (is_ws(c)) {
			l->i++;
			continue;
		}
		if (c != '(')
			return 0;
		unsigned depth = 0;
		for (; l->i < l->n; l->i++) {
			c = l->s[l->i];
			if (c == '\\') {
				l->i++; /* quoted-pair */
			} else if (c == '(') {
				depth++;
			} else if (c == ')') {
				if (--depth == 0)
					break;
			}
		}
		if (l->i >= l->n)
			return -1;
		l->i++;
	}
	return 0;
}

/* Scan a delimited token from the opening char to close; -1 if unterminated. */
static int
delimited(struct lex *l, char close)
{
	for (l->i++; l->i < l->n; l->i++) {
		char c = l->s[l->i];
		if (c == '\\') {
			l->i++;
		} else if (c == close) {
			l->i++;
			return 0;
		} else if (close == ']' && c == '[') {
			return -1;
		}
	}
	return -1;
}

static enum tok
next(struct lex *l)
{
	if (skip_cfws(l) < 0)
		return T_ERR;
	if (l->i >= l->n)
		return T_END;
	l->off = l->i;
	unsigned char c = (unsigned char)l->s[l->i];
	if (c == '"' || c == '[') {
		if (delimited(l, c == '"' ? '"' : ']') < 0)
			return T_ERR;
		l->len = l->i - l->off;
		return c == '"' ? T_QUOTED : T_LITERAL;
	}
	if (c != '\0' && strchr("<>@,;:.", c)) {
		l->special = (char)c;
		l->i++;
		l->len = 1;
		return T_SPECIAL;
	}
	if (!is_atext(c))
		return T_ERR; /* control characters, ')', '\\', ']' */
	while (l->i < l->n && is_atext((unsigned char)l->s[l->i]))
		l->i++;
	l->len = l->i - l->off;
	return T_ATOM;
}

/* The address being read: what follows its last "@". */
struct addr {
	unsigned local; /* words and dots before the "@" */
	unsigned ats;   /* "@"s seen */
	char dom[DNS_NAME_MAX + 2];
	size_t dlen;
	int literal, bad, last_atom;
};

static void
addr_reset(struct addr *a)
{
	memset(a, 0, sizeof(*a));
}

static void
addr_token(struct addr *a, enum tok t, const struct lex *l)
{
	if (t == T_SPECIAL && l->special == '@') {
		a->ats++;
		a->dlen = 0;
		a->literal = a->bad = a->last_atom = 0;
		return;
	}
	if (a->ats == 0) {
		a->local++;
		return;
	}
	if (t == T_LITERAL) {
		a->literal = 1;
	} else if (t == T_ATOM || (t == T_SPECIAL && l->special == '.')) {
		/* RFC 5322 3.4.1 domain = dot-atom (obs-domain: CFWS between) */
		if (t == T_ATOM && a->last_atom)
			a->bad = 1;
		a->last_atom = t == T_ATOM;
		if (a->dlen + l->len >= sizeof(a->dom)) {
			a->bad = 1;
			return;
		}
		memcpy(a->dom + a->dlen, l->s + l->off, l->len);
		a->dlen += l->len;
	} else {
		a->bad = 1; /* a quoted string in the domain */
	}
}

struct result {
	char *domain;
	size_t domainsz;
	unsigned naddrs;
	int multi, literal;
};

/* A finished addr-spec; -1 on a syntax error. */
static int
addr_done(struct addr *a, struct result *r)
{
	if (a->ats == 0 || a->local == 0 || a->bad || (a->dlen == 0 && !a->literal))
		return -1;
	r->naddrs++;
	if (a->literal) {
		r->literal = 1;
		return 0;
	}
	a->dom[a->dlen] = '\0';
	/* one trailing dot is the root ("example.com."); "example.com.." has an
	 * empty label, which dns_name_check() would pass once the first dot went */
	if (a->dlen > 0 && a->dom[a->dlen - 1] == '.')
		a->dom[--a->dlen] = '\0';
	str_lower(a->dom);
	if (a->dlen == 0 || a->dom[0] == '.' || a->dom[a->dlen - 1] == '.' ||
	    dns_name_check(a->dom) < 0)
		return -1;
	if (r->domain[0] == '\0')
		str_copy(r->domain, r->domainsz, a->dom);
	else if (strcmp(r->domain, a->dom) != 0)
		r->multi = 1;
	return 0;
}

enum dmarc_from_status
dmarc_from_parse(const char *value, size_t len, char *domain, size_t domainsz, unsigned *naddrs)
{
	struct lex l = { .s = value, .n = len };
	struct result r = { .domain = domain, .domainsz = domainsz };
	struct addr a;
	int in_group = 0, in_angle = 0, angle_done = 0, words = 0;
	enum dmarc_from_status st = DMARC_FROM_SYNTAX;

	if (domainsz < DNS_NAME_MAX + 1)
		return DMARC_FROM_SYNTAX;
	domain[0] = '\0';
	if (naddrs)
		*naddrs = 0;
	if (len > DMARC_FROM_MAX)
		return DMARC_FROM_SYNTAX;
	addr_reset(&a);
	for (;;) {
		enum tok t = next(&l);
		char sp = t == T_SPECIAL ? l.special : '\0';

		if (t == T_ERR)
			goto out;
		if (in_angle) {
			if (t == T_END)
				goto out;
			if (sp == '>') {
				if (addr_done(&a, &r) < 0)
					goto out;
				in_angle = 0;
				angle_done = 1;
			} else if (sp == ':' && a.ats > 0 && a.local == 0) {
				addr_reset(&a); /* RFC 5322 4.4 obs-route "@a,@b:" ends */
			} else if (sp == ',' && a.ats > 0 && a.local == 0) {
				continue; /* between the domains of an obs-route */
			} else if (sp == '<' || sp == ',' || sp == ';' || sp == ':') {
				goto out;
			} else {
				addr_token(&a, t, &l);
			}
			continue;
		}
		if (t == T_END || sp == ',' || sp == ';') {
			/* the end of one mailbox (or of an empty list element) */
			if (!angle_done && words > 0 && addr_done(&a, &r) < 0)
				goto out;
			if (sp == ';') {
				if (!in_group)
					goto out;
				in_group = 0;
			}
			if (t == T_END)
				break;
			addr_reset(&a);
			words = angle_done = 0;
			continue;
		}
		if (angle_done)
			continue; /* after "<...>": only CFWS is expected; be lenient */
		if (sp == '<') {
			addr_reset(&a); /* the words before were the display name */
			in_angle = 1;
			continue;
		}
		if (sp == ':') {
			/* RFC 6854 / 5322 3.4 group: display-name ":" [group-list] ";" */
			if (in_group || words == 0 || a.ats > 0)
				goto out;
			in_group = 1;
			addr_reset(&a);
			words = 0;
			continue;
		}
		if (sp == '>')
			goto out;
		words++;
		addr_token(&a, t, &l);
	}
	if (in_group)
		goto out; /* a group without its ";" */
	if (r.naddrs == 0)
		st = DMARC_FROM_NONE;
	else if (r.multi || (r.literal && r.domain[0]))
		st = DMARC_FROM_MULTI;
	else if (r.literal)
		st = DMARC_FROM_LITERAL;
	else
		st = DMARC_FROM_OK;
out:
	if (naddrs)
		*naddrs = r.naddrs;
	if (st == DMARC_FROM_SYNTAX || st == DMARC_FROM_NONE || st == DMARC_FROM_LITERAL)
		domain[0] = '\0';
	return st;
}

const char *
dmarc_from_status_name(enum dmarc_from_status s)
{
	static const char *const names[] = { "ok", "none", "multiple domains", "address literal",
		"syntax" };

	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}
