/*
 * inject: queueing messages vouchd writes itself (postmaster notices,
 * delivery status notifications). They take the same durable path as
 * received mail, and are delivered by the queue manager.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "vouchd.h"
#include "qmgr.h"
#include "inject.h"
#include "outsign.h"
#include "smtp/smtp_addr.h"
#include "local/resolve.h"
#include "msg/received.h"
#include "util/log.h"
#include "util/xmalloc.h"

struct inject_ctx {
	struct vouchd *d;
	struct envelope env;
};

static void
injected(void *arg, int err)
{
	struct inject_ctx *c = arg;

	if (err) {
		log_err("qid=%s event=inject_failed error=\"%s\"", c->env.id, strerror(err));
		envelope_clear(&c->env);
	} else {
		log_info("qid=%s event=queued origin=local nrcpt=%zu%s", c->env.id, c->env.nrcpts,
		    c->env.is_bounce ? " bounce=1" : "");
		qmgr_add(c->d->qmgr, &c->env);
	}
	free(c);
}

int
inject_message(struct vouchd *d, const char *sender, const char *const *rcpts, size_t nrcpts,
    const char *text, size_t len, int is_bounce)
{
	const struct config *cfg = d->cfg;
	struct inject_ctx *c = xcalloc(1, sizeof(*c));
	struct queue_writer *w;
	struct strbuf hdr;
	char err[256];

	envelope_init(&c->env);
	c->d = d;
	for (size_t i = 0; i < nrcpts; i++) {
		const char *at = strrchr(rcpts[i], '@');
		struct resolved res;
		if (at && config_is_local_domain(cfg, at + 1)) {
			char local[SMTP_LOCAL_MAX * 4 + 1];
			size_t ll = (size_t)(at - rcpts[i]);
			if (ll >= sizeof(local))
				continue;
			memcpy(local, rcpts[i], ll);
			local[ll] = '\0';
			if (resolve_address(d->users, d->aliases, &cfg->domains, local, at + 1,
			        &res) != RESOLVE_OK) {
				char esc[LOG_ESC_MAX];
				log_err("event=inject_unknown_recipient rcpt=%s",
				    log_token(esc, sizeof(esc), rcpts[i]));
				continue;
			}
			for (size_t k = 0; k < res.nlocal + res.nremote; k++)
				envelope_add_rcpt(&c->env,
				    k < res.nlocal ? res.local[k] : res.remote[k - res.nlocal],
				    rcpts[i], NULL, 0, k < res.nlocal);
			resolved_clear(&res);
		} else if (at) {
			envelope_add_rcpt(&c->env, rcpts[i], NULL, NULL, 0, 0);
		}
	}
	if (c->env.nrcpts == 0) {
		free(c);
		return -1;
	}
	queue_new_id(d->queue, c->env.id);
	w = queue_writer_new(d->queue, c->env.id, err, sizeof(err));
	if (w == NULL) {
		log_err("event=inject_failed error=\"%s\"", err);
		envelope_clear(&c->env);
		free(c);
		return -1;
	}
	strbuf_init(&hdr, 4096);
	strbuf_printf(
	    &hdr, "Received: by %s (vouch) with local id %s;\r\n\t", cfg->hostname, c->env.id);
	received_date(time(NULL), &hdr);
	strbuf_puts(&hdr, "\r\n");
	queue_writer_write(w, hdr.s, hdr.len);
	queue_writer_write(w, text, len);
	c->env.sender = xstrdup(sender);
	/* our own mail is signed like our users' (outsign.h) */
	struct outsign *os = outsign_new(d, cfg, 1, 0);
	if (os) {
		struct outsign_msg m = { 0, c->env.id, sender, NULL, ARC_CV_NONE };
		struct strbuf head;
		outsign_feed(os, hdr.s, hdr.len);
		outsign_feed(os, text, len);
		strbuf_init(&head, 64 * 1024);
		if (outsign_finish(os, &m, &head) > 0 && head.len)
			c->env.out_head = strbuf_steal(&head);
		strbuf_free(&head);
		outsign_free(os);
	}
	strbuf_free(&hdr);
	c->env.arrival = time(NULL);
	c->env.size = queue_writer_size(w);
	c->env.is_bounce = is_bounce;
	/* A notification quoting an 8-bit message is 8-bit itself (RFC 6152). */
	for (size_t i = 0; i < len && !c->env.body_8bit; i++)
		if ((unsigned char)text[i] >= 0x80)
			c->env.body_8bit = 1;
	queue_writer_commit(w, &c->env, injected, c);
	return 0;
}
