/*
 * conf: configuration parser and table-driven settings (see conf.h).
 */
#include "util/conf.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/log.h"
#include "util/netaddr.h"
#include "util/xmalloc.h"

/* A configuration line longer than this is an error, not a truncation. */
#define CONF_LINE_MAX 4096

static void conf_err(struct strbuf *errs, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
conf_err(struct strbuf *errs, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	if (errs == NULL)
		return;
	strbuf_printf(errs, "%s:%d: ", file ? file : "<config>", line);
	va_start(ap, fmt);
	strbuf_vprintf(errs, fmt, ap);
	va_end(ap);
	strbuf_puts(errs, "\n");
}

static int
is_word_char(int c)
{
	return isalnum(c) || c == '_' || c == '-' || c == '.';
}

/* Parse a value: quoted or bare up to a comment. Writes into out (NUL). */
static int
parse_value(const char *p, char *out, size_t outsz, const char **why)
{
	size_t o = 0;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '"') {
		p++;
		while (*p && *p != '"') {
			char c = *p++;
			if (c == '\\') {
				if (*p == '\0') {
					*why = "backslash at end of line";
					return -1;
				}
				c = *p++;
			}
			if (o + 1 >= outsz) {
				*why = "value too long";
				return -1;
			}
			out[o++] = c;
		}
		if (*p != '"') {
			*why = "unterminated quoted value";
			return -1;
		}
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != '\0' && *p != '#') {
			*why = "text after a quoted value";
			return -1;
		}
		out[o] = '\0';
		return 0;
	}
	const char *start = p;
	const char *end = p;
	for (; *p; p++) {
		if (*p == '#' && (p == start || p[-1] == ' ' || p[-1] == '\t'))
			break;
		end = p + 1;
	}
	while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if ((size_t)(end - start) >= outsz) {
		*why = "value too long";
		return -1;
	}
	memcpy(out, start, (size_t)(end - start));
	out[end - start] = '\0';
	return 0;
}

static struct conf_block *
doc_add_block(struct conf_doc *doc, const char *kind, const char *label, int line)
{
	struct conf_block *b;

	doc->blocks = xrealloc(doc->blocks, (doc->nblocks + 1) * sizeof(*doc->blocks));
	b = &doc->blocks[doc->nblocks++];
	memset(b, 0, sizeof(*b));
	b->kind = kind ? xstrdup(kind) : NULL;
	b->label = label ? xstrdup(label) : NULL;
	b->line = line;
	return b;
}

static void
block_add_item(struct conf_block *b, const char *key, const char *value, int append, int line)
{
	struct conf_item *it;

	b->items = xrealloc(b->items, (b->nitems + 1) * sizeof(*b->items));
	it = &b->items[b->nitems++];
	it->key = xstrdup(key);
	it->value = xstrdup(value);
	it->append = append;
	it->line = line;
}

