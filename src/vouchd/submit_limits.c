/*
 * submit_limits: what an authenticated user may send: sender addresses
 * the user owns, recipients per message, and remote recipients per 24
 * hours, reserved at RCPT so that parallel sessions cannot pass the limit
 * together (issue 13 item 6), given back when the transaction fails, kept
 * at commit; past the limit the account is locked and the postmaster told.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "vouchd.h"
#include "inject.h"
#include "smtpd.h"
#include "submit_int.h"
#include "smtp/smtp_session.h"
#include "store/store.h"
#include "util/log.h"
#include "util/xmalloc.h"

int64_t
submit_hour(void)
{
	return (int64_t)time(NULL) / 3600;
}

/* Does the user own this sender address? Their own, or a send_as entry
 * (an address, or "@domain" for a whole domain). */
static int
owns(const struct user *u, const char *from)
{
	const char *at = strrchr(from, '@');

	if (*from == '\0' || strcasecmp(from, u->address) == 0)
		return 1;
	if (u->send_as == NULL)
		return 0;
	char *list = xstrdup(u->send_as), *save = NULL;
	int ok = 0;
	for (char *t = strtok_r(list, ",", &save); t && !ok; t = strtok_r(NULL, ",", &save)) {
		if (t[0] == '@')
			ok = at && strcasecmp(at, t) == 0;
		else
			ok = strcasecmp(t, from) == 0;
	}
	free(list);
	return ok;
}

/* Locked by the administrator or in the users file (the store's daily
 * limit lock is asked for separately). */
static int
user_locked(const struct user *u)
{
	return u == NULL || u->locked || u->send_locked;
}

long long
submit_rcpt_limit(const struct config *cfg, const struct user *u)
{
	return u && u->max_rcpt_msg ? u->max_rcpt_msg : cfg->submission_max_rcpt_msg;
}

/* The 452 past the user's limit; one below RFC 5321's 100 says it is one
 * of this server's strict rules (DESIGN 6). */
static void
rcpt_limit_text(char *buf, size_t sz, long long per_msg)
{
	snprintf(buf, sz, "Too many recipients: this account may send to %lld per message%s",
	    per_msg,
	    per_msg < SUBMIT_RFC_MIN_RCPT ? " under this server's strict rules (XSTRICT)" : "");
}

static void
refuse_locked_sender(struct smtp_session *s)
{
	smtp_session_decide(s, 550, "5.7.1",
	    "Account locked for sending (daily limit or administrator); contact the postmaster");
}

/* The store could not say whether the account is locked (store_fallback
 * = tempfail, Redis unreachable): the client tries again later. */
static void
sendlock_unknown(struct smtp_session *s, uint64_t sid)
{
	log_warn("sid=%016llx event=store_error op=sendlock_get action=tempfail",
	    (unsigned long long)sid);
	smtp_session_decide(
	    s, 451, "4.3.0", "Cannot check the account's sending limit now; try again later");
}

/* The session of an answer from the store, and its submission state, or
 * NULL when it has gone. */
static struct submit_sess *
find_sess(struct vouchd *d, uint64_t sid, struct smtp_session **s)
{
	*s = smtp_server_find(d->smtp, sid);
	return *s ? smtpd_submit(*s) : NULL;
}

/* The store's answer on the account's sending lock (MAIL and RCPT ask):
 * the session and its user when it may go on; NULL when the session has
 * gone, or after refusing (locked) or deferring (lock not known). */
static struct submit_sess *
lock_answered(struct vouchd *d, uint64_t sid, const struct store_reply *r, struct smtp_session **s,
    const struct user **u)
{
	struct submit_sess *ss = find_sess(d, sid, s);

	if (ss == NULL)
		return NULL;
	if (r->rc < 0) {
		/* the lock may be set on another node: not known, not passed */
		sendlock_unknown(*s, sid);
		return NULL;
	}
	*u = users_find(d->users, smtp_session_user(*s));
	if (r->rc == 1 || user_locked(*u)) {
		refuse_locked_sender(*s);
		return NULL;
	}
	return ss;
}

static void
mail_lock_answered(void *owner, uint64_t sid, const struct store_reply *r)
{
	struct smtp_session *s;
	const struct user *u;
	struct submit_sess *ss = lock_answered(owner, sid, r, &s, &u);

	if (ss == NULL)
		return;
	if (!owns(u, ss->from)) {
		char esc[LOG_ESC_MAX];
		log_info("sid=%016llx event=sender_not_owned user=%s from=%s",
		    (unsigned long long)ss->sid, u->address,
		    log_escape(esc, sizeof(esc), ss->from, strlen(ss->from)));
		smtp_session_decide(s, 553, "5.7.1",
		    "Sender address rejected: not owned by the authenticated user");
		return;
	}
	if (submit_check_future(ss, s))
		return;
	/* The user's limit is the transaction's, above the listener's
	 * max_recipients too (a privileged user's 1000 is not capped at 100). */
	char text[200];
	long long per_msg = submit_rcpt_limit(ss->cfg, u);
	rcpt_limit_text(text, sizeof(text), per_msg);
	smtp_session_set_rcpt_limit(s, (unsigned)per_msg, text);
	ss->next(s);
}

