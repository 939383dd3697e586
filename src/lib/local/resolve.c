/*
 * resolve: local recipient resolution through aliases (see resolve.h).
 */
#include "local/resolve.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "smtp/smtp_addr.h"
#include "util/log.h"
#include "util/xmalloc.h"

static void
add_unique(char ***v, size_t *n, const char *s)
{
	for (size_t i = 0; i < *n; i++)
		if (strcasecmp((*v)[i], s) == 0)
			return;
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = str_lower(xstrdup(s));
}

static enum resolve_status
expand(const struct users *u, const struct aliases *a, const struct conf_list *domains,
    const char *local, const char *domain, int depth, struct resolved *out)
{
	char addr[SMTP_PATH_MAX + 2];
	char *const *targets;
	size_t nt = 0;

	if (depth > RESOLVE_MAX_DEPTH)
		return RESOLVE_LOOP;
	if (out->nlocal + out->nremote > RESOLVE_MAX_TARGETS)
		return RESOLVE_TOO_MANY;
	if (snprintf(addr, sizeof(addr), "%s@%s", local, domain) >= (int)sizeof(addr))
		return RESOLVE_UNKNOWN;
	if (!conf_list_has(domains, domain)) {
		add_unique(&out->remote, &out->nremote, addr);
		return RESOLVE_OK;
	}
	targets = aliases_lookup(a, local, domain, &nt);
	if (targets == NULL) {
		if (users_find(u, addr) || strcasecmp(local, "postmaster") == 0) {
			add_unique(&out->local, &out->nlocal, addr);
			return RESOLVE_OK;
		}
		return RESOLVE_UNKNOWN;
	}
	int delivered = 0;
	for (size_t i = 0; i < nt; i++) {
		const char *t = targets[i];
		const char *at = strrchr(t, '@');
		char tl[SMTP_LOCAL_MAX * 4 + 1];
		const char *td = at ? at + 1 : domain;
		size_t ll = at ? (size_t)(at - t) : strlen(t);
		enum resolve_status st;

		if (ll >= sizeof(tl))
			continue;
		memcpy(tl, t, ll);
		tl[ll] = '\0';
		/* An alias naming itself means "also deliver to the mailbox". */
		if (strcasecmp(tl, local) == 0 && strcasecmp(td, domain) == 0) {
			add_unique(&out->local, &out->nlocal, addr);
			delivered = 1;
			continue;
		}
		st = expand(u, a, domains, tl, td, depth + 1, out);
		if (st == RESOLVE_OK)
			delivered = 1;
		else if (st == RESOLVE_UNKNOWN) {
			char esc[LOG_ESC_MAX], t_esc[LOG_ESC_MAX];
			log_warn("event=alias_target_unknown alias=%s target=%s",
			    log_token(esc, sizeof(esc), addr), log_token(t_esc, sizeof(t_esc), t));
		} else
			return st;
	}
	return delivered ? RESOLVE_OK : RESOLVE_UNKNOWN;
}

enum resolve_status
resolve_address(const struct users *u, const struct aliases *a, const struct conf_list *domains,
    const char *local, const char *domain, struct resolved *out)
{
	enum resolve_status st;

	memset(out, 0, sizeof(*out));
	st = expand(u, a, domains, local, domain, 0, out);
	if (st != RESOLVE_OK)
		resolved_clear(out);
	return st;
}

void
resolved_clear(struct resolved *r)
{
	for (size_t i = 0; i < r->nlocal; i++)
		free(r->local[i]);
	for (size_t i = 0; i < r->nremote; i++)
		free(r->remote[i]);
	free(r->local);
	free(r->remote);
	memset(r, 0, sizeof(*r));
}
