/*
 * challenge: challenge/response at work in vouchd (see challenge.h). The
 * confirmation page is challenge_http.c's.
 */
#include "challenge.h"

#include <errno.h>
#include <event2/event.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "vouchd.h"
#include "challenge_int.h"
#include "inject.h"
#include "qmgr.h"
#include "msg/received.h"
#include "policy/challenge_store.h"
#include "store/store.h"
#include "util/log.h"
#include "util/safefile.h"
#include "util/xmalloc.h"

struct challenge_txn {
	struct challenge_rec *v;
	size_t n;
};

/* ---- the key ------------------------------------------------------------ */

static int
load_key(struct challenge *c, const char *path, char *err, size_t errsz)
{
	char buf[200], e2[300];
	int fd = safefile_open_read(path, geteuid(), e2, sizeof(e2));
	ssize_t n;

	if (fd < 0 && errno == ENOENT) {
		/* first start: a new key, 256 bits */
		unsigned char k[32];
		char hex[65];
		if (RAND_bytes(k, sizeof(k)) != 1) {
			snprintf(err, errsz, "challenge key: no randomness");
			return -1;
		}
		for (size_t i = 0; i < sizeof(k); i++)
			snprintf(hex + 2 * i, 3, "%02x", k[i]);
		if (safefile_write(
		        path, hex, 64, 0600, (uid_t)-1, (gid_t)-1, geteuid(), e2, sizeof(e2)) < 0) {
			snprintf(err, errsz, "challenge key: %s", e2);
			return -1;
		}
		memcpy(c->key, k, sizeof(k));
		c->keylen = sizeof(k);
		log_info("event=challenge_key_created path=%s", path);
		return 0;
	}
	if (fd < 0) {
		snprintf(err, errsz, "challenge key: %s", e2);
		return -1;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		n = 0;
	buf[n] = '\0';
	str_trim(buf);
	size_t len = strlen(buf);
	if (len % 2 || len / 2 < CHALLENGE_KEY_MIN || len / 2 > sizeof(c->key)) {
		snprintf(err, errsz, "challenge key %s: 32 to 128 hex digits expected", path);
		return -1;
	}
	for (size_t i = 0; i < len / 2; i++) {
		int h = str_hexval((unsigned char)buf[2 * i]),
		    l = str_hexval((unsigned char)buf[2 * i + 1]);
		if (h < 0 || l < 0) {
			snprintf(err, errsz, "challenge key %s: not hex", path);
			return -1;
		}
		c->key[i] = (unsigned char)(h * 16 + l);
	}
	c->keylen = len / 2;
	return 0;
}

/* ---- releasing and discarding held copies --------------------------------- */

struct visit_ctx {
	struct vouchd *d;
	const char *id; /* the challenge, or NULL: every expired one */
	int deliver;
	size_t n; /* recipients released or discarded */
};

static int
visit_held(void *arg, struct envelope *env)
{
	struct visit_ctx *vc = arg;
	int r = 0;
	time_t now = time(NULL);

	for (size_t i = 0; i < env->nrcpts; i++) {
		struct env_rcpt *rc = &env->rcpts[i];
		struct challenge_rec rec;
		char esc[LOG_ESC_MAX];
		if (rc->challenge == NULL || rc->status != ENV_RCPT_PENDING)
			continue;
		if (vc->id ? strcmp(rc->challenge, vc->id) != 0
		           : challenge_store_get(vc->d->store, rc->challenge, &rec) != 0)
			continue; /* another's, or still waiting (-1: the store failed: keep it) */
		vc->n++;
		if (vc->deliver) {
			/* confirmed by a person: INBOX, whatever the session looked like */
			rc->unsafe = 0;
			log_info("qid=%s event=challenge_released challenge=%s to=%s", env->id,
			    rc->challenge, log_token(esc, sizeof(esc), rc->addr));
			r |= QMGR_VISIT_UPDATE | QMGR_VISIT_START;
		} else {
			/* expired or discarded: no bounce, ever (the sender never
			 * confirmed it was theirs) */
			rc->status = ENV_RCPT_FAILED;
			rc->done_at = now;
			envelope_rcpt_set_error(rc, "5.7.1",
			    "held for a challenge that was not confirmed: discarded", NULL);
			log_info("qid=%s event=challenge_discarded challenge=%s to=%s", env->id,
			    rc->challenge, log_token(esc, sizeof(esc), rc->addr));
			r |= QMGR_VISIT_UPDATE;
		}
		free(rc->challenge);
		rc->challenge = NULL;
	}
	return r;
}

static size_t
release(struct vouchd *d, const char *id, int deliver)
{
	struct visit_ctx vc = { d, id, deliver, 0 };

	qmgr_visit(d->qmgr, visit_held, &vc);
	return vc.n;
}

static void
on_sweep(evutil_socket_t fd, short what, void *arg)
{
	struct challenge *c = arg;

	(void)fd;
	(void)what;
	log_debug("event=challenge_sweep discarded=%zu", release(c->d, NULL, 0));
	challenge_digest_sweep(c->d);
}

/* ---- life ------------------------------------------------------------------------ */

struct challenge *
challenge_new(struct vouchd *d, char *err, size_t errsz)
{
	struct challenge *c = xcalloc(1, sizeof(*c));

	c->d = d;
	if (challenge_http_open(c, d->cfg->challenge.http_listen, err, errsz) < 0) {
		free(c);
		return NULL;
	}
	return c;
}

int
challenge_start(struct challenge *c, char *err, size_t errsz)
{
	const struct config *cfg = c->d->cfg;
	long long ms = cfg->challenge.sweep;
	struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000 };

	if (load_key(c, cfg->challenge.key_file, err, errsz) < 0)
		return -1;
	c->sweep = event_new(c->d->base, -1, EV_PERSIST, on_sweep, c);
	event_add(c->sweep, &tv);
	return 0;
}

