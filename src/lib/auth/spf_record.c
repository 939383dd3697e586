/*
 * spf_record: SPF record syntax (see spf_record.h). The grammar is RFC 7208
 * section 12; comments cite the rule each check enforces.
 */
#include "auth/spf_record.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth/spf_macro.h"
#include "util/log.h"
#include "util/xmalloc.h"

struct spf_record {
	struct spf_term *terms;
	size_t nterms;
	const char *redirect; /* domain-spec or NULL */
	const char *exp;      /* domain-spec or NULL */
	char *arena;          /* every string above, NUL-terminated */
	size_t arena_len, arena_cap;
};

static const char *const mech_names[] = {
	"all",
	"include",
	"a",
	"mx",
	"ptr",
	"ip4",
	"ip6",
	"exists",
};

const char *
spf_mech_name(enum spf_mech m)
{
	return (unsigned)m < sizeof(mech_names) / sizeof(mech_names[0]) ? mech_names[m] : "?";
}

int
spf_record_is_spf1(const char *txt, size_t len)
{
	/* RFC 7208 4.5: "v=spf1" then SP or the end of the record. */
	return len >= 6 && strncasecmp(txt, "v=spf1", 6) == 0 && (len == 6 || txt[6] == ' ');
}

/* Copy n bytes into the arena (sized at parse start, so never moves). */
static const char *
arena_put(struct spf_record *rec, const char *s, size_t n)
{
	char *p;

	if (rec->arena_len + n + 1 > rec->arena_cap)
		log_panic("spf_record: arena too small");
	p = rec->arena + rec->arena_len;
	memcpy(p, s, n);
	p[n] = '\0';
	rec->arena_len += n + 1;
	return p;
}

static int
fail(char *err, size_t errsz, const char *term, size_t n, const char *why)
{
	char esc[LOG_ESC_MAX];

	snprintf(err, errsz, "%s in %s", why, log_escape(esc, sizeof(esc), term, n));
	return -1;
}

