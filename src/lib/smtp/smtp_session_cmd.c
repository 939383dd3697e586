/*
 * smtp_session_cmd: command handling for a server session: the command
 * table with per-command rules, each command's checks, and what happens
 * when the host has decided (see smtp_session.h).
 */
#include "smtp/smtp_session_int.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"
#include "util/xmalloc.h"

/* Per-command rules (Postfix's smtpd_cmd_table, OpenSMTPD's commands[]). */
enum {
	CMD_NO_ARG = 1 << 0,    /* takes no argument */
	CMD_NEED_HELO = 1 << 1, /* only after HELO/EHLO */
	CMD_LOG = 1 << 2,       /* log at info level */
};

typedef void (*cmd_fn)(struct smtp_session *s, const struct smtp_cmd *cmd);

static void cmd_helo(struct smtp_session *s, const struct smtp_cmd *cmd);
static void cmd_mail(struct smtp_session *s, const struct smtp_cmd *cmd);
static void cmd_rcpt(struct smtp_session *s, const struct smtp_cmd *cmd);
static void cmd_data(struct smtp_session *s, const struct smtp_cmd *cmd);
static void cmd_bdat(struct smtp_session *s, const struct smtp_cmd *cmd);
static void cmd_rset(struct smtp_session *s, const struct smtp_cmd *cmd);
static void cmd_noop(struct smtp_session *s, const struct smtp_cmd *cmd);
static void cmd_quit(struct smtp_session *s, const struct smtp_cmd *cmd);
static void cmd_help(struct smtp_session *s, const struct smtp_cmd *cmd);
static void cmd_vrfy(struct smtp_session *s, const struct smtp_cmd *cmd);
static void cmd_expn(struct smtp_session *s, const struct smtp_cmd *cmd);
static void cmd_starttls(struct smtp_session *s, const struct smtp_cmd *cmd);
static void cmd_extra(struct smtp_session *s, const struct smtp_cmd *cmd);

static const struct {
	cmd_fn fn;
	unsigned flags;
} commands[SMTP_VERB_COUNT] = {
	[SMTP_VERB_HELO] = { cmd_helo, CMD_LOG },
	[SMTP_VERB_EHLO] = { cmd_helo, CMD_LOG },
	[SMTP_VERB_MAIL] = { cmd_mail, CMD_NEED_HELO },
	[SMTP_VERB_RCPT] = { cmd_rcpt, CMD_NEED_HELO },
	[SMTP_VERB_DATA] = { cmd_data, CMD_NEED_HELO | CMD_NO_ARG },
	[SMTP_VERB_BDAT] = { cmd_bdat, CMD_NEED_HELO },
	[SMTP_VERB_RSET] = { cmd_rset, CMD_NO_ARG },
	[SMTP_VERB_NOOP] = { cmd_noop, 0 },
	[SMTP_VERB_QUIT] = { cmd_quit, CMD_NO_ARG },
	[SMTP_VERB_HELP] = { cmd_help, 0 },
	[SMTP_VERB_VRFY] = { cmd_vrfy, 0 },
	[SMTP_VERB_EXPN] = { cmd_expn, 0 },
	[SMTP_VERB_STARTTLS] = { cmd_starttls, CMD_NEED_HELO | CMD_NO_ARG | CMD_LOG },
	[SMTP_VERB_AUTH] = { cmd_extra, CMD_NEED_HELO | CMD_LOG },
	[SMTP_VERB_XVOUCH] = { cmd_extra, CMD_NEED_HELO | CMD_LOG },
	[SMTP_VERB_XGEN] = { cmd_extra, CMD_NEED_HELO | CMD_LOG },
};

