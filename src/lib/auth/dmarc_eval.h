/*
 * dmarc_eval: DMARC's decision (RFC 7489 3.1, 6.6.2 steps 5-6, 6.6.4) as a
 * pure function of what was proven:
 *
 *   (From domain, SPF result + domain, DKIM results + d= domains,
 *    the discovered policy, a pct sample)  ->  struct dmarc_outcome
 *
 * No I/O, no globals, no clock: the pct draw is an input (dmarc_sample()
 * makes one; tests pass their own), and the Public Suffix List is a
 * loaded, immutable table. The outcome is a proof for the policy engine:
 * the result, the policy the domain owner asked for, what that request
 * means for this message after pct (the disposition), which identifiers
 * aligned, and a reason. What vouch does with it (reject, unsafe, tag)
 * is the policy engine's business, not this module's.
 *
 *	struct dmarc_input in = {
 *		.from_domain = "example.com",
 *		.spf = SPF_PASS, .spf_domain = "bounce.example.com",
 *		.dkim = sigs, .ndkim = n,
 *	};
 *	dmarc_eval(&in, &disc, od, dmarc_sample(), &out);
 *	... out.result, out.policy, out.disposition, out.reason ...
 *	dmarc_authres(&out, &entry, comment, sizeof(comment));
 */
#ifndef VOUCH_AUTH_DMARC_EVAL_H
#define VOUCH_AUTH_DMARC_EVAL_H

#include <stddef.h>

#include "auth/dmarc.h"
#include "auth/spf.h"
#include "msg/authres.h"

struct orgdomain;

/* RFC 8601 2.7.1: DKIM results, as a DKIM verifier reports each signature. */
enum dmarc_dkim_result {
	DMARC_DKIM_NONE = 0,
	DMARC_DKIM_PASS,
	DMARC_DKIM_FAIL,
	DMARC_DKIM_POLICY,
	DMARC_DKIM_NEUTRAL,
	DMARC_DKIM_TEMPERROR,
	DMARC_DKIM_PERMERROR,
};

/* Signatures an evaluation looks at (the DKIM verifier's own limit is lower). */
#define DMARC_DKIM_MAX 16
#define DMARC_SELECTOR_MAX 63

/* One verified (or failed) DKIM signature. */
struct dmarc_dkim {
	enum dmarc_dkim_result result;
	char domain[DMARC_DOMAIN_MAX + 1];     /* d= */
	char selector[DMARC_SELECTOR_MAX + 1]; /* s=, for reports ("" if unknown) */
};

/* What the evaluation is given. Strings are borrowed for the call. */
struct dmarc_input {
	const char *from_domain; /* the RFC5322.From domain (dmarc_from.h) */
	enum spf_result spf;     /* SPF of the MAIL FROM identity (HELO's for <>) */
	const char *spf_domain;  /* the domain SPF checked, "" or NULL if none */
	int spf_helo;            /* spf_domain is the HELO name (null MAIL FROM) */
	const struct dmarc_dkim *dkim;
	size_t ndkim;
};

/* Why the disposition differs from the policy (RFC 7489 appendix C). */
enum dmarc_override {
	DMARC_OVERRIDE_NONE = 0,
	DMARC_OVERRIDE_SAMPLED_OUT,  /* pct= left this message out of the policy */
	DMARC_OVERRIDE_ARC,          /* a trusted ARC chain stood for DMARC (RFC 8617 7.2.2) */
	DMARC_OVERRIDE_LOCAL_POLICY, /* the receiver's settings (soft mode, dmarc_reject, ...) */
};
/* "sampled_out", "arc", "local_policy"; "-" for none (the report's row text). */
const char *dmarc_override_name(enum dmarc_override o);
/* The name back; 0, or -1 if it names none of them. */
int dmarc_override_parse(const char *s, enum dmarc_override *o);

/* The answer, self-contained (fixed buffers) so it can be copied and stored. */
struct dmarc_outcome {
	enum dmarc_result result;
	int has_policy;                /* a record applied: policy is meaningful */
	enum dmarc_policy policy;      /* what the owner asks for failing mail (p=, or sp=) */
	int subdomain_policy;          /* policy came from sp= (From is below the org domain) */
	enum dmarc_policy disposition; /* asked for this message: none unless it failed */
	enum dmarc_override override;  /* why disposition < policy */
	int spf_aligned;               /* SPF passed for an aligned domain */
	int dkim_aligned;              /* a DKIM signature passed for an aligned d= */
	char dkim_domain[DMARC_DOMAIN_MAX + 1]; /* the aligned passing d=, or "" */
	char from_domain[DMARC_DOMAIN_MAX + 1];
	char policy_domain[DMARC_DOMAIN_MAX + 1];
	enum dns_sec sec; /* DNSSEC state of the policy record */
	unsigned pct;     /* the record's pct (100 without a record) */
	char reason[DMARC_REASON_MAX];
};

/*
 * Evaluate (pure). disc is what dmarc_check found for in->from_domain;
 * od the Public Suffix List (relaxed alignment); sample is a draw in
 * 0..99 (RFC 7489 6.6.4: the policy applies when sample < pct).
 *
 * Results: pass when an aligned identifier passed; fail when a policy
 * exists and none did; temperror when discovery failed temporarily, or
 * when nothing aligned passed but an aligned SPF or DKIM check ended in
 * temperror (a later try might pass: never reject on it); none and
 * permerror follow discovery.
 */
void dmarc_eval(const struct dmarc_input *in, const struct dmarc_discovery *disc,
    const struct orgdomain *od, unsigned sample, struct dmarc_outcome *out);

/* True if domain a is aligned with the From domain under mode (RFC 7489 3.1). */
int
dmarc_aligned(const struct orgdomain *od, const char *from, const char *a, enum dmarc_align mode);

/* A pct draw in 0..99 from the CSPRNG. */
unsigned dmarc_sample(void);

/*
 * The Authentication-Results entry (RFC 7489 11.2): method "dmarc", the
 * result, a comment such as "p=reject" or "p=reject sp=none pct=50
 * dis=quarantine", and header.from. e's strings point into out and
 * comment (size commentsz), which must outlive e.
 */
void dmarc_authres(
    const struct dmarc_outcome *out, struct authres_entry *e, char *comment, size_t commentsz);

/* "none", "pass", "fail", "policy", "neutral", "temperror", "permerror". */
const char *dmarc_dkim_result_name(enum dmarc_dkim_result r);
/* Parse a DKIM result word (case-insensitive); 0, or -1 if unknown. */
int dmarc_dkim_result_parse(const char *word, enum dmarc_dkim_result *out);

#endif
