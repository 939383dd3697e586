/*
 * callout_cache: what the callout service remembers in the store (see
 * callout.h): results per address and per domain, each with its own
 * lifetime, and how a domain's mail server treats unknown users.
 */
#include "auth/callout_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/store.h"
#include "util/log.h"
#include "util/str.h"

/* Store namespaces: results per address, and per domain; how a domain
 * treats unknown users (callout_int.h). */
#define NS_ADDRESS CALLOUT_NS_ADDRESS
#define NS_DOMAIN CALLOUT_NS_DOMAIN
#define NS_BEHAVIOUR CALLOUT_NS_BEHAVIOUR

/* Text from a peer or a cache for our logs, replies and records: printable
 * ASCII only (no tabs, which separate cached fields), bounded by dstsz. */
void
callout_clean_copy(char *dst, size_t dstsz, const char *src)
{
	size_t o = 0;

	for (; *src && o + 1 < dstsz; src++)
		dst[o++] = (unsigned char)*src >= 0x20 && (unsigned char)*src < 0x7f ? *src : '?';
	dst[o] = '\0';
}

/* --- the cache ------------------------------------------------------- */

/* A cached record: "<result>\t<code>\t<null_mx>\t<mx>\t<mx address>\t<reason>". */
static int
cache_format(const struct callout_outcome *o, char *out, size_t outsz)
{
	int n = snprintf(out, outsz, "%s\t%d\t%d\t%s\t%s\t%s", callout_result_name(o->result),
	    o->code, o->null_mx, o->mx, o->mx_addr, o->reason);

	return n < 0 || (size_t)n >= outsz ? -1 : 0;
}

int
callout_cache_parse(const char *value, size_t len, struct callout_outcome *o)
{
	const char *f[6];
	size_t fl[6];
	const char *p = value, *end = value + len;
	long long code;
	char num[8];
	int r = -1;

	for (int i = 0; i < 6; i++) {
		const char *tab = i < 5 ? memchr(p, '\t', (size_t)(end - p)) : NULL;
		f[i] = p;
		fl[i] = tab ? (size_t)(tab - p) : (size_t)(end - p);
		if (i < 5 && tab == NULL)
			return -1;
		p = tab ? tab + 1 : end;
	}
	for (int i = 0; i < CALLOUT_RESULT_COUNT; i++)
		if (str_nieq(f[0], fl[0], callout_result_name((enum callout_result)i)))
			r = i;
	if (r < 0 || fl[1] == 0 || fl[1] >= sizeof(num) || fl[2] != 1 ||
	    (f[2][0] != '0' && f[2][0] != '1') || fl[3] >= sizeof(o->mx) ||
	    fl[4] >= sizeof(o->mx_addr))
		return -1;
	memcpy(num, f[1], fl[1]);
	num[fl[1]] = '\0';
	if (str_to_ll(num, 0, 999, &code) < 0)
		return -1;
	o->result = (enum callout_result)r;
	o->code = (int)code;
	o->null_mx = f[2][0] == '1';
	memcpy(o->mx, f[3], fl[3]);
	o->mx[fl[3]] = '\0';
	callout_clean_copy(o->mx, sizeof(o->mx), o->mx);
	memcpy(o->mx_addr, f[4], fl[4]);
	o->mx_addr[fl[4]] = '\0';
	callout_clean_copy(o->mx_addr, sizeof(o->mx_addr), o->mx_addr);
	/* the reason may be cut to fit; it is only text */
	size_t rl = fl[5] < sizeof(o->reason) - 1 ? fl[5] : sizeof(o->reason) - 1;
	memcpy(o->reason, f[5], rl);
	o->reason[rl] = '\0';
	callout_clean_copy(o->reason, sizeof(o->reason), o->reason);
	return 0;
}

/* Look for a remembered result: the domain's first, then the address's. */
int
callout_cache_lookup(struct callout *co, struct callout_check *chk)
{
	static const struct {
		const char *ns;
		enum callout_source src;
	} where[] = {
		{ NS_DOMAIN, CALLOUT_SRC_CACHE_DOMAIN },
		{ NS_ADDRESS, CALLOUT_SRC_CACHE_ADDRESS },
	};

	if (co->store == NULL)
		return 0;
	for (size_t i = 0; i < 2; i++) {
		const char *key = i == 0 ? chk->out.domain : chk->out.address;
		char *value = NULL;
		int64_t expires = 0;
		int rc = store_get(co->store, where[i].ns, key, &value, &expires);

		if (rc < 0)
			log_warn("event=callout_store_error op=get ns=%s", where[i].ns);
		if (rc != 1)
			continue;
		if (callout_cache_parse(value, strlen(value), &chk->out) < 0) {
			/* Not ours, or damaged: forget it and ask again. */
			store_del(co->store, where[i].ns, key);
			free(value);
			continue;
		}
		free(value);
		chk->out.source = where[i].src;
		chk->out.expires = expires;
		return 1;
	}
	return 0;
}

