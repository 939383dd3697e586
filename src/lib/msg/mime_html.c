/*
 * mime_html: HTML to plain text (see mime_html.h).
 */
#include "msg/mime_html.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "msg/mime_text.h"

/* Elements whose content is never text to show. */
static const char *const skipped[] = { "script", "style", "head", "title", "template", "noscript",
	"object", "svg", "math", "xml", NULL };
/* Elements that start a new line. */
static const char *const blocks[] = { "p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5",
	"h6", "table", "blockquote", "hr", "pre", "ul", "ol", "dl", "dt", "dd", "section",
	"article", "header", "footer", "center", "address", "form", "body", NULL };

static const struct {
	const char *name;
	uint32_t cp;
} entities[] = {
	{ "amp", '&' },
	{ "lt", '<' },
	{ "gt", '>' },
	{ "quot", '"' },
	{ "apos", '\'' },
	{ "nbsp", ' ' },
	{ "copy", 0xa9 },
	{ "reg", 0xae },
	{ "trade", 0x2122 },
	{ "euro", 0x20ac },
	{ "pound", 0xa3 },
	{ "yen", 0xa5 },
	{ "cent", 0xa2 },
	{ "mdash", 0x2014 },
	{ "ndash", 0x2013 },
	{ "hellip", 0x2026 },
	{ "bull", 0x2022 },
	{ "lsquo", 0x2018 },
	{ "rsquo", 0x2019 },
	{ "ldquo", 0x201c },
	{ "rdquo", 0x201d },
	{ "laquo", 0xab },
	{ "raquo", 0xbb },
	{ "middot", 0xb7 },
	{ "times", 0xd7 },
	{ "deg", 0xb0 },
	{ "sect", 0xa7 },
	{ "para", 0xb6 },
	{ "auml", 0xe4 },
	{ "ouml", 0xf6 },
	{ "uuml", 0xfc },
	{ "Auml", 0xc4 },
	{ "Ouml", 0xd6 },
	{ "Uuml", 0xdc },
	{ "szlig", 0xdf },
	{ "eacute", 0xe9 },
	{ "egrave", 0xe8 },
	{ "agrave", 0xe0 },
	{ "ccedil", 0xe7 },
	{ NULL, 0 },
};

struct h2t {
	struct strbuf raw; /* text before sanitising */
	int space;         /* a space is pending */
	int newlines;      /* line breaks just written (at most 2 kept) */
	int full;
};

static void
emit(struct h2t *h, const char *s, size_t n)
{
	if (h->full)
		return;
	if (h->space && h->newlines == 0 && h->raw.len > 0)
		if (strbuf_puts(&h->raw, " ") < 0)
			h->full = 1;
	h->space = 0;
	h->newlines = 0;
	if (strbuf_append(&h->raw, s, n) < 0)
		h->full = 1;
}

static void
newline(struct h2t *h)
{
	h->space = 0;
	if (h->full || h->raw.len == 0 || h->newlines >= 2)
		return;
	h->newlines++;
	if (strbuf_puts(&h->raw, "\n") < 0)
		h->full = 1;
}

static void
emit_cp(struct h2t *h, uint32_t cp)
{
	char b[4];
	size_t n;

	if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		cp = '?';
	if (cp == ' ' || cp == 0xa0) {
		h->space = 1;
		return;
	}
	n = str_utf8_put(cp, b);
	emit(h, b, n);
}

/* A character reference at s[0..n) (s[0] == '&'): octets used, 0 if none. */
static size_t
entity(struct h2t *h, const char *s, size_t n)
{
	size_t i = 1;
	uint32_t cp = 0;

	if (i < n && s[i] == '#') {
		int hex = 0, digits = 0;
		i++;
		if (i < n && (s[i] == 'x' || s[i] == 'X')) {
			hex = 1;
			i++;
		}
		while (i < n && digits < 8) {
			char c = s[i];
			int v = c >= '0' && c <= '9'      ? c - '0'
			    : hex && c >= 'a' && c <= 'f' ? c - 'a' + 10
			    : hex && c >= 'A' && c <= 'F' ? c - 'A' + 10
			                                  : -1;
			if (v < 0)
				break;
			cp = cp * (hex ? 16 : 10) + (uint32_t)v;
			digits++;
			i++;
		}
		if (digits == 0)
			return 0;
		if (i < n && s[i] == ';')
			i++;
		emit_cp(h, cp);
		return i;
	}
	for (int k = 0; entities[k].name; k++) {
		size_t el = strlen(entities[k].name);
		if (i + el <= n && memcmp(s + i, entities[k].name, el) == 0) {
			i += el;
			if (i < n && s[i] == ';')
				i++;
			emit_cp(h, entities[k].cp);
			return i;
		}
	}
	return 0;
}