void
challenge_free(struct challenge *c)
{
	if (c == NULL)
		return;
	if (c->sweep)
		event_free(c->sweep);
	challenge_http_close(c);
	OPENSSL_cleanse(c->key, sizeof(c->key));
	free(c);
}

/* ---- tokens -------------------------------------------------------------------- */

/* Check a token: 0 with its live challenge in r, or -1 with why not. */
static int
token_challenge(struct vouchd *d, const char *token, size_t len, struct challenge_rec *r,
    char *text, size_t textsz)
{
	struct challenge *c = d->challenge;
	char id[CHALLENGE_ID_LEN + 1];
	int64_t exp;
	enum challenge_token_status st =
	    challenge_token_check(c->key, c->keylen, token, len, (int64_t)time(NULL), id, &exp);

	switch (st) {
	case CHALLENGE_TOKEN_OK: break;
	case CHALLENGE_TOKEN_EXPIRED:
		str_copy(
		    text, textsz, "this confirmation has expired; the held mail was discarded");
		return -1;
	default: str_copy(text, textsz, "this is not a valid confirmation"); return -1;
	}
	if (challenge_store_was_used(d->store, id)) {
		str_copy(text, textsz, "this confirmation was used already");
		return -1;
	}
	if (challenge_store_get(d->store, id, r) != 1) {
		str_copy(text, textsz, "this challenge is no longer pending");
		return -1;
	}
	return 0;
}

int
challenge_rcpt(struct vouchd *d, const struct config *cfg, const char *local,
    char token[CHALLENGE_TOKEN_LEN + 1], char *text, size_t textsz)
{
	const char *pre = cfg->challenge.reply_local;
	size_t pl = strlen(pre), ll = strlen(local);
	struct challenge_rec r;

	if (d->challenge == NULL || ll != pl + 1 + CHALLENGE_TOKEN_LEN ||
	    strncasecmp(local, pre, pl) != 0 || local[pl] != '-')
		return -1;
	if (token_challenge(d, local + pl + 1, CHALLENGE_TOKEN_LEN, &r, text, textsz) < 0)
		return 1;
	str_copy(token, CHALLENGE_TOKEN_LEN + 1, local + pl + 1);
	str_lower(token);
	return 0;
}

int
challenge_peek(
    struct vouchd *d, const char *token, char *rcpt, size_t rcptsz, char *text, size_t textsz)
{
	struct challenge_rec r;

	if (token_challenge(d, token, strlen(token), &r, text, textsz) < 0)
		return -1;
	str_copy(rcpt, rcptsz, r.rcpt);
	return 0;
}

