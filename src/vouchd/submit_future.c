/*
 * submit_future: RFC 4865 future message release on submission. The
 * EHLO keyword with this server's limits, the check of MAIL's HOLDFOR /
 * HOLDUNTIL against them (the parser in smtp/smtp_cmd.c has checked the
 * syntax), and the release time the queue keeps in the envelope.
 */
#include <stdio.h>
#include <time.h>

#include "vouchd.h"
#include "submit_int.h"
#include "smtp/smtp_session.h"
#include "util/log.h"

/* The longest hold, in whole seconds. */
static long long
max_hold_s(const struct config *cfg)
{
	return cfg->future_release_max / 1000;
}

/* Offered where the listener has it (submission and AUTH listeners) to
 * a session that may use it: a submission port's, or an authenticated one. */
static int
offered(const struct submit_sess *sub, struct smtp_session *s)
{
	return (smtp_session_conf(s)->ext & SMTP_EXT_FUTURERELEASE) && max_hold_s(sub->cfg) > 0 &&
	    (sub->submission || smtp_session_user(s) != NULL);
}

void
submit_future_keyword(const struct submit_sess *sub, struct smtp_session *s, struct strbuf *sb)
{
	char until[40];

	if (!offered(sub, s))
		return;
	/* RFC 4865 3: FUTURERELEASE max-future-release-interval
	 * max-future-release-date-time */
	smtp_datetime_format((long long)time(NULL) + max_hold_s(sub->cfg), until, sizeof(until));
	strbuf_printf(sb, "FUTURERELEASE %lld %s\n", max_hold_s(sub->cfg), until);
}

int
submit_check_future(struct submit_sess *ss, struct smtp_session *s)
{
	const struct smtp_mail_args *m = smtp_session_mail(s);
	long long now = (long long)time(NULL), max = max_hold_s(ss->cfg);
	char text[200], when[40];

	if (m == NULL || (m->holdfor < 0 && m->holduntil == 0))
		return 0;
	if (!offered(ss, s)) {
		/* RFC 4865 1: a submission service; never on relay or MX sessions */
		smtp_session_decide(
		    s, 555, "5.5.4", "HOLDFOR and HOLDUNTIL are for authenticated submission only");
		return 1;
	}
	/* RFC 4865 4: a hold beyond what the server offered is refused
	 * (554, 5.5.4: the parameter's value is not acceptable) */
	if (m->holdfor > max) {
		snprintf(text, sizeof(text),
		    "Requested release interval of %lld seconds exceeds this server's maximum of "
		    "%lld seconds",
		    m->holdfor, max);
		smtp_session_decide(s, 554, "5.5.4", text);
		return 1;
	}
	if (m->holduntil && m->holduntil <= now) {
		smtp_session_decide(s, 554, "5.5.4", "Requested release time is in the past");
		return 1;
	}
	if (m->holduntil > now + max) {
		smtp_datetime_format(now + max, when, sizeof(when));
		snprintf(text, sizeof(text),
		    "Requested release time is beyond this server's maximum of %s", when);
		smtp_session_decide(s, 554, "5.5.4", text);
		return 1;
	}
	return 0;
}

int64_t
submit_release_at(struct smtp_session *s, int64_t now)
{
	const struct smtp_mail_args *m = smtp_session_mail(s);
	struct timespec ts;

	if (m == NULL)
		return 0;
	/* Counted from the message's acceptance, rounded up to the next whole
	 * second: RFC 4865 3 says not before, and the queue keeps seconds. */
	if (m->holdfor > 0) {
		clock_gettime(CLOCK_REALTIME, &ts);
		return (ts.tv_sec > now ? (int64_t)ts.tv_sec : now) + (ts.tv_nsec > 0) + m->holdfor;
	}
	if (m->holduntil > now)
		return m->holduntil;
	return 0;
}
