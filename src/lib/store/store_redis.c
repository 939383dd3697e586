/*
 * store_redis: the Redis backend, for several vouchd nodes sharing their
 * state (issue 15). Requests run on the event loop through hiredis's
 * libevent adapter and answer with store_complete(); the blocking calls
 * (vouchctl, start-up) use a second, blocking connection. Each operation
 * is one Lua script, so what the SQLite backend does in a transaction is
 * one atomic step here too.
 *
 * Keys (under the prefix "vouch:"):
 *   r:<ns>:<key>  a record's value (STRING), its expiry the key's TTL;
 *   i:<ns>        the namespace's keys (ZSET, score = expiry, +inf never),
 *                 so list can walk a namespace; stale members are dropped
 *                 as list meets them;
 *   c:<key>       a counter's buckets (HASH bucket -> n), kept
 *                 REDIS_COUNTER_TTL after its last change.
 * Not persistent unless the Redis server is configured to be: what lives
 * here is docs/operations.md "Running a cluster"'s list.
 *
 * A request never waits longer than the timeout: past it, it completes as
 * a failure (rc -1) and the late reply is dropped. While the connection is
 * down requests fail at once, and the backend reconnects every second.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include <hiredis/adapters/libevent.h>
#pragma GCC diagnostic pop

#include "store/store_impl.h"
#include "util/log.h"
#include "util/str.h"
#include "util/xmalloc.h"

#define PREFIX "vouch:"
/* Counters are summed over a day at most (limits, reports): a week is ample. */
#define REDIS_COUNTER_TTL "691200"
#define KEY_MAX 2048

struct rd {
	struct store *s;
	char host[256];
	int port, db;
	char *password; /* NULL: none */
	long long timeout_ms;
	struct event_base *base; /* NULL: blocking calls only */
	redisAsyncContext *ac;   /* NULL while down */
	struct event *retry;     /* reconnect timer */
	int up;                  /* the async connection is established */
	int closing;
	redisContext *bc; /* blocking calls; NULL until needed or after an error */
};

/* One request in flight; freed by its reply callback, which hiredis calls
 * exactly once (a reply, or NULL when the connection goes). */
struct rq {
	struct rd *rd;
	uint64_t id;
	enum store_op op;
	struct event *timer;
	int done; /* completed already (timed out) */
};

#include "store/store_redis_lua.h"

/* A command's words, built from a request. */
struct cmd {
	const char *argv[12];
	size_t len[12];
	int argc;
	char k1[KEY_MAX], k2[KEY_MAX];
	char num[5][24];
};

static void
word(struct cmd *c, const char *w)
{
	c->argv[c->argc] = w;
	c->len[c->argc] = strlen(w);
	c->argc++;
}

static const char *
num(struct cmd *c, int i, int64_t v)
{
	snprintf(c->num[i], sizeof(c->num[i]), "%lld", (long long)v);
	return c->num[i];
}

