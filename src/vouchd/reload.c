/*
 * reload: loading the local tables, SIGHUP reconfiguration, and the
 * orderly shutdown on SIGTERM.
 */
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vouchd.h"
#include "reload.h"
#include "listen.h"
#include "lists.h"
#include "listener.h"
#include "msgauth.h"
#include "outbound.h"
#include "outsign.h"
#include "qmgr.h"
#include "smtp/smtp_session.h"
#include "xgen.h"
#include "xvouch.h"
#include "fdlimit.h"
#include "util/log.h"

int
vouchd_load_tables(struct vouchd *d, const struct config *cfg, char *err, size_t errsz)
{
	struct strbuf errs;
	struct users *u;
	struct aliases *a;

	/* the signing and SRS keys first: a key that does not load keeps the old ones */
	if (outsign_load(d, cfg, err, errsz) < 0)
		return -1;
	strbuf_init(&errs, 64 * 1024);
	u = users_load(cfg->users, (uid_t)-1, &errs);
	a = u ? aliases_load(cfg->aliases, &errs) : NULL;
	if (u == NULL || a == NULL) {
		snprintf(err, errsz, "%s", errs.s ? str_trim(errs.s) : "cannot load tables");
		strbuf_free(&errs);
		users_free(u);
		aliases_free(a);
		return -1;
	}
	strbuf_free(&errs);
	users_free(d->users);
	aliases_free(d->aliases);
	d->users = u;
	d->aliases = a;
	log_info("event=tables_loaded users=%zu aliases=%s", users_count(u),
	    cfg->aliases[0] ? cfg->aliases : "none");
	return 0;
}

void
vouchd_reload(struct vouchd *d)
{
	struct strbuf errs;
	struct config *cfg;
	char err[1024];

	strbuf_init(&errs, 1 << 20);
	cfg = config_load_overrides(d->config_path, d->overrides, d->noverrides, &errs);
	if (cfg == NULL) {
		/* Keep serving with the configuration we have. */
		log_err("event=reload_failed errors=\"%s\"", errs.s ? str_trim(errs.s) : "?");
		strbuf_free(&errs);
		return;
	}
	strbuf_free(&errs);
	if (strcmp(cfg->data_dir, d->cfg->data_dir) != 0 || strcmp(cfg->user, d->cfg->user) != 0)
		log_warn(
		    "event=reload_partial reason=\"data_dir and user change only on restart\"");
	if (memcmp(&cfg->callout, &d->callout_cfg, sizeof(cfg->callout)) != 0)
		log_warn(
		    "event=reload_partial reason=\"callout_* settings change only on restart\"");
	if (vouchd_load_tables(d, cfg, err, sizeof(err)) < 0) {
		log_err("event=reload_failed errors=\"%s\"", err);
		config_free(cfg);
		return;
	}
	/* max_connections may have changed: the limit (unprivileged now: up
	 * to the hard one) and the sessions allowed follow */
	if (fdlimit_apply(d, cfg, err, sizeof(err)) < 0) {
		log_err("event=reload_failed errors=\"%s\"", err);
		config_free(cfg);
		return;
	}
	config_ref(cfg);
	config_unref(d->cfg);
	d->cfg = cfg;
	log_set_level(d->debug ? LOG_LVL_DEBUG : (enum log_level)cfg->log_level);
	for (struct listener *l = d->listeners; l; l = l->next) {
		const struct listener_config *lc = NULL;
		for (size_t i = 0; i < cfg->nlisteners; i++)
			if (strcmp(cfg->listeners[i].name, l->name) == 0)
				lc = &cfg->listeners[i];
		if (lc == NULL || strcmp(lc->address, l->address) != 0) {
			log_warn(
			    "event=reload_partial listener=%s reason=\"listener addresses change only on restart\"",
			    l->name);
			if (lc == NULL)
				continue;
		}
		if (listener_configure(l, cfg, lc, err, sizeof(err)) < 0)
			log_err(
			    "event=reload_listener_failed listener=%s error=\"%s\"", l->name, err);
	}
	if (lists_load(d, err, sizeof(err)) < 0)
		log_err("event=reload_lists_failed error=\"%s\"", err);
	if (d->outbound && outbound_reconfigure(d->outbound, err, sizeof(err)) < 0)
		log_err("event=reload_outbound_failed error=\"%s\"", err);
	/* new limits, port, name and TLS context for callbacks, at once */
	if (d->xvcheck)
		xvouch_configure(d);
	xgen_configure(d);
	msgauth_service_reload(d);
	log_info("event=reloaded config=%s", cfg->path ? cfg->path : "embedded");
}

static void
shutdown_check(evutil_socket_t fd, short what, void *arg)
{
	struct vouchd *d = arg;
	static int ticks;
	long long waited = (long long)(++ticks) * 100;

	(void)fd;
	(void)what;
	if ((smtp_server_count(d->smtp) == 0 && qmgr_busy(d->qmgr) == 0) ||
	    waited >= d->cfg->shutdown_timeout) {
		if (smtp_server_count(d->smtp) > 0)
			log_warn("event=shutdown_forced sessions=%zu", smtp_server_count(d->smtp));
		event_base_loopexit(d->base, NULL);
	}
}

void
vouchd_shutdown(struct vouchd *d)
{
	struct timeval tick = { 0, 100000 };

	if (d->stopping)
		return;
	d->stopping = 1;
	log_info("event=shutdown sessions=%zu", smtp_server_count(d->smtp));
	listen_close_all(d);
	smtp_server_shutdown(d->smtp, "Service shutting down, try again later");
	d->shutdown_timer = event_new(d->base, -1, EV_PERSIST, shutdown_check, d);
	event_add(d->shutdown_timer, &tick);
	shutdown_check(-1, 0, d);
}
