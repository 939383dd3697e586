/*
 * spf_known: the table of known SPF results (see spf_known.h).
 */
#include "auth/spf_known.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dns/dns_name.h"
#include "util/str.h"
#include "util/xmalloc.h"

struct known_entry {
	char *domain; /* without "*." */
	int wildcard; /* "*.": names below domain only */
	enum spf_result result;
	int has_net;
	struct spf_ip net;
	unsigned prefix;
};

struct spf_known {
	struct known_entry *v;
	size_t n;
};

struct spf_known *
spf_known_new(void)
{
	return xcalloc(1, sizeof(struct spf_known));
}

void
spf_known_free(struct spf_known *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i].domain);
	free(t->v);
	free(t);
}

size_t
spf_known_size(const struct spf_known *t)
{
	return t->n;
}

int
spf_known_add(struct spf_known *t, const char *entry, char *err, size_t errsz)
{
	char buf[512];
	char *eq, *at, *slash, *dom;
	struct known_entry e;
	long long prefix;

	memset(&e, 0, sizeof(e));
	if (str_copy(buf, sizeof(buf), entry) >= sizeof(buf)) {
		snprintf(err, errsz, "'%.60s...': too long", entry);
		return -1;
	}
	if ((eq = strchr(buf, '=')) == NULL) {
		snprintf(err, errsz, "'%.200s': expected DOMAIN=RESULT[@NETWORK]", entry);
		return -1;
	}
	*eq = '\0';
	if ((at = strchr(eq + 1, '@')) != NULL)
		*at = '\0';
	dom = buf;
	if (strncmp(dom, "*.", 2) == 0) {
		e.wildcard = 1;
		dom += 2;
	}
	if (dns_name_check(dom) < 0) {
		snprintf(err, errsz, "'%.200s': not a domain name", entry);
		return -1;
	}
	if (spf_result_parse(eq + 1, &e.result) < 0) {
		snprintf(err, errsz, "'%.200s': unknown result '%.20s'", entry, eq + 1);
		return -1;
	}
	if (at != NULL) {
		e.has_net = 1;
		if ((slash = strchr(at + 1, '/')) != NULL)
			*slash = '\0';
		if (spf_ip_parse(at + 1, &e.net) < 0) {
			snprintf(err, errsz, "'%.200s': bad network address", entry);
			return -1;
		}
		e.prefix = e.net.family == AF_INET ? 32 : 128;
		if (slash != NULL) {
			if (str_to_ll(slash + 1, 0, e.prefix, &prefix) < 0) {
				snprintf(err, errsz, "'%.200s': bad prefix length", entry);
				return -1;
			}
			e.prefix = (unsigned)prefix;
		}
	}
	e.domain = str_lower(xstrdup(dom));
	{
		size_t n = strlen(e.domain);
		if (n > 1 && e.domain[n - 1] == '.')
			e.domain[n - 1] = '\0';
	}
	t->v = xrealloc(t->v, (t->n + 1) * sizeof(*t->v));
	t->v[t->n++] = e;
	return 0;
}

int
spf_known_lookup(
    const struct spf_known *t, const char *domain, const struct spf_ip *ip, enum spf_result *out)
{
	for (size_t i = 0; t != NULL && i < t->n; i++) {
		const struct known_entry *e = &t->v[i];
		if (e->wildcard
		        ? (!dns_name_is_sub(domain, e->domain) || dns_name_eq(domain, e->domain))
		        : !dns_name_eq(domain, e->domain))
			continue;
		if (e->has_net && !spf_ip_in_net(ip, e->net.family, e->net.addr, e->prefix))
			continue;
		*out = e->result;
		return 1;
	}
	return 0;
}