void
smtp_session_cmd_line(struct smtp_session *s, const char *line, size_t len)
{
	struct smtp_cmd cmd;
	struct smtp_perr err;

	if (smtp_cmd_parse(line, len, &cmd, &err) < 0) {
		if (log_enabled(LOG_LVL_INFO)) {
			char esc[LOG_ESC_MAX];
			log_info("sid=%016llx event=bad_command client=%s line=%s",
			    (unsigned long long)s->id, s->peer_addr,
			    log_escape(esc, 64, line, len));
		}
		smtp_session_error(s, err.code, err.status, err.text);
		return;
	}
	if (commands[cmd.verb].flags & CMD_LOG) {
		char esc[LOG_ESC_MAX];
		log_info("sid=%016llx event=command verb=%s arg=%s", (unsigned long long)s->id,
		    smtp_verb_name(cmd.verb),
		    cmd.verb == SMTP_VERB_AUTH ? "\"(hidden)\""
		                               : log_escape(esc, sizeof(esc), cmd.arg, cmd.arglen));
	}
	if ((commands[cmd.verb].flags & CMD_NO_ARG) && cmd.arglen > 0) {
		smtp_session_error(s, 501, "5.5.4", "Syntax error: no arguments allowed");
		return;
	}
	if ((commands[cmd.verb].flags & CMD_NEED_HELO) && s->state < SMTP_ST_READY) {
		smtp_session_error(s, 503, "5.5.1", "Error: send HELO/EHLO first");
		return;
	}
	commands[cmd.verb].fn(s, &cmd);
}

static void
cmd_helo(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	enum smtp_helo_kind kind;
	struct smtp_perr err;

	if (smtp_cmd_helo(cmd->arg, cmd->arglen, &kind, &err) < 0) {
		smtp_session_error(s, err.code, err.status, err.text);
		return;
	}
	/* RFC 5321 4.1.4: HELO/EHLO resets any transaction. */
	smtp_session_reset_txn(s, 1);
	free(s->helo);
	s->helo = xstrndup(cmd->arg, cmd->arglen < 255 ? cmd->arglen : 255);
	s->esmtp = cmd->verb == SMTP_VERB_EHLO;
	smtp_session_ask(s, SMTP_PEND_HELO);
	s->srv->ops->helo(s->srv->host, s, s->helo, kind, s->esmtp);
}

/* Extensions in effect for this session. */
static unsigned
session_ext(const struct smtp_session *s)
{
	return s->esmtp ? s->conf.ext : 0;
}

static void
cmd_mail(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	struct smtp_mail_args *m;
	struct smtp_perr err;

	if (s->mail != NULL) {
		smtp_session_error(s, 503, "5.5.1", "Error: nested MAIL command");
		return;
	}
	m = xmalloc(sizeof(*m));
	if (smtp_cmd_mail(cmd->arg, cmd->arglen, session_ext(s), m, &err) < 0) {
		free(m);
		smtp_session_error(s, err.code, err.status, err.text);
		return;
	}
	/* RFC 1870 6.1: refuse a declared size over the limit at once. */
	if (m->size >= 0 && (unsigned long long)m->size > s->conf.lim.max_message_size) {
		free(m);
		smtp_session_error(
		    s, 552, "5.3.4", "Message size exceeds fixed maximum message size");
		return;
	}
	if (log_enabled(LOG_LVL_DEBUG)) {
		char addr[600], esc[LOG_ESC_MAX];
		smtp_addr_format(&m->from, addr, sizeof(addr));
		log_debug("sid=%016llx event=mail from=%s", (unsigned long long)s->id,
		    log_escape(esc, sizeof(esc), addr, strlen(addr)));
	}
	s->mail = m;
	smtp_session_ask(s, SMTP_PEND_MAIL);
	s->srv->ops->mail(s->srv->host, s, m);
}

static void
cmd_rcpt(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	struct smtp_rcpt_args *r;
	struct smtp_perr err;

	if (s->mail == NULL || s->pending == SMTP_PEND_MAIL) {
		smtp_session_error(s, 503, "5.5.1", "Error: need MAIL command");
		return;
	}
	if (s->bdat_active || s->bdat_refused) {
		smtp_session_error(s, 503, "5.5.1", "Error: RCPT after BDAT");
		return;
	}
	/* RFC 5321 4.5.3.1.10: too many recipients is a temporary 452. */
	if (s->nrcpt >= s->conf.lim.max_recipients) {
		smtp_session_send(s, 452, "4.5.3",
		    s->rcpt_limit_text[0] ? s->rcpt_limit_text : "Error: too many recipients");
		return;
	}
	r = xmalloc(sizeof(*r));
	if (smtp_cmd_rcpt(cmd->arg, cmd->arglen, session_ext(s), s->mail->smtputf8, r, &err) < 0) {
		free(r);
		smtp_session_error(s, err.code, err.status, err.text);
		return;
	}
	s->rcpt_pending = r;
	smtp_session_ask(s, SMTP_PEND_RCPT);
	s->srv->ops->rcpt(s->srv->host, s, r);
}

