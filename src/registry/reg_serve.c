/*
 * reg_serve: the serve loop (see reg_serve.h).
 */
#include "reg_serve.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "reg_certq.h"
#include "reg_dns.h"
#include "reg_err.h"
#include "reg_http.h"
#include "reg_publish.h"
#include "reg_resolve.h"
#include "reg_server.h"
#include "reg_trapcheck.h"
#include "util/log.h"
#include "util/privs.h"

#define POLL_MS 500

struct serve {
	const struct reg_config *cfg;
	struct reg_db *db;
	struct event_base *base;
	struct reg_dns *dns;
	struct reg_certq *certq;
	struct reg_resolve *resolve;
	struct reg_trapcheck *traps;
	struct reg_http *http;
	struct reg_http_ctx ctx;
	uint32_t serial;
	int have_zone;
};

static void
reload(struct serve *s)
{
	struct reg_zone *z;
	struct strbuf err;

	strbuf_init(&err, 1024);
	if (reg_publish_build(s->db, s->cfg, &z, &err) != REG_OK) {
		log_err("event=zone_build_failed err=\"%s\"", err.s ? err.s : "?");
		strbuf_free(&err);
		return;
	}
	strbuf_free(&err);
	s->serial = z->serial;
	s->have_zone = 1;
	reg_dns_set_zone(s->dns, z);
	reg_zone_unref(z);
}

static void
on_zone_changed(void *arg)
{
	reload(arg);
}

static void
on_cert_done(void *arg, const char *hostname, const struct reg_workflow_res *res)
{
	struct serve *s = arg;

	char host_esc[LOG_ESC_MAX], msg_esc[LOG_ESC_MAX];
	log_info("event=certification_done server=%s status=%s msg=%s",
	    log_token(host_esc, sizeof(host_esc), hostname), res->to,
	    log_str(msg_esc, sizeof(msg_esc), res->msg));
	if (res->zone_changed)
		reload(s);
}

/* Another process (the CLI) may have changed the register: follow the serial. */
static void
on_poll(evutil_socket_t fd, short what, void *arg)
{
	struct serve *s = arg;

	(void)fd;
	(void)what;
	if (!s->have_zone || reg_db_serial(s->db) != s->serial)
		reload(s);
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct serve *s = arg;

	(void)what;
	log_info("event=shutdown signal=%d", (int)sig);
	event_base_loopbreak(s->base);
}

/* Servers left in "testing" by a previous run: their tests died with it. */
static void
recover_testing(struct serve *s)
{
	struct reg_server *v;
	size_t n;

	if (reg_server_list(s->db, "testing", &v, &n) != REG_OK)
		return;
	for (size_t i = 0; i < n; i++) {
		struct reg_workflow_res res;
		reg_workflow_certified(s->db, s->cfg, v[i].id, 0,
		    "interrupted: the registry stopped during the tests", &res);
		if (s->cfg->auto_certify && s->certq)
			reg_certq_submit(s->certq, v[i].hostname, 1, &res);
	}
	reg_server_list_free(v, n);
}

/*
 * As root: make the data directory and the database files the user's
 * (never following a link the user planted), then drop to the user for
 * good. The sockets are bound before; the database is opened after.
 */
static int
drop_privileges(const struct reg_config *cfg, struct strbuf *err)
{
	static const char *const files[] = { "", "-wal", "-shm", "-journal" };
	char path[4096], why[512];
	int rc;

	if ((rc = reg_db_make_dir(cfg->data_dir, err)) != REG_OK)
		return -1;
	if (privs_give(cfg->data_dir, 1, cfg->user, why, sizeof(why)) < 0)
		goto fail;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (snprintf(path, sizeof(path), "%s/registry.db%s", cfg->data_dir, files[i]) >=
		    (int)sizeof(path)) {
			strbuf_printf(err, "%s: path too long", cfg->data_dir);
			return -1;
		}
		if (privs_give(path, 0, cfg->user, why, sizeof(why)) < 0)
			goto fail;
	}
	if (privs_drop_to(cfg->user, why, sizeof(why)) < 0)
		goto fail;
	return 0;
fail:
	strbuf_puts(err, why);
	return -1;
}

int
reg_serve_run(const struct reg_config *cfg)
{
	struct serve s;
	struct strbuf err;
	struct event *sigint = NULL, *sigterm = NULL, *poll = NULL;
	struct timeval tv = { POLL_MS / 1000, (POLL_MS % 1000) * 1000 };
	char path[4096], why[512];
	int rc = 1;

	memset(&s, 0, sizeof(s));
	s.cfg = cfg;
	signal(SIGPIPE, SIG_IGN);
	s.base = event_base_new();
	strbuf_init(&err, 4096);
	/* bind first (port 53 needs root), then run unprivileged */
	if ((s.dns = reg_dns_new(s.base, cfg, &err)) == NULL)
		goto out;
	s.ctx.cfg = cfg;
	s.ctx.zone_changed = on_zone_changed;
	s.ctx.zone_arg = &s;
	if ((s.http = reg_http_new(s.base, &s.ctx, &err)) == NULL)
		goto out;
	if (drop_privileges(cfg, &err) < 0)
		goto out;
	if (reg_db_path(cfg->data_dir, path, sizeof(path)) != REG_OK ||
	    reg_db_open(path, &s.db, &err) != REG_OK)
		goto out;
	s.ctx.db = s.db;
	reload(&s);
	if ((s.resolve = reg_resolve_new(s.base, cfg, why, sizeof(why))) == NULL) {
		strbuf_printf(&err, "DNS: %s", why);
		goto out;
	}
	s.ctx.dns = reg_resolve_client(s.resolve);
	s.certq = reg_certq_new(s.base, cfg, s.db, s.ctx.dns, on_cert_done, &s, why, sizeof(why));
	if (s.certq == NULL) {
		strbuf_printf(&err, "certification: %s", why);
		goto out;
	}
	s.ctx.certq = s.certq;
	s.traps = reg_trapcheck_new(s.db, s.ctx.dns);
	s.ctx.traps = s.traps;
	recover_testing(&s);
	sigint = evsignal_new(s.base, SIGINT, on_signal, &s);
	sigterm = evsignal_new(s.base, SIGTERM, on_signal, &s);
	poll = event_new(s.base, -1, EV_PERSIST, on_poll, &s);
	event_add(sigint, NULL);
	event_add(sigterm, NULL);
	event_add(poll, &tv);
	log_info("event=ready zone=%s serial=%u", cfg->zone, s.serial);
	event_base_dispatch(s.base);
	rc = 0;
out:
	if (rc != 0)
		log_err("event=startup_failed err=\"%s\"", err.s ? err.s : "?");
	if (sigint)
		event_free(sigint);
	if (sigterm)
		event_free(sigterm);
	if (poll)
		event_free(poll);
	strbuf_free(&err);
	reg_http_free(s.http);
	reg_certq_free(s.certq);
	reg_trapcheck_free(s.traps);
	reg_resolve_free(s.resolve);
	reg_dns_free(s.dns);
	reg_db_close(s.db);
	event_base_free(s.base);
	return rc;
}
