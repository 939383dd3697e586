/*
 * reg_answer: the authoritative answer logic for the register zone, pure
 * (query bytes and a zone in, response bytes out) so it is unit-tested
 * and fuzzed without sockets.
 *
 *   RFC 1035   QUERY: AA answers, NXDOMAIN/NODATA with the SOA in the
 *              authority section, REFUSED outside the zone, FORMERR for
 *              malformed queries, NOTIMP for other opcodes; TC when a UDP
 *              answer does not fit.
 *   RFC 6891   EDNS: one OPT honoured (payload size, clamped to ours),
 *              BADVERS for versions above 0, FORMERR for several OPTs;
 *              our OPT echoed in responses.
 *   RFC 5936   AXFR over TCP only and only for allowed clients: SOA,
 *              every RR, SOA, in as many messages as needed.
 *   RFC 1995   IXFR: a client already at our serial gets the single SOA;
 *              a client at a serial we still hold in the history gets the
 *              difference (one condensed sequence, 5); any other the full
 *              zone in AXFR form (4). Over UDP the reply is the single SOA,
 *              so the client retries over TCP.
 */
#ifndef VOUCH_REGISTRY_REG_ANSWER_H
#define VOUCH_REGISTRY_REG_ANSWER_H

#include <stddef.h>
#include <stdint.h>

#include "reg_zone.h"

struct reg_answer_opts {
	int tcp;                         /* query came over TCP */
	int xfr_allowed;                 /* client may transfer the zone */
	size_t edns_size;                /* our largest UDP payload (>= 512) */
	struct reg_zone *const *history; /* earlier versions, for IXFR */
	size_t nhistory;
};

enum reg_answer_kind {
	REG_ANSWER_DROP,  /* send nothing (a response, or garbage) */
	REG_ANSWER_REPLY, /* out holds the whole response */
	REG_ANSWER_XFR,   /* out is empty: stream a transfer with xfr */
};

/* A zone transfer in progress. Holds a zone reference until freed. */
struct reg_answer_xfr {
	struct reg_zone *zone;
	struct reg_zone *old; /* incremental: the client's version, else NULL */
	size_t *del, ndel;    /* incremental: indexes into old->rrs, owned */
	size_t *add, nadd;    /* incremental: indexes into zone->rrs, owned */
	uint16_t id;
	struct dns_wire_question q;
	int edns;    /* the query had OPT: echo it in each message */
	size_t next; /* position in the RR sequence sent */
	int done;
};

/* What a query was, for logs. */
struct reg_answer_info {
	int opcode; /* the query's, -1 if unreadable */
	uint16_t qtype;
	int rcode;
	char qname[DNS_WIRE_TEXT_MAX];
};

/*
 * Answer one query. out must hold 65535 octets; *outlen gets the length.
 * On REG_ANSWER_XFR, xfr is initialised (takes a zone reference) and the
 * caller sends reg_answer_xfr_next messages until it returns 0.
 */
enum reg_answer_kind
reg_answer_query(struct reg_zone *z, const uint8_t *q, size_t qlen, const struct reg_answer_opts *o,
    uint8_t *out, size_t *outlen, struct reg_answer_xfr *xfr, struct reg_answer_info *info);
/* Write the next transfer message (at most cap octets) into out: 1 with
 * *outlen, 0 when the transfer is complete. */
int reg_answer_xfr_next(struct reg_answer_xfr *x, uint8_t *out, size_t cap, size_t *outlen);
/* RRs a transfer sends in all (for logs and tests). */
size_t reg_answer_xfr_total(const struct reg_answer_xfr *x);
/* Drop the zone references of a transfer; NULL-safe, idempotent. */
void reg_answer_xfr_release(struct reg_answer_xfr *x);
/* Build a NOTIFY (RFC 1996 3.1: opcode NOTIFY, AA, the SOA as question and
 * answer) for z with message id; returns its length or 0. */
size_t reg_answer_notify(const struct reg_zone *z, uint16_t id, uint8_t *out, size_t cap);

#endif
