/*
 * dmarc_config: the dmarc settings table (see dmarc_config.h).
 */
#include "auth/dmarc_config.h"

#include <stddef.h>
#include <string.h>

#include "auth/dmarc_report.h"
#include "auth/orgdomain.h"

#define K(f) offsetof(struct dmarc_config, f)

const struct conf_key dmarc_config_keys[] = {
	{ "dmarc_verify", CONF_BOOL, K(verify), "yes", 0, 0, NULL,
	    "evaluate the From domain's DMARC policy (RFC 7489) for inbound mail, with SPF and DKIM" },
	{ "dmarc_public_suffix_list", CONF_STR, K(psl), ORGDOMAIN_SYSTEM_LIST, 0, 0, NULL,
	    "the Public Suffix List that gives organizational domains (Debian: publicsuffix)" },
	{ "dmarc_report", CONF_BOOL, K(report), "no", 0, 0, NULL,
	    "collect DMARC results and send aggregate reports (RFC 7489 7.2) to the domains whose rua= asks" },
	{ "dmarc_report_from", CONF_STR, K(report_from), "", 0, 0, NULL,
	    "the reporting address: From: of the reports and their <email>; its domain is the submitter" },
	{ "dmarc_report_org", CONF_STR, K(report_org), "", 0, 0, NULL,
	    "the <org_name> of the reports; empty: the hostname" },
	{ "dmarc_report_contact", CONF_STR, K(report_contact), "", 0, 0, NULL,
	    "<extra_contact_info> of the reports (a URL or address); empty: none" },
	{ "dmarc_report_interval", CONF_DURATION, K(report_interval), "1d", 10000, 86400000, NULL,
	    "the period a report covers; must divide a day (RFC 7489 asks for daily reports)" },
	{ "dmarc_report_per_hour", CONF_INT, K(report_per_hour), "500", 1, 1000000, NULL,
	    "reports sent per hour in all; the rest wait for the next hour" },
	{ "dmarc_report_per_domain", CONF_INT, K(report_per_domain), "20", 1, 100000, NULL,
	    "reports sent to one destination domain per 24 hours" },
	{ "dmarc_report_max_size", CONF_SIZE, K(report_max_size), "10m", 1024, 1LL << 30, NULL,
	    "largest gzip-compressed report sent; a destination's own rua= limit (!10m) also applies" },
	{ NULL, 0, 0, NULL, 0, 0, NULL, NULL },
};

void
dmarc_config_report(
    const struct dmarc_config *cfg, const char *hostname, struct dmarc_report_config *out)
{
	const char *at = cfg->report_from ? strrchr(cfg->report_from, '@') : NULL;

	dmarc_report_config_default(out);
	if (!cfg->report)
		return;
	out->email = cfg->report_from;
	out->submitter = at ? at + 1 : NULL;
	out->org_name = cfg->report_org && cfg->report_org[0] ? cfg->report_org : hostname;
	out->extra_contact =
	    cfg->report_contact && cfg->report_contact[0] ? cfg->report_contact : NULL;
	out->period = cfg->report_interval / 1000;
	out->per_hour = (unsigned)cfg->report_per_hour;
	out->per_dest_day = (unsigned)cfg->report_per_domain;
	out->max_size = (uint64_t)cfg->report_max_size;
}
