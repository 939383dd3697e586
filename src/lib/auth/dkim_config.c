/*
 * dkim_config: the dkim settings table (see dkim_config.h).
 */
#include "auth/dkim_config.h"

#include <stddef.h>
#include <string.h>

#include "util/str.h"

#define K(f) offsetof(struct dkim_config, f)

static const char *const partial_names[] = { "policy", "pass", NULL };
static const char *const canon_names[] = { "relaxed/relaxed", "relaxed/simple", "simple/relaxed",
	"simple/simple", NULL };

const struct conf_key dkim_config_keys[] = {
	{ "dkim_verify", CONF_BOOL, K(verify), "yes", 0, 0, NULL,
	    "check the DKIM signatures of inbound mail (RFC 6376; RSA-SHA1 and keys under 1024 bits fail, RFC 8301)" },
	{ "arc_verify", CONF_BOOL, K(arc_verify), "yes", 0, 0, NULL,
	    "check the ARC chain of inbound mail (RFC 8617)" },
	{ "arc_trusted_sealers", CONF_LIST, K(arc_trusted_sealers), "", 0, 0, NULL,
	    "ARC sealer domains (ARC-Seal d=) trusted to say a message passed DMARC before they changed it; every sealer of a chain must be listed" },
	{ "dkim_max_signatures", CONF_INT, K(max_signatures), "8", 1, 50, NULL,
	    "DKIM-Signature fields checked per message; more are not evaluated" },
	{ "dkim_max_key_lookups", CONF_INT, K(max_key_lookups), "16", 1, 120, NULL,
	    "key records looked up per message (DKIM and ARC); signatures past it get policy" },
	{ "dkim_max_header", CONF_SIZE, K(max_header), "256k", 16 * 1024, 16 * 1024 * 1024, NULL,
	    "octets of header section kept for verifying and signing; a longer one is a permerror" },
	{ "dkim_min_rsa_bits", CONF_INT, K(min_rsa_bits), "1024", 1024, 4096, NULL,
	    "RSA keys shorter than this fail (RFC 8301 3.2: 1024 at least)" },
	{ "dkim_clock_skew", CONF_DURATION, K(clock_skew), "5m", 0, 86400000, NULL,
	    "how far in the future a signature's t= may be before it is a permerror" },
	{ "dkim_partial_body", CONF_ENUM, K(partial_body), "policy", 0, 0, partial_names,
	    "a verified signature whose l= leaves part of the body unsigned: policy, or pass" },
	{ "dkim_key_dir", CONF_STR, K(key_dir), "", 0, 0, NULL,
	    "folder of signing keys, DOMAIN/SELECTOR.key; empty: <data_dir>/dkim" },
	{ "dkim_sign_keys", CONF_LIST, K(sign_keys), NULL, 0, 0, NULL,
	    "DOMAIN:SELECTOR of each key that signs outbound mail; two for a domain sign twice (RSA and Ed25519)" },
	{ "dkim_sign_headers", CONF_LIST, K(sign_headers),
	    "From Reply-To Sender Subject Date To Cc Message-ID In-Reply-To References MIME-Version Content-Type Content-Transfer-Encoding Content-Disposition Content-ID Content-Description Resent-Date Resent-From Resent-Sender Resent-To Resent-Cc Resent-Message-ID List-Id List-Help List-Unsubscribe List-Unsubscribe-Post List-Subscribe List-Post List-Owner List-Archive Autocrypt",
	    0, 0, NULL, "header fields signed, every instance present" },
	{ "dkim_oversign_headers", CONF_LIST, K(oversign_headers),
	    "From Reply-To Sender Subject Date To Cc Message-ID In-Reply-To References MIME-Version Content-Type Content-Transfer-Encoding",
	    0, 0, NULL, "header fields signed once more than present, so none can be added" },
	{ "dkim_canonicalization", CONF_ENUM, K(canonicalization), "relaxed/relaxed", 0, 0,
	    canon_names, "c= of the signatures vouch makes (header/body)" },
	{ "dkim_signature_ttl", CONF_DURATION, K(signature_ttl), "0", 0, 366LL * 86400000, NULL,
	    "how long signatures stay valid (x=); 0: no expiry" },
	{ "arc_seal_key", CONF_STR, K(arc_seal_key), "", 0, 0, NULL,
	    "DOMAIN:SELECTOR of the key that ARC-seals forwarded mail; empty: no sealing" },
	{ NULL, 0, 0, NULL, 0, 0, NULL, NULL },
};