/* Whitelist and release a live challenge. */
static size_t
confirmed(struct vouchd *d, const struct challenge_rec *r, const char *via)
{
	char e1[LOG_ESC_MAX], e2[LOG_ESC_MAX];
	size_t n;

	if (challenge_whitelist_add(d->store, r->rcpt, r->sender, "confirmed") < 0)
		log_err("event=whitelist_failed user=%s address=%s",
		    log_token(e1, sizeof(e1), r->rcpt), log_token(e2, sizeof(e2), r->sender));
	challenge_store_finish(d->store, r, 1);
	n = release(d, r->id, 1);
	log_info("event=challenge_confirmed challenge=%s via=%s rcpt=%s sender=%s released=%zu",
	    r->id, via, log_token(e1, sizeof(e1), r->rcpt), log_token(e2, sizeof(e2), r->sender),
	    n);
	return n;
}

int
challenge_confirm(struct vouchd *d, const char *token, const char *via, char *text, size_t textsz)
{
	struct challenge_rec r;
	size_t n;

	if (d->challenge == NULL) {
		str_copy(text, textsz, "challenges are not in use here");
		return -1;
	}
	if (token_challenge(d, token, strlen(token), &r, text, textsz) < 0) {
		char esc[LOG_ESC_MAX];
		log_info("event=challenge_confirm_refused via=%s reason=%s", via,
		    log_str(esc, sizeof(esc), text));
		return -1;
	}
	n = confirmed(d, &r, via);
	str_fmt(text, textsz, "Thank you: %s may now write to %s; %zu held message%s released.",
	    r.sender, r.rcpt, n, n == 1 ? "" : "s");
	return 0;
}

/* ---- the end of data --------------------------------------------------------- */

static int
enabled_for(struct vouchd *d, const struct config *cfg, const char *rcpt)
{
	const struct user *u = users_find(d->users, rcpt);
	const char *at = strrchr(rcpt, '@');

	if (u && u->challenge)
		return u->challenge > 0;
	return config_challenge_for(cfg, at ? at + 1 : NULL);
}

/* Forget challenges made for a message that is not kept after all. */
static void
undo(struct vouchd *d, struct challenge_txn *t)
{
	for (size_t i = 0; t && i < t->n; i++) {
		challenge_store_finish(d->store, &t->v[i], 0);
		challenge_store_count(d->store, t->v[i].sender, t->v[i].created, -1);
	}
}

static void
txn_free(struct challenge_txn *t)
{
	if (t == NULL)
		return;
	free(t->v);
	free(t);
}

void
challenge_data_end(struct vouchd *d, const struct config *cfg, const struct proofs *sess,
    const struct proofs *msg, const struct policy *p, unsigned hdr, struct envelope *env,
    struct verdict *v, struct challenge_txn **txn)
{
	struct challenge_txn *t = NULL;
	time_t now = time(NULL);
	const char *sender = env->sender ? env->sender : "";

