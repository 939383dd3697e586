/*
 * dkim_canon: canonicalization (RFC 6376 3.4) of header fields and of the
 * body, and the body hash (3.7) over it. Pure and streaming: the body
 * is fed in chunks of any size (a CRLF may be split between two) and its
 * canonical form goes to a sink as it is produced; nothing is kept but a
 * count of empty lines not yet known to be followed by text.
 *
 * Line ends: CRLF ends a line; so does a bare LF (vouchd's receiver
 * refuses bare LF, files written by other tools may have them, and they
 * are read as CRLF, as DKIM's canonical form has them); a CR not followed
 * by LF is an ordinary octet.
 */
#ifndef VOUCH_AUTH_DKIM_CANON_H
#define VOUCH_AUTH_DKIM_CANON_H

#include <openssl/evp.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/dkim.h"

/* Where canonical octets go. */
typedef void (*dkim_sink)(void *arg, const void *p, size_t n);

/*
 * Canonicalize one header field: field[0..len) is the whole field, name
 * through the end of its last line, without the final CRLF. With crlf a
 * CRLF is emitted at the end (every field but the signature's own).
 */
void dkim_canon_header(
    enum dkim_canon c, const char *field, size_t len, int crlf, dkim_sink sink, void *arg);

/* The body canonicalizer's state. */
struct dkim_canon_body {
	enum dkim_canon canon;
	dkim_sink sink;
	void *arg;
	unsigned long long emitted;      /* canonical octets produced */
	unsigned long long pending_crlf; /* empty lines held back */
	int line_content;                /* the current line has text */
	int pending_wsp;                 /* relaxed: white space held back */
	int cr;                          /* a CR is waiting for its LF */
	size_t blen;
	char buf[2048]; /* staging for the sink */
};

void dkim_canon_body_init(struct dkim_canon_body *b, enum dkim_canon c, dkim_sink sink, void *arg);
void dkim_canon_body_feed(struct dkim_canon_body *b, const char *p, size_t n);
/* End of the body: the final CRLF rules of 3.4.3 and 3.4.4. */
void dkim_canon_body_finish(struct dkim_canon_body *b);

/* A body hash: the canonical body (up to l= octets when limited) into
 * SHA-256, and the length of the whole canonical body. Its canonicalizer
 * points back at it (the sink's argument): once started, a hash must not
 * be moved (allocate each one; never keep them in an array that grows). */
struct dkim_bodyhash {
	struct dkim_canon_body canon;
	EVP_MD_CTX *md;
	int has_limit;
	unsigned long long limit;  /* l= */
	unsigned long long hashed; /* octets hashed */
	unsigned long long total;  /* octets of the whole canonical body */
	int done;
	uint8_t digest[32];
};

/* Start a body hash (SHA-256; the only hash vouch accepts, RFC 8301). */
void dkim_bodyhash_init(
    struct dkim_bodyhash *h, enum dkim_canon c, int has_limit, unsigned long long limit);
void dkim_bodyhash_feed(struct dkim_bodyhash *h, const char *p, size_t n);
/* Finish: h->digest holds the hash. */
void dkim_bodyhash_finish(struct dkim_bodyhash *h);
/* Release the hash context. NULL-safe. */
void dkim_bodyhash_free(struct dkim_bodyhash *h);

/* A sink that feeds an EVP_MD_CTX (arg). */
void dkim_sink_md(void *arg, const void *p, size_t n);

#endif
