/*
 * xmalloc: allocation that cannot return NULL. Running out of memory is not
 * a condition vouchd can serve mail through; it aborts with file and line
 * (as Postfix's mymalloc does) instead of threading NULL checks everywhere.
 */
#ifndef VOUCH_UTIL_XMALLOC_H
#define VOUCH_UTIL_XMALLOC_H

#include <stddef.h>

#define xmalloc(n) xmalloc_at((n), __FILE__, __LINE__)
#define xcalloc(n, m) xcalloc_at((n), (m), __FILE__, __LINE__)
#define xrealloc(p, n) xrealloc_at((p), (n), __FILE__, __LINE__)
#define xstrdup(s) xstrndup_at((s), (size_t)-1, __FILE__, __LINE__)
#define xstrndup(s, n) xstrndup_at((s), (n), __FILE__, __LINE__)
#define xmemdup(p, n) xmemdup_at((p), (n), __FILE__, __LINE__)

void *xmalloc_at(size_t n, const char *file, int line);
void *xcalloc_at(size_t n, size_t m, const char *file, int line);
void *xrealloc_at(void *p, size_t n, const char *file, int line);
/* Copy at most n bytes of s and terminate; caller frees. */
char *xstrndup_at(const char *s, size_t n, const char *file, int line);
/* Copy n bytes and add a NUL after them; caller frees. */
void *xmemdup_at(const void *p, size_t n, const char *file, int line);

#endif
