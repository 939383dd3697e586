/*
 * cmd: vouch-registry's command groups. main.c parses the common options
 * (-c FILE) and calls one cmd_* function with the remaining words; each
 * loads what it needs through cmd_open.
 */
#ifndef VOUCH_REGISTRY_CMD_H
#define VOUCH_REGISTRY_CMD_H

#include "reg_config.h"
#include "reg_db.h"

struct cmd_ctx {
	const char *config_path;
	struct reg_config *cfg; /* owned after cmd_open */
	struct reg_db *db;      /* owned after cmd_open */
	char actor[64];         /* "cli:<user>" for the history */
};

typedef int (*cmd_fn)(struct cmd_ctx *c, int argc, char **argv);

/* Load the configuration and open the database (creating data_dir);
 * prints the problem and returns -1 on failure. */
int cmd_open(struct cmd_ctx *c, int want_db);
/* Release what cmd_open loaded. */
void cmd_close(struct cmd_ctx *c);
/* Exit status for a reg_err: 0 ok, 1 permanent, 75 (EX_TEMPFAIL) temporary. */
int cmd_status(int err);

/* serve: DNS, HTTP and certification until SIGTERM. */
int cmd_serve(struct cmd_ctx *c, int argc, char **argv);
/* server list|show|approve|suspend|reinstate|deregister|certify|sponsor|apply. */
int cmd_server(struct cmd_ctx *c, int argc, char **argv);
/* report list|show|confirm|dismiss, and report --stdin (mail intake). */
int cmd_report(struct cmd_ctx *c, int argc, char **argv);
/* export [FILE]: the zone as an RFC 1035 master file. */
int cmd_export(struct cmd_ctx *c, int argc, char **argv);
/* token create|revoke. */
int cmd_token(struct cmd_ctx *c, int argc, char **argv);
/* notice template KIND: print a shipped mail template (reg_notice). */
int cmd_notice(struct cmd_ctx *c, int argc, char **argv);
/* config check: print the effective settings or the errors. */
int cmd_config(struct cmd_ctx *c, int argc, char **argv);

#endif
