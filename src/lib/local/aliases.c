/*
 * aliases: the alias table (see aliases.h).
 */
#include "local/aliases.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "smtp/smtp_addr.h"
#include "util/hmap.h"
#include "util/xmalloc.h"

struct alias {
	char **targets;
	size_t n;
};

struct aliases {
	struct hmap *map; /* lower-case key -> struct alias */
	struct alias **all;
	size_t nall;
};

static struct aliases *
aliases_new(void)
{
	struct aliases *a = xcalloc(1, sizeof(*a));

	a->map = hmap_new();
	return a;
}

void
aliases_free(struct aliases *a)
{
	if (a == NULL)
		return;
	for (size_t i = 0; i < a->nall; i++) {
		for (size_t j = 0; j < a->all[i]->n; j++)
			free(a->all[i]->targets[j]);
		free(a->all[i]->targets);
		free(a->all[i]);
	}
	free(a->all);
	hmap_free(a->map);
	free(a);
}

/* A key or target: a dot-string local part, optionally @domain. */
static int
word_ok(const char *w)
{
	struct smtp_addr parsed;

	if (strchr(w, '@'))
		return smtp_addr_parse_mailbox(w, strlen(w), SMTP_ADDR_ALLOW_UTF8, &parsed) ==
		    SMTP_ADDR_OK;
	char buf[SMTP_LOCAL_MAX + 16];
	size_t n = strlen(w);
	if (n == 0 || n > SMTP_LOCAL_MAX)
		return 0;
	memcpy(buf, w, n);
	memcpy(buf + n, "@x.example", 11);
	return smtp_addr_parse_mailbox(buf, n + 10, SMTP_ADDR_ALLOW_UTF8, &parsed) ==
	    SMTP_ADDR_OK &&
	    !(parsed.flags & SMTP_ADDR_QUOTED);
}

struct aliases *
aliases_parse(const char *text, size_t len, const char *name, struct strbuf *errs)
{
	struct aliases *a = aliases_new();
	size_t pos = 0;
	int lineno = 0, nerr = 0;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		char *line = xstrndup(text + pos, n);
		char *p, *colon, *hash;

		pos += n + 1;
		lineno++;
		if ((hash = strchr(line, '#')) != NULL)
			*hash = '\0';
		p = str_trim(line);
		if (*p == '\0') {
			free(line);
			continue;
		}
		colon = strchr(p, ':');
		if (colon == NULL) {
			strbuf_printf(errs, "%s:%d: expected 'alias: target, ...'\n", name, lineno);
			nerr++;
			free(line);
			continue;
		}
		*colon = '\0';
		char *key = str_lower(str_trim(p));
		if (!word_ok(key)) {
			strbuf_printf(errs, "%s:%d: bad alias name '%s'\n", name, lineno, key);
			nerr++;
			free(line);
			continue;
		}
		if (hmap_get(a->map, key, strlen(key))) {
			strbuf_printf(errs, "%s:%d: alias '%s' defined twice\n", name, lineno, key);
			nerr++;
			free(line);
			continue;
		}
		struct alias *al = xcalloc(1, sizeof(*al));
		char *save = NULL;
		for (char *t = strtok_r(colon + 1, ", \t", &save); t;
		     t = strtok_r(NULL, ", \t", &save)) {
			if (!word_ok(t)) {
				strbuf_printf(errs, "%s:%d: bad target '%s'\n", name, lineno, t);
				nerr++;
				continue;
			}
			al->targets = xrealloc(al->targets, (al->n + 1) * sizeof(char *));
			al->targets[al->n++] = xstrdup(t);
		}
		if (al->n == 0) {
			strbuf_printf(
			    errs, "%s:%d: alias '%s' has no targets\n", name, lineno, key);
			nerr++;
		}
		a->all = xrealloc(a->all, (a->nall + 1) * sizeof(*a->all));
		a->all[a->nall++] = al;
		hmap_put(a->map, key, strlen(key), al);
		free(line);
	}
	if (nerr) {
		aliases_free(a);
		return NULL;
	}
	return a;
}

struct aliases *
aliases_load(const char *path, struct strbuf *errs)
{
	struct strbuf text;
	char buf[8192];
	ssize_t n;
	int fd;
	struct aliases *a;

	if (path == NULL || *path == '\0')
		return aliases_new();
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		strbuf_printf(errs, "%s: %s\n", path, strerror(errno));
		return NULL;
	}
	strbuf_init(&text, 64 * 1024 * 1024);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (strbuf_append(&text, buf, (size_t)n) < 0)
			break;
	close(fd);
	a = aliases_parse(text.s ? text.s : "", text.len, path, errs);
	strbuf_free(&text);
	return a;
}

char *const *
aliases_lookup(const struct aliases *a, const char *local, const char *domain, size_t *n)
{
	char key[SMTP_PATH_MAX + 2];
	size_t ll = strlen(local), dl = strlen(domain);
	struct alias *al;

	if (a == NULL || ll + dl + 2 > sizeof(key))
		return NULL;
	memcpy(key, local, ll);
	key[ll] = '@';
	memcpy(key + ll + 1, domain, dl + 1);
	str_lower(key);
	al = hmap_get(a->map, key, ll + 1 + dl);
	if (al == NULL)
		al = hmap_get(a->map, key, ll);
	if (al == NULL)
		return NULL;
	*n = al->n;
	return al->targets;
}
