/*
 * vouch_check: reused XVOUCH callback connections (see vouch_check.h).
 *
 * Targets are kept by (X's address and port, our local address); each has
 * its connections, the requests waiting for one, and its per-minute count
 * of connections opened. Requests are found by id (the map `reqs`), so a
 * reply that comes after a session gave up finds nothing and is dropped.
 */
#include "auth/vouch_check.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/vouch.h"
#include "smtp/smtp_client.h"
#include "util/hmap.h"
#include "util/log.h"
#include "util/netaddr.h"
#include "util/str.h"
#include "util/xmalloc.h"

/* Checks one connection has in flight at once (PIPELINING, RFC 2920). */
#define VC_PIPELINE 16
/* Targets remembered before idle ones are forgotten. */
#define VC_TARGETS_MAX 4096

struct vc_target;
struct vc_conn;

enum vc_req_state { VC_WAITING, VC_INFLIGHT, VC_DONE };

struct vc_req {
	uint64_t id, tag;
	enum vc_req_state state;
	char vid[VOUCH_ID_LEN + 1];
	struct vc_target *t;
	struct vc_conn *conn; /* carrying it, or NULL while it waits */
	int retried;          /* sent again after a reused connection broke */
	int cancelled;        /* the caller gave up: report nothing */
	struct vc_req *next;  /* in the waiting list, or the done list */
	enum vouch_check_result result;
	char why[400];
};

struct vc_conn {
	struct vc_target *t;
	struct smtp_client *cli;
	int ready;
	int closing;       /* QUIT sent: takes no more checks */
	unsigned sent;     /* checks written on it, in all */
	unsigned answered; /* replies it gave */
	uint64_t inflight[VC_PIPELINE];
	unsigned ninflight;
	struct event *idle;
	struct vc_conn *next;
};

struct vc_target {
	char key[2 * NETADDR_TEXT_MAX + 4];
	char to_text[NETADDR_TEXT_MAX];
	struct sockaddr_storage to, from;
	socklen_t tolen, fromlen;
	char name[256];
	struct vc_conn *conns;
	unsigned nconns;
	int64_t minute;
	long long opened; /* in that minute */
	struct vc_req *wait_head, **wait_tail;
	struct vouch_checker *vc;
};

struct vouch_checker {
	struct event_base *base;
	vouch_check_cb cb;
	void *owner;
	struct vouch_check_limits lim;
	char helo[256];
	SSL_CTX *tls;
	struct hmap *targets; /* key -> struct vc_target */
	struct hmap *reqs;    /* id (8 octets) -> struct vc_req */
	uint64_t next_id;
	struct vc_req *done_head, **done_tail;
	struct event *done_ev;
	struct vouch_checker_stats st;
};

static void dispatch(struct vc_target *t);

/* ---- results --------------------------------------------------------------- */

static void
req_forget(struct vouch_checker *vc, struct vc_req *r)
{
	hmap_del(vc->reqs, &r->id, sizeof(r->id));
	free(r);
}

/* Report r from the loop (never from inside the caller's own call). */
static void
finish(struct vc_req *r, enum vouch_check_result res, const char *why)
{
	struct vouch_checker *vc = r->t->vc;

	r->result = res;
	r->state = VC_DONE;
	str_copy(r->why, sizeof(r->why), why);
	r->conn = NULL;
	r->next = NULL;
	*vc->done_tail = r;
	vc->done_tail = &r->next;
	event_active(vc->done_ev, EV_TIMEOUT, 0);
}

static void
on_done(evutil_socket_t fd, short what, void *arg)
{
	struct vouch_checker *vc = arg;

	(void)fd;
	(void)what;
	while (vc->done_head) {
		struct vc_req *r = vc->done_head;
		vc->done_head = r->next;
		if (vc->done_head == NULL)
			vc->done_tail = &vc->done_head;
		if (!r->cancelled)
			vc->cb(vc->owner, r->tag, r->result, r->why);
		req_forget(vc, r);
	}
}

/* ---- connections ----------------------------------------------------------- */

