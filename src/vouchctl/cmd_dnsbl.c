/*
 * vouchctl dnsbl: ask the DNS block and allow lists about an address
 * (dnslist.h, RFC 5782), as vouchd would: the zones of dnsbl_zones and
 * dnswl_zones, or only those given with --zone (as block lists).
 *
 * Output, one pair of lines per zone in the order configured:
 *
 *	block|allow ZONE RESULT [CODE ...]	RESULT: listed, notlisted, temperror
 *	  REASON
 *
 * Exit 0 when the lookups were made (whatever they found), 2 on usage
 * errors, 1 when DNS could not be set up or a zone is not valid.
 */
#include <arpa/inet.h>
#include <event2/event.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "auth/dnslist.h"
#include "auth/dnslist_config.h"
#include "config/config.h"
#include "dns/dns.h"
#include "vouchctl.h"

static int
usage(void)
{
	fprintf(stderr,
	    "usage: vouchctl [-c FILE] dnsbl IP [--zone ZONE[=CODES]]...\n"
	    "                [--resolver HOST[:PORT]]\n");
	return 2;
}

static void
put_clean(const char *s)
{
	for (; *s; s++)
		putchar((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s);
}

static void
print_list(const char *kind, const struct dnslist_outcome *o)
{
	char ip[INET_ADDRSTRLEN];

	for (size_t i = 0; i < o->nzones; i++) {
		const struct dnslist_zone_result *z = &o->zones[i];
		printf("%s %s %s", kind, z->zone, dnslist_result_name(z->result));
		for (size_t k = 0; k < z->ncodes; k++)
			printf(" %s", inet_ntop(AF_INET, &z->codes[k], ip, sizeof(ip)));
		printf("\n  ");
		put_clean(z->reason);
		putchar('\n');
	}
}

int
cmd_dnsbl(const struct vouchctl_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "resolver", required_argument, NULL, 'r' },
		{ "zone", required_argument, NULL, 'z' },
		{ NULL, 0, NULL, 0 },
	};
	struct dnslist_zone bl[DNSLIST_ZONES_MAX], wl[DNSLIST_ZONES_MAX];
	const char *resolver = NULL;
	char *given[DNSLIST_ZONES_MAX];
	struct conf_list given_list = { given, 0 };
	unsigned char addr[16];
	struct dnslist_outcome out;
	struct event_base *base;
	struct dns_client *dns;
	struct config *cfg;
	struct strbuf errs;
	int nbl, nwl = 0, af, c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': resolver = optarg; break;
		case 'z':
			if (given_list.n >= DNSLIST_ZONES_MAX)
				return usage();
			given[given_list.n++] = optarg;
			break;
		default: return usage();
		}
	}
	if (argc - optind != 1)
		return usage();
	af = strchr(argv[optind], ':') ? AF_INET6 : AF_INET;
	if (inet_pton(af, argv[optind], addr) != 1) {
		fprintf(stderr, "vouchctl dnsbl: '%s' is not an IP address\n", argv[optind]);
		return 2;
	}

	strbuf_init(&errs, 1 << 16);
	cfg = config_load(o->config_path, &errs);
	if (cfg == NULL) {
		fputs(errs.s ? errs.s : "configuration error\n", stderr);
		strbuf_free(&errs);
		return 1;
	}
	if (given_list.n) {
		nbl = dnslist_config_zones(&given_list, "--zone", bl, &errs);
	} else {
		nbl = dnslist_config_zones(&cfg->dnslist.bl_zones, "dnsbl_zones", bl, &errs);
		nwl = dnslist_config_zones(&cfg->dnslist.wl_zones, "dnswl_zones", wl, &errs);
	}
	if (nbl < 0 || nwl < 0) {
		fputs(errs.s ? errs.s : "bad zone\n", stderr);
		strbuf_free(&errs);
		config_free(cfg);
		return 1;
	}
	strbuf_free(&errs);
	if (nbl + nwl == 0)
		fprintf(stderr,
		    "vouchctl dnsbl: no zones (set dnsbl_zones/dnswl_zones or give --zone)\n");
	if ((dns = vouchctl_dns(cfg, resolver, &base, "dnsbl")) == NULL) {
		config_free(cfg);
		return 1;
	}
	dnslist_check_sync(dns, bl, (size_t)nbl, af, addr, &out);
	print_list("block", &out);
	if (nwl > 0) {
		dnslist_check_sync(dns, wl, (size_t)nwl, af, addr, &out);
		print_list("allow", &out);
	}
	dns_client_free(dns);
	event_base_free(base);
	config_free(cfg);
	return 0;
}
