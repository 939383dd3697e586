/*
 * vouchctl stats: the running vouchd's statistics (policy/stats.h), as a
 * table, or as the Prometheus text its metrics endpoint serves.
 */
#include <stdio.h>
#include <string.h>

#include "ctlclient.h"
#include "vouchctl.h"

int
cmd_stats(const struct vouchctl_opts *o, int argc, char **argv)
{
	if (argc == 1)
		return ctlclient_request(o, "stats", 0);
	if (argc == 2 && strcmp(argv[1], "--prometheus") == 0)
		return ctlclient_request(o, "stats prometheus", 0);
	fprintf(stderr, "usage: vouchctl stats [--prometheus]\n");
	return 2;
}
