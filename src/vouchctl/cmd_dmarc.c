/*
 * vouchctl dmarc: evaluate DMARC (RFC 7489) from the command line with
 * vouch's discovery (through the resolver of the configuration's dns_*
 * settings, or --resolver) and evaluation, given the SPF and DKIM results
 * a message had; or check a record's text with --record.
 *
 *	vouchctl dmarc --from DOMAIN|ADDRESS [--spf RESULT:DOMAIN] [--spf-helo]
 *	               [--dkim RESULT:DOMAIN[:SELECTOR]]... [--sample N]
 *	               [--resolver HOST[:PORT]] [--psl FILE]
 *	vouchctl dmarc --record 'v=DMARC1; p=reject; ...'
 *
 * Output of an evaluation: the result word alone on the first line; the
 * reason; "policy=P disposition=D" (or "policy=-" without one); the
 * Authentication-Results entry; the record found ("record DOMAIN: TEXT",
 * its canonical form) and its notes; one line per query: "query TXT NAME
 * STATUS [COUNT] DNSSEC". Exit 0 when an evaluation ran (whatever its
 * result), 2 on usage errors, 1 when DNS or the suffix list failed.
 *
 * --record prints the canonical record, or "not a DMARC record" /
 * "no policy: ..." and exits 1 for a record that is not usable.
 */
#include <event2/event.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/dmarc_check.h"
#include "auth/dmarc_eval.h"
#include "auth/dmarc_from.h"
#include "auth/dmarc_record.h"
#include "auth/orgdomain.h"
#include "config/config.h"
#include "dns/dns.h"
#include "msg/authres.h"
#include "vouchctl.h"

