/*
 * spf_macro: macro-string syntax and expansion (see spf_macro.h).
 *
 *   macro-string = *( macro-expand / macro-literal )
 *   macro-expand = ( "%{" macro-letter transformers *delimiter "}" )
 *                  / "%%" / "%_" / "%-"
 *   macro-literal = %x21-24 / %x26-7E
 *   transformers = *DIGIT [ "r" ]
 *   delimiter    = "." / "-" / "+" / "," / "/" / "_" / "="
 */
#include "auth/spf_macro.h"

#include <string.h>

#include "auth/spf.h"

/* Longest single macro value split into parts (longer values: too long). */
#define VALUE_MAX 1024

static int
is_delim(char c)
{
	return c == '.' || c == '-' || c == '+' || c == ',' || c == '/' || c == '_' || c == '=';
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* RFC 7208 7.2 (letters) and 7.1/8 (c, r, t only in explanations). */
static int
letter_ok(char c, int flags)
{
	switch (lower((unsigned char)c)) {
	case 's':
	case 'l':
	case 'o':
	case 'd':
	case 'i':
	case 'p':
	case 'v':
	case 'h': return 1;
	case 'c':
	case 'r':
	case 't': return (flags & SPF_MACRO_EXP) != 0;
	default: return 0;
	}
}

/* One parsed "%{...}" or escape. */
struct macro_tok {
	char letter;     /* 0 for %% %_ %- */
	char literal[4]; /* what an escape expands to */
	unsigned digits; /* 0 = all parts */
	int reverse;
	char delims[8]; /* NUL-terminated set; "" = "." */
	size_t end;     /* index after the token */
};

/*
 * Parse the macro starting at s[i] == '%'. Returns 0 and fills t, or -1
 * with a reason.
 */
static int
parse_macro(const char *s, size_t len, size_t i, int flags, struct macro_tok *t, const char **why)
{
	memset(t, 0, sizeof(*t));
	if (i + 1 >= len) {
		*why = "'%' at the end of a macro-string";
		return -1;
	}
	switch (s[i + 1]) {
	case '%':
		memcpy(t->literal, "%", 2);
		t->end = i + 2;
		return 0;
	case '_':
		memcpy(t->literal, " ", 2);
		t->end = i + 2;
		return 0;
	case '-':
		memcpy(t->literal, "%20", 4);
		t->end = i + 2;
		return 0;
	case '{': break;
	default:
		/* RFC 7208 7.1/9 */
		*why = "'%' not followed by '{', '%', '_' or '-'";
		return -1;
	}
	i += 2;
	if (i >= len || !letter_ok(s[i], flags)) {
		*why = (i < len && letter_ok(s[i], SPF_MACRO_EXP))
		    ? "macro letters c, r and t are only allowed in explanations"
		    : "unknown macro letter";
		return -1;
	}
	t->letter = s[i++];
	if (i < len && s[i] >= '0' && s[i] <= '9') {
		unsigned long d = 0;
		while (i < len && s[i] >= '0' && s[i] <= '9') {
			/* Saturate: any count above the part limit means "all". */
			if (d < 100000)
				d = d * 10 + (unsigned long)(s[i] - '0');
			i++;
		}
		if (d == 0) {
			/* RFC 7208 7.3: "If a DIGIT is specified, the value MUST be nonzero." */
			*why = "macro transformer of zero parts";
			return -1;
		}
		t->digits = (unsigned)d;
	}
	if (i < len && (s[i] == 'r' || s[i] == 'R')) {
		t->reverse = 1;
		i++;
	}
	size_t nd = 0;
	while (i < len && is_delim(s[i])) {
		if (memchr(t->delims, s[i], nd) == NULL && nd < sizeof(t->delims) - 1)
			t->delims[nd++] = s[i];
		i++;
	}
	if (i >= len || s[i] != '}') {
		*why = "macro not closed by '}'";
		return -1;
	}
	t->end = i + 1;
	return 0;
}

int
spf_macro_check(const char *s, size_t len, int flags, const char **why)
{
	struct macro_tok t;

	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)s[i];
		if (c == '%') {
			if (parse_macro(s, len, i, flags, &t, why) < 0)
				return -1;
			i = t.end;
			continue;
		}
		if (c == ' ' && (flags & SPF_MACRO_EXP)) {
			i++;
			continue;
		}
		if (c < 0x21 || c > 0x7e) {
			*why = "character not allowed in a macro-string";
			return -1;
		}
		i++;
	}
	return 0;
}

/* RFC 7208 7.1: toplabel = ( *alphanum ALPHA *alphanum ) /
 *   ( 1*alphanum "-" *( alphanum / "-" ) alphanum ) */
static int
toplabel_ok(const char *s, size_t n)
{
	int alpha = 0, dash = 0;

	if (n == 0 || s[0] == '-' || s[n - 1] == '-')
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
			alpha = 1;
		else if (c == '-')
			dash = 1;
		else if (!(c >= '0' && c <= '9'))
			return 0;
	}
	return alpha || dash;
}

int
spf_macro_check_domain(const char *s, size_t len, const char **why)
{
	struct macro_tok t;
	size_t tail = 0; /* start of the literal text after the last macro */

	if (len == 0) {
		*why = "empty domain-spec";
		return -1;
	}
	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)s[i];
		if (c == '%') {
			if (parse_macro(s, len, i, 0, &t, why) < 0)
				return -1;
			i = tail = t.end;
			continue;
		}
		if (c < 0x21 || c > 0x7e) {
			*why = "character not allowed in a domain-spec";
			return -1;
		}
		i++;
	}
	if (tail == len)
		return 0; /* domain-end = macro-expand */
	/* domain-end = "." toplabel [ "." ] */
	size_t end = len;
	if (s[end - 1] == '.')
		end--;
	size_t dot = end;
	while (dot > tail && s[dot - 1] != '.')
		dot--;
	if (dot == tail || !toplabel_ok(s + dot, end - dot)) {
		*why = "domain-spec does not end in a valid top-level label or a macro";
		return -1;
	}
	return 0;
}

