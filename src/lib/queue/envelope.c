/*
 * envelope: queue envelope format (see envelope.h).
 */
#include "queue/envelope.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xmalloc.h"

#define MAGIC "vouch-envelope 1"

void
envelope_init(struct envelope *e)
{
	memset(e, 0, sizeof(*e));
}

static void
rcpt_clear(struct env_rcpt *r)
{
	free(r->addr);
	free(r->orig);
	free(r->orcpt);
	free(r->error);
	free(r->dsn_status);
	free(r->remote_mta);
	free(r->challenge);
}

void
envelope_clear(struct envelope *e)
{
	if (e == NULL)
		return;
	for (size_t i = 0; i < e->nrcpts; i++)
		rcpt_clear(&e->rcpts[i]);
	free(e->rcpts);
	free(e->sender);
	free(e->envid);
	free(e->helo);
	free(e->client_addr);
	free(e->auth_user);
	free(e->trace);
	free(e->out_head);
	free(e->srs_sender);
	envelope_init(e);
}

static char *
dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

struct env_rcpt *
envelope_add_rcpt(struct envelope *e, const char *addr, const char *orig, const char *orcpt,
    unsigned notify, int local)
{
	struct env_rcpt *r;

	e->rcpts = xrealloc(e->rcpts, (e->nrcpts + 1) * sizeof(*e->rcpts));
	r = &e->rcpts[e->nrcpts++];
	memset(r, 0, sizeof(*r));
	r->addr = xstrdup(addr);
	r->orig = orig && strcmp(orig, addr) != 0 ? xstrdup(orig) : NULL;
	r->orcpt = dup_or_null(orcpt);
	r->notify = notify;
	r->local = local;
	return r;
}

void
envelope_rcpt_set_error(
    struct env_rcpt *r, const char *dsn_status, const char *text, const char *remote_mta)
{
	free(r->error);
	free(r->dsn_status);
	free(r->remote_mta);
	r->error = dup_or_null(text);
	r->dsn_status = dup_or_null(dsn_status);
	r->remote_mta = dup_or_null(remote_mta);
}

size_t
envelope_pending(const struct envelope *e)
{
	size_t n = 0;

	for (size_t i = 0; i < e->nrcpts; i++)
		if (e->rcpts[i].status == ENV_RCPT_PENDING)
			n++;
	return n;
}

/* Percent-encode everything but printable ASCII other than '%', '=' and space. */
static int
put_value(struct strbuf *out, const char *v)
{
	static const char hex[] = "0123456789ABCDEF";

	if (*v == '\0')
		return strbuf_puts(out, "%"); /* a lone '%' is the empty string */
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		if (*p <= ' ' || *p >= 127 || *p == '%' || *p == '=') {
			char enc[3] = { '%', hex[*p >> 4], hex[*p & 15] };
			if (strbuf_append(out, enc, 3) < 0)
				return -1;
		} else if (strbuf_append(out, p, 1) < 0) {
			return -1;
		}
	}
	return 0;
}

static int
put_kv(struct strbuf *out, const char *k, const char *v)
{
	if (v == NULL)
		return 0;
	if (strbuf_printf(out, "%s ", k) < 0 || put_value(out, v) < 0)
		return -1;
	return strbuf_puts(out, "\n");
}

static int
put_rcpt_field(struct strbuf *out, const char *k, const char *v)
{
	if (v == NULL)
		return 0;
	if (strbuf_printf(out, " %s=", k) < 0)
		return -1;
	return put_value(out, v);
}

static const char *const status_names[] = { "pending", "done", "failed" };

