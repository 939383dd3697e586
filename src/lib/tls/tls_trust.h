/*
 * tls_trust: the certificate chain of trust (docs/configuration.md
 * "tls_trust_ca"). Each trusted CA is a PEM file with a name; a client
 * certificate that chains to one of them, names the HELO name and is not
 * revoked by a configured CRL proves the server's name, and the proof
 * says which CA vouched for it. A CA removed from the list, or a
 * certificate a CRL revokes, proves nothing.
 *
 * Each CA gets a store of its own (its certificates, and the CRLs it
 * issued), so the check says which CA a certificate chains to, and a CA
 * without a CRL is not failed for lacking one. The set is attached to the
 * server SSL_CTX (tls_trust_attach), which owns it from then on, so a
 * session's check always uses the set its handshake was made with.
 */
#ifndef VOUCH_TLS_TLS_TRUST_H
#define VOUCH_TLS_TLS_TRUST_H

#include <stddef.h>

typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_st SSL;

struct tls_trust;

#define TLS_TRUST_NAME_MAX 64

enum tls_trust_result {
	TLS_TRUST_NONE = 0,   /* no certificate presented */
	TLS_TRUST_PASS,       /* chains to a trusted CA, names the host, not revoked */
	TLS_TRUST_UNTRUSTED,  /* does not chain to any trusted CA (or does not verify) */
	TLS_TRUST_WRONG_NAME, /* a trusted CA's, but for another name */
	TLS_TRUST_REVOKED,    /* a trusted CA's, revoked by its CRL */
};

/*
 * A trusted CA list from the setting's words: "FILE [as NAME]" repeated
 * (a missing NAME is the file's name without its folder and .pem/.crt).
 * crls are PEM files of CRLs, each applied to the CA that issued it.
 * NULL with a reason in err ("tls_trust_ca: ..." or "tls_trust_crl: ...").
 * With n == 0 and ncrl == 0 the result is NULL with err "".
 */
struct tls_trust *tls_trust_new(const char *const *words, size_t n, const char *const *crls,
    size_t ncrl, char *err, size_t errsz);
void tls_trust_free(struct tls_trust *t);
/* Number of CAs, and the name of one. */
size_t tls_trust_count(const struct tls_trust *t);
const char *tls_trust_name(const struct tls_trust *t, size_t i);
/*
 * Ask ctx's clients for certificates from these CAs too (never refusing
 * one that lacks it) and hand t to ctx: freed with it. 0, or -1 (t is
 * freed then too).
 */
int tls_trust_attach(SSL_CTX *ctx, struct tls_trust *t, char *err, size_t errsz);
/* The set attached to ssl's context, or NULL. */
const struct tls_trust *tls_trust_of(SSL *ssl);
/*
 * After a server handshake: what the client's certificate proves about
 * host. ca receives the name of the CA it chains to ("" if none), why a
 * reason for people. t may be NULL (nothing is trusted).
 */
enum tls_trust_result tls_trust_check(const struct tls_trust *t, SSL *ssl, const char *host,
    char *ca, size_t casz, char *why, size_t whysz);
/* "none", "pass", "untrusted", "wrong-name", "revoked". */
const char *tls_trust_result_name(enum tls_trust_result r);

#endif
