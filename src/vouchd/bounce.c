/*
 * bounce: delivery status notifications after an attempt (see bounce.h).
 */
#include "bounce.h"

#include <fcntl.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vouchd.h"
#include "inject.h"
#include "msg/dsn.h"
#include "smtp/smtp_cmd.h"
#include "util/log.h"
#include "util/xmalloc.h"

/* RFC 3461 4.1: without NOTIFY, failures (and, our choice, delays) are
 * reported; NEVER silences everything. */
static int
wants(unsigned notify, unsigned what)
{
	if (notify & SMTP_NOTIFY_NEVER)
		return 0;
	if (notify == 0)
		return what == SMTP_NOTIFY_FAILURE || what == SMTP_NOTIFY_DELAY;
	return (notify & what) != 0;
}

/* The original as queued, whole up to max+1 octets (enough to tell). */
static char *
read_original(struct vouchd *d, const char *id, size_t max, size_t *len)
{
	char *path = queue_body_path(d->queue, id);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *buf;
	ssize_t n;
	size_t got = 0;

	free(path);
	*len = 0;
	if (fd < 0)
		return NULL;
	buf = xmalloc(max + 2);
	while (got < max + 1 && (n = read(fd, buf + got, max + 1 - got)) > 0)
		got += (size_t)n;
	close(fd);
	buf[got] = '\0';
	*len = got;
	return buf;
}

static void
boundary(const char *id, char *out, size_t outsz)
{
	unsigned char r[6];

	if (RAND_bytes(r, sizeof(r)) != 1)
		memset(r, 0x5a, sizeof(r));
	snprintf(out, outsz, "%s.%02x%02x%02x%02x%02x%02x/vouch", id, r[0], r[1], r[2], r[3], r[4],
	    r[5]);
}

int
bounce_after_attempt(struct vouchd *d, struct envelope *e, const unsigned char *outcome)
{
	const struct config *cfg = d->cfg;
	time_t now = time(NULL);
	/* A message held for release (RFC 4865) starts its life when released. */
	int64_t since = e->release_at > e->arrival ? e->release_at : e->arrival;
	int expired = (long long)(now - since) * 1000 >= cfg->queue_lifetime;
	int delay_due = !e->delay_notified && (long long)(now - since) * 1000 >= cfg->delay_warning;
	struct dsn_rcpt *list = xcalloc(e->nrcpts + 1, sizeof(*list));
	size_t n = 0;

	/* Past the lifetime, what is still pending has failed (RFC 3463 4.4.7). */
	for (size_t i = 0; i < e->nrcpts && expired; i++) {
		struct env_rcpt *r = &e->rcpts[i];
		/* held for a challenge: challenge_expiry applies, silently */
		if (r->status != ENV_RCPT_PENDING || r->challenge)
			continue;
		r->status = ENV_RCPT_FAILED;
		r->done_at = now;
		char text[700];
		snprintf(text, sizeof(text), "delivery time expired (%s)",
		    r->error ? r->error : "not delivered in time");
		envelope_rcpt_set_error(r, "4.4.7", text, r->remote_mta);
		char esc[LOG_ESC_MAX];
		log_warn("qid=%s event=expired to=%s", e->id, log_token(esc, sizeof(esc), r->addr));
	}
	for (size_t i = 0; i < e->nrcpts; i++) {
		struct env_rcpt *r = &e->rcpts[i];
		struct dsn_rcpt *x = &list[n];
		int take = 0;

		memset(x, 0, sizeof(*x));
		if (r->status == ENV_RCPT_FAILED &&
		    (outcome[i] == BOUNCE_FAILED || (expired && r->done_at == now))) {
			take = wants(r->notify, SMTP_NOTIFY_FAILURE);
			x->action = DSN_FAILED;
		} else if (r->status == ENV_RCPT_DONE && outcome[i] == BOUNCE_DELIVERED) {
			take = wants(r->notify, SMTP_NOTIFY_SUCCESS);
			x->action = DSN_DELIVERED;
		} else if (r->status == ENV_RCPT_DONE && outcome[i] == BOUNCE_RELAYED) {
			/* RFC 3461 5.2.3: the next hop cannot carry the request on. */
			take = wants(r->notify, SMTP_NOTIFY_SUCCESS);
			x->action = DSN_RELAYED;
		} else if (r->status == ENV_RCPT_PENDING && delay_due && !r->challenge) {
			take = wants(r->notify, SMTP_NOTIFY_DELAY);
			x->action = DSN_DELAYED;
			x->retry_until = (time_t)since + (time_t)(cfg->queue_lifetime / 1000);
		}
		if (!take)
			continue;
		x->orcpt = r->orcpt;
		x->final = r->addr;
		x->status = r->dsn_status;
		x->remote_mta = r->remote_mta;
		x->diagnostic =
		    x->action == DSN_DELIVERED || x->action == DSN_RELAYED ? NULL : r->error;
		x->last_attempt = now;
		n++;
	}
	if (delay_due && envelope_pending(e) > 0)
		e->delay_notified = 1;
	/* Nobody to tell, or nobody who should be told. */
	if (n == 0 || e->sender[0] == '\0' || e->is_bounce || e->sender_spf_fail) {
		if (n && (e->sender[0] == '\0' || e->is_bounce || e->sender_spf_fail))
			log_info("qid=%s event=dsn_suppressed reason=%s", e->id,
			    e->sender[0] == '\0' ? "null_sender"
			        : e->is_bounce   ? "is_bounce"
			                         : "sender_failed_spf");
		free(list);
		return 0;
	}
	struct dsn_info info;
	struct strbuf text;
	char b[128];
	size_t olen = 0;
	char *original = read_original(d, e->id, (size_t)cfg->dsn_max_full, &olen);

	memset(&info, 0, sizeof(info));
	info.reporting_mta = cfg->hostname;
	info.sender = e->sender;
	info.envid = e->envid;
	info.arrival = (time_t)e->arrival;
	info.now = now;
	info.queue_id = e->id;
	info.rcpts = list;
	info.nrcpts = n;
	/* RFC 3461 4.3: RET=HDRS asks for headers only; failures return the
	 * whole message otherwise; other reports need only the headers. */
	info.ret = e->ret == SMTP_RET_HDRS || list[0].action != DSN_FAILED ? DSN_RETURN_HEADERS
	                                                                   : DSN_RETURN_FULL;
	info.original = original ? original : "";
	info.original_len = olen;
	info.max_full = (size_t)cfg->dsn_max_full;
	boundary(e->id, b, sizeof(b));
	info.boundary = b;
	strbuf_init(&text, 256 * 1024 * 1024);
	dsn_compose(&info, &text);
	const char *rcpt = e->sender;
	int rc = inject_message(d, "", &rcpt, 1, text.s, text.len, 1);
	char esc[LOG_ESC_MAX];
	log_info("qid=%s event=dsn to=%s subject=\"%s\" recipients=%zu%s", e->id,
	    log_token(esc, sizeof(esc), e->sender), dsn_subject(list, n), n,
	    rc < 0 ? " error=inject_failed" : "");
	strbuf_free(&text);
	free(original);
	free(list);
	return rc < 0 ? 0 : 1;
}
