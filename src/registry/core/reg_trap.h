/*
 * reg_trap: spam traps, the evidence an owner of a registered server
 * contributes: addresses nobody writes to, so that mail reaching one is
 * abuse. A trap is a weapon if anyone may declare any address one, so:
 *
 *   - only the owner of an active, certified server registers traps
 *     (checked by the API), and a trap counts only while that is so;
 *   - a trap must lie in a domain the owner's server receives mail for:
 *     it is "pending" until its domain's MX (or the domain itself, when it
 *     has no MX and is the server's name, RFC 5321 5.1) names the owner's
 *     server, then "verified", or "refused" with the reason; one address
 *     is at most one owner's verified trap;
 *   - a hit counts only when the report came through the trap owner's own
 *     server (its owner token, or mail from one of its registered
 *     addresses), never from an anonymous reporter, and never against the
 *     owner's own server.
 *
 * The verdicts (reg_trap_mx_verdict, reg_trap_counts) are pure: proofs
 * in, decision and a reason out.
 */
#ifndef VOUCH_REGISTRY_REG_TRAP_H
#define VOUCH_REGISTRY_REG_TRAP_H

#include <stddef.h>

#include "dns/dns.h"
#include "reg_db.h"

struct reg_trap {
	long long id, server_id;
	char *address, *status, *note; /* status: pending, verified, refused */
	long long created_at;
};

/* Register address (lower-cased) for server_id, pending its check (an
 * existing trap of the same owner is checked again). *id is the trap's. */
int reg_trap_add(struct reg_db *db, long long server_id, const char *address, long long *id);
/* A server's traps, by address; free with reg_trap_list_free. */
int reg_trap_list(struct reg_db *db, long long server_id, struct reg_trap **out, size_t *n);
void reg_trap_list_free(struct reg_trap *v, size_t n);
/* Record the check of trap id: verified or refused, with a note. A
 * verification of an address that is already another owner's verified
 * trap is recorded as refused instead. */
int reg_trap_set(struct reg_db *db, long long id, int verified, const char *note);

/*
 * Pure: does the MX answer mx for domain (the trap's) name owner_host
 * (the owner's server)? 1 verified, 0 refused, -1 undecided (temporary
 * DNS failure: check again later); note says why.
 */
int reg_trap_mx_verdict(const char *domain, const char *owner_host, const struct dns_result *mx,
    char *note, size_t notesz);

/* What is known about a trap hit. */
struct reg_trap_proof {
	int owner_active;    /* the trap owner's server is active ... */
	int owner_certified; /* ... and passed certification */
	int via_owner;       /* the report came through the owner's own server */
	int self;            /* the reported server is the trap owner's */
};

/* Pure: does a hit count as a confirmed report? why says why not. */
int reg_trap_counts(const struct reg_trap_proof *p, char *why, size_t whysz);

/*
 * The first verified trap among the recipients rcpts (lower-case): its
 * owner's server id into *owner and the address into which; 0 if none.
 */
int reg_trap_find(
    struct reg_db *db, char rcpts[][256], size_t n, long long *owner, char *which, size_t wsz);

#endif
