/*
 * smtp_client_txn: one mail transaction on a client connection: MAIL,
 * RCPT, DATA or BDAT with the body, pipelined when the server allows, and
 * the mapping of every reply onto the recipients (see smtp_client.h).
 */
#include "smtp/smtp_client_int.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "smtp/smtp_cmd.h"
#include "util/log.h"

/* Keep this much of the body queued in the output at most. */
#define BODY_CHUNK (64 * 1024)
#define BODY_HIGH (256 * 1024)

static void
expect(struct smtp_client *c, enum smtp_client_expect e, size_t rcpt)
{
	if (c->nexpect < SMTP_CLIENT_MAX_EXPECT) {
		c->expect[c->nexpect] = e;
		c->expect_rcpt[c->nexpect] = rcpt;
		c->nexpect++;
	}
}

static void
send_mail(struct smtp_client *c)
{
	struct smtp_client_msg *m = c->msg;
	const struct smtp_client_info *in = &c->info;
	char params[400] = "";
	size_t o = 0;

	if ((in->ext & SMTP_EXT_SIZE) && !m->probe)
		o += (size_t)snprintf(params + o, sizeof(params) - o, " SIZE=%llu",
		    (unsigned long long)(m->body_size + m->head_len));
	if (m->body_8bit && (in->ext & SMTP_EXT_8BITMIME))
		o += (size_t)snprintf(params + o, sizeof(params) - o, " BODY=8BITMIME");
	if (m->smtputf8 && (in->ext & SMTP_EXT_SMTPUTF8))
		o += (size_t)snprintf(params + o, sizeof(params) - o, " SMTPUTF8");
	if (in->ext & SMTP_EXT_DSN) {
		if (m->ret)
			o += (size_t)snprintf(params + o, sizeof(params) - o, " RET=%s",
			    m->ret == SMTP_RET_FULL ? "FULL" : "HDRS");
		if (m->envid && o < sizeof(params))
			o +=
			    (size_t)snprintf(params + o, sizeof(params) - o, " ENVID=%s", m->envid);
	}
	smtp_client_write(c, "MAIL FROM:<%s>%s", m->sender, params);
	expect(c, EX_MAIL, 0);
}

static void
send_rcpt(struct smtp_client *c, size_t i)
{
	const struct smtp_client_rcpt *r = &c->msg->rcpts[i];
	char params[700] = "";
	size_t o = 0;

	if (c->info.ext & SMTP_EXT_DSN) {
		if (r->notify & SMTP_NOTIFY_NEVER)
			o += (size_t)snprintf(params + o, sizeof(params) - o, " NOTIFY=NEVER");
		else if (r->notify)
			o += (size_t)snprintf(params + o, sizeof(params) - o, " NOTIFY=%s%s%s",
			    (r->notify & SMTP_NOTIFY_SUCCESS) ? "SUCCESS," : "",
			    (r->notify & SMTP_NOTIFY_FAILURE) ? "FAILURE," : "",
			    (r->notify & SMTP_NOTIFY_DELAY) ? "DELAY," : "");
		if (o && params[o - 1] == ',')
			params[--o] = '\0';
		if (r->orcpt && o < sizeof(params))
			snprintf(params + o, sizeof(params) - o, " ORCPT=%s", r->orcpt);
	}
	smtp_client_write(c, "RCPT TO:<%s>%s", r->addr, params);
	expect(c, EX_RCPT, i);
}

/* DATA or BDAT, and for BDAT the body right away. */
static void
send_data_cmd(struct smtp_client *c)
{
	c->data_sent = 1;
	if (c->body_bdat) {
		smtp_client_write(c, "BDAT %llu LAST",
		    (unsigned long long)(c->msg->body_size - c->msg->body_start +
		        c->msg->head_len));
		expect(c, EX_BDAT, 0);
		smtp_client_set_state(c, CS_BODY);
		smtp_client_txn_pump(c);
		return;
	}
	smtp_client_write(c, "DATA");
	expect(c, EX_DATA, 0);
}

static void
set_reply(struct smtp_client_reply *dst, int code, const char *status, const char *text)
{
	dst->code = code;
	str_copy(dst->status, sizeof(dst->status), status);
	str_copy(dst->text, sizeof(dst->text), text);
}

