/*
 * vouchctl_config: the configuration a command runs with (-c, or the
 * default path), with what is wrong with it on stderr.
 */
#include <stdio.h>

#include "config/config.h"
#include "util/str.h"
#include "vouchctl.h"

struct config *
vouchctl_config(const struct vouchctl_opts *o)
{
	struct strbuf errs;
	struct config *cfg;

	strbuf_init(&errs, 1 << 20);
	cfg = config_load(o->config_path, &errs);
	if (cfg == NULL)
		fputs(errs.s ? errs.s : "configuration error\n", stderr);
	strbuf_free(&errs);
	return cfg;
}
