/*
 * reg_mailer: notices out through the relay (see reg_mailer.h).
 */
#include "reg_mailer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "reg_err.h"
#include "reg_notice.h"
#include "reg_server.h"
#include "smtp/smtp_client.h"
#include "util/log.h"
#include "util/netaddr.h"
#include "util/xmalloc.h"

#define GIVE_UP_AFTER (24LL * 3600) /* s after queueing */
#define SEND_TIMEOUT (60LL * 1000)  /* ms per step with the relay */

struct reg_mailer {
	struct event_base *base;
	const struct reg_config *cfg;
	struct reg_db *db;
	struct smtp_client *cli; /* non-NULL while a notice is in flight */
	struct reg_notice n;
	char rcpt[2][320];
	struct smtp_client_rcpt rcpts[2];
	struct smtp_client_msg msg;
	char sender[320];
	int fd;
	int sent_once; /* DONE came: the outcome is in msg */
};

struct reg_mailer *
reg_mailer_new(struct event_base *base, const struct reg_config *cfg, struct reg_db *db)
{
	struct reg_mailer *m;

	if (cfg->notice_relay == NULL || cfg->notice_relay[0] == '\0')
		return NULL;
	m = xcalloc(1, sizeof(*m));
	m->base = base;
	m->cfg = cfg;
	m->db = db;
	m->fd = -1;
	return m;
}

/* The end of one attempt: record it, history line, log; free the client. */
static void
finish(struct reg_mailer *m, const char *status, const char *error)
{
	long long now = (long long)time(NULL);
	char err_esc[LOG_ESC_MAX], to_esc[LOG_ESC_MAX], why[1200], to[700];

	snprintf(to, sizeof(to), "%s%s%s", m->rcpt[0], m->msg.nrcpts > 1 ? ", " : "",
	    m->msg.nrcpts > 1 ? m->rcpt[1] : "");
	if (strcmp(status, "queued") == 0 && now - m->n.created_at >= GIVE_UP_AFTER)
		status = "failed";
	reg_notice_update(m->db, m->n.id, status,
	    strcmp(status, "queued") == 0 ? now + m->cfg->notice_retry / 1000 : 0, error);
	if (strcmp(status, "queued") != 0) {
		struct reg_server s;
		if (reg_server_get_id(m->db, m->n.server_id, &s) == REG_OK) {
			snprintf(why, sizeof(why), "%s notice to %s%s%.300s",
			    reg_notice_kind_name(m->n.kind), to, error && error[0] ? ": " : "",
			    error ? error : "");
			reg_server_history_add(m->db, s.id, "registry",
			    strcmp(status, "sent") == 0 ? "owner notified" : "owner notice failed",
			    s.status, s.status, why);
			reg_server_clear(&s);
		}
	}
	log_info("event=notice_%s id=%lld kind=%s to=%s tries=%d err=%s",
	    strcmp(status, "sent") == 0         ? "sent"
	        : strcmp(status, "failed") == 0 ? "failed"
	                                        : "deferred",
	    m->n.id, reg_notice_kind_name(m->n.kind), log_str(to_esc, sizeof(to_esc), to),
	    m->n.tries + 1, log_str(err_esc, sizeof(err_esc), error ? error : ""));
	if (m->cli) {
		smtp_client_free(m->cli);
		m->cli = NULL;
	}
	if (m->fd >= 0) {
		close(m->fd);
		m->fd = -1;
	}
}

/* Judge the replies of a finished transaction. */
static void
judge(struct reg_mailer *m)
{
	int accepted = 0, temp = 0;
	char err[600] = "";

	if (m->msg.reply.code >= 200 && m->msg.reply.code < 300) {
		for (size_t i = 0; i < m->msg.nrcpts; i++) {
			int code = m->rcpts[i].reply.code;
			if (code >= 200 && code < 300) {
				accepted++;
				continue;
			}
			temp |= code < 500;
			snprintf(err + strlen(err), sizeof(err) - strlen(err), "%s<%s>: %d %.150s",
			    err[0] ? "; " : "", m->rcpts[i].addr, code, m->rcpts[i].reply.text);
		}
	} else {
		temp = m->msg.reply.code == 0 || m->msg.reply.code < 500;
		snprintf(err, sizeof(err), "%d %.300s", m->msg.reply.code, m->msg.reply.text);
	}
	finish(m, accepted ? "sent" : temp ? "queued" : "failed", err);
}