int
spf_macro_uses(const char *s, size_t len, char letter)
{
	struct macro_tok t;
	const char *why;

	for (size_t i = 0; i < len;) {
		if (s[i] != '%') {
			i++;
			continue;
		}
		if (parse_macro(s, len, i, SPF_MACRO_EXP, &t, &why) < 0)
			return 0;
		if (t.letter && lower((unsigned char)t.letter) == lower((unsigned char)letter))
			return 1;
		i = t.end;
	}
	return 0;
}

struct out {
	char *p;
	size_t sz, len;
	int err;
};

static void
put(struct out *o, const char *s, size_t n)
{
	if (o->err)
		return;
	if (n >= o->sz - o->len) {
		o->err = SPF_MACRO_ETOOLONG;
		return;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

/* RFC 7208 7.3: upper-case macros are URL-escaped (RFC 3986 unreserved kept). */
static void
put_escaped(struct out *o, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~') {
			put(o, s + i, 1);
		} else {
			char e[3] = { '%', hex[c >> 4], hex[c & 15] };
			put(o, e, 3);
		}
	}
}

/* RFC 7208 7.3: split on delimiters, reverse, keep the right-hand parts,
 * join with ".". */
static void
expand_one(struct out *o, const struct macro_tok *t, const char *value)
{
	uint16_t start[VALUE_MAX + 1], plen[VALUE_MAX + 1];
	const char *delims = t->delims[0] ? t->delims : ".";
	size_t vlen = value ? strlen(value) : 0;
	size_t n = 0, first;
	char buf[VALUE_MAX * 2 + 2];
	struct out tmp = { buf, sizeof(buf), 0, 0 };
	struct out *dst = (t->letter >= 'A' && t->letter <= 'Z') ? &tmp : o;

	if (vlen > VALUE_MAX) {
		o->err = SPF_MACRO_ETOOLONG;
		return;
	}
	start[0] = 0;
	for (size_t i = 0; i < vlen; i++) {
		if (strchr(delims, value[i]) != NULL) {
			plen[n] = (uint16_t)(i - start[n]);
			start[++n] = (uint16_t)(i + 1);
		}
	}
	plen[n] = (uint16_t)(vlen - start[n]);
	n++;
	first = (t->digits && t->digits < n) ? n - t->digits : 0;
	for (size_t k = first; k < n; k++) {
		/* With reversal, the k-th part of the reversed list. */
		size_t idx = t->reverse ? n - 1 - k : k;
		if (k > first)
			put(dst, ".", 1);
		put(dst, value + start[idx], plen[idx]);
	}
	if (dst == &tmp) {
		if (tmp.err)
			o->err = tmp.err;
		else
			put_escaped(o, buf, tmp.len);
	}
}

int
spf_macro_expand(const char *s, size_t len, const struct spf_macro_vars *vars, int flags, char *out,
    size_t outsz, size_t *outlen)
{
	struct out o = { out, outsz, 0, 0 };
	struct macro_tok t;
	const char *why;

	if (outsz == 0)
		return SPF_MACRO_ETOOLONG;
	for (size_t i = 0; i < len && !o.err;) {
		size_t j = i;
		while (j < len && s[j] != '%') {
			/* The same literal rule as spf_macro_check(). */
			unsigned char c = (unsigned char)s[j];
			if ((c < 0x21 || c > 0x7e) && !(c == ' ' && (flags & SPF_MACRO_EXP)))
				return SPF_MACRO_ESYNTAX;
			j++;
		}
		if (j > i) {
			put(&o, s + i, j - i);
			i = j;
			continue;
		}
		if (parse_macro(s, len, i, flags, &t, &why) < 0)
			return SPF_MACRO_ESYNTAX;
		if (t.letter == 0)
			put(&o, t.literal, strlen(t.literal));
		else
			expand_one(&o, &t, vars->v[lower((unsigned char)t.letter) - 'a']);
		i = t.end;
	}
	if (o.err)
		return o.err;
	out[o.len] = '\0';
	if (outlen)
		*outlen = o.len;
	return SPF_MACRO_OK;
}

int
spf_macro_expand_domain(
    const char *s, size_t len, const struct spf_macro_vars *vars, char *out, size_t outsz)
{
	char buf[SPF_MACRO_MAX];
	size_t n, cut = 0;
	int r = spf_macro_expand(s, len, vars, 0, buf, sizeof(buf), &n);

	if (r != SPF_MACRO_OK)
		return r;
	if (n > 0 && buf[n - 1] == '.')
		n--;
	/* RFC 7208 7.3: drop labels from the left until it fits. */
	while (n - cut > SPF_DOMAIN_MAX) {
		const char *dot = memchr(buf + cut, '.', n - cut);
		if (dot == NULL)
			return SPF_MACRO_ETOOLONG;
		cut = (size_t)(dot - buf) + 1;
	}
	if (n - cut + 1 > outsz)
		return SPF_MACRO_ETOOLONG;
	memcpy(out, buf + cut, n - cut);
	out[n - cut] = '\0';
	return SPF_MACRO_OK;
}
