/*
 * cmd_misc: `export` (the zone as an RFC 1035 master file), `token`
 * (create and revoke bearer tokens) and `config check`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <getopt.h>
#include <unistd.h>

#include "cmd.h"
#include "reg_err.h"
#include "reg_notice.h"
#include "reg_publish.h"
#include "reg_server.h"
#include "reg_token.h"

int
cmd_export(struct cmd_ctx *c, int argc, char **argv)
{
	struct reg_zone *z;
	struct strbuf err, out;
	FILE *f = stdout;
	int rc;

	if (argc > 2) {
		fprintf(stderr, "usage: vouch-registry export [FILE]\n");
		return 2;
	}
	if (cmd_open(c, 1) < 0)
		return 1;
	strbuf_init(&err, 4096);
	if ((rc = reg_publish_build(c->db, c->cfg, &z, &err)) != REG_OK) {
		fprintf(stderr, "vouch-registry: export: %s\n", err.s ? err.s : reg_err_str(rc));
		strbuf_free(&err);
		return cmd_status(rc);
	}
	strbuf_free(&err);
	strbuf_init(&out, 256u << 20);
	rc = reg_zone_write_text(z, &out);
	reg_zone_unref(z);
	if (rc != REG_OK) {
		fprintf(stderr, "vouch-registry: export: zone too large\n");
		strbuf_free(&out);
		return 1;
	}
	if (argc == 2) {
		/* write beside the target, then rename: readers never see half a zone */
		char tmp[4096];
		snprintf(tmp, sizeof(tmp), "%s.tmp", argv[1]);
		if ((f = fopen(tmp, "w")) == NULL) {
			perror(tmp);
			strbuf_free(&out);
			return 1;
		}
		if (fwrite(out.s, 1, out.len, f) != out.len || fflush(f) != 0 ||
		    fsync(fileno(f)) != 0 || fclose(f) != 0 || rename(tmp, argv[1]) != 0) {
			perror(argv[1]);
			strbuf_free(&out);
			return 1;
		}
	} else {
		fwrite(out.s, 1, out.len, f);
	}
	strbuf_free(&out);
	return 0;
}

int
cmd_token(struct cmd_ctx *c, int argc, char **argv)
{
	char tok[REG_TOKEN_MAX];
	const char *label = "";
	enum reg_token_role role;
	long long sid = 0;
	int rc, opt;

	if (argc >= 3 && strcmp(argv[1], "revoke") == 0) {
		long long id;
		if (str_to_ll(argv[2], 1, 1LL << 62, &id) < 0) {
			fprintf(stderr, "usage: vouch-registry token revoke ID\n");
			return 2;
		}
		if (cmd_open(c, 1) < 0)
			return 1;
		rc = reg_token_revoke(c->db, id);
		if (rc != REG_OK)
			fprintf(stderr, "vouch-registry: token %lld: %s\n", id, reg_err_str(rc));
		return cmd_status(rc);
	}
	if (argc < 3 || strcmp(argv[1], "create") != 0)
		goto usage;
	role = strcmp(argv[2], "admin") == 0 ? REG_ROLE_ADMIN
	    : strcmp(argv[2], "owner") == 0  ? REG_ROLE_OWNER
	                                     : REG_ROLE_NONE;
	if (role == REG_ROLE_NONE)
		goto usage;
	optind = 0;
	while ((opt = getopt(argc - 2, argv + 2, "l:")) != -1) {
		if (opt == 'l')
			label = optarg;
		else
			goto usage;
	}
	if (cmd_open(c, 1) < 0)
		return 1;
	if (role == REG_ROLE_OWNER) {
		struct reg_server s;
		if (optind >= argc - 2)
			goto usage;
		if ((rc = reg_server_get(c->db, argv[2 + optind], &s)) != REG_OK) {
			fprintf(
			    stderr, "vouch-registry: %s: %s\n", argv[2 + optind], reg_err_str(rc));
			return cmd_status(rc);
		}
		sid = s.id;
		reg_server_clear(&s);
	}
	if ((rc = reg_token_create(c->db, role, sid, label, tok)) != REG_OK) {
		fprintf(stderr, "vouch-registry: token: %s\n", reg_err_str(rc));
		return cmd_status(rc);
	}
	printf("%s\n", tok);
	return 0;
usage:
	fprintf(stderr,
	    "usage: vouch-registry token create admin|owner [HOST] [-l LABEL] | revoke ID\n");
	return 2;
}

int
cmd_config(struct cmd_ctx *c, int argc, char **argv)
{
	struct strbuf out;

	if (argc != 2 || strcmp(argv[1], "check") != 0) {
		fprintf(stderr, "usage: vouch-registry [-c FILE] config check\n");
		return 2;
	}
	if (cmd_open(c, 0) < 0)
		return 1;
	strbuf_init(&out, 1 << 20);
	reg_config_print(c->cfg, &out);
	fputs(out.s ? out.s : "", stdout);
	strbuf_free(&out);
	return 0;
}

int
cmd_notice(struct cmd_ctx *c, int argc, char **argv)
{
	static const enum reg_notice_kind kinds[] = { REG_NOTICE_SUSPENDED, REG_NOTICE_FORFEITED,
		REG_NOTICE_REINSTATED };

	(void)c;
	/* the shipped text, to copy into notice_dir as notice-KIND.txt and edit */
	if (argc == 3 && strcmp(argv[1], "template") == 0) {
		for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
			if (strcmp(argv[2], reg_notice_kind_name(kinds[i])) == 0) {
				fputs(reg_notice_default_template(kinds[i]), stdout);
				return 0;
			}
		}
	}
	fprintf(stderr, "usage: vouch-registry notice template suspended|forfeited|reinstated\n");
	return 2;
}
