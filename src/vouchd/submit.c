/*
 * submit: mail submission (RFC 6409 in spirit): AUTH PLAIN and LOGIN
 * (RFC 4954) only after TLS, and limits on attempts. What an
 * authenticated user may send is submit_limits.c's.
 *
 * Password checks run crypt(3) on a worker thread: yescrypt is slow on
 * purpose, and the event loop must not wait for it.
 */
#include <crypt.h>
#include <event2/event.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "vouchd.h"
#include "gather.h"
#include "smtpd.h"
#include "submit_int.h"
#include "auth/proofs.h"
#include "smtp/smtp_sasl.h"
#include "smtp/smtp_session.h"
#include "store/store.h"
#include "policy/ratelimit.h"
#include "util/hmap.h"
#include "util/log.h"
#include "util/workq.h"
#include "util/xmalloc.h"

struct auth_wait;

/* The daemon's AUTH state (d->submit): one per vouchd, on the loop thread. */
struct submit {
	struct hmap *fails;      /* struct auth_fail by address, by user+address */
	struct ratelimit *rate;  /* AUTH attempts per user, from unknown addresses */
	struct auth_wait *waits; /* attempts waiting for their turn */
	char dummy_hash[160];    /* crypt(3) hash for unknown AUTH users */
};

/* Failed attempts: per client address, and per (user, address). */
struct auth_fail {
	int count;
	int64_t window_start; /* unix s */
	int64_t locked_until; /* unix s, 0 = not locked */
};

struct auth_job {
	struct vouchd *d;
	uint64_t sid;
	char addr[64];
	struct smtp_sasl_creds cred;
	char hash[256]; /* the user's hash, or the dummy */
	int known;      /* a user with a password, not locked */
	int rated;      /* took a turn of the user's rate (an address not known) */
	int ok;         /* result */
	/* a cluster's shared counts (shared_attempt()) */
	int64_t bucket;   /* the lockout period the units were taken in */
	int shared_ip;    /* took a unit of the address's count */
	int64_t pair_sum; /* the pair's count with this attempt, 0 if none taken */
};

static void
free_value(const void *key, size_t keylen, void *value, void *arg)
{
	(void)key;
	(void)keylen;
	(void)arg;
	free(value);
}

static struct auth_fail *
fail_entry(struct vouchd *d, const char *key, int create)
{
	struct auth_fail *f = hmap_get(d->submit->fails, key, strlen(key));
	int64_t now = (int64_t)time(NULL);
	int64_t window = d->cfg->auth_lockout / 1000;

	if (f && f->locked_until <= now && now - f->window_start > window) {
		/* The window has passed: start counting afresh. */
		f->count = 0;
		f->window_start = now;
		f->locked_until = 0;
	}
	if (f == NULL && create) {
		/* Bounded: an attacker with many addresses cannot grow this for ever. */
		if (hmap_count(d->submit->fails) > 100000) {
			log_warn("event=auth_fail_table_full action=reset");
			hmap_foreach(d->submit->fails, free_value, NULL);
			hmap_free(d->submit->fails);
			d->submit->fails = hmap_new();
		}
		f = xcalloc(1, sizeof(*f));
		f->window_start = now;
		hmap_put(d->submit->fails, key, strlen(key), f);
	}
	return f;
}

static void
fail_key(char *buf, size_t sz, const char *user, const char *addr)
{
	if (user)
		snprintf(buf, sz, "u:%s|%s", user, addr);
	else
		snprintf(buf, sz, "ip:%s", addr);
}

static int
locked(struct vouchd *d, const char *user, const char *addr)
{
	char key[640];
	struct auth_fail *f;
	int64_t now = (int64_t)time(NULL);

	fail_key(key, sizeof(key), user, addr);
	f = fail_entry(d, key, 0);
	return f && f->locked_until > now;
}

/*
 * An attempt is counted when its check starts, as if it will fail (issue
 * 13 item 7: 50 guesses sent at once were all checked, each session
 * seeing the failures of none of the others); one that succeeds is taken
 * back in auth_done. Reaching the limit locks at once, so the attempts
 * still arriving are refused.
 */
