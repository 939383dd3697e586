/*
 * vouchd: the vouch MTA daemon. Start-up in the order privileges demand:
 * read the configuration, bind the sockets as root, prepare the data
 * directory, drop root for good, then start the queue, the delivery
 * agents, the control socket and the event loop.
 */
#include <event2/event.h>
#include <event2/thread.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vouchd.h"
#include "challenge.h"
#include "ctl.h"
#include "fdlimit.h"
#include "local.h"
#include "metrics.h"
#include "outbound.h"
#include "qmgr.h"
#include "dns/dns.h"
#include "gather.h"
#include "dmarcrep.h"
#include "msgauth.h"
#include "listen.h"
#include "lists.h"
#include "privs.h"
#include "reload.h"
#include "outsign.h"
#include "smtpd.h"
#include "submit.h"
#include "xgen.h"
#include "xvouch.h"
#include "store/store.h"
#include "util/workq.h"
#include "smtp/smtp_session.h"
#include "util/hmap.h"
#include "util/log.h"

/* Usage on stdout when asked for (--help, exit 0), on stderr after a mistake. */
static void
usage(FILE *out, int status)
{
	fprintf(out,
	    "usage: vouchd [-c FILE] [-o KEY=VALUE]... [-n] [-d]\n"
	    "  -c FILE        configuration file (default: embedded defaults)\n"
	    "  -o K=V         override a top-level setting (after the file)\n"
	    "  -n             check the configuration, print it, and exit\n"
	    "  -d             log at debug level\n"
	    "  -h, --help     print this and exit\n"
	    "  -V, --version  print the version and exit\n");
	exit(status);
}

static const struct option long_options[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct vouchd *d = arg;

	(void)what;
	if (sig == SIGHUP) {
		log_info("event=signal name=HUP");
		vouchd_reload(d);
	} else {
		log_info("event=signal name=%s", sig == SIGTERM ? "TERM" : "INT");
		vouchd_shutdown(d);
	}
}

static void
recovered(void *arg, const char *id)
{
	struct vouchd *d = arg;

	qmgr_add_id(d->qmgr, id);
}

/* milliseconds on the monotonic clock, for the start-up time in the log */
static long long
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
start(struct vouchd *d)
{
	char err[1024];
	const struct config *cfg = d->cfg;
	long long t0 = mono_ms();

	evthread_use_pthreads();
	d->base = event_base_new();
	if (d->base == NULL) {
		log_err("event=startup error=\"cannot create the event loop\"");
		return -1;
	}
	d->per_ip = hmap_new();
	d->smtp = smtpd_new(d);
	/* as root: raise RLIMIT_NOFILE for max_connections, or fit to it */
	if (fdlimit_apply(d, cfg, err, sizeof(err)) < 0) {
		log_err("event=startup error=\"%s\"", err);
		return -1;
	}
	/* the metrics endpoint binds as root too, like the SMTP listeners */
	if (listen_open_all(d, err, sizeof(err)) < 0 ||
	    (d->metrics = metrics_new(d, err, sizeof(err))) == NULL ||
	    (d->challenge = challenge_new(d, err, sizeof(err))) == NULL ||
	    privs_prepare_dirs(cfg, err, sizeof(err)) < 0 ||
	    privs_drop(cfg, err, sizeof(err)) < 0) {
		log_err("event=startup error=\"%s\"", err);
		return -1;
	}
	d->commit = commit_new(d->base, cfg->data_dir, cfg->commit_delay, err, sizeof(err));
	if (d->commit == NULL ||
	    (d->queue = queue_open(cfg->data_dir, d->commit, err, sizeof(err))) == NULL ||
	    vouchd_load_tables(d, cfg, err, sizeof(err)) < 0) {
		log_err("event=startup error=\"%s\"", err);
		return -1;
	}
	{
		struct strbuf path;
		strbuf_init(&path, 8192);
		strbuf_printf(&path, "%s/state/vouch.db", cfg->data_dir);
		d->local_store = store_open_sqlite(path.s, err, sizeof(err));
		strbuf_free(&path);
		if (d->local_store == NULL) {
			log_err("event=startup error=\"state database: %s\"", err);
			return -1;
		}
		d->store = d->local_store;
		if (cfg->store.url && strncmp(cfg->store.url, "redis://", 8) == 0) {
			/* shared with the cluster's other nodes (docs/operations.md) */
			d->store = store_open_redis(cfg->store.url, cfg->store.password_file,
			    cfg->store.timeout, d->base, err, sizeof(err));
			if (d->store == NULL) {
				log_err("event=startup error=\"store: %s\"", err);
				return -1;
			}
			if (cfg->store.fallback == STORE_FALLBACK_LOCAL)
				d->store = store_with_fallback(d->store, d->local_store);
		}
	}
	/* statistics: loaded from the state database, saved every minute */
	metrics_start(d->metrics);
	if (lists_load(d, err, sizeof(err)) < 0) {
		log_err("event=startup error=\"allow_networks: %s\"", err);
		return -1;
	}
	d->work = workq_new(d->base, 2);
	if (d->work == NULL || submit_init(d) < 0) {
		log_err("event=startup error=\"cannot start worker threads\"");
		return -1;
	}
	d->local = local_pool_new(d->commit, (int)cfg->local_delivery_threads);
	if (d->local == NULL) {
		log_err("event=startup error=\"cannot start delivery threads\"");
		return -1;
	}
	d->dns = dns_client_new(d->base, &cfg->dns, err, sizeof(err));
	if (d->dns == NULL) {
		log_err("event=startup error=\"DNS: %s\"", err);
		return -1;
	}
	/* our generation, and the authority's releases (xgen_publish_name) */
	d->xgen_g = -1;
	xgen_configure(d);
	msgauth_service_start(d);
	dmarcrep_start(d);
	if (gather_service_start(d, err, sizeof(err)) < 0) {
		log_err("event=startup error=\"callouts: %s\"", err);
		return -1;
	}
	d->outbound = outbound_new(d, err, sizeof(err));
	if (d->outbound == NULL) {
		log_err("event=startup error=\"outbound: %s\"", err);
		return -1;
	}
	/* after the lists and the outbound agent (its TLS context) */
	xvouch_start(d);
	lists_sync_start(d);
	d->qmgr = qmgr_new(d);
	if (challenge_start(d->challenge, err, sizeof(err)) < 0) {
		log_err("event=startup error=\"%s\"", err);
		return -1;
	}
	size_t n = queue_recover(d->queue, recovered, d);
	d->ctl = ctl_new(d, cfg->control_socket, err, sizeof(err));
	if (d->ctl == NULL) {
		log_err("event=startup error=\"%s\"", err);
		return -1;
	}
	signal(SIGPIPE, SIG_IGN);
	d->sig_term = evsignal_new(d->base, SIGTERM, on_signal, d);
	d->sig_int = evsignal_new(d->base, SIGINT, on_signal, d);
	d->sig_hup = evsignal_new(d->base, SIGHUP, on_signal, d);
	evsignal_add(d->sig_term, NULL);
	evsignal_add(d->sig_int, NULL);
	evsignal_add(d->sig_hup, NULL);
	d->started = time(NULL);
	log_info("event=started hostname=%s data_dir=%s queued=%zu domains=%zu pid=%ld "
	         "startup_ms=%lld",
	    cfg->hostname, cfg->data_dir, n, cfg->domains.n, (long)getpid(), mono_ms() - t0);
	return 0;
}

