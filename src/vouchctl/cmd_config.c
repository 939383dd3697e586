/*
 * vouchctl config check: load and validate a configuration file, print
 * each error with its line number (exit 1), or the effective settings.
 */
#include <stdio.h>
#include <string.h>

#include "config/config.h"
#include "vouchctl.h"

static const char *const type_names[] = {
	"string",
	"integer",
	"yes/no",
	"size",
	"duration",
	"choice",
	"list",
	"address",
	"addresses",
};

static void
print_keys(const char *block, const struct conf_key *keys)
{
	for (const struct conf_key *k = keys; k->name; k++)
		printf("%s\t%s\t%s\t%s\t%s\n", block, k->name, type_names[k->type],
		    k->def ? k->def : "", k->desc);
}

int
cmd_config(const struct vouchctl_opts *o, int argc, char **argv)
{
	const char *path = o->config_path;
	struct strbuf errs, out;
	struct config *cfg;

	/* config keys: every setting, one per line, for docs and scripts */
	if (argc == 2 && strcmp(argv[1], "keys") == 0) {
		for (const struct config_part *p = config_parts; p->name; p++)
			print_keys("global", p->keys);
		print_keys("listener", config_listener_keys);
		return 0;
	}
	if (argc < 2 || strcmp(argv[1], "check") != 0 || argc > 3) {
		fprintf(stderr, "usage: vouchctl [-c FILE] config check [FILE] | config keys\n");
		return 2;
	}
	if (argc == 3)
		path = argv[2];
	strbuf_init(&errs, 1 << 20);
	cfg = config_load(path, &errs);
	if (cfg == NULL) {
		fputs(errs.s ? errs.s : "configuration error\n", stderr);
		strbuf_free(&errs);
		return 1;
	}
	strbuf_free(&errs);
	strbuf_init(&out, 1 << 20);
	config_print(cfg, &out);
	fputs(out.s, stdout);
	strbuf_free(&out);
	config_free(cfg);
	return 0;
}
