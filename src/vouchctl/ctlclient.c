/*
 * ctlclient: the control socket client (see ctlclient.h).
 */
#include "ctlclient.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "config/config.h"
#include "util/str.h"

int
ctlclient_request(const struct vouchctl_opts *o, const char *request, int quiet)
{
	struct strbuf answer;
	struct config *cfg;
	struct sockaddr_un sun;
	char buf[8192];
	ssize_t n;
	int fd, rc;

	if ((cfg = vouchctl_config(o)) == NULL)
		return 3;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	str_copy(sun.sun_path, sizeof(sun.sun_path), cfg->control_socket);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		if (!quiet)
			fprintf(stderr,
			    "vouchctl: cannot reach vouchd at %s: %s (is it running?)\n",
			    cfg->control_socket, strerror(errno));
		if (fd >= 0)
			close(fd);
		config_free(cfg);
		return 3;
	}
	config_free(cfg);
	size_t len = strlen(request);
	if (write(fd, request, len) != (ssize_t)len || write(fd, "\n", 1) != 1) {
		fprintf(stderr, "vouchctl: write to vouchd failed: %s\n", strerror(errno));
		close(fd);
		return 3;
	}
	strbuf_init(&answer, 512 * 1024 * 1024);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (strbuf_append(&answer, buf, (size_t)n) < 0)
			break;
	close(fd);
	if (answer.s == NULL) {
		fprintf(stderr, "vouchctl: vouchd closed the connection without an answer\n");
		strbuf_free(&answer);
		return 3;
	}
	char *nl = strchr(answer.s, '\n');
	rc = strncmp(answer.s, "ok\n", 3) == 0 ? 0 : 1;
	if (!quiet)
		fputs(nl ? nl + 1 : "", rc == 0 ? stdout : stderr);
	strbuf_free(&answer);
	return rc;
}
