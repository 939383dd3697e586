/*
 * dkim_check: the DKIM/ARC verifier (dkim_verify.h) driven over vouch's
 * asynchronous DNS client, for vouchd's event loop. Key lookups start
 * the moment the header section is complete, so they run while the body
 * is still arriving; the answer's DNSSEC state goes into each result.
 *
 *	sess->dkim = dkim_check_new(dns, &opts, on_dkim, sess);
 *	... for each decoded chunk of DATA/BDAT:
 *	dkim_check_feed(sess->dkim, chunk, n);
 *	... at the end of data:
 *	dkim_check_end(sess->dkim);
 *	static void on_dkim(struct dkim_check *chk, void *arg) {
 *		const struct dkim_verify *v = dkim_check_verify(chk);
 *		... dkim_verify_result(v, i), dkim_verify_arc(v) ...
 *		dkim_check_free(chk);	// allowed here
 *	}
 *
 * The callback runs once, from the event loop (never from inside
 * dkim_check_feed or dkim_check_end), after dkim_check_end() and every
 * key's answer. The check belongs to its caller: dkim_check_free() at any
 * time cancels the lookups in flight, and the callback never comes (a
 * session that closes early leaves nothing that could reach it). Each
 * lookup ends within the DNS client's own timeout (a temperror then).
 */
#ifndef VOUCH_AUTH_DKIM_CHECK_H
#define VOUCH_AUTH_DKIM_CHECK_H

#include <stddef.h>

#include "auth/dkim_verify.h"

struct dns_client;
struct dkim_check;

typedef void (*dkim_check_cb)(struct dkim_check *chk, void *arg);

/* Start checking a message; opts is copied. */
struct dkim_check *dkim_check_new(
    struct dns_client *dns, const struct dkim_verify_opts *opts, dkim_check_cb cb, void *arg);
/* Message octets as received. */
void dkim_check_feed(struct dkim_check *chk, const char *p, size_t n);
/* End of the message: the callback follows once the keys are in. */
void dkim_check_end(struct dkim_check *chk);
/* The verifier and its results (final in the callback). */
const struct dkim_verify *dkim_check_verify(const struct dkim_check *chk);
/* Key lookups made so far. */
size_t dkim_check_lookups(const struct dkim_check *chk);
/* Cancel what is in flight and free. NULL-safe. */
void dkim_check_free(struct dkim_check *chk);

#endif
