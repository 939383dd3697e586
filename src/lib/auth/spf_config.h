/*
 * spf_config: the "spf" part of vouchd's configuration (config.h's
 * config_parts[]) and how it becomes evaluator options. docs/configuration.md
 * "## SPF" describes each key.
 */
#ifndef VOUCH_AUTH_SPF_CONFIG_H
#define VOUCH_AUTH_SPF_CONFIG_H

#include "auth/spf_eval.h"
#include "util/conf.h"
#include "util/str.h"

struct spf_known;

struct spf_config {
	long long void_limit;      /* RFC 7208 4.6.4 void lookups (default 2) */
	long long timeout;         /* ms for one whole evaluation */
	char *default_explanation; /* explain-string for fail without exp= */
	struct conf_list known;    /* DOMAIN=RESULT[@NETWORK] entries */
};

extern const struct conf_key spf_config_keys[];

/*
 * Build the known-results table from cfg->known. Returns the table (NULL
 * when the list is empty) and 0, or -1 with each bad entry described in errs.
 */
int spf_config_known(const struct spf_config *cfg, struct spf_known **out, struct strbuf *errs);
/*
 * Fill evaluator options from cfg; receiver is our host name (%{r}) and
 * known the table from spf_config_known(). Strings stay borrowed from cfg.
 */
void spf_config_options(const struct spf_config *cfg, const char *receiver,
    const struct spf_known *known, struct spf_options *opts);

#endif