static int
in_list(const char *name, const char *const *list)
{
	for (int k = 0; list[k]; k++)
		if (strcasecmp(name, list[k]) == 0)
			return 1;
	return 0;
}

/* Find "</name" (case-insensitive) from s[i]; its index or n. */
static size_t
find_close(const char *s, size_t i, size_t n, const char *name)
{
	size_t nl = strlen(name);

	for (; i + 2 + nl <= n; i++) {
		if (s[i] == '<' && s[i + 1] == '/' && strncasecmp(s + i + 2, name, nl) == 0) {
			char c = i + 2 + nl < n ? s[i + 2 + nl] : '>';
			if (c == '>' || c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '/')
				return i;
		}
	}
	return n;
}

int
mime_html_text(const char *s, size_t n, struct strbuf *out)
{
	struct h2t h;
	size_t i = 0, room = out->max > out->len ? out->max - out->len : 0;
	int rc;

	if (room < 4)
		return -1;
	memset(&h, 0, sizeof(h));
	/* the text, and "..." when it had to be cut */
	strbuf_init(&h.raw, room - 4);
	while (i < n && !h.full) {
		char c = s[i];

		if (c == '<') {
			char name[16];
			size_t j = i + 1, nl = 0;
			int closing = 0;

			if (j + 2 < n && memcmp(s + j, "!--", 3) == 0) {
				/* a comment, to "-->" */
				const char *e = NULL;
				for (size_t k = j + 3; k + 3 <= n; k++)
					if (s[k] == '-' && s[k + 1] == '-' && s[k + 2] == '>') {
						e = s + k + 3;
						break;
					}
				i = e ? (size_t)(e - s) : n;
				continue;
			}
			if (j < n && s[j] == '/') {
				closing = 1;
				j++;
			}
			while (j < n && nl < sizeof(name) - 1 &&
			    ((s[j] >= 'a' && s[j] <= 'z') || (s[j] >= 'A' && s[j] <= 'Z') ||
			        (s[j] >= '0' && s[j] <= '9')))
				name[nl++] = s[j++];
			name[nl] = '\0';
			if (nl == 0 && !(j < n && (s[j] == '!' || s[j] == '?'))) {
				/* a lone '<' is text */
				emit(&h, "<", 1);
				i++;
				continue;
			}
			/* to the end of the tag, past quoted attribute values */
			char q = 0;
			while (j < n && (q || s[j] != '>')) {
				if (q && s[j] == q)
					q = 0;
				else if (!q && (s[j] == '"' || s[j] == '\''))
					q = s[j];
				j++;
			}
			i = j < n ? j + 1 : n;
			if (!closing && in_list(name, skipped)) {
				size_t e = find_close(s, i, n, name);
				i = e;
				while (i < n && s[i] != '>')
					i++;
				if (i < n)
					i++;
				continue;
			}
			if (in_list(name, blocks)) {
				newline(&h);
				if (!closing && strcasecmp(name, "li") == 0)
					emit(&h, "* ", 2);
			} else if (!closing &&
			    (strcasecmp(name, "td") == 0 || strcasecmp(name, "th") == 0)) {
				h.space = 1;
			}
			continue;
		}
		if (c == '&') {
			size_t used = entity(&h, s + i, n - i);
			if (used) {
				i += used;
				continue;
			}
		}
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f') {
			h.space = 1;
			i++;
			continue;
		}
		/* a run of ordinary text */
		size_t j = i + 1;
		while (j < n && s[j] != '<' && s[j] != '&' && s[j] != ' ' && s[j] != '\t' &&
		    s[j] != '\r' && s[j] != '\n' && s[j] != '\f')
			j++;
		emit(&h, s + i, j - i);
		i = j;
	}
	while (h.raw.len > 0 && (h.raw.s[h.raw.len - 1] == '\n' || h.raw.s[h.raw.len - 1] == ' '))
		h.raw.len--;
	rc =
	    mime_text_sanitize(h.raw.s ? h.raw.s : "", h.raw.len, MIME_SAN_NEWLINES, room - 1, out);
	strbuf_free(&h.raw);
	if (h.full && rc == 0) {
		strbuf_puts(out, "...");
		return -1;
	}
	return rc;
}
