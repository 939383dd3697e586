/*
 * helo: what the HELO/EHLO name and the client address prove (DESIGN 2).
 * Four separate results, none of which decides anything by itself:
 *
 *   syntax   the name is a fully qualified domain or an address literal
 *   literal  an address literal equals the client's address
 *   forward  the name's A/AAAA records contain the client's address
 *   fcrdns   the client's PTR names resolve back to its address
 *            (forward-confirmed reverse DNS, the "iprev" of RFC 8601)
 *
 * Asynchronous over the DNS client; cancellable at any time.
 */
#ifndef VOUCH_AUTH_HELO_H
#define VOUCH_AUTH_HELO_H

#include <stddef.h>
#include <sys/socket.h>

struct dns_client;
struct helo_check;

enum helo_result {
	HELO_NONE = 0, /* does not apply (e.g. forward for a literal) */
	HELO_PASS,
	HELO_FAIL,
	HELO_TEMPERROR, /* DNS trouble: ask again later */
};

struct helo_outcome {
	enum helo_result syntax, literal, forward, fcrdns;
	char verified_name[256]; /* the PTR name that confirmed, or "" */
	char reason[300];        /* the most telling failure, for people */
};

typedef void (*helo_check_cb)(const struct helo_outcome *o, void *arg);

/* "pass", "fail", "none", "temperror". */
const char *helo_result_name(enum helo_result r);
/* Syntax alone (pure): 1 if name is an FQDN or an address literal. */
int helo_syntax_ok(const char *name);
/*
 * Start the checks of name for a client at peer. cb runs once, from the
 * loop, with the outcome (valid during the call). timeout_ms bounds the
 * whole check (0: 10 s).
 */
struct helo_check *helo_check_start(struct dns_client *dns, const char *name,
    const struct sockaddr *peer, long long timeout_ms, helo_check_cb cb, void *arg);
/* Cancel if still running, and free. NULL-safe; allowed inside cb. */
void helo_check_free(struct helo_check *chk);
/* The PTR name under in-addr.arpa / ip6.arpa for an address. */
int helo_ptr_name(const struct sockaddr *sa, char *out, size_t outsz);

#endif