int
envelope_write(const struct envelope *e, struct strbuf *out)
{
	int rc = 0;

	rc |= strbuf_printf(out, MAGIC "\nid %s\narrival %" PRId64 "\n", e->id, e->arrival);
	rc |= put_kv(out, "sender", e->sender ? e->sender : "");
	if (e->body_8bit)
		rc |= strbuf_puts(out, "body 8bitmime\n");
	if (e->smtputf8)
		rc |= strbuf_puts(out, "smtputf8 1\n");
	if (e->ret)
		rc |= strbuf_printf(out, "ret %d\n", e->ret);
	rc |= put_kv(out, "envid", e->envid);
	rc |= put_kv(out, "helo", e->helo);
	rc |= put_kv(out, "client", e->client_addr);
	rc |= put_kv(out, "auth", e->auth_user);
	rc |= put_kv(out, "trace", e->trace);
	rc |= put_kv(out, "outhead", e->out_head);
	rc |= put_kv(out, "srs", e->srs_sender);
	if (e->trace_skip)
		rc |= strbuf_printf(out, "trace_skip %" PRIu64 "\n", e->trace_skip);
	rc |= strbuf_printf(out, "size %" PRIu64 "\n", e->size);
	if (e->next_attempt)
		rc |= strbuf_printf(out, "next %" PRId64 "\n", e->next_attempt);
	if (e->attempts)
		rc |= strbuf_printf(out, "attempts %d\n", e->attempts);
	if (e->hold)
		rc |= strbuf_puts(out, "hold 1\n");
	if (e->release_at)
		rc |= strbuf_printf(out, "release %" PRId64 "\n", e->release_at);
	if (e->transition_notice)
		rc |= strbuf_puts(out, "notice 1\n");
	if (e->delay_notified)
		rc |= strbuf_puts(out, "delay_notified 1\n");
	if (e->is_bounce)
		rc |= strbuf_puts(out, "bounce 1\n");
	if (e->sender_spf_fail)
		rc |= strbuf_puts(out, "spf_fail 1\n");
	for (size_t i = 0; i < e->nrcpts; i++) {
		const struct env_rcpt *r = &e->rcpts[i];
		rc |= strbuf_printf(out, "rcpt status=%s", status_names[r->status]);
		rc |= put_rcpt_field(out, "addr", r->addr);
		rc |= put_rcpt_field(out, "orig", r->orig);
		rc |= put_rcpt_field(out, "orcpt", r->orcpt);
		if (r->notify)
			rc |= strbuf_printf(out, " notify=%u", r->notify);
		if (r->local)
			rc |= strbuf_puts(out, " local=1");
		if (r->unsafe)
			rc |= strbuf_puts(out, " unsafe=1");
		if (r->attempts)
			rc |= strbuf_printf(out, " attempts=%d", r->attempts);
		if (r->done_at)
			rc |= strbuf_printf(out, " done_at=%" PRId64, r->done_at);
		rc |= put_rcpt_field(out, "dsn", r->dsn_status);
		rc |= put_rcpt_field(out, "mta", r->remote_mta);
		rc |= put_rcpt_field(out, "error", r->error);
		rc |= put_rcpt_field(out, "challenge", r->challenge);
		rc |= strbuf_puts(out, "\n");
	}
	rc |= strbuf_puts(out, "end\n");
	return rc ? -1 : 0;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode a percent-encoded value s[0..n) into a new string, or NULL. */
static char *
get_value(const char *s, size_t n)
{
	char *d, *o;

	if (n == 1 && s[0] == '%')
		return xstrdup("");
	d = o = xmalloc(n + 1);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%') {
			int h, l;
			if (i + 2 >= n)
				goto bad;
			h = hexval(s[i + 1]);
			l = hexval(s[i + 2]);
			if (h < 0 || l < 0 || (h == 0 && l == 0))
				goto bad;
			*o++ = (char)(h * 16 + l);
			i += 2;
		} else if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 127 ||
		    s[i] == '=') {
			goto bad;
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return d;
bad:
	free(d);
	return NULL;
}

static int
get_int64(const char *s, size_t n, int64_t *out)
{
	char buf[24];
	char *end;

	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	*out = strtoll(buf, &end, 10);
	return *end == '\0' && (buf[0] == '-' || (buf[0] >= '0' && buf[0] <= '9')) ? 0 : -1;
}

