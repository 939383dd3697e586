/*
 * vouchctl block|allow|required list|add|del: the running vouchd's block
 * and allow lists (entries: an address, a network, user@domain, @domain,
 * helo:NAME) and its vouch-required addresses (sessions from them are
 * accepted only when they vouch; set by hard-mode XVOUCH failures).
 */
#include <stdio.h>
#include <string.h>

#include "ctlclient.h"
#include "util/str.h"
#include "vouchctl.h"

static long long
duration_s(const char *s)
{
	long long n;
	char unit = s[strlen(s) - 1];
	char buf[32];

	str_copy(buf, sizeof(buf), s);
	if (unit == 's' || unit == 'm' || unit == 'h' || unit == 'd')
		buf[strlen(buf) - 1] = '\0';
	if (str_to_ll(buf, 0, 100LL * 365 * 86400, &n) < 0)
		return -1;
	switch (unit) {
	case 'm': return n * 60;
	case 'h': return n * 3600;
	case 'd': return n * 86400;
	default: return n;
	}
}

int
cmd_lists(const struct vouchctl_opts *o, int argc, char **argv)
{
	const char *which = argv[0];
	struct strbuf req;
	int rc;

	strbuf_init(&req, 1024);
	if (argc == 2 && strcmp(argv[1], "list") == 0) {
		strbuf_printf(&req, "%s list", which);
	} else if (argc == 3 && strcmp(argv[1], "del") == 0) {
		strbuf_printf(&req, "%s del %s", which, argv[2]);
	} else if (argc >= 3 && strcmp(argv[1], "add") == 0) {
		long long secs = 0;
		const char *reason = "";
		for (int i = 3; i < argc; i++) {
			if (strcmp(argv[i], "--for") == 0 && i + 1 < argc) {
				if ((secs = duration_s(argv[++i])) < 0) {
					fprintf(stderr,
					    "vouchctl: '%s' is not a duration (30m, 24h, 7d)\n",
					    argv[i]);
					strbuf_free(&req);
					return 2;
				}
			} else if (strcmp(argv[i], "--reason") == 0 && i + 1 < argc) {
				reason = argv[++i];
			} else {
				fprintf(stderr, "vouchctl: unexpected '%s'\n", argv[i]);
				strbuf_free(&req);
				return 2;
			}
		}
		if (strpbrk(argv[2], " \t\r\n") || strpbrk(reason, "\r\n")) {
			fprintf(stderr, "vouchctl: bad entry or reason\n");
			strbuf_free(&req);
			return 2;
		}
		strbuf_printf(&req, "%s add %s %lld %s", which, argv[2], secs, reason);
	} else {
		fprintf(stderr,
		    "usage: vouchctl %s list | add ENTRY [--for 24h] [--reason TEXT] | del ENTRY\n"
		    "  ENTRY: 192.0.2.7, 192.0.2.0/24, user@example.com, @example.com, helo:mx.example.com\n",
		    which);
		strbuf_free(&req);
		return 2;
	}
	rc = ctlclient_request(o, req.s, 0);
	strbuf_free(&req);
	return rc;
}
