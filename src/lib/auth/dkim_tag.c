/*
 * dkim_tag: RFC 6376 3.2 tag lists (see dkim_tag.h).
 */
#include "auth/dkim_tag.h"

#include <string.h>

#include "util/str.h"

static int
is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int
is_alpha(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static int
is_namechar(unsigned char c)
{
	return is_alpha(c) || (c >= '0' && c <= '9') || c == '_';
}

/* VALCHAR, and octets above US-ASCII (RFC 8616). */
static int
is_valchar(unsigned char c)
{
	return (c >= 0x21 && c <= 0x7e && c != ';') || c >= 0x80;
}

int
dkim_tags_parse(const char *s, size_t len, struct dkim_tags *out, char *err, size_t errsz)
{
	size_t i = 0;

	out->n = 0;
	for (;;) {
		struct dkim_tag tag;
		size_t start, vend;

		while (i < len && is_ws((unsigned char)s[i]))
			i++;
		if (i >= len)
			return 0; /* empty list, or a final ";" (and white space) */
		start = i;
		if (!is_alpha((unsigned char)s[i])) {
			str_fmt(err, errsz, "tag name expected at offset %zu", i);
			return -1;
		}
		while (i < len && is_namechar((unsigned char)s[i]))
			i++;
		tag.name = s + start;
		tag.name_len = i - start;
		while (i < len && is_ws((unsigned char)s[i]))
			i++;
		if (i >= len || s[i] != '=') {
			str_fmt(err, errsz, "'=' expected after tag '%.*s'",
			    (int)(tag.name_len > 20 ? 20 : tag.name_len), tag.name);
			return -1;
		}
		tag.eq_off = i++;
		while (i < len && is_ws((unsigned char)s[i]))
			i++;
		tag.value = s + i;
		vend = i;
		while (i < len && s[i] != ';') {
			unsigned char c = (unsigned char)s[i];
			if (is_valchar(c))
				vend = i + 1;
			else if (!is_ws(c)) {
				str_fmt(err, errsz, "invalid octet 0x%02x in tag '%.*s'", c,
				    (int)(tag.name_len > 20 ? 20 : tag.name_len), tag.name);
				return -1;
			}
			i++;
		}
		tag.value_len = vend - (size_t)(tag.value - s);
		tag.end_off = i;
		for (size_t k = 0; k < out->n; k++) {
			if (out->t[k].name_len == tag.name_len &&
			    memcmp(out->t[k].name, tag.name, tag.name_len) == 0) {
				str_fmt(err, errsz, "duplicate tag '%.*s'",
				    (int)(tag.name_len > 20 ? 20 : tag.name_len), tag.name);
				return -1;
			}
		}
		if (out->n >= DKIM_TAGS_MAX) {
			str_fmt(err, errsz, "more than %d tags", DKIM_TAGS_MAX);
			return -1;
		}
		out->t[out->n++] = tag;
		if (i >= len)
			return 0;
		i++; /* the ';' */
	}
}

const struct dkim_tag *
dkim_tags_get(const struct dkim_tags *t, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < t->n; i++)
		if (t->t[i].name_len == n && memcmp(t->t[i].name, name, n) == 0)
			return &t->t[i];
	return NULL;
}

int
dkim_tag_is(const struct dkim_tag *t, const char *word)
{
	size_t n = strlen(word);

	return t->value_len == n && memcmp(t->value, word, n) == 0;
}

int
dkim_tag_list_has(const struct dkim_tag *t, const char *word)
{
	size_t i = 0, n = t->value_len;

	while (i < n) {
		while (i < n && is_ws((unsigned char)t->value[i]))
			i++;
		size_t start = i;
		while (i < n && t->value[i] != ':' && !is_ws((unsigned char)t->value[i]))
			i++;
		if (str_nieq(t->value + start, i - start, word))
			return 1;
		while (i < n && t->value[i] != ':')
			i++;
		i++;
	}
	return 0;
}

long
dkim_tag_compact(const struct dkim_tag *t, char *out, size_t outsz)
{
	size_t o = 0;

	for (size_t i = 0; i < t->value_len; i++) {
		if (is_ws((unsigned char)t->value[i]))
			continue;
		if (o + 1 >= outsz)
			return -1;
		out[o++] = t->value[i];
	}
	if (outsz == 0)
		return -1;
	out[o] = '\0';
	return (long)o;
}