int
conf_parse(
    const char *text, size_t len, const char *filename, struct conf_doc *doc, struct strbuf *errs)
{
	size_t pos = 0;
	int lineno = 0, nerr = 0;
	size_t cur = 0; /* index of the block being filled */
	char line[CONF_LINE_MAX + 1];
	char value[CONF_LINE_MAX + 1];

	memset(doc, 0, sizeof(*doc));
	doc_add_block(doc, NULL, NULL, 0);

	while (pos < len) {
		size_t eol = pos;
		while (eol < len && text[eol] != '\n')
			eol++;
		lineno++;
		size_t n = eol - pos;
		if (n > 0 && text[pos + n - 1] == '\r')
			n--;
		if (n > CONF_LINE_MAX) {
			conf_err(
			    errs, filename, lineno, "line longer than %d bytes", CONF_LINE_MAX);
			nerr++;
			pos = eol + 1;
			continue;
		}
		memcpy(line, text + pos, n);
		line[n] = '\0';
		pos = eol + 1;
		if (memchr(line, '\0', n) != NULL) {
			conf_err(errs, filename, lineno, "NUL byte in line");
			nerr++;
			continue;
		}

		char *p = line;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0' || *p == '#')
			continue;
		if (*p == '}') {
			p++;
			while (*p == ' ' || *p == '\t')
				p++;
			if (*p != '\0' && *p != '#') {
				conf_err(errs, filename, lineno, "text after '}'");
				nerr++;
			}
			if (cur == 0) {
				conf_err(errs, filename, lineno, "'}' without an open block");
				nerr++;
			}
			cur = 0;
			continue;
		}
		if (!is_word_char((unsigned char)*p)) {
			conf_err(errs, filename, lineno, "expected a setting name");
			nerr++;
			continue;
		}
		char *k = p;
		while (is_word_char((unsigned char)*p))
			p++;
		char *kend = p;
		while (*p == ' ' || *p == '\t')
			p++;
		int append = 0;
		if (*p == '+' && p[1] == '=') {
			append = 1;
			p += 2;
		} else if (*p == '=') {
			p++;
		} else {
			/* "kind [label] {" opens a block. */
			char *label = NULL;
			*kend = '\0';
			if (*p != '{') {
				label = p;
				while (*p && *p != ' ' && *p != '\t' && *p != '{')
					p++;
				char *lend = p;
				while (*p == ' ' || *p == '\t')
					p++;
				if (*p != '{') {
					conf_err(errs, filename, lineno,
					    "expected '=' after '%s' (or '{' to open a block)", k);
					nerr++;
					continue;
				}
				*lend = '\0';
			}
			p++;
			while (*p == ' ' || *p == '\t')
				p++;
			if (*p != '\0' && *p != '#') {
				conf_err(errs, filename, lineno, "text after '{'");
				nerr++;
				continue;
			}
			if (cur != 0) {
				conf_err(errs, filename, lineno,
				    "block '%s' opened inside block '%s' (line %d): blocks do not nest",
				    k, doc->blocks[cur].kind, doc->blocks[cur].line);
				nerr++;
				continue;
			}
			doc_add_block(doc, k, label, lineno);
			cur = doc->nblocks - 1;
			continue;
		}
		*kend = '\0';
		const char *why = NULL;
		if (parse_value(p, value, sizeof(value), &why) < 0) {
			conf_err(errs, filename, lineno, "%s: %s", k, why);
			nerr++;
			continue;
		}
		block_add_item(&doc->blocks[cur], k, value, append, lineno);
	}
	if (cur != 0) {
		conf_err(errs, filename, doc->blocks[cur].line, "block '%s' is not closed with '}'",
		    doc->blocks[cur].kind);
		nerr++;
	}
	return nerr ? -1 : 0;
}

void
conf_doc_free(struct conf_doc *doc)
{
	if (doc == NULL)
		return;
	for (size_t i = 0; i < doc->nblocks; i++) {
		struct conf_block *b = &doc->blocks[i];
		for (size_t j = 0; j < b->nitems; j++) {
			free(b->items[j].key);
			free(b->items[j].value);
		}
		free(b->items);
		free(b->kind);
		free(b->label);
	}
	free(doc->blocks);
	doc->blocks = NULL;
	doc->nblocks = 0;
}

const struct conf_key *
conf_find(const struct conf_key *keys, const char *name)
{
	for (; keys->name; keys++)
		if (strcmp(keys->name, name) == 0)
			return keys;
	return NULL;
}

static int
parse_bool(const char *v, int *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1", NULL };
	static const char *const no[] = { "no", "false", "off", "0", NULL };

	for (int i = 0; yes[i]; i++)
		if (strcasecmp(v, yes[i]) == 0)
			return *out = 1, 0;
	for (int i = 0; no[i]; i++)
		if (strcasecmp(v, no[i]) == 0)
			return *out = 0, 0;
	return -1;
}

/* Number with a unit suffix from units[] (multipliers); bare uses defmul. */
static int
parse_scaled(
    const char *v, const char *const *units, const long long *mul, long long defmul, long long *out)
{
	char *end;
	long long n, m = defmul;

	if (!isdigit((unsigned char)*v))
		return -1;
	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno)
		return -1;
	if (*end != '\0') {
		int found = 0;
		for (int i = 0; units[i]; i++) {
			if (strcasecmp(end, units[i]) == 0) {
				m = mul[i];
				found = 1;
				break;
			}
		}
		if (!found)
			return -1;
	}
	if (n != 0 && m > INT64_MAX / n)
		return -1;
	*out = n * m;
	return 0;
}

