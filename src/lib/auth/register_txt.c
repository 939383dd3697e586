/*
 * register_txt: the parser of the register's TXT records (see register.h
 * and docs/registry.md section 1). Pure: bytes in, fields or an error out.
 */
#include "auth/register.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util/str.h"

/* A record longer than this is not one the registry writes. */
#define TXT_MAX 2048

enum { SEEN_CLASS = 1, SEEN_SINCE = 2, SEEN_SPONSORS = 4, SEEN_HOST = 8 };

static const struct {
	const char *name;
	enum register_class klass;
} classes[] = {
	{ "business", REGISTER_CLASS_BUSINESS },
	{ "individual", REGISTER_CLASS_INDIVIDUAL },
	{ "isp", REGISTER_CLASS_ISP },
	{ "government", REGISTER_CLASS_GOVERNMENT },
	{ "education", REGISTER_CLASS_EDUCATION },
	{ "bulk", REGISTER_CLASS_BULK },
};

const char *
register_class_name(enum register_class c)
{
	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
		if (classes[i].klass == c)
			return classes[i].name;
	return c == REGISTER_CLASS_OTHER ? "other" : "";
}

int
register_class_known(const char *word)
{
	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
		if (strcasecmp(word, classes[i].name) == 0)
			return 1;
	return strcasecmp(word, "other") == 0;
}

static int
is_ws(char c)
{
	return c == ' ' || c == '\t';
}

static int
is_tag_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    c == '-' || c == '_';
}

static int
all_digits(const char *s, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

static unsigned long
number(const char *s, size_t n)
{
	unsigned long v = 0;

	for (size_t i = 0; i < n; i++)
		v = v * 10 + (unsigned long)(s[i] - '0');
	return v;
}

/* since=YYYY-MM-DD, a real calendar date. */
static int
parse_date(const char *v, size_t n, struct register_txt *out)
{
	static const int mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, m, d;

	if (n != 10 || v[4] != '-' || v[7] != '-' || !all_digits(v, 4) || !all_digits(v + 5, 2) ||
	    !all_digits(v + 8, 2))
		return -1;
	y = (int)number(v, 4);
	m = (int)number(v + 5, 2);
	d = (int)number(v + 8, 2);
	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return -1;
	if (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return -1;
	out->has_since = 1;
	out->year = y;
	out->month = m;
	out->day = d;
	return 0;
}

/* host=<hostname>: letters, digits, '-', '_' and dots, a valid DNS name. */
static int
parse_host(const char *v, size_t n, struct register_txt *out)
{
	if (n > 1 && v[n - 1] == '.')
		n--;
	if (n == 0 || n >= sizeof(out->host))
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!is_tag_char(v[i]) && v[i] != '.')
			return -1;
	memcpy(out->host, v, n);
	out->host[n] = '\0';
	str_lower(out->host);
	if (dns_name_check(out->host) < 0 || out->host[0] == '.') {
		out->host[0] = '\0';
		return -1;
	}
	return 0;
}

static int
parse_class(const char *v, size_t n, struct register_txt *out)
{
	if (n == 0 || n >= sizeof(out->class_text))
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!is_tag_char(v[i]))
			return -1;
	memcpy(out->class_text, v, n);
	out->class_text[n] = '\0';
	str_lower(out->class_text);
	out->klass = REGISTER_CLASS_OTHER;
	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
		if (strcmp(out->class_text, classes[i].name) == 0)
			out->klass = classes[i].klass;
	return 0;
}

#define FAIL(...) \
	do { \
		snprintf(err, errsz, __VA_ARGS__); \
		memset(out, 0, sizeof(*out)); \
		return -1; \
	} while (0)

int
register_txt_parse(const char *txt, size_t len, struct register_txt *out, char *err, size_t errsz)
{
	const char *p = txt, *end = txt + len;
	unsigned seen = 0;
	int field = 0;

	memset(out, 0, sizeof(*out));
	if (len > TXT_MAX)
		FAIL("record longer than %d octets", TXT_MAX);
	for (;;) {
		const char *semi = memchr(p, ';', (size_t)(end - p));
		const char *s = p, *e = semi ? semi : end, *eq;
		size_t tl, vl;

		while (s < e && is_ws(*s))
			s++;
		while (e > s && is_ws(e[-1]))
			e--;
		if (s == e) {
			if (semi == NULL && field > 0)
				break; /* a final ';' */
			FAIL("empty field %d", field + 1);
		}
		eq = memchr(s, '=', (size_t)(e - s));
		if (eq == NULL || eq == s || is_ws(*s))
			FAIL("field %d is not tag=value", field + 1);
		/* Spaces around '=' are allowed, as in DKIM tag lists. */
		tl = (size_t)(eq - s);
		while (tl > 0 && is_ws(s[tl - 1]))
			tl--;
		const char *v = eq + 1;
		while (v < e && is_ws(*v))
			v++;
		vl = (size_t)(e - v);
		for (size_t i = 0; i < tl; i++)
			if (!is_tag_char(s[i]))
				FAIL("field %d: bad tag", field + 1);
		for (size_t i = 0; i < vl; i++)
			if ((unsigned char)v[i] < 0x20 || (unsigned char)v[i] > 0x7e)
				FAIL(
				    "field %d: control or non-ASCII octet in the value", field + 1);
		if (field == 0) {
			if (!str_nieq(s, tl, "v") || !str_nieq(v, vl, "vouch1"))
				FAIL("not a v=vouch1 record");
		} else if (str_nieq(s, tl, "class")) {
			if ((seen & SEEN_CLASS) || parse_class(v, vl, out) < 0)
				FAIL((seen & SEEN_CLASS) ? "class given twice" : "bad class");
			seen |= SEEN_CLASS;
		} else if (str_nieq(s, tl, "since")) {
			if ((seen & SEEN_SINCE) || parse_date(v, vl, out) < 0)
				FAIL((seen & SEEN_SINCE) ? "since given twice"
				                         : "since is not a YYYY-MM-DD date");
			seen |= SEEN_SINCE;
		} else if (str_nieq(s, tl, "sponsors")) {
			if ((seen & SEEN_SPONSORS) || !all_digits(v, vl) || vl > 9)
				FAIL((seen & SEEN_SPONSORS) ? "sponsors given twice"
				                            : "sponsors is not a number");
			out->sponsors = number(v, vl);
			out->has_sponsors = 1;
			seen |= SEEN_SPONSORS;
		} else if (str_nieq(s, tl, "host")) {
			if ((seen & SEEN_HOST) || parse_host(v, vl, out) < 0)
				FAIL((seen & SEEN_HOST) ? "host given twice"
				                        : "host is not a host name");
			seen |= SEEN_HOST;
		}
		/* Other tags: ignored (later versions may append some). */
		field++;
		if (semi == NULL)
			break;
		p = semi + 1;
	}
	return 0;
}
