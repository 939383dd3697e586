/*
 * netaddr: socket addresses as the configuration writes them, one parser
 * and one printer for every program (vouchd's listeners and metrics
 * endpoint, vouch-registry's DNS and HTTP listeners, notify targets).
 *
 * The forms are "IPv4:PORT", "[IPv6]:PORT" and "*:PORT" (every IPv4
 * address). Host names are not accepted: a listener binds before any DNS
 * is trusted, and a name that resolves differently tomorrow is not a
 * configuration a config check can vouch for. Port 0 asks the kernel for
 * a free port; the bound address is then read back with netaddr_local().
 */
#ifndef VOUCH_UTIL_NETADDR_H
#define VOUCH_UTIL_NETADDR_H

#include <stddef.h>
#include <sys/socket.h>

/* Room for "[" IPv6 "]:" port and the NUL. */
#define NETADDR_TEXT_MAX 64

/*
 * Parse spec into ss/len; the port must lie in [portmin, portmax]. On
 * failure returns -1 and writes a reason (naming spec) to err.
 */
int netaddr_parse(const char *spec, int portmin, int portmax, struct sockaddr_storage *ss,
    socklen_t *len, char *err, size_t errsz);
/* "IPv4:PORT" or "[IPv6]:PORT" for sa, into buf; returns buf. */
const char *netaddr_format(const struct sockaddr *sa, char *buf, size_t bufsz);
/* The address fd is bound to, formatted; returns buf, or NULL on error. */
const char *netaddr_local(int fd, char *buf, size_t bufsz);
/*
 * A non-blocking, close-on-exec TCP socket bound to sa and listening with
 * backlog: the descriptor, or -1 with a reason (naming what) in err.
 */
int netaddr_listen_tcp(const struct sockaddr *sa, socklen_t len, int backlog, const char *what,
    char *err, size_t errsz);

#endif