void
smtp_client_txn_start(struct smtp_client *c)
{
	struct smtp_client_msg *m = c->msg;
	const struct smtp_client_info *in = &c->info;

	c->nexpect = c->expect_pos = 0;
	c->next_rcpt = 0;
	c->accepted = 0;
	c->mail_ok = 0;
	c->data_sent = 0;
	c->body_off = m->body_start < m->body_size ? m->body_start : m->body_size;
	c->body_bol = 1;
	c->body_last_lf = 1;
	c->head_sent = 0;
	m->dsn_passed = (in->ext & SMTP_EXT_DSN) != 0;
	memset(&m->reply, 0, sizeof(m->reply));
	for (size_t i = 0; i < m->nrcpts; i++)
		memset(&m->rcpts[i].reply, 0, sizeof(m->rcpts[i].reply));
	/* What the server cannot take, we do not offer it (RFC 6152, 6531, 1870). */
	if (m->body_8bit && !(in->ext & SMTP_EXT_8BITMIME))
		set_reply(&m->reply, 554, "5.6.3",
		    "the message has 8-bit content and the server does not offer 8BITMIME");
	else if (m->smtputf8 && !(in->ext & SMTP_EXT_SMTPUTF8))
		set_reply(&m->reply, 553, "5.6.7",
		    "the message needs SMTPUTF8 and the server does not offer it");
	else if (in->max_size && m->body_size + m->head_len > in->max_size)
		set_reply(&m->reply, 552, "5.3.4",
		    "the message is larger than the server accepts (SIZE)");
	if (m->reply.code) {
		for (size_t i = 0; i < m->nrcpts; i++)
			m->rcpts[i].reply = m->reply;
		c->msg = NULL;
		smtp_client_set_state(c, CS_READY);
		smtp_client_emit(c, SMTP_CLIENT_DONE);
		return;
	}
	c->body_bdat = (in->ext & SMTP_EXT_CHUNKING) != 0;
	smtp_client_set_state(c, CS_TXN);
	smtp_client_arm(c, c->timeout_command);
	send_mail(c);
	if (in->pipelining) {
		/* RFC 2920 3.1: MAIL, every RCPT and DATA (or BDAT) in one group;
		 * a probe ends its group with RSET instead (RFC 2920 3.1 lets
		 * RSET appear anywhere in a group). */
		for (size_t i = 0; i < m->nrcpts; i++)
			send_rcpt(c, i);
		c->next_rcpt = m->nrcpts;
		if (m->probe) {
			smtp_client_write(c, "RSET");
			expect(c, EX_RSET, 0);
		} else {
			send_data_cmd(c);
		}
	}
}

/* End the transaction and report it. */
static int
finish(struct smtp_client *c)
{
	c->msg = NULL;
	smtp_client_set_state(c, CS_READY);
	evtimer_del(c->timer);
	return smtp_client_emit(c, SMTP_CLIENT_DONE);
}

/* Without a transaction worth finishing: RSET, then report. */
static void
reset(struct smtp_client *c)
{
	smtp_client_set_state(c, CS_RSET);
	c->nexpect = c->expect_pos = 0;
	smtp_client_write(c, "RSET");
	expect(c, EX_RSET, 0);
	smtp_client_arm(c, c->timeout_command);
}

int
smtp_client_txn_reply(struct smtp_client *c, const struct smtp_client_reply *r)
{
	struct smtp_client_msg *m = c->msg;
	int ok = r->code >= 200 && r->code < 300;

	if (c->expect_pos >= c->nexpect) {
		if (r->code == 421) {
			smtp_client_fail(c, r->code, r->status, r->text);
			return 0;
		}
		return 1; /* stray reply */
	}
	enum smtp_client_expect e = c->expect[c->expect_pos];
	size_t ri = c->expect_rcpt[c->expect_pos];
	c->expect_pos++;
	smtp_client_arm(c, c->timeout_command);

	switch (e) {
	case EX_RSET: return finish(c);
	case EX_MAIL:
		c->mail_ok = ok;
		if (!ok) {
			m->reply = *r;
			for (size_t i = 0; i < m->nrcpts; i++)
				m->rcpts[i].reply = *r;
		}
		if (!c->info.pipelining) {
			if (!ok)
				return reset(c), 1;
			send_rcpt(c, c->next_rcpt++);
		}
		return 1;
	case EX_RCPT:
		if (c->mail_ok) {
			m->rcpts[ri].reply = *r;
			if (ok)
				c->accepted++;
		}
		if (!c->info.pipelining) {
			if (c->next_rcpt < m->nrcpts)
				send_rcpt(c, c->next_rcpt++);
			else if (c->accepted == 0 || m->probe)
				reset(c);
			else
				send_data_cmd(c);
		}
		return 1;
	case EX_DATA:
		if (r->code != 354) {
			/* Recipients accepted at RCPT still failed: they share this reply. */
			if (c->mail_ok) {
				m->reply = *r;
				for (size_t i = 0; i < m->nrcpts; i++)
					if (m->rcpts[i].reply.code >= 200 &&
					    m->rcpts[i].reply.code < 300)
						m->rcpts[i].reply = *r;
			}
			reset(c);
			return 1;
		}
		if (!c->mail_ok || c->accepted == 0) {
			/* RFC 2920: a 354 with nobody to deliver to; send an empty end. */
			smtp_client_write(c, ".");
			expect(c, EX_DATA_END, 0);
			return 1;
		}
		smtp_client_set_state(c, CS_BODY);
		expect(c, EX_DATA_END, 0);
		return smtp_client_txn_pump(c);
	case EX_DATA_END:
	case EX_BDAT:
		if (c->mail_ok && c->accepted > 0) {
			m->reply = *r;
			for (size_t i = 0; i < m->nrcpts; i++)
				if (m->rcpts[i].reply.code >= 200 && m->rcpts[i].reply.code < 300)
					m->rcpts[i].reply = *r;
		}
		if (!ok || c->accepted == 0)
			return reset(c), 1;
		return finish(c);
	}
	return 1;
}

