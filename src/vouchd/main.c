/*
 * vouchd: the vouch MTA daemon. This file handles the command line and
 * start-up; the server itself lives in server.c.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "util/log.h"

static void
usage(void)
{
	fprintf(stderr,
	    "usage: vouchd [-c FILE] [-n] [-d]\n"
	    "  -c FILE  configuration file (default: embedded defaults)\n"
	    "  -n       check the configuration, print it, and exit\n"
	    "  -d       log at debug level\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const char *path = NULL;
	int check = 0, debug = 0, c;
	struct strbuf errs;
	struct config *cfg;

	while ((c = getopt(argc, argv, "c:nd")) != -1) {
		switch (c) {
		case 'c': path = optarg; break;
		case 'n': check = 1; break;
		case 'd': debug = 1; break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();

	strbuf_init(&errs, 1 << 20);
	cfg = config_load(path, &errs);
	if (cfg == NULL) {
		fprintf(stderr, "%s", errs.s ? errs.s : "configuration error\n");
		strbuf_free(&errs);
		return 1;
	}
	strbuf_free(&errs);
	if (check) {
		struct strbuf out;
		strbuf_init(&out, 1 << 20);
		config_print(cfg, &out);
		fputs(out.s, stdout);
		strbuf_free(&out);
		config_free(cfg);
		return 0;
	}
	log_init("vouchd", debug ? LOG_LVL_DEBUG : (enum log_level)cfg->log_level,
	    LOG_SINK_STDERR);
	log_err("event=startup error=\"the SMTP server is not built yet\"");
	config_free(cfg);
	return 1;
}
