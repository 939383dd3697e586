/*
 * lists: allow and block list entries and matching (see lists.h).
 */
#include "policy/lists.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "smtp/smtp_addr.h"
#include "util/str.h"
#include "util/xmalloc.h"

struct list {
	struct list_entry *v;
	size_t n;
};

struct list *
list_new(void)
{
	return xcalloc(1, sizeof(struct list));
}

void
list_free(struct list *l)
{
	if (l == NULL)
		return;
	free(l->v);
	free(l);
}

static int
parse_ip(const char *s, int *family, uint8_t out[16])
{
	if (inet_pton(AF_INET, s, out) == 1) {
		*family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, out) == 1) {
		*family = AF_INET6;
		return 0;
	}
	return -1;
}

int
list_parse(const char *text, struct list_entry *e, char *err, size_t errsz)
{
	char buf[300];

	memset(e, 0, sizeof(*e));
	if (str_copy(buf, sizeof(buf), text) >= sizeof(buf) || buf[0] == '\0') {
		snprintf(err, errsz, "empty or too long");
		return -1;
	}
	str_lower(buf);
	if (strncmp(buf, "helo:", 5) == 0) {
		if (!smtp_addr_domain_ok(buf + 5, strlen(buf + 5), 1)) {
			snprintf(err, errsz, "'%s' is not a host name", buf + 5);
			return -1;
		}
		e->kind = LIST_HELO;
	} else if (buf[0] == '@') {
		if (!smtp_addr_domain_ok(buf + 1, strlen(buf + 1), 1)) {
			snprintf(err, errsz, "'%s' is not a domain", buf + 1);
			return -1;
		}
		e->kind = LIST_DOMAIN;
	} else if (strchr(buf, '@')) {
		struct smtp_addr a;
		if (smtp_addr_parse_mailbox(buf, strlen(buf), SMTP_ADDR_ALLOW_UTF8, &a) !=
		    SMTP_ADDR_OK) {
			snprintf(err, errsz, "'%s' is not a mail address", buf);
			return -1;
		}
		e->kind = LIST_SENDER;
	} else {
		char *slash = strchr(buf, '/');
		long long prefix = -1;
		if (slash) {
			*slash = '\0';
			if (str_to_ll(slash + 1, 0, 128, &prefix) < 0) {
				snprintf(err, errsz, "bad prefix length in '%s'", text);
				return -1;
			}
		}
		if (parse_ip(buf, &e->family, e->net) < 0) {
			snprintf(err, errsz,
			    "'%s' is not an address, network, sender, @domain or helo:name", text);
			return -1;
		}
		unsigned max = e->family == AF_INET ? 32 : 128;
		if (prefix > (long long)max) {
			snprintf(err, errsz, "prefix /%lld too long for '%s'", prefix, buf);
			return -1;
		}
		e->kind = prefix < 0 || prefix == (long long)max ? LIST_ADDR : LIST_NET;
		e->prefix = prefix < 0 ? max : (unsigned)prefix;
		/* canonical text: the network address with host bits cleared */
		for (unsigned bit = e->prefix; bit < max; bit++)
			e->net[bit / 8] &= (uint8_t) ~(0x80u >> (bit % 8));
		char t[INET6_ADDRSTRLEN];
		inet_ntop(e->family, e->net, t, sizeof(t));
		if (e->kind == LIST_NET)
			snprintf(e->text, sizeof(e->text), "%s/%u", t, e->prefix);
		else
			str_copy(e->text, sizeof(e->text), t);
		return 0;
	}
	str_copy(e->text, sizeof(e->text), buf);
	return 0;
}

void
list_add(struct list *l, const struct list_entry *e)
{
	for (size_t i = 0; i < l->n; i++) {
		if (strcmp(l->v[i].text, e->text) == 0) {
			l->v[i] = *e;
			return;
		}
	}
	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n++] = *e;
}

int
list_del(struct list *l, const char *text)
{
	struct list_entry e;
	char err[64];
	const char *want = text;

	if (list_parse(text, &e, err, sizeof(err)) == 0)
		want = e.text;
	for (size_t i = 0; i < l->n; i++) {
		if (strcmp(l->v[i].text, want) == 0) {
			memmove(&l->v[i], &l->v[i + 1], (l->n - i - 1) * sizeof(*l->v));
			l->n--;
			return 0;
		}
	}
	return -1;
}

size_t
list_count(const struct list *l)
{
	return l->n;
}

const struct list_entry *
list_at(const struct list *l, size_t i)
{
	return &l->v[i];
}

static int
ip_in(const struct list_entry *e, const struct sockaddr *sa)
{
	uint8_t a[16];
	int fam;

	if (sa->sa_family == AF_INET) {
		memcpy(a, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
		fam = AF_INET;
	} else if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a6 =
		    &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
		if (IN6_IS_ADDR_V4MAPPED(a6)) {
			memcpy(a, &a6->s6_addr[12], 4);
			fam = AF_INET;
		} else {
			memcpy(a, a6, 16);
			fam = AF_INET6;
		}
	} else {
		return 0;
	}
	if (fam != e->family)
		return 0;
	for (unsigned bit = 0; bit < e->prefix; bit++) {
		uint8_t m = (uint8_t)(0x80u >> (bit % 8));
		if ((a[bit / 8] & m) != (e->net[bit / 8] & m))
			return 0;
	}
	return 1;
}

const struct list_entry *
list_match(const struct list *l, const struct sockaddr *client, const char *helo,
    const char *sender, int64_t now)
{
	const char *at = sender ? strrchr(sender, '@') : NULL;

	for (size_t i = 0; i < l->n; i++) {
		const struct list_entry *e = &l->v[i];
		if (e->expires && e->expires <= now)
			continue;
		switch (e->kind) {
		case LIST_ADDR:
		case LIST_NET:
			if (client && ip_in(e, client))
				return e;
			break;
		case LIST_HELO:
			if (helo && strcasecmp(helo, e->text + 5) == 0)
				return e;
			break;
		case LIST_DOMAIN:
			if (at && strcasecmp(at, e->text) == 0)
				return e;
			break;
		case LIST_SENDER:
			if (sender && strcasecmp(sender, e->text) == 0)
				return e;
			break;
		}
	}
	return NULL;
}
