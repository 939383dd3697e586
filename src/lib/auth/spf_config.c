/*
 * spf_config: the spf settings table (see spf_config.h).
 */
#include "auth/spf_config.h"

#include <stddef.h>
#include <string.h>

#include "auth/spf_known.h"

#define S(f) offsetof(struct spf_config, f)

const struct conf_key spf_config_keys[] = {
	{ "spf_void_lookup_limit", CONF_INT, S(void_limit), "2", 1, 20, NULL,
	    "DNS-querying terms that may find nothing before SPF gives permerror (RFC 7208 4.6.4)" },
	{ "spf_timeout", CONF_DURATION, S(timeout), "20s", 1000, 300000, NULL,
	    "time one SPF evaluation may take before it is temperror (RFC 7208 4.6.4: at least 20s)" },
	{ "spf_default_explanation", CONF_STR, S(default_explanation), SPF_DEFAULT_EXPLANATION, 0,
	    0, NULL,
	    "explanation (SPF macros allowed) for a fail when the domain gives none with exp=" },
	{ "spf_known", CONF_LIST, S(known), NULL, 0, 0, NULL,
	    "known results that skip DNS: DOMAIN=RESULT or DOMAIN=RESULT@NETWORK[/LEN], *.DOMAIN for subdomains" },
	{ NULL, 0, 0, NULL, 0, 0, NULL, NULL },
};

int
spf_config_known(const struct spf_config *cfg, struct spf_known **out, struct strbuf *errs)
{
	struct spf_known *t;
	char err[300];
	int nerr = 0;

	*out = NULL;
	if (cfg->known.n == 0)
		return 0;
	t = spf_known_new();
	for (size_t i = 0; i < cfg->known.n; i++) {
		if (spf_known_add(t, cfg->known.v[i], err, sizeof(err)) < 0) {
			strbuf_printf(errs, "spf_known: %s\n", err);
			nerr++;
		}
	}
	if (nerr) {
		spf_known_free(t);
		return -1;
	}
	*out = t;
	return 0;
}

void
spf_config_options(const struct spf_config *cfg, const char *receiver,
    const struct spf_known *known, struct spf_options *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->receiver = receiver;
	opts->default_explanation = cfg->default_explanation && cfg->default_explanation[0]
	    ? cfg->default_explanation
	    : NULL;
	opts->void_limit = (int)cfg->void_limit;
	opts->known = known;
}
