/*
 * dns_answer: the records of a DNS answer as a struct dns_result (dns.h),
 * decoded from wire format. Pure: bytes in, records out, no I/O.
 *
 * The libunbound backend uses it twice: for each rdata libunbound hands
 * over (uncompressed), and for a whole answer message (ub_result's
 * answer_packet) when libunbound could not turn its own answer into
 * records. That happens for an answer holding a record of zero-length
 * rdata, such as a TXT record of no character-strings: libunbound 1.17's
 * result builder (fill_res) copies each rdata with memdup(), which returns
 * NULL for 0 bytes, takes that for "out of memory" and reports SERVFAIL
 * for an answer that has none.
 */
#ifndef VOUCH_DNS_DNS_ANSWER_H
#define VOUCH_DNS_DNS_ANSWER_H

#include <stddef.h>
#include <stdint.h>

#include "dns/dns.h"

/*
 * Append one record of type to res from its RDATA, msg[off .. off+rdlen).
 * Names inside the RDATA (MX, PTR, CNAME, NS) may be compressed against
 * msg when msg is a whole message, or msg may be the RDATA alone (off 0).
 * A TXT record's character-strings are joined; zero of them is an empty
 * record. Names are dotted text without the trailing dot; a name holding a
 * '.' or NUL inside a label cannot be written so and is malformed.
 * Returns 0, or -1 when the RDATA is malformed (res is then unchanged).
 */
int dns_answer_add_rdata(struct dns_result *res, enum dns_type type, const uint8_t *msg, size_t len,
    size_t off, size_t rdlen);

/*
 * Read a whole response message for res->qname / res->qtype: set
 * res->rcode from its header, follow the CNAME chain from the name asked
 * through the answer section (setting res->canon, at most 8 links), and
 * append the records of res->qtype owned by the end of the chain, in
 * message order. res->status is left to the caller. Returns the number of
 * records of res->qtype the chain ended in (some may have been malformed
 * and skipped: compare with res->nrr), or -1 if the message cannot be read
 * or the chain does not end within 8 links.
 */
int dns_answer_from_message(struct dns_result *res, const uint8_t *msg, size_t len);

#endif
