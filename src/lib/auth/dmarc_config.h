/*
 * dmarc_config: the "dmarc" part of vouchd's configuration (config.h's
 * config_parts[]): whether inbound mail is evaluated against the From
 * domain's DMARC policy, and where the Public Suffix List is. What a
 * failing message's policy leads to is per listener (dmarc_reject,
 * dmarc_quarantine, dmarc_temperror: config.h). docs/configuration.md
 * "## DMARC" describes each key.
 */
#ifndef VOUCH_AUTH_DMARC_CONFIG_H
#define VOUCH_AUTH_DMARC_CONFIG_H

#include "util/conf.h"

struct dmarc_config {
	int verify; /* evaluate DMARC for inbound mail (needs dkim_verify for DKIM) */
	char *psl;  /* the Public Suffix List file */
};

extern const struct conf_key dmarc_config_keys[];

#endif