static void
conn_free(struct vc_conn *c)
{
	struct vc_target *t = c->t;

	for (struct vc_conn **pp = &t->conns; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	t->nconns--;
	t->vc->st.open--;
	if (c->idle)
		event_free(c->idle);
	smtp_client_free(c->cli); /* safe inside its own callback */
	free(c);
}

static void
on_idle(evutil_socket_t fd, short what, void *arg)
{
	struct vc_conn *c = arg;

	(void)fd;
	(void)what;
	if (c->ninflight == 0) {
		c->closing = 1;
		smtp_client_quit(c->cli);
	}
}

/* Nothing in flight: keep it for the next session, or end it. */
static void
conn_rest(struct vc_conn *c)
{
	const struct vouch_check_limits *lim = &c->t->vc->lim;

	if (c->ninflight > 0)
		return;
	if (c->sent >= (unsigned)lim->max_checks) {
		c->closing = 1;
		smtp_client_quit(c->cli);
		return;
	}
	struct timeval tv = { lim->idle / 1000, (lim->idle % 1000) * 1000 };
	evtimer_add(c->idle, &tv);
}

static void
send_check(struct vc_conn *c, struct vc_req *r)
{
	char line[VOUCH_ID_LEN + 20];
	struct vouch_checker *vc = c->t->vc;

	snprintf(line, sizeof(line), "XVOUCH CHECK %s", r->vid);
	evtimer_del(c->idle);
	if (smtp_client_command(c->cli, line, r->id) < 0) {
		finish(r, VOUCH_CHECK_TEMPERROR, "the callback connection cannot take a command");
		return;
	}
	if (c->answered > 0)
		vc->st.reused++;
	r->conn = c;
	r->state = VC_INFLIGHT;
	c->inflight[c->ninflight++] = r->id;
	c->sent++;
}

static void on_client(struct smtp_client *cli, enum smtp_client_event ev, void *arg);

static void
conn_open(struct vc_target *t)
{
	struct vouch_checker *vc = t->vc;
	struct vc_conn *c = xcalloc(1, sizeof(*c));
	struct smtp_client_params p;

	c->t = t;
	c->idle = evtimer_new(vc->base, on_idle, c);
	c->next = t->conns;
	t->conns = c;
	t->nconns++;
	t->opened++;
	vc->st.connections++;
	vc->st.open++;
	memset(&p, 0, sizeof(p));
	p.helo = vc->helo;
	p.peer_name = t->name;
	p.tls = vc->tls;
	if (t->fromlen) {
		p.bind_src = (const struct sockaddr *)&t->from;
		p.bind_srclen = t->fromlen;
	}
	p.timeout_connect = vc->lim.timeout;
	p.timeout_command = vc->lim.timeout;
	log_debug("event=xvouch_callback_connect target=%s", t->key);
	c->cli =
	    smtp_client_new(vc->base, (const struct sockaddr *)&t->to, t->tolen, &p, on_client, c);
}

/* Take r out of c's in-flight list; 1 if it was there. */
static int
inflight_take(struct vc_conn *c, uint64_t id)
{
	for (unsigned i = 0; i < c->ninflight; i++) {
		if (c->inflight[i] != id)
			continue;
		memmove(&c->inflight[i], &c->inflight[i + 1],
		    (c->ninflight - i - 1) * sizeof(c->inflight[0]));
		c->ninflight--;
		return 1;
	}
	return 0;
}

static void
on_reply(struct vc_conn *c, const struct smtp_client_reply *rep, uint64_t id)
{
	struct vouch_checker *vc = c->t->vc;
	struct vc_req *r = hmap_get(vc->reqs, &id, sizeof(id));
	char why[400];

	c->answered++;
	inflight_take(c, id);
	if (r == NULL)
		return;
	str_fmt(why, sizeof(why), "%s answered %d %.300s", c->t->to_text, rep->code, rep->text);
	finish(r,
	    rep->code == 250       ? VOUCH_CHECK_PASS
	        : rep->code >= 500 ? VOUCH_CHECK_FAIL
	                           : VOUCH_CHECK_TEMPERROR,
	    why);
}

/* The connection broke: what it carried is retried once, or fails. */
static void
on_failed(struct vc_conn *c)
{
	struct vc_target *t = c->t;
	struct vouch_checker *vc = t->vc;
	const struct smtp_client_reply *e = smtp_client_error(c->cli);
	char why[600];
	/* A reused connection that breaks was most likely closed by X while
	 * idle; a fresh one that breaks says X cannot be reached. */
	int reused = c->answered > 0;
	int fresh_failed = !c->ready;
	enum vouch_check_result res = e->code >= 500 ? VOUCH_CHECK_FAIL : VOUCH_CHECK_TEMPERROR;

	if (e->code)
		str_fmt(why, sizeof(why), "%s refused the check: %d %.300s", t->to_text, e->code,
		    e->text);
	else
		str_fmt(why, sizeof(why), "%s: %.300s", t->to_text, e->text);
	for (unsigned i = 0; i < c->ninflight; i++) {
		struct vc_req *r = hmap_get(vc->reqs, &c->inflight[i], sizeof(c->inflight[i]));
		if (r == NULL)
			continue;
		/* A reused connection, or X closing with 421 because of another
		 * session's check: what it carried had no answer, ask again. */
		if ((reused || e->code == 421) && !r->retried) {
			r->retried = 1;
			r->conn = NULL;
			r->state = VC_WAITING;
			/* to the front: it was asked first */
			r->next = t->wait_head;
			t->wait_head = r;
			if (t->wait_tail == &t->wait_head)
				t->wait_tail = &r->next;
			continue;
		}
		finish(r, res, why);
	}
	c->ninflight = 0;
	conn_free(c);
	/* Nobody could reach X: what waits for a connection fails with it. */
	if (fresh_failed && t->nconns == 0) {
		while (t->wait_head) {
			struct vc_req *r = t->wait_head;
			t->wait_head = r->next;
			finish(r, res, why);
		}
		t->wait_tail = &t->wait_head;
		return;
	}
	dispatch(t);
}

static void
on_client(struct smtp_client *cli, enum smtp_client_event ev, void *arg)
{
	struct vc_conn *c = arg;
	struct vc_target *t = c->t;

	switch (ev) {
	case SMTP_CLIENT_READY:
		c->ready = 1;
		dispatch(t);
		conn_rest(c);
		return;
	case SMTP_CLIENT_REPLY: {
		uint64_t id;
		const struct smtp_client_reply *rep = smtp_client_reply_of(cli, &id);
		on_reply(c, rep, id);
		if (rep->code == 421)
			return; /* FAILED follows */
		dispatch(t);
		conn_rest(c);
		return;
	}
	case SMTP_CLIENT_FAILED: on_failed(c); return;
	case SMTP_CLIENT_CLOSED:
		conn_free(c);
		dispatch(t);
		return;
	case SMTP_CLIENT_DONE: return; /* no messages on these connections */
	}
}

/* ---- requests -------------------------------------------------------------- */

/* A connection that can carry one more check now, or NULL. */
static struct vc_conn *
conn_with_room(struct vc_target *t)
{
	const struct vouch_check_limits *lim = &t->vc->lim;

	for (struct vc_conn *c = t->conns; c; c = c->next) {
		if (!c->ready || c->closing || c->sent >= (unsigned)lim->max_checks)
			continue;
		unsigned room = smtp_client_info(c->cli)->pipelining ? VC_PIPELINE : 1;
		if (c->ninflight < room)
			return c;
	}
	return NULL;
}

static int
connecting(const struct vc_target *t)
{
	for (const struct vc_conn *c = t->conns; c; c = c->next)
		if (!c->ready)
			return 1;
	return 0;
}

/* Checks one more connection would take at once. */
static unsigned
per_conn(const struct vc_target *t)
{
	for (const struct vc_conn *c = t->conns; c; c = c->next)
		if (c->ready)
			return smtp_client_info(c->cli)->pipelining ? VC_PIPELINE : 1;
	return 1;
}

static size_t
waiting(const struct vc_target *t)
{
	size_t n = 0;

	for (const struct vc_req *r = t->wait_head; r; r = r->next)
		n++;
	return n;
}

/*
 * Send what waits on connections with room; open a connection if there is
 * none, or if what waits would fill another one, and the limits allow.
 */
static void
dispatch(struct vc_target *t)
{
	struct vouch_checker *vc = t->vc;
	int64_t minute = (int64_t)time(NULL) / 60;

	if (t->minute != minute) {
		t->minute = minute;
		t->opened = 0;
	}
	while (t->wait_head) {
		struct vc_conn *c = conn_with_room(t);
		if (c) {
			struct vc_req *r = t->wait_head;
			t->wait_head = r->next;
			if (t->wait_head == NULL)
				t->wait_tail = &t->wait_head;
			send_check(c, r);
			continue;
		}
		if (connecting(t))
			return; /* it will take them when it is ready */
		if (t->nconns > 0 && waiting(t) < per_conn(t))
			return; /* the next reply makes room */
		if (t->nconns < (unsigned)vc->lim.max_connections &&
		    t->opened < vc->lim.max_per_minute) {
			conn_open(t);
			return;
		}
		if (t->nconns > 0)
			return; /* busy connections: the next reply makes room */
		/* No connection may be opened: the anti-reflection limits. */
		char why[300];
		str_fmt(why, sizeof(why),
		    "too many callback connections to %s (%lld opened this minute; xvouch_max_per_minute)",
		    t->to_text, t->opened);
		while (t->wait_head) {
			struct vc_req *r = t->wait_head;
			t->wait_head = r->next;
			vc->st.limited++;
			finish(r, VOUCH_CHECK_TEMPERROR, why);
		}
		t->wait_tail = &t->wait_head;
	}
}

static void
target_free(struct vc_target *t)
{
	while (t->conns)
		conn_free(t->conns);
	while (t->wait_head) {
		struct vc_req *r = t->wait_head;
		t->wait_head = r->next;
		req_forget(t->vc, r);
	}
	free(t);
}

struct trim {
	struct vc_target **v;
	size_t n, cap;
};

static void
collect_idle(const void *key, size_t keylen, void *value, void *arg)
{
	struct vc_target *t = value;
	struct trim *tr = arg;

	(void)key;
	(void)keylen;
	if (t->nconns == 0 && t->wait_head == NULL && t->minute != (int64_t)time(NULL) / 60 &&
	    tr->n < tr->cap)
		tr->v[tr->n++] = t;
}

/* Bounded: targets with nothing open and no count this minute go. */
static void
targets_trim(struct vouch_checker *vc)
{
	struct trim tr;

	if (hmap_count(vc->targets) < VC_TARGETS_MAX)
		return;
	tr.cap = hmap_count(vc->targets);
	tr.n = 0;
	tr.v = xcalloc(tr.cap, sizeof(*tr.v));
	hmap_foreach(vc->targets, collect_idle, &tr);
	for (size_t i = 0; i < tr.n; i++) {
		hmap_del(vc->targets, tr.v[i]->key, strlen(tr.v[i]->key));
		free(tr.v[i]);
	}
	free(tr.v);
}

static struct vc_target *
target_get(struct vouch_checker *vc, const struct sockaddr *to, socklen_t tolen,
    const struct sockaddr *from, socklen_t fromlen, const char *name)
{
	char ta[NETADDR_TEXT_MAX], fa[NETADDR_TEXT_MAX] = "*",
	                           key[sizeof(((struct vc_target *)0)->key)];
	struct sockaddr_storage dst;
	struct vc_target *t;

	memcpy(&dst, to, tolen);
	if (dst.ss_family == AF_INET6)
		((struct sockaddr_in6 *)(void *)&dst)->sin6_port = htons((uint16_t)vc->lim.port);
	else
		((struct sockaddr_in *)(void *)&dst)->sin_port = htons((uint16_t)vc->lim.port);
	netaddr_format((struct sockaddr *)&dst, ta, sizeof(ta));
	if (from)
		netaddr_format(from, fa, sizeof(fa));
	snprintf(key, sizeof(key), "%s<%s", ta, fa);
	if ((t = hmap_get(vc->targets, key, strlen(key))) != NULL)
		return t;
	targets_trim(vc);
	t = xcalloc(1, sizeof(*t));
	t->vc = vc;
	str_copy(t->key, sizeof(t->key), key);
	str_copy(t->to_text, sizeof(t->to_text), ta);
	memcpy(&t->to, &dst, tolen);
	t->tolen = tolen;
	if (from) {
		memcpy(&t->from, from, fromlen);
		t->fromlen = fromlen;
		/* bind the address, not the port the client reached */
		if (t->from.ss_family == AF_INET6)
			((struct sockaddr_in6 *)(void *)&t->from)->sin6_port = 0;
		else
			((struct sockaddr_in *)(void *)&t->from)->sin_port = 0;
	}
	str_copy(t->name, sizeof(t->name), name ? name : ta);
	t->wait_tail = &t->wait_head;
	hmap_put(vc->targets, t->key, strlen(t->key), t);
	return t;
}

/* ---- the interface ---------------------------------------------------------- */

struct vouch_checker *
vouch_checker_new(struct event_base *base, vouch_check_cb cb, void *owner)
{
	struct vouch_checker *vc = xcalloc(1, sizeof(*vc));

	vc->base = base;
	vc->cb = cb;
	vc->owner = owner;
	vc->targets = hmap_new();
	vc->reqs = hmap_new();
	vc->done_tail = &vc->done_head;
	vc->done_ev = event_new(base, -1, 0, on_done, vc);
	vc->lim.port = 25;
	vc->lim.max_connections = 2;
	vc->lim.max_per_minute = 20;
	vc->lim.idle = 60000;
	vc->lim.max_checks = 1000;
	vc->lim.timeout = 15000;
	str_copy(vc->helo, sizeof(vc->helo), "localhost");
	return vc;
}

void
vouch_checker_configure(
    struct vouch_checker *vc, const struct vouch_check_limits *lim, const char *helo, SSL_CTX *tls)
{
	vc->lim = *lim;
	str_copy(vc->helo, sizeof(vc->helo), helo);
	vc->tls = tls;
}

uint64_t
vouch_checker_ask(struct vouch_checker *vc, const struct sockaddr *target, socklen_t targetlen,
    const struct sockaddr *src, socklen_t srclen, const char *name, const char *id, uint64_t tag)
{
	struct vc_req *r = xcalloc(1, sizeof(*r));

	r->id = ++vc->next_id;
	r->tag = tag;
	str_copy(r->vid, sizeof(r->vid), id);
	/* only one family per connection: a source of the other is dropped */
	if (src && src->sa_family != target->sa_family)
		src = NULL;
	r->t = target_get(vc, target, targetlen, src, src ? srclen : 0, name);
	hmap_put(vc->reqs, &r->id, sizeof(r->id), r);
	vc->st.checks++;
	*r->t->wait_tail = r;
	r->t->wait_tail = &r->next;
	dispatch(r->t);
	return r->id;
}

void
vouch_checker_cancel(struct vouch_checker *vc, uint64_t req)
{
	struct vc_req *r = hmap_get(vc->reqs, &req, sizeof(req));
	struct vc_target *t;

	if (r == NULL)
		return;
	t = r->t;
	if (r->state != VC_WAITING) {
		/* in flight or about to be reported: nothing reaches the caller */
		r->cancelled = 1;
		return;
	}
	for (struct vc_req **pp = &t->wait_head; *pp; pp = &(*pp)->next) {
		if (*pp == r) {
			*pp = r->next;
			if (t->wait_tail == &r->next)
				t->wait_tail = pp;
			req_forget(vc, r);
			return;
		}
	}
}

void
vouch_checker_stats(const struct vouch_checker *vc, struct vouch_checker_stats *st)
{
	*st = vc->st;
}

static void
free_target(const void *key, size_t keylen, void *value, void *arg)
{
	(void)key;
	(void)keylen;
	(void)arg;
	target_free(value);
}

static void
free_req(const void *key, size_t keylen, void *value, void *arg)
{
	(void)key;
	(void)keylen;
	(void)arg;
	free(value);
}

void
vouch_checker_free(struct vouch_checker *vc)
{
	if (vc == NULL)
		return;
	/* requests first: targets free only what waits, the map owns the rest */
	hmap_foreach(vc->targets, free_target, NULL);
	hmap_free(vc->targets);
	hmap_foreach(vc->reqs, free_req, NULL);
	hmap_free(vc->reqs);
	event_free(vc->done_ev);
	free(vc);
}
