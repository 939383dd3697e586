/*
 * dmarc_record: DMARC record syntax (see dmarc_record.h). The grammar is
 * RFC 7489 6.4 over DKIM's tag-list (RFC 6376 3.2); comments cite the rule
 * each check enforces.
 */
#include "auth/dmarc_record.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util/log.h"

static const char *const result_names[] = {
	"none",
	"pass",
	"fail",
	"temperror",
	"permerror",
};
static const char *const policy_names[] = { "none", "quarantine", "reject" };

const char *
dmarc_result_name(enum dmarc_result r)
{
	return (unsigned)r < sizeof(result_names) / sizeof(result_names[0]) ? result_names[r] : "?";
}

const char *
dmarc_policy_name(enum dmarc_policy p)
{
	return (unsigned)p < sizeof(policy_names) / sizeof(policy_names[0]) ? policy_names[p] : "?";
}

const char *
dmarc_align_name(enum dmarc_align a)
{
	return a == DMARC_ALIGN_STRICT ? "s" : "r";
}

const char *
dmarc_disc_status_name(enum dmarc_disc_status s)
{
	static const char *const names[] = { "none", "found", "temperror", "permerror" };

	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

/* RFC 7489 6.4 *WSP; DKIM's FWS allows line breaks too. */
static int
is_wsp(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int
is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Trim WSP from both ends of s[0..*n). */
static const char *
trim(const char *s, size_t *n)
{
	while (*n > 0 && is_wsp(s[0])) {
		s++;
		(*n)--;
	}
	while (*n > 0 && is_wsp(s[*n - 1]))
		(*n)--;
	return s;
}

/* Append one note ("; "-separated); a full buffer ends with "...". */
static void __attribute__((format(printf, 2, 3)))
note(struct dmarc_record *rec, const char *fmt, ...)
{
	size_t used = strlen(rec->notes);
	char one[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(one, sizeof(one), fmt, ap);
	va_end(ap);
	if (used + (used ? 2 : 0) + strlen(one) + 4 >= sizeof(rec->notes)) {
		if (used + 4 < sizeof(rec->notes) &&
		    (used < 3 || strcmp(rec->notes + used - 3, "...")))
			str_copy(rec->notes + used, sizeof(rec->notes) - used, "...");
		return;
	}
	snprintf(rec->notes + used, sizeof(rec->notes) - used, "%s%s", used ? "; " : "", one);
}

/* A tag's text for a note, escaped and short. */
static const char *
esc(char *buf, size_t bufsz, const char *s, size_t n)
{
	return log_escape(buf, bufsz, s, n > 40 ? 40 : n);
}

int
dmarc_policy_parse(const char *s, size_t n, enum dmarc_policy *out)
{
	for (size_t i = 0; i < sizeof(policy_names) / sizeof(policy_names[0]); i++) {
		if (str_nieq(s, n, policy_names[i])) {
			*out = (enum dmarc_policy)i;
			return 0;
		}
	}
	return -1;
}

int
dmarc_record_is_dmarc1(const char *txt, size_t len)
{
	size_t i = 0;

	/* RFC 7489 6.4: dmarc-version = "v" *WSP "=" *WSP %x44 %x4d %x41 %x52 %x43 %x31,
	 * then dmarc-sep or the end. Leading FWS is DKIM's tag-spec. */
	while (i < len && is_wsp(txt[i]))
		i++;
	if (i >= len || (txt[i] != 'v' && txt[i] != 'V'))
		return 0;
	for (i++; i < len && is_wsp(txt[i]); i++)
		;
	if (i >= len || txt[i] != '=')
		return 0;
	for (i++; i < len && is_wsp(txt[i]); i++)
		;
	if (len - i < 6 || memcmp(txt + i, "DMARC1", 6) != 0)
		return 0;
	for (i += 6; i < len && is_wsp(txt[i]); i++)
		;
	return i == len || txt[i] == ';';
}

/* 1*DIGIT into a value <= max; 0, or -1. */
static int
parse_uint(const char *s, size_t n, unsigned maxdigits, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (n == 0 || n > maxdigits)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return -1;
		if (v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

/* RFC 3986 2: the characters a URI may hold (pct-encoded checked apart). */
static int
uri_char(unsigned char c)
{
	if (is_alpha((char)c) || is_digit((char)c))
		return 1;
	/* unreserved, gen-delims, sub-delims without ',' and '!' (RFC 7489
	 * 6.4: they MUST be encoded inside a dmarc-uri) */
	return c != '\0' && strchr("-._~:/?#[]@$&'()*+;=", c) != NULL;
}

/* A URI: scheme ":" and at least one more character (RFC 3986 3). */
static int
uri_ok(const char *s, size_t n)
{
	size_t i = 0;

	if (n == 0 || !is_alpha(s[0]))
		return 0;
	while (i < n &&
	    (is_alpha(s[i]) || is_digit(s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.'))
		i++;
	if (i >= n || s[i] != ':' || i + 1 >= n)
		return 0;
	for (i++; i < n; i++) {
		if (s[i] == '%') {
			if (i + 2 >= n || str_hexval(s[i + 1]) < 0 || str_hexval(s[i + 2]) < 0)
				return 0;
			i += 2;
		} else if (!uri_char((unsigned char)s[i])) {
			return 0;
		}
	}
	return 1;
}

/*
 * One dmarc-uri = URI [ "!" 1*DIGIT [ "k" / "m" / "g" / "t" ] ] into *u.
 * 0, or -1 with a reason.
 */
static int
parse_dmarc_uri(const char *s, size_t n, struct dmarc_uri *u, const char **why)
{
	const char *bang = memchr(s, '!', n);
	size_t ulen = bang ? (size_t)(bang - s) : n;

	memset(u, 0, sizeof(*u));
	if (!uri_ok(s, ulen)) {
		*why = "not a URI";
		return -1;
	}
	if (ulen > DMARC_URI_MAX) {
		*why = "URI too long";
		return -1;
	}
	if (bang) {
		const char *d = bang + 1;
		size_t dn = n - ulen - 1;
		unsigned shift = 0;
		uint64_t v;

		if (dn > 0 && !is_digit(d[dn - 1])) {
			switch (d[dn - 1]) {
			case 'k':
			case 'K': shift = 10; break;
			case 'm':
			case 'M': shift = 20; break;
			case 'g':
			case 'G': shift = 30; break;
			case 't':
			case 'T': shift = 40; break;
			default: *why = "bad size unit"; return -1;
			}
			dn--;
		}
		/* 6.4: "the numeric portion MUST fit within an unsigned 64-bit integer" */
		if (parse_uint(d, dn, 20, UINT64_MAX, &v) < 0) {
			*why = "bad size limit";
			return -1;
		}
		u->limit = shift && v > (UINT64_MAX >> shift) ? UINT64_MAX : v << shift;
		if (u->limit == 0)
			u->limit = 1; /* "!0": nothing fits; 0 means "no limit" here */
	}
	memcpy(u->uri, s, ulen);
	u->uri[ulen] = '\0';
	return 0;
}

/* rua= / ruf=: dmarc-uri *(*WSP "," *WSP dmarc-uri); bad URIs are dropped. */
static void
parse_uris(struct dmarc_record *rec, const char *tag, const char *v, size_t n,
    struct dmarc_uri *uris, size_t *nuris)
{
	size_t start = 0;
	char e[LOG_ESC_MAX];

	*nuris = 0;
	while (start <= n) {
		const char *comma = memchr(v + start, ',', n - start);
		size_t end = comma ? (size_t)(comma - v) : n;
		size_t len = end - start;
		const char *u = trim(v + start, &len);
		const char *why = NULL;
		struct dmarc_uri one;

		if (len == 0) {
			note(rec, "%s: empty URI ignored", tag);
		} else if (parse_dmarc_uri(u, len, &one, &why) < 0) {
			note(rec, "%s: %s %s ignored", tag, why, esc(e, sizeof(e), u, len));
		} else if (*nuris >= DMARC_URIS_MAX) {
			note(rec, "%s: more than %d URIs, the rest ignored", tag, DMARC_URIS_MAX);
			return;
		} else {
			uris[(*nuris)++] = one;
		}
		start = end + 1;
	}
}

/* fo=: ( "0" / "1" / "d" / "s" ) *(*WSP ":" *WSP ...); any bad one voids it. */
static int
parse_fo(const char *v, size_t n, unsigned *out)
{
	unsigned bits = 0;
	size_t start = 0;

	while (start <= n) {
		const char *colon = memchr(v + start, ':', n - start);
		size_t end = colon ? (size_t)(colon - v) : n;
		size_t len = end - start;
		const char *w = trim(v + start, &len);

		if (len != 1)
			return -1;
		switch (w[0]) {
		case '0': bits |= DMARC_FO_0; break;
		case '1': bits |= DMARC_FO_1; break;
		case 'd':
		case 'D': bits |= DMARC_FO_D; break;
		case 's':
		case 'S': bits |= DMARC_FO_S; break;
		default: return -1;
		}
		start = end + 1;
	}
	*out = bits;
	return 0;
}

/* rf=: Keyword *(*WSP ":" Keyword); only registered formats (afrf) count. */
static int
parse_rf(const char *v, size_t n, unsigned *out)
{
	unsigned bits = 0;
	size_t start = 0;

	while (start <= n) {
		const char *colon = memchr(v + start, ':', n - start);
		size_t end = colon ? (size_t)(colon - v) : n;
		size_t len = end - start;
		const char *w = trim(v + start, &len);

		if (str_nieq(w, len, "afrf"))
			bits |= DMARC_RF_AFRF;
		start = end + 1;
	}
	if (bits == 0)
		return -1;
	*out = bits;
	return 0;
}

/* The known tags, as bits for "seen" (a second one is ignored). */
enum tag {
	T_V,
	T_P,
	T_SP,
	T_PCT,
	T_ADKIM,
	T_ASPF,
	T_FO,
	T_RF,
	T_RI,
	T_RUA,
	T_RUF,
	T_UNKNOWN,
};
static const char *const tag_names[] = {
	"v",
	"p",
	"sp",
	"pct",
	"adkim",
	"aspf",
	"fo",
	"rf",
	"ri",
	"rua",
	"ruf",
};

static enum tag
tag_of(const char *s, size_t n)
{
	for (size_t i = 0; i < sizeof(tag_names) / sizeof(tag_names[0]); i++)
		if (str_nieq(s, n, tag_names[i]))
			return (enum tag)i;
	return T_UNKNOWN;
}

/* RFC 6376 3.2 tag-name = ALPHA *ALNUMPUNC; ALNUMPUNC = ALPHA / DIGIT / "_". */
static int
tag_name_ok(const char *s, size_t n)
{
	if (n == 0 || !is_alpha(s[0]))
		return 0;
	for (size_t i = 1; i < n; i++)
		if (!is_alpha(s[i]) && !is_digit(s[i]) && s[i] != '_')
			return 0;
	return 1;
}

/* RFC 6376 3.2 tval = 1*VALCHAR, VALCHAR = %x21-3A / %x3C-7E, WSP between. */
static int
value_ok(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!is_wsp((char)c) && (c < 0x21 || c > 0x7e || c == ';'))
			return 0;
	}
	return 1;
}

static void
defaults(struct dmarc_record *rec)
{
	memset(rec, 0, sizeof(*rec));
	rec->p = DMARC_POLICY_NONE;
	rec->sp = DMARC_POLICY_NONE;
	rec->pct = 100;
	rec->adkim = DMARC_ALIGN_RELAXED;
	rec->aspf = DMARC_ALIGN_RELAXED;
	rec->fo = DMARC_FO_0;
	rec->rf = DMARC_RF_AFRF;
	rec->ri = 86400;
}

/* Apply one known tag's value. */
static void
apply(struct dmarc_record *rec, enum tag t, const char *v, size_t n, int *p_ok, int *sp_bad)
{
	char e[LOG_ESC_MAX];
	uint64_t num;

	switch (t) {
	case T_P:
		*p_ok = dmarc_policy_parse(v, n, &rec->p) == 0;
		if (!*p_ok)
			note(rec, "p=%s invalid", esc(e, sizeof(e), v, n));
		break;
	case T_SP:
		if (dmarc_policy_parse(v, n, &rec->sp) == 0) {
			rec->sp_given = 1;
		} else {
			*sp_bad = 1;
			note(rec, "sp=%s invalid", esc(e, sizeof(e), v, n));
		}
		break;
	case T_PCT:
		/* 6.4: dmarc-percent = "pct" *WSP "=" *WSP 1*3DIGIT, 0..100 (6.3) */
		if (parse_uint(v, n, 3, 100, &num) == 0)
			rec->pct = (unsigned)num;
		else
			note(rec, "pct=%s invalid, 100 used", esc(e, sizeof(e), v, n));
		break;
	case T_ADKIM:
	case T_ASPF: {
		enum dmarc_align *a = t == T_ADKIM ? &rec->adkim : &rec->aspf;
		if (n == 1 && (v[0] == 'r' || v[0] == 'R'))
			*a = DMARC_ALIGN_RELAXED;
		else if (n == 1 && (v[0] == 's' || v[0] == 'S'))
			*a = DMARC_ALIGN_STRICT;
		else
			note(rec, "%s=%s invalid, r used", tag_names[t], esc(e, sizeof(e), v, n));
		break;
	}
	case T_FO:
		if (parse_fo(v, n, &rec->fo) < 0)
			note(rec, "fo=%s invalid, 0 used", esc(e, sizeof(e), v, n));
		break;
	case T_RF:
		if (parse_rf(v, n, &rec->rf) < 0)
			note(rec, "rf=%s has no known format, afrf used", esc(e, sizeof(e), v, n));
		break;
	case T_RI:
		/* 6.3: "plain-text 32-bit unsigned integer" */
		if (parse_uint(v, n, 10, UINT32_MAX, &num) == 0)
			rec->ri = (uint32_t)num;
		else
			note(rec, "ri=%s invalid, 86400 used", esc(e, sizeof(e), v, n));
		break;
	case T_RUA: parse_uris(rec, "rua", v, n, rec->rua, &rec->nrua); break;
	case T_RUF: parse_uris(rec, "ruf", v, n, rec->ruf, &rec->nruf); break;
	case T_V:
	case T_UNKNOWN: break;
	}
}

enum dmarc_record_status
dmarc_record_parse(const char *txt, size_t len, struct dmarc_record *out, char *err, size_t errsz)
{
	unsigned seen = 0;
	int p_ok = 0, sp_bad = 0, first = 1, p_second = 0;
	size_t start = 0;
	char e[LOG_ESC_MAX];

	defaults(out);
	if (errsz)
		err[0] = '\0';
	if (len > DMARC_RECORD_MAX) {
		snprintf(err, errsz, "record of %zu octets, over %d", len, DMARC_RECORD_MAX);
		return DMARC_RECORD_TOO_LONG;
	}
	/* RFC 7489 6.3 v=: "if it does not [match] or it is absent, the entire
	 * retrieved record MUST be ignored. It MUST be the first tag". */
	if (!dmarc_record_is_dmarc1(txt, len)) {
		snprintf(err, errsz, "not a DMARC record: %s", esc(e, sizeof(e), txt, len));
		return DMARC_RECORD_NOT_DMARC;
	}
	while (start <= len) {
		const char *semi = memchr(txt + start, ';', len - start);
		size_t end = semi ? (size_t)(semi - txt) : len;
		size_t n = end - start;
		const char *spec = trim(txt + start, &n);
		const char *eq = memchr(spec, '=', n);

		start = end + 1;
		if (n == 0)
			continue; /* the trailing ";" of 6.4, or an empty tag-spec */
		if (eq == NULL) {
			note(out, "%s is no tag=value, ignored", esc(e, sizeof(e), spec, n));
			continue;
		}
		size_t nlen = (size_t)(eq - spec), vlen = n - nlen - 1;
		const char *name = trim(spec, &nlen);
		const char *v = trim(eq + 1, &vlen);
		if (!tag_name_ok(name, nlen) || !value_ok(v, vlen)) {
			note(out, "malformed tag %s ignored", esc(e, sizeof(e), spec, n));
			continue;
		}
		enum tag t = tag_of(name, nlen);
		if (first) {
			first = 0; /* v=DMARC1, checked above */
			seen |= 1u << T_V;
			continue;
		}
		if (t == T_UNKNOWN) {
			/* 6.3: "Unknown tags MUST be ignored." */
			note(out, "unknown tag %s ignored", esc(e, sizeof(e), name, nlen));
			continue;
		}
		if (seen & (1u << t)) {
			note(out, "second %s= ignored", tag_names[t]);
			continue;
		}
		if (t == T_P && seen == (1u << T_V))
			p_second = 1;
		seen |= 1u << t;
		apply(out, t, v, vlen, &p_ok, &sp_bad);
	}
	if (p_ok && !p_second)
		note(out, "p= is not the second tag (RFC 7489 6.4), read anyway");
	if (!out->sp_given)
		out->sp = out->p;
	if (p_ok && !sp_bad)
		return DMARC_RECORD_OK;
	/* 6.6.3 step 6: no valid p=, or an invalid sp=: with a valid rua= act
	 * as p=none, otherwise apply no DMARC processing. */
	if (out->nrua > 0) {
		out->p_assumed = 1;
		out->p = DMARC_POLICY_NONE;
		out->sp = DMARC_POLICY_NONE;
		out->sp_given = 0;
		return DMARC_RECORD_OK;
	}
	snprintf(err, errsz, "%s",
	    !(seen & (1u << T_P)) ? "no p= tag"
	        : !p_ok           ? "p= is not none, quarantine or reject"
	                          : "sp= is not none, quarantine or reject");
	return DMARC_RECORD_NO_POLICY;
}

static void
format_uris(const char *tag, const struct dmarc_uri *u, size_t n, struct strbuf *out)
{
	if (n == 0)
		return;
	strbuf_printf(out, "; %s=", tag);
	for (size_t i = 0; i < n; i++) {
		strbuf_printf(out, "%s%s", i ? "," : "", u[i].uri);
		if (u[i].limit)
			strbuf_printf(out, "!%llu", (unsigned long long)u[i].limit);
	}
}

void
dmarc_record_format(const struct dmarc_record *rec, struct strbuf *out)
{
	strbuf_printf(out,
	    "v=DMARC1; p=%s; sp=%s; pct=%u; adkim=%s; aspf=%s; fo=", dmarc_policy_name(rec->p),
	    dmarc_policy_name(rec->sp), rec->pct, dmarc_align_name(rec->adkim),
	    dmarc_align_name(rec->aspf));
	static const struct {
		unsigned bit;
		const char *name;
	} fo[] = { { DMARC_FO_0, "0" }, { DMARC_FO_1, "1" }, { DMARC_FO_D, "d" },
		{ DMARC_FO_S, "s" } };
	int any = 0;
	for (size_t i = 0; i < sizeof(fo) / sizeof(fo[0]); i++) {
		if (rec->fo & fo[i].bit) {
			strbuf_printf(out, "%s%s", any ? ":" : "", fo[i].name);
			any = 1;
		}
	}
	if (!any)
		strbuf_puts(out, "0");
	strbuf_printf(out, "; rf=afrf; ri=%lu", (unsigned long)rec->ri);
	format_uris("rua", rec->rua, rec->nrua, out);
	format_uris("ruf", rec->ruf, rec->nruf, out);
}

int
dmarc_uri_mailto(const char *uri, char *addr, size_t addrsz)
{
	size_t o = 0, at = 0, nat = 0;

	if (strncasecmp(uri, "mailto:", 7) != 0 || addrsz == 0)
		return -1;
	for (const char *p = uri + 7; *p && *p != '?'; p++) {
		int c = (unsigned char)*p;
		if (c == '%') {
			int hi = str_hexval(p[1]), lo = hi < 0 ? -1 : str_hexval(p[2]);
			if (lo < 0)
				return -1;
			c = hi * 16 + lo;
			p += 2;
		}
		/* RFC 6068 2: one addr-spec; a second one (",") is not ours to send to */
		if (c <= 0x20 || c == 0x7f || c == ',' || c == '<' || c == '>')
			return -1;
		if (c == '@') {
			nat++;
			at = o;
		}
		if (o + 1 >= addrsz)
			return -1;
		addr[o++] = (char)c;
	}
	addr[o] = '\0';
	if (nat != 1 || at == 0 || at + 1 >= o)
		return -1;
	return 0;
}
