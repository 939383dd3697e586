/*
 * cmd_serve: `vouch-registry serve` (see reg_serve.h).
 */
#include <stdio.h>

#include "cmd.h"
#include "reg_serve.h"

int
cmd_serve(struct cmd_ctx *c, int argc, char **argv)
{
	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: vouch-registry [-c FILE] serve\n");
		return 2;
	}
	/* the database is opened by serve itself, after it dropped root */
	if (cmd_open(c, 0) < 0)
		return 1;
	return reg_serve_run(c->cfg);
}