static void
list_free(struct conf_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static void
list_add_words(struct conf_list *l, const char *v)
{
	const char *p = v;

	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		const char *s = p;
		while (*p && *p != ' ' && *p != '\t' && *p != ',')
			p++;
		if (p > s) {
			l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
			l->v[l->n++] = xstrndup(s, (size_t)(p - s));
		}
	}
}

/* A CONF_ADDR or CONF_ADDRS value: each address checked before any is kept. */
static int
set_addr(
    const struct conf_key *k, char *field, const char *value, int append, char *err, size_t errsz)
{
	int pmin = (k->min == 0 && k->max == 0) ? 0 : (int)k->min;
	int pmax = (k->min == 0 && k->max == 0) ? 65535 : (int)k->max;
	struct conf_list words = { NULL, 0 };
	struct sockaddr_storage ss;
	socklen_t len;
	char why[256];

	list_add_words(&words, value);
	if (k->type == CONF_ADDR && words.n > 1) {
		snprintf(err, errsz, "%s: '%s' is more than one address", k->name, value);
		list_free(&words);
		return -1;
	}
	if (words.n == 0 && !append && k->def != NULL && k->def[0] != '\0') {
		snprintf(err, errsz, "%s: an address is needed (address:port)", k->name);
		return -1;
	}
	for (size_t i = 0; i < words.n; i++) {
		if (netaddr_parse(words.v[i], pmin, pmax, &ss, &len, why, sizeof(why)) < 0) {
			snprintf(err, errsz, "%s: %s", k->name, why);
			list_free(&words);
			return -1;
		}
	}
	if (k->type == CONF_ADDR) {
		char **sp = (char **)(void *)field;
		free(*sp);
		*sp = xstrdup(words.n ? words.v[0] : "");
		list_free(&words);
		return 0;
	}
	struct conf_list *l = (struct conf_list *)(void *)field;
	if (!append)
		list_free(l);
	for (size_t i = 0; i < words.n; i++)
		list_add_words(l, words.v[i]);
	list_free(&words);
	return 0;
}

