/*
 * Cross-setting checks of what the message proves (DKIM, ARC, DMARC):
 * the trusted ARC sealers in one form, the suffix list DMARC cannot do
 * without, and what aggregate reports need. Split from config.c, which
 * keeps the general ones.
 */
#include "config/config.h"
#include "config/config_int.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "auth/dmarc_report.h"
#include "dns/dns_name.h"
#include "util/str.h"

int
config_check_msgauth(
    struct config *cfg, const char *name, const struct conf_doc *doc, struct strbuf *errs)
{
	int nerr = 0;

	/* ARC sealers are compared with ARC-Seal d=: domain names, one form */
	for (size_t i = 0; i < cfg->dkim.arc_trusted_sealers.n; i++) {
		char *s = cfg->dkim.arc_trusted_sealers.v[i];
		size_t n = strlen(s);
		if (n > 1 && s[n - 1] == '.')
			s[n - 1] = '\0';
		str_lower(s);
		int bad = dns_name_check(s) < 0 || strchr(s, '.') == NULL;
		for (const char *c = s; *c && !bad; c++)
			bad = !((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-' ||
			    *c == '.');
		if (bad) {
			config_err(errs, name,
			    config_key_line(doc, NULL, NULL, "arc_trusted_sealers"),
			    "arc_trusted_sealers: '%s' is not a domain name", s);
			nerr++;
		}
	}
	/* DMARC without its suffix list would silently be off (msgauth.c) */
	if (cfg->dmarc.verify && access(cfg->dmarc.psl, R_OK) != 0) {
		int line = config_key_line(doc, NULL, NULL, "dmarc_public_suffix_list");
		config_err(errs, name,
		    line ? line : config_key_line(doc, NULL, NULL, "dmarc_verify"),
		    "dmarc_public_suffix_list: cannot read %s: %s (install Debian's publicsuffix, "
		    "or set dmarc_verify = no)",
		    cfg->dmarc.psl, strerror(errno));
		nerr++;
	}
	/* DMARC aggregate reports: a reporter, a period that divides a day */
	if (cfg->dmarc.report) {
		struct dmarc_report_config rc;
		char why[200];
		dmarc_config_report(&cfg->dmarc, cfg->hostname, &rc);
		if (!cfg->dmarc.verify) {
			config_err(errs, name, config_key_line(doc, NULL, NULL, "dmarc_report"),
			    "dmarc_report needs dmarc_verify = yes (reports are of DMARC results)");
			nerr++;
		} else if (cfg->dmarc.report_interval % 1000 != 0) {
			config_err(errs, name,
			    config_line2(doc, "dmarc_report_interval", "dmarc_report"),
			    "dmarc_report_interval: whole seconds only");
			nerr++;
		} else if (dmarc_report_config_check(&rc, why, sizeof(why)) < 0) {
			config_err(errs, name,
			    config_line2(doc,
			        rc.email == NULL || rc.email[0] == '\0' || rc.submitter == NULL ||
			                !rc.submitter[0]
			            ? "dmarc_report_from"
			            : "dmarc_report_interval",
			        "dmarc_report"),
			    "dmarc_report: %s (set dmarc_report_from to an address, and "
			    "dmarc_report_interval to a divisor of a day)",
			    why);
			nerr++;
		}
	}
	return nerr;
}