static int
usage(void)
{
	fprintf(stderr,
	    "usage: vouchctl [-c FILE] dmarc --from DOMAIN|ADDRESS [--spf RESULT:DOMAIN]\n"
	    "                [--spf-helo] [--dkim RESULT:DOMAIN[:SELECTOR]]... [--sample 0-99]\n"
	    "                [--resolver HOST[:PORT]] [--psl FILE]\n"
	    "       vouchctl dmarc --record TEXT\n"
	    "  RESULT: SPF none|neutral|pass|fail|softfail|temperror|permerror,\n"
	    "          DKIM none|pass|fail|policy|neutral|temperror|permerror\n");
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

static void
discovered(const struct dmarc_discovery *d, void *arg)
{
}

static int
record_only(const char *text)
{
	struct dmarc_record rec;
	struct strbuf sb;
	char err[400];
	enum dmarc_record_status st =
	    dmarc_record_parse(text, strlen(text), &rec, err, sizeof(err));

	if (st != DMARC_RECORD_OK) {
		put_line(st == DMARC_RECORD_NO_POLICY ? "no policy" : "not a DMARC record");
		put_line(err);
		return 1;
	}
	strbuf_init(&sb, 1 << 16);
	dmarc_record_format(&rec, &sb);
	put_line(sb.s);
	if (rec.p_assumed)
		put_line(
		    "note: no valid p=, read as p=none because rua= is valid (RFC 7489 6.6.3)");
	if (rec.notes[0]) {
		printf("notes: ");
		put_line(rec.notes);
	}
	strbuf_free(&sb);
	return 0;
}

/* "RESULT:DOMAIN[:SELECTOR]" into its parts (text modified); 0, or -1. */
static int
split(char *arg, char **result, char **domain, char **selector)
{
	char *c1 = strchr(arg, ':'), *c2;

	if (c1 == NULL)
		return -1;
	*c1 = '\0';
	*result = arg;
	*domain = c1 + 1;
	c2 = strchr(*domain, ':');
	*selector = NULL;
	if (c2) {
		*c2 = '\0';
		*selector = c2 + 1;
	}
	return 0;
}

int
cmd_dmarc(const struct vouchctl_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "spf", required_argument, NULL, 's' },
		{ "spf-helo", no_argument, NULL, 'H' },
		{ "dkim", required_argument, NULL, 'd' },
		{ "sample", required_argument, NULL, 'n' },
		{ "resolver", required_argument, NULL, 'r' },
		{ "psl", required_argument, NULL, 'p' },
		{ "record", required_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 },
	};
	const char *from = NULL, *resolver = NULL, *psl = NULL, *record = NULL;
	char from_domain[DMARC_DOMAIN_MAX + 1];
	struct dmarc_dkim sigs[DMARC_DKIM_MAX];
	struct dmarc_input in = { .spf = SPF_NONE, .spf_domain = "", .dkim = sigs };
	long long sample = -1;
	char *res, *dom, *sel;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': from = optarg; break;
		case 'H': in.spf_helo = 1; break;
		case 'r': resolver = optarg; break;
		case 'p': psl = optarg; break;
		case 'R': record = optarg; break;
		case 'n':
			if (str_to_ll(optarg, 0, 99, &sample) < 0)
				return usage();
			break;
		case 's':
			if (split(optarg, &res, &dom, &sel) < 0 || sel ||
			    spf_result_parse(res, &in.spf) < 0)
				return usage();
			in.spf_domain = dom;
			break;
		case 'd': {
			if (in.ndkim >= DMARC_DKIM_MAX || split(optarg, &res, &dom, &sel) < 0)
				return usage();
			struct dmarc_dkim *d = &sigs[in.ndkim];
			memset(d, 0, sizeof(*d));
			if (dmarc_dkim_result_parse(res, &d->result) < 0 ||
			    str_copy(d->domain, sizeof(d->domain), dom) >= sizeof(d->domain) ||
			    str_copy(d->selector, sizeof(d->selector), sel ? sel : "") >=
			        sizeof(d->selector))
				return usage();
			in.ndkim++;
			break;
		}
		default: return usage();
		}
	}
	if (optind != argc || (record == NULL) == (from == NULL))
		return usage();
	if (record)
		return record_only(record);

	/* A bare domain, or an address / From field value as a message has it. */
	if (strchr(from, '@') || strchr(from, '<')) {
		enum dmarc_from_status fs =
		    dmarc_from_parse(from, strlen(from), from_domain, sizeof(from_domain), NULL);
		if (fs != DMARC_FROM_OK) {
			fprintf(stderr, "vouchctl dmarc: --from: %s\n", dmarc_from_status_name(fs));
			return 2;
		}
	} else if (str_copy(from_domain, sizeof(from_domain), from) >= sizeof(from_domain)) {
		fprintf(stderr, "vouchctl dmarc: --from: too long\n");
		return 2;
	}
	in.from_domain = from_domain;

	char err[300];
	struct config *cfg = vouchctl_config(o);
	if (cfg == NULL)
		return 1;
	struct orgdomain *od = orgdomain_open(psl, err, sizeof(err));
	if (od == NULL) {
		fprintf(stderr, "vouchctl dmarc: %s\n", err);
		config_free(cfg);
		return 1;
	}
	struct event_base *base;
	struct dns_client *dns = vouchctl_dns(cfg, resolver, &base, "dmarc");
	if (dns == NULL) {
		orgdomain_free(od);
		config_free(cfg);
		return 1;
	}

	struct dmarc_check *chk = dmarc_check_start(dns, od, from_domain, discovered, NULL);
	dmarc_check_wait(chk);
	const struct dmarc_discovery *disc = dmarc_check_discovery(chk);
	struct dmarc_outcome out;
	dmarc_eval(&in, disc, od, sample >= 0 ? (unsigned)sample : dmarc_sample(), &out);

	printf("%s\n", dmarc_result_name(out.result));
	put_line(out.reason);
	if (out.has_policy)
		printf("policy=%s disposition=%s\n", dmarc_policy_name(out.policy),
		    dmarc_policy_name(out.disposition));
	else
		printf("policy=-\n");
	/* the entry as it appears in the header, after "Authentication-Results: id;" */
	struct authres_entry e;
	struct strbuf ar;
	char comment[300];
	dmarc_authres(&out, &e, comment, sizeof(comment));
	strbuf_init(&ar, 4096);
	authres_format("x", &e, 1, &ar);
	const char *entry = ar.s ? strstr(ar.s, "\r\n\t") : NULL;
	if (entry) {
		char *eol = strstr(entry + 3, "\r\n");
		if (eol)
			*eol = '\0';
		put_line(entry + 3);
	}
	strbuf_free(&ar);
	if (disc->status == DMARC_DISC_FOUND) {
		struct strbuf rec;
		strbuf_init(&rec, 1 << 16);
		dmarc_record_format(&disc->rec, &rec);
		printf("record %s: ", disc->policy_domain);
		put_line(rec.s);
		strbuf_free(&rec);
		if (disc->rec.notes[0]) {
			printf("notes: ");
			put_line(disc->rec.notes);
		}
	}
	for (size_t i = 0; i < dmarc_check_nqueries(chk); i++) {
		const struct dmarc_query *q = dmarc_check_query(chk, i);
		printf("query TXT %s %s", q->name, dns_status_name(q->status));
		if (q->status == DNS_ANSWER)
			printf(" %zu", q->nrr);
		printf(" %s\n", dns_sec_name(q->sec));
	}

	dmarc_check_free(chk);
	dns_client_free(dns);
	event_base_free(base);
	orgdomain_free(od);
	config_free(cfg);
	return 0;
}
