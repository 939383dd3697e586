/*
 * xgen_fetch: our own software generation (DESIGN 5.2), kept current
 * from the authority's signed releases (auth/gen_publish.h): every
 * xgen_refresh the TXT record at xgen_publish_name is asked for and a
 * release that verifies with xgen_authority_key, is newer and follows on
 * from the generation held is taken, and remembered in
 * <data_dir>/state/xgen so a restart keeps it. The configured
 * generation is the floor: a configuration naming a newer one wins.
 */
#include "xgen.h"

#include <event2/event.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vouchd.h"
#include "auth/gen.h"
#include "auth/gen_publish.h"
#include "dns/dns.h"
#include "dns/dns_result.h"
#include "util/log.h"
#include "util/safefile.h"
#include "util/str.h"
#include "util/xmalloc.h"

struct xgen_fetch {
	struct vouchd *d;
	EVP_PKEY *key;
	struct event *timer;
	uint64_t query;
	char name[256];
	long long every; /* ms */
	long long max_step;
};

static void
state_path(const struct config *cfg, char *out, size_t outsz)
{
	snprintf(out, outsz, "%s/state/xgen", cfg->data_dir);
}

/* The release remembered from an earlier run, if it follows on from the
 * configured generation. */
static void
state_load(struct vouchd *d, const struct config *cfg)
{
	char path[4096], buf[128], err[300];
	uint8_t ours[GEN_COOKIE_LEN], theirs[GEN_COOKIE_LEN];
	long long g;
	ssize_t n;
	int fd;

	state_path(cfg, path, sizeof(path));
	if ((fd = safefile_open_read(path, (uid_t)-1, err, sizeof(err))) < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	if (gen_parse(buf, strlen(buf), &g, theirs) < 0 ||
	    gen_unhex(cfg->xgen_cookie, strlen(cfg->xgen_cookie), ours) < 0)
		return;
	if (g < d->xgen_g &&
	    gen_verify(d->xgen_g, ours, 0, cfg->xgen_max_newer, g, theirs) == GEN_NEWER) {
		d->xgen_g = g;
		gen_hex(theirs, d->xgen_cookie);
		log_info("event=xgen_release source=state generation=%lld", g);
	}
}

static void
state_save(const struct vouchd *d)
{
	char path[4096], buf[128], err[300];
	int n = snprintf(buf, sizeof(buf), "%lld %s\n", d->xgen_g, d->xgen_cookie);

	state_path(d->cfg, path, sizeof(path));
	if (safefile_write(path, buf, (size_t)n, 0600, (uid_t)-1, (gid_t)-1, (uid_t)-1, err,
	        sizeof(err)) < 0) {
		char esc[LOG_ESC_MAX];
		log_warn("event=xgen_state_failed error=%s", log_str(esc, sizeof(esc), err));
	}
}

static void arm(struct xgen_fetch *f);

static void
on_txt(struct dns_result *res, void *arg)
{
	struct xgen_fetch *f = arg;
	struct vouchd *d = f->d;
	uint8_t held[GEN_COOKIE_LEN], c[GEN_COOKIE_LEN];
	char why[200], esc[LOG_ESC_MAX], name[LOG_ESC_MAX];
	long long g;

	f->query = 0;
	if (res->status != DNS_ANSWER) {
		log_info("event=xgen_fetch name=%s result=%s",
		    log_token(name, sizeof(name), f->name), dns_status_name(res->status));
		dns_result_free(res);
		arm(f);
		return;
	}
	gen_unhex(d->xgen_cookie, strlen(d->xgen_cookie), held);
	for (size_t i = 0; i < res->nrr; i++) {
		if (res->rr[i].type != DNS_T_TXT)
			continue;
		enum gen_publish_result r = gen_publish_judge(f->key, res->rr[i].u.txt.data,
		    res->rr[i].u.txt.len, d->xgen_g, held, f->max_step, &g, c, why, sizeof(why));
		if (r == GEN_PUBLISH_SYNTAX)
			continue; /* another TXT record at the name */
		log_info("event=xgen_fetch name=%s result=%s generation=%lld our_generation=%lld "
		         "reason=%s",
		    log_token(name, sizeof(name), f->name), gen_publish_result_name(r), g,
		    d->xgen_g, log_str(esc, sizeof(esc), why));
		if (r == GEN_PUBLISH_NEWER) {
			d->xgen_g = g;
			gen_hex(c, d->xgen_cookie);
			memcpy(held, c, sizeof(held));
			state_save(d);
			log_info("event=xgen_release source=dns generation=%lld", g);
		}
	}
	dns_result_free(res);
	arm(f);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct xgen_fetch *f = arg;

	(void)fd;
	(void)what;
	f->query = dns_client_lookup(f->d->dns, f->name, DNS_T_TXT, on_txt, f);
}

static void
arm(struct xgen_fetch *f)
{
	struct timeval tv = { (time_t)(f->every / 1000), (suseconds_t)(f->every % 1000) * 1000 };

	evtimer_add(f->timer, &tv);
}

void
xgen_fetch_free(struct vouchd *d)
{
	struct xgen_fetch *f = d->xgen_fetch;

	if (f == NULL)
		return;
	if (f->query)
		dns_client_cancel(d->dns, f->query);
	if (f->timer)
		event_free(f->timer);
	EVP_PKEY_free(f->key);
	free(f);
	d->xgen_fetch = NULL;
}

void
xgen_configure(struct vouchd *d)
{
	const struct config *cfg = d->cfg;
	char err[300];

	xgen_fetch_free(d);
	if (cfg->xgen_generation < 0) {
		d->xgen_g = -1;
		d->xgen_cookie[0] = '\0';
		return;
	}
	/* the configured generation, unless what we hold is newer and on
	 * its chain (a release fetched before this reload or restart) */
	uint8_t cfgc[GEN_COOKIE_LEN], held[GEN_COOKIE_LEN];
	int keep = d->xgen_g >= 0 && d->xgen_g < cfg->xgen_generation &&
	    gen_unhex(cfg->xgen_cookie, strlen(cfg->xgen_cookie), cfgc) == 0 &&
	    gen_unhex(d->xgen_cookie, strlen(d->xgen_cookie), held) == 0 &&
	    gen_verify(cfg->xgen_generation, cfgc, 0, cfg->xgen_max_newer, d->xgen_g, held) ==
	        GEN_NEWER;
	if (!keep) {
		d->xgen_g = cfg->xgen_generation;
		str_copy(d->xgen_cookie, sizeof(d->xgen_cookie), cfg->xgen_cookie);
		state_load(d, cfg);
	}
	if (cfg->xgen_publish_name == NULL || cfg->xgen_publish_name[0] == '\0')
		return;
	struct xgen_fetch *f = xcalloc(1, sizeof(*f));
	f->d = d;
	f->key = gen_publish_key_load(cfg->xgen_authority_key, 0, err, sizeof(err));
	if (f->key == NULL) {
		char esc[LOG_ESC_MAX];
		log_err("event=xgen_fetch_off key=xgen_authority_key error=%s",
		    log_str(esc, sizeof(esc), err));
		free(f);
		return;
	}
	str_copy(f->name, sizeof(f->name), cfg->xgen_publish_name);
	f->every = cfg->xgen_refresh;
	f->max_step = cfg->xgen_max_newer;
	f->timer = evtimer_new(d->base, on_timer, f);
	d->xgen_fetch = f;
	/* the first look at once, then every xgen_refresh */
	on_timer(-1, 0, f);
}