static void
stop(struct vouchd *d)
{
	listen_close_all(d);
	ctl_free(d->ctl);
	challenge_free(d->challenge);
	d->challenge = NULL;
	/* Workers first (they feed the commit thread), then the commits
	 * (their callbacks reach the sessions and the queue manager). */
	local_pool_free(d->local);
	workq_free(d->work);
	submit_free(d);
	/* Connections still out report back (as temporary failures) before
	 * the queue manager goes. */
	outbound_free(d->outbound);
	commit_free(d->commit);
	qmgr_free(d->qmgr);
	gather_service_stop(d);
	dmarcrep_stop(d); /* before the DNS client its checks use */
	msgauth_service_stop(d);
	xgen_fetch_free(d);
	dns_client_free(d->dns);
	smtp_server_free(d->smtp);
	xvouch_stop(d); /* after the sessions, which cancel their checks */
	queue_close(d->queue);
	metrics_free(d->metrics); /* saves the statistics: before the store closes */
	users_free(d->users);
	aliases_free(d->aliases);
	outsign_unload(d);
	lists_sync_stop(d);
	lists_free(d);
	if (d->store != d->local_store)
		store_close(d->store);
	store_close(d->local_store);
	hmap_free(d->per_ip);
	if (d->sig_term) {
		event_free(d->sig_term);
		event_free(d->sig_int);
		event_free(d->sig_hup);
	}
	if (d->shutdown_timer)
		event_free(d->shutdown_timer);
	if (d->base)
		event_base_free(d->base);
	config_unref(d->cfg);
}

int
main(int argc, char **argv)
{
	struct vouchd d;
	int check = 0, c, rc = 0;
	struct strbuf errs;

	memset(&d, 0, sizeof(d));
	/*
	 * One umask for the whole life of the process, set while it has one
	 * thread: nothing vouchd creates is readable by others (files that
	 * must be private say 0600 themselves). umask is process-wide, so it
	 * is never changed again once threads run.
	 */
	umask(027);
	while ((c = getopt_long(argc, argv, "c:o:ndhV", long_options, NULL)) != -1) {
		switch (c) {
		case 'c': d.config_path = optarg; break;
		case 'o':
			d.overrides = realloc(d.overrides, (d.noverrides + 1) * sizeof(char *));
			if (d.overrides == NULL)
				return 1;
			d.overrides[d.noverrides++] = optarg;
			break;
		case 'n': check = 1; break;
		case 'd': d.debug = 1; break;
		case 'h': usage(stdout, 0); break;
		case 'V': printf("vouchd %s\n", VOUCH_VERSION); return 0;
		default: usage(stderr, 2);
		}
	}
	if (optind != argc)
		usage(stderr, 2);

	strbuf_init(&errs, 1 << 20);
	d.cfg = config_load_overrides(d.config_path, d.overrides, d.noverrides, &errs);
	if (d.cfg == NULL) {
		fputs(errs.s ? errs.s : "configuration error\n", stderr);
		strbuf_free(&errs);
		return 1;
	}
	strbuf_free(&errs);
	config_ref(d.cfg);
	if (check) {
		struct strbuf out;
		strbuf_init(&out, 1 << 20);
		config_print(d.cfg, &out);
		fputs(out.s, stdout);
		strbuf_free(&out);
		config_unref(d.cfg);
		free(d.overrides);
		return 0;
	}
	log_init("vouchd", d.debug ? LOG_LVL_DEBUG : (enum log_level)d.cfg->log_level,
	    d.cfg->log_to == CONFIG_LOG_STDERR       ? LOG_SINK_STDERR
	        : d.cfg->log_to == CONFIG_LOG_SYSLOG ? LOG_SINK_SYSLOG
	                                             : LOG_SINK_STDERR | LOG_SINK_SYSLOG);
	if (start(&d) == 0) {
		event_base_dispatch(d.base);
		log_info("event=stopped");
	} else {
		rc = 1;
	}
	stop(&d);
	free(d.overrides);
	return rc;
}
