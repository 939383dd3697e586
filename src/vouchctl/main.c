/*
 * vouchctl: the vouch administration command. Parses the common options
 * and dispatches to a command group (see vouchctl.h).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vouchctl.h"

static const struct {
	const char *name;
	vouchctl_cmd_fn fn;
	const char *usage;
} commands[] = {
	{ "config", cmd_config, "config check [FILE]        validate a configuration, print it" },
	{ "status", cmd_status,
	    "status                     sessions, queue, counters of the running vouchd" },
	{ "stats", cmd_stats,
	    "stats [--prometheus|--cluster]  by check and result: last hour, day, since start" },
	{ "queue", cmd_queue, "queue list|show ID|delete ID|hold ID|release ID|flush [ID]" },
	{ "user", cmd_user, "user add|passwd|del|lock|unlock|set|list   local users" },
	{ "block", cmd_lists, "block list|add ENTRY [--for 24h] [--reason TEXT]|del ENTRY" },
	{ "allow", cmd_lists, "allow list|add ENTRY [--for 24h] [--reason TEXT]|del ENTRY" },
	{ "required", cmd_lists,
	    "required list|add ADDRESS [--for 24h] [--reason TEXT]|del ADDRESS   vouch-required addresses" },
	{ "challenge", cmd_challenge,
	    "challenge list|show ID|release ID|discard ID   mail held for challenge/response" },
	{ "whitelist", cmd_challenge,
	    "whitelist list [USER]|add USER ADDRESS|del USER ADDRESS   challenge/response whitelists" },
	{ "gen", cmd_gen, "gen new FILE [--length N]|cookie FILE G|verify ...   XGEN chains" },
	{ "reload", cmd_reload,
	    "reload                     re-read the configuration and tables (as SIGHUP)" },
	{ "dns", cmd_dns,
	    "dns NAME [TYPE] [--resolver HOST:PORT] [--trust-anchor FILE]  look up through vouch's resolver" },
	{ "helo", cmd_helo,
	    "helo NAME --ip IP [--resolver HOST:PORT]  HELO name and reverse DNS checks" },
	{ "spf", cmd_spf,
	    "spf --ip IP --sender ADDR --helo NAME [--resolver HOST:PORT]  evaluate SPF" },
	{ "dmarc", cmd_dmarc,
	    "dmarc --from DOMAIN [--spf RESULT:DOMAIN] [--dkim RESULT:DOMAIN]... [--resolver HOST:PORT]  evaluate DMARC" },
	{ "srs", cmd_srs,
	    "srs forward|reverse ADDRESS --key FILE --domain DOMAIN | srs key FILE  rewrite senders (SRS)" },
	{ "callout", cmd_callout,
	    "callout ADDRESS... [--resolver HOST:PORT] [--port N]  verify senders at their MX" },
	{ "dnsbl", cmd_dnsbl,
	    "dnsbl IP [--zone ZONE]... [--resolver HOST:PORT]  ask the DNS block and allow lists" },
	{ "register", cmd_register,
	    "register NAME|IP [--zone ZONE]... [--resolver HOST:PORT]  ask the registrar zones" },
	{ "dkim", cmd_dkim,
	    "dkim keygen DOMAIN SELECTOR [--ed25519]|record|check|sign|verify|arc-seal  DKIM and ARC" },
};

/* Usage on stdout when asked for (--help, exit 0), on stderr after a mistake. */
static void
usage(FILE *out, int status)
{
	fprintf(out,
	    "usage: vouchctl [-c FILE] COMMAND ...\n"
	    "       vouchctl --help | --version\n");
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
main(int argc, char **argv)
{
	struct vouchctl_opts o = { NULL };
	int c;

	while ((c = getopt_long(argc, argv, "+c:hV", long_options, NULL)) != -1) {
		switch (c) {
		case 'c': o.config_path = optarg; break;
		case 'h': usage(stdout, 0); break;
		case 'V': printf("vouchctl %s\n", VOUCH_VERSION); return 0;
		default: usage(stderr, 2);
		}
	}
	if (optind >= argc)
		usage(stderr, 2);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[optind], commands[i].name) == 0)
			return commands[i].fn(&o, argc - optind, argv + optind);
	fprintf(stderr, "vouchctl: unknown command '%s'\n", argv[optind]);
	usage(stderr, 2);
	return 2;
}
