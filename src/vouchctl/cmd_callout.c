/*
 * vouchctl callout: sender callouts from the command line, made exactly as
 * vouchd makes them (callout.h): the callout_* and dns_* settings of the
 * configuration, the same limits, and the same cache in the state database
 * (<data_dir>/state/vouch.db), so a result found here is one vouchd will
 * not ask again, and the other way round. All addresses given are called
 * at once, so the per-domain limit and the queue can be watched.
 *
 * Output, one block per address in the order given:
 *
 *	ADDRESS RESULT			pass, fail, catchall, nomx, nxdomain, temperror
 *	reason TEXT
 *	source SOURCE			smtp, dns, cache-address, cache-domain, local
 *	mx HOST ADDRESS			the mail host that answered or was tried last
 *	tries N				connection attempts
 *	queued yes|no			waited for a slot (callout_max_per_domain/_total)
 *	cached until TIME | cached no
 *
 * and with --stats the service's counters at the end, "stat NAME N". Exit 0
 * when the callouts ran (whatever their results), 2 on usage errors, 1
 * when DNS or the state database could not be set up.
 */
#include <event2/event.h>
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "auth/callout.h"
#include "config/config.h"
#include "dns/dns.h"
#include "store/store.h"
#include "util/safefile.h"
#include "util/log.h"
#include "vouchctl.h"

/* Addresses called at once. */
#define MAX_ADDRESSES 64

static int
usage(void)
{
	fprintf(stderr,
	    "usage: vouchctl [-c FILE] callout ADDRESS... [--resolver HOST[:PORT]]\n"
	    "                [--port N] [--allow-private] [--max-per-domain N]\n"
	    "                [--helo NAME] [--no-cache] [--forget] [--stats]\n"
	    "  --no-cache  use a cache in memory, not the state database\n"
	    "  --forget    drop what the cache holds for these addresses and domains first\n");
	return 2;
}

