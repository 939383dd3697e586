/*
 * lists: the allow and block lists of a running vouchd (policy/lists.h
 * matches; this keeps them in the store so they survive restarts, and
 * adds the configured allow_networks).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lists.h"

#include "vouchd.h"
#include "policy/lists.h"
#include "store/store.h"
#include "util/log.h"

#include <event2/event.h>

struct load_ctx {
	struct list *l;
	int bad;
};

static void
load_one(void *arg, const char *key, const char *value, int64_t expires)
{
	struct load_ctx *c = arg;
	struct list_entry e;
	char err[200];

	if (list_parse(key, &e, err, sizeof(err)) < 0) {
		char esc[LOG_ESC_MAX];
		char why_esc[LOG_ESC_MAX];
		log_warn("event=list_entry_ignored entry=%s error=%s",
		    log_str(esc, sizeof(esc), key), log_str(why_esc, sizeof(why_esc), err));
		c->bad++;
		return;
	}
	e.expires = expires;
	str_copy(e.reason, sizeof(e.reason), value);
	list_add(c->l, &e);
}

int
lists_load(struct vouchd *d, char *err, size_t errsz)
{
	const struct config *cfg = d->cfg;
	struct load_ctx c;

	lists_free(d);
	d->allow = list_new();
	d->block = list_new();
	d->required = list_new();
	for (size_t i = 0; i < cfg->allow_networks.n; i++) {
		struct list_entry e;
		if (list_parse(cfg->allow_networks.v[i], &e, err, errsz) < 0)
			return -1;
		str_copy(e.reason, sizeof(e.reason), "allow_networks");
		list_add(d->allow, &e);
	}
	c.l = d->allow;
	c.bad = 0;
	store_list(d->store, "allow", load_one, &c);
	c.l = d->block;
	store_list(d->store, "block", load_one, &c);
	c.l = d->required;
	store_list(d->store, "required", load_one, &c);
	return 0;
}

/* ---- a cluster: the lists of the shared store, every second ---- */

/* One kind's rows from the shared store replace the node's copy, unless
 * this node changed its lists since asking (its own change is newer). */
static void
synced(void *owner, uint64_t ref, const struct store_reply *r)
{
	struct vouchd *d = owner;
	enum lists_kind k = (enum lists_kind)(ref & 0xff);
	struct load_ctx c;

	if (r->rc < 0 || (ref >> 8) != d->lists_gen || lists_of(d, k) == NULL)
		return; /* unreachable: the last lists known stay in force */
	c.l = list_new();
	c.bad = 0;
	if (k == LISTS_ALLOW) {
		for (size_t i = 0; i < d->cfg->allow_networks.n; i++) {
			struct list_entry e;
			char err[200];
			if (list_parse(d->cfg->allow_networks.v[i], &e, err, sizeof(err)) < 0)
				continue;
			str_copy(e.reason, sizeof(e.reason), "allow_networks");
			list_add(c.l, &e);
		}
	}
	for (size_t i = 0; i < r->nrows; i++)
		load_one(&c, r->rows[i].key, r->rows[i].value, r->rows[i].expires);
	/* entries are copied into proofs when matched: nothing points into
	 * the old list */
	if (k == LISTS_ALLOW) {
		list_free(d->allow);
		d->allow = c.l;
	} else if (k == LISTS_BLOCK) {
		list_free(d->block);
		d->block = c.l;
	} else {
		list_free(d->required);
		d->required = c.l;
	}
}

static void
on_sync(evutil_socket_t fd, short what, void *arg)
{
	struct vouchd *d = arg;

	(void)fd;
	(void)what;
	for (int k = LISTS_ALLOW; k <= LISTS_REQUIRED; k++) {
		struct store_req q = { .op = STORE_OP_LIST, .ns = lists_name((enum lists_kind)k) };
		store_request(d->store, &q, synced, d, (d->lists_gen << 8) | (uint64_t)k);
	}
}

void
lists_sync_start(struct vouchd *d)
{
	struct timeval tv = { 1, 0 };

	if (d->store == d->local_store || d->lists_sync)
		return; /* one node: its lists change only through it */
	d->lists_sync = event_new(d->base, -1, EV_PERSIST, on_sync, d);
	event_add(d->lists_sync, &tv);
}

void
lists_sync_stop(struct vouchd *d)
{
	if (d->lists_sync)
		event_free(d->lists_sync);
	d->lists_sync = NULL;
}

void
lists_free(struct vouchd *d)
{
	list_free(d->allow);
	list_free(d->block);
	list_free(d->required);
	d->allow = d->block = d->required = NULL;
}

struct list *
lists_of(struct vouchd *d, enum lists_kind k)
{
	return k == LISTS_ALLOW ? d->allow : k == LISTS_BLOCK ? d->block : d->required;
}

const char *
lists_name(enum lists_kind k)
{
	return k == LISTS_ALLOW ? "allow" : k == LISTS_BLOCK ? "block" : "required";
}

int
lists_add(struct vouchd *d, enum lists_kind k, const char *text, int64_t expires,
    const char *reason, char *err, size_t errsz)
{
	struct list_entry e;

	if (list_parse(text, &e, err, errsz) < 0)
		return -1;
	e.expires = expires;
	str_copy(e.reason, sizeof(e.reason), reason && *reason ? reason : "added by vouchctl");
	/* kept in memory at once; the store's copy (shared by a cluster) is a
	 * request nobody waits for, a failure logged */
	d->lists_gen++;
	store_req_put(d->store, lists_name(k), e.text, e.reason, expires, store_done_log,
	    (void *)lists_name(k), 0);
	list_add(lists_of(d, k), &e);
	char esc[LOG_ESC_MAX], why_esc[LOG_ESC_MAX];
	log_info("event=%s_added entry=%s expires=%lld reason=%s", lists_name(k),
	    log_token(esc, sizeof(esc), e.text), (long long)expires,
	    log_str(why_esc, sizeof(why_esc), e.reason));
	return 0;
}

int
lists_del(struct vouchd *d, enum lists_kind k, const char *text)
{
	struct list_entry e;
	char err[200];
	const char *key = text;

	if (list_parse(text, &e, err, sizeof(err)) == 0)
		key = e.text;
	d->lists_gen++;
	store_req_del(d->store, lists_name(k), key, store_done_log, (void *)lists_name(k), 0);
	if (list_del(lists_of(d, k), key) < 0)
		return -1;
	char esc[LOG_ESC_MAX];
	log_info("event=%s_removed entry=%s", lists_name(k), log_token(esc, sizeof(esc), key));
	return 0;
}

void
lists_print(struct vouchd *d, enum lists_kind k, struct strbuf *out)
{
	const struct list *l = lists_of(d, k);
	int64_t now = (int64_t)time(NULL);

	for (size_t i = 0; i < list_count(l); i++) {
		const struct list_entry *e = list_at(l, i);
		if (e->expires && e->expires <= now)
			continue;
		if (e->expires)
			strbuf_printf(out, "%s until=%lld reason=\"%s\"\n", e->text,
			    (long long)e->expires, e->reason);
		else
			strbuf_printf(out, "%s reason=\"%s\"\n", e->text, e->reason);
	}
}
