/*
 * vouchctl helo: the HELO checks (helo.h) for a name and a client address,
 * as vouchd makes them for each session (helo_check_start() on an event
 * loop, the helo_timeout and dns_* settings of the configuration), to see
 * why a client's HELO name or reverse DNS passes or fails.
 *
 * Output, one check per line, then the verified name and the reason:
 *
 *	syntax RESULT		RESULT: pass, fail, none, temperror
 *	literal RESULT
 *	forward RESULT
 *	fcrdns RESULT
 *	verified NAME		the PTR name that resolves back, or "-"
 *	reason TEXT		the most telling failure, or "-"
 *
 * Exit 0 when the checks ran (whatever they found), 2 on usage errors, 1
 * when the configuration or DNS could not be set up.
 */
#include <arpa/inet.h>
#include <event2/event.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "auth/helo.h"
#include "config/config.h"
#include "dns/dns.h"
#include "vouchctl.h"

static int
usage(void)
{
	fprintf(stderr, "usage: vouchctl [-c FILE] helo NAME --ip IP [--resolver HOST[:PORT]]\n");
	return 2;
}

/* Text on one line: control characters become '?'; "-" when empty. */
static void
put_field(const char *key, const char *s)
{
	fputs(key, stdout);
	putchar(' ');
	if (s[0] == '\0')
		putchar('-');
	for (; *s; s++)
		putchar((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s);
	putchar('\n');
}

struct helo_wait {
	struct event_base *base;
	struct helo_outcome out;
};

static void
on_done(const struct helo_outcome *o, void *arg)
{
	struct helo_wait *w = arg;

	w->out = *o;
	event_base_loopbreak(w->base);
}

int
cmd_helo(const struct vouchctl_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "ip", required_argument, NULL, 'i' },
		{ "resolver", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	const char *ip = NULL, *resolver = NULL, *name;
	int ok;
	struct sockaddr_storage ss;
	struct helo_wait w;
	struct helo_check *chk;
	struct dns_client *dns;
	struct config *cfg;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'i': ip = optarg; break;
		case 'r': resolver = optarg; break;
		default: return usage();
		}
	}
	if (argc - optind != 1 || ip == NULL)
		return usage();
	name = argv[optind];
	memset(&ss, 0, sizeof(ss));
	if (strchr(ip, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		ok = inet_pton(AF_INET6, ip, &s6->sin6_addr) == 1;
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		ok = inet_pton(AF_INET, ip, &s4->sin_addr) == 1;
	}
	if (!ok) {
		fprintf(stderr, "vouchctl helo: '%s' is not an IP address\n", ip);
		return 2;
	}

	if ((cfg = vouchctl_config(o)) == NULL)
		return 1;
	if ((dns = vouchctl_dns(cfg, resolver, &w.base, "helo")) == NULL) {
		config_free(cfg);
		return 1;
	}
	chk = helo_check_start(
	    dns, name, (const struct sockaddr *)&ss, cfg->helo_timeout, on_done, &w);
	event_base_dispatch(w.base);
	helo_check_free(chk);
	printf("syntax %s\n", helo_result_name(w.out.syntax));
	printf("literal %s\n", helo_result_name(w.out.literal));
	printf("forward %s\n", helo_result_name(w.out.forward));
	printf("fcrdns %s\n", helo_result_name(w.out.fcrdns));
	put_field("verified", w.out.verified_name);
	put_field("reason", w.out.reason);
	dns_client_free(dns);
	event_base_free(w.base);
	config_free(cfg);
	return 0;
}
