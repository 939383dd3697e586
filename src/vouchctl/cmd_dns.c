/*
 * vouchctl dns: one lookup through vouch's DNS client, as vouchd would make
 * it (dns_* settings from the configuration, or --resolver), to see what
 * the resolver answers and with which DNSSEC state.
 *
 * Output: "STATUS SECURITY" on the first line (e.g. "answer secure",
 * "nxdomain insecure", "tempfail bogus"), followed on a failure by the
 * reason; then one record per line (TXT escaped, in double quotes). Exit 0
 * when the lookup was made (whatever its result), 2 on usage errors, 1 when
 * DNS could not be set up.
 */
#include <arpa/inet.h>
#include <event2/event.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "config/config.h"
#include "dns/dns.h"
#include "dns/dns_result.h"
#include "util/log.h"
#include "vouchctl.h"

static int
usage(void)
{
	fprintf(stderr,
	    "usage: vouchctl [-c FILE] dns NAME [A|AAAA|MX|TXT|PTR|CNAME|NS]\n"
	    "                [--resolver HOST[:PORT]] [--trust-anchor FILE]\n");
	return 2;
}

/* A name as it is, but bytes outside printable ASCII as \xNN. */
static void
put_name(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x21 || c > 0x7e || c == '\\')
			printf("\\x%02x", c);
		else
			putchar(c);
	}
}

static void
print_rr(const struct dns_rr *rr)
{
	char buf[INET6_ADDRSTRLEN];
	char esc[LOG_ESC_MAX * 4];

	switch (rr->type) {
	case DNS_T_A: printf("%s\n", inet_ntop(AF_INET, &rr->u.a, buf, sizeof(buf))); break;
	case DNS_T_AAAA: printf("%s\n", inet_ntop(AF_INET6, &rr->u.aaaa, buf, sizeof(buf))); break;
	case DNS_T_MX:
		printf("%u ", rr->u.mx.pref);
		put_name(rr->u.mx.host);
		putchar('\n');
		break;
	case DNS_T_TXT:
		printf("%s\n", log_escape(esc, sizeof(esc), rr->u.txt.data, rr->u.txt.len));
		break;
	default:
		put_name(rr->u.name);
		putchar('\n');
		break;
	}
}

int
cmd_dns(const struct vouchctl_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "resolver", required_argument, NULL, 'r' },
		{ "trust-anchor", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	const char *resolver = NULL, *anchor = NULL;
	char *words[1], *saved_anchor;
	enum dns_type type = DNS_T_A;
	struct conf_list saved;
	struct event_base *base;
	struct dns_client *dns;
	struct dns_result *res;
	struct config *cfg;
	char err[300];
	int c;

	/* 0, not 1: glibc then re-initialises getopt, dropping the "+" (stop at
	 * the first operand) mode of main's own option parsing. */
	optind = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': resolver = optarg; break;
		case 't': anchor = optarg; break;
		default: return usage();
		}
	}
	if (optind >= argc || argc - optind > 2)
		return usage();
	if (argc - optind == 2 && (type = dns_type_parse(argv[optind + 1])) == 0)
		return usage();

	if ((cfg = vouchctl_config(o)) == NULL)
		return 1;
	/* Options override the configuration for this one client; the config
	 * keeps ownership of its own values (restored below). */
	saved = cfg->dns.resolver;
	saved_anchor = cfg->dns.trust_anchor;
	if (resolver) {
		words[0] = (char *)resolver;
		cfg->dns.resolver.v = words;
		cfg->dns.resolver.n = 1;
	}
	if (anchor)
		cfg->dns.trust_anchor = (char *)anchor;
	base = event_base_new();
	dns = base ? dns_client_new(base, &cfg->dns, err, sizeof(err)) : NULL;
	cfg->dns.resolver = saved;
	cfg->dns.trust_anchor = saved_anchor;
	if (dns == NULL) {
		fprintf(stderr, "vouchctl dns: %s\n", base ? err : "no event base");
		if (base)
			event_base_free(base);
		config_free(cfg);
		return 1;
	}

	res = dns_client_lookup_sync(dns, argv[optind], type);
	printf("%s %s\n", dns_status_name(res->status), dns_sec_name(res->sec));
	if (res->why) {
		char esc[LOG_ESC_MAX];
		printf("%s\n", log_escape(esc, sizeof(esc), res->why, strlen(res->why)));
	}
	for (size_t i = 0; i < res->nrr; i++)
		print_rr(&res->rr[i]);

	dns_result_free(res);
	dns_client_free(dns);
	event_base_free(base);
	config_free(cfg);
	return 0;
}
