/*
 * srs_config: the srs settings table (see srs_config.h).
 */
#include "auth/srs_config.h"

#include <stddef.h>

#include "util/str.h"

#define K(f) offsetof(struct srs_config, f)

static const char *const separator_names[] = { "=", "+", "-", NULL };

const struct conf_key srs_config_keys[] = {
	{ "srs", CONF_BOOL, K(enabled), "yes", 0, 0, NULL,
	    "rewrite the envelope sender of mail forwarded to remote addresses (SRS0/SRS1, postsrsd's format) and reverse bounces to SRS addresses" },
	{ "srs_domain", CONF_STR, K(domain), "", 0, 0, NULL,
	    "the domain rewritten senders get; it needs SPF allowing vouchd and mail routed to it; empty: hostname" },
	{ "srs_key_file", CONF_STR, K(key_file), "", 0, 0, NULL,
	    "the SRS keys, one a line, the first signs (vouchctl srs key); empty: <data_dir>/srs.key, made at start when missing" },
	{ "srs_max_age", CONF_INT, K(max_age), "21", 1, 1000, NULL,
	    "days an SRS address reverses after it was made" },
	{ "srs_hash_length", CONF_INT, K(hash_length), "4", 1, SRS_HASH_MAX, NULL,
	    "hash characters written in SRS addresses" },
	{ "srs_hash_min", CONF_INT, K(hash_min), "4", 1, SRS_HASH_MAX, NULL,
	    "fewest hash characters accepted when reversing (at most srs_hash_length)" },
	{ "srs_separator", CONF_ENUM, K(separator), "=", 0, 0, separator_names,
	    "the character after SRS0/SRS1: =, + or -" },
	{ "srs_classic_base64", CONF_BOOL, K(classic_base64), "no", 0, 0, NULL,
	    "write the hash in base64 with + and / (postsrsd 1.x, libsrs2) instead of - and _; both are read" },
	{ NULL, 0, 0, NULL, 0, 0, NULL, NULL },
};

void
srs_config_key_file(const struct srs_config *cfg, const char *data_dir, char *out, size_t outsz)
{
	if (cfg->key_file && cfg->key_file[0])
		str_copy(out, outsz, cfg->key_file);
	else
		str_fmt(out, outsz, "%s/srs.key", data_dir ? data_dir : ".");
}

void
srs_config_options(const struct srs_config *cfg, const char *hostname, struct srs_options *o)
{
	srs_options_default(o);
	o->domain = cfg->domain && cfg->domain[0] ? cfg->domain : hostname;
	o->separator = "=+-"[cfg->separator >= 0 && cfg->separator < 3 ? cfg->separator : 0];
	o->hash_length = (unsigned)cfg->hash_length;
	o->hash_min = (unsigned)cfg->hash_min;
	o->max_age = (unsigned)cfg->max_age;
	o->classic_base64 = cfg->classic_base64;
}
