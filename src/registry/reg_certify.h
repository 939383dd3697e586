/*
 * reg_certify: the certification tests run against an applicant.
 *
 * For each address of the applicant's host name (up to 4) and from each
 * configured source address, one SMTP session checks, in order:
 *   smtp_banner   the host answers SMTP (220) on the configured port
 *   ehlo          EHLO is accepted (250)
 *   helo_fcrdns   the name the server gives in its EHLO reply resolves
 *                 to the address we connected to (forward-confirmed)
 *   starttls      STARTTLS is offered, the handshake works and a
 *                 certificate is presented (verified when configured)
 *   xvouch_check  XVOUCH CHECK with a fresh random id gets 550 (DESIGN 5.1)
 *   relay_*       the classic relay tricks are refused with 5xx:
 *                 foreign, unqualified, percent_hack, bang_path,
 *                 bang_path_plain, source_route, quoted_local
 * Each test has a verdict (pass or fail) and a detail; the run keeps the
 * session transcript. The result is a JSON document stored with the
 * server and shown on its page. Blocking: run on a worker thread.
 */
#ifndef VOUCH_REGISTRY_REG_CERTIFY_H
#define VOUCH_REGISTRY_REG_CERTIFY_H

#include "reg_config.h"
#include "reg_resolve.h"

struct reg_certify_result {
	int passed;
	char summary[256]; /* "12/12 tests passed" or the first failures */
	char *report;      /* JSON, owned: free() */
	long long started, finished;
};

/* Run all tests against hostname. Never fails as a call: problems are
 * failed tests in the result. Free result->report afterwards. */
void reg_certify_run(const struct reg_config *cfg, struct reg_resolve *resolver,
    const char *hostname, struct reg_certify_result *result);

#endif