	*txn = NULL;
	if (d->challenge == NULL)
		return;
	for (size_t i = 0; i < env->nrcpts; i++) {
		struct env_rcpt *rc = &env->rcpts[i];
		struct challenge_in in;
		struct challenge_out out;
		char id[CHALLENGE_ID_LEN + 1], e1[LOG_ESC_MAX], e2[LOG_ESC_MAX];

		if (!rc->local || rc->challenge)
			continue;
		memset(&in, 0, sizeof(in));
		in.enabled = enabled_for(d, cfg, rc->addr);
		if (!in.enabled)
			continue;
		in.sender = sender;
		in.hdr = hdr;
		in.whitelisted =
		    sender[0] && challenge_whitelist_has(d->store, rc->addr, sender) == 1;
		in.outstanding =
		    sender[0] && challenge_store_outstanding(d->store, rc->addr, sender, id) == 1;
		/* one challenge per sender and recipient, in this message too */
		for (size_t k = 0; t && k < t->n && !in.outstanding; k++)
			if (strcasecmp(t->v[k].rcpt, rc->addr) == 0) {
				in.outstanding = 1;
				str_copy(id, sizeof(id), t->v[k].id);
			}
		if (sender[0])
			challenge_store_counts(
			    d->store, sender, now, &in.n_sender, &in.n_domain, &in.n_all);
		in.max_sender = cfg->challenge.max_sender;
		in.max_domain = cfg->challenge.max_domain;
		in.max_all = cfg->challenge.max_hour;
		policy_challenge(sess, msg, p, v, &in, &out);
		switch (out.act) {
		case CHALLENGE_DELIVER:
			if (strcmp(out.why, "whitelisted") != 0)
				log_info("qid=%s event=challenge_skipped to=%s sender=%s reason=%s",
				    env->id, log_token(e1, sizeof(e1), rc->addr),
				    log_token(e2, sizeof(e2), sender), out.why);
			continue;
		case CHALLENGE_TEMPFAIL:
			log_info("qid=%s event=challenge_limited to=%s sender=%s", env->id,
			    log_token(e1, sizeof(e1), rc->addr), log_token(e2, sizeof(e2), sender));
			/* no message kept: nothing held, no challenge */
			for (size_t k = 0; k < env->nrcpts; k++) {
				free(env->rcpts[k].challenge);
				env->rcpts[k].challenge = NULL;
			}
			undo(d, t);
			txn_free(t);
			*v = out.v;
			return;
		case CHALLENGE_HOLD_JOIN:
			rc->challenge = xstrdup(id);
			log_info("qid=%s event=challenge_held challenge=%s to=%s sender=%s "
			         "proof=%s outstanding=1",
			    env->id, id, log_token(e1, sizeof(e1), rc->addr),
			    log_token(e2, sizeof(e2), sender), out.why);
			continue;
		case CHALLENGE_HOLD_NEW: break;
		}
		if (t == NULL)
			t = xcalloc(1, sizeof(*t));
		t->v = xrealloc(t->v, (t->n + 1) * sizeof(*t->v));
		struct challenge_rec *r = &t->v[t->n];
		memset(r, 0, sizeof(*r));
		challenge_new_id(r->id);
		str_copy(r->rcpt, sizeof(r->rcpt), rc->addr);
		str_copy(r->sender, sizeof(r->sender), sender);
		r->created = now;
		r->expires = now + cfg->challenge.expiry / 1000;
		if (challenge_store_create(d->store, r) < 0) {
			/* cannot remember it: deliver as the normal policy says */
			log_err("qid=%s event=challenge_store_failed to=%s", env->id,
			    log_token(e1, sizeof(e1), rc->addr));
			continue;
		}
		challenge_store_count(d->store, sender, now, 1);
		t->n++;
		rc->challenge = xstrdup(r->id);
		log_info("qid=%s event=challenge_held challenge=%s to=%s sender=%s proof=%s",
		    env->id, r->id, log_token(e1, sizeof(e1), rc->addr),
		    log_token(e2, sizeof(e2), sender), out.why);
	}
	*txn = t;
}

/* The challenge's text (RFC 3834: Auto-Submitted, to the return path). */
static void
compose(struct vouchd *d, const struct challenge_rec *r, struct strbuf *m)
{
	const struct config *cfg = d->cfg;
	struct challenge *c = d->challenge;
	char token[CHALLENGE_TOKEN_LEN + 1], base[600];
	const char *at = strrchr(r->rcpt, '@');
	long long days = (cfg->challenge.expiry / 1000 + 86399) / 86400;

	challenge_token_make(c->key, c->keylen, r->id, r->expires, token);
	base[0] = '\0';
	if (cfg->challenge.url[0])
		str_copy(base, sizeof(base), cfg->challenge.url);
	else if (challenge_http_address(c))
		str_fmt(base, sizeof(base), "http://%s/confirm", challenge_http_address(c));
	strbuf_printf(m, "From: <%s>\r\n", r->rcpt);
	strbuf_printf(m, "Reply-To: <%s-%s@%s>\r\n", cfg->challenge.reply_local, token, at + 1);
	strbuf_printf(m, "To: <%s>\r\n", r->sender);
	strbuf_printf(m, "Subject: Please confirm your message to %s\r\n", r->rcpt);
	strbuf_puts(m, "Date: ");
	received_date(time(NULL), m);
	strbuf_printf(m, "\r\nMessage-ID: <challenge.%s@%s>\r\n", r->id, cfg->hostname);
	strbuf_puts(m, "Auto-Submitted: auto-replied\r\n");
	strbuf_printf(m, "X-Vouch-Challenge: %s\r\n", r->id);
	strbuf_puts(m,
	    "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: 8bit\r\n\r\n");
	strbuf_printf(m,
	    "You sent mail to %s, who receives mail only from correspondents\r\n"
	    "who have confirmed themselves once. Your message is held until you\r\n"
	    "confirm; if you do not, it is discarded in %lld day%s, without notice.\r\n\r\n",
	    r->rcpt, days, days == 1 ? "" : "s");
	if (cfg->challenge.policy_text[0])
		strbuf_printf(m, "%s\r\n\r\n", cfg->challenge.policy_text);
	strbuf_printf(m,
	    "To confirm, reply to this message (the reply goes to\r\n"
	    "%s-%s@%s)",
	    cfg->challenge.reply_local, token, at + 1);
	if (base[0])
		strbuf_printf(m,
		    ",\r\nor open this link and press the button:\r\n\r\n  %s?t=%s\r\n", base,
		    token);
	else
		strbuf_puts(m, ".\r\n");
	strbuf_printf(m,
	    "\r\nIf you did not write to %s, someone used your address:\r\n"
	    "ignore this message, and nothing more will come of it.\r\n",
	    r->rcpt);
}

