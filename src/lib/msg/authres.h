/*
 * authres: the trace headers that carry vouch's verdicts to the reader:
 * Authentication-Results (RFC 8601) with one entry per check, and
 * Received-SPF (RFC 7208 9.1). Pure formatting.
 */
#ifndef VOUCH_MSG_AUTHRES_H
#define VOUCH_MSG_AUTHRES_H

#include <stddef.h>

#include "util/str.h"

struct authres_entry {
	const char *method; /* "spf", "iprev", "x-vouch", ... */
	const char *result; /* "pass", "fail", ... */
	const char *reason; /* a comment for people, or NULL */
	const char *ptype;  /* "smtp.mailfrom", "policy.iprev", ... or NULL */
	const char *value;  /* the property's value, or NULL */
};

/* "Authentication-Results: id; method=result (reason) ptype=value; ..." */
int authres_format(
    const char *authserv_id, const struct authres_entry *e, size_t n, struct strbuf *out);

/* A property (RFC 8601 2.2 propspec: ptype.property=value). */
struct authres_prop {
	const char *ptype; /* "header.d", "header.s", ...; NULL ends the list */
	const char *value;
};
#define AUTHRES_PROPS_MAX 4

/* An entry with several properties (DKIM: header.d, header.s, header.b). */
struct authres_multi {
	const char *method;
	const char *result;
	const char *reason; /* or NULL */
	struct authres_prop props[AUTHRES_PROPS_MAX];
};

/* authres_format() with the entries m[0..nm) after those of e. */
int authres_format_multi(const char *authserv_id, const struct authres_entry *e, size_t n,
    const struct authres_multi *m, size_t nm, struct strbuf *out);

struct authres_spf {
	const char *result;  /* spf_result_name() */
	const char *comment; /* e.g. "domain of x designates y as permitted sender" */
	const char *client_ip;
	const char *envelope_from; /* may be "" */
	const char *helo;
	const char *receiver;
	const char *identity;  /* "mailfrom" or "helo" */
	const char *mechanism; /* may be NULL or "" */
};

/* "Received-SPF: result (comment) key=value; ..." */
int authres_received_spf(const struct authres_spf *s, struct strbuf *out);

/*
 * The authserv-id of an Authentication-Results field value (text after
 * the colon), for spotting forged copies of ours: a token, or a quoted
 * string read into its characters. Writes it into id; 0, or -1 if none.
 */
int authres_authserv_id(const char *value, size_t len, char *id, size_t idsz);
/*
 * True if an Authentication-Results value names ours as its authserv-id,
 * compared as RFC 8601 5 says a receiver reads it: the quoted form is the
 * id itself, case does not matter, and a final dot names the same host.
 */
int authres_is_ours(const char *value, size_t len, const char *ours);
/*
 * How many octets at the start of a message are our own
 * Authentication-Results fields (whole fields, folded lines included):
 * what to leave out of mail that leaves the site (only the site's own
 * readers need our results, and they named the submitting user). 0 when
 * the message does not start with one, or when the first len octets do
 * not hold a whole field.
 */
size_t authres_own_prefix(const char *msg, size_t len, const char *ours);

#endif
