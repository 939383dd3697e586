/*
 * dmarc_config: the dmarc settings table (see dmarc_config.h).
 */
#include "auth/dmarc_config.h"

#include <stddef.h>

#include "auth/orgdomain.h"

#define K(f) offsetof(struct dmarc_config, f)

const struct conf_key dmarc_config_keys[] = {
	{ "dmarc_verify", CONF_BOOL, K(verify), "yes", 0, 0, NULL,
	    "evaluate the From domain's DMARC policy (RFC 7489) for inbound mail, with SPF and DKIM" },
	{ "dmarc_public_suffix_list", CONF_STR, K(psl), ORGDOMAIN_SYSTEM_LIST, 0, 0, NULL,
	    "the Public Suffix List that gives organizational domains (Debian: publicsuffix)" },
	{ NULL, 0, 0, NULL, 0, 0, NULL, NULL },
};