void
challenge_committed(struct vouchd *d, struct challenge_txn *t, int err)
{
	if (t == NULL)
		return;
	if (err) {
		undo(d, t);
		txn_free(t);
		return;
	}
	for (size_t i = 0; i < t->n; i++) {
		struct strbuf m;
		const char *rcpts[1] = { t->v[i].sender };
		char esc[LOG_ESC_MAX];
		strbuf_init(&m, 64 * 1024);
		compose(d, &t->v[i], &m);
		/* from <>: nothing ever bounces back to us for it (RFC 3834 3.3) */
		if (m.len == 0 || inject_message(d, "", rcpts, 1, m.s, m.len, 0) < 0)
			log_err("event=challenge_send_failed challenge=%s", t->v[i].id);
		else
			log_info("event=challenge_sent challenge=%s to=%s", t->v[i].id,
			    log_token(esc, sizeof(esc), t->v[i].sender));
		strbuf_free(&m);
	}
	txn_free(t);
}

/* ---- submission ------------------------------------------------------------ */

void
challenge_submitted(struct vouchd *d, const char *user, const struct envelope *env)
{
	char id[CHALLENGE_ID_LEN + 1];

	if (d->challenge == NULL || users_find(d->users, user) == NULL)
		return;
	for (size_t i = 0; i < env->nrcpts; i++) {
		const char *a = env->rcpts[i].orig ? env->rcpts[i].orig : env->rcpts[i].addr;
		struct challenge_rec r;
		if (strcasecmp(a, user) == 0 || challenge_whitelist_has(d->store, user, a) == 1)
			continue;
		challenge_whitelist_add(d->store, user, a, "sent");
		char e1[LOG_ESC_MAX], e2[LOG_ESC_MAX];
		log_info("event=whitelisted user=%s address=%s source=sent",
		    log_token(e1, sizeof(e1), user), log_token(e2, sizeof(e2), a));
		/* writing to someone is confirming them: their held mail comes */
		if (challenge_store_outstanding(d->store, user, a, id) == 1 &&
		    challenge_store_get(d->store, id, &r) == 1)
			confirmed(d, &r, "sent");
	}
}

/* ---- the control socket -------------------------------------------------------- */

struct held_ctx {
	const char *id;
	struct strbuf *out;
	size_t n;
};

static int
count_held(void *arg, struct envelope *env)
{
	struct held_ctx *h = arg;

	for (size_t i = 0; i < env->nrcpts; i++)
		if (env->rcpts[i].challenge && strcmp(env->rcpts[i].challenge, h->id) == 0 &&
		    env->rcpts[i].status == ENV_RCPT_PENDING) {
			h->n++;
			if (h->out)
				strbuf_printf(h->out, "held %s size=%llu arrival=%lld to=%s\n",
				    env->id, (unsigned long long)env->size, (long long)env->arrival,
				    env->rcpts[i].addr);
		}
	return 0;
}

static size_t
held_of(struct vouchd *d, const char *id, struct strbuf *out)
{
	struct held_ctx h = { id, out, 0 };

	qmgr_visit(d->qmgr, count_held, &h);
	return h.n;
}

struct list_ctx {
	struct vouchd *d;
	struct strbuf *out;
	size_t n;
};

static void
list_one(void *arg, const struct challenge_rec *r)
{
	struct list_ctx *l = arg;

	l->n++;
	strbuf_printf(l->out, "%s rcpt=%s sender=%s created=%lld expires=%lld held=%zu\n", r->id,
	    r->rcpt, r->sender, (long long)r->created, (long long)r->expires,
	    held_of(l->d, r->id, NULL));
}

