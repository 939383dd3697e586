/*
 * dns_mx: where mail for a domain goes (RFC 5321 5.1), found
 * asynchronously over the DNS client: the MX hosts in preference order
 * (equal preferences in random order), the domain itself when it has no MX
 * (implicit MX), nothing when it publishes a null MX (RFC 7505), and the
 * A and AAAA addresses of every host, grouped by host in that order (IPv4
 * before IPv6 within a host). Shared by the outbound agent and by sender
 * callouts; it decides nothing about which addresses may be contacted.
 *
 * Use from an event loop:
 *
 *	sess->mx = dns_mx_start(dns, "example.com", 0, on_mx, sess);
 *	...
 *	static void on_mx(const struct dns_mx_result *r, void *arg) {
 *		struct session *sess = arg;
 *		... r->status, r->reason, r->addrs[0 .. r->naddrs) ...
 *		dns_mx_free(sess->mx);	// allowed here; r goes with it
 *		sess->mx = NULL;
 *	}
 *
 * The lookup belongs to its caller. The callback runs exactly once, from
 * the event loop (never from inside dns_mx_start), unless dns_mx_free()
 * comes first: that cancels the DNS queries in flight and no callback
 * follows, so an owner that goes away leaves nothing that could touch it.
 */
#ifndef VOUCH_DNS_DNS_MX_H
#define VOUCH_DNS_DNS_MX_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <sys/socket.h>

#include "dns/dns.h"
#include "dns/dns_name.h"

/* RFC 5321 5.1 does not bound the MX list; we try at most this many hosts. */
#define DNS_MX_HOSTS_MAX 10
/* and at most this many addresses in all (a hostile zone cannot make more). */
#define DNS_MX_ADDRS_MAX 64

/* What became of a lookup: permanent outcomes apart from temporary ones. */
enum dns_mx_status {
	DNS_MX_FOUND = 0, /* addresses to try, in order, in addrs[] */
	DNS_MX_NXDOMAIN,  /* the domain does not exist (permanent) */
	DNS_MX_NULL,      /* null MX: the domain accepts no mail (RFC 7505, permanent) */
	DNS_MX_NOADDR,    /* the mail hosts have no address (permanent) */
	DNS_MX_TEMPFAIL,  /* DNS trouble: try again later */
};

/* Flags for dns_mx_start(). */
enum dns_mx_flags {
	/* The name is a host, not a mail domain: no MX lookup, only its
	 * addresses (a relayhost). An IP address is taken as it is. */
	DNS_MX_HOST_ONLY = 1 << 0,
};

/* One mail host, in the order to try. */
struct dns_mx_host {
	char name[DNS_NAME_MAX + 1]; /* without trailing dot */
	unsigned pref;               /* MX preference (0 for implicit MX) */
	enum dns_status a, aaaa;     /* how its address lookups went */
	size_t naddrs;               /* addresses it contributed */
};

/* One address to try. */
struct dns_mx_addr {
	size_t host; /* index into hosts[] */
	unsigned pref;
	int af; /* AF_INET or AF_INET6 */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} u;
	char text[INET6_ADDRSTRLEN]; /* the address printed */
};

/* A finished lookup. Plain data without pointers: copy it with '='. */
struct dns_mx_result {
	enum dns_mx_status status;
	char domain[DNS_NAME_MAX + 3]; /* as asked ("[192.0.2.1]" for a literal) */
	int implicit;                  /* no MX: the domain itself (RFC 5321 5.1) */
	int literal;                   /* an address literal or IP: no DNS asked */
	int partial;                   /* some address lookups failed temporarily */
	char reason[320];              /* one line for logs and SMTP replies */
	struct dns_mx_host hosts[DNS_MX_HOSTS_MAX];
	size_t nhosts;
	struct dns_mx_addr addrs[DNS_MX_ADDRS_MAX];
	size_t naddrs;
};

struct dns_mx;

/* Called once when the lookup is done; r is valid until dns_mx_free(). */
typedef void (*dns_mx_cb)(const struct dns_mx_result *r, void *arg);

/*
 * Start finding the mail hosts of domain (dotted, or an address literal
 * "[192.0.2.1]" / "[IPv6:2001:db8::1]" which needs no DNS). flags: enum
 * dns_mx_flags. dns is borrowed and must outlive the lookup. Free the
 * returned lookup with dns_mx_free() (also after the callback).
 */
struct dns_mx *
dns_mx_start(struct dns_client *dns, const char *domain, unsigned flags, dns_mx_cb cb, void *arg);
/* Cancel the lookup if it is still running and free it. NULL-safe. */
void dns_mx_free(struct dns_mx *q);
/* The result (final once the callback ran). */
const struct dns_mx_result *dns_mx_result(const struct dns_mx *q);

/*
 * Synchronous convenience for the CLI and tests: run the client's event
 * base until the lookup is done and copy the result into *out. Only for a
 * client whose base nobody else is running.
 */
void dns_mx_resolve_sync(
    struct dns_client *dns, const char *domain, unsigned flags, struct dns_mx_result *out);

/* Write addrs[i] with port into ss as a sockaddr; returns its length. */
socklen_t dns_mx_sockaddr(const struct dns_mx_addr *a, int port, struct sockaddr_storage *ss);
/* "found", "nxdomain", "nullmx", "noaddr", "tempfail". */
const char *dns_mx_status_name(enum dns_mx_status st);

#endif