/* Remember a fresh result for as long as its kind is configured to last. */
int
callout_cache_rejects_unknown(struct callout *co, const struct callout_check *chk)
{
	return co->store && co->cfg.domain_ttl > 0 &&
	    store_get(co->store, NS_BEHAVIOUR, chk->out.domain, NULL, NULL) == 1;
}

/* The random local part was refused with 5xx: the domain rejects unknown
 * users (remembered like a domain-level result). */
static void
note_behaviour(struct callout *co, struct callout_check *chk)
{
	const struct smtp_client_msg *m = &chk->msg;
	int code = m->nrcpts == 2 ? m->rcpts[1].reply.code : 0;

	if (co->store == NULL || co->cfg.domain_ttl <= 0 || code < 500 || code > 599)
		return;
	int64_t expires = (int64_t)time(NULL) + (co->cfg.domain_ttl + 999) / 1000;

	if (store_put(co->store, NS_BEHAVIOUR, chk->out.domain, "rejects-unknown", expires) < 0)
		log_warn("event=callout_store_error op=put ns=callout.behaviour");
	callout_shared_put(co, NS_BEHAVIOUR, chk->out.domain, "rejects-unknown", expires);
}

void
callout_cache_store(struct callout *co, struct callout_check *chk)
{
	if (chk->out.result == CALLOUT_PASS || chk->out.result == CALLOUT_FAIL)
		note_behaviour(co, chk);
	const struct callout_outcome *o = &chk->out;
	const char *ns = NS_ADDRESS, *key = o->address;
	long long ttl;
	char value[sizeof(o->reason) + sizeof(o->mx) + sizeof(o->mx_addr) + 64];

	switch (o->result) {
	case CALLOUT_PASS: ttl = co->cfg.positive_ttl; break;
	case CALLOUT_FAIL: ttl = co->cfg.negative_ttl; break;
	case CALLOUT_CATCHALL:
	case CALLOUT_NOMX:
	case CALLOUT_NXDOMAIN:
		ns = NS_DOMAIN;
		key = o->domain;
		ttl = co->cfg.domain_ttl;
		break;
	case CALLOUT_TEMPERROR:
	default:
		/* Only "unreachable" is remembered, so the MX is not hammered;
		 * a 4xx (greylisting) or DNS trouble is asked again. */
		if (!chk->unreachable)
			return;
		ns = NS_DOMAIN;
		key = o->domain;
		ttl = co->cfg.tempfail_ttl;
		break;
	}
	if (co->store == NULL || ttl <= 0 || cache_format(o, value, sizeof(value)) < 0)
		return;
	/* The store keeps whole seconds; round a short lifetime up. */
	chk->out.expires = (long long)time(NULL) + (ttl + 999) / 1000;
	if (store_put(co->store, ns, key, value, chk->out.expires) < 0) {
		log_warn("event=callout_store_error op=put ns=%s", ns);
		chk->out.expires = 0;
	}
	callout_shared_put(co, ns, key, value, (int64_t)chk->out.expires);
}

int
callout_forget(struct callout *co, const char *address, int domain_too)
{
	struct smtp_addr a;
	char key[SMTP_PATH_MAX + 2];
	int rc = 0;

	if (co->store == NULL)
		return 0;
	if (smtp_addr_parse_mailbox(address, strlen(address), SMTP_ADDR_ALLOW_UTF8, &a) !=
	    SMTP_ADDR_OK)
		return -1;
	str_lower(a.domain);
	if ((size_t)snprintf(key, sizeof(key), "%s@%s", a.local, a.domain) >= sizeof(key))
		return -1;
	if (store_del(co->store, NS_ADDRESS, key) < 0)
		rc = -1;
	callout_shared_del(co, NS_ADDRESS, key);
	if (domain_too) {
		if (store_del(co->store, NS_DOMAIN, a.domain) < 0 ||
		    store_del(co->store, NS_BEHAVIOUR, a.domain) < 0)
			rc = -1;
		callout_shared_del(co, NS_DOMAIN, a.domain);
		callout_shared_del(co, NS_BEHAVIOUR, a.domain);
	}
	return rc;
}
