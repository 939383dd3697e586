/*
 * spf: types shared by vouch's RFC 7208 SPF implementation: results,
 * client addresses, the request (who is being checked) and the outcome.
 *
 * The implementation is split by concern:
 *   spf_record.h  the record parser (pure: text in, terms out)
 *   spf_macro.h   the macro language of section 7 (pure)
 *   spf_eval.h    check_host() as a resumable state machine (no I/O)
 *   spf_check.h   drivers: asynchronous on the DNS client, and synchronous
 *   spf_known.h   the local table of known results
 *   spf_config.h  the "spf" configuration part
 */
#ifndef VOUCH_AUTH_SPF_H
#define VOUCH_AUTH_SPF_H

#include <stddef.h>
#include <stdint.h>

struct sockaddr;

/* RFC 7208 2.6: the results of check_host(). */
enum spf_result {
	SPF_NONE = 0,
	SPF_NEUTRAL,
	SPF_PASS,
	SPF_FAIL,
	SPF_SOFTFAIL,
	SPF_TEMPERROR,
	SPF_PERMERROR,
};

/* RFC 7208 4.6.4: at most 10 DNS-querying terms per evaluation. */
#define SPF_LOOKUP_LIMIT 10
/* RFC 7208 4.6.4: "void lookups" SHOULD be limited to two (the default). */
#define SPF_VOID_LIMIT 2
/* RFC 7208 4.6.4: at most 10 MX or PTR names looked up per term. */
#define SPF_NAMES_LIMIT 10
/* RFC 7208 7.3: expanded domain names are cut to 253 characters. */
#define SPF_DOMAIN_MAX 253
/* Longest explanation kept (longer exp= text is cut). */
#define SPF_EXPLANATION_MAX 1024
/* Longest MAIL FROM address and HELO name accepted as input. */
#define SPF_SENDER_MAX 512
#define SPF_HELO_MAX 255

/* A client address; an IPv4-mapped IPv6 address is stored as IPv4
 * (RFC 7208 5: "MUST still be considered an IPv4 address"). */
struct spf_ip {
	int family;       /* AF_INET or AF_INET6 */
	uint8_t addr[16]; /* network order; IPv4 uses the first 4 bytes */
};

/* Which identity is checked (RFC 7208 2.3, 2.4). */
enum spf_identity {
	SPF_ID_MAILFROM = 0, /* MAIL FROM; the null sender checks postmaster@HELO */
	SPF_ID_HELO,         /* the HELO/EHLO name */
};

/* What check_host() is asked about. Strings are borrowed for the call. */
struct spf_request {
	struct spf_ip ip;
	const char *sender; /* MAIL FROM address without <>, "" for <> */
	const char *helo;   /* HELO/EHLO argument ("" if none was given) */
	enum spf_identity identity;
};

/* The answer, self-contained (fixed buffers) so it can be copied. */
struct spf_outcome {
	enum spf_result result;
	int from_table;   /* decided by the local table, not DNS */
	unsigned lookups; /* DNS-querying terms evaluated */
	unsigned void_lookups;
	unsigned queries;                /* DNS queries made */
	char domain[SPF_DOMAIN_MAX + 1]; /* the identity's domain */
	char mechanism[128];             /* the term that decided, or "" (default result) */
	char reason[256];                /* why, for people and logs */
	char explanation[SPF_EXPLANATION_MAX + 1]; /* fail: exp= or default; else "" */
};

/* "none", "neutral", "pass", "fail", "softfail", "temperror", "permerror". */
const char *spf_result_name(enum spf_result r);
/* Parse a result word (case-insensitive); 0, or -1 if unknown. */
int spf_result_parse(const char *word, enum spf_result *out);

/* Parse a textual IPv4/IPv6 address; 0, or -1 if invalid. */
int spf_ip_parse(const char *text, struct spf_ip *ip);
/* From a socket address (AF_INET/AF_INET6); 0, or -1 for other families. */
int spf_ip_from_sockaddr(const struct sockaddr *sa, struct spf_ip *ip);
/* RFC 5952 text (the %{c} form): "192.0.2.1", "2001:db8::1". */
void spf_ip_format(const struct spf_ip *ip, char *out, size_t outsz);
/* True if ip is inside net/prefix of the same family (net: 4 or 16 bytes). */
int spf_ip_in_net(const struct spf_ip *ip, int family, const uint8_t *net, unsigned prefix);

#endif
