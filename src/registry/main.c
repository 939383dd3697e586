/*
 * vouch-registry: the Mail Server Registrar. Parses the common options
 * and dispatches to a command group (cmd.h); `serve` runs the DNS server,
 * the HTTP API and web UI and the certification workers.
 */
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "reg_err.h"
#include "util/log.h"

static const struct {
	const char *name;
	cmd_fn fn;
	const char *usage;
} commands[] = {
	{ "serve", cmd_serve,
	    "serve                                  run DNS, HTTP API/web UI, certification" },
	{ "server", cmd_server,
	    "server list [STATUS] | show HOST | approve|suspend|reinstate|deregister HOST [-r REASON] [-f]\n"
	    "         | certify HOST | sponsor HOST SPONSOR | apply FILE.json" },
	{ "report", cmd_report,
	    "report list [STATUS] | show ID | confirm|dismiss ID [-r REASON]\n"
	    "         | --stdin [--rcpt ADDR] [--client IP]  file a report from a mail on standard input" },
	{ "export", cmd_export,
	    "export [FILE]                          write the zone as an RFC 1035 master file" },
	{ "token", cmd_token, "token create admin|owner [HOST] [-l LABEL] | revoke ID" },
	{ "notice", cmd_notice,
	    "notice template suspended|forfeited|reinstated   print a shipped mail template" },
	{ "config", cmd_config,
	    "config check                           validate the configuration and print it" },
};

/* Usage on stdout when asked for (--help, exit 0), on stderr after a mistake. */
static void
usage(FILE *out, int status)
{
	fprintf(out,
	    "usage: vouch-registry [-c FILE] COMMAND ...\n"
	    "       vouch-registry --help | --version\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %s\n", commands[i].usage);
	exit(status);
}

static const struct option long_options[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

int
cmd_status(int err)
{
	if (err == REG_OK)
		return 0;
	return reg_err_is_temp(err) ? 75 : 1;
}

int
cmd_open(struct cmd_ctx *c, int want_db)
{
	struct strbuf errs;
	char path[4096];

	strbuf_init(&errs, 1 << 16);
	c->cfg = reg_config_load(c->config_path, &errs);
	if (c->cfg == NULL) {
		fputs(errs.s ? errs.s : "configuration error\n", stderr);
		strbuf_free(&errs);
		return -1;
	}
	strbuf_reset(&errs);
	log_set_level((enum log_level)c->cfg->log_level);
	if (!want_db)
		goto done;
	if (reg_db_make_dir(c->cfg->data_dir, &errs) != REG_OK ||
	    reg_db_path(c->cfg->data_dir, path, sizeof(path)) != REG_OK ||
	    reg_db_open(path, &c->db, &errs) != REG_OK) {
		fprintf(stderr, "vouch-registry: database: %s\n", errs.s ? errs.s : path);
		strbuf_free(&errs);
		return -1;
	}
done:
	strbuf_free(&errs);
	return 0;
}

void
cmd_close(struct cmd_ctx *c)
{
	reg_db_close(c->db);
	c->db = NULL;
	reg_config_free(c->cfg);
	c->cfg = NULL;
}

int
main(int argc, char **argv)
{
	struct cmd_ctx c;
	struct passwd *pw;
	int ch;

	memset(&c, 0, sizeof(c));
	log_init("vouch-registry", LOG_LVL_INFO, LOG_SINK_STDERR);
	while ((ch = getopt_long(argc, argv, "+c:hV", long_options, NULL)) != -1) {
		switch (ch) {
		case 'c': c.config_path = optarg; break;
		case 'h': usage(stdout, 0); break;
		case 'V': printf("vouch-registry %s\n", VOUCH_VERSION); return 0;
		default: usage(stderr, 2);
		}
	}
	if (optind >= argc)
		usage(stderr, 2);
	pw = getpwuid(getuid());
	snprintf(c.actor, sizeof(c.actor), "cli:%.40s", pw ? pw->pw_name : "unknown");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[optind], commands[i].name) == 0) {
			int rc = commands[i].fn(&c, argc - optind, argv + optind);
			cmd_close(&c);
			return rc;
		}
	}
	fprintf(stderr, "vouch-registry: unknown command '%s'\n", argv[optind]);
	usage(stderr, 2);
	return 2;
}
