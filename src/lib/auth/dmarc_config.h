/*
 * dmarc_config: the "dmarc" part of vouchd's configuration (config.h's
 * config_parts[]): whether inbound mail is evaluated against the From
 * domain's DMARC policy, where the Public Suffix List is, and the
 * aggregate reports (RFC 7489 7.2) vouchd sends to the domains that ask
 * (off by default). What a failing message's policy leads to is per
 * listener (dmarc_reject, dmarc_quarantine, dmarc_temperror: config.h).
 * docs/configuration.md "## DMARC" describes each key.
 */
#ifndef VOUCH_AUTH_DMARC_CONFIG_H
#define VOUCH_AUTH_DMARC_CONFIG_H

#include <stddef.h>

#include "util/conf.h"

struct dmarc_report_config;

struct dmarc_config {
	int verify; /* evaluate DMARC for inbound mail (needs dkim_verify for DKIM) */
	char *psl;  /* the Public Suffix List file */
	/* aggregate reports (dmarc_report.h) */
	int report;                  /* collect and send them */
	char *report_from;           /* the reporting address: <email> and From: */
	char *report_org;            /* <org_name>; "" = the hostname */
	char *report_contact;        /* <extra_contact_info>; "" = none */
	long long report_interval;   /* ms a report covers; divides a day */
	long long report_per_hour;   /* reports sent per hour in all */
	long long report_per_domain; /* reports to one destination domain per 24 hours */
	long long report_max_size;   /* largest compressed report sent */
};

extern const struct conf_key dmarc_config_keys[];

/*
 * The reporter's settings from cfg (strings borrowed from cfg; hostname
 * names the organization when dmarc_report_org is empty; the submitter
 * is the reporting address's domain). Reporting off: cfg->report is 0,
 * or the result fails dmarc_report_config_check().
 */
void dmarc_config_report(
    const struct dmarc_config *cfg, const char *hostname, struct dmarc_report_config *out);

#endif