static void
attempt_start(struct vouchd *d, const char *user, const char *addr)
{
	char key[640];
	int64_t now = (int64_t)time(NULL);
	struct auth_fail *f;

	for (int pass = 0; pass < 2; pass++) {
		long long limit =
		    pass ? d->cfg->auth_max_failures_user : d->cfg->auth_max_failures_ip;
		fail_key(key, sizeof(key), pass ? user : NULL, addr);
		f = fail_entry(d, key, 1);
		if (++f->count >= limit && f->locked_until <= now) {
			f->locked_until = now + d->cfg->auth_lockout / 1000;
			char esc[LOG_ESC_MAX];
			log_warn("event=auth_lockout client=%s%s%s failures=%d until=%lld", addr,
			    pass ? " user=" : "", pass ? log_token(esc, sizeof(esc), user) : "",
			    f->count, (long long)f->locked_until);
		}
	}
}

/* The attempt succeeded: it was no failure after all. The pair starts
 * afresh; the address keeps its other attempts, and a lock this one set
 * while it was being checked goes again. */
static void
attempt_succeeded(struct vouchd *d, const char *user, const char *addr)
{
	char key[640];
	void *f;
	struct auth_fail *ip;

	fail_key(key, sizeof(key), NULL, addr);
	if ((ip = fail_entry(d, key, 0)) != NULL && ip->count > 0 &&
	    --ip->count < d->cfg->auth_max_failures_ip)
		ip->locked_until = 0;
	fail_key(key, sizeof(key), user, addr);
	if ((f = hmap_del(d->submit->fails, key, strlen(key))) != NULL)
		free(f);
}

/* ---- a cluster: the failures counted across the nodes ---------------- */

/*
 * With a shared store (Redis: d->store is not the node's own) an attempt
 * also takes a unit of the address's and of the pair's count there, so a
 * guesser who spreads the attempts over the nodes meets one limit, not
 * one per node (issue 15). The counts are kept in buckets of auth_lockout,
 * and an attempt is refused while this bucket and the one before hold the
 * limit: a lock by the cluster's count lasts one to two lockout periods.
 * The node's own table (above) still counts first, for attempts arriving
 * at once. A store that does not answer leaves the node's own count in
 * force, whatever store_fallback says: a Redis outage must not refuse
 * every user's login.
 */
static void check(struct vouchd *d, struct auth_job *j);

static void
shared_key(char *buf, size_t sz, const char *user, const char *addr)
{
	char k[640];

	fail_key(k, sizeof(k), user, addr);
	snprintf(buf, sz, "authfail|%s", k);
}

/* Units taken back: the attempt was not made, or it was no failure. The
 * pair's whole count goes, in both buckets (none goes below zero). */
static void
shared_give_back(struct vouchd *d, struct auth_job *j, int ip, int64_t pair)
{
	char key[700];

	if (ip) {
		shared_key(key, sizeof(key), NULL, j->addr);
		store_req_counter_add(
		    d->store, key, j->bucket, -1, store_done_log, "auth_fail_give_back", 0);
	}
	if (pair > 0) {
		shared_key(key, sizeof(key), j->cred.user, j->addr);
		for (int64_t b = j->bucket - 1; b <= j->bucket; b++)
			store_req_counter_add(
			    d->store, key, b, -pair, store_done_log, "auth_fail_give_back", 0);
	}
}

/* An answer for a session that is gone, or one that refuses (the pair's
 * count, or the address's): j ends. */
static void
shared_end(struct vouchd *d, struct auth_job *j, struct smtp_session *s, int pair_locked)
{
	char esc[LOG_ESC_MAX];

	if (s == NULL) {
		/* gone before its attempt was made */
		shared_give_back(d, j, j->shared_ip, j->pair_sum);
		if (j->rated)
			ratelimit_give_back(d->submit->rate, j->cred.user, strlen(j->cred.user));
	} else {
		log_info("sid=%016llx event=auth_refused reason=cluster_lockout client=%s%s%s",
		    (unsigned long long)j->sid, j->addr, pair_locked ? " user=" : "",
		    pair_locked ? log_token(esc, sizeof(esc), j->cred.user) : "");
		smtp_session_decide(s, 454, "4.7.0",
		    pair_locked
		        ? "Too many failed authentications for this user from your address; try "
		          "again later"
		        : "Too many failed authentications from your address; try again later");
	}
	smtp_sasl_wipe(&j->cred);
	free(j);
}

