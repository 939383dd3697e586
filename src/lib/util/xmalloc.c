/*
 * xmalloc: allocation wrappers that abort on exhaustion (see xmalloc.h).
 */
#include "util/xmalloc.h"

#include <stdlib.h>
#include <string.h>

#include "util/log.h"

void *
xmalloc_at(size_t n, const char *file, int line)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		log_panic_at(file, line, "out of memory allocating %zu bytes", n);
	return p;
}

void *
xcalloc_at(size_t n, size_t m, const char *file, int line)
{
	void *p = calloc(n ? n : 1, m ? m : 1);

	if (p == NULL)
		log_panic_at(file, line, "out of memory allocating %zu x %zu bytes", n, m);
	return p;
}

void *
xrealloc_at(void *p, size_t n, const char *file, int line)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		log_panic_at(file, line, "out of memory reallocating %zu bytes", n);
	return q;
}

char *
xstrndup_at(const char *s, size_t n, const char *file, int line)
{
	size_t len = strnlen(s, n);
	char *d = xmalloc_at(len + 1, file, line);

	memcpy(d, s, len);
	d[len] = '\0';
	return d;
}

void *
xmemdup_at(const void *p, size_t n, const char *file, int line)
{
	char *d = xmalloc_at(n + 1, file, line);

	if (n)
		memcpy(d, p, n);
	d[n] = '\0';
	return d;
}
