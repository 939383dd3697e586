/*
 * cmd_server: `vouch-registry server list|show|approve|suspend|reinstate|
 * deregister|certify|sponsor|apply`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "reg_certq.h"
#include "reg_err.h"
#include "reg_input.h"
#include "reg_server.h"
#include "reg_workflow.h"
#include "util/str.h"

static void
print_time(const char *label, long long t)
{
	char buf[32] = "-";
	time_t tt = (time_t)t;
	struct tm tm;

	if (t > 0) {
		gmtime_r(&tt, &tm);
		strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", &tm);
	}
	printf("%-16s %s\n", label, buf);
}

static int
list(struct cmd_ctx *c, int argc, char **argv)
{
	struct reg_server *v;
	size_t n;
	int rc;

	if (argc > 3 || (argc == 3 && reg_workflow_status_parse(argv[2]) < 0)) {
		fprintf(stderr,
		    "usage: vouch-registry server list [applied|testing|active|suspended|"
		    "deregistered]\n");
		return 2;
	}
	if ((rc = reg_server_list(c->db, argc == 3 ? argv[2] : NULL, &v, &n)) != REG_OK) {
		fprintf(stderr, "vouch-registry: %s\n", reg_err_str(rc));
		return cmd_status(rc);
	}
	for (size_t i = 0; i < n; i++)
		printf("%-40s %-13s %-10s cert=%-7s sponsors=%d bond=%s\n", v[i].hostname,
		    v[i].status, v[i].mclass, v[i].cert_status, v[i].nsponsors, v[i].bond_status);
	reg_server_list_free(v, n);
	return 0;
}

static int
show(struct cmd_ctx *c, const char *host)
{
	struct reg_server s;
	struct reg_history *h;
	struct reg_cert_run *runs;
	size_t nh, nr;
	int rc;

	if ((rc = reg_server_get(c->db, host, &s)) != REG_OK) {
		fprintf(stderr, "vouch-registry: %s: %s\n", host, reg_err_str(rc));
		return cmd_status(rc);
	}
	printf("%-16s %s\n%-16s %s\n%-16s %s\n", "hostname", s.hostname, "status", s.status,
	    "class", s.mclass);
	printf("%-16s", "addresses");
	for (size_t i = 0; i < s.naddrs; i++)
		printf(" %s", s.addresses[i]);
	printf("\n%-16s %s (%s)%s%s\n", "owner", s.owner_name, s.owner_kind,
	    s.business_number[0] ? " no. " : "", s.business_number);
	printf("%-16s %s\n%-16s %s / %s\n%-16s %s\n", "owner address", s.owner_address,
	    "owner contact", s.owner_phone, s.owner_email, "admin contact", s.admin_contact);
	printf("%-16s %s\n%-16s %lld (%s)\n%-16s %d\n%-16s %s\n", "domain age", s.domain_age_note,
	    "bond", s.bond_amount, s.bond_status, "sponsors", s.nsponsors, "certification",
	    s.cert_status);
	print_time("applied", s.applied_at);
	print_time("registered", s.registered_at);
	print_time("fee due", s.fee_due);
	if (reg_server_cert_runs(c->db, s.id, 1, &runs, &nr) == REG_OK) {
		for (size_t i = 0; i < nr; i++)
			printf("%-16s %s: %s\n", "last test run",
			    runs[i].passed ? "passed" : "failed", runs[i].summary);
		reg_server_cert_runs_free(runs, nr);
	}
	printf("history:\n");
	if (reg_server_history(c->db, s.id, &h, &nh) == REG_OK) {
		for (size_t i = 0; i < nh; i++) {
			char buf[32];
			time_t tt = (time_t)h[i].at;
			struct tm tm;
			gmtime_r(&tt, &tm);
			strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
			printf("  %s  %-18s %-22s %s -> %s  %s\n", buf, h[i].actor, h[i].event,
			    h[i].from_status[0] ? h[i].from_status : "-", h[i].to_status,
			    h[i].reason);
		}
		reg_server_history_free(h, nh);
	}
	reg_server_clear(&s);
	return 0;
}

static int
act(struct cmd_ctx *c, int argc, char **argv)
{
	const char *reason = "";
	int force = 0, opt, action = reg_workflow_action_parse(argv[1]);
	struct reg_workflow_res res;
	int rc;

	/* options start after "server approve"; optind = 0 resets GNU getopt */
	optind = 0;
	while ((opt = getopt(argc - 1, argv + 1, "r:f")) != -1) {
		switch (opt) {
		case 'r': reason = optarg; break;
		case 'f': force = 1; break;
		default: goto usage;
		}
	}
	if (optind != argc - 2)
		goto usage;
	if (action != REG_ACT_APPROVE && !reason[0]) {
		fprintf(
		    stderr, "vouch-registry: %s needs a reason (-r) for the history\n", argv[1]);
		return 2;
	}
	rc = reg_workflow_do(c->db, c->cfg, argv[1 + optind], (enum reg_action)action, c->actor,
	    reason[0] ? reason : "approved by an admin", force, &res);
	if (rc != REG_OK) {
		fprintf(stderr, "vouch-registry: %s\n", res.msg[0] ? res.msg : reg_err_str(rc));
		return cmd_status(rc);
	}
	printf("%s\n", res.msg);
	return 0;
