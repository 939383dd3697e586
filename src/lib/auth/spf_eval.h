/*
 * spf_eval: RFC 7208 check_host() as a resumable state machine.
 *
 * The evaluator does no I/O. It runs until it needs a DNS answer, says
 * which (name and type), and waits to be given it; whoever drives it does
 * the lookup however it likes: spf_check.h drives it from the async DNS
 * client inside vouchd's event loop (never blocking it), or synchronously
 * for the CLI, tests and benchmarks. The loop is always:
 *
 *	struct spf_eval *ev = spf_eval_new(&req, &opts);
 *	while (spf_eval_run(ev) == SPF_EVAL_NEED_DNS) {
 *		res = lookup(spf_eval_qname(ev), spf_eval_qtype(ev));	// maybe async
 *		spf_eval_answer(ev, res);
 *	}
 *	outcome = spf_eval_outcome(ev);
 *	spf_eval_free(ev);
 *
 * One query is outstanding at a time. Everything is bounded: the include/
 * redirect depth by the 10-lookup limit (RFC 7208 4.6.4), the queries per
 * term by the MX/PTR 10-name limit, buffers by SPF_DOMAIN_MAX and
 * SPF_MACRO_MAX. A hostile record yields permerror, never unbounded work.
 */
#ifndef VOUCH_AUTH_SPF_EVAL_H
#define VOUCH_AUTH_SPF_EVAL_H

#include <stddef.h>

#include "auth/spf.h"
#include "dns/dns.h"

struct spf_known;

/* Evaluation settings; borrowed by the evaluator for its lifetime. */
struct spf_options {
	const char *receiver;            /* %{r}: our host name; NULL = "unknown" */
	const char *default_explanation; /* explain-string for fail without exp=;
					  * NULL = SPF_DEFAULT_EXPLANATION */
	int void_limit;                  /* RFC 7208 4.6.4; 0 = SPF_VOID_LIMIT */
	const struct spf_known *known;   /* local table of known results, or NULL */
	long long now;                   /* %{t}; 0 = the current time */
	int log_queries;                 /* keep the list of queries (spf_eval_query) */
};

#define SPF_DEFAULT_EXPLANATION "%{o} does not designate %{c} as a permitted sender"

enum spf_eval_state {
	SPF_EVAL_DONE = 0, /* spf_eval_outcome() is final */
	SPF_EVAL_NEED_DNS, /* answer spf_eval_qname/qtype, then run again */
};

/* One DNS query made, for the CLI and logs (when opts->log_queries). */
struct spf_query {
	char *name;
	enum dns_type type;
	enum dns_status status;
	size_t nrr;
	char *why; /* failure reason, or NULL */
};

struct spf_eval;

/* Start an evaluation (copies what it needs from req). Free with spf_eval_free. */
struct spf_eval *spf_eval_new(const struct spf_request *req, const struct spf_options *opts);
void spf_eval_free(struct spf_eval *ev);

/* Advance until done or a DNS answer is needed. */
enum spf_eval_state spf_eval_run(struct spf_eval *ev);
/* The query needed (valid after spf_eval_run returned SPF_EVAL_NEED_DNS). */
const char *spf_eval_qname(const struct spf_eval *ev);
enum dns_type spf_eval_qtype(const struct spf_eval *ev);
/* Give the answer to the query needed; takes ownership of res. */
void spf_eval_answer(struct spf_eval *ev, struct dns_result *res);
/* The time limit ran out (RFC 7208 4.6.4): finish with temperror. */
void spf_eval_expire(struct spf_eval *ev);

/* The outcome; final once spf_eval_run returned SPF_EVAL_DONE. */
const struct spf_outcome *spf_eval_outcome(const struct spf_eval *ev);
/* Queries made so far (empty unless opts->log_queries). */
size_t spf_eval_nqueries(const struct spf_eval *ev);
const struct spf_query *spf_eval_query(const struct spf_eval *ev, size_t i);

#endif
