/*
 * dmarc_rua: where aggregate reports may go (RFC 7489 6.2, 7.1).
 *
 * A policy's rua= URIs that vouch can send to are its mailto: ones, each
 * with its size limit. A destination outside the policy domain's
 * organizational domain must agree to receive its reports (7.1): a TXT
 * record starting with v=DMARC1 at
 * "<policy domain>._report._dmarc.<destination domain>"; without it the
 * destination gets nothing (so nobody can have vouch mail reports to a
 * victim). A rua= in that record may name another address at the same
 * destination host, which then replaces the policy's (7.1 step 8).
 *
 *	chk = dmarc_rua_check_start(dns, od, r->domain, &r->policy, on_dests, job);
 *	static void on_dests(const struct dmarc_rua_dest *d, size_t n, void *arg) {
 *		for each d[i] with d[i].state == DMARC_RUA_OK: reserve, send
 *		DMARC_RUA_TEMPERROR: try again at the next run
 *		dmarc_rua_check_free(chk);	// allowed here
 *	}
 */
#ifndef VOUCH_AUTH_DMARC_RUA_H
#define VOUCH_AUTH_DMARC_RUA_H

#include <stddef.h>
#include <stdint.h>

#include "auth/dmarc.h"
#include "dns/dns.h"

struct dns_client;
struct orgdomain;
struct dmarc_rua_check;

enum dmarc_rua_state {
	DMARC_RUA_OK = 0,    /* send to it */
	DMARC_RUA_PENDING,   /* external: not verified yet */
	DMARC_RUA_REFUSED,   /* external, and its domain did not agree (7.1 step 6) */
	DMARC_RUA_TEMPERROR, /* external, and the DNS failed: try later */
};

struct dmarc_rua_dest {
	char addr[DMARC_URI_MAX + 1];      /* the mailto: address, decoded */
	char domain[DMARC_DOMAIN_MAX + 1]; /* its domain, lower case */
	uint64_t limit;                    /* octets from "!10m", or 0 */
	int external;                      /* outside the policy's organizational domain */
	enum dmarc_rua_state state;
};

/*
 * The mailto: destinations of rec's rua= (pure; other schemes are
 * skipped, 6.3 "URIs not supported by Mail Receivers MUST be ignored").
 * External ones start DMARC_RUA_PENDING, the others DMARC_RUA_OK.
 * Returns how many were written to out[0..max).
 */
size_t dmarc_rua_destinations(const struct orgdomain *od, const char *policy_domain,
    const struct dmarc_record *rec, struct dmarc_rua_dest *out, size_t max);
/* The name 7.1 asks about: "<policy>._report._dmarc.<dest>"; 0, or -1 if no valid name. */
int
dmarc_rua_verify_name(const char *policy_domain, const char *dest_domain, char *out, size_t outsz);
/* Read the TXT answer for d's verify name into d->state (pure). */
void dmarc_rua_answer(struct dmarc_rua_dest *d, const struct dns_result *res);

typedef void (*dmarc_rua_cb)(const struct dmarc_rua_dest *d, size_t n, void *arg);

/* Verify rec's external destinations at once; cb from the loop when all answered. */
struct dmarc_rua_check *dmarc_rua_check_start(struct dns_client *dns, const struct orgdomain *od,
    const char *policy_domain, const struct dmarc_record *rec, dmarc_rua_cb cb, void *arg);
/* Cancel if still running and free. NULL-safe. */
void dmarc_rua_check_free(struct dmarc_rua_check *chk);
/* Synchronous, for the CLI and tests: the destinations into out, their number. */
size_t
dmarc_rua_check_sync(struct dns_client *dns, const struct orgdomain *od, const char *policy_domain,
    const struct dmarc_record *rec, struct dmarc_rua_dest *out, size_t max);

#endif