/* Queue more of the body; the write callback calls again as it drains. */
int
smtp_client_txn_pump(struct smtp_client *c)
{
	struct smtp_client_msg *m = c->msg;
	struct evbuffer *out = bufferevent_get_output(c->bev);
	char in[BODY_CHUNK];
	char stuffed[2 * BODY_CHUNK + 8];

	if (c->state != CS_BODY || m == NULL)
		return 1;
	if (!c->head_sent) {
		/* whole header fields of ours: no line of them starts with "." */
		c->head_sent = 1;
		if (m->head && m->head_len)
			evbuffer_add(out, m->head, m->head_len);
	}
	while (evbuffer_get_length(out) < BODY_HIGH && c->body_off < m->body_size) {
		size_t want = m->body_size - c->body_off < sizeof(in)
		    ? (size_t)(m->body_size - c->body_off)
		    : sizeof(in);
		ssize_t n = pread(m->body_fd, in, want, (off_t)c->body_off);
		if (n <= 0) {
			smtp_client_fail(c, 0, "4.3.0",
			    n < 0 ? "cannot read the queued message"
			          : "the queued message is shorter than recorded");
			return 0;
		}
		c->body_off += (uint64_t)n;
		if (c->body_bdat) {
			evbuffer_add(out, in, (size_t)n);
			continue;
		}
		/* RFC 5321 4.5.2: double a "." at the start of a line. */
		size_t o = 0;
		for (ssize_t i = 0; i < n; i++) {
			if (c->body_bol && in[i] == '.')
				stuffed[o++] = '.';
			stuffed[o++] = in[i];
			c->body_bol = in[i] == '\n';
		}
		c->body_last_lf = in[n - 1] == '\n';
		evbuffer_add(out, stuffed, o);
	}
	smtp_client_arm(c, c->timeout_command);
	if (c->body_off < m->body_size)
		return 1;
	/* All of it is queued. */
	if (!c->body_bdat) {
		if (!c->body_last_lf)
			evbuffer_add(out, "\r\n", 2);
		evbuffer_add(out, ".\r\n", 3);
	}
	smtp_client_set_state(c, CS_TXN);
	smtp_client_arm(c, c->timeout_data);
	return 1;
}

void
smtp_client_txn_abort(struct smtp_client *c, const struct smtp_client_reply *why)
{
	struct smtp_client_msg *m = c->msg;
	struct smtp_client_reply r = *why;

	if (m == NULL)
		return;
	/* Whatever has no final answer failed temporarily with the connection. */
	if (r.code == 0 || r.code < 400) {
		r.code = 451;
		if (r.status[0] == '\0')
			str_copy(r.status, sizeof(r.status), "4.4.2");
	}
	if (m->reply.code == 0 && !(m->probe && c->mail_ok))
		m->reply = r;
	for (size_t i = 0; i < m->nrcpts; i++) {
		int code = m->rcpts[i].reply.code;
		/* A 250 to RCPT is not a delivery: only the end of data is.
		 * For a probe the RCPT reply is the answer wanted. */
		if (code == 0 || (code >= 200 && code < 300 && !m->probe))
			m->rcpts[i].reply = r;
	}
}
