/*
 * cmd_report: `vouch-registry report list|show|confirm|dismiss` and
 * `report --stdin [--rcpt ADDR]`, the mail intake: point an address at it
 * (e.g. an alias "abuse: |vouch-registry -c FILE report --stdin") and each
 * message (ARF or a forwarded message) becomes a report. --client ADDR is
 * the address the MTA received the report from: it is rate-limited, and a
 * spam trap hit counts only when it is a registered address of the trap
 * owner's server. Exit 75 on a temporary failure (and at the rate limit)
 * so the MDA retries.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "reg_err.h"
#include "reg_rate.h"
#include "reg_report.h"
#include "util/str.h"

static int
list(struct cmd_ctx *c, int argc, char **argv)
{
	struct reg_report *v;
	size_t n;
	int rc;

	if (argc > 3) {
		fprintf(stderr, "usage: vouch-registry report list [new|confirmed|dismissed]\n");
		return 2;
	}
	if ((rc = reg_report_list(c->db, argc == 3 ? argv[2] : NULL, 0, &v, &n)) != REG_OK) {
		fprintf(stderr, "vouch-registry: %s\n", reg_err_str(rc));
		return cmd_status(rc);
	}
	for (size_t i = 0; i < n; i++)
		printf("%-6lld %-10s %-6s server=%s tracking=%s subject=\"%s\"\n", v[i].id,
		    v[i].status, v[i].source, v[i].server[0] ? v[i].server : "-",
		    v[i].tracking_id[0] ? v[i].tracking_id : "-", v[i].subject);
	reg_report_list_free(v, n);
	return 0;
}

static int
show(struct cmd_ctx *c, const char *idt)
{
	struct reg_report r;
	long long id;
	int rc;

	if (str_to_ll(idt, 1, 1LL << 62, &id) < 0) {
		fprintf(stderr, "vouch-registry: '%s' is not a report id\n", idt);
		return 2;
	}
	if ((rc = reg_report_get(c->db, id, &r)) != REG_OK) {
		fprintf(stderr, "vouch-registry: report %lld: %s\n", id, reg_err_str(rc));
		return cmd_status(rc);
	}
	printf("id           %lld\nstatus       %s\nsource       %s\nserver       %s\n"
	       "handoff      %s [%s]\ntracking id  %s\nreporter     %s\nsubject      %s\n"
	       "decision     %s %s\n\n",
	    r.id, r.status, r.source, r.server[0] ? r.server : "-", r.handoff_host, r.handoff_ip,
	    r.tracking_id, r.reporter, r.subject, r.decided_by, r.decision_reason);
	fwrite(r.message, 1, r.message_len, stdout);
	reg_report_clear(&r);
	return 0;
}

static int
decide(struct cmd_ctx *c, int argc, char **argv)
{
	const char *reason = "";
	struct reg_workflow_res res;
	long long id;
	int opt, rc;

	optind = 0;
	while ((opt = getopt(argc - 1, argv + 1, "r:")) != -1) {
		if (opt == 'r')
			reason = optarg;
		else
			goto usage;
	}
	if (optind != argc - 2 || str_to_ll(argv[1 + optind], 1, 1LL << 62, &id) < 0)
		goto usage;
	rc = reg_report_decide(
	    c->db, c->cfg, id, strcmp(argv[1], "confirm") == 0, c->actor, reason, &res);
	if (rc != REG_OK) {
		fprintf(stderr, "vouch-registry: %s\n", res.msg[0] ? res.msg : reg_err_str(rc));
		return cmd_status(rc);
	}
	printf("%s\n", res.msg);
	return 0;
usage:
	fprintf(stderr, "usage: vouch-registry report %s ID [-r REASON]\n", argv[1]);
	return 2;
}

static int
intake(struct cmd_ctx *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "stdin", no_argument, NULL, 's' },
		{ "rcpt", required_argument, NULL, 'r' },
		{ "client", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	const char *rcpt = NULL, *client = NULL;
	struct strbuf msg;
	struct reg_report_new n;
	struct reg_report_filed out;
	char buf[8192];
	size_t got;
	int opt, rc;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (opt == 'r')
			rcpt = optarg;
		else if (opt == 'c')
			client = optarg;
		else if (opt != 's')
			return 2;
	}
	if (cmd_open(c, 1) < 0)
		return 75;
	/* the MTA's client address: rate-limited like the web and API */
	if (client) {
		char key[REG_RATE_KEY_MAX];
		long long ra;
		reg_rate_key(client, key);
		if (key[0] == '\0') {
			fprintf(stderr, "vouch-registry: report: --client '%s' is not an address\n",
			    client);
			return 2;
		}
		rc = reg_rate_take(c->db, "report", key, c->cfg->limit_reports,
		    c->cfg->limit_window / 1000, (long long)time(NULL), &ra);
		if (rc != REG_OK) {
			fprintf(stderr, "vouch-registry: report: %s%s\n", reg_err_str(rc),
			    rc == REG_ELIMIT ? " for this client address; try again later" : "");
			return reg_err_is_temp(rc) ? 75 : 1;
		}
	}
	/* read at most max_report_size; the rest is drained and dropped */
	strbuf_init(&msg, (size_t)c->cfg->max_report_size);
	while ((got = fread(buf, 1, sizeof(buf), stdin)) > 0) {
		size_t room = msg.max - msg.len;
		if (room > 0)
			strbuf_append(&msg, buf, got < room ? got : room);
	}
	if (msg.len == 0) {
		fprintf(stderr, "vouch-registry: report: empty message on standard input\n");
		strbuf_free(&msg);
		return 1;
	}
	memset(&n, 0, sizeof(n));
	n.msg = msg.s;
	n.len = msg.len;
	n.source = "mail";
	n.rcpt = rcpt;
	n.client = client;
	rc = reg_report_file(c->db, c->cfg, &n, &out);
	strbuf_free(&msg);
	if (rc != REG_OK) {
		fprintf(stderr, "vouch-registry: report: %s\n", reg_err_str(rc));
		return reg_err_is_temp(rc) ? 75 : 1;
	}
	printf("report %lld %s kind=%s server=%s handoff=%s [%s] tracking=%s\n", out.id, out.status,
	    out.kind, out.server[0] ? out.server : "-",
	    out.handoff_host[0] ? out.handoff_host : "-", out.handoff_ip,
	    out.tracking_id[0] ? out.tracking_id : "-");
	if (out.wf.to[0] && strcmp(out.wf.to, out.wf.from) != 0)
		printf("%s\n", out.wf.msg);
	return 0;
}

int
cmd_report(struct cmd_ctx *c, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "--stdin") == 0)
		return intake(c, argc, argv);
	if (argc < 2)
		goto usage;
	if (cmd_open(c, 1) < 0)
		return 1;
	if (strcmp(argv[1], "list") == 0)
		return list(c, argc, argv);
	if (strcmp(argv[1], "show") == 0 && argc == 3)
		return show(c, argv[2]);
	if (strcmp(argv[1], "confirm") == 0 || strcmp(argv[1], "dismiss") == 0)
		return decide(c, argc, argv);
usage:
	fprintf(stderr,
	    "usage: vouch-registry report list [STATUS] | show ID |"
	    " confirm|dismiss ID [-r REASON] | --stdin [--rcpt ADDR] [--client IP]\n");
	return 2;
}