void
submit_check_mail(
    struct submit_sess *ss, struct smtp_session *s, const char *from, submit_next_fn next)
{
	const char *name = smtp_session_user(s);
	const struct user *u;

	if (name == NULL) {
		if (ss->submission)
			smtp_session_decide(s, 530, "5.7.0", "Authentication required");
		else if (!submit_check_future(ss, s))
			next(s);
		return;
	}
	u = users_find(ss->d->users, name);
	if (user_locked(u)) {
		refuse_locked_sender(s);
		return;
	}
	str_copy(ss->from, sizeof(ss->from), from);
	ss->next = next;
	store_req_get(ss->d->store, "sendlock", u->address, mail_lock_answered, ss->d, ss->sid);
}

/* A lock being made: the request owns it. */
struct lock_ask {
	struct vouchd *d;
	char user[SMTP_PATH_MAX + 1];
	long long limit;
	int64_t sent;
};

static void
locked_answered(void *owner, uint64_t sid, const struct store_reply *r)
{
	struct lock_ask *la = owner;
	struct vouchd *d = la->d;
	char pm[300];
	const char *rcpt;
	struct strbuf text;

	if (r->rc < 0)
		log_warn("sid=%016llx event=store_error op=sendlock_put user=%s",
		    (unsigned long long)sid, la->user);
	/* Sessions in parallel (or nodes) may all reach the limit: one lock,
	 * one notice, from whoever made the lock. */
	if (r->rc != 1) {
		free(la);
		return;
	}
	log_warn("event=account_locked user=%s reason=\"daily limit %lld reached (%lld sent in "
	         "24h)\"",
	    la->user, la->limit, (long long)la->sent);
	rcpt = config_postmaster(d->cfg, pm, sizeof(pm));
	strbuf_init(&text, 8192);
	strbuf_printf(&text,
	    "From: Mail Delivery System <MAILER-DAEMON@%s>\r\n"
	    "To: <%s>\r\n"
	    "Subject: vouch: account %s locked for sending\r\n"
	    "Auto-Submitted: auto-generated\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=us-ascii\r\n"
	    "\r\n"
	    "The account %s has reached its limit of %lld recipients in 24 hours\r\n"
	    "(%lld so far) and can no longer send mail.\r\n"
	    "\r\n"
	    "If this is legitimate, lift the lock with:\r\n"
	    "\r\n"
	    "    vouchctl user unlock %s\r\n"
	    "\r\n"
	    "If not, the account may be compromised: change its password with\r\n"
	    "vouchctl user passwd %s before unlocking it.\r\n",
	    d->cfg->hostname, rcpt, la->user, la->user, la->limit, (long long)la->sent, la->user,
	    la->user);
	inject_message(d, "", &rcpt, 1, text.s, text.len, 1);
	strbuf_free(&text);
	free(la);
}

static void
lock_account(struct vouchd *d, uint64_t sid, const char *user, long long limit, int64_t sent)
{
	struct lock_ask *la = xcalloc(1, sizeof(*la));
	char reason[128];
	struct store_req q = { .op = STORE_OP_PUT_NEW, .ns = "sendlock", .key = user };

	la->d = d;
	str_copy(la->user, sizeof(la->user), user);
	la->limit = limit;
	la->sent = sent;
	snprintf(reason, sizeof(reason), "daily limit %lld reached (%lld sent in 24h)", limit,
	    (long long)sent);
	q.value = reason;
	store_request(d->store, &q, locked_answered, la, sid);
}

/* A recipient being reserved: the request owns it. */
struct rsv_ask {
	struct vouchd *d;
	char user[SMTP_PATH_MAX + 1];
	int64_t hour;
	long long per_day;
};

