/*
 * dmarc_report: DMARC aggregate reports (RFC 7489 7.2, appendix C).
 *
 * Collection: each evaluated message whose policy asks for reports
 * (rua= with a mailto: URI) adds one row to the report of its policy
 * domain for the current period, in the store (store.h): rows that say
 * the same thing share a counter, so a period costs one record per
 * distinct (source, identifiers, results) and one counter increment per
 * message. Rows per report and reports per period are bounded.
 *
 * Reporting: when a period has ended, dmarc_report_due() loads its
 * reports; each can be written as appendix C XML, gzip-compressed, and
 * put into a MIME message (7.2.1.1: the Subject, the file name, the
 * media type) from the configured reporting address. The destinations
 * come from dmarc_rua.h (mailto: URIs, size limits, and the external
 * destination check of 7.1); dmarc_report_reserve() applies the rate
 * limits before a report goes out; dmarc_report_forget() drops a
 * report's data once it is sent or given up.
 *
 * vouchd's part (src/vouchd/dmarcrep.c): after dmarc_eval(),
 * dmarc_report_add(); a few times a period, dmarc_report_due(), then
 * for each report check its
 * destinations (dmarc_rua_check_start), build the XML and gzip, keep
 * the destinations the payload fits (dmarc_report_fits), reserve, build
 * the message, queue it, dmarc_report_forget(). Nothing here sends or
 * schedules.
 */
#ifndef VOUCH_AUTH_DMARC_REPORT_H
#define VOUCH_AUTH_DMARC_REPORT_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/dmarc.h"
#include "auth/dmarc_eval.h"
#include "util/str.h"

struct store;

/* DKIM results kept per row (the signatures beyond are left out). */
#define DMARC_REPORT_DKIM_MAX 4

/* The reporter's settings; dmarc_report_config_default() fills in the defaults. */
struct dmarc_report_config {
	const char *org_name;      /* <org_name>: who reports (required) */
	const char *email;         /* <email>, and From: of the reports (required) */
	const char *submitter;     /* our domain: Subject's "Submitter:", file names, ids */
	const char *extra_contact; /* <extra_contact_info>, or NULL */
	int64_t period;            /* seconds a report covers: 86400 (RFC 7489 7.2 MUST daily) */
	size_t max_rows;           /* distinct rows kept per report (default 10000) */
	size_t max_domains;        /* reports collected per period (default 10000) */
	unsigned per_dest_day;     /* reports to one destination domain per 24 hours (20) */
	unsigned per_hour;         /* reports sent per hour in all (500) */
	uint64_t max_size;         /* largest compressed report sent, octets (10 MiB) */
	int64_t keep;              /* seconds unsent data is kept after its period (7 days) */
};

/* One row of a report: the messages that share all of these. */
struct dmarc_report_row {
	char source_ip[INET6_ADDRSTRLEN + 8];
	uint64_t count;
	enum dmarc_policy disposition;
	int dkim_pass, spf_pass;      /* the aligned results (policy_evaluated) */
	enum dmarc_override override; /* why disposition is not what the policy asked */
	char envelope_to[DMARC_DOMAIN_MAX + 1];
	char envelope_from[DMARC_DOMAIN_MAX + 1];
	char header_from[DMARC_DOMAIN_MAX + 1];
	size_t ndkim;
	struct dmarc_dkim dkim[DMARC_REPORT_DKIM_MAX];
	char spf_domain[DMARC_DOMAIN_MAX + 1];
	int spf_helo; /* scope "helo" (else "mfrom") */
	enum spf_result spf;
};

/* A report loaded from the store: owned by the caller, dmarc_report_free(). */
struct dmarc_report {
	char domain[DMARC_DOMAIN_MAX + 1]; /* the policy domain */
	int64_t begin, end;                /* the period: [begin, end) */
	char id[96];                       /* report_id, also the Message-ID's left side */
	struct dmarc_record policy;        /* the record in force (the last one seen) */
	size_t nrows;
	struct dmarc_report_row *rows;
	uint64_t left_out; /* messages not in a row: the row limit was reached */
	int64_t bucket;    /* the period's number (begin / period) */
};

