/*
 * reg_resolve: system and table resolvers (see reg_resolve.h).
 */
#include "reg_resolve.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "reg_err.h"
#include "util/str.h"
#include "util/xmalloc.h"

struct reg_resolve_ops {
	const char *kind;
	int (*lookup)(struct reg_resolve *r, const char *name, char out[][REG_ADDR_MAX], size_t max,
	    size_t *n);
};

struct reg_resolve {
	const struct reg_resolve_ops *ops;
	char **names, **addrs; /* table backend: parallel arrays, owned */
	size_t n;
};

static int
table_lookup(
    struct reg_resolve *r, const char *name, char out[][REG_ADDR_MAX], size_t max, size_t *n)
{
	*n = 0;
	for (size_t i = 0; i < r->n && *n < max; i++)
		if (str_ieq(r->names[i], name))
			str_copy(out[(*n)++], REG_ADDR_MAX, r->addrs[i]);
	return *n ? REG_OK : REG_ENOTFOUND;
}

static int
system_lookup(
    struct reg_resolve *r, const char *name, char out[][REG_ADDR_MAX], size_t max, size_t *n)
{
	struct addrinfo hints, *res = NULL, *ai;
	int e;

	(void)r;
	*n = 0;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	e = getaddrinfo(name, NULL, &hints, &res);
	if (e == EAI_NONAME || e == EAI_NODATA)
		return REG_ENOTFOUND;
	if (e != 0)
		return REG_ETEMP;
	for (ai = res; ai && *n < max; ai = ai->ai_next) {
		char a[REG_ADDR_MAX];
		const void *src = ai->ai_family == AF_INET
		    ? (const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr
		    : (const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;
		int dup = 0;

		if (inet_ntop(ai->ai_family, src, a, sizeof(a)) == NULL)
			continue;
		for (size_t i = 0; i < *n; i++)
			dup |= strcmp(out[i], a) == 0;
		if (!dup)
			str_copy(out[(*n)++], REG_ADDR_MAX, a);
	}
	freeaddrinfo(res);
	return *n ? REG_OK : REG_ENOTFOUND;
}

static const struct reg_resolve_ops table_ops = { "table", table_lookup };
static const struct reg_resolve_ops system_ops = { "system", system_lookup };

struct reg_resolve *
reg_resolve_new(const struct conf_list *hosts)
{
	struct reg_resolve *r = xcalloc(1, sizeof(*r));

	r->ops = (hosts && hosts->n) ? &table_ops : &system_ops;
	for (size_t i = 0; hosts && i < hosts->n; i++) {
		const char *eq = strchr(hosts->v[i], '=');
		if (eq == NULL)
			continue;
		r->names = xrealloc(r->names, (r->n + 1) * sizeof(char *));
		r->addrs = xrealloc(r->addrs, (r->n + 1) * sizeof(char *));
		r->names[r->n] = xstrndup(hosts->v[i], (size_t)(eq - hosts->v[i]));
		r->addrs[r->n] = xstrdup(eq + 1);
		r->n++;
	}
	return r;
}

void
reg_resolve_free(struct reg_resolve *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->n; i++) {
		free(r->names[i]);
		free(r->addrs[i]);
	}
	free(r->names);
	free(r->addrs);
	free(r);
}

int
reg_resolve_addrs(
    struct reg_resolve *r, const char *name, char out[][REG_ADDR_MAX], size_t max, size_t *n)
{
	return r->ops->lookup(r, name, out, max, n);
}

const char *
reg_resolve_kind(const struct reg_resolve *r)
{
	return r->ops->kind;
}