/* -1: a key too long for the buffers (never ours). */
static int
build(const struct store_req *q, int64_t now, struct cmd *c)
{
	int w1, w2 = 0;

	c->argc = 0;
	word(c, "EVAL");
	switch (q->op) {
	case STORE_OP_GET:
		word(c, LUA_GET);
		word(c, "1");
		w1 = snprintf(c->k1, KEY_MAX, PREFIX "r:%s:%s", q->ns, q->key);
		word(c, c->k1);
		break;
	case STORE_OP_PUT:
	case STORE_OP_PUT_NEW:
	case STORE_OP_DEL:
		word(c, q->op == STORE_OP_DEL ? LUA_DEL : LUA_PUT);
		word(c, "2");
		w1 = snprintf(c->k1, KEY_MAX, PREFIX "r:%s:%s", q->ns, q->key);
		w2 = snprintf(c->k2, KEY_MAX, PREFIX "i:%s", q->ns);
		word(c, c->k1);
		word(c, c->k2);
		if (q->op != STORE_OP_DEL) {
			word(c, q->value ? q->value : "");
			word(c, num(c, 0, q->expires));
		}
		word(c, q->key);
		if (q->op != STORE_OP_DEL) {
			word(c, q->op == STORE_OP_PUT_NEW ? "1" : "0");
			word(c, num(c, 1, now));
		}
		break;
	case STORE_OP_LIST:
		word(c, LUA_LIST);
		word(c, "1");
		w1 = snprintf(c->k1, KEY_MAX, PREFIX "i:%s", q->ns);
		w2 = snprintf(c->k2, KEY_MAX, PREFIX "r:%s:", q->ns);
		word(c, c->k1);
		word(c, num(c, 0, now));
		word(c, c->k2);
		break;
	case STORE_OP_COUNTER_ADD:
	case STORE_OP_COUNTER_SUM:
	case STORE_OP_COUNTER_RESERVE:
		word(c,
		    q->op == STORE_OP_COUNTER_ADD       ? LUA_CADD
		        : q->op == STORE_OP_COUNTER_SUM ? LUA_CSUM
		                                        : LUA_RESERVE);
		word(c, "1");
		w1 = snprintf(c->k1, KEY_MAX, PREFIX "c:%s", q->key);
		word(c, c->k1);
		if (q->op == STORE_OP_COUNTER_SUM) {
			word(c, num(c, 0, q->from_bucket));
			break;
		}
		word(c, num(c, 0, q->bucket));
		word(c, num(c, 1, q->n));
		if (q->op == STORE_OP_COUNTER_RESERVE) {
			word(c, num(c, 2, q->from_bucket));
			word(c, num(c, 3, q->limit));
		}
		/* a reservation may say when its key is no longer needed */
		word(c,
		    q->op == STORE_OP_COUNTER_RESERVE && q->expires > now
		        ? num(c, 4, q->expires - now)
		        : REDIS_COUNTER_TTL);
		break;
	default: return -1;
	}
	return w1 >= KEY_MAX || w2 >= KEY_MAX ? -1 : 0;
}

static int64_t
int_of(const redisReply *r)
{
	if (r->type == REDIS_REPLY_INTEGER)
		return r->integer;
	if (r->type == REDIS_REPLY_STRING)
		return strtoll(r->str, NULL, 10);
	return 0;
}

static int
row_cmp(const void *a, const void *b)
{
	return strcmp(((const struct store_row *)a)->key, ((const struct store_row *)b)->key);
}

/* The reply of op into r (pointing into reply); *rows is malloc'd for a
 * list (caller frees). */
static void
parse(enum store_op op, const redisReply *rep, struct store_reply *r, struct store_row **rows)
{
	char esc[LOG_ESC_MAX];
	memset(r, 0, sizeof(*r));
	*rows = NULL;
	if (rep == NULL || rep->type == REDIS_REPLY_ERROR) {
		if (rep)
			log_warn("event=store_error backend=redis error=%s",
			    log_str(esc, sizeof(esc), rep->str));
		r->rc = -1;
		return;
	}
	switch (op) {
	case STORE_OP_GET:
		if (rep->type == REDIS_REPLY_ARRAY && rep->elements == 2 &&
		    rep->element[0]->type == REDIS_REPLY_STRING) {
			r->rc = 1;
			r->value = rep->element[0]->str;
			r->expires = int_of(rep->element[1]);
			if (r->expires < 0)
				r->expires = 0;
		}
		break;
	case STORE_OP_PUT_NEW: r->rc = int_of(rep) == 1; break;
	case STORE_OP_COUNTER_SUM: r->sum = int_of(rep); break;
	case STORE_OP_COUNTER_RESERVE:
		if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 2) {
			r->rc = -1;
			break;
		}
		r->rc = int_of(rep->element[0]) == 1;
		r->sum = int_of(rep->element[1]);
		break;
	case STORE_OP_LIST:
		if (rep->type != REDIS_REPLY_ARRAY) {
			r->rc = -1;
			break;
		}
		r->nrows = rep->elements / 3;
		*rows = xcalloc(r->nrows + 1, sizeof(**rows));
		for (size_t i = 0; i < r->nrows; i++) {
			(*rows)[i].key = rep->element[3 * i]->str;
			(*rows)[i].value = rep->element[3 * i + 1]->str;
			(*rows)[i].expires = int_of(rep->element[3 * i + 2]);
		}
		/* ordered by key, as SQLite's (byte order) */
		qsort(*rows, r->nrows, sizeof(**rows), row_cmp);
		r->rows = *rows;
		break;
	default: break;
	}
}

