/*
 * dkim_keys: the signing keys of the local domains, a keyring read from
 * the key folder: DIR/DOMAIN/SELECTOR.key holds a private key (PEM; the
 * file `vouchctl dkim keygen` writes) and DIR/DOMAIN/SELECTOR.txt the
 * DNS record that publishes it. A domain may have several keys (an RSA
 * and an Ed25519 one: dual signing); mail of a subdomain without keys of
 * its own is signed with its parent's (DMARC relaxed alignment).
 */
#ifndef VOUCH_AUTH_DKIM_KEYS_H
#define VOUCH_AUTH_DKIM_KEYS_H

#include <stddef.h>

#include "auth/dkim_sign.h"

struct dkim_keyring;

struct dkim_keyring *dkim_keyring_new(void);
/* Free every key. NULL-safe. */
void dkim_keyring_free(struct dkim_keyring *kr);
/*
 * Add a key from private key text (PEM or an Ed25519 seed, see
 * dkim_crypt_private) for (domain, selector). 0, or -1 with a reason.
 */
int dkim_keyring_add_text(struct dkim_keyring *kr, const char *domain, const char *selector,
    const char *text, size_t len, char *err, size_t errsz);
/*
 * Load dir/DOMAIN/SELECTOR.key. The file must not be readable by every
 * user (a private key). 0, or -1 with a reason naming the file.
 */
int dkim_keyring_load(struct dkim_keyring *kr, const char *dir, const char *domain,
    const char *selector, char *err, size_t errsz);
/* Read a key file as dkim_keyring_load does (checks included); caller
 * frees *text. 0 or -1. */
int dkim_key_file_read(const char *path, char **text, size_t *len, char *err, size_t errsz);
/*
 * The keys that sign mail of domain: its own, or else the nearest parent
 * domain's that has keys. Up to max pointers into out; returns the count
 * (0: nothing to sign with).
 */
size_t dkim_keyring_find(
    const struct dkim_keyring *kr, const char *domain, const struct dkim_signkey **out, size_t max);
/* True if s may be a domain or selector of a key (letters, digits, '-',
 * '_', dots between labels). */
int dkim_keyring_name_ok(const char *s);
/* Every key, for listing. */
size_t dkim_keyring_count(const struct dkim_keyring *kr);
const struct dkim_signkey *dkim_keyring_key(const struct dkim_keyring *kr, size_t i);
/* The key for exactly (domain, selector), or NULL. */
const struct dkim_signkey *
dkim_keyring_get(const struct dkim_keyring *kr, const char *domain, const char *selector);

#endif
