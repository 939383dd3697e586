/*
 * vouchctl queue ... and status: requests to the running vouchd.
 */
#include <stdio.h>
#include <string.h>

#include "ctlclient.h"
#include "vouchctl.h"

int
cmd_queue(const struct vouchctl_opts *o, int argc, char **argv)
{
	static const char *const with_id[] = { "show", "delete", "hold", "release", NULL };
	char req[256];

	if (argc == 2 && strcmp(argv[1], "list") == 0)
		return ctlclient_request(o, "queue list", 0);
	if (argc >= 2 && argc <= 3 &&
	    (strcmp(argv[1], "flush") == 0 || strcmp(argv[1], "retry") == 0)) {
		snprintf(req, sizeof(req), "queue %s%s%s", argv[1], argc == 3 ? " " : "",
		    argc == 3 ? argv[2] : "");
		return ctlclient_request(o, req, 0);
	}
	for (int i = 0; argc == 3 && with_id[i]; i++) {
		if (strcmp(argv[1], with_id[i]) == 0) {
			if (strlen(argv[2]) > 64 || strpbrk(argv[2], " \t\r\n")) {
				fprintf(stderr, "vouchctl: '%s' is not a queue id\n", argv[2]);
				return 2;
			}
			snprintf(req, sizeof(req), "queue %s %s", argv[1], argv[2]);
			return ctlclient_request(o, req, 0);
		}
	}
	fprintf(stderr,
	    "usage: vouchctl queue list | show ID | delete ID | hold ID | release ID | "
	    "flush [ID] | retry [ID]\n");
	return 2;
}

int
cmd_status(const struct vouchctl_opts *o, int argc, char **argv)
{
	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: vouchctl status\n");
		return 2;
	}
	return ctlclient_request(o, "status", 0);
}

int
cmd_reload(const struct vouchctl_opts *o, int argc, char **argv)
{
	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: vouchctl reload\n");
		return 2;
	}
	return ctlclient_request(o, "reload", 0);
}