/* ---- the blocking connection ---------------------------------------------- */

static redisReply *
bcall(redisContext *c, int argc, const char **argv, const size_t *len)
{
	return redisCommandArgv(c, argc, argv, len);
}

/* AUTH and SELECT on a fresh connection; -1 on failure. */
static int
bsetup(struct rd *rd, redisContext *c)
{
	redisReply *rep;
	char db[16];

	if (rd->password) {
		const char *argv[] = { "AUTH", rd->password };
		size_t len[] = { 4, strlen(rd->password) };
		rep = bcall(c, 2, argv, len);
		if (rep == NULL || rep->type == REDIS_REPLY_ERROR) {
			log_err("event=store_auth_failed backend=redis");
			freeReplyObject(rep);
			return -1;
		}
		freeReplyObject(rep);
	}
	snprintf(db, sizeof(db), "%d", rd->db);
	const char *argv[] = { "SELECT", db };
	size_t len[] = { 6, strlen(db) };
	rep = bcall(c, 2, argv, len);
	int ok = rep && rep->type != REDIS_REPLY_ERROR;
	freeReplyObject(rep);
	return ok ? 0 : -1;
}

static redisContext *
bconn(struct rd *rd)
{
	char esc[LOG_ESC_MAX];
	struct timeval tv = { rd->timeout_ms / 1000, (rd->timeout_ms % 1000) * 1000 };

	if (rd->bc)
		return rd->bc;
	rd->bc = redisConnectWithTimeout(rd->host, rd->port, tv);
	if (rd->bc == NULL || rd->bc->err || redisSetTimeout(rd->bc, tv) != REDIS_OK ||
	    bsetup(rd, rd->bc) < 0) {
		if (rd->bc)
			log_warn("event=store_unreachable backend=redis host=%s port=%d error=%s",
			    rd->host, rd->port, log_str(esc, sizeof(esc), rd->bc->errstr));
		redisFree(rd->bc);
		rd->bc = NULL;
	}
	return rd->bc;
}

/* Run q on the blocking connection; calls fn with the parsed reply. */
static int
brun(struct rd *rd, const struct store_req *q, void (*fn)(void *arg, const struct store_reply *r),
    void *arg)
{
	struct cmd c;
	struct store_reply r;
	struct store_row *rows;
	redisContext *ctx;
	redisReply *rep = NULL;

	if (build(q, (int64_t)time(NULL), &c) < 0 || (ctx = bconn(rd)) == NULL) {
		memset(&r, 0, sizeof(r));
		r.rc = -1;
		fn(arg, &r);
		return -1;
	}
	rep = bcall(ctx, c.argc, c.argv, c.len);
	if (rep == NULL) {
		/* a broken connection: the next call makes a new one */
		redisFree(rd->bc);
		rd->bc = NULL;
	}
	parse(q->op, rep, &r, &rows);
	fn(arg, &r);
	free(rows);
	freeReplyObject(rep);
	return r.rc;
}

struct bout {
	char **value;
	int64_t *expires, *sum;
	void (*fn)(void *arg, const char *key, const char *value, int64_t expires);
	void *arg;
};

static void
bout_copy(void *arg, const struct store_reply *r)
{
	struct bout *o = arg;

	if (o->value && r->value)
		*o->value = xstrdup(r->value);
	if (o->expires)
		*o->expires = r->expires;
	if (o->sum)
		*o->sum = r->sum;
	for (size_t i = 0; o->fn && r->rc >= 0 && i < r->nrows; i++)
		o->fn(o->arg, r->rows[i].key, r->rows[i].value, r->rows[i].expires);
}

static int
rd_counter_add(void *impl, const char *key, int64_t bucket, int64_t n)
{
	struct store_req q = { .op = STORE_OP_COUNTER_ADD, .key = key, .bucket = bucket, .n = n };
	struct bout o = { 0 };

	return brun(impl, &q, bout_copy, &o) < 0 ? -1 : 0;
}

static int
rd_counter_sum(void *impl, const char *key, int64_t from, int64_t *sum)
{
	struct store_req q = { .op = STORE_OP_COUNTER_SUM, .key = key, .from_bucket = from };
	struct bout o = { .sum = sum };

	return brun(impl, &q, bout_copy, &o) < 0 ? -1 : 0;
}

