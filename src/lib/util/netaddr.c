/*
 * netaddr: parsing and printing configured socket addresses (see netaddr.h).
 */
#include "util/netaddr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util/str.h"

int
netaddr_parse(const char *spec, int portmin, int portmax, struct sockaddr_storage *ss,
    socklen_t *len, char *err, size_t errsz)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *port;
	long long p;
	size_t hl;

	memset(ss, 0, sizeof(*ss));
	if (spec[0] == '[') {
		const char *close = strchr(spec, ']');
		if (close == NULL || close[1] != ':') {
			snprintf(err, errsz, "'%.80s' is not [IPv6]:port", spec);
			return -1;
		}
		hl = (size_t)(close - spec - 1);
		port = close + 2;
		if (hl >= sizeof(host)) {
			snprintf(err, errsz, "'%.80s': '%.*s' is not an IPv6 address", spec,
			    (int)(hl > 60 ? 60 : hl), spec + 1);
			return -1;
		}
		memcpy(host, spec + 1, hl);
		host[hl] = '\0';
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)(void *)ss;
		if (inet_pton(AF_INET6, host, &s6->sin6_addr) != 1) {
			snprintf(err, errsz, "'%.80s': '%s' is not an IPv6 address", spec, host);
			return -1;
		}
		s6->sin6_family = AF_INET6;
		*len = sizeof(*s6);
	} else {
		const char *colon = strrchr(spec, ':');
		if (colon == NULL) {
			snprintf(
			    err, errsz, "'%.80s' is not address:port (the port is missing)", spec);
			return -1;
		}
		hl = (size_t)(colon - spec);
		port = colon + 1;
		if (hl >= sizeof(host) || memchr(spec, ':', hl) != NULL) {
			snprintf(err, errsz,
			    "'%.80s' is not address:port (write IPv6 as [addr]:port)", spec);
			return -1;
		}
		memcpy(host, spec, hl);
		host[hl] = '\0';
		struct sockaddr_in *s4 = (struct sockaddr_in *)(void *)ss;
		s4->sin_family = AF_INET;
		*len = sizeof(*s4);
		if (strcmp(host, "*") == 0)
			s4->sin_addr.s_addr = htonl(INADDR_ANY);
		else if (inet_pton(AF_INET, host, &s4->sin_addr) != 1) {
			snprintf(err, errsz,
			    "'%.80s': '%s' is not an IPv4 address (names are not accepted; * = every address)",
			    spec, host);
			return -1;
		}
	}
	if (port[0] < '0' || port[0] > '9' || str_to_ll(port, portmin, portmax, &p) < 0) {
		snprintf(err, errsz, "'%.80s': port '%.20s' is not a number from %d to %d", spec,
		    port, portmin, portmax);
		return -1;
	}
	if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)(void *)ss)->sin6_port = htons((unsigned short)p);
	else
		((struct sockaddr_in *)(void *)ss)->sin_port = htons((unsigned short)p);
	return 0;
}

const char *
netaddr_format(const struct sockaddr *sa, char *buf, size_t bufsz)
{
	char ip[INET6_ADDRSTRLEN] = "?";

	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)(const void *)sa;
		inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip));
		snprintf(buf, bufsz, "[%s]:%u", ip, (unsigned)ntohs(s6->sin6_port));
	} else if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)(const void *)sa;
		inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof(ip));
		snprintf(buf, bufsz, "%s:%u", ip, (unsigned)ntohs(s4->sin_port));
	} else {
		snprintf(buf, bufsz, "?");
	}
	return buf;
}

const char *
netaddr_local(int fd, char *buf, size_t bufsz)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return NULL;
	return netaddr_format((struct sockaddr *)&ss, buf, bufsz);
}

int
netaddr_listen_tcp(const struct sockaddr *sa, socklen_t len, int backlog, const char *what,
    char *err, size_t errsz)
{
	char text[NETADDR_TEXT_MAX];
	int one = 1;
	int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, sa, len) < 0 || listen(fd, backlog) < 0) {
		int e = errno;
		snprintf(err, errsz, "cannot listen on %s (%s): %s",
		    netaddr_format(sa, text, sizeof(text)), what, strerror(e));
		if (fd >= 0)
			close(fd);
		errno = e; /* callers tell EADDRINUSE from the rest */
		return -1;
	}
	return fd;
}
