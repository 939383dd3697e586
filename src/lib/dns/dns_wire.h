/*
 * dns_wire: the DNS message wire format (RFC 1035 4.1), pure and bounded.
 *
 * Owns: reading a message (header, questions, resource records, names with
 * compression pointers checked for bounds and loops) and writing one
 * (header, questions, RRs, names compressed against earlier names, with a
 * hard output limit and rollback so a caller can truncate cleanly).
 *
 * Names are kept in uncompressed wire form (length-prefixed labels ending
 * in the root label, at most 255 octets, RFC 1035 3.1) in a
 * struct dns_wire_name; dns_wire_name_from_text/_to_text convert to and
 * from presentation format with RFC 1035 5.1 escapes. No function here does
 * I/O or keeps global state, so all of it can be unit-tested and fuzzed.
 */
#ifndef VOUCH_DNS_DNS_WIRE_H
#define VOUCH_DNS_DNS_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define DNS_WIRE_NAME_MAX 255 /* RFC 1035 3.1: octets, wire form */
#define DNS_WIRE_LABEL_MAX 63
#define DNS_WIRE_TEXT_MAX 1024 /* presentation text incl. escapes + NUL */
#define DNS_WIRE_HEADER_LEN 12
#define DNS_WIRE_UDP_MIN 512      /* RFC 1035 4.2.1 */
#define DNS_WIRE_MSG_MAX 65535    /* RFC 1035 4.2.2: TCP length prefix */
#define DNS_WIRE_COMPRESS_MAX 128 /* names remembered for compression */

/* Record types and classes the project uses (RFC 1035 3.2.2, others). */
enum {
	DNS_TYPE_A = 1,
	DNS_TYPE_NS = 2,
	DNS_TYPE_CNAME = 5,
	DNS_TYPE_SOA = 6,
	DNS_TYPE_PTR = 12,
	DNS_TYPE_MX = 15,
	DNS_TYPE_TXT = 16,
	DNS_TYPE_AAAA = 28,
	DNS_TYPE_OPT = 41,
	DNS_TYPE_IXFR = 251,
	DNS_TYPE_AXFR = 252,
	DNS_TYPE_ANY = 255,
};
enum { DNS_CLASS_IN = 1, DNS_CLASS_CH = 3, DNS_CLASS_ANY = 255 };
enum {
	DNS_OPCODE_QUERY = 0,
	DNS_OPCODE_NOTIFY = 4,
	DNS_OPCODE_UPDATE = 5,
};
enum {
	DNS_RCODE_NOERROR = 0,
	DNS_RCODE_FORMERR = 1,
	DNS_RCODE_SERVFAIL = 2,
	DNS_RCODE_NXDOMAIN = 3,
	DNS_RCODE_NOTIMP = 4,
	DNS_RCODE_REFUSED = 5,
	DNS_RCODE_NOTAUTH = 9,
	DNS_RCODE_BADVERS = 16, /* RFC 6891 9 */
};

/* Header flag bits (RFC 1035 4.1.1). */
#define DNS_FLAG_QR 0x8000
#define DNS_FLAG_AA 0x0400
#define DNS_FLAG_TC 0x0200
#define DNS_FLAG_RD 0x0100
#define DNS_FLAG_RA 0x0080
#define DNS_FLAG_AD 0x0020
#define DNS_FLAG_CD 0x0010
#define DNS_OPCODE(flags) (((flags) >> 11) & 0xf)
#define DNS_RCODE(flags) ((flags)&0xf)

/* Typed results: every failure says whether the input was short or bad. */
enum dns_wire_err {
	DNS_WIRE_OK = 0,
	DNS_WIRE_ESHORT = -1,  /* input ends inside an item */
	DNS_WIRE_EFORMAT = -2, /* malformed: bad label type, name too long */
	DNS_WIRE_ELOOP = -3,   /* compression pointer loops or points forward */
	DNS_WIRE_ESPACE = -4,  /* writer: output limit reached */
	DNS_WIRE_ETEXT = -5,   /* presentation name malformed */
};

struct dns_wire_name {
	uint8_t len; /* octets used in b, root label included */
	uint8_t b[DNS_WIRE_NAME_MAX];
};

struct dns_wire_header {
	uint16_t id;
	uint16_t flags; /* QR, opcode, AA, TC, RD, RA, Z, AD, CD, rcode */
	uint16_t qdcount, ancount, nscount, arcount;
};

struct dns_wire_question {
	struct dns_wire_name name;
	uint16_t qtype, qclass;
};

struct dns_wire_rr {
	struct dns_wire_name name;
	uint16_t type, rclass;
	uint32_t ttl;
	uint16_t rdlength;
	size_t rdoff; /* offset of the RDATA in the message */
};

/* A cursor over a received message; does not own msg. */
struct dns_wire_reader {
	const uint8_t *msg;
	size_t len;
	size_t off;
};

/* Human name of an error value, for logs. */
const char *dns_wire_strerror(int err);