static void
cmd_data(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	(void)cmd;
	if (s->mail == NULL) {
		smtp_session_error(s, 503, "5.5.1", "Error: need MAIL command");
		return;
	}
	if (s->bdat_active || s->bdat_refused) {
		smtp_session_error(s, 503, "5.5.1", "Error: DATA after BDAT");
		return;
	}
	if (s->nrcpt == 0) {
		smtp_session_error(s, 554, "5.5.1", "Error: no valid recipients");
		return;
	}
	/*
	 * RFC 2920 3.1: DATA ends a pipelined group; the client must wait for
	 * 354 before sending text. Text already here was sent blind: refuse
	 * it rather than guess where the message and the commands are.
	 */
	if (s->user == NULL && evbuffer_get_length(bufferevent_get_input(s->bev)) > 0) {
		log_info("sid=%016llx event=pipelining_violation client=%s",
		    (unsigned long long)s->id, s->peer_addr);
		smtp_session_send(s, 554, "5.5.0",
		    "Error: improper use of SMTP command pipelining (message text sent before the 354 reply)");
		smtp_session_close(s);
		return;
	}
	smtp_session_ask(s, SMTP_PEND_DATA);
	s->srv->ops->data_start(s->srv->host, s);
}

static void
bdat_refuse(struct smtp_session *s, int code, const char *status, const char *text)
{
	s->bdat_refused = 1;
	s->bdat_refusal.code = code;
	str_copy(s->bdat_refusal_text, sizeof(s->bdat_refusal_text), text);
	s->bdat_refusal.text = s->bdat_refusal_text;
	s->bdat_refusal.status = status;
}

static void
cmd_bdat(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	unsigned long long size;
	int last;
	struct smtp_perr err;

	if (!(session_ext(s) & SMTP_EXT_CHUNKING)) {
		smtp_session_error(s, 502, "5.5.1", "Error: BDAT not offered (use EHLO)");
		return;
	}
	if (smtp_cmd_bdat(cmd->arg, cmd->arglen, &size, &last, &err) < 0) {
		/* Without a size the chunk cannot be skipped: stop here. */
		smtp_session_send(s, err.code, err.status, err.text);
		smtp_session_close(s);
		return;
	}
	s->bdat_left = size;
	s->bdat_last = last;
	int first = !s->bdat_active && !s->bdat_refused;
	if (first) {
		if (s->mail == NULL) {
			/* RFC 3030 2: the chunk is read, then refused. */
			bdat_refuse(s, 503, "5.5.1", "Error: need MAIL command");
		} else if (s->nrcpt == 0) {
			bdat_refuse(s, 554, "5.5.1", "Error: no valid recipients");
		} else {
			smtp_session_data_begin(s, SMTP_DATA_CHUNK);
			smtp_session_ask(s, SMTP_PEND_BDAT);
			s->srv->ops->data_start(s->srv->host, s);
			return;
		}
	}
	smtp_session_set_state(s, SMTP_ST_BDAT);
	s->last_read_ms = smtp_session_now_ms();
	/* Only the first chunk starts the message's clock and its count:
	 * timeout_data and min_data_rate hold for the whole message. */
	if (first || s->mail == NULL) {
		s->data_start_ms = s->last_read_ms;
		s->raw_in = 0;
	}
}

/*
 * NOOP, RSET, VRFY and HELP make no progress; a client may send
 * max_junk_commands of them between two messages (Postfix's
 * smtpd_junk_command_limit), then the session ends. 1 if it did.
 */
