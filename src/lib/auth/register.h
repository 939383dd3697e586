/*
 * register: what the registrar zones say about a sending server (DESIGN
 * 5.3, docs/registry.md section 1), asked through the normal resolver:
 *
 *	<hostname>.<zone>      A 127.0.0.2   registered and active (may send)
 *	                       A 127.0.0.3   registered, suspended
 *	                       TXT "v=vouch1; class=<class>; since=<date>; sponsors=<n>"
 *	<reversed-ip>.ip.<zone> A 127.0.0.2 / .3, TXT "v=vouch1; host=<hostname>"
 *
 * NXDOMAIN, or NOERROR without records (an empty non-terminal such as
 * example.com.<zone> above mx1.example.com.<zone>), means unregistered;
 * anything else -- a timeout, SERVFAIL, an A record other than 127.0.0.2
 * or 127.0.0.3 -- is a temporary error. The host name form is asked for
 * the vouched HELO name; the address form before HELO.
 *
 * Several zones (registrars) may be configured; each is asked, all at
 * once, and the results combine in this order of precedence:
 *   1. suspended, if any zone says suspended (a suspension follows
 *      confirmed abuse: a lenient registrar cannot wash it out);
 *   2. registered (active), if any zone says so;
 *   3. temperror, if any zone could not be asked (it might have said
 *      suspended or registered);
 *   4. unregistered.
 * The zone that decided is named; every zone's own result is kept.
 *
 * The TXT parser is pure (register_txt_parse) and fuzzed.
 *
 * Use from an event loop, like the other checks: register_check_name() or
 * register_check_addr() starts, the callback comes once from the loop,
 * register_check_free() at any time cancels (no callback follows).
 */
#ifndef VOUCH_AUTH_REGISTER_H
#define VOUCH_AUTH_REGISTER_H

#include <netinet/in.h>
#include <stddef.h>

#include "dns/dns_name.h"

struct dns_client;
struct register_check;

#define REGISTER_ZONES_MAX 8
/* Server names kept from an address's TXT records. */
#define REGISTER_HOSTS_MAX 8

enum register_status {
	REGISTER_UNREGISTERED = 0, /* no record: not (or no longer) registered */
	REGISTER_ACTIVE,           /* 127.0.0.2: registered, may send */
	REGISTER_SUSPENDED,        /* 127.0.0.3: registered, suspended */
	REGISTER_TEMPERROR,        /* no usable answer: try again later */
};

/* Mail classes (DESIGN 5.3). OTHER: a value this version does not know. */
enum register_class {
	REGISTER_CLASS_NONE = 0, /* no class field */
	REGISTER_CLASS_BUSINESS,
	REGISTER_CLASS_INDIVIDUAL,
	REGISTER_CLASS_ISP,
	REGISTER_CLASS_GOVERNMENT,
	REGISTER_CLASS_EDUCATION,
	REGISTER_CLASS_BULK,
	REGISTER_CLASS_OTHER,
};

/* A parsed "v=vouch1; ..." record; fields not present are zero. */
struct register_txt {
	enum register_class klass;
	char class_text[32]; /* the class as written (lower case) */
	int has_since;
	int year, month, day; /* since=YYYY-MM-DD: first approval, UTC */
	int has_sponsors;
	unsigned long sponsors;      /* active sponsoring servers */
	char host[DNS_NAME_MAX + 1]; /* host= (address records) */
};

struct register_zone_result {
	char zone[DNS_NAME_MAX + 1];
	enum register_status status;
	int has_txt;             /* a TXT record parsed (name form: with its class) */
	struct register_txt txt; /* name form */
	char hosts[REGISTER_HOSTS_MAX][DNS_NAME_MAX + 1]; /* address form: host= */
	size_t nhosts;
	char reason[320];
};

struct register_outcome {
	char query[DNS_NAME_MAX + 1]; /* the host name, or the address as text */
	int by_address;               /* asked for an address, not a name */
	enum register_status status;  /* combined, see above */
	int decided_by;               /* index into zones[], or -1 (no zones, or none said) */
	size_t nzones;
	struct register_zone_result zones[REGISTER_ZONES_MAX];
	char reason[400];
};

typedef void (*register_cb)(const struct register_outcome *o, void *arg);

/*
 * Parse a TXT record (len bytes, may hold anything). It must start with
 * "v=vouch1"; then "tag=value" fields separated by ';' (spaces around
 * them ignored). class, since, sponsors and host are checked; unknown tags
 * are ignored (later versions may add some); a known tag twice is an
 * error. Returns 0, or -1 with a reason in err.
 */
int
register_txt_parse(const char *txt, size_t len, struct register_txt *out, char *err, size_t errsz);

/*
 * Ask zones[0 .. nzones) (copied; at most REGISTER_ZONES_MAX) about the
 * host name (a trailing dot and case do not matter). dns is borrowed.
 */
struct register_check *register_check_name(struct dns_client *dns, const char *const *zones,
    size_t nzones, const char *hostname, register_cb cb, void *arg);
/* Same for an address (af AF_INET, 4 bytes, or AF_INET6, 16 bytes). */
struct register_check *register_check_addr(struct dns_client *dns, const char *const *zones,
    size_t nzones, int af, const void *addr, register_cb cb, void *arg);
/* Cancel if still running and free. NULL-safe. */
void register_check_free(struct register_check *chk);
/* The outcome (final once the callback ran). */
const struct register_outcome *register_check_outcome(const struct register_check *chk);
/* Synchronous, for the CLI and tests: a name, or (if it parses) an address. */
void register_check_sync(struct dns_client *dns, const char *const *zones, size_t nzones,
    const char *name_or_ip, struct register_outcome *out);

/* "unregistered", "registered", "suspended", "temperror". */
const char *register_status_name(enum register_status st);
/* "business", ..., "bulk"; "" for NONE, "other" for OTHER (class_text
 * in the record has what it said). */
const char *register_class_name(enum register_class c);
/* Is word (any case) a class a policy may name: one of the six, or
 * "other" (a class this version does not know)? */
int register_class_known(const char *word);

#endif
