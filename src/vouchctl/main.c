/*
 * vouchctl: the vouch administration command.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"

static int
cmd_config_check(int argc, char **argv)
{
	const char *path = argc > 0 ? argv[0] : NULL;
	struct strbuf errs;
	struct config *cfg;

	strbuf_init(&errs, 1 << 20);
	cfg = config_load(path, &errs);
	if (cfg == NULL) {
		fputs(errs.s ? errs.s : "configuration error\n", stderr);
		strbuf_free(&errs);
		return 1;
	}
	strbuf_free(&errs);
	printf("%s: ok\n", path ? path : "embedded defaults");
	config_free(cfg);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "config") == 0 && strcmp(argv[2], "check") == 0)
		return cmd_config_check(argc - 3, argv + 3);
	fprintf(stderr, "usage: vouchctl config check [FILE]\n");
	return 2;
}