static void
rcpt_reserved(void *owner, uint64_t sid, const struct store_reply *r)
{
	struct rsv_ask *ra = owner;
	struct vouchd *d = ra->d;
	struct smtp_session *s;
	struct submit_sess *ss = find_sess(d, sid, &s);

	if (ss == NULL || strcmp(ss->rsv.user, ra->user) != 0) {
		/* gone while asking: what it took goes back */
		if (r->rc == 1) {
			struct submit_rsv back = { 1, ra->hour, "" };
			str_copy(back.user, sizeof(back.user), ra->user);
			submit_release(d, &back);
		}
		free(ra);
		return;
	}
	if (r->rc < 0) {
		log_warn("sid=%016llx event=store_error op=rcpt_reserve", (unsigned long long)sid);
		smtp_session_decide(s, 451, "4.3.0",
		    "Cannot count this recipient against the daily limit now; try again later");
	} else if (r->rc == 0) {
		lock_account(d, sid, ra->user, ra->per_day, r->sum);
		smtp_session_decide(s, 550, "5.7.1",
		    "Daily recipient limit reached: account locked for sending; contact the postmaster");
	} else {
		ss->rsv.n++;
		ss->next(s);
	}
	free(ra);
}

static void
rcpt_lock_answered(void *owner, uint64_t sid, const struct store_reply *r)
{
	struct vouchd *d = owner;
	struct smtp_session *s;
	const struct user *u;
	struct submit_sess *ss = lock_answered(d, sid, r, &s, &u);

	if (ss == NULL)
		return;
	/* Reserved now, in one step of the store: sessions in parallel (or
	 * nodes sharing the store) each see the others' reservations. */
	int64_t hour = submit_hour();
	struct submit_rsv *rsv = &ss->rsv;
	struct rsv_ask *ra = xcalloc(1, sizeof(*ra));
	if (rsv->n == 0) {
		rsv->hour = hour;
		str_copy(rsv->user, sizeof(rsv->user), u->address);
	}
	ra->d = d;
	str_copy(ra->user, sizeof(ra->user), rsv->user);
	ra->hour = rsv->hour;
	ra->per_day = u->max_rcpt_day ? u->max_rcpt_day : ss->cfg->submission_max_rcpt_day;
	store_req_counter_reserve(
	    d->store, ra->user, ra->hour, 1, hour - 23, ra->per_day, rcpt_reserved, ra, sid);
}

int
submit_check_rcpt_count(struct submit_sess *ss, struct smtp_session *s)
{
	const char *name = smtp_session_user(s);
	const struct user *u = name ? users_find(ss->d->users, name) : NULL;
	long long per_msg;

	if (u == NULL)
		return 0;
	/* The session refuses past the limit MAIL set; the users file may
	 * have been reloaded with a lower one since. */
	per_msg = submit_rcpt_limit(ss->cfg, u);
	if (smtp_session_rcpt_count(s) >= (unsigned)per_msg) {
		char text[200];
		rcpt_limit_text(text, sizeof(text), per_msg);
		smtp_session_decide(s, 452, "4.5.3", text);
		return 1;
	}
	return 0;
}

void
submit_check_rcpt(struct submit_sess *ss, struct smtp_session *s, int count, submit_next_fn next)
{
	struct vouchd *d = ss->d;
	const char *name = smtp_session_user(s);
	const struct user *u = name ? users_find(d->users, name) : NULL;

	if (submit_check_rcpt_count(ss, s))
		return;
	if (u == NULL || !count) {
		next(s); /* a repeated recipient is not counted again */
		return;
	}
	if (user_locked(u)) {
		refuse_locked_sender(s);
		return;
	}
	ss->next = next;
	store_req_get(d->store, "sendlock", u->address, rcpt_lock_answered, d, ss->sid);
}

void
submit_release(struct vouchd *d, const struct submit_rsv *r)
{
	if (r->n == 0 || r->user[0] == '\0')
		return;
	/* nobody waits; a failure is logged */
	store_req_counter_reserve(d->store, r->user, r->hour, -(int64_t)r->n, 0, INT64_MAX,
	    store_done_log, "rcpt_release", 0);
}

void
submit_txn_take(struct submit_sess *sub, struct submit_rsv *out)
{
	*out = sub->rsv;
	sub->rsv.n = 0;
}

void
submit_txn_release(struct submit_sess *sub)
{
	/* no message: its reserved recipients go back to the daily limit */
	submit_release(sub->d, &sub->rsv);
	sub->rsv.n = 0;
}

void
submit_committed(struct vouchd *d, const char *user, const char *tracking, const char *qid,
    unsigned remote_rcpts)
{
	/* the recipients were counted when reserved, at RCPT: they stay */
	(void)d;
	log_info("qid=%s event=submission user=%s tracking=%s remote_rcpts=%u", qid, user, tracking,
	    remote_rcpts);
}

int
submit_unlock(struct vouchd *d, const char *user)
{
	char key[600];

	str_copy(key, sizeof(key), user);
	str_lower(key);
	char esc[LOG_ESC_MAX];
	log_info("event=account_unlocked user=%s", log_token(esc, sizeof(esc), key));
	store_req_del(d->store, "sendlock", key, store_done_log, "sendlock_del", 0);
	return 0;
}
