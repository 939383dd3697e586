/*
 * dkim_sign: DKIM signing (RFC 6376 5, RFC 8463) of a message already
 * written, in one pass: the message is fed as it is read (the header
 * section is kept, the body is hashed as it passes), and finishing makes
 * one DKIM-Signature field per key, to be put at the top of the message.
 * Signing happens once, when the message is queued, so every delivery
 * attempt carries the same signature.
 *
 *	s = dkim_sign_new(&opts);
 *	while ((n = read(fd, buf, sizeof(buf))) > 0)
 *		dkim_sign_feed(s, buf, n);
 *	keys = dkim_keyring_find(ring, domain, found, 4);   // dkim_keys.h
 *	dkim_sign_finish(s, found, keys, &fields, err, sizeof(err));
 *	dkim_sign_free(s);
 *	... write fields, then the message ...
 *
 * Several keys (an RSA and an Ed25519 key, RFC 8463 dual signing) share
 * one body hash. Which fields are signed: every instance of each name in
 * opts.headers, and for each name in opts.oversign one more than the
 * message has (5.4.2), so nobody can add one without breaking the
 * signature. The defaults are dkim_sign_default_headers and
 * dkim_sign_default_oversign.
 */
#ifndef VOUCH_AUTH_DKIM_SIGN_H
#define VOUCH_AUTH_DKIM_SIGN_H

#include <openssl/evp.h>
#include <stddef.h>

#include "auth/dkim.h"
#include "auth/dkim_hdr.h"
#include "auth/dkim_sig.h"
#include "util/str.h"

/* A signing key: the signing domain (d=), selector (s=) and private key. */
struct dkim_signkey {
	char domain[DKIM_DOMAIN_MAX + 1];
	char selector[DKIM_DOMAIN_MAX + 1];
	enum dkim_alg alg; /* rsa-sha256 or ed25519-sha256, from the key */
	EVP_PKEY *pkey;    /* owned by whoever made the key (a keyring) */
};

struct dkim_sign_opts {
	int simple_header, simple_body; /* c=: relaxed/relaxed unless these ask for simple */
	const char *const *headers;     /* names to sign; NULL: dkim_sign_default_headers */
	size_t nheaders;
	const char *const *oversign; /* names to oversign; NULL: dkim_sign_default_oversign */
	size_t noversign;
	long long now;     /* t=; 0: the clock */
	long long expire;  /* seconds from t= to x=; 0: no x= */
	size_t max_header; /* header section octets kept; 0: 256 KiB */
};

/* From, To, Cc, Subject, Date, Message-ID, Reply-To, MIME and List fields... */
extern const char *const dkim_sign_default_headers[];
extern const size_t dkim_sign_default_nheaders;
/* From, To, Cc, Subject, Date, Message-ID, Reply-To, Sender, MIME fields... */
extern const char *const dkim_sign_default_oversign[];
extern const size_t dkim_sign_default_noversign;

struct dkim_sign;

struct dkim_sign *dkim_sign_new(const struct dkim_sign_opts *opts);
void dkim_sign_free(struct dkim_sign *s);
/* The message's octets, any chunking. */
void dkim_sign_feed(struct dkim_sign *s, const char *p, size_t n);
/*
 * End of the message: append a "DKIM-Signature: ...\r\n" field for each
 * of keys[0..n) to out (in that order; the fields sign the message, not
 * each other). 0, or -1 with a reason in err (no From field, the header
 * section over max_header, a key that cannot sign, out full).
 */
int dkim_sign_finish(struct dkim_sign *s, const struct dkim_signkey *const *keys, size_t n,
    struct strbuf *out, char *err, size_t errsz);
/* The message has ended (dkim_sign_finish says so too): its header
 * section is complete after this. */
void dkim_sign_end(struct dkim_sign *s);
/* Fields put on top of the message after it was read (dkim_hdr_prepend):
 * the message is ended first. 0 or -1. */
int dkim_sign_prepend(struct dkim_sign *s, const char *text, size_t len);
/* The header section seen (for the sealer, and for choosing keys). */
struct dkim_hdr *dkim_sign_header(struct dkim_sign *s);

/*
 * For ARC (arc_seal.c): the body hash of c, as base64, into out (the
 * message must have ended). Returns 0 or -1.
 */
int dkim_sign_bodyhash(struct dkim_sign *s, enum dkim_canon c, struct strbuf *out);
/*
 * Sign a field: text[0..len) is the whole field as it will be written,
 * name through "b=" (folded); digest is the header hash over it. Appends
 * the text, the folded base64 signature and CRLF to out. 0 or -1.
 */
int dkim_sign_field(const struct dkim_signkey *key, const char *text, size_t len,
    const uint8_t digest[32], struct strbuf *out);
/*
 * The h= list for the message's header h: each present instance of
 * names[0..nn), plus one more for each name of over[0..no) (a name only
 * there is signed too). The entries go to hn (room for max; they point
 * at the names given). Returns the count, or -1 when it would not fit.
 */
long dkim_sign_hlist(const struct dkim_hdr *h, const char *const *names, size_t nn,
    const char *const *over, size_t no, struct dkim_hname *hn, size_t max);
/* Append "tag=value;" with folding, keeping track of the line's column. */
void dkim_sign_tag(struct strbuf *out, size_t *col, const char *tag, const char *value);

#endif