static int
rd_counter_reserve(void *impl, const char *key, int64_t bucket, int64_t n, int64_t from,
    int64_t limit, int64_t *sum)
{
	struct store_req q = { .op = STORE_OP_COUNTER_RESERVE,
		.key = key,
		.bucket = bucket,
		.n = n,
		.from_bucket = from,
		.limit = limit };
	struct bout o = { .sum = sum };

	return brun(impl, &q, bout_copy, &o);
}

static int
rd_put(void *impl, const char *ns, const char *key, const char *value, int64_t expires)
{
	struct store_req q = {
		.op = STORE_OP_PUT, .ns = ns, .key = key, .value = value, .expires = expires
	};
	struct bout o = { 0 };

	return brun(impl, &q, bout_copy, &o) < 0 ? -1 : 0;
}

static int
rd_get(void *impl, const char *ns, const char *key, char **value, int64_t *expires, int64_t now)
{
	struct store_req q = { .op = STORE_OP_GET, .ns = ns, .key = key };
	struct bout o = { .value = value, .expires = expires };

	(void)now; /* Redis's clock expires the records */
	return brun(impl, &q, bout_copy, &o);
}

static int
rd_del(void *impl, const char *ns, const char *key)
{
	struct store_req q = { .op = STORE_OP_DEL, .ns = ns, .key = key };
	struct bout o = { 0 };

	return brun(impl, &q, bout_copy, &o) < 0 ? -1 : 0;
}

static int
rd_list(void *impl, const char *ns, int64_t now,
    void (*fn)(void *arg, const char *key, const char *value, int64_t expires), void *arg)
{
	struct store_req q = { .op = STORE_OP_LIST, .ns = ns };
	struct bout o = { .fn = fn, .arg = arg };

	(void)now;
	return brun(impl, &q, bout_copy, &o) < 0 ? -1 : 0;
}

/* ARGV: now, before_bucket. Redis's TTLs expire records and counters by
 * themselves; this is store_expire's contract for an explicit sweep (an
 * administrator's, or the tests'): walks the keys, so never on the loop. */
static const char LUA_EXPIRE[] =
    "local cur = '0' "
    "repeat "
    "  local r = redis.call('SCAN', cur, 'MATCH', '" PREFIX "c:*', 'COUNT', 1000) "
    "  cur = r[1] "
    "  for _, k in ipairs(r[2]) do "
    "    for _, b in ipairs(redis.call('HKEYS', k)) do "
    "      if tonumber(b) < tonumber(ARGV[2]) then redis.call('HDEL', k, b) end "
    "    end "
    "  end "
    "until cur == '0' "
    "repeat "
    "  local r = redis.call('SCAN', cur, 'MATCH', '" PREFIX "i:*', 'COUNT', 1000) "
    "  cur = r[1] "
    "  for _, k in ipairs(r[2]) do redis.call('ZREMRANGEBYSCORE', k, '-inf', ARGV[1]) end "
    "until cur == '0' "
    "return 0";

static int
rd_expire(void *impl, int64_t now, int64_t before)
{
	struct rd *rd = impl;
	redisContext *ctx = bconn(rd);
	char a[24], b[24];
	redisReply *rep;

	if (ctx == NULL)
		return -1;
	snprintf(a, sizeof(a), "%lld", (long long)now);
	snprintf(b, sizeof(b), "%lld", (long long)before);
	const char *argv[] = { "EVAL", LUA_EXPIRE, "0", a, b };
	size_t len[] = { 4, strlen(LUA_EXPIRE), 1, strlen(a), strlen(b) };
	rep = bcall(ctx, 5, argv, len);
	int rc = rep && rep->type != REDIS_REPLY_ERROR ? 0 : -1;
	if (rep == NULL) {
		redisFree(rd->bc);
		rd->bc = NULL;
	}
	freeReplyObject(rep);
	return rc;
}

/* ---- the event loop's connection ------------------------------------------ */

static void rd_connect(struct rd *rd);

static void
on_retry(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	rd_connect(arg);
}

static void
schedule_retry(struct rd *rd)
{
	struct timeval tv = { 1, 0 };

	if (!rd->closing)
		evtimer_add(rd->retry, &tv);
}

