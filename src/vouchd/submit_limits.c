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

static int
send_locked(struct vouchd *d, const struct user *u)
{
	return u == NULL || u->locked || u->send_locked ||
	    store_get(d->store, "sendlock", u->address, NULL, NULL) == 1;
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

int
submit_check_mail(struct submit_sess *ss, struct smtp_session *s, const char *from)
{
	const char *name = smtp_session_user(s);
	const struct user *u;

	if (name == NULL) {
		if (ss->submission) {
			smtp_session_decide(s, 530, "5.7.0", "Authentication required");
			return 1;
		}
		return submit_check_future(ss, s);
	}
	u = users_find(ss->d->users, name);
	if (send_locked(ss->d, u)) {
		smtp_session_decide(s, 550, "5.7.1",
		    "Account locked for sending (daily limit or administrator); contact the postmaster");
		return 1;
	}
	if (!owns(u, from)) {
		char esc[LOG_ESC_MAX];
		log_info("sid=%016llx event=sender_not_owned user=%s from=%s",
		    (unsigned long long)ss->sid, name,
		    log_escape(esc, sizeof(esc), from, strlen(from)));
		smtp_session_decide(s, 553, "5.7.1",
		    "Sender address rejected: not owned by the authenticated user");
		return 1;
	}
	if (submit_check_future(ss, s))
		return 1;
	/* The user's limit is the transaction's, above the listener's
	 * max_recipients too (a privileged user's 1000 is not capped at 100). */
	char text[200];
	long long per_msg = submit_rcpt_limit(ss->cfg, u);
	rcpt_limit_text(text, sizeof(text), per_msg);
	smtp_session_set_rcpt_limit(s, (unsigned)per_msg, text);
	return 0;
}

static void
lock_account(struct vouchd *d, const struct user *u, long long limit, int64_t sent)
{
	char reason[128], pm[300];
	const char *rcpt;
	struct strbuf text;

	/* Sessions in parallel may all reach the limit: one lock, one notice. */
	if (store_get(d->store, "sendlock", u->address, NULL, NULL) == 1)
		return;
	snprintf(reason, sizeof(reason), "daily limit %lld reached (%lld sent in 24h)", limit,
	    (long long)sent);
	store_put(d->store, "sendlock", u->address, reason, 0);
	log_warn("event=account_locked user=%s reason=\"%s\"", u->address, reason);
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
	    d->cfg->hostname, rcpt, u->address, u->address, limit, (long long)sent, u->address,
	    u->address);
	inject_message(d, "", &rcpt, 1, text.s, text.len, 1);
	strbuf_free(&text);
}

int
submit_check_rcpt(struct submit_sess *ss, struct smtp_session *s, int remote)
{
	struct vouchd *d = ss->d;
	const char *name = smtp_session_user(s);
	const struct user *u = name ? users_find(d->users, name) : NULL;
	long long per_msg, per_day;

	if (u == NULL)
		return 0;
	/* The session refuses past the limit MAIL set; the users file may
	 * have been reloaded with a lower one since. */
	per_msg = submit_rcpt_limit(ss->cfg, u);
	per_day = u->max_rcpt_day ? u->max_rcpt_day : ss->cfg->submission_max_rcpt_day;
	if (smtp_session_rcpt_count(s) >= (unsigned)per_msg) {
		char text[200];
		rcpt_limit_text(text, sizeof(text), per_msg);
		smtp_session_decide(s, 452, "4.5.3", text);
		return 1;
	}
	if (!remote)
		return 0; /* local deliveries do not count */
	if (send_locked(d, u)) {
		smtp_session_decide(s, 550, "5.7.1",
		    "Account locked for sending (daily limit or administrator); contact the postmaster");
		return 1;
	}
	/* Reserved now, in one step of the store: sessions in parallel (or
	 * nodes sharing the store) each see the others' reservations. */
	int64_t hour = submit_hour(), sum = 0;
	struct submit_rsv *rsv = &ss->rsv;
	if (rsv->n == 0) {
		rsv->hour = hour;
		str_copy(rsv->user, sizeof(rsv->user), u->address);
	}
	int rc = store_counter_reserve(d->store, rsv->user, rsv->hour, 1, hour - 23, per_day, &sum);
	if (rc < 0) {
		log_warn(
		    "sid=%016llx event=store_error op=rcpt_reserve", (unsigned long long)ss->sid);
		smtp_session_decide(s, 451, "4.3.0",
		    "Cannot count this recipient against the daily limit now; try again later");
		return 1;
	}
	if (rc == 0) {
		lock_account(d, u, per_day, sum);
		smtp_session_decide(s, 550, "5.7.1",
		    "Daily recipient limit reached: account locked for sending; contact the postmaster");
		return 1;
	}
	rsv->n++;
	return 0;
}

void
submit_release(struct vouchd *d, const struct submit_rsv *r)
{
	if (r->n == 0 || r->user[0] == '\0')
		return;
	if (store_counter_reserve(d->store, r->user, r->hour, -(int64_t)r->n, 0, INT64_MAX, NULL) <
	    0) {
		char esc[LOG_ESC_MAX];
		log_warn("event=store_error op=rcpt_release user=%s count=%u",
		    log_token(esc, sizeof(esc), r->user), r->n);
	}
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
	return store_del(d->store, "sendlock", key);
}
