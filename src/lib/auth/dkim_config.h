/*
 * dkim_config: the "dkim" part of vouchd's configuration (config.h's
 * config_parts[]): DKIM verification of inbound mail, the ARC chain,
 * DKIM signing of outbound mail and ARC sealing of forwarded mail, and
 * how they become the library's options. docs/configuration.md "## DKIM
 * and ARC" describes each key.
 */
#ifndef VOUCH_AUTH_DKIM_CONFIG_H
#define VOUCH_AUTH_DKIM_CONFIG_H

#include "auth/arc_seal.h"
#include "auth/dkim_keys.h"
#include "auth/dkim_sign.h"
#include "auth/dkim_verify.h"
#include "util/conf.h"
#include "util/str.h"

enum dkim_config_partial { DKIM_CONFIG_PARTIAL_POLICY, DKIM_CONFIG_PARTIAL_PASS };
enum dkim_config_canon {
	DKIM_CONFIG_RELAXED_RELAXED,
	DKIM_CONFIG_RELAXED_SIMPLE,
	DKIM_CONFIG_SIMPLE_RELAXED,
	DKIM_CONFIG_SIMPLE_SIMPLE,
};

struct dkim_config {
	int verify;                           /* check DKIM signatures of inbound mail */
	int arc_verify;                       /* and the ARC chain */
	struct conf_list arc_trusted_sealers; /* ARC-Seal d= domains whose chains may stand
	                                       * for a DMARC pass (policy/verdict.h) */
	long long max_signatures;             /* DKIM-Signature fields checked per message */
	long long max_key_lookups;            /* key records fetched per message */
	long long max_header;                 /* octets of header section kept */
	long long min_rsa_bits;               /* smaller RSA keys fail (RFC 8301: 1024 at least) */
	long long clock_skew;                 /* ms a signature's t= may be ahead */
	int partial_body;                     /* enum dkim_config_partial */
	char *key_dir;                        /* "" = <data_dir>/dkim */
	struct conf_list sign_keys;           /* DOMAIN:SELECTOR of the keys that sign */
	struct conf_list sign_headers;
	struct conf_list oversign_headers;
	int canonicalization;    /* enum dkim_config_canon */
	long long signature_ttl; /* ms from t= to x=; 0: no x= */
	char *arc_seal_key;      /* DOMAIN:SELECTOR of the sealing key; "" = no sealing */
};

extern const struct conf_key dkim_config_keys[];

/* The key folder: cfg->key_dir, or data_dir/dkim. */
void
dkim_config_key_dir(const struct dkim_config *cfg, const char *data_dir, char *out, size_t outsz);
/* Verifier options from cfg (now: 0, the clock). */
void dkim_config_verify_opts(const struct dkim_config *cfg, struct dkim_verify_opts *o);
/* Signer options from cfg; the header lists stay borrowed from cfg. */
void dkim_config_sign_opts(const struct dkim_config *cfg, struct dkim_sign_opts *o);
/*
 * Load the keys of dkim_sign_keys into *sign and the arc_seal_key into
 * *seal (its only key: dkim_keyring_key(*seal, 0), or none), from the key
 * folder; the two are kept apart so that a sealing key never DKIM-signs.
 * 0, or -1 (both NULL) with every bad entry described in errs, one line
 * each.
 */
int dkim_config_keyring(const struct dkim_config *cfg, const char *data_dir,
    struct dkim_keyring **sign, struct dkim_keyring **seal, struct strbuf *errs);
/* Split "DOMAIN:SELECTOR"; 0, or -1 when it is not one. */
int dkim_config_split(const char *entry, char *domain, size_t dsz, char *sel, size_t ssz);

#endif
