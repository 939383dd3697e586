/*
 * challenge_digest: the users' digest of their held mail (challenge_digest;
 * off by default). A recipient who takes mail only from confirmed
 * correspondents would otherwise never learn that a person wrote and did
 * not confirm (their challenge went to a spam folder, they never saw it).
 *
 * At each sweep, the held copies in the queue are gathered by recipient.
 * A recipient gets one digest per challenge_digest period, and only when
 * something was held since their last one: each message's date, sender,
 * From and Subject, when it will be discarded, and the two ways to have
 * it now (write to the sender, or ask the postmaster). The time of the
 * last digest is kept in the store ("challenge_digest" namespace), so a
 * restart does not send it again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "vouchd.h"
#include "challenge_int.h"
#include "inject.h"
#include "qmgr.h"
#include "msg/header_fields.h"
#include "msg/received.h"
#include "policy/challenge_store.h"
#include "queue/queue.h"
#include "store/store.h"
#include "util/log.h"
#include "util/str.h"
#include "util/xmalloc.h"

/* One sweep looks at this many held copies at most; a digest lists this
 * many messages at most (and says how many more there are). */
#define DIGEST_SCAN_MAX 20000
#define DIGEST_LIST_MAX 100
#define DIGEST_HEAD_MAX (32 * 1024)
#define DIGEST_FIELD_MAX 200

struct held_item {
	char qid[ENVELOPE_ID_MAX + 1];
	char rcpt[CHALLENGE_ADDR_MAX];
	char sender[CHALLENGE_ADDR_MAX];
	char challenge[CHALLENGE_ID_LEN + 1];
	char from[DIGEST_FIELD_MAX + 1];
	char subject[DIGEST_FIELD_MAX + 1];
	int64_t arrival;
	size_t seq; /* order of arrival, kept through the sort */
};

struct gather {
	struct vouchd *d;
	struct held_item *v;
	size_t n, cap;
};

/* A field of the held message's header, on one line of printable text:
 * it is the sender's text, put in a message of ours. */
static void
field_of(const char *head, size_t len, const char *name, char *out, size_t outsz)
{
	char raw[1024];

	out[0] = '\0';
	if (head == NULL || header_fields_find(head, len, name, raw, sizeof(raw)) != 1)
		return;
	for (unsigned char *p = (unsigned char *)raw; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			*p = ' ';
	str_copy(out, outsz, str_trim(raw));
}

static char *
read_head(struct vouchd *d, const char *id, size_t *len)
{
	char *path = queue_body_path(d->queue, id);
	FILE *f = path ? fopen(path, "rb") : NULL;
	char *buf = NULL;

	*len = 0;
	if (f) {
		buf = xmalloc(DIGEST_HEAD_MAX);
		*len = fread(buf, 1, DIGEST_HEAD_MAX, f);
		fclose(f);
	}
	free(path);
	return buf;
}

/* The envelopes only (they are in memory); the message files are read
 * for the recipients whose digest is due. */
static int
gather_one(void *arg, struct envelope *env)
{
	struct gather *g = arg;

	for (size_t i = 0; i < env->nrcpts && g->n < DIGEST_SCAN_MAX; i++) {
		const struct env_rcpt *rc = &env->rcpts[i];
		if (rc->challenge == NULL || rc->status != ENV_RCPT_PENDING)
			continue;
		if (g->n == g->cap) {
			g->cap = g->cap ? g->cap * 2 : 64;
			g->v = xrealloc(g->v, g->cap * sizeof(*g->v));
		}
		struct held_item *it = &g->v[g->n];
		memset(it, 0, sizeof(*it));
		str_copy(it->qid, sizeof(it->qid), env->id);
		str_copy(it->rcpt, sizeof(it->rcpt), rc->addr);
		str_copy(it->sender, sizeof(it->sender), env->sender);
		str_copy(it->challenge, sizeof(it->challenge), rc->challenge);
		it->arrival = env->arrival;
		it->seq = g->n++;
	}
	return 0;
}

/* From and Subject of the messages a digest lists. */
static void
read_fields(struct vouchd *d, struct held_item *v, size_t n)
{
	for (size_t i = 0; i < n && i < DIGEST_LIST_MAX; i++) {
		size_t hlen;
		char *head = read_head(d, v[i].qid, &hlen);
		field_of(head, hlen, "From", v[i].from, sizeof(v[i].from));
		field_of(head, hlen, "Subject", v[i].subject, sizeof(v[i].subject));
		free(head);
	}
}

static int
by_rcpt(const void *a, const void *b)
{
	const struct held_item *x = a, *y = b;
	int c = strcasecmp(x->rcpt, y->rcpt);

	return c ? c : (x->seq < y->seq ? -1 : x->seq > y->seq);
}

static void
utc(int64_t t, char *out, size_t outsz)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL || strftime(out, outsz, "%Y-%m-%d %H:%M UTC", &tm) == 0)
		str_copy(out, outsz, "?");
}

