/*
 * callout_run: the dialogue of one sender callout (see callout.h): the
 * domain's mail hosts from dns_mx, then one SMTP connection at a time to
 * their addresses in order (skipping special addresses unless allowed)
 * until one answers the probe:
 *
 *	MAIL FROM:<>
 *	RCPT TO:<address>
 *	RCPT TO:<random>@domain		(catch-all detection)
 *	RSET
 *	QUIT
 *
 * pipelined when the server offers PIPELINING (RFC 2920). Only connection
 * failures move on to the next address; any reply to the probe decides.
 */
#include "auth/callout_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtp/smtp_cmd.h"
#include "util/ipspecial.h"
#include "util/log.h"
#include "util/str.h"
#include "util/xmalloc.h"

static void try_next(struct callout_check *chk);

static int
is2xx(int code)
{
	return code >= 200 && code < 300;
}

static int
is5xx(int code)
{
	return code >= 500 && code < 600;
}

static void
conn_free(struct callout_conn *cn)
{
	smtp_client_free(cn->c);
	free(cn);
}

void
callout_run_stop(struct callout_check *chk)
{
	dns_mx_free(chk->mx);
	chk->mx = NULL;
	if (chk->conn) {
		conn_free(chk->conn);
		chk->conn = NULL;
	}
}

void
callout_linger_free_all(struct callout *co)
{
	while (co->lingers) {
		struct callout_conn *cn = co->lingers;
		co->lingers = cn->next;
		conn_free(cn);
	}
}

/* The check is answered: say goodbye on the connection, keeping the
 * domain's slot until it is closed. */
static void
linger(struct callout_check *chk)
{
	struct callout_conn *cn = chk->conn;
	struct callout *co = chk->co;

	chk->conn = NULL;
	cn->chk = NULL;
	cn->next = co->lingers;
	co->lingers = cn;
	if (chk->holds_slot) {
		chk->holds_slot = 0;
		str_copy(cn->domain, sizeof(cn->domain), chk->out.domain);
	}
	smtp_client_quit(cn->c);
}

static void
linger_done(struct callout_conn *cn)
{
	struct callout *co = cn->co;

	for (struct callout_conn **pp = &co->lingers; *pp; pp = &(*pp)->next) {
		if (*pp == cn) {
			*pp = cn->next;
			break;
		}
	}
	smtp_client_free(cn->c);
	if (cn->domain[0])
		callout_slot_release(co, cn->domain);
	free(cn);
}

/* "mx.example.com [192.0.2.1]" */
static void
peer_text(const struct callout_check *chk, char *out, size_t outsz)
{
	snprintf(out, outsz, "%s [%s]", chk->out.mx, chk->out.mx_addr);
}

