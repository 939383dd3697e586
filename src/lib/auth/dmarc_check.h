/*
 * dmarc_check: DMARC policy discovery (RFC 7489 6.6.3) through vouch's
 * asynchronous DNS client.
 *
 * TXT _dmarc.<From domain>; the records that start with v=DMARC1 are
 * kept; when there are none, the same at the organizational domain
 * (orgdomain.h) if that is another name. One record is the policy (its
 * DNSSEC state kept); several at one name are a permerror, as is one
 * without a usable policy; a DNS failure is a temperror; nothing found is
 * none. The outcome is a struct dmarc_discovery for dmarc_eval().
 *
 * Use from an event loop (the discovery needs only the From domain, so it
 * can run while the message body still arrives):
 *
 *	sess->dmarc = dmarc_check_start(dns, od, from_domain, on_dmarc, sess);
 *	...
 *	static void on_dmarc(const struct dmarc_discovery *d, void *arg) {
 *		struct session *sess = arg;
 *		sess->disc = *d;			// copy: d dies with the check
 *		dmarc_check_free(sess->dmarc);	// allowed here
 *		sess->dmarc = NULL;
 *	}
 *
 * The check belongs to its caller: dmarc_check_free() at any time (also
 * from inside the callback, or before it came: the query in flight is then
 * cancelled and the callback never runs). The callback always comes from
 * the event loop, never from inside dmarc_check_start().
 */
#ifndef VOUCH_AUTH_DMARC_CHECK_H
#define VOUCH_AUTH_DMARC_CHECK_H

#include <stddef.h>

#include "auth/dmarc.h"
#include "dns/dns.h"

struct dns_client;
struct orgdomain;
struct dmarc_check;

/* One DNS query a discovery made, for logs and vouchctl. */
struct dmarc_query {
	char name[DMARC_DOMAIN_MAX + 8]; /* "_dmarc." + domain */
	enum dns_status status;
	enum dns_sec sec;
	size_t nrr;
};

/* Called once when discovery is done; d is valid until dmarc_check_free(). */
typedef void (*dmarc_check_cb)(const struct dmarc_discovery *d, void *arg);

/*
 * Start discovery for from_domain (copied). dns and od are borrowed and
 * must outlive the check.
 */
struct dmarc_check *dmarc_check_start(struct dns_client *dns, const struct orgdomain *od,
    const char *from_domain, dmarc_check_cb cb, void *arg);
/* Cancel if still running and free. NULL-safe. */
void dmarc_check_free(struct dmarc_check *chk);
/* The discovery so far (final after the callback). */
const struct dmarc_discovery *dmarc_check_discovery(const struct dmarc_check *chk);
/* The queries made so far (at most 2). */
size_t dmarc_check_nqueries(const struct dmarc_check *chk);
const struct dmarc_query *dmarc_check_query(const struct dmarc_check *chk, size_t i);

/*
 * Synchronous, for the CLI, tests and benchmarks: discover on a client
 * whose event base nobody else runs, and copy the outcome into *out.
 */
void dmarc_check_sync(struct dns_client *dns, const struct orgdomain *od, const char *from_domain,
    struct dmarc_discovery *out);
/* Run an started check's event base until its discovery is done. */
void dmarc_check_wait(struct dmarc_check *chk);

/*
 * Pure, the step between queries: read one TXT answer for the name asked
 * at_org (0: the From domain's, 1: the organizational domain's) into d.
 * Returns 1 when discovery is finished, 0 when the organizational domain
 * must be asked next.
 */
int dmarc_check_answer(struct dmarc_discovery *d, int at_org, const struct dns_result *res);

#endif
