/*
 * dmarc: types shared by vouch's DMARC (RFC 7489) implementation: the
 * results, the policies, alignment modes, and the published record.
 *
 * The implementation is split by concern:
 *   dmarc_record.h  the policy record parser (pure: text in, record out)
 *   dmarc_from.h    the RFC5322.From field's domain (pure)
 *   dmarc_check.h   policy discovery through the DNS client (async, sync)
 *   dmarc_eval.h    alignment and evaluation: a pure function of the proofs
 *   dmarc_report.h  aggregate reports: collection, XML, gzip, the message
 *   orgdomain.h     organizational domains from the Public Suffix List
 */
#ifndef VOUCH_AUTH_DMARC_H
#define VOUCH_AUTH_DMARC_H

#include <stddef.h>
#include <stdint.h>

#include "dns/dns.h"

/* RFC 7489 11.2 (Authentication-Results "dmarc" method): the results. */
enum dmarc_result {
	DMARC_NONE = 0,  /* no policy published (or no From domain to ask about) */
	DMARC_PASS,      /* an aligned identifier passed */
	DMARC_FAIL,      /* a policy exists and no aligned identifier passed */
	DMARC_TEMPERROR, /* a DNS failure kept the answer from being known */
	DMARC_PERMERROR, /* the published policy is unusable (several records, no p=) */
};

/* RFC 7489 6.3 p= and sp=: what the domain owner asks receivers to do. */
enum dmarc_policy {
	DMARC_POLICY_NONE = 0,
	DMARC_POLICY_QUARANTINE,
	DMARC_POLICY_REJECT,
};

/* RFC 7489 3.1.1, 3.1.2: adkim= and aspf=. */
enum dmarc_align {
	DMARC_ALIGN_RELAXED = 0, /* same organizational domain */
	DMARC_ALIGN_STRICT,      /* the same name */
};

/* RFC 7489 6.3 fo=: failure reporting options, as bits. */
enum {
	DMARC_FO_0 = 1 << 0, /* a report when nothing aligned passed (the default) */
	DMARC_FO_1 = 1 << 1, /* a report when anything failed */
	DMARC_FO_D = 1 << 2, /* a report for each DKIM failure */
	DMARC_FO_S = 1 << 3, /* a report for each SPF failure */
};

/* RFC 7489 6.3 rf=: failure report formats, as bits. */
enum {
	DMARC_RF_AFRF = 1 << 0,
};

/* Limits of what a record keeps (longer or more is ignored, with a note). */
#define DMARC_RECORD_MAX 4096 /* a longer TXT record is refused */
#define DMARC_URIS_MAX 8      /* rua= / ruf= URIs kept */
#define DMARC_URI_MAX 256     /* longest URI kept */
#define DMARC_NOTES_MAX 256   /* what was ignored, for admins */
#define DMARC_DOMAIN_MAX 253  /* RFC 1035 2.3.4 */

/* A reporting URI (RFC 7489 6.2): the URI and its size limit. */
struct dmarc_uri {
	char uri[DMARC_URI_MAX + 1];
	uint64_t limit; /* octets, from "!10m"; 0 when none was given */
};

/*
 * A parsed policy record, self-contained (fixed buffers) so it can be
 * copied. Defaults (RFC 7489 6.3) are filled in for what is absent or
 * invalid; the notes say what was ignored.
 */
struct dmarc_record {
	enum dmarc_policy p;
	enum dmarc_policy sp; /* = p when absent */
	int sp_given;         /* sp= was present and valid */
	int p_assumed;        /* p= missing or invalid, acting as p=none (6.6.3 step 6) */
	unsigned pct;         /* 0..100, default 100 */
	enum dmarc_align adkim, aspf;
	unsigned fo; /* DMARC_FO_* bits, default DMARC_FO_0 */
	unsigned rf; /* DMARC_RF_* bits, default DMARC_RF_AFRF */
	uint32_t ri; /* seconds, default 86400 */
	size_t nrua, nruf;
	struct dmarc_uri rua[DMARC_URIS_MAX];
	struct dmarc_uri ruf[DMARC_URIS_MAX];
	char notes[DMARC_NOTES_MAX]; /* e.g. "unknown tag 'x' ignored; pct=200 invalid" */
};

/* What policy discovery (RFC 7489 6.6.3) found for a From domain. */
enum dmarc_disc_status {
	DMARC_DISC_NONE = 0,  /* no DMARC record at the From or organizational domain */
	DMARC_DISC_FOUND,     /* one usable record (rec, policy_domain) */
	DMARC_DISC_TEMPERROR, /* a DNS failure: try again later */
	DMARC_DISC_PERMERROR, /* several records at one name, or one without a policy */
};

/* Longest reason texts kept in discoveries and outcomes. */
#define DMARC_REASON_MAX 384

/* The outcome of policy discovery, self-contained so it can be copied. */
struct dmarc_discovery {
	enum dmarc_disc_status status;
	char from_domain[DMARC_DOMAIN_MAX + 1];   /* as asked, lower case */
	char org_domain[DMARC_DOMAIN_MAX + 1];    /* its organizational domain */
	char policy_domain[DMARC_DOMAIN_MAX + 1]; /* where the record was found, or "" */
	int at_org;                    /* found at the organizational domain, not the From domain */
	enum dns_sec sec;              /* DNSSEC state of the answer that decided */
	unsigned queries;              /* DNS queries made (1 or 2) */
	struct dmarc_record rec;       /* FOUND: the record (defaults otherwise) */
	char reason[DMARC_REASON_MAX]; /* why, for logs and people */
};

/* "none", "pass", "fail", "temperror", "permerror". */
const char *dmarc_result_name(enum dmarc_result r);
/* "none", "quarantine", "reject". */
const char *dmarc_policy_name(enum dmarc_policy p);
/* "r", "s". */
const char *dmarc_align_name(enum dmarc_align a);
/* "none", "found", "temperror", "permerror". */
const char *dmarc_disc_status_name(enum dmarc_disc_status s);

#endif