static int
junk(struct smtp_session *s)
{
	if (++s->junk <= s->conf.lim.max_junk_commands)
		return 0;
	log_info("sid=%016llx event=too_many_junk_commands client=%s commands=%u",
	    (unsigned long long)s->id, s->peer_addr, s->junk);
	smtp_session_send(s, 421, "4.7.0",
	    "Too many commands without progress (NOOP, RSET, VRFY, HELP), closing connection");
	smtp_session_close(s);
	return 1;
}

static void
cmd_rset(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	(void)cmd;
	if (junk(s))
		return;
	smtp_session_reset_txn(s, 1);
	smtp_session_send(s, 250, "2.0.0", "Ok");
}

static void
cmd_noop(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	(void)cmd;
	if (junk(s))
		return;
	smtp_session_send(s, 250, "2.0.0", "Ok");
}

static void
cmd_quit(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	char text[300];

	(void)cmd;
	snprintf(text, sizeof(text), "%s closing connection", s->conf.hostname);
	smtp_session_send(s, 221, "2.0.0", text);
	smtp_session_close(s);
}

static void
cmd_help(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	(void)cmd;
	if (junk(s))
		return;
	smtp_session_send(s, 214, "2.0.0",
	    "Commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT HELP VRFY\n"
	    "See RFC 5321; vouch also speaks XVOUCH (session vouching)");
}

static void
cmd_vrfy(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	(void)cmd;
	if (junk(s))
		return;
	/* RFC 5321 3.5.3: 252 without disclosing whether the address exists. */
	smtp_session_send(
	    s, 252, "2.5.2", "Cannot VRFY user, but will accept message and attempt delivery");
}

static void
cmd_expn(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	(void)cmd;
	smtp_session_error(s, 502, "5.5.1", "Error: EXPN not available");
}

static void
cmd_starttls(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	(void)cmd;
	if (s->conf.tls == NULL || !s->esmtp) {
		smtp_session_error(s, 502, "5.5.1", "Error: STARTTLS not offered");
		return;
	}
	if (s->tls) {
		smtp_session_error(s, 503, "5.5.1", "Error: TLS already active");
		return;
	}
	if (s->mail != NULL) {
		smtp_session_error(s, 503, "5.5.1", "Error: STARTTLS inside a mail transaction");
		return;
	}
	smtp_session_send(s, 220, "2.0.0", "Ready to start TLS");
	if (smtp_session_tls_start(s) < 0) {
		smtp_session_send(s, 454, "4.7.0", "TLS not available due to temporary reason");
		smtp_session_close(s);
	}
}

static void
cmd_extra(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	if (s->srv->ops->extra == NULL) {
		smtp_session_error(s, 502, "5.5.1", "Error: command not implemented");
		return;
	}
	smtp_session_ask(s, SMTP_PEND_EXTRA);
	s->srv->ops->extra(s->srv->host, s, cmd);
}

void
smtp_session_set_rcpt_limit(struct smtp_session *s, unsigned max, const char *text)
{
	s->conf.lim.max_recipients = max;
	str_copy(s->rcpt_limit_text, sizeof(s->rcpt_limit_text), text ? text : "");
}

/* The EHLO reply: our keywords from the session's extensions, then the host's. */
static void
ehlo_reply(struct smtp_session *s, const char *host_keywords)
{
	struct strbuf sb;
	unsigned ext = s->conf.ext;

	strbuf_init(&sb, 4096);
	strbuf_printf(&sb, "%s greets [%s]\nPIPELINING\n", s->conf.hostname, s->peer_addr);
	if (ext & SMTP_EXT_SIZE)
		strbuf_printf(&sb, "SIZE %llu\n", s->conf.lim.max_message_size);
	if (ext & SMTP_EXT_8BITMIME)
		strbuf_puts(&sb, "8BITMIME\n");
	if (ext & SMTP_EXT_CHUNKING)
		strbuf_puts(&sb, "CHUNKING\n");
	if (ext & SMTP_EXT_BINARYMIME)
		strbuf_puts(&sb, "BINARYMIME\n");
	if (ext & SMTP_EXT_SMTPUTF8)
		strbuf_puts(&sb, "SMTPUTF8\n");
	if (ext & SMTP_EXT_DSN)
		strbuf_puts(&sb, "DSN\n");
	if (s->conf.tls && !s->tls)
		strbuf_puts(&sb, "STARTTLS\n");
	if (s->conf.ehlo_extra[0])
		strbuf_printf(&sb, "%s\n", s->conf.ehlo_extra);
	if (host_keywords && host_keywords[0])
		strbuf_printf(&sb, "%s\n", host_keywords);
	strbuf_puts(&sb, "ENHANCEDSTATUSCODES");
	smtp_session_send(s, 250, NULL, sb.s);
	strbuf_free(&sb);
}

