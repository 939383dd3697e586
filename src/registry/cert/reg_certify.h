/*
 * reg_certify: the certification tests run against an applicant, on an
 * event loop, speaking SMTP through libvouch's client (smtp/smtp_client.h:
 * its reply parser, deadlines and STARTTLS) and resolving through
 * libvouch's DNS client (reg_resolve).
 *
 * The applicant's host name is resolved (A, then AAAA; up to 4
 * addresses); each address goes through the special-address filter
 * (reg_target): a special-purpose address outside certify_allow_networks
 * is never connected to and fails as test "address"; an automatic run (on
 * apply) connects to nothing unless every address is public, and is held
 * for a person instead. For each address that may be tested and from
 * each configured source address, one SMTP session checks, in order:
 *   smtp_banner   the host answers SMTP (220) on the configured port
 *   ehlo          EHLO is accepted (250)
 *   helo_fcrdns   the name the server gives in its EHLO reply resolves
 *                 to the address we connected to (forward-confirmed)
 *   starttls      STARTTLS is offered, the handshake works and a
 *                 certificate is presented (verified when configured)
 *   xvouch_check  XVOUCH CHECK with a fresh random id gets 550 (DESIGN 5.1)
 *   relay_*       the classic relay tricks are refused with 5xx, each an
 *                 address probe (MAIL, RCPT, RSET; no message is sent):
 *                 foreign, unqualified, percent_hack, bang_path,
 *                 bang_path_plain, source_route, quoted_local
 * Sessions run one after the other. Each test has a verdict (pass or
 * fail) and a detail; each session keeps its transcript. The result is a
 * JSON document stored with the server and shown on its page.
 */
#ifndef VOUCH_REGISTRY_REG_CERTIFY_H
#define VOUCH_REGISTRY_REG_CERTIFY_H

#include "reg_config.h"
#include "reg_target.h"

struct event_base;
struct dns_client;
typedef struct ssl_ctx_st SSL_CTX;

/* What a run uses; everything must outlive the runs started with it. */
struct reg_certify_env {
	struct event_base *base;
	struct dns_client *dns;
	SSL_CTX *tls; /* client context for STARTTLS (certify_ca_file) */
	const struct reg_config *cfg;
	const struct reg_target_allow *allow; /* certify_allow_networks */
};

struct reg_certify_result {
	int passed;
	int held;          /* automatic run stopped before connecting: a person must start it */
	char summary[256]; /* "12/12 tests passed", the first failures, or why it was held */
	char *report;      /* JSON, or NULL when held */
	long long started, finished;
};

/* The run finished: res belongs to the run and is valid during the call;
 * the callee may take res->report (setting it NULL) and may free the run. */
typedef void (*reg_certify_done_fn)(void *arg, struct reg_certify_result *res);

struct reg_certify;

/*
 * Start certifying hostname (automatic: started by an application, not by
 * a person). done(arg, res) follows from the loop, never from inside this
 * call, unless the run is freed first. Never fails as a call: problems are
 * failed tests in the result.
 */
struct reg_certify *reg_certify_start(const struct reg_certify_env *env, const char *hostname,
    int automatic, reg_certify_done_fn done, void *arg);
/* Stop a run (its connections and queries go, done is not called) and
 * free it; NULL-safe. */
void reg_certify_free(struct reg_certify *r);

#endif