int
conf_set(
    const struct conf_key *k, void *obj, const char *value, int append, char *err, size_t errsz)
{
	static const char *const size_units[] = { "k", "kb", "m", "mb", "g", "gb", "b", NULL };
	static const long long size_mul[] = { 1024LL, 1024LL, 1048576LL, 1048576LL, 1073741824LL,
		1073741824LL, 1 };
	static const char *const dur_units[] = { "ms", "s", "m", "h", "d", NULL };
	static const long long dur_mul[] = { 1, 1000, 60000, 3600000, 86400000 };
	char *field = (char *)obj + k->offset;
	long long n;

	if (append && k->type != CONF_LIST && k->type != CONF_ADDRS) {
		snprintf(err, errsz, "'+=' only works on lists; '%s' is not one", k->name);
		return -1;
	}
	/* Values reach replies, headers and logs: text only (a CR in hostname
	 * went out in every greeting); a tab may separate words. */
	for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
		if ((*p < 0x20 && *p != '\t') || *p == 0x7f) {
			snprintf(err, errsz, "%s: the value holds a control character (0x%02x)",
			    k->name, *p);
			return -1;
		}
	}
	if (!str_utf8_valid(value, strlen(value))) {
		snprintf(err, errsz, "%s: the value is not valid UTF-8", k->name);
		return -1;
	}
	switch (k->type) {
	case CONF_STR: {
		char **sp = (char **)(void *)field;
		free(*sp);
		*sp = xstrdup(value);
		return 0;
	}
	case CONF_BOOL:
		if (parse_bool(value, (int *)(void *)field) < 0) {
			snprintf(err, errsz, "%s: '%s' is not yes or no", k->name, value);
			return -1;
		}
		return 0;
	case CONF_INT:
		if (str_to_ll(value, INT64_MIN, INT64_MAX, &n) < 0) {
			snprintf(err, errsz, "%s: '%s' is not an integer", k->name, value);
			return -1;
		}
		break;
	case CONF_SIZE:
		if (parse_scaled(value, size_units, size_mul, 1, &n) < 0) {
			snprintf(err, errsz, "%s: '%s' is not a size (e.g. 512, 64k, 25m, 1g)",
			    k->name, value);
			return -1;
		}
		break;
	case CONF_DURATION:
		if (parse_scaled(value, dur_units, dur_mul, 1000, &n) < 0) {
			snprintf(err, errsz,
			    "%s: '%s' is not a duration (e.g. 500ms, 30s, 5m, 4h, 5d)", k->name,
			    value);
			return -1;
		}
		break;
	case CONF_ENUM:
		for (int i = 0; k->choices[i]; i++) {
			if (strcasecmp(value, k->choices[i]) == 0) {
				*(int *)(void *)field = i;
				return 0;
			}
		}
		{
			struct strbuf sb;
			strbuf_init(&sb, 512);
			for (int i = 0; k->choices[i]; i++)
				strbuf_printf(&sb, "%s%s", i ? ", " : "", k->choices[i]);
			snprintf(err, errsz, "%s: '%s' is not one of: %s", k->name, value,
			    sb.s ? sb.s : "");
			strbuf_free(&sb);
		}
		return -1;
	case CONF_LIST: {
		struct conf_list *l = (struct conf_list *)(void *)field;
		if (!append)
			list_free(l);
		list_add_words(l, value);
		return 0;
	}
	case CONF_ADDR:
	case CONF_ADDRS: return set_addr(k, field, value, append, err, errsz);
	}
	if ((k->min != 0 || k->max != 0) && (n < k->min || n > k->max)) {
		snprintf(err, errsz, "%s: %s is outside the allowed range [%lld, %lld]%s", k->name,
		    value, k->min, k->max,
		    k->type == CONF_DURATION   ? " milliseconds"
		        : k->type == CONF_SIZE ? " bytes"
		                               : "");
		return -1;
	}
	*(long long *)(void *)field = n;
	return 0;
}

void
conf_defaults(const struct conf_key *keys, void *obj)
{
	char err[256];

	for (const struct conf_key *k = keys; k->name; k++) {
		if (k->def == NULL)
			continue;
		/* A default that does not parse is a bug in the table. */
		if (conf_set(k, obj, k->def, 0, err, sizeof(err)) < 0)
			log_panic("bad default for %s: %s", k->name, err);
	}
}

int
conf_apply(const struct conf_key *keys, void *obj, const struct conf_block *blk,
    const char *filename, struct strbuf *errs)
{
	int nerr = 0;
	char err[512];

	for (size_t i = 0; i < blk->nitems; i++) {
		const struct conf_item *it = &blk->items[i];
		const struct conf_key *k = conf_find(keys, it->key);
		if (k == NULL) {
			if (blk->kind)
				conf_err(errs, filename, it->line,
				    "unknown setting '%s' in '%s' block", it->key, blk->kind);
			else
				conf_err(errs, filename, it->line, "unknown setting '%s'", it->key);
			nerr++;
			continue;
		}
		if (conf_set(k, obj, it->value, it->append, err, sizeof(err)) < 0) {
			conf_err(errs, filename, it->line, "%s", err);
			nerr++;
		}
	}
	return nerr;
}

void
conf_release(const struct conf_key *keys, void *obj)
{
	if (obj == NULL)
		return;
	for (const struct conf_key *k = keys; k->name; k++) {
		char *field = (char *)obj + k->offset;
		if (k->type == CONF_STR || k->type == CONF_ADDR) {
			char **sp = (char **)(void *)field;
			free(*sp);
			*sp = NULL;
		} else if (k->type == CONF_LIST || k->type == CONF_ADDRS) {
			list_free((struct conf_list *)(void *)field);
		}
	}
}