static void
compose(struct vouchd *d, const struct held_item *v, size_t n, int64_t last, struct strbuf *m)
{
	const struct config *cfg = d->cfg;
	char when[40], until[40];

	strbuf_printf(m, "From: Mail System <MAILER-DAEMON@%s>\r\n", cfg->hostname);
	strbuf_printf(m, "To: <%s>\r\n", v[0].rcpt);
	strbuf_printf(m, "Subject: %zu message%s held for you until the sender confirms\r\n", n,
	    n == 1 ? "" : "s");
	strbuf_puts(m, "Date: ");
	received_date(time(NULL), m);
	strbuf_printf(m, "\r\nMessage-ID: <digest.%lld.%zu@%s>\r\n", (long long)time(NULL),
	    v[0].seq, cfg->hostname);
	strbuf_puts(m,
	    "Auto-Submitted: auto-generated\r\n"
	    "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: 8bit\r\n\r\n");
	strbuf_printf(m,
	    "You take mail only from correspondents who have confirmed themselves\r\n"
	    "once. These messages came from senders who have not (yet): each was\r\n"
	    "asked to confirm, and a message whose sender confirms comes to your\r\n"
	    "INBOX by itself. One whose sender does not is discarded on the day\r\n"
	    "shown, without a bounce.\r\n\r\n");
	for (size_t i = 0; i < n && i < DIGEST_LIST_MAX; i++) {
		struct challenge_rec rec;
		utc(v[i].arrival, when, sizeof(when));
		if (challenge_store_get(d->store, v[i].challenge, &rec) == 1)
			utc(rec.expires, until, sizeof(until));
		else
			str_copy(until, sizeof(until), "?");
		strbuf_printf(m, "* %s%s\r\n  From: %s\r\n  Subject: %s\r\n", when,
		    v[i].arrival > last ? " (new)" : "", v[i].from[0] ? v[i].from : "(none)",
		    v[i].subject[0] ? v[i].subject : "(none)");
		strbuf_printf(m, "  Return path: <%s>, challenge %s, discarded %s\r\n\r\n",
		    v[i].sender, v[i].challenge, until);
	}
	if (n > DIGEST_LIST_MAX)
		strbuf_printf(m, "... and %zu more.\r\n\r\n", n - DIGEST_LIST_MAX);
	strbuf_puts(m,
	    "To have a message now, write to its sender from your account: everyone\r\n"
	    "you write to joins your whitelist, and what they sent you is delivered\r\n"
	    "at once. Your postmaster can also release one with\r\n"
	    "\"vouchctl challenge release CHALLENGE\".\r\n");
}

/* One recipient's held copies v[0..n): a digest if one is due. */
static int
digest_one(struct vouchd *d, struct held_item *v, size_t n, int64_t now)
{
	const struct config *cfg = d->cfg;
	int64_t period = cfg->challenge.digest / 1000, last = 0, newest = 0;
	char *val = NULL, stamp[32], esc[LOG_ESC_MAX];
	const char *rcpts[1] = { v[0].rcpt };
	struct strbuf m;
	int r;

	if (users_find(d->users, v[0].rcpt) == NULL)
		return 0; /* an alias's copy: its user is who gets mail */
	r = store_get(d->store, "challenge_digest", v[0].rcpt, &val, NULL);
	if (r < 0)
		return 0; /* the store failed: rather none than one per sweep */
	if (r == 1)
		last = strtoll(val, NULL, 10);
	free(val);
	for (size_t i = 0; i < n; i++)
		newest = v[i].arrival > newest ? v[i].arrival : newest;
	if (newest <= last || (last > 0 && now - last < period))
		return 0;
	snprintf(stamp, sizeof(stamp), "%lld", (long long)now);
	/* kept while anything it listed can still be held, and a period more */
	if (store_put(d->store, "challenge_digest", v[0].rcpt, stamp,
	        now + cfg->challenge.expiry / 1000 + period) < 0)
		return 0;
	read_fields(d, v, n);
	strbuf_init(&m, 16 * 1024);
	compose(d, v, n, last, &m);
	if (m.len == 0 || inject_message(d, "", rcpts, 1, m.s, m.len, 0) < 0)
		log_err("event=challenge_digest_failed user=%s",
		    log_token(esc, sizeof(esc), v[0].rcpt));
	else
		log_info("event=challenge_digest user=%s held=%zu",
		    log_token(esc, sizeof(esc), v[0].rcpt), n);
	strbuf_free(&m);
	return 1;
}

void
challenge_digest_sweep(struct vouchd *d)
{
	struct gather g = { d, NULL, 0, 0 };
	size_t sent = 0;
	int64_t now = (int64_t)time(NULL);

	if (d->cfg->challenge.digest <= 0)
		return;
	qmgr_visit(d->qmgr, gather_one, &g);
	qsort(g.v, g.n, sizeof(*g.v), by_rcpt);
	for (size_t i = 0, j; i < g.n; i = j) {
		for (j = i + 1; j < g.n && strcasecmp(g.v[j].rcpt, g.v[i].rcpt) == 0; j++)
			;
		sent += (size_t)digest_one(d, &g.v[i], j - i, now);
	}
	log_debug("event=challenge_digest_sweep held=%zu digests=%zu", g.n, sent);
	free(g.v);
}