usage:
	fprintf(stderr, "usage: vouch-registry server %s HOST [-r REASON]%s\n", argv[1],
	    action == REG_ACT_APPROVE ? " [-f]" : "");
	return 2;
}

static int
certify(struct cmd_ctx *c, const char *host)
{
	struct reg_certify_result r;
	struct reg_workflow_res res;
	int rc = reg_certq_run_sync(c->db, c->cfg, host, &r, &res);

	if (rc != REG_OK) {
		fprintf(stderr, "vouch-registry: %s\n", res.msg[0] ? res.msg : reg_err_str(rc));
		free(r.report);
		return cmd_status(rc);
	}
	printf("%s\n%s\n%s\n", r.report ? r.report : "", r.summary, res.msg);
	free(r.report);
	return r.passed ? 0 : 1;
}

static int
sponsor(struct cmd_ctx *c, const char *host, const char *by)
{
	struct reg_server sp;
	struct reg_workflow_res res;
	int rc;

	if ((rc = reg_server_get(c->db, by, &sp)) != REG_OK) {
		fprintf(stderr, "vouch-registry: sponsor %s: %s\n", by, reg_err_str(rc));
		return cmd_status(rc);
	}
	rc = reg_workflow_sponsor(c->db, c->cfg, host, sp.id, &res);
	reg_server_clear(&sp);
	if (rc != REG_OK) {
		fprintf(stderr, "vouch-registry: %s\n", res.msg[0] ? res.msg : reg_err_str(rc));
		return cmd_status(rc);
	}
	printf("%s\n", res.msg);
	return 0;
}

static int
apply(struct cmd_ctx *c, const char *path)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	struct strbuf text;
	struct reg_input_json j;
	struct reg_input_src src;
	struct reg_application app;
	struct reg_verr e;
	struct reg_workflow_res res;
	char buf[4096], token[REG_TOKEN_MAX];
	size_t n;
	long long id;
	int rc;

	if (f == NULL) {
		perror(path);
		return 1;
	}
	strbuf_init(&text, 1 << 20);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		if (strbuf_append(&text, buf, n) < 0)
			break;
	if (f != stdin)
		fclose(f);
	if (reg_input_json_open(&j, text.s, text.len, &e) < 0) {
		fprintf(stderr, "vouch-registry: %s: %s %s\n", path, e.field, e.why);
		strbuf_free(&text);
		return 1;
	}
	src = reg_input_json_src(&j);
	rc = reg_input_application(&src, REG_HOSTNAME_MAX - strlen(c->cfg->zone) - 1, &app, &e);
	reg_input_json_close(&j);
	strbuf_free(&text);
	if (rc < 0) {
		fprintf(stderr, "vouch-registry: %s: %s %s\n", path, e.field, e.why);
		return 1;
	}
	rc = reg_workflow_apply(c->db, &app, c->actor, &id, token, &res);
	if (rc != REG_OK) {
		fprintf(stderr, "vouch-registry: %s\n", res.msg[0] ? res.msg : reg_err_str(rc));
		return cmd_status(rc);
	}
	printf("%s\nowner token: %s\n", res.msg, token);
	return 0;
}

int
cmd_server(struct cmd_ctx *c, int argc, char **argv)
{
	if (argc < 2)
		goto usage;
	if (cmd_open(c, 1) < 0)
		return 1;
	if (strcmp(argv[1], "list") == 0)
		return list(c, argc, argv);
	if (strcmp(argv[1], "show") == 0 && argc == 3)
		return show(c, argv[2]);
	if (strcmp(argv[1], "certify") == 0 && argc == 3)
		return certify(c, argv[2]);
	if (strcmp(argv[1], "sponsor") == 0 && argc == 4)
		return sponsor(c, argv[2], argv[3]);
	if (strcmp(argv[1], "apply") == 0 && argc == 3)
		return apply(c, argv[2]);
	if (strcmp(argv[1], "approve") == 0 || strcmp(argv[1], "suspend") == 0 ||
	    strcmp(argv[1], "reinstate") == 0 || strcmp(argv[1], "deregister") == 0)
		return act(c, argc, argv);
usage:
	fprintf(stderr,
	    "usage: vouch-registry server list [STATUS] | show HOST |"
	    " approve|suspend|reinstate|deregister HOST [-r REASON] [-f] | certify HOST |"
	    " sponsor HOST SPONSOR | apply FILE.json\n");
	return 2;
}
