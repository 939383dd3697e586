/*
 * vouchctl stats: the running vouchd's statistics (policy/stats.h), as a
 * table, or as the Prometheus text its metrics endpoint serves; with
 * --cluster, the whole cluster's, read from the shared store.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config/config.h"
#include "ctlclient.h"
#include "policy/stats.h"
#include "store/store.h"
#include "util/str.h"
#include "vouchctl.h"

/* The cluster's figures, asked of the shared store (blocking calls: no
 * event loop to stall here). */
static int
cluster(const struct vouchctl_opts *o)
{
	struct strbuf out;
	char err[300];
	struct config *cfg;
	struct store *shared;
	int rc;

	if ((cfg = vouchctl_config(o)) == NULL)
		return 1;
	if (cfg->store.url == NULL || strncmp(cfg->store.url, "redis://", 8) != 0) {
		fprintf(stderr,
		    "vouchctl stats --cluster: not a cluster: store is this node's "
		    "own (a cluster sets store = redis://...); see vouchctl stats\n");
		config_free(cfg);
		return 1;
	}
	shared = store_open_redis(
	    cfg->store.url, cfg->store.password_file, cfg->store.timeout, NULL, err, sizeof(err));
	if (shared == NULL) {
		fprintf(stderr, "vouchctl stats --cluster: store: %s\n", err);
		config_free(cfg);
		return 1;
	}
	strbuf_init(&out, 1 << 20);
	rc = stats_cluster_table(shared, (int64_t)time(NULL), &out);
	if (rc == 0)
		fputs(out.s ? out.s : "", stdout);
	else
		fprintf(stderr, "vouchctl stats --cluster: the shared store (%s) did not answer\n",
		    cfg->store.url);
	strbuf_free(&out);
	store_close(shared);
	config_free(cfg);
	return rc == 0 ? 0 : 1;
}

int
cmd_stats(const struct vouchctl_opts *o, int argc, char **argv)
{
	if (argc == 1)
		return ctlclient_request(o, "stats", 0);
	if (argc == 2 && strcmp(argv[1], "--prometheus") == 0)
		return ctlclient_request(o, "stats prometheus", 0);
	if (argc == 2 && strcmp(argv[1], "--cluster") == 0)
		return cluster(o);
	fprintf(stderr, "usage: vouchctl stats [--prometheus | --cluster]\n");
	return 2;
}