static void
shared_store_error(const struct auth_job *j)
{
	log_warn("sid=%016llx event=store_error op=auth_fail_reserve action=local client=%s",
	    (unsigned long long)j->sid, j->addr);
}

static void
shared_pair_done(void *owner, uint64_t sid, const struct store_reply *r)
{
	struct auth_job *j = owner;
	struct smtp_session *s = smtp_server_find(j->d->smtp, sid);

	if (r->rc == 1)
		j->pair_sum = r->sum > 0 ? r->sum : 1;
	if (s == NULL || r->rc == 0) {
		/* a refused attempt is not counted: the address's unit goes back */
		if (s && j->shared_ip)
			shared_give_back(j->d, j, 1, 0);
		if (s)
			j->shared_ip = 0;
		shared_end(j->d, j, s, 1);
		return;
	}
	if (r->rc < 0)
		shared_store_error(j);
	check(j->d, j);
}

static void
shared_ip_done(void *owner, uint64_t sid, const struct store_reply *r)
{
	struct auth_job *j = owner;
	struct vouchd *d = j->d;
	struct smtp_session *s = smtp_server_find(d->smtp, sid);
	char key[700];

	j->shared_ip = r->rc == 1;
	if (s == NULL || r->rc == 0) {
		shared_end(d, j, s, 0);
		return;
	}
	if (r->rc < 0) {
		/* the store is away: the next request would wait as long again */
		shared_store_error(j);
		check(d, j);
		return;
	}
	shared_key(key, sizeof(key), j->cred.user, j->addr);
	store_req_counter_reserve(d->store, key, j->bucket, 1, j->bucket - 1,
	    d->cfg->auth_max_failures_user, shared_pair_done, j, j->sid);
}

/* The attempt, counted by the cluster first when there is one. */
static void
shared_attempt(struct vouchd *d, struct auth_job *j)
{
	char key[700];
	int64_t window = d->cfg->auth_lockout / 1000;

	if (d->store == d->local_store) {
		check(d, j);
		return;
	}
	j->bucket = (int64_t)time(NULL) / (window > 0 ? window : 1);
	shared_key(key, sizeof(key), NULL, j->addr);
	store_req_counter_reserve(d->store, key, j->bucket, 1, j->bucket - 1,
	    d->cfg->auth_max_failures_ip, shared_ip_done, j, j->sid);
}

struct submit_sess *
submit_sess_new(struct vouchd *d, const struct config *cfg, uint64_t sid, int offer, int submission)
{
	struct submit_sess *sub = xcalloc(1, sizeof(*sub));

	sub->d = d;
	sub->cfg = cfg;
	sub->sid = sid;
	sub->offer = offer;
	sub->submission = submission;
	return sub;
}

void
submit_sess_free(struct submit_sess *sub)
{
	if (sub == NULL)
		return;
	OPENSSL_cleanse(sub->auth_user_pending, sizeof(sub->auth_user_pending));
	free(sub);
}

/* The user's recipient limit is below RFC 5321's 100 (DESIGN 6). */
static int
user_strict(const struct submit_sess *sub, const char *name)
{
	const struct user *u = name ? users_find(sub->d->users, name) : NULL;

	return u && submit_rcpt_limit(sub->cfg, u) < SUBMIT_RFC_MIN_RCPT;
}

