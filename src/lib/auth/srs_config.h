/*
 * srs_config: the "srs" part of vouchd's configuration (config.h's
 * config_parts[]): the Sender Rewriting Scheme for mail vouchd forwards
 * to remote addresses, and the reversal of bounces that come back.
 * docs/configuration.md "## SRS" describes each key.
 */
#ifndef VOUCH_AUTH_SRS_CONFIG_H
#define VOUCH_AUTH_SRS_CONFIG_H

#include <stddef.h>

#include "auth/srs.h"
#include "util/conf.h"

struct srs_config {
	int enabled;       /* srs: rewrite forwarded senders, reverse SRS recipients */
	char *domain;      /* the SRS domain; "" = hostname */
	char *key_file;    /* "" = <data_dir>/srs.key */
	long long max_age; /* days */
	long long hash_length;
	long long hash_min;
	int separator;      /* index into "=", "+", "-" */
	int classic_base64; /* write '+' and '/' (postsrsd 1.x, libsrs2) */
};

extern const struct conf_key srs_config_keys[];

/* The key file: cfg->key_file, or data_dir/srs.key. */
void
srs_config_key_file(const struct srs_config *cfg, const char *data_dir, char *out, size_t outsz);
/* The library's options (o->domain points into cfg or at hostname). */
void srs_config_options(const struct srs_config *cfg, const char *hostname, struct srs_options *o);

#endif
