/*
 * vouchctl challenge|whitelist: challenge/response of the running vouchd
 * (docs/operations.md): the challenges outstanding and the mail each
 * holds, releasing or discarding it; the whitelists of local users.
 */
#include <stdio.h>
#include <string.h>

#include "ctlclient.h"
#include "util/str.h"
#include "vouchctl.h"

static int
word_ok(const char *s)
{
	return s[0] && !strpbrk(s, " \t\r\n") && strlen(s) < 400;
}

int
cmd_challenge(const struct vouchctl_opts *o, int argc, char **argv)
{
	struct strbuf req;
	int rc, ok = 0;

	strbuf_init(&req, 2048);
	if (strcmp(argv[0], "challenge") == 0) {
		if (argc == 2 && strcmp(argv[1], "list") == 0)
			ok = strbuf_puts(&req, "challenge list") == 0;
		else if (argc == 3 && word_ok(argv[2]) &&
		    (strcmp(argv[1], "show") == 0 || strcmp(argv[1], "release") == 0 ||
		        strcmp(argv[1], "discard") == 0))
			ok = strbuf_printf(&req, "challenge %s %s", argv[1], argv[2]) == 0;
		if (!ok)
			fprintf(stderr,
			    "usage: vouchctl challenge list | show ID | release ID | discard ID\n"
			    "  release: deliver the mail held for ID (the sender is not whitelisted)\n"
			    "  discard: drop it, without a bounce\n");
	} else {
		if ((argc == 2 || (argc == 3 && word_ok(argv[2]))) && strcmp(argv[1], "list") == 0)
			ok = strbuf_printf(&req, "whitelist list%s%s", argc == 3 ? " " : "",
			         argc == 3 ? argv[2] : "") == 0;
		else if (argc == 4 && word_ok(argv[2]) && word_ok(argv[3]) &&
		    (strcmp(argv[1], "add") == 0 || strcmp(argv[1], "del") == 0))
			ok = strbuf_printf(&req, "whitelist %s %s %s", argv[1], argv[2], argv[3]) ==
			    0;
		if (!ok)
			fprintf(stderr,
			    "usage: vouchctl whitelist list [USER] | add USER ADDRESS | del USER ADDRESS\n"
			    "  ADDRESS: sender@example.org, or @example.org for a whole domain\n");
	}
	if (!ok) {
		strbuf_free(&req);
		return 2;
	}
	rc = ctlclient_request(o, req.s, 0);
	strbuf_free(&req);
	return rc;
}
