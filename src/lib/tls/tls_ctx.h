/*
 * tls_ctx: OpenSSL contexts for vouch's TLS, server side (STARTTLS and
 * implicit TLS, optionally asking for client certificates) and client
 * side (outbound STARTTLS). TLS 1.2 is the floor everywhere.
 */
#ifndef VOUCH_TLS_TLS_CTX_H
#define VOUCH_TLS_TLS_CTX_H

#include <stddef.h>

typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_st SSL;

/*
 * A server context from a PEM certificate chain and key. ciphers is the
 * TLS 1.2 cipher list (TLS 1.3 suites are OpenSSL's defaults). With
 * client_ca (a PEM file, may be NULL/""), clients are asked for a
 * certificate, verified against it, but never refused for lacking one.
 */
SSL_CTX *tls_ctx_server_new(const char *cert, const char *key, const char *ciphers,
    const char *client_ca, char *err, size_t errsz);
/* A client context; ca_file/"" = the system store; cert/key optional. */
SSL_CTX *
tls_ctx_client_new(const char *ca_file, const char *cert, const char *key, char *err, size_t errsz);
/*
 * After a server handshake: 1 if the client presented a certificate that
 * verified against the configured CAs and names host (a DNS name), else 0.
 * subject (may be NULL) receives the certificate's subject for logs.
 */
int tls_peer_verified_for(SSL *ssl, const char *host, char *subject, size_t subjectsz);
/* After a client handshake: 1 if the server's certificate verified and names host. */
int tls_server_verified_for(SSL *ssl, const char *host);

#endif