/* Text on one line: control characters become '?'. */
static void
put_line(const char *prefix, const char *s)
{
	fputs(prefix, stdout);
	for (; *s; s++)
		putchar((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s);
	putchar('\n');
}

struct answer {
	int done;
};

static void
on_answer(const struct callout_outcome *o, void *arg)
{
	((struct answer *)arg)->done = 1;
}

/*
 * The state database is vouchd's, in <data_dir>/state, which vouchd's
 * user owns: root would follow whatever that account put at its names
 * (the database, its -wal and -shm files) and make or give away files
 * elsewhere. So root only makes the folder if it is missing, the way
 * vouchd does (through descriptors, never following a symlink), and the
 * check then runs as that user, for good: it needs nothing of root's.
 */
static int
become_user(const struct config *cfg, int no_cache)
{
	struct passwd *pw;
	char path[4200], leaf[256], err[600];
	int dfd = -1, fd = -1;

	if (geteuid() != 0)
		return 0;
	pw = getpwnam(cfg->user);
	if (pw == NULL || pw->pw_uid == 0) {
		fprintf(stderr, "vouchctl callout: user '%s' %s: set 'user'\n", cfg->user,
		    pw ? "is root" : "does not exist");
		return -1;
	}
	snprintf(path, sizeof(path), "%s/state", cfg->data_dir);
	if (no_cache)
		dfd = fd = 0; /* nothing on disk */
	else if ((dfd = safefile_open_dir(
	              path, pw->pw_uid, leaf, sizeof(leaf), err, sizeof(err))) >= 0) {
		fd = safefile_own_dir(
		    dfd, leaf, path, 0750, pw->pw_uid, pw->pw_gid, err, sizeof(err));
		close(dfd);
		if (fd >= 0)
			close(fd);
	}
	if (dfd < 0 || fd < 0) {
		fprintf(stderr, "vouchctl callout: %s\n", err);
		return -1;
	}
	if (setgroups(1, &pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0 ||
	    setuid(0) == 0) {
		fprintf(
		    stderr, "vouchctl callout: cannot become %s: %s\n", cfg->user, strerror(errno));
		return -1;
	}
	return 0;
}

static struct store *
open_store(const struct config *cfg, int no_cache)
{
	char dir[4096], path[4200], err[300];
	struct store *s;

	if (no_cache)
		return store_open_memory();
	if ((size_t)snprintf(dir, sizeof(dir), "%s/state", cfg->data_dir) >= sizeof(dir))
		return NULL;
	mkdir(dir, 0750);
	snprintf(path, sizeof(path), "%s/vouch.db", dir);
	s = store_open_sqlite(path, err, sizeof(err));
	if (s == NULL) {
		fprintf(stderr, "vouchctl callout: state database: %s\n", err);
		return NULL;
	}
	return s;
}

static void
print_outcome(const char *asked, const struct callout_outcome *o)
{
	char line[600];

	snprintf(line, sizeof(line), "%s %s", asked, callout_result_name(o->result));
	put_line("", line);
	put_line("reason ", o->reason);
	printf("source %s\n", callout_source_name(o->source));
	if (o->mx[0]) {
		snprintf(line, sizeof(line), "%s %s", o->mx, o->mx_addr[0] ? o->mx_addr : "-");
		put_line("mx ", line);
	}
	printf("tries %u\n", o->tries);
	printf("queued %s\n", o->queued ? "yes" : "no");
	if (o->expires > 0) {
		time_t t = (time_t)o->expires;
		struct tm tm;
		char when[40];
		gmtime_r(&t, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		printf("cached until %s\n", when);
	} else {
		printf("cached no\n");
	}
}

int
cmd_callout(const struct vouchctl_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "resolver", required_argument, NULL, 'r' },
		{ "port", required_argument, NULL, 'p' },
		{ "allow-private", no_argument, NULL, 'a' },
		{ "max-per-domain", required_argument, NULL, 'm' },
		{ "helo", required_argument, NULL, 'h' },
		{ "no-cache", no_argument, NULL, 'n' },
		{ "forget", no_argument, NULL, 'f' },
		{ "stats", no_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	const char *resolver = NULL, *helo = NULL;
	long long port = 0, per_domain = 0;
	int allow_private = 0, no_cache = 0, forget = 0, stats = 0, c, rc = 0;
	struct callout_check *chk[MAX_ADDRESSES];
	struct answer ans[MAX_ADDRESSES];
	struct event_base *base = NULL;
	struct dns_client *dns;
	struct store *store;
	struct callout *co;
	struct config *cfg;
	size_t n;

	/* 0, not 1: glibc then re-initialises getopt (see cmd_spf.c). */
	optind = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': resolver = optarg; break;
		case 'p':
			if (str_to_ll(optarg, 1, 65535, &port) < 0)
				return usage();
			break;
		case 'm':
			if (str_to_ll(optarg, 1, 100, &per_domain) < 0)
				return usage();
			break;
		case 'a': allow_private = 1; break;
		case 'h': helo = optarg; break;
		case 'n': no_cache = 1; break;
		case 'f': forget = 1; break;
		case 's': stats = 1; break;
		default: return usage();
		}
	}
	n = (size_t)(argc - optind);
	if (n == 0 || n > MAX_ADDRESSES)
		return usage();

	if ((cfg = vouchctl_config(o)) == NULL)
		return 1;
	if (port)
		cfg->callout.port = port;
	if (per_domain)
		cfg->callout.max_per_domain = per_domain;
	if (allow_private)
		cfg->callout.allow_private = 1;
	if (become_user(cfg, no_cache) < 0) {
		config_free(cfg);
		return 1;
	}
	if ((dns = vouchctl_dns(cfg, resolver, &base, "callout")) == NULL) {
		config_free(cfg);
		return 1;
	}
	if ((store = open_store(cfg, no_cache)) == NULL) {
		dns_client_free(dns);
		event_base_free(base);
		config_free(cfg);
		return 1;
	}
	struct callout_params p = { .helo = helo ? helo : cfg->hostname };
	co = callout_new(dns, store, &cfg->callout, &p);
	for (size_t i = 0; i < n; i++) {
		if (forget)
			callout_forget(co, argv[optind + (int)i], 1);
		ans[i].done = 0;
		chk[i] = callout_start(co, argv[optind + (int)i], on_answer, &ans[i]);
	}
	for (size_t i = 0; i < n; i++) {
		while (!ans[i].done) {
			if (event_base_loop(base, EVLOOP_ONCE) < 0) {
				rc = 1;
				break;
			}
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (i)
			putchar('\n');
		print_outcome(argv[optind + (int)i], callout_check_outcome(chk[i]));
		callout_check_free(chk[i]);
	}
	/* Let the connections finish their QUIT (each client bounds it). */
	while (callout_connections(co) > 0)
		if (event_base_loop(base, EVLOOP_ONCE) < 0)
			break;
	if (stats) {
		struct callout_stats st;
		callout_stats(co, &st);
		putchar('\n');
		for (int i = 0; i < CALLOUT_C_COUNT; i++)
			printf("stat %s %llu\n", callout_counter_name((enum callout_counter)i),
			    st.n[i]);
	}
	fflush(stdout);
	callout_free(co);
	store_close(store);
	dns_client_free(dns);
	event_base_free(base);
	config_free(cfg);
	return rc;
}