/* The defaults: limits set, no reporter named, so reporting is off
 * (dmarc_report_add() collects nothing) until org_name, email and
 * submitter are set. */
void dmarc_report_config_default(struct dmarc_report_config *cfg);
/* Check a configuration; 0, or -1 with a reason. */
int dmarc_report_config_check(const struct dmarc_report_config *cfg, char *err, size_t errsz);

/*
 * Record one evaluated message (the arguments of dmarc_eval() and its
 * outcome) from source_ip (text, IPv4 or IPv6) at time now, to the
 * recipient domain envelope_to (or NULL). Nothing is kept unless cfg
 * passes dmarc_report_config_check() and disc found a record whose rua=
 * has a mailto: URI. Returns 1 recorded, 0 not asked for (or reporting
 * off, or over a limit), -1 on a store error.
 */
int dmarc_report_add(struct store *st, const struct dmarc_report_config *cfg,
    const struct dmarc_discovery *disc, const struct dmarc_input *in,
    const struct dmarc_outcome *out, const char *source_ip, const char *envelope_to, int64_t now);

/*
 * Load up to max reports of periods that ended by now into out[] (each
 * to be freed with dmarc_report_free()). Returns how many, or -1 on a
 * store error. The same reports come again until dmarc_report_forget().
 */
int dmarc_report_due(struct store *st, const struct dmarc_report_config *cfg, int64_t now,
    struct dmarc_report **out, size_t max);
/* Drop a report's data from the store (it was sent, or will not be). */
void dmarc_report_forget(struct store *st, const struct dmarc_report *r);
void dmarc_report_free(struct dmarc_report *r);

/*
 * Take one report to dest_domain (a destination's domain) against the
 * rate limits, atomically in the store. 1 go ahead, 0 over a limit,
 * -1 on a store error.
 */
int dmarc_report_reserve(
    struct store *st, const struct dmarc_report_config *cfg, const char *dest_domain, int64_t now);

/*
 * May a report whose gzip payload is size octets go to a destination
 * whose rua= limit is dest_limit (0: none)? Within cfg->max_size and the
 * limit (RFC 7489 6.2); 1 yes, 0 no (the report is not sent there).
 */
int dmarc_report_fits(const struct dmarc_report_config *cfg, uint64_t dest_limit, uint64_t size);

/* The report as RFC 7489 appendix C XML (UTF-8). Appends to out; 0, or -1 if out is full. */
int dmarc_report_xml(
    const struct dmarc_report *r, const struct dmarc_report_config *cfg, struct strbuf *out);
/* gzip (RFC 1952) of data[0..len), appended to out (binary); 0, or -1. */
int dmarc_report_gzip(const void *data, size_t len, struct strbuf *out);
/*
 * 7.2.1.1's file name: "submitter!domain!begin!end!uid.xml.gz" (uid from
 * the report id) into buf; returns buf.
 */
const char *dmarc_report_filename(
    const struct dmarc_report *r, const struct dmarc_report_config *cfg, char *buf, size_t bufsz);
/*
 * The whole message (CRLF lines): From: cfg->email, To: the addresses
 * in to[0..nto), the Subject of 7.2.1.1, Date (now), Message-ID, a
 * text/plain part and the gzip'd report as application/gzip (base64).
 * Appends to out; 0, or -1 if out is full.
 */
int dmarc_report_message(const struct dmarc_report *r, const struct dmarc_report_config *cfg,
    const char *const *to, size_t nto, const void *gz, size_t gzlen, int64_t now,
    struct strbuf *out);

/* Rows as the store keeps them (pure; exposed for tests and the fuzzer). */
int dmarc_report_row_format(const struct dmarc_report_row *row, struct strbuf *out);
int dmarc_report_row_parse(const char *text, struct dmarc_report_row *row);

#endif