static void
on_connected(const redisAsyncContext *ac, int status)
{
	char esc[LOG_ESC_MAX];
	struct rd *rd = ac->data;

	if (status != REDIS_OK) {
		log_warn("event=store_unreachable backend=redis host=%s port=%d error=%s", rd->host,
		    rd->port, log_str(esc, sizeof(esc), ac->errstr));
		rd->ac = NULL; /* hiredis frees it */
		rd->up = 0;
		schedule_retry(rd);
		return;
	}
	rd->up = 1;
	log_info("event=store_connected backend=redis host=%s port=%d db=%d", rd->host, rd->port,
	    rd->db);
}

static void
on_disconnected(const redisAsyncContext *ac, int status)
{
	char esc[LOG_ESC_MAX];
	struct rd *rd = ac->data;

	(void)status;
	rd->ac = NULL;
	if (rd->closing)
		return;
	if (rd->up)
		log_warn("event=store_disconnected backend=redis host=%s port=%d error=%s",
		    rd->host, rd->port, log_str(esc, sizeof(esc), ac->errstr));
	rd->up = 0;
	schedule_retry(rd);
}

static void
on_setup(redisAsyncContext *ac, void *reply, void *privdata)
{
	char esc[LOG_ESC_MAX];
	const redisReply *rep = reply;

	(void)ac;
	if (rep && rep->type == REDIS_REPLY_ERROR)
		log_err("event=store_setup_failed backend=redis step=%s error=%s",
		    (const char *)privdata, log_str(esc, sizeof(esc), rep->str));
}

static void
rd_connect(struct rd *rd)
{
	char esc[LOG_ESC_MAX];
	char db[16];

	if (rd->ac || rd->closing)
		return;
	rd->ac = redisAsyncConnect(rd->host, rd->port);
	if (rd->ac == NULL || rd->ac->err) {
		log_warn("event=store_unreachable backend=redis host=%s port=%d error=%s", rd->host,
		    rd->port, log_str(esc, sizeof(esc), rd->ac ? rd->ac->errstr : "out of memory"));
		if (rd->ac)
			redisAsyncFree(rd->ac);
		rd->ac = NULL;
		schedule_retry(rd);
		return;
	}
	rd->ac->data = rd;
	redisLibeventAttach(rd->ac, rd->base);
	redisAsyncSetConnectCallback(rd->ac, on_connected);
	redisAsyncSetDisconnectCallback(rd->ac, on_disconnected);
	/* queued before any request, so they run first */
	if (rd->password) {
		const char *argv[] = { "AUTH", rd->password };
		size_t len[] = { 4, strlen(rd->password) };
		redisAsyncCommandArgv(rd->ac, on_setup, "auth", 2, argv, len);
	}
	snprintf(db, sizeof(db), "%d", rd->db);
	const char *argv[] = { "SELECT", db };
	size_t len[] = { 6, strlen(db) };
	redisAsyncCommandArgv(rd->ac, on_setup, "select", 2, argv, len);
}

static void
on_reply(redisAsyncContext *ac, void *reply, void *privdata)
{
	struct rq *rq = privdata;
	struct store_reply r;
	struct store_row *rows = NULL;

	(void)ac;
	if (!rq->done) {
		parse(rq->op, reply, &r, &rows);
		store_complete(rq->rd->s, rq->id, &r);
		free(rows);
	}
	event_free(rq->timer);
	free(rq);
}

static void
on_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct rq *rq = arg;
	struct store_reply r = { .rc = -1 };

	(void)fd;
	(void)what;
	rq->done = 1;
	log_warn("event=store_timeout backend=redis host=%s port=%d timeout_ms=%lld", rq->rd->host,
	    rq->rd->port, rq->rd->timeout_ms);
	store_complete(rq->rd->s, rq->id, &r);
}

