/*
 * fake_smtpd: a scriptable SMTP server on the test's own libevent loop,
 * for unit tests of SMTP clients (address probes, callouts). It listens on
 * 127.0.0.1 on a free port, answers by simple rules, records every command
 * line it receives and counts connections (also how many were open at
 * once). Not a mail server: DATA is refused.
 */
#ifndef VOUCH_TEST_FAKE_SMTPD_H
#define VOUCH_TEST_FAKE_SMTPD_H

#include <stddef.h>

struct event_base;

struct fake_smtpd_rules {
	int pipelining;			/* advertise PIPELINING */
	int banner_code;		/* default 220 */
	int mail_code;			/* reply to MAIL; default 250 */
	int rcpt_known_code;		/* reply to a known recipient; default 250 */
	int rcpt_unknown_code;		/* reply to others; default 550 */
	int catch_all;			/* every recipient is known */
	const char *known[8];		/* known recipients (local@domain), NULL-ended */
	long long hold_ms;		/* wait this long before the banner */
	int drop_after_rcpt;		/* close without a word after the first RCPT */
	int drop_at_rset;		/* close without a word when RSET comes */
	long long hold_quit_ms;		/* wait this long before answering QUIT */
	int silent;			/* accept connections, never say anything */
	/* XVOUCH CHECK <id>: ids it confirms with 250 (prefixes of the id);
	 * others get 550, or 421 and a close once 421_after of them were
	 * refused on the connection (0 = never) */
	const char *vouch_ids[8];
	int check_421_after;
	int close_after_checks;		/* close silently after answering N checks (0 = never) */
};

struct fake_smtpd;

/* Listen on 127.0.0.1:<free port> on base. Rules are copied. */
struct fake_smtpd *fake_smtpd_new(struct event_base *base, const struct fake_smtpd_rules *r);
void fake_smtpd_free(struct fake_smtpd *f);
int fake_smtpd_port(const struct fake_smtpd *f);
/* Every command line received so far, each followed by "\n". */
const char *fake_smtpd_log(const struct fake_smtpd *f);
/* Forget the log and counters. */
void fake_smtpd_reset(struct fake_smtpd *f);
/* Connections accepted so far, and the most open at the same time. */
int fake_smtpd_connections(const struct fake_smtpd *f);
int fake_smtpd_max_open(const struct fake_smtpd *f);
/* Connections open now. */
int fake_smtpd_open(const struct fake_smtpd *f);
/* Count lines of the log starting with prefix. */
int fake_smtpd_count(const struct fake_smtpd *f, const char *prefix);

#endif
