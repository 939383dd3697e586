/*
 * vouchctl register: ask the registrar zones about a host name or an
 * address (register.h, DESIGN 5.3), as vouchd would: the zones of
 * registrar_zones, or only those given with --zone.
 *
 * Output:
 *
 *	STATUS				registered, suspended, unregistered, temperror
 *	REASON				the deciding zone's sentence
 *	zone ZONE STATUS [class=C since=D sponsors=N] [host=H ...]	one per zone
 *
 * Exit 0 when the lookups were made (whatever they found), 2 on usage
 * errors, 1 when DNS could not be set up.
 */
#include <event2/event.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "auth/register.h"
#include "config/config.h"
#include "dns/dns.h"
#include "vouchctl.h"

static int
usage(void)
{
	fprintf(stderr,
	    "usage: vouchctl [-c FILE] register NAME|IP [--zone ZONE]...\n"
	    "                [--resolver HOST[:PORT]]\n");
	return 2;
}

static void
put_clean(const char *s)
{
	for (; *s; s++)
		putchar((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s);
}

int
cmd_register(const struct vouchctl_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "resolver", required_argument, NULL, 'r' },
		{ "zone", required_argument, NULL, 'z' },
		{ NULL, 0, NULL, 0 },
	};
	const char *zones[REGISTER_ZONES_MAX];
	size_t nzones = 0;
	const char *resolver = NULL;
	struct register_outcome out;
	struct event_base *base;
	struct dns_client *dns;
	struct config *cfg;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': resolver = optarg; break;
		case 'z':
			if (nzones >= REGISTER_ZONES_MAX)
				return usage();
			zones[nzones++] = optarg;
			break;
		default: return usage();
		}
	}
	if (argc - optind != 1)
		return usage();

	if ((cfg = vouchctl_config(o)) == NULL)
		return 1;
	if (nzones == 0)
		for (size_t i = 0; i < cfg->reg.zones.n && nzones < REGISTER_ZONES_MAX; i++)
			zones[nzones++] = cfg->reg.zones.v[i];
	if (nzones == 0)
		fprintf(
		    stderr, "vouchctl register: no zones (set registrar_zones or give --zone)\n");
	if ((dns = vouchctl_dns(cfg, resolver, &base, "register")) == NULL) {
		config_free(cfg);
		return 1;
	}
	register_check_sync(dns, zones, nzones, argv[optind], &out);
	printf("%s\n", register_status_name(out.status));
	put_clean(out.reason);
	putchar('\n');
	for (size_t i = 0; i < out.nzones; i++) {
		const struct register_zone_result *z = &out.zones[i];
		printf("zone %s %s", z->zone, register_status_name(z->status));
		if (z->has_txt) {
			const struct register_txt *t = &z->txt;
			printf(" class=%s",
			    t->klass == REGISTER_CLASS_OTHER ? t->class_text
			                                     : register_class_name(t->klass));
			if (t->has_since)
				printf(" since=%04d-%02d-%02d", t->year, t->month, t->day);
			if (t->has_sponsors)
				printf(" sponsors=%lu", t->sponsors);
		}
		for (size_t k = 0; k < z->nhosts; k++)
			printf(" host=%s", z->hosts[k]);
		putchar('\n');
	}
	dns_client_free(dns);
	event_base_free(base);
	config_free(cfg);
	return 0;
}