void
smtp_session_cmd_decided(
    struct smtp_session *s, enum smtp_pending p, int code, const char *status, const char *text)
{
	int ok = code >= 200 && code < 400;

	switch (p) {
	case SMTP_PEND_CONNECT:
		if (ok) {
			char greet[512];
			snprintf(greet, sizeof(greet), "%s ESMTP vouch%s%s", s->conf.hostname,
			    s->conf.greeting_extra[0] ? " " : "", s->conf.greeting_extra);
			smtp_session_send(s, 220, NULL, text ? text : greet);
			smtp_session_set_state(s, SMTP_ST_INIT);
		} else {
			smtp_session_send(s, code, status, text);
			smtp_session_close(s);
		}
		return;
	case SMTP_PEND_HELO:
		if (!ok) {
			free(s->helo);
			s->helo = NULL;
			smtp_session_error(s, code, status, text);
			return;
		}
		if (s->esmtp)
			ehlo_reply(s, text);
		else {
			char t[300];
			snprintf(t, sizeof(t), "%s", s->conf.hostname);
			smtp_session_send(s, 250, NULL, t);
		}
		smtp_session_set_state(s, SMTP_ST_READY);
		return;
	case SMTP_PEND_MAIL:
		if (!ok) {
			free(s->mail);
			s->mail = NULL;
			smtp_session_error(s, code, status, text);
			return;
		}
		smtp_session_send(s, code, status, text ? text : "Ok");
		smtp_session_set_state(s, SMTP_ST_MAIL);
		return;
	case SMTP_PEND_RCPT:
		free(s->rcpt_pending);
		s->rcpt_pending = NULL;
		if (!ok) {
			if (code >= 500)
				smtp_session_error(s, code, status, text);
			else
				smtp_session_send(s, code, status, text);
			return;
		}
		s->nrcpt++;
		smtp_session_send(s, code, status, text ? text : "Ok");
		smtp_session_set_state(s, SMTP_ST_RCPT);
		return;
	case SMTP_PEND_DATA:
		if (code != 354) {
			smtp_session_send(s, code, status, text);
			smtp_session_reset_txn(s, 1);
			return;
		}
		smtp_session_send(s, 354, NULL, text ? text : "End data with <CR><LF>.<CR><LF>");
		smtp_session_data_begin(s, SMTP_DATA_DOT);
		smtp_session_set_state(s, SMTP_ST_DATA);
		return;
	case SMTP_PEND_BDAT:
		if (!ok)
			bdat_refuse(s, code, status, text ? text : "Error");
		else
			s->bdat_active = 1;
		smtp_session_set_state(s, SMTP_ST_BDAT);
		s->data_start_ms = s->last_read_ms = smtp_session_now_ms();
		s->raw_in = 0;
		return;
	case SMTP_PEND_DATA_END:
		smtp_session_send(s, code, status, text);
		if (ok)
			s->junk = 0; /* a message accepted is progress */
		/* The transaction is over whatever the answer; the host has
		 * already dealt with its part of it. */
		free(s->mail);
		s->mail = NULL;
		s->nrcpt = 0;
		s->bdat_active = s->bdat_refused = 0;
		smtp_session_set_state(s, SMTP_ST_READY);
		return;
	case SMTP_PEND_EXTRA:
		if (code >= 400 && code != 421 && !s->answer)
			smtp_session_error(s, code, status, text);
		else
			smtp_session_send(s, code, status, text);
		return;
	case SMTP_PEND_NONE: break;
	}
}