static int
parse_rcpt(const char *s, size_t n, struct envelope *e)
{
	struct env_rcpt r;
	size_t i = 0;
	int64_t v;

	memset(&r, 0, sizeof(r));
	r.status = (enum env_rcpt_status) - 1;
	while (i < n) {
		size_t ks = i, ke, vs, ve;
		while (i < n && s[i] != '=' && s[i] != ' ')
			i++;
		if (i >= n || s[i] != '=')
			goto bad;
		ke = i++;
		vs = i;
		while (i < n && s[i] != ' ')
			i++;
		ve = i;
		if (i < n)
			i++;
		const char *k = s + ks;
		size_t kl = ke - ks;
		char **field = NULL;
#define KEY(name) (kl == sizeof(name) - 1 && memcmp(k, name, kl) == 0)
		if (KEY("status")) {
			r.status = (enum env_rcpt_status) - 1;
			for (int st = 0; st < 3; st++)
				if (ve - vs == strlen(status_names[st]) &&
				    memcmp(s + vs, status_names[st], ve - vs) == 0)
					r.status = (enum env_rcpt_status)st;
			if ((int)r.status < 0)
				goto bad;
			continue;
		} else if (KEY("addr"))
			field = &r.addr;
		else if (KEY("orig"))
			field = &r.orig;
		else if (KEY("orcpt"))
			field = &r.orcpt;
		else if (KEY("dsn"))
			field = &r.dsn_status;
		else if (KEY("mta"))
			field = &r.remote_mta;
		else if (KEY("error"))
			field = &r.error;
		else if (KEY("challenge"))
			field = &r.challenge;
		else {
			if (get_int64(s + vs, ve - vs, &v) < 0)
				goto bad;
			if (KEY("notify"))
				r.notify = (unsigned)v;
			else if (KEY("local"))
				r.local = v != 0;
			else if (KEY("unsafe"))
				r.unsafe = v != 0;
			else if (KEY("attempts"))
				r.attempts = (int)v;
			else if (KEY("done_at"))
				r.done_at = v;
			/* unknown numeric fields from newer versions are ignored */
			continue;
		}
#undef KEY
		if (*field != NULL)
			goto bad;
		*field = get_value(s + vs, ve - vs);
		if (*field == NULL)
			goto bad;
	}
	if (r.addr == NULL || (int)r.status < 0)
		goto bad;
	e->rcpts = xrealloc(e->rcpts, (e->nrcpts + 1) * sizeof(*e->rcpts));
	e->rcpts[e->nrcpts++] = r;
	return 0;
bad:
	rcpt_clear(&r);
	return -1;
}