void
conf_copy(const struct conf_key *keys, void *dst, const void *src)
{
	for (const struct conf_key *k = keys; k->name; k++) {
		char *d = (char *)dst + k->offset;
		const char *s = (const char *)src + k->offset;
		switch (k->type) {
		case CONF_STR:
		case CONF_ADDR: {
			const char *v = *(char *const *)(const void *)s;
			*(char **)(void *)d = v ? xstrdup(v) : NULL;
			break;
		}
		case CONF_LIST:
		case CONF_ADDRS: {
			const struct conf_list *sl = (const struct conf_list *)(const void *)s;
			struct conf_list *dl = (struct conf_list *)(void *)d;
			dl->n = 0;
			dl->v = NULL;
			if (sl->n) {
				dl->v = xcalloc(sl->n, sizeof(char *));
				for (size_t i = 0; i < sl->n; i++)
					dl->v[i] = xstrdup(sl->v[i]);
				dl->n = sl->n;
			}
			break;
		}
		case CONF_BOOL:
		case CONF_ENUM: *(int *)(void *)d = *(const int *)(const void *)s; break;
		default: *(long long *)(void *)d = *(const long long *)(const void *)s; break;
		}
	}
}

static void
print_duration(struct strbuf *out, long long ms)
{
	if (ms != 0 && ms % 86400000 == 0)
		strbuf_printf(out, "%lldd", ms / 86400000);
	else if (ms != 0 && ms % 3600000 == 0)
		strbuf_printf(out, "%lldh", ms / 3600000);
	else if (ms != 0 && ms % 60000 == 0)
		strbuf_printf(out, "%lldm", ms / 60000);
	else if (ms % 1000 == 0)
		strbuf_printf(out, "%llds", ms / 1000);
	else
		strbuf_printf(out, "%lldms", ms);
}

static void
print_size(struct strbuf *out, long long b)
{
	if (b != 0 && b % 1073741824LL == 0)
		strbuf_printf(out, "%lldg", b / 1073741824LL);
	else if (b != 0 && b % 1048576LL == 0)
		strbuf_printf(out, "%lldm", b / 1048576LL);
	else if (b != 0 && b % 1024LL == 0)
		strbuf_printf(out, "%lldk", b / 1024LL);
	else
		strbuf_printf(out, "%lld", b);
}

static void
print_str(struct strbuf *out, const char *s)
{
	int quote = *s == '\0' || strpbrk(s, " \t#\"\\") != NULL;

	if (!quote) {
		strbuf_puts(out, s);
		return;
	}
	strbuf_puts(out, "\"");
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			strbuf_puts(out, "\\");
		strbuf_append(out, s, 1);
	}
	strbuf_puts(out, "\"");
}

void
conf_print(const struct conf_key *keys, const void *obj, const char *indent, struct strbuf *out)
{
	for (const struct conf_key *k = keys; k->name; k++) {
		const char *f = (const char *)obj + k->offset;
		strbuf_printf(out, "%s%s = ", indent, k->name);
		switch (k->type) {
		case CONF_STR:
		case CONF_ADDR: {
			const char *v = *(char *const *)(const void *)f;
			print_str(out, v ? v : "");
			break;
		}
		case CONF_BOOL:
			strbuf_puts(out, *(const int *)(const void *)f ? "yes" : "no");
			break;
		case CONF_INT:
			strbuf_printf(out, "%lld", *(const long long *)(const void *)f);
			break;
		case CONF_SIZE: print_size(out, *(const long long *)(const void *)f); break;
		case CONF_DURATION: print_duration(out, *(const long long *)(const void *)f); break;
		case CONF_ENUM: strbuf_puts(out, k->choices[*(const int *)(const void *)f]); break;
		case CONF_LIST:
		case CONF_ADDRS: {
			const struct conf_list *l = (const struct conf_list *)(const void *)f;
			if (l->n == 0)
				strbuf_puts(out, "\"\"");
			for (size_t i = 0; i < l->n; i++)
				strbuf_printf(out, "%s%s", i ? " " : "", l->v[i]);
			break;
		}
		}
		strbuf_puts(out, "\n");
	}
}

int
conf_list_has(const struct conf_list *l, const char *word)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcasecmp(l->v[i], word) == 0)
			return 1;
	return 0;
}
