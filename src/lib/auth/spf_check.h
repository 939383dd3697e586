/*
 * spf_check: drivers of the SPF evaluator (spf_eval.h) over the DNS client.
 *
 * Asynchronous, for vouchd's event loop (never blocks it):
 *
 *	sess->spf = spf_check_start(dns, &req, &opts, timeout_ms, on_spf, sess);
 *	...
 *	static void on_spf(const struct spf_outcome *o, void *arg) {
 *		struct session *sess = arg;
 *		... use o->result, o->explanation ...
 *		spf_check_free(sess->spf);	// allowed here
 *		sess->spf = NULL;
 *	}
 *
 * The check belongs to its caller: spf_check_free() at any time (also from
 * inside the callback, or before it came: the DNS query in flight is then
 * cancelled and the callback never runs, so a session that closes early
 * leaves nothing behind that could touch it).
 *
 * Synchronous, for the CLI, tests and benchmarks: spf_check_run_sync()
 * drives an evaluator with blocking lookups on a client whose event base
 * nobody else runs.
 */
#ifndef VOUCH_AUTH_SPF_CHECK_H
#define VOUCH_AUTH_SPF_CHECK_H

#include "auth/spf.h"
#include "auth/spf_eval.h"

struct dns_client;
struct spf_check;

/* Called once when the check is done; o is valid until spf_check_free(). */
typedef void (*spf_check_cb)(const struct spf_outcome *o, void *arg);

/*
 * Start checking req (copied) with opts (borrowed until the check is freed).
 * timeout_ms bounds the whole evaluation (RFC 7208 4.6.4 suggests at least
 * 20 s); past it the result is temperror. 0 means 20 s.
 */
struct spf_check *spf_check_start(struct dns_client *dns, const struct spf_request *req,
    const struct spf_options *opts, long long timeout_ms, spf_check_cb cb, void *arg);
/* Cancel if still running and free. NULL-safe. */
void spf_check_free(struct spf_check *chk);
/* The outcome so far (final after the callback). */
const struct spf_outcome *spf_check_outcome(const struct spf_check *chk);
/* The evaluator inside (for its query log). */
const struct spf_eval *spf_check_eval(const struct spf_check *chk);

/*
 * Run ev to completion with blocking lookups on dns, giving up with
 * temperror after timeout_ms (0: 20 s).
 */
void spf_check_run_sync(struct spf_eval *ev, struct dns_client *dns, long long timeout_ms);
/* Convenience: evaluate req and copy the outcome into *out. */
void spf_check_sync(struct dns_client *dns, const struct spf_request *req,
    const struct spf_options *opts, struct spf_outcome *out);

#endif