static void
on_client(struct smtp_client *c, enum smtp_client_event ev, void *arg)
{
	struct reg_mailer *m = arg;

	switch (ev) {
	case SMTP_CLIENT_READY: smtp_client_send(c, &m->msg); break;
	case SMTP_CLIENT_DONE:
		m->sent_once = 1;
		judge(m); /* frees the client: no QUIT needed for a relay */
		break;
	case SMTP_CLIENT_FAILED: {
		const struct smtp_client_reply *r = smtp_client_error(c);
		char err[600];
		snprintf(err, sizeof(err), "%d %.500s", r->code, r->text);
		finish(m, r->code >= 500 ? "failed" : "queued", err);
		break;
	}
	case SMTP_CLIENT_CLOSED:
	case SMTP_CLIENT_REPLY: break;
	}
}

void
reg_mailer_kick(struct reg_mailer *m)
{
	struct smtp_client_params p;
	struct sockaddr_storage to;
	socklen_t tol;
	struct strbuf body;
	size_t nrcpt = 0;
	char why[256];
	int rc;

	if (m == NULL || m->cli != NULL)
		return;
	if (reg_notice_next_due(m->db, (long long)time(NULL), &m->n) != REG_OK)
		return;
	strbuf_init(&body, REG_NOTICE_MAX_SIZE);
	rc = reg_notice_build(m->db, m->cfg, &m->n, &body, m->rcpt, &nrcpt);
	if (rc != REG_OK) {
		memset(m->rcpt, 0, sizeof(m->rcpt));
		m->msg.nrcpts = 0;
		finish(m, rc == REG_ETEMP ? "queued" : "failed", "cannot build the message");
		strbuf_free(&body);
		return;
	}
	m->fd = memfd_create("vouch-notice", MFD_CLOEXEC);
	if (m->fd < 0 || write(m->fd, body.s, body.len) != (ssize_t)body.len) {
		snprintf(why, sizeof(why), "cannot stage the message: %s", strerror(errno));
		finish(m, "queued", why);
		strbuf_free(&body);
		return;
	}
	memset(&m->msg, 0, sizeof(m->msg));
	memset(m->rcpts, 0, sizeof(m->rcpts));
	for (size_t i = 0; i < nrcpt; i++)
		m->rcpts[i].addr = m->rcpt[i];
	if (m->cfg->notice_from && m->cfg->notice_from[0])
		str_copy(m->sender, sizeof(m->sender), m->cfg->notice_from);
	else
		snprintf(m->sender, sizeof(m->sender), "registry@%s", m->cfg->zone);
	m->msg.sender = m->sender;
	m->msg.body_fd = m->fd;
	m->msg.body_size = body.len;
	m->msg.body_8bit = 1;
	m->msg.rcpts = m->rcpts;
	m->msg.nrcpts = nrcpt;
	strbuf_free(&body);
	if (netaddr_parse(m->cfg->notice_relay, 1, 65535, &to, &tol, why, sizeof(why)) < 0) {
		finish(m, "failed", why);
		return;
	}
	memset(&p, 0, sizeof(p));
	p.helo = m->cfg->notice_helo && m->cfg->notice_helo[0] ? m->cfg->notice_helo : m->cfg->zone;
	p.peer_name = m->cfg->notice_relay;
	p.timeout_connect = p.timeout_command = p.timeout_data = SEND_TIMEOUT;
	m->sent_once = 0;
	m->cli = smtp_client_new(m->base, (const struct sockaddr *)&to, tol, &p, on_client, m);
}

void
reg_mailer_free(struct reg_mailer *m)
{
	if (m == NULL)
		return;
	smtp_client_free(m->cli);
	if (m->fd >= 0)
		close(m->fd);
	free(m);
}