static void
reason(struct callout_check *chk, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
reason(struct callout_check *chk, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(chk->out.reason, sizeof(chk->out.reason), fmt, ap);
	va_end(ap);
}

/* The replies to the probe decide (RFC 5321 4.2.1: the first digit). */
static enum callout_result
judge(struct callout_check *chk)
{
	const struct smtp_client_msg *m = &chk->msg;
	const struct smtp_client_reply *mail = &m->reply, *rcpt = &m->rcpts[0].reply;
	const struct smtp_client_reply *rnd = &m->rcpts[1].reply;
	char peer[DNS_NAME_MAX + INET6_ADDRSTRLEN + 8];

	peer_text(chk, peer, sizeof(peer));
	if (mail->code != 0) {
		chk->out.code = mail->code;
		if (is5xx(mail->code)) {
			/* RFC 5321 4.5.5 and 6.1: a server must accept the null
			 * reverse-path; one that does not takes no bounces either. */
			reason(chk,
			    "%s refused MAIL FROM:<>, so <%s> cannot receive bounces: %d %.200s",
			    peer, chk->out.address, mail->code, mail->text);
			return CALLOUT_FAIL;
		}
		reason(chk, "%s deferred MAIL FROM:<>: %d %.200s", peer, mail->code, mail->text);
		return CALLOUT_TEMPERROR;
	}
	chk->out.code = rcpt->code;
	if (is2xx(rcpt->code)) {
		if (is2xx(rnd->code)) {
			/* Said of the domain: it is cached for every address there. */
			reason(chk,
			    "%s accepts any local part at %s (a random one too): unverifiable",
			    peer, chk->out.domain);
			return CALLOUT_CATCHALL;
		}
		reason(chk, "%s accepted <%s>: %d %.200s", peer, chk->out.address, rcpt->code,
		    rcpt->text);
		return CALLOUT_PASS;
	}
	if (is5xx(rcpt->code)) {
		reason(chk, "%s refused <%s>: %d %.200s", peer, chk->out.address, rcpt->code,
		    rcpt->text);
		return CALLOUT_FAIL;
	}
	reason(chk, "%s deferred <%s>: %d %.200s", peer, chk->out.address, rcpt->code, rcpt->text);
	return CALLOUT_TEMPERROR;
}

static void
send_probe(struct callout_check *chk, struct smtp_client *c)
{
	struct smtp_client_msg *m = &chk->msg;

	memset(m, 0, sizeof(*m));
	memset(chk->rcpt, 0, sizeof(chk->rcpt));
	chk->rcpt[0].addr = chk->rcpt_addr;
	chk->rcpt[1].addr = chk->random_addr;
	m->sender = "";
	m->rcpts = chk->rcpt;
	/* known to refuse unknown users: the catch-all probe tells nothing new */
	m->nrcpts = chk->skip_random ? 1 : 2;
	m->body_fd = -1;
	m->smtputf8 = chk->utf8;
	m->probe = 1;
	chk->sent = 1;
	smtp_client_send(c, m);
}

static void
on_smtp(struct smtp_client *c, enum smtp_client_event ev, void *arg)
{
	struct callout_conn *cn = arg;
	struct callout_check *chk = cn->chk;

	if (chk == NULL) {
		/* Lingering: the goodbye is over, one way or the other. */
		if (ev == SMTP_CLIENT_CLOSED || ev == SMTP_CLIENT_FAILED)
			linger_done(cn);
		return;
	}
	switch (ev) {
	case SMTP_CLIENT_READY:
		if (chk->utf8 && !(smtp_client_info(c)->ext & SMTP_EXT_SMTPUTF8)) {
			char peer[DNS_NAME_MAX + INET6_ADDRSTRLEN + 8];
			peer_text(chk, peer, sizeof(peer));
			reason(chk,
			    "%s does not offer SMTPUTF8, which <%s> needs: cannot verify it", peer,
			    chk->out.address);
			linger(chk);
			callout_finish(chk, CALLOUT_TEMPERROR, CALLOUT_SRC_SMTP);
			return;
		}
		send_probe(chk, c);
		return;
	case SMTP_CLIENT_DONE: {
		enum callout_result r = judge(chk);
		linger(chk);
		callout_finish(chk, r, CALLOUT_SRC_SMTP);
		return;
	}
	case SMTP_CLIENT_FAILED:
	case SMTP_CLIENT_CLOSED:
	default: {
		const struct smtp_client_reply *e = smtp_client_error(c);
		const struct smtp_client_msg *m = &chk->msg;
		/* Replies that came before the connection was lost still count. */
		if (chk->sent &&
		    (is5xx(m->reply.code) || is2xx(m->rcpts[0].reply.code) ||
		        is5xx(m->rcpts[0].reply.code))) {
			callout_finish(chk, judge(chk), CALLOUT_SRC_SMTP);
			return;
		}
		callout_count(chk->co, CALLOUT_C_BAD_CONNECT);
		if (e->code)
			snprintf(chk->last_error, sizeof(chk->last_error), "%s [%s]: %d %.180s",
			    chk->out.mx, chk->out.mx_addr, e->code, e->text);
		else
			snprintf(chk->last_error, sizeof(chk->last_error), "%s [%s]: %.180s",
			    chk->out.mx, chk->out.mx_addr, e->text);
		chk->out.code = e->code;
		if (log_enabled(LOG_LVL_DEBUG)) {
			char addr[LOG_ESC_MAX], why[LOG_ESC_MAX];
			log_debug("event=callout_connect_failed address=%s addr=%s reason=%s",
			    log_escape(
			        addr, sizeof(addr), chk->out.address, strlen(chk->out.address)),
			    chk->out.mx_addr,
			    log_escape(why, sizeof(why), e->text, strlen(e->text)));
		}
		conn_free(cn);
		chk->conn = NULL;
		chk->sent = 0;
		try_next(chk);
		return;
	}
	}
}

/* Connect to the next address allowed, or settle if none is left. */
static void
try_next(struct callout_check *chk)
{
	struct callout *co = chk->co;
	const struct dns_mx_result *r = dns_mx_result(chk->mx);
	size_t skipped = 0;
	char skipped_text[INET6_ADDRSTRLEN + 8] = "";

	while (chk->next_addr < r->naddrs && chk->out.tries < (unsigned)co->cfg.max_tries) {
		const struct dns_mx_addr *a = &r->addrs[chk->next_addr++];
		long long left = chk->deadline - callout_now_ms();
		struct smtp_client_params p;
		struct sockaddr_storage ss;
		socklen_t sl;

		if (!co->cfg.allow_private && ipspecial_range(a->af, &a->u) != NULL) {
			/* Never a weapon against loopback or internal networks:
			 * the filter every outbound check shares (util/ipspecial). */
			if (skipped++ == 0)
				str_copy(skipped_text, sizeof(skipped_text), a->text);
			continue;
		}
		if (left <= 0) {
			reason(chk, "no time left to call %s (callout_timeout)%s%.200s", a->text,
			    chk->last_error[0] ? "; last: " : "", chk->last_error);
			callout_finish(chk, CALLOUT_TEMPERROR,
			    chk->out.tries ? CALLOUT_SRC_SMTP : CALLOUT_SRC_LOCAL);
			return;
		}
		chk->out.tries++;
		str_copy(chk->out.mx, sizeof(chk->out.mx), r->hosts[a->host].name);
		str_copy(chk->out.mx_addr, sizeof(chk->out.mx_addr), a->text);
		memset(&p, 0, sizeof(p));
		p.helo = co->helo;
		p.peer_name = r->hosts[a->host].name;
		p.tls = co->tls;
		if (co->bind_len) {
			p.bind_src = (const struct sockaddr *)&co->bind;
			p.bind_srclen = co->bind_len;
		}
		p.timeout_connect = left < co->cfg.connect_timeout ? left : co->cfg.connect_timeout;
		/* The budget timer (callout_timeout) ends a stalled dialogue; the
		 * client's own timers only back it up. Both at the same instant
		 * made the reason depend on which fired first. */
		p.timeout_command = left + 1000;
		p.timeout_data = left + 1000;
		sl = dns_mx_sockaddr(a, (int)co->cfg.port, &ss);
		chk->conn = xcalloc(1, sizeof(*chk->conn));
		chk->conn->co = co;
		chk->conn->chk = chk;
		if (log_enabled(LOG_LVL_DEBUG)) {
			char addr[LOG_ESC_MAX], mx[LOG_ESC_MAX];
			log_debug("event=callout_connect address=%s mx=%s addr=%s port=%lld",
			    log_escape(
			        addr, sizeof(addr), chk->out.address, strlen(chk->out.address)),
			    log_escape(mx, sizeof(mx), chk->out.mx, strlen(chk->out.mx)),
			    chk->out.mx_addr, co->cfg.port);
		}
		chk->conn->c = smtp_client_new(
		    co->base, (const struct sockaddr *)&ss, sl, &p, on_smtp, chk->conn);
		return;
	}
	if (chk->out.tries == 0) {
		/* Every address was one we do not call: as good as none. */
		reason(chk,
		    "the mail hosts of %s have only loopback, private or special addresses "
		    "(%s%s): not called",
		    chk->out.domain, skipped_text, skipped > 1 ? ", ..." : "");
		callout_finish(chk, CALLOUT_NOMX, CALLOUT_SRC_DNS);
		return;
	}
	chk->unreachable = 1;
	if (chk->deadline - callout_now_ms() <= 0) {
		/* the last attempt ended with the budget: say so, whichever timer
		 * noticed first */
		reason(chk, "no answer within %llds (callout_timeout); last: %.200s",
		    co->cfg.timeout / 1000, chk->last_error);
		callout_finish(chk, CALLOUT_TEMPERROR, CALLOUT_SRC_SMTP);
		return;
	}
	reason(chk, "cannot reach the mail hosts of %s (%u tried): %s", chk->out.domain,
	    chk->out.tries, chk->last_error);
	callout_finish(chk, CALLOUT_TEMPERROR, CALLOUT_SRC_SMTP);
}

static void
on_mx(const struct dns_mx_result *r, void *arg)
{
	struct callout_check *chk = arg;

	str_copy(chk->out.reason, sizeof(chk->out.reason), r->reason);
	switch (r->status) {
	case DNS_MX_FOUND: try_next(chk); return;
	case DNS_MX_NXDOMAIN: callout_finish(chk, CALLOUT_NXDOMAIN, CALLOUT_SRC_DNS); return;
	case DNS_MX_NULL:
		chk->out.null_mx = 1;
		callout_finish(chk, CALLOUT_NOMX, CALLOUT_SRC_DNS);
		return;
	case DNS_MX_NOADDR: callout_finish(chk, CALLOUT_NOMX, CALLOUT_SRC_DNS); return;
	case DNS_MX_TEMPFAIL:
	default: callout_finish(chk, CALLOUT_TEMPERROR, CALLOUT_SRC_DNS); return;
	}
}

void
callout_run_start(struct callout_check *chk)
{
	chk->mx = dns_mx_start(chk->co->dns, chk->out.domain, 0, on_mx, chk);
}