static int
rd_submit(void *impl, struct store *s, uint64_t id, const struct store_req *q)
{
	struct rd *rd = impl;
	struct cmd c;
	struct rq *rq;
	struct timeval tv = { rd->timeout_ms / 1000, (rd->timeout_ms % 1000) * 1000 };

	rd->s = s;
	if (rd->ac == NULL || build(q, (int64_t)time(NULL), &c) < 0)
		return -1; /* down: fails at once, the reconnect timer runs */
	rq = xcalloc(1, sizeof(*rq));
	rq->rd = rd;
	rq->id = id;
	rq->op = q->op;
	rq->timer = evtimer_new(rd->base, on_timeout, rq);
	if (redisAsyncCommandArgv(rd->ac, on_reply, rq, c.argc, c.argv, c.len) != REDIS_OK) {
		event_free(rq->timer);
		free(rq);
		return -1;
	}
	evtimer_add(rq->timer, &tv);
	return 0;
}

static void
rd_close(void *impl)
{
	struct rd *rd = impl;

	rd->closing = 1;
	if (rd->ac)
		redisAsyncFree(rd->ac); /* pending requests get NULL: cancelled */
	rd->ac = NULL;
	if (rd->retry)
		event_free(rd->retry);
	redisFree(rd->bc);
	if (rd->password)
		explicit_bzero(rd->password, strlen(rd->password));
	free(rd->password);
	free(rd);
}

static const struct store_ops redis_ops = {
	rd_counter_add,
	rd_counter_sum,
	rd_put,
	rd_get,
	rd_del,
	rd_list,
	rd_expire,
	rd_close,
	rd_counter_reserve,
	rd_submit,
};

/* Without an event loop: requests run on the blocking connection. */
static const struct store_ops redis_blocking_ops = {
	rd_counter_add,
	rd_counter_sum,
	rd_put,
	rd_get,
	rd_del,
	rd_list,
	rd_expire,
	rd_close,
	rd_counter_reserve,
	NULL,
};

int
store_redis_url_parse(const char *url, char *host, size_t hostsz, int *port, int *db)
{
	const char *p, *end;
	char *e;
	long v;

	if (strncmp(url, "redis://", 8) != 0)
		return -1;
	p = url + 8;
	if (*p == '[') {
		end = strchr(p, ']');
		if (end == NULL)
			return -1;
		p++;
	} else {
		end = p + strcspn(p, ":/");
	}
	if (end == p || (size_t)(end - p) >= hostsz)
		return -1;
	memcpy(host, p, (size_t)(end - p));
	host[end - p] = '\0';
	p = *end == ']' ? end + 1 : end;
	*port = 6379;
	*db = 0;
	if (*p == ':') {
		errno = 0;
		v = strtol(p + 1, &e, 10);
		if (e == p + 1 || errno || v < 1 || v > 65535)
			return -1;
		*port = (int)v;
		p = e;
	}
	if (*p == '/') {
		if (p[1] == '\0')
			return 0;
		errno = 0;
		v = strtol(p + 1, &e, 10);
		if (e == p + 1 || *e != '\0' || errno || v < 0 || v > 1000000)
			return -1;
		*db = (int)v;
		return 0;
	}
	return *p == '\0' ? 0 : -1;
}

struct store *
store_open_redis(const char *url, const char *password_file, long long timeout_ms,
    struct event_base *base, char *err, size_t errsz)
{
	struct rd *rd = xcalloc(1, sizeof(*rd));
	struct store *s;

	if (store_redis_url_parse(url, rd->host, sizeof(rd->host), &rd->port, &rd->db) < 0) {
		snprintf(err, errsz, "%s: not redis://host[:port][/db]", url);
		free(rd);
		return NULL;
	}
	if (password_file && *password_file) {
		FILE *f = fopen(password_file, "r");
		char line[1024];
		if (f == NULL || fgets(line, sizeof(line), f) == NULL) {
			snprintf(
			    err, errsz, "%s: %s", password_file, f ? "empty" : strerror(errno));
			if (f)
				fclose(f);
			free(rd);
			return NULL;
		}
		fclose(f);
		line[strcspn(line, "\r\n")] = '\0';
		rd->password = xstrdup(line);
		explicit_bzero(line, sizeof(line));
	}
	rd->timeout_ms = timeout_ms > 0 ? timeout_ms : 1000;
	rd->base = base;
	s = store_wrap(base ? &redis_ops : &redis_blocking_ops, rd);
	rd->s = s;
	if (base) {
		rd->retry = evtimer_new(base, on_retry, rd);
		rd_connect(rd);
	}
	return s;
}