static void
wl_one(void *arg, const char *user, const char *address, const char *source)
{
	struct list_ctx *l = arg;

	l->n++;
	strbuf_printf(l->out, "%s %s %s\n", user, address, source);
}

static int
addr_ok(const char *a)
{
	const char *at = strrchr(a, '@');

	return at && at[1] && strlen(a) < CHALLENGE_ADDR_MAX && !strpbrk(a, " \t\r\n");
}

int
challenge_ctl(struct vouchd *d, int argc, char **argv, struct strbuf *out)
{
	struct challenge_rec r;
	struct list_ctx l = { d, out, 0 };

	if (d->challenge == NULL) {
		strbuf_puts(out, "error: challenges are not running\n");
		return -1;
	}
	if (strcmp(argv[0], "whitelist") == 0) {
		if ((argc == 2 || argc == 3) && strcmp(argv[1], "list") == 0) {
			challenge_whitelist_list(d->store, argc == 3 ? argv[2] : NULL, wl_one, &l);
			strbuf_printf(out, "-- %zu address(es)\n", l.n);
			return 0;
		}
		if (argc == 4 && (strcmp(argv[1], "add") == 0 || strcmp(argv[1], "del") == 0)) {
			if (users_find(d->users, argv[2]) == NULL) {
				strbuf_printf(out, "error: no local user %s\n", argv[2]);
				return -1;
			}
			if (!addr_ok(argv[3])) {
				strbuf_printf(
				    out, "error: '%s' is not an address or @domain\n", argv[3]);
				return -1;
			}
			if (strcmp(argv[1], "add") == 0) {
				char id[CHALLENGE_ID_LEN + 1];
				if (challenge_whitelist_add(d->store, argv[2], argv[3], "admin") <
				    0) {
					strbuf_puts(out, "error: cannot record it\n");
					return -1;
				}
				strbuf_printf(out, "whitelisted %s for %s\n", argv[3], argv[2]);
				if (challenge_store_outstanding(d->store, argv[2], argv[3], id) ==
				        1 &&
				    challenge_store_get(d->store, id, &r) == 1)
					strbuf_printf(out, "released %zu held message(s)\n",
					    confirmed(d, &r, "admin"));
				return 0;
			}
			if (challenge_whitelist_del(d->store, argv[2], argv[3]) < 0) {
				strbuf_printf(
				    out, "error: %s is not on %s's whitelist\n", argv[3], argv[2]);
				return -1;
			}
			strbuf_printf(out, "removed %s from %s's whitelist\n", argv[3], argv[2]);
			return 0;
		}
		strbuf_puts(
		    out, "error: whitelist list [USER] | add USER ADDRESS | del USER ADDRESS\n");
		return -1;
	}
	if (argc == 2 && strcmp(argv[1], "list") == 0) {
		challenge_store_list(d->store, list_one, &l);
		strbuf_printf(out, "-- %zu challenge(s)\n", l.n);
		return 0;
	}
	if (argc == 3 &&
	    (strcmp(argv[1], "show") == 0 || strcmp(argv[1], "release") == 0 ||
	        strcmp(argv[1], "discard") == 0)) {
		if (challenge_store_get(d->store, argv[2], &r) != 1) {
			strbuf_printf(out, "error: no pending challenge %s\n",
			    challenge_id_ok(argv[2]) ? argv[2] : "");
			return -1;
		}
		if (strcmp(argv[1], "show") == 0) {
			strbuf_printf(out,
			    "challenge %s\nrcpt %s\nsender %s\ncreated %lld\nexpires %lld\n", r.id,
			    r.rcpt, r.sender, (long long)r.created, (long long)r.expires);
			held_of(d, r.id, out);
			return 0;
		}
		int deliver = strcmp(argv[1], "release") == 0;
		challenge_store_finish(d->store, &r, 0);
		size_t n = release(d, r.id, deliver);
		log_info("event=challenge_%s_by_admin challenge=%s messages=%zu",
		    deliver ? "released" : "discarded", r.id, n);
		strbuf_printf(out, "%s %zu held message(s) of %s\n",
		    deliver ? "released" : "discarded", n, r.id);
		return 0;
	}
	strbuf_puts(out, "error: challenge list | show ID | release ID | discard ID\n");
	return -1;
}
