/*
 * tls_trust: trusted CAs and their CRLs (see tls_trust.h).
 */
#include "tls/tls_trust.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/str.h"
#include "util/xmalloc.h"

#define TLS_TRUST_MAX 32

struct trust_ca {
	char name[TLS_TRUST_NAME_MAX];
	STACK_OF(X509) * certs;
	X509_STORE *store; /* the CA's certificates and its CRLs */
	int has_crl;
};

struct tls_trust {
	struct trust_ca ca[TLS_TRUST_MAX];
	size_t n;
};

const char *
tls_trust_result_name(enum tls_trust_result r)
{
	switch (r) {
	case TLS_TRUST_NONE: return "none";
	case TLS_TRUST_PASS: return "pass";
	case TLS_TRUST_UNTRUSTED: return "untrusted";
	case TLS_TRUST_WRONG_NAME: return "wrong-name";
	case TLS_TRUST_REVOKED: return "revoked";
	}
	return "?";
}

static int
name_ok(const char *s)
{
	if (*s == '\0' || strlen(s) >= TLS_TRUST_NAME_MAX)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		        (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' || *s == '.'))
			return 0;
	return 1;
}

/* The file's name without folder and a .pem/.crt/.cer ending. */
static void
default_name(const char *file, char *out, size_t outsz)
{
	const char *b = strrchr(file, '/');
	size_t n;

	b = b ? b + 1 : file;
	str_copy(out, outsz, b);
	n = strlen(out);
	if (n > 4 &&
	    (strcmp(out + n - 4, ".pem") == 0 || strcmp(out + n - 4, ".crt") == 0 ||
	        strcmp(out + n - 4, ".cer") == 0))
		out[n - 4] = '\0';
}

static STACK_OF(X509) * read_certs(const char *file)
{
	BIO *bio = BIO_new_file(file, "r");
	STACK_OF(X509) * sk;
	X509 *x;

	if (bio == NULL)
		return NULL;
	sk = sk_X509_new_null();
	while (sk && (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL)
		if (!sk_X509_push(sk, x))
			X509_free(x);
	ERR_clear_error(); /* the end of the file */
	BIO_free(bio);
	if (sk && sk_X509_num(sk) == 0) {
		sk_X509_free(sk);
		sk = NULL;
	}
	return sk;
}

void
tls_trust_free(struct tls_trust *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->n; i++) {
		sk_X509_pop_free(t->ca[i].certs, X509_free);
		X509_STORE_free(t->ca[i].store);
	}
	free(t);
}

size_t
tls_trust_count(const struct tls_trust *t)
{
	return t ? t->n : 0;
}

const char *
tls_trust_name(const struct tls_trust *t, size_t i)
{
	return t && i < t->n ? t->ca[i].name : "";
}

/* Give each CRL of file to the CA that issued it; -1 if the file holds none
 * or one no trusted CA issued. */
static int
add_crls(struct tls_trust *t, const char *file, char *err, size_t errsz)
{
	BIO *bio = BIO_new_file(file, "r");
	X509_CRL *crl;
	int count = 0;

	if (bio == NULL) {
		snprintf(err, errsz, "tls_trust_crl: cannot read %.200s", file);
		ERR_clear_error();
		return -1;
	}
	while ((crl = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL)) != NULL) {
		int used = 0;
		count++;
		for (size_t i = 0; i < t->n && !used; i++) {
			for (int k = 0; k < sk_X509_num(t->ca[i].certs); k++) {
				X509 *c = sk_X509_value(t->ca[i].certs, k);
				EVP_PKEY *pk = X509_get0_pubkey(c);
				if (X509_NAME_cmp(
				        X509_CRL_get_issuer(crl), X509_get_subject_name(c)) == 0 &&
				    pk && X509_CRL_verify(crl, pk) == 1) {
					X509_STORE_add_crl(t->ca[i].store, crl);
					t->ca[i].has_crl = 1;
					used = 1;
					break;
				}
			}
		}
		X509_CRL_free(crl);
		if (!used) {
			snprintf(err, errsz,
			    "tls_trust_crl: %.200s holds a CRL that no CA of tls_trust_ca issued",
			    file);
			BIO_free(bio);
			ERR_clear_error();
			return -1;
		}
	}
	ERR_clear_error();
	BIO_free(bio);
	if (count == 0) {
		snprintf(err, errsz, "tls_trust_crl: %.200s holds no PEM CRL", file);
		return -1;
	}
	return 0;
}

