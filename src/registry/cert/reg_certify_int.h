/*
 * reg_certify_int: a certification run's private state, shared by
 * reg_certify.c (resolving, targets, the order of sessions, the report)
 * and reg_certify_session.c (one SMTP session's tests). Nothing else
 * includes it.
 *
 * Ownership: the run owns its sessions; a session owns its SMTP client
 * and its DNS queries and cancels them when cleared, so no callback can
 * reach a session or run that is gone.
 */
#ifndef VOUCH_REGISTRY_REG_CERTIFY_INT_H
#define VOUCH_REGISTRY_REG_CERTIFY_INT_H

#include <stdint.h>

#include <jansson.h>

#include "reg_certify.h"
#include "reg_validate.h"
#include "smtp/smtp_client.h"
#include "util/str.h"

#define CERT_MAX_TARGETS 4
#define CERT_NRELAY 7

/* The tests of a session, in their order. */
enum cert_test {
	T_BANNER,
	T_EHLO,
	T_FCRDNS,
	T_STARTTLS,
	T_XVOUCH,
	T_RELAY0,
	T_COUNT = T_RELAY0 + CERT_NRELAY
};

struct cert_verdict {
	int set, pass;
	char detail[512];
};

struct cert_session {
	struct reg_certify *run;
	char addr[REG_ADDR_MAX];
	const char *source; /* local address to test from, or NULL */
	int refused;        /* a special-purpose address: not connected to */
	char why[160];      /* its range */
	struct smtp_client *cli;
	int opened; /* READY came */
	struct strbuf transcript;
	struct cert_verdict v[T_COUNT];
	char helo_name[256]; /* the name in the EHLO reply */
	char xvouch_id[129];
	/* the reply to XVOUCH CHECK <xvouch_id>, sent once READY (code 0: none) */
	struct smtp_client_reply xcheck;
	int xcheck_sent;
	/* the relay probes, one at a time */
	char sender[300];
	char rcpt[CERT_NRELAY][600];
	int relay;
	struct smtp_client_rcpt mrcpt;
	struct smtp_client_msg msg;
	/* forward confirmation of helo_name */
	uint64_t q[2];
	int qpending, fcrdns_found, fcrdns_temp;
};

struct reg_certify {
	struct reg_certify_env env;
	char hostname[256];
	int automatic;
	reg_certify_done_fn done;
	void *arg;
	uint64_t q[2]; /* A and AAAA of hostname */
	int qpending;
	int resolve_temp; /* a lookup failed temporarily */
	char why_temp[128];
	char addrs[CERT_MAX_TARGETS][REG_ADDR_MAX];
	size_t naddr;
	struct cert_session *sess;
	size_t nsess, cur;
	int running;        /* sess[cur] is under way */
	struct event *step; /* runs the next session, or finishes, from the loop */
	json_t *runs;
	struct reg_certify_result res;
	int failed, total;
	char first[64];
	int finished;
};

/* reg_certify_session.c */
/* Run session s (its run's current one); reg_certify_next(s->run) follows. */
void cert_session_start(struct cert_session *s);
/* The session's JSON run record; adds its verdicts to failed/total/first. */
json_t *cert_session_json(struct cert_session *s, int *failed, int *total, char *first, size_t fsz);
/* Stop and release what a session holds. */
void cert_session_clear(struct cert_session *s);
/* Test names in their order ("smtp_banner", ...). */
extern const char *const cert_test_names[T_COUNT];

/* reg_certify.c: the current session is over; go on from the loop. */
void reg_certify_next(struct reg_certify *r);

#endif