void
dkim_config_key_dir(const struct dkim_config *cfg, const char *data_dir, char *out, size_t outsz)
{
	if (cfg->key_dir && cfg->key_dir[0])
		str_copy(out, outsz, cfg->key_dir);
	else
		str_fmt(out, outsz, "%s/dkim", data_dir ? data_dir : ".");
}

void
dkim_config_verify_opts(const struct dkim_config *cfg, struct dkim_verify_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->max_signatures = (unsigned)cfg->max_signatures;
	o->max_key_lookups = (unsigned)cfg->max_key_lookups;
	o->max_header = (size_t)cfg->max_header;
	o->min_rsa_bits = (unsigned)cfg->min_rsa_bits;
	o->clock_skew = cfg->clock_skew / 1000;
	if (o->clock_skew == 0)
		o->clock_skew = -1; /* 0 in the file: t= not checked */
	o->partial_body_pass = cfg->partial_body == DKIM_CONFIG_PARTIAL_PASS;
	o->arc = cfg->arc_verify;
}

void
dkim_config_sign_opts(const struct dkim_config *cfg, struct dkim_sign_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->simple_header = cfg->canonicalization == DKIM_CONFIG_SIMPLE_RELAXED ||
	    cfg->canonicalization == DKIM_CONFIG_SIMPLE_SIMPLE;
	o->simple_body = cfg->canonicalization == DKIM_CONFIG_RELAXED_SIMPLE ||
	    cfg->canonicalization == DKIM_CONFIG_SIMPLE_SIMPLE;
	o->headers = (const char *const *)cfg->sign_headers.v;
	o->nheaders = cfg->sign_headers.n;
	o->oversign = (const char *const *)cfg->oversign_headers.v;
	o->noversign = cfg->oversign_headers.n;
	/* an empty list is a list: sign (or oversign) nothing more */
	static const char *const none[1] = { NULL };
	if (o->headers == NULL)
		o->headers = none;
	if (o->oversign == NULL)
		o->oversign = none;
	o->expire = cfg->signature_ttl / 1000;
	o->max_header = (size_t)cfg->max_header;
}

int
dkim_config_split(const char *entry, char *domain, size_t dsz, char *sel, size_t ssz)
{
	const char *colon = strchr(entry, ':');

	if (colon == NULL || colon == entry || colon[1] == '\0' || strchr(colon + 1, ':'))
		return -1;
	if ((size_t)(colon - entry) >= dsz || strlen(colon + 1) >= ssz)
		return -1;
	memcpy(domain, entry, (size_t)(colon - entry));
	domain[colon - entry] = '\0';
	str_copy(sel, ssz, colon + 1);
	return 0;
}

static int
load_one(struct dkim_keyring *kr, const char *dir, const char *key, const char *entry,
    struct strbuf *errs)
{
	char d[DKIM_DOMAIN_MAX + 1], s[DKIM_DOMAIN_MAX + 1], err[600];

	if (dkim_config_split(entry, d, sizeof(d), s, sizeof(s)) < 0) {
		strbuf_printf(errs, "%s: '%.80s' is not DOMAIN:SELECTOR\n", key, entry);
		return -1;
	}
	if (dkim_keyring_load(kr, dir, d, s, err, sizeof(err)) < 0) {
		strbuf_printf(errs, "%s: %s\n", key, err);
		return -1;
	}
	return 0;
}

int
dkim_config_keyring(const struct dkim_config *cfg, const char *data_dir, struct dkim_keyring **sign,
    struct dkim_keyring **seal, struct strbuf *errs)
{
	struct dkim_keyring *kr = dkim_keyring_new(), *sr = dkim_keyring_new();
	char dir[4096];
	int nerr = 0;

	dkim_config_key_dir(cfg, data_dir, dir, sizeof(dir));
	for (size_t i = 0; i < cfg->sign_keys.n; i++)
		nerr += load_one(kr, dir, "dkim_sign_keys", cfg->sign_keys.v[i], errs) < 0;
	if (cfg->arc_seal_key && cfg->arc_seal_key[0])
		nerr += load_one(sr, dir, "arc_seal_key", cfg->arc_seal_key, errs) < 0;
	if (nerr) {
		dkim_keyring_free(kr);
		dkim_keyring_free(sr);
		*sign = *seal = NULL;
		return -1;
	}
	*sign = kr;
	*seal = sr;
	return 0;
}
