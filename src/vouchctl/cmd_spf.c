/*
 * vouchctl spf: evaluate SPF (RFC 7208) from the command line with vouch's
 * evaluator and DNS client, using the dns_* and spf_* settings of the
 * configuration (-c FILE, else the defaults).
 *
 * Output: the result word alone on the first line (e.g. "pass"); then the
 * explanation (for fail: the domain's exp= text or the default; otherwise
 * why the result is what it is); then one line per DNS query made:
 * "query TYPE NAME STATUS [COUNT|REASON]". Exit 0 when an evaluation ran
 * (whatever its result), 2 on usage errors, 1 when DNS could not be set up.
 *
 * The evaluation runs through spf_check_start() on an event loop, the
 * entry point vouchd uses for every session, so what this command prints
 * is what vouchd would have found.
 */
#include <event2/event.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/spf_check.h"
#include "auth/spf_config.h"
#include "auth/spf_eval.h"
#include "auth/spf_known.h"
#include "config/config.h"
#include "dns/dns.h"
#include "util/log.h"
#include "vouchctl.h"

/* The check's callback: stop the loop (the outcome stays in the check). */
static void
on_done(const struct spf_outcome *o, void *arg)
{
	(void)o;
	event_base_loopbreak(arg);
}

static int
usage(void)
{
	fprintf(stderr,
	    "usage: vouchctl [-c FILE] spf --ip IP --sender ADDR --helo NAME\n"
	    "                [--resolver HOST[:PORT]] [--identity mailfrom|helo]\n"
	    "                [--receiver NAME]\n"
	    "  --sender '' checks the null sender (postmaster@HELO)\n");
	return 2;
}

/* Print text on one line: control characters become '?'. */
static void
put_line(const char *s)
{
	for (; *s; s++)
		putchar((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s);
	putchar('\n');
}

int
cmd_spf(const struct vouchctl_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "ip", required_argument, NULL, 'i' },
		{ "sender", required_argument, NULL, 's' },
		{ "helo", required_argument, NULL, 'h' },
		{ "resolver", required_argument, NULL, 'r' },
		{ "identity", required_argument, NULL, 'I' },
		{ "receiver", required_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 },
	};
	const char *ip = NULL, *sender = NULL, *helo = NULL, *resolver = NULL;
	const char *receiver = NULL;
	char *resolver_words[1];
	struct spf_request req = { 0 };
	struct spf_options opts;
	struct spf_known *known = NULL;
	struct event_base *base;
	struct dns_client *dns;
	const struct spf_eval *ev;
	struct spf_check *chk;
	struct config *cfg;
	struct strbuf errs;
	char err[300];
	int c;

	/* 0, not 1: glibc then re-initialises getopt, dropping the "+" (stop at
	 * the first operand) mode of main's own option parsing. */
	optind = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'i': ip = optarg; break;
		case 's': sender = optarg; break;
		case 'h': helo = optarg; break;
		case 'r': resolver = optarg; break;
		case 'R': receiver = optarg; break;
		case 'I':
			if (strcmp(optarg, "mailfrom") == 0)
				req.identity = SPF_ID_MAILFROM;
			else if (strcmp(optarg, "helo") == 0)
				req.identity = SPF_ID_HELO;
			else
				return usage();
			break;
		default: return usage();
		}
	}
	if (optind != argc || ip == NULL || sender == NULL || helo == NULL)
		return usage();
	if (spf_ip_parse(ip, &req.ip) < 0) {
		fprintf(stderr, "vouchctl spf: '%s' is not an IP address\n", ip);
		return 2;
	}
	req.sender = sender;
	req.helo = helo;

	strbuf_init(&errs, 1 << 16);
	cfg = config_load(o->config_path, &errs);
	if (cfg == NULL || spf_config_known(&cfg->spf, &known, &errs) < 0) {
		fputs(errs.s ? errs.s : "configuration error\n", stderr);
		strbuf_free(&errs);
		config_free(cfg);
		return 1;
	}
	strbuf_free(&errs);
	if (resolver != NULL) {
		/* --resolver replaces dns_resolver (the config keeps ownership of
		 * its own list; restore it before config_free). */
		resolver_words[0] = (char *)resolver;
		struct conf_list saved = cfg->dns.resolver;
		cfg->dns.resolver.v = resolver_words;
		cfg->dns.resolver.n = 1;
		base = event_base_new();
		dns = base ? dns_client_new(base, &cfg->dns, err, sizeof(err)) : NULL;
		cfg->dns.resolver = saved;
	} else {
		base = event_base_new();
		dns = base ? dns_client_new(base, &cfg->dns, err, sizeof(err)) : NULL;
	}
	if (dns == NULL) {
		fprintf(stderr, "vouchctl spf: DNS: %s\n", base ? err : "no event base");
		if (base)
			event_base_free(base);
		spf_known_free(known);
		config_free(cfg);
		return 1;
	}

	spf_config_options(&cfg->spf, receiver ? receiver : cfg->hostname, known, &opts);
	opts.log_queries = 1;
	chk = spf_check_start(dns, &req, &opts, cfg->spf.timeout, on_done, base);
	event_base_dispatch(base);
	ev = spf_check_eval(chk);

	const struct spf_outcome *out = spf_check_outcome(chk);
	printf("%s\n", spf_result_name(out->result));
	put_line(out->result == SPF_FAIL ? out->explanation : out->reason);
	for (size_t i = 0; i < spf_eval_nqueries(ev); i++) {
		const struct spf_query *q = spf_eval_query(ev, i);
		struct strbuf line;

		strbuf_init(&line, 1024);
		strbuf_printf(&line, "query %s %s %s", dns_type_name(q->type), q->name,
		    dns_status_name(q->status));
		if (q->status == DNS_ANSWER)
			strbuf_printf(&line, " %zu", q->nrr);
		else if (q->why)
			strbuf_printf(&line, " %s", q->why);
		put_line(line.s ? line.s : "");
		strbuf_free(&line);
	}

	spf_check_free(chk);
	dns_client_free(dns);
	event_base_free(base);
	spf_known_free(known);
	config_free(cfg);
	return 0;
}