/* Parse "/" digits: at most maxdigits, no leading zero, value <= max. */
static int
parse_cidr(const char *s, size_t n, unsigned maxdigits, unsigned max, unsigned *out)
{
	unsigned v = 0;

	/* RFC 7208 12: ip4-cidr-length = "/" ("0" / %x31-39 0*1DIGIT),
	 * ip6-cidr-length = "/" ("0" / %x31-39 0*2DIGIT) */
	if (n == 0 || n > maxdigits || (n > 1 && s[0] == '0'))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	/* RFC 7208 5.6/2: lengths beyond the address size are an error. */
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

/* Length of a trailing "/" 1*DIGIT in s[0..n), including the slash, or 0. */
static size_t
trailing_slash_digits(const char *s, size_t n)
{
	size_t i = n;

	while (i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9')
		i--;
	if (i == n || i == 0 || s[i - 1] != '/')
		return 0;
	return n - i + 1;
}

/*
 * Split a trailing dual-cidr-length off s[0..*n) (RFC 7208 5.3/5.4:
 * dual-cidr-length = [ ip4-cidr-length ] [ "/" ip6-cidr-length ]).
 */
static int
split_dual_cidr(const char *s, size_t *n, unsigned *c4, unsigned *c6)
{
	size_t k = trailing_slash_digits(s, *n);

	if (k > 0 && *n > k && s[*n - k - 1] == '/') {
		if (parse_cidr(s + *n - k + 1, k - 1, 3, 128, c6) < 0)
			return -1;
		*n -= k + 1;
		k = trailing_slash_digits(s, *n);
	}
	if (k > 0) {
		if (parse_cidr(s + *n - k + 1, k - 1, 2, 32, c4) < 0)
			return -1;
		*n -= k;
	}
	return 0;
}

/* RFC 7208 12: ip4-network = qnum "." qnum "." qnum "." qnum, no leading 0. */
static int
parse_ip4(const char *s, size_t n, uint8_t *out)
{
	size_t i = 0;

	for (int part = 0; part < 4; part++) {
		unsigned v = 0;
		size_t start = i;
		if (part > 0) {
			if (i >= n || s[i] != '.')
				return -1;
			start = ++i;
		}
		while (i < n && s[i] >= '0' && s[i] <= '9' && i - start < 3)
			v = v * 10 + (unsigned)(s[i++] - '0');
		if (i == start || v > 255 || (i - start > 1 && s[start] == '0'))
			return -1;
		out[part] = (uint8_t)v;
	}
	return i == n ? 0 : -1;
}

static int
parse_ip6(const char *s, size_t n, uint8_t *out)
{
	char buf[INET6_ADDRSTRLEN + 1];

	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return inet_pton(AF_INET6, buf, out) == 1 ? 0 : -1;
}

static int
set_spec(
    struct spf_record *rec, struct spf_term *t, const char *s, size_t n, char *err, size_t errsz)
{
	const char *why;

	if (spf_macro_check_domain(s, n, &why) < 0)
		return fail(err, errsz, t->text, strlen(t->text), why);
	t->spec = arena_put(rec, s, n);
	t->spec_len = n;
	return 0;
}

static int
parse_mechanism(struct spf_record *rec, const char *s, size_t n, char *err, size_t errsz)
{
	struct spf_term *t = &rec->terms[rec->nterms];
	size_t i = 0, nl;
	const char *rest;
	size_t rlen;
	int found = -1;

	memset(t, 0, sizeof(*t));
	t->text = arena_put(rec, s, n);
	t->qual = SPF_PASS;
	t->cidr4 = 32;
	t->cidr6 = 128;
	/* RFC 7208 4.6.2: qualifier = "+" / "-" / "?" / "~" */
	switch (s[0]) {
	case '+':
		t->qual = SPF_PASS;
		i++;
		break;
	case '-':
		t->qual = SPF_FAIL;
		i++;
		break;
	case '~':
		t->qual = SPF_SOFTFAIL;
		i++;
		break;
	case '?':
		t->qual = SPF_NEUTRAL;
		i++;
		break;
	}
	nl = i;
	while (nl < n &&
	    ((s[nl] >= 'a' && s[nl] <= 'z') || (s[nl] >= 'A' && s[nl] <= 'Z') ||
	        (s[nl] >= '0' && s[nl] <= '9')))
		nl++;
	for (size_t m = 0; m < sizeof(mech_names) / sizeof(mech_names[0]); m++) {
		if (strlen(mech_names[m]) == nl - i &&
		    strncasecmp(s + i, mech_names[m], nl - i) == 0) {
			found = (int)m;
			break;
		}
	}
	if (found < 0)
		return fail(err, errsz, s, n, "unknown mechanism");
	t->mech = (enum spf_mech)found;
	rest = s + nl;
	rlen = n - nl;

	switch (t->mech) {
	case SPF_M_ALL:
		/* RFC 7208 5.1: all = "all" */
		if (rlen != 0)
			return fail(err, errsz, s, n, "'all' takes no argument");
		break;
	case SPF_M_INCLUDE:
	case SPF_M_EXISTS:
		/* RFC 7208 5.2, 5.7: ":" domain-spec, required */
		if (rlen < 1 || rest[0] != ':')
			return fail(err, errsz, s, n, "expected ':' and a domain");
		if (set_spec(rec, t, rest + 1, rlen - 1, err, errsz) < 0)
			return -1;
		break;
	case SPF_M_A:
	case SPF_M_MX:
		/* RFC 7208 5.3, 5.4: [ ":" domain-spec ] [ dual-cidr-length ] */
		if (split_dual_cidr(rest, &rlen, &t->cidr4, &t->cidr6) < 0)
			return fail(err, errsz, s, n, "bad CIDR length");
		if (rlen > 0) {
			if (rest[0] != ':')
				return fail(err, errsz, s, n, "expected ':', '/' or the end");
			if (set_spec(rec, t, rest + 1, rlen - 1, err, errsz) < 0)
				return -1;
		}
		break;
	case SPF_M_PTR:
		/* RFC 7208 5.5: [ ":" domain-spec ] */
		if (rlen > 0) {
			if (rest[0] != ':')
				return fail(err, errsz, s, n, "expected ':' or the end");
			if (set_spec(rec, t, rest + 1, rlen - 1, err, errsz) < 0)
				return -1;
		}
		break;
	case SPF_M_IP4:
	case SPF_M_IP6: {
		/* RFC 7208 5.6: ":" network [ cidr-length ] */
		int v4 = t->mech == SPF_M_IP4;
		const char *slash;
		size_t netlen;
		if (rlen < 1 || rest[0] != ':')
			return fail(err, errsz, s, n, "expected ':' and a network");
		rest++;
		rlen--;
		slash = memchr(rest, '/', rlen);
		netlen = slash ? (size_t)(slash - rest) : rlen;
		if ((v4 ? parse_ip4(rest, netlen, t->net) : parse_ip6(rest, netlen, t->net)) < 0)
			return fail(err, errsz, s, n, v4 ? "bad IPv4 network" : "bad IPv6 network");
		if (slash &&
		    parse_cidr(slash + 1, rlen - netlen - 1, v4 ? 2 : 3, v4 ? 32 : 128,
		        v4 ? &t->cidr4 : &t->cidr6) < 0)
			return fail(err, errsz, s, n, "bad CIDR length");
		break;
	}
	}
	rec->nterms++;
	return 0;
}

static int
parse_modifier(struct spf_record *rec, const char *s, size_t n, size_t eq, char *err, size_t errsz)
{
	const char *v = s + eq + 1;
	size_t vl = n - eq - 1;
	const char *why;
	const char **slot = NULL;

	if (eq == 8 && strncasecmp(s, "redirect", 8) == 0)
		slot = &rec->redirect;
	else if (eq == 3 && strncasecmp(s, "exp", 3) == 0)
		slot = &rec->exp;
	if (slot == NULL) {
		/* RFC 7208 6: unknown modifiers are ignored, but their value must
		 * still be a macro-string (A/3). */
		if (spf_macro_check(v, vl, SPF_MACRO_EXP, &why) < 0)
			return fail(err, errsz, s, n, why);
		return 0;
	}
	/* RFC 7208 6: redirect and exp at most once each. */
	if (*slot != NULL)
		return fail(err, errsz, s, n, "modifier given twice");
	/* RFC 7208 6.1, 6.2: "=" domain-spec (not empty: erratum 4.6.1/4). */
	if (spf_macro_check_domain(v, vl, &why) < 0)
		return fail(err, errsz, s, n, why);
	*slot = arena_put(rec, v, vl);
	return 0;
}

int
spf_record_parse(const char *txt, size_t len, struct spf_record **out, char *err, size_t errsz)
{
	struct spf_record *rec;
	size_t i, maxterms = len / 2 + 1;

	*out = NULL;
	/* RFC 7208 3.1, 4.6.1: US-ASCII, terms separated by SP only. */
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)txt[i];
		if (c < 0x20 || c > 0x7e) {
			snprintf(err, errsz, "%s at offset %zu",
			    c >= 0x80 ? "non-ASCII byte" : "control character", i);
			return -1;
		}
	}
	if (!spf_record_is_spf1(txt, len)) {
		snprintf(err, errsz, "not a v=spf1 record");
		return -1;
	}
	/* One allocation: the record, its terms, then the strings' arena.
	 * Terms are initialised as they are parsed. */
	rec = xmalloc(sizeof(*rec) + maxterms * sizeof(*rec->terms) + 3 * len + 16);
	memset(rec, 0, sizeof(*rec));
	rec->terms = (struct spf_term *)(rec + 1);
	rec->arena_cap = 3 * len + 16;
	rec->arena = (char *)(rec->terms + maxterms);

	for (i = 6; i < len;) {
		size_t start, n, eq;
		while (i < len && txt[i] == ' ')
			i++;
		if (i >= len)
			break;
		start = i;
		while (i < len && txt[i] != ' ')
			i++;
		n = i - start;
		/* RFC 7208 12: modifier name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ),
		 * recognised by the "=" right after it. */
		eq = 0;
		if ((txt[start] >= 'a' && txt[start] <= 'z') ||
		    (txt[start] >= 'A' && txt[start] <= 'Z')) {
			eq = 1;
			while (eq < n) {
				char c = txt[start + eq];
				if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
				        (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'))
					break;
				eq++;
			}
			if (eq >= n || txt[start + eq] != '=')
				eq = 0;
		}
		if ((eq > 0 ? parse_modifier(rec, txt + start, n, eq, err, errsz)
		            : parse_mechanism(rec, txt + start, n, err, errsz)) < 0) {
			spf_record_free(rec);
			return -1;
		}
	}
	*out = rec;
	return 0;
}

void
spf_record_free(struct spf_record *rec)
{
	free(rec);
}

size_t
spf_record_nterms(const struct spf_record *rec)
{
	return rec->nterms;
}

const struct spf_term *
spf_record_term(const struct spf_record *rec, size_t i)
{
	return i < rec->nterms ? &rec->terms[i] : NULL;
}

const char *
spf_record_redirect(const struct spf_record *rec)
{
	return rec->redirect;
}

const char *
spf_record_exp(const struct spf_record *rec)
{
	return rec->exp;
}

void
spf_record_format(const struct spf_record *rec, struct strbuf *out)
{
	static const char quals[] = {
		[SPF_PASS] = '+', [SPF_FAIL] = '-', [SPF_SOFTFAIL] = '~', [SPF_NEUTRAL] = '?'
	};
	char buf[INET6_ADDRSTRLEN];

	strbuf_puts(out, "v=spf1");
	for (size_t i = 0; i < rec->nterms; i++) {
		const struct spf_term *t = &rec->terms[i];
		strbuf_puts(out, " ");
		if (t->qual != SPF_PASS)
			strbuf_append(out, &quals[t->qual], 1);
		strbuf_puts(out, spf_mech_name(t->mech));
		if (t->mech == SPF_M_IP4 || t->mech == SPF_M_IP6) {
			inet_ntop(
			    t->mech == SPF_M_IP4 ? AF_INET : AF_INET6, t->net, buf, sizeof(buf));
			strbuf_printf(out, ":%s", buf);
		} else if (t->spec) {
			strbuf_printf(out, ":%s", t->spec);
		}
		if ((t->mech == SPF_M_A || t->mech == SPF_M_MX || t->mech == SPF_M_IP4) &&
		    t->cidr4 != 32)
			strbuf_printf(out, "/%u", t->cidr4);
		if ((t->mech == SPF_M_A || t->mech == SPF_M_MX) && t->cidr6 != 128)
			strbuf_printf(out, "//%u", t->cidr6);
		if (t->mech == SPF_M_IP6 && t->cidr6 != 128)
			strbuf_printf(out, "/%u", t->cidr6);
	}
	if (rec->redirect)
		strbuf_printf(out, " redirect=%s", rec->redirect);
	if (rec->exp)
		strbuf_printf(out, " exp=%s", rec->exp);
}
