/*
 * challenge_store: challenges and whitelists in the store (see
 * challenge_store.h).
 */
#include "policy/challenge_store.h"

#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "util/str.h"

#define NS_CHAL "challenge"
#define NS_OUT "challenge_out"
#define NS_USED "challenge_used"
#define NS_WL "whitelist"

void
challenge_new_id(char id[CHALLENGE_ID_LEN + 1])
{
	unsigned char r[CHALLENGE_ID_LEN / 2];

	if (RAND_bytes(r, sizeof(r)) != 1)
		abort(); /* no randomness: nothing safe to do */
	for (size_t i = 0; i < sizeof(r); i++)
		snprintf(id + 2 * i, 3, "%02x", r[i]);
}

/* "a TAB b", lower-cased */
static void
pair_key(char *out, size_t outsz, const char *a, const char *b)
{
	snprintf(out, outsz, "%s\t%s", a, b);
	str_lower(out);
}

int
challenge_store_create(struct store *s, const struct challenge_rec *r)
{
	char val[2 * CHALLENGE_ADDR_MAX + 64], key[2 * CHALLENGE_ADDR_MAX + 2];

	snprintf(val, sizeof(val), "1\t%s\t%s\t%lld", r->rcpt, r->sender, (long long)r->created);
	pair_key(key, sizeof(key), r->rcpt, r->sender);
	if (store_put(s, NS_CHAL, r->id, val, r->expires) < 0 ||
	    store_put(s, NS_OUT, key, r->id, r->expires) < 0)
		return -1;
	return 0;
}

static int
parse_rec(const char *id, const char *v, int64_t expires, struct challenge_rec *r)
{
	const char *t1, *t2, *t3;

	memset(r, 0, sizeof(*r));
	if (strncmp(v, "1\t", 2) != 0 || (t1 = strchr(v + 2, '\t')) == NULL ||
	    (t2 = strchr(t1 + 1, '\t')) == NULL)
		return -1;
	t3 = v + 2;
	if ((size_t)(t1 - t3) >= sizeof(r->rcpt) || (size_t)(t2 - t1 - 1) >= sizeof(r->sender))
		return -1;
	str_copy(r->id, sizeof(r->id), id);
	memcpy(r->rcpt, t3, (size_t)(t1 - t3));
	memcpy(r->sender, t1 + 1, (size_t)(t2 - t1 - 1));
	r->created = strtoll(t2 + 1, NULL, 10);
	r->expires = expires;
	return 0;
}

int
challenge_store_get(struct store *s, const char *id, struct challenge_rec *r)
{
	char *v = NULL;
	int64_t exp = 0;
	int rc;

	if (!challenge_id_ok(id))
		return 0;
	rc = store_get(s, NS_CHAL, id, &v, &exp);
	if (rc == 1 && parse_rec(id, v, exp, r) < 0)
		rc = -1;
	free(v);
	return rc;
}

int
challenge_store_outstanding(
    struct store *s, const char *rcpt, const char *sender, char id[CHALLENGE_ID_LEN + 1])
{
	char key[2 * CHALLENGE_ADDR_MAX + 2], *v = NULL;
	int rc;

	pair_key(key, sizeof(key), rcpt, sender);
	rc = store_get(s, NS_OUT, key, &v, NULL);
	if (rc == 1) {
		str_copy(id, CHALLENGE_ID_LEN + 1, v);
		/* the record itself may have been finished meanwhile */
		struct challenge_rec r;
		if (challenge_store_get(s, id, &r) != 1)
			rc = 0;
	}
	free(v);
	return rc;
}

int
challenge_store_finish(struct store *s, const struct challenge_rec *r, int used)
{
	char key[2 * CHALLENGE_ADDR_MAX + 2], *v = NULL;
	int rc = 0;

	pair_key(key, sizeof(key), r->rcpt, r->sender);
	/* only this challenge's entry (a newer one may have taken the pair) */
	if (store_get(s, NS_OUT, key, &v, NULL) == 1 && strcmp(v, r->id) == 0)
		rc |= store_del(s, NS_OUT, key);
	free(v);
	if (used)
		rc |= store_put(s, NS_USED, r->id, "", r->expires);
	rc |= store_del(s, NS_CHAL, r->id);
	return rc ? -1 : 0;
}

int
challenge_store_was_used(struct store *s, const char *id)
{
	return challenge_id_ok(id) && store_get(s, NS_USED, id, NULL, NULL) == 1;
}

