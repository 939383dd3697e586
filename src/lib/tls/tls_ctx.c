/*
 * tls_ctx: OpenSSL context set-up (see tls_ctx.h).
 */
#include "tls/tls_ctx.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>

static void
ssl_error(char *err, size_t errsz, const char *what, const char *path)
{
	unsigned long e = ERR_get_error();
	char buf[256];

	ERR_error_string_n(e, buf, sizeof(buf));
	snprintf(err, errsz, "%s %s: %s", what, path ? path : "", e ? buf : "unknown error");
	ERR_clear_error();
}

/* Accept any client certificate chain at handshake time: a bad one is a
 * missing proof, not a reason to refuse mail. The result is read later. */
static int
accept_any(int ok, X509_STORE_CTX *x)
{
	(void)ok;
	(void)x;
	return 1;
}

SSL_CTX *
tls_ctx_server_new(const char *cert, const char *key, const char *ciphers, const char *client_ca,
    char *err, size_t errsz)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	if (ctx == NULL) {
		ssl_error(err, errsz, "cannot create a TLS context", NULL);
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(
	    ctx, SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION);
	if (ciphers && *ciphers && SSL_CTX_set_cipher_list(ctx, ciphers) != 1) {
		ssl_error(err, errsz, "bad cipher list", ciphers);
		goto fail;
	}
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		ssl_error(err, errsz, "cannot load certificate", cert);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
		ssl_error(err, errsz, "cannot load key", key);
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		ssl_error(err, errsz, "key does not match certificate", cert);
		goto fail;
	}
	if (client_ca && *client_ca) {
		STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(client_ca);
		if (names == NULL || SSL_CTX_load_verify_locations(ctx, client_ca, NULL) != 1) {
			ssl_error(err, errsz, "cannot load client CA file", client_ca);
			goto fail;
		}
		SSL_CTX_set_client_CA_list(ctx, names);
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, accept_any);
	}
	/* Sessions are short; a small cache helps clients that reconnect. */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
	SSL_CTX_set_session_id_context(ctx, (const unsigned char *)"vouch", 5);
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

SSL_CTX *
tls_ctx_client_new(const char *ca_file, const char *cert, const char *key, char *err, size_t errsz)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (ctx == NULL) {
		ssl_error(err, errsz, "cannot create a TLS context", NULL);
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
	if (ca_file && *ca_file) {
		if (SSL_CTX_load_verify_locations(ctx, ca_file, NULL) != 1) {
			ssl_error(err, errsz, "cannot load CA file", ca_file);
			SSL_CTX_free(ctx);
			return NULL;
		}
	} else {
		SSL_CTX_set_default_verify_paths(ctx);
	}
	/* Opportunistic TLS: verification is judged per destination later. */
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	if (cert && *cert) {
		if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
		    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
			ssl_error(err, errsz, "cannot load client certificate", cert);
			SSL_CTX_free(ctx);
			return NULL;
		}
	}
	return ctx;
}

int
tls_peer_verified_for(SSL *ssl, const char *host, char *subject, size_t subjectsz)
{
	X509 *cert;
	int ok;

	if (subject && subjectsz)
		subject[0] = '\0';
	if (ssl == NULL || (cert = SSL_get1_peer_certificate(ssl)) == NULL)
		return 0;
	if (subject && subjectsz)
		X509_NAME_oneline(X509_get_subject_name(cert), subject, (int)subjectsz);
	ok = SSL_get_verify_result(ssl) == X509_V_OK && host &&
	    X509_check_host(cert, host, 0, 0, NULL) == 1;
	X509_free(cert);
	return ok;
}

int
tls_server_verified_for(SSL *ssl, const char *host)
{
	X509 *cert;
	X509_STORE *store;
	X509_STORE_CTX *sctx;
	int ok = 0;

	if (ssl == NULL || (cert = SSL_get1_peer_certificate(ssl)) == NULL)
		return 0;
	/* The context verified nothing at handshake time: verify now. */
	store = SSL_CTX_get_cert_store(SSL_get_SSL_CTX(ssl));
	sctx = X509_STORE_CTX_new();
	if (sctx && X509_STORE_CTX_init(sctx, store, cert, SSL_get_peer_cert_chain(ssl)) == 1)
		ok = X509_verify_cert(sctx) == 1 && X509_check_host(cert, host, 0, 0, NULL) == 1;
	X509_STORE_CTX_free(sctx);
	X509_free(cert);
	return ok;
}