/* Start reading msg[0..len); msg must outlive the reader. */
void dns_wire_reader_init(struct dns_wire_reader *r, const uint8_t *msg, size_t len);
/* Read the 12-octet header at the cursor. */
int dns_wire_read_header(struct dns_wire_reader *r, struct dns_wire_header *h);
/* Read a possibly compressed name at the cursor (RFC 1035 4.1.4). */
int dns_wire_read_name(struct dns_wire_reader *r, struct dns_wire_name *out);
/* Read a question entry (RFC 1035 4.1.2). */
int dns_wire_read_question(struct dns_wire_reader *r, struct dns_wire_question *q);
/* Read a resource record (RFC 1035 4.1.3); RDATA is left in place. */
int dns_wire_read_rr(struct dns_wire_reader *r, struct dns_wire_rr *rr);
/*
 * Decompress a name that starts at msg[off] (inside RDATA, say), with the
 * same pointer checks; *end receives the offset after the name's in-place
 * encoding. Pure helper under dns_wire_read_name.
 */
int dns_wire_name_at(
    const uint8_t *msg, size_t len, size_t off, struct dns_wire_name *out, size_t *end);

/* Parse presentation text ("a.b.example." or without the final dot). */
int dns_wire_name_from_text(const char *text, struct dns_wire_name *out);
/* Write presentation text with a final dot; escapes per RFC 1035 5.1. */
int dns_wire_name_to_text(const struct dns_wire_name *n, char *out, size_t outsz);
/* ASCII-lower-case the labels in place (DNS names compare case-insensitively). */
void dns_wire_name_lower(struct dns_wire_name *n);
/* Case-insensitive equality of two wire names. */
int dns_wire_name_eq(const struct dns_wire_name *a, const struct dns_wire_name *b);
/* True if n equals zone or lies beneath it (case-insensitive). */
int dns_wire_name_is_under(const struct dns_wire_name *n, const struct dns_wire_name *zone);
/* Number of labels, the root not counted. */
int dns_wire_name_labels(const struct dns_wire_name *n);
/* Prepend one label to n in place. */
int dns_wire_name_prepend(struct dns_wire_name *n, const void *label, size_t len);
/* Remove the leftmost label (the root stays); -1 if n is the root. */
int dns_wire_name_parent(struct dns_wire_name *n);
/* RFC 4034 6.1 canonical order: <0, 0, >0 like strcmp. */
int dns_wire_name_cmp(const struct dns_wire_name *a, const struct dns_wire_name *b);

/*
 * A message being built in caller-provided memory of capacity cap (the
 * limit: 512 for plain UDP, the EDNS size, or 65535 for TCP). Names written
 * with dns_wire_put_name are compressed against earlier ones.
 */
struct dns_wire_writer {
	uint8_t *buf; /* not owned */
	size_t cap;
	size_t len;
	size_t ncomp;
	uint16_t comp[DNS_WIRE_COMPRESS_MAX]; /* offsets of names written */
};

/* A saved position to roll back to when an item does not fit. */
struct dns_wire_mark {
	size_t len, ncomp;
};

/* Start writing into buf[0..cap). */
void dns_wire_writer_init(struct dns_wire_writer *w, uint8_t *buf, size_t cap);
/* Remember the current end (for rollback). */
struct dns_wire_mark dns_wire_mark(const struct dns_wire_writer *w);
/* Forget everything written after m. */
void dns_wire_rollback(struct dns_wire_writer *w, struct dns_wire_mark m);
/* Write or overwrite the header at offset 0 (reserves it when len < 12). */
int dns_wire_put_header(struct dns_wire_writer *w, const struct dns_wire_header *h);
/* Append raw octets, a 16-bit or a 32-bit value in network order. */
int dns_wire_put_bytes(struct dns_wire_writer *w, const void *p, size_t n);
int dns_wire_put_u16(struct dns_wire_writer *w, uint16_t v);
int dns_wire_put_u32(struct dns_wire_writer *w, uint32_t v);
/* Append a name, compressed when compress is set. */
int dns_wire_put_name(struct dns_wire_writer *w, const struct dns_wire_name *n, int compress);
/* Append a question. */
int dns_wire_put_question(
    struct dns_wire_writer *w, const struct dns_wire_name *n, uint16_t qtype, uint16_t qclass);
/*
 * Begin an RR: owner (compressed), type, class, TTL and a placeholder
 * RDLENGTH; *rdlen_at receives where to patch. Append RDATA with the
 * put functions, then call dns_wire_rr_end.
 */
int dns_wire_rr_begin(struct dns_wire_writer *w, const struct dns_wire_name *owner, uint16_t type,
    uint16_t rclass, uint32_t ttl, size_t *rdlen_at);
/* Patch RDLENGTH for the RR begun at rdlen_at. */
int dns_wire_rr_end(struct dns_wire_writer *w, size_t rdlen_at);
/* Append a whole RR with opaque RDATA. */
int dns_wire_put_rr(struct dns_wire_writer *w, const struct dns_wire_name *owner, uint16_t type,
    uint16_t rclass, uint32_t ttl, const void *rdata, uint16_t rdlen);
/* Append TXT RDATA: text split into character-strings of <= 255 octets. */
int dns_wire_put_txt(struct dns_wire_writer *w, const char *text, size_t len);

/* Read a big-endian 16/32-bit value from p (caller checked the bounds). */
uint16_t dns_wire_get_u16(const uint8_t *p);
uint32_t dns_wire_get_u32(const uint8_t *p);

#endif