struct tls_trust *
tls_trust_new(const char *const *words, size_t n, const char *const *crls, size_t ncrl, char *err,
    size_t errsz)
{
	struct tls_trust *t;

	err[0] = '\0';
	if (n == 0) {
		if (ncrl > 0)
			snprintf(err, errsz, "tls_trust_crl: set, but tls_trust_ca is empty");
		return NULL;
	}
	t = xcalloc(1, sizeof(*t));
	for (size_t i = 0; i < n; i++) {
		const char *file = words[i];
		struct trust_ca *ca;
		char name[TLS_TRUST_NAME_MAX * 2];

		if (strcmp(file, "as") == 0) {
			snprintf(err, errsz, "tls_trust_ca: 'as' needs a file before it");
			goto fail;
		}
		if (i + 1 < n && strcmp(words[i + 1], "as") == 0) {
			if (i + 2 >= n) {
				snprintf(err, errsz, "tls_trust_ca: 'as' needs a name after it");
				goto fail;
			}
			str_copy(name, sizeof(name), words[i + 2]);
			i += 2;
		} else
			default_name(file, name, sizeof(name));
		if (!name_ok(name)) {
			snprintf(err, errsz,
			    "tls_trust_ca: '%.80s' is not a usable CA name (letters, digits, '-', '_', '.'; at most %d)",
			    name, TLS_TRUST_NAME_MAX - 1);
			goto fail;
		}
		for (size_t k = 0; k < t->n; k++)
			if (strcmp(t->ca[k].name, name) == 0) {
				snprintf(
				    err, errsz, "tls_trust_ca: the name '%s' is used twice", name);
				goto fail;
			}
		if (t->n >= TLS_TRUST_MAX) {
			snprintf(err, errsz, "tls_trust_ca: at most %d CAs", TLS_TRUST_MAX);
			goto fail;
		}
		ca = &t->ca[t->n];
		ca->certs = read_certs(file);
		if (ca->certs == NULL) {
			snprintf(err, errsz,
			    "tls_trust_ca: cannot read a PEM certificate from %.200s", file);
			goto fail;
		}
		str_copy(ca->name, sizeof(ca->name), name);
		ca->store = X509_STORE_new();
		t->n++;
		for (int k = 0; k < sk_X509_num(ca->certs); k++)
			X509_STORE_add_cert(ca->store, sk_X509_value(ca->certs, k));
	}
	for (size_t i = 0; i < ncrl; i++)
		if (add_crls(t, crls[i], err, errsz) < 0)
			goto fail;
	/* RFC 5280 6.3: the leaf's revocation is asked of its CA's CRL, where
	 * one is configured; a CA without a CRL is taken as it is */
	for (size_t i = 0; i < t->n; i++)
		if (t->ca[i].has_crl)
			X509_STORE_set_flags(t->ca[i].store, X509_V_FLAG_CRL_CHECK);
	return t;
fail:
	tls_trust_free(t);
	return NULL;
}

/* ---- on a server context ---------------------------------------------------- */

static CRYPTO_ONCE ex_once = CRYPTO_ONCE_STATIC_INIT;
static int ex_index = -1;

static void
ex_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
	(void)parent;
	(void)ad;
	(void)idx;
	(void)argl;
	(void)argp;
	tls_trust_free(ptr);
}

static void
ex_init(void)
{
	ex_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, ex_free);
}

/* A certificate that does not verify is a missing proof, never a refusal. */
static int
accept_any(int ok, X509_STORE_CTX *x)
{
	(void)ok;
	(void)x;
	return 1;
}

int
tls_trust_attach(SSL_CTX *ctx, struct tls_trust *t, char *err, size_t errsz)
{
	X509_STORE *store = SSL_CTX_get_cert_store(ctx);

	if (!CRYPTO_THREAD_run_once(&ex_once, ex_init) || ex_index < 0) {
		snprintf(err, errsz, "tls_trust: no OpenSSL ex_data index");
		tls_trust_free(t);
		return -1;
	}
	for (size_t i = 0; i < t->n; i++)
		for (int k = 0; k < sk_X509_num(t->ca[i].certs); k++) {
			X509 *c = sk_X509_value(t->ca[i].certs, k);
			/* already there (also in tls_client_ca) is fine */
			X509_STORE_add_cert(store, c);
			SSL_CTX_add_client_CA(ctx, c);
		}
	ERR_clear_error();
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, accept_any);
	if (!SSL_CTX_set_ex_data(ctx, ex_index, t)) {
		snprintf(err, errsz, "tls_trust: cannot attach the trusted CAs");
		tls_trust_free(t);
		return -1;
	}
	return 0;
}

const struct tls_trust *
tls_trust_of(SSL *ssl)
{
	if (ssl == NULL || ex_index < 0)
		return NULL;
	return SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), ex_index);
}

enum tls_trust_result
tls_trust_check(const struct tls_trust *t, SSL *ssl, const char *host, char *ca, size_t casz,
    char *why, size_t whysz)
{
	enum tls_trust_result best = TLS_TRUST_UNTRUSTED;
	X509 *cert;

	str_copy(ca, casz, "");
	str_copy(why, whysz, "");
	if (ssl == NULL || (cert = SSL_get1_peer_certificate(ssl)) == NULL)
		return TLS_TRUST_NONE;
	str_copy(why, whysz, "the certificate does not chain to a trusted CA");
	for (size_t i = 0; t && i < t->n; i++) {
		X509_STORE_CTX *sctx = X509_STORE_CTX_new();
		int ok = 0, e = 0;
		if (sctx &&
		    X509_STORE_CTX_init(sctx, t->ca[i].store, cert, SSL_get_peer_cert_chain(ssl)) ==
		        1) {
			ok = X509_verify_cert(sctx) == 1;
			e = X509_STORE_CTX_get_error(sctx);
		}
		X509_STORE_CTX_free(sctx);
		if (ok && host && X509_check_host(cert, host, 0, 0, NULL) == 1) {
			str_copy(ca, casz, t->ca[i].name);
			snprintf(why, whysz, "%s, certified by trusted CA %s", host, t->ca[i].name);
			best = TLS_TRUST_PASS;
			break;
		}
		if (ok && best == TLS_TRUST_UNTRUSTED) {
			str_copy(ca, casz, t->ca[i].name);
			snprintf(why, whysz, "the certificate of trusted CA %s does not name %s",
			    t->ca[i].name, host ? host : "the HELO name");
			best = TLS_TRUST_WRONG_NAME;
		} else if (!ok && e == X509_V_ERR_CERT_REVOKED) {
			str_copy(ca, casz, t->ca[i].name);
			snprintf(why, whysz, "the certificate was revoked by trusted CA %s",
			    t->ca[i].name);
			best = TLS_TRUST_REVOKED;
		}
	}
	ERR_clear_error();
	X509_free(cert);
	return best;
}