const char *
submit_ehlo_keywords(struct submit_sess *sub, struct smtp_session *s)
{
	const char *user = smtp_session_user(s);
	struct strbuf sb;

	strbuf_init(&sb, sizeof(sub->ehlo_kw) - 1);
	/* RFC 4954 4 and our policy: never offer AUTH in the clear. */
	if (sub->offer && smtp_session_tls(s) && user == NULL)
		strbuf_puts(&sb, "AUTH PLAIN LOGIN\n");
	/* An EHLO after AUTH tells a user held below 100 recipients, unless
	 * the listener says XSTRICT anyway. */
	if (user && user_strict(sub, user) &&
	    strstr(smtp_session_conf(s)->ehlo_extra, "XSTRICT") == NULL)
		strbuf_puts(&sb, "XSTRICT\n");
	submit_future_keyword(sub, s, &sb);
	if (sb.len > 0 && sb.s[sb.len - 1] == '\n')
		sb.s[--sb.len] = '\0';
	str_copy(sub->ehlo_kw, sizeof(sub->ehlo_kw), sb.len ? sb.s : "");
	strbuf_free(&sb);
	return sub->ehlo_kw[0] ? sub->ehlo_kw : NULL;
}

/* Worker thread: the slow part. */
static void
auth_work(void *arg)
{
	struct auth_job *j = arg;
	struct crypt_data *cd = xcalloc(1, sizeof(*cd));
	const char *h = crypt_r(j->cred.pass, j->hash, cd);

	j->ok = j->known && h != NULL && h[0] != '*' && strlen(h) == strlen(j->hash) &&
	    CRYPTO_memcmp(h, j->hash, strlen(h)) == 0;
	OPENSSL_cleanse(cd, sizeof(cd[0]));
	free(cd);
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "user|address": a login from there has succeeded before (store ns
 * auth_known, kept 30 days): the real user, who is never slowed down. */
static void
known_key(char *buf, size_t sz, const char *user, const char *addr)
{
	snprintf(buf, sz, "%s|%s", user, addr);
}

/* Loop thread: tell the client. */
static void
auth_done(void *arg)
{
	struct auth_job *j = arg;
	struct vouchd *d = j->d;
	struct smtp_session *s = smtp_server_find(d->smtp, j->sid);
	char esc[LOG_ESC_MAX], key[640];

	log_escape(esc, sizeof(esc), j->cred.user, strlen(j->cred.user));
	if (j->ok) {
		attempt_succeeded(d, j->cred.user, j->addr);
		shared_give_back(d, j, j->shared_ip, j->pair_sum);
		/* not a guess: its turn goes back to the user's rate */
		if (j->rated)
			ratelimit_give_back(d->submit->rate, j->cred.user, strlen(j->cred.user));
		known_key(key, sizeof(key), j->cred.user, j->addr);
		store_req_put(d->store, "auth_known", key, "1", (int64_t)time(NULL) + 30 * 86400,
		    store_done_log, "auth_known_put", j->sid);
		log_info("sid=%016llx event=auth result=pass user=%s client=%s",
		    (unsigned long long)j->sid, esc, j->addr);
		if (s) {
			/* a proof of the session: the user is who it says */
			struct gather *g = smtpd_gather(s);
			struct proof p;
			smtp_session_set_authenticated(s, j->cred.user);
			if (g) {
				proofs_from_auth(&p, j->cred.user);
				gather_add(g, &p);
			}
			/* RFC 4954 6: 235; a user held below RFC 5321's 100
			 * recipients learns it here (DESIGN 6). */
			struct submit_sess *ss = smtpd_submit(s);
			if (ss && user_strict(ss, j->cred.user)) {
				char text[200];
				snprintf(text, sizeof(text),
				    "Authentication successful; this account may send to %lld "
				    "recipients per message under this server's strict rules "
				    "(XSTRICT)",
				    submit_rcpt_limit(ss->cfg, users_find(d->users, j->cred.user)));
				smtp_session_decide(s, 235, "2.7.0", text);
			} else {
				smtp_session_decide(s, 235, "2.7.0", "Authentication successful");
			}
		}
	} else {
		log_info("sid=%016llx event=auth result=fail user=%s client=%s",
		    (unsigned long long)j->sid, esc, j->addr);
		if (s)
			smtp_session_decide(s, 535, "5.7.8", "Authentication credentials invalid");
	}
	smtp_sasl_wipe(&j->cred);
	free(j);
}

/* Refused before any check: the address, or this user from it, is locked. */
static int
refuse_locked(struct vouchd *d, struct smtp_session *s, const char *user, const char *addr)
{
	if (locked(d, NULL, addr)) {
		smtp_session_decide(s, 454, "4.7.0",
		    "Too many failed authentications from your address; try again later");
		return 1;
	}
	if (locked(d, user, addr)) {
		smtp_session_decide(s, 454, "4.7.0",
		    "Too many failed authentications for this user from your address; try again later");
		return 1;
	}
	return 0;
}

/* The check itself: counted now, run on a worker. j is the job's. */
static void
check(struct vouchd *d, struct auth_job *j)
{
	const struct user *u = users_find(d->users, j->cred.user);

	attempt_start(d, j->cred.user, j->addr);
	j->known = u && u->password && !u->locked;
	/* Unknown users are checked against a real hash too, so a reply's
	 * timing does not tell which user names exist. */
	str_copy(j->hash, sizeof(j->hash), j->known ? u->password : d->submit->dummy_hash);
	workq_submit(d->work, auth_work, auth_done, j);
}

/* An attempt held back by the user's rate; it finds its session by id. */
struct auth_wait {
	struct auth_job *job;
	struct event *timer;
	struct auth_wait *prev, *next; /* d->submit->waits */
};

static void
wait_unlink(struct vouchd *d, struct auth_wait *w)
{
	if (w->prev)
		w->prev->next = w->next;
	else
		d->submit->waits = w->next;
	if (w->next)
		w->next->prev = w->prev;
	event_free(w->timer);
	free(w);
}

static void
waited(evutil_socket_t fd, short what, void *arg)
{
	struct auth_wait *w = arg;
	struct auth_job *j = w->job;
	struct vouchd *d = j->d;
	struct smtp_session *s = smtp_server_find(d->smtp, j->sid);

	(void)fd;
	(void)what;
	wait_unlink(d, w);
	if (s == NULL) {
		/* gone: the attempt was never made */
		ratelimit_give_back(d->submit->rate, j->cred.user, strlen(j->cred.user));
	} else if (!refuse_locked(d, s, j->cred.user, j->addr)) {
		shared_attempt(d, j);
		return;
	}
	smtp_sasl_wipe(&j->cred);
	free(j);
}

void
submit_free(struct vouchd *d)
{
	struct submit *sm = d->submit;

	if (sm == NULL)
		return;
	while (sm->waits) {
		struct auth_job *j = sm->waits->job;
		wait_unlink(d, sm->waits);
		smtp_sasl_wipe(&j->cred);
		free(j);
	}
	ratelimit_free(sm->rate);
	hmap_foreach(sm->fails, free_value, NULL);
	hmap_free(sm->fails);
	free(sm);
	d->submit = NULL;
}

static void known_answered(void *owner, uint64_t sid, const struct store_reply *r);

static void
verify(struct submit_sess *ss, struct smtp_session *s, struct smtp_sasl_creds *cred)
{
	struct vouchd *d = ss->d;
	struct auth_job *j;
	const char *addr = smtp_session_peer_addr(s);
	char key[640];

	str_lower(cred->user);
	if (cred->authzid[0] && strcasecmp(cred->authzid, cred->user) != 0) {
		smtp_sasl_wipe(cred);
		smtp_session_decide(s, 535, "5.7.8", "Authorization identity must be the user");
		return;
	}
	if (refuse_locked(d, s, cred->user, addr)) {
		smtp_sasl_wipe(cred);
		return;
	}
	j = xcalloc(1, sizeof(*j));
	j->d = d;
	j->sid = ss->sid;
	str_copy(j->addr, sizeof(j->addr), addr);
	j->cred = *cred;
	smtp_sasl_wipe(cred);
	/* Has this user logged in from here before? The store answers (the
	 * request owns j until then), then rate() goes on. */
	known_key(key, sizeof(key), j->cred.user, addr);
	store_req_get(d->store, "auth_known", key, known_answered, j, j->sid);
}

/*
 * Guesses for one user from many addresses (each under its own limit)
 * are held to auth_user_per_minute: past a burst, each waits for its
 * turn, up to auth_user_max_wait, then 454. Slowed, never locked out:
 * and the real user, from an address it has logged in from, skips
 * the line altogether.
 */
static void
known_answered(void *owner, uint64_t sid, const struct store_reply *r)
{
	struct auth_job *j = owner;
	struct vouchd *d = j->d;
	struct smtp_session *s = smtp_server_find(d->smtp, sid);
	struct submit_sess *ss = s ? smtpd_submit(s) : NULL;
	char esc[LOG_ESC_MAX];
	int64_t wait = 0;

	if (ss == NULL) {
		/* gone before its attempt was made */
		smtp_sasl_wipe(&j->cred);
		free(j);
		return;
	}
	const struct config *cfg = ss->cfg;
	j->rated = r->rc != 1;
	if (j->rated &&
	    !ratelimit_take(d->submit->rate, j->cred.user, strlen(j->cred.user),
	        cfg->auth_user_per_minute, cfg->auth_user_per_minute, now_ms(),
	        cfg->auth_user_max_wait, &wait)) {
		log_warn("sid=%016llx event=auth_throttled user=%s client=%s",
		    (unsigned long long)ss->sid, log_token(esc, sizeof(esc), j->cred.user),
		    j->addr);
		smtp_sasl_wipe(&j->cred);
		free(j);
		smtp_session_decide(s, 454, "4.7.0",
		    "Too many authentication attempts for this user; try again later");
		return;
	}
	if (wait > 0) {
		struct auth_wait *w = xcalloc(1, sizeof(*w));
		struct timeval tv = { (time_t)(wait / 1000), (suseconds_t)((wait % 1000) * 1000) };
		log_info("sid=%016llx event=auth_delayed user=%s client=%s wait_ms=%lld",
		    (unsigned long long)ss->sid, log_token(esc, sizeof(esc), j->cred.user), j->addr,
		    (long long)wait);
		w->job = j;
		w->timer = evtimer_new(d->base, waited, w);
		w->next = d->submit->waits;
		if (w->next)
			w->next->prev = w;
		d->submit->waits = w;
		evtimer_add(w->timer, &tv);
		return;
	}
	shared_attempt(d, j);
}

/* AUTH PLAIN continuation: the client's base64 line. */
static void
plain_line(void *host, struct smtp_session *s, const char *line, size_t len)
{
	struct submit_sess *ss = smtpd_submit(s);
	struct smtp_sasl_creds cred;

	(void)host;
	if (ss == NULL)
		return;
	if (len == 1 && line[0] == '*') {
		smtp_session_decide(s, 501, "5.7.0", "Authentication cancelled");
		return;
	}
	if (smtp_sasl_plain(line, len, &cred) < 0) {
		smtp_sasl_wipe(&cred);
		smtp_session_decide(s, 501, "5.5.2",
		    "Invalid AUTH PLAIN response (base64 of authzid NUL user NUL password)");
		return;
	}
	verify(ss, s, &cred);
}

static void
login_pass(void *host, struct smtp_session *s, const char *line, size_t len)
{
	struct submit_sess *ss = smtpd_submit(s);
	struct smtp_sasl_creds cred;

	(void)host;
	if (ss == NULL)
		return;
	memset(&cred, 0, sizeof(cred));
	if (len == 1 && line[0] == '*') {
		smtp_session_decide(s, 501, "5.7.0", "Authentication cancelled");
		return;
	}
	if (smtp_sasl_b64_decode(line, len, cred.pass, sizeof(cred.pass)) <= 0 ||
	    strlen(cred.pass) == 0) {
		smtp_sasl_wipe(&cred);
		smtp_session_decide(s, 501, "5.5.2", "Invalid base64 password");
		return;
	}
	str_copy(cred.user, sizeof(cred.user), ss->auth_user_pending);
	OPENSSL_cleanse(ss->auth_user_pending, sizeof(ss->auth_user_pending));
	verify(ss, s, &cred);
}

static void
login_user(void *host, struct smtp_session *s, const char *line, size_t len)
{
	struct submit_sess *ss = smtpd_submit(s);

	(void)host;
	if (ss == NULL)
		return;
	if (len == 1 && line[0] == '*') {
		smtp_session_decide(s, 501, "5.7.0", "Authentication cancelled");
		return;
	}
	if (smtp_sasl_b64_decode(line, len, ss->auth_user_pending, sizeof(ss->auth_user_pending)) <=
	        0 ||
	    strlen(ss->auth_user_pending) == 0) {
		smtp_session_decide(s, 501, "5.5.2", "Invalid base64 user name");
		return;
	}
	smtp_session_reply(s, 334, NULL, "UGFzc3dvcmQ6"); /* "Password:" */
	smtp_session_expect_line(s, login_pass);
}

void
submit_auth(struct submit_sess *ss, struct smtp_session *s, const char *arg, size_t len)
{
	const char *sp = memchr(arg, ' ', len);
	size_t mlen = sp ? (size_t)(sp - arg) : len;
	const char *ir = sp ? sp + 1 : NULL;
	size_t irlen = sp ? len - mlen - 1 : 0;
	const char *addr = smtp_session_peer_addr(s);

	if (!ss->offer) {
		smtp_session_decide(s, 502, "5.5.1", "Error: authentication not enabled here");
		return;
	}
	if (!smtp_session_tls(s)) {
		smtp_session_decide(s, 538, "5.7.11",
		    "Encryption required for requested authentication mechanism (use STARTTLS)");
		return;
	}
	if (smtp_session_user(s)) {
		smtp_session_decide(s, 503, "5.5.1", "Error: already authenticated");
		return;
	}
	if (smtp_session_mail(s)) {
		smtp_session_decide(
		    s, 503, "5.5.1", "Error: AUTH not allowed during a mail transaction");
		return;
	}
	if (locked(ss->d, NULL, addr)) {
		smtp_session_decide(s, 454, "4.7.0",
		    "Too many failed authentications from your address; try again later");
		return;
	}
	if (str_nieq(arg, mlen, "PLAIN")) {
		if (ir == NULL) {
			smtp_session_reply(s, 334, NULL, "");
			smtp_session_expect_line(s, plain_line);
			return;
		}
		/* RFC 4954 4: "=" is an empty initial response */
		plain_line(NULL, s, ir, irlen == 1 && ir[0] == '=' ? 0 : irlen);
		return;
	}
	if (str_nieq(arg, mlen, "LOGIN")) {
		if (ir) {
			login_user(NULL, s, ir, irlen);
			return;
		}
		smtp_session_reply(s, 334, NULL, "VXNlcm5hbWU6"); /* "Username:" */
		smtp_session_expect_line(s, login_user);
		return;
	}
	smtp_session_decide(s, 504, "5.5.4", "Unrecognized authentication type");
}

int
submit_init(struct vouchd *d)
{
	struct submit *sm = xcalloc(1, sizeof(*sm));

	d->submit = sm; /* submit_free's, even when this fails */
	sm->fails = hmap_new();
	/* one bucket per user name tried; bounded like the failure table */
	sm->rate = ratelimit_new(100000);
	char salt[CRYPT_GENSALT_OUTPUT_SIZE], pw[33];
	unsigned char r[16];
	struct crypt_data cd;
	const char *h;

	if (RAND_bytes(r, sizeof(r)) != 1)
		return -1;
	for (int i = 0; i < 16; i++)
		snprintf(pw + 2 * i, 3, "%02x", r[i]);
	memset(&cd, 0, sizeof(cd));
	if (crypt_gensalt_rn("$y$", 0, NULL, 0, salt, sizeof(salt)) == NULL ||
	    (h = crypt_r(pw, salt, &cd)) == NULL || h[0] == '*')
		return -1;
	str_copy(sm->dummy_hash, sizeof(sm->dummy_hash), h);
	OPENSSL_cleanse(&cd, sizeof(cd));
	return 0;
}

void
submit_tracking_id(char *buf, size_t bufsz)
{
	unsigned char r[8];
	static const char hex[] = "0123456789abcdef";

	if (RAND_bytes(r, sizeof(r)) != 1 || bufsz < 17) {
		if (bufsz)
			buf[0] = '\0';
		return;
	}
	for (int i = 0; i < 8; i++) {
		buf[2 * i] = hex[r[i] >> 4];
		buf[2 * i + 1] = hex[r[i] & 15];
	}
	buf[16] = '\0';
}