struct list_ctx {
	void (*fn)(void *arg, const struct challenge_rec *r);
	void *arg;
};

static void
list_one(void *arg, const char *key, const char *value, int64_t expires)
{
	struct list_ctx *c = arg;
	struct challenge_rec r;

	if (parse_rec(key, value, expires, &r) == 0)
		c->fn(c->arg, &r);
}

int
challenge_store_list(
    struct store *s, void (*fn)(void *arg, const struct challenge_rec *r), void *arg)
{
	struct list_ctx c = { fn, arg };

	return store_list(s, NS_CHAL, list_one, &c);
}

/* ---- rate counters --------------------------------------------------------- */

static void
counter_keys(const char *sender, char ks[CHALLENGE_ADDR_MAX + 16], char kd[CHALLENGE_ADDR_MAX + 16])
{
	const char *at = strrchr(sender, '@');

	snprintf(ks, CHALLENGE_ADDR_MAX + 16, "challenge:s:%s", sender);
	snprintf(kd, CHALLENGE_ADDR_MAX + 16, "challenge:d:%s", at ? at + 1 : sender);
	str_lower(ks);
	str_lower(kd);
}

void
challenge_store_counts(struct store *s, const char *sender, int64_t now, long long *n_sender,
    long long *n_domain, long long *n_all)
{
	char ks[CHALLENGE_ADDR_MAX + 16], kd[CHALLENGE_ADDR_MAX + 16];
	int64_t hour = now / 3600;

	counter_keys(sender, ks, kd);
	*n_sender = store_counter_sum(s, ks, hour);
	*n_domain = store_counter_sum(s, kd, hour);
	*n_all = store_counter_sum(s, "challenge:all", hour);
}

void
challenge_store_count(struct store *s, const char *sender, int64_t now, int n)
{
	char ks[CHALLENGE_ADDR_MAX + 16], kd[CHALLENGE_ADDR_MAX + 16];
	int64_t hour = now / 3600;

	counter_keys(sender, ks, kd);
	store_counter_add(s, ks, hour, n);
	store_counter_add(s, kd, hour, n);
	store_counter_add(s, "challenge:all", hour, n);
}

/* ---- whitelists --------------------------------------------------------------- */

int
challenge_whitelist_add(struct store *s, const char *user, const char *address, const char *source)
{
	char key[2 * CHALLENGE_ADDR_MAX + 2];

	pair_key(key, sizeof(key), user, address);
	return store_put(s, NS_WL, key, source, 0);
}

int
challenge_whitelist_del(struct store *s, const char *user, const char *address)
{
	char key[2 * CHALLENGE_ADDR_MAX + 2];

	pair_key(key, sizeof(key), user, address);
	if (store_get(s, NS_WL, key, NULL, NULL) != 1)
		return -1;
	return store_del(s, NS_WL, key);
}

int
challenge_whitelist_has(struct store *s, const char *user, const char *sender)
{
	char key[2 * CHALLENGE_ADDR_MAX + 2];
	const char *at = strrchr(sender, '@');

	if (sender[0] == '\0')
		return 0;
	pair_key(key, sizeof(key), user, sender);
	if (store_get(s, NS_WL, key, NULL, NULL) == 1)
		return 1;
	if (at == NULL)
		return 0;
	pair_key(key, sizeof(key), user, at);
	return store_get(s, NS_WL, key, NULL, NULL) == 1;
}

struct wl_ctx {
	const char *user;
	void (*fn)(void *arg, const char *user, const char *address, const char *source);
	void *arg;
};

static void
wl_one(void *arg, const char *key, const char *value, int64_t expires)
{
	struct wl_ctx *c = arg;
	const char *tab = strchr(key, '\t');
	char user[CHALLENGE_ADDR_MAX];

	(void)expires;
	if (tab == NULL || (size_t)(tab - key) >= sizeof(user))
		return;
	memcpy(user, key, (size_t)(tab - key));
	user[tab - key] = '\0';
	if (c->user && !str_ieq(c->user, user))
		return;
	c->fn(c->arg, user, tab + 1, value);
}

int
challenge_whitelist_list(struct store *s, const char *user,
    void (*fn)(void *arg, const char *user, const char *address, const char *source), void *arg)
{
	struct wl_ctx c = { user, fn, arg };

	return store_list(s, NS_WL, wl_one, &c);
}
