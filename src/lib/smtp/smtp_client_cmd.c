/*
 * smtp_client_cmd: commands of the caller's between transactions (see
 * smtp_client_command() in smtp_client.h). The reused XVOUCH callback
 * connection sends each new session's "XVOUCH CHECK <id>" this way,
 * pipelined when several wait and the server offers PIPELINING.
 */
#include "smtp/smtp_client_int.h"

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#include "util/xmalloc.h"

/* Write what may go out now: everything queued with PIPELINING, else the
 * next command once the previous one is answered. */
static void
pump(struct smtp_client *c)
{
	while (c->cmd_sent < c->cmd_count && (c->info.pipelining || c->cmd_sent == 0)) {
		const struct smtp_client_cmd *k =
		    &c->cmds[(c->cmd_first + c->cmd_sent) % SMTP_CLIENT_MAX_CMDS];
		smtp_client_write(c, "%s", k->line);
		c->cmd_sent++;
	}
	if (c->cmd_sent > 0)
		smtp_client_arm(c, c->timeout_command);
}

int
smtp_client_command(struct smtp_client *c, const char *line, uint64_t tag)
{
	if ((c->state != CS_READY && c->state != CS_CMD) || c->dead ||
	    c->cmd_count >= SMTP_CLIENT_MAX_CMDS || strpbrk(line, "\r\n") != NULL)
		return -1;
	struct smtp_client_cmd *k = &c->cmds[(c->cmd_first + c->cmd_count) % SMTP_CLIENT_MAX_CMDS];
	k->tag = tag;
	k->line = xstrdup(line);
	c->cmd_count++;
	if (c->state == CS_READY)
		smtp_client_set_state(c, CS_CMD);
	pump(c);
	return 0;
}

size_t
smtp_client_commands_pending(const struct smtp_client *c)
{
	return c->cmd_count;
}

const struct smtp_client_reply *
smtp_client_reply_of(const struct smtp_client *c, uint64_t *tag)
{
	if (tag)
		*tag = c->cmd_tag;
	return &c->cmd_reply;
}

int
smtp_client_cmd_reply(struct smtp_client *c, const struct smtp_client_reply *r)
{
	struct smtp_client_cmd *k = &c->cmds[c->cmd_first];

	if (c->cmd_sent > 0) {
		c->cmd_tag = k->tag;
		c->cmd_reply = *r;
		free(k->line);
		k->line = NULL;
		c->cmd_first = (c->cmd_first + 1) % SMTP_CLIENT_MAX_CMDS;
		c->cmd_count--;
		c->cmd_sent--;
		evtimer_del(c->timer);
		/* ready again before the caller hears the last reply: it may send
		 * a message, more commands, or QUIT from the callback */
		if (c->cmd_count == 0)
			smtp_client_set_state(c, CS_READY);
		if (!smtp_client_emit(c, SMTP_CLIENT_REPLY))
			return 0;
	}
	/* RFC 5321 3.8: 421 means the server closes the channel. */
	if (r->code == 421 && (c->state == CS_CMD || c->state == CS_READY)) {
		smtp_client_fail(c, r->code, r->status, r->text);
		return 0;
	}
	if (c->state == CS_CMD)
		pump(c);
	return c->state != CS_FAILED;
}

void
smtp_client_cmd_clear(struct smtp_client *c)
{
	while (c->cmd_count > 0) {
		free(c->cmds[c->cmd_first].line);
		c->cmds[c->cmd_first].line = NULL;
		c->cmd_first = (c->cmd_first + 1) % SMTP_CLIENT_MAX_CMDS;
		c->cmd_count--;
	}
	c->cmd_sent = 0;
}