int
envelope_parse(const char *text, size_t len, struct envelope *e, char *err, size_t errsz)
{
	size_t pos = 0;
	int line = 0, ended = 0, have_id = 0;

	envelope_init(e);
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		if (nl == NULL) {
			snprintf(err, errsz, "line %d: not terminated (truncated file)", line + 1);
			goto fail;
		}
		const char *s = text + pos;
		size_t n = (size_t)(nl - s);
		pos += n + 1;
		line++;
		if (ended) {
			snprintf(err, errsz, "line %d: data after end", line);
			goto fail;
		}
		if (line == 1) {
			if (n != strlen(MAGIC) || memcmp(s, MAGIC, n) != 0) {
				snprintf(err, errsz, "not a vouch envelope (version 1)");
				goto fail;
			}
			continue;
		}
		if (n == 3 && memcmp(s, "end", 3) == 0) {
			ended = 1;
			continue;
		}
		const char *sp = memchr(s, ' ', n);
		if (sp == NULL) {
			snprintf(err, errsz, "line %d: no value", line);
			goto fail;
		}
		size_t kl = (size_t)(sp - s);
		const char *v = sp + 1;
		size_t vl = n - kl - 1;
		int64_t num = 0;
#define KEY(name) (kl == sizeof(name) - 1 && memcmp(s, name, kl) == 0)
		char **field = NULL;
		if (KEY("rcpt")) {
			if (parse_rcpt(v, vl, e) < 0) {
				snprintf(err, errsz, "line %d: bad recipient", line);
				goto fail;
			}
			continue;
		}
		if (KEY("id")) {
			/* Ids name files: letters and digits only. */
			size_t ok = 0;
			while (ok < vl &&
			    ((v[ok] >= '0' && v[ok] <= '9') || (v[ok] >= 'A' && v[ok] <= 'Z') ||
			        (v[ok] >= 'a' && v[ok] <= 'z')))
				ok++;
			if (vl == 0 || vl > ENVELOPE_ID_MAX || ok != vl) {
				snprintf(err, errsz, "line %d: bad id", line);
				goto fail;
			}
			memcpy(e->id, v, vl);
			e->id[vl] = '\0';
			have_id = 1;
			continue;
		}
		if (KEY("sender"))
			field = &e->sender;
		else if (KEY("envid"))
			field = &e->envid;
		else if (KEY("helo"))
			field = &e->helo;
		else if (KEY("client"))
			field = &e->client_addr;
		else if (KEY("auth"))
			field = &e->auth_user;
		else if (KEY("trace"))
			field = &e->trace;
		else if (KEY("outhead"))
			field = &e->out_head;
		else if (KEY("srs"))
			field = &e->srs_sender;
		if (field) {
			if (*field != NULL || (*field = get_value(v, vl)) == NULL) {
				snprintf(err, errsz, "line %d: bad value", line);
				goto fail;
			}
			continue;
		}
		if (KEY("body")) {
			e->body_8bit = vl == 8 && memcmp(v, "8bitmime", 8) == 0;
			continue;
		}
		if (get_int64(v, vl, &num) < 0) {
			snprintf(err, errsz, "line %d: bad number", line);
			goto fail;
		}
		/* Counts and sizes are never negative and fit their fields
		 * (a size of -10 would come back as 2^64 - 10, which no
		 * longer reads: the fuzzer found it). */
		if (((KEY("size") || KEY("trace_skip")) && num < 0) ||
		    ((KEY("attempts") || KEY("ret")) && (num < 0 || num > INT_MAX))) {
			snprintf(err, errsz, "line %d: number out of range", line);
			goto fail;
		}
		if (KEY("arrival"))
			e->arrival = num;
		else if (KEY("smtputf8"))
			e->smtputf8 = num != 0;
		else if (KEY("ret"))
			e->ret = (int)num;
		else if (KEY("size"))
			e->size = (uint64_t)num;
		else if (KEY("trace_skip"))
			e->trace_skip = (uint64_t)num;
		else if (KEY("next"))
			e->next_attempt = num;
		else if (KEY("attempts"))
			e->attempts = (int)num;
		else if (KEY("hold"))
			e->hold = num != 0;
		else if (KEY("release"))
			e->release_at = num;
		else if (KEY("notice"))
			e->transition_notice = num != 0;
		else if (KEY("delay_notified"))
			e->delay_notified = num != 0;
		else if (KEY("bounce"))
			e->is_bounce = num != 0;
		else if (KEY("spf_fail"))
			e->sender_spf_fail = num != 0;
			/* unknown keys from newer versions are ignored */
#undef KEY
	}
	if (!ended) {
		snprintf(err, errsz, "no end line (incomplete file)");
		goto fail;
	}
	if (!have_id || e->sender == NULL || e->nrcpts == 0) {
		snprintf(err, errsz, "missing id, sender or recipients");
		goto fail;
	}
	return 0;
fail:
	envelope_clear(e);
	return -1;
}

void
envelope_copy(struct envelope *dst, const struct envelope *src)
{
	*dst = *src;
	dst->sender = dup_or_null(src->sender);
	dst->envid = dup_or_null(src->envid);
	dst->helo = dup_or_null(src->helo);
	dst->client_addr = dup_or_null(src->client_addr);
	dst->auth_user = dup_or_null(src->auth_user);
	dst->trace = dup_or_null(src->trace);
	dst->out_head = dup_or_null(src->out_head);
	dst->srs_sender = dup_or_null(src->srs_sender);
	dst->rcpts = src->nrcpts ? xcalloc(src->nrcpts, sizeof(*dst->rcpts)) : NULL;
	for (size_t i = 0; i < src->nrcpts; i++) {
		const struct env_rcpt *s = &src->rcpts[i];
		struct env_rcpt *d = &dst->rcpts[i];
		*d = *s;
		d->addr = dup_or_null(s->addr);
		d->orig = dup_or_null(s->orig);
		d->orcpt = dup_or_null(s->orcpt);
		d->error = dup_or_null(s->error);
		d->dsn_status = dup_or_null(s->dsn_status);
		d->remote_mta = dup_or_null(s->remote_mta);
		d->challenge = dup_or_null(s->challenge);
	}
}
