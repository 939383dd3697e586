/*
 * listener: per-listener session settings (see listener.h).
 */
#include "listener.h"

#include <event2/listener.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "submit.h"
#include "tls/tls_ctx.h"
#include "tls/tls_trust.h"
#include "util/str.h"

#include <openssl/ssl.h>

int
listener_configure(struct listener *l, const struct config *cfg, const struct listener_config *lc,
    char *err, size_t errsz)
{
	struct smtp_session_conf *c = &l->sconf;
	SSL_CTX *tls = NULL;

	if (lc->tls != LISTENER_TLS_NONE && cfg->tls_cert && *cfg->tls_cert) {
		tls = tls_ctx_server_new(
		    cfg->tls_cert, cfg->tls_key, cfg->tls_ciphers, cfg->tls_client_ca, err, errsz);
		if (tls == NULL)
			return -1;
		/* the certificate chain of trust: a proof, never a refusal */
		struct tls_trust *trust = tls_trust_new((const char *const *)cfg->tls_trust_ca.v,
		    cfg->tls_trust_ca.n, (const char *const *)cfg->tls_trust_crl.v,
		    cfg->tls_trust_crl.n, err, errsz);
		if (trust == NULL && err[0]) {
			SSL_CTX_free(tls);
			return -1;
		}
		if (trust && tls_trust_attach(tls, trust, err, errsz) < 0) {
			SSL_CTX_free(tls);
			return -1;
		}
	}
	if (c->tls)
		SSL_CTX_free(c->tls);
	memset(c, 0, sizeof(*c));
	c->tls = tls;
	c->implicit_tls = tls && lc->tls == LISTENER_TLS_IMPLICIT;
	str_copy(c->listener, sizeof(c->listener), lc->name);
	str_copy(c->hostname, sizeof(c->hostname), cfg->hostname);
	c->ext = SMTP_EXT_SIZE | SMTP_EXT_8BITMIME | SMTP_EXT_SMTPUTF8 | SMTP_EXT_CHUNKING |
	    SMTP_EXT_DSN;
	/* RFC 4865: future release is a submission service */
	if ((lc->submission || lc->auth) && cfg->future_release_max >= 1000)
		c->ext |= SMTP_EXT_FUTURERELEASE;
	/* What the trust layer announces (DESIGN 5.1 and 6). */
	if (lc->mode != CONFIG_MODE_OFF && lc->xvouch && !lc->submission)
		str_copy(c->ehlo_extra, sizeof(c->ehlo_extra), "XVOUCH");
	/* A submission port whose default recipient limit is below RFC 5321's
	 * 100 says so too; a user's own lower limit is told after AUTH. */
	int rcpt_strict = lc->submission && cfg->submission_max_rcpt_msg < SUBMIT_RFC_MIN_RCPT;
	if (lc->strict || rcpt_strict) {
		size_t n = strlen(c->ehlo_extra);
		snprintf(c->ehlo_extra + n, sizeof(c->ehlo_extra) - n, "%sXSTRICT", n ? "\n" : "");
		char rcpt[64] = "";
		if (rcpt_strict)
			snprintf(rcpt, sizeof(rcpt), "at most %lld recipients per message",
			    cfg->submission_max_rcpt_msg);
		snprintf(c->greeting_extra, sizeof(c->greeting_extra), "(strict: %s%s%s)",
		    lc->strict ? "HELO names must be FQDNs that resolve to the client" : "",
		    lc->strict && rcpt_strict ? "; " : "", rcpt);
	}
	c->lim.max_command_line = (size_t)cfg->max_command_line;
	c->lim.max_text_line = (size_t)cfg->max_text_line;
	c->lim.max_recipients = (unsigned)cfg->max_recipients;
	c->lim.max_errors = (unsigned)cfg->max_errors;
	c->lim.max_junk_commands = (unsigned)cfg->max_junk_commands;
	c->lim.max_message_size = (unsigned long long)cfg->max_message_size;
	c->lim.timeout_command = cfg->timeout_command;
	c->lim.timeout_data_block = cfg->timeout_data_block;
	c->lim.timeout_data = cfg->timeout_data;
	c->lim.min_data_rate = (unsigned long long)cfg->min_data_rate;
	c->lim.data_rate_grace = cfg->data_rate_grace;
	return 0;
}

void
listener_free(struct listener *l)
{
	if (l == NULL)
		return;
	if (l->evl)
		evconnlistener_free(l->evl);
	accept_guard_free(&l->guard);
	if (l->sconf.tls)
		SSL_CTX_free(l->sconf.tls);
	free(l->name);
	free(l->address);
	free(l->bound);
	free(l);
}
