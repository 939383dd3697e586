/*
 * dmarc_eval: alignment and the DMARC verdict (see dmarc_eval.h).
 */
#include "auth/dmarc_eval.h"

#include <openssl/rand.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "auth/orgdomain.h"
#include "dns/dns_name.h"
#include "util/str.h"

static const char *const dkim_names[] = {
	"none",
	"pass",
	"fail",
	"policy",
	"neutral",
	"temperror",
	"permerror",
};

const char *
dmarc_dkim_result_name(enum dmarc_dkim_result r)
{
	return (unsigned)r < sizeof(dkim_names) / sizeof(dkim_names[0]) ? dkim_names[r] : "?";
}

int
dmarc_dkim_result_parse(const char *word, enum dmarc_dkim_result *out)
{
	for (size_t i = 0; i < sizeof(dkim_names) / sizeof(dkim_names[0]); i++) {
		if (str_ieq(word, dkim_names[i])) {
			*out = (enum dmarc_dkim_result)i;
			return 0;
		}
	}
	return -1;
}

int
dmarc_aligned(const struct orgdomain *od, const char *from, const char *a, enum dmarc_align mode)
{
	char f[DMARC_DOMAIN_MAX + 1], x[DMARC_DOMAIN_MAX + 1];

	if (from == NULL || a == NULL || *from == '\0' || *a == '\0')
		return 0;
	/* U-labels and A-labels of one name are one name (a d= in A-labels
	 * aligns with a From in UTF-8) */
	if (orgdomain_ascii(from, f, sizeof(f)) < 0 || orgdomain_ascii(a, x, sizeof(x)) < 0)
		return 0;
	/* RFC 7489 3.1.1/3.1.2: strict is "an exact match between both of the
	 * FQDNs"; relaxed, the same Organizational Domain. */
	if (mode == DMARC_ALIGN_STRICT)
		return dns_name_eq(f, x);
	return dns_name_eq(f, x) || orgdomain_same(od, f, x);
}

unsigned
dmarc_sample(void)
{
	/* Uniform in 0..99: 4294967200 is the largest multiple of 100 below 2^32. */
	for (int tries = 0; tries < 16; tries++) {
		uint32_t v;
		if (RAND_bytes((unsigned char *)&v, sizeof(v)) != 1)
			break;
		if (v < 4294967200u)
			return v % 100;
	}
	return 0; /* no randomness: the policy applies (never the weaker choice) */
}

/* Append to the outcome's reason ("; " between parts), cutting when full. */
static void __attribute__((format(printf, 2, 3))) say(struct dmarc_outcome *o, const char *fmt, ...)
{
	size_t used = strlen(o->reason);
	va_list ap;

	if (used + 1 >= sizeof(o->reason))
		return;
	va_start(ap, fmt);
	vsnprintf(o->reason + used, sizeof(o->reason) - used, fmt, ap);
	va_end(ap);
}

static const char *
mode_name(enum dmarc_align a)
{
	return a == DMARC_ALIGN_STRICT ? "strict" : "relaxed";
}

/* The part of a failing reason that tells what each identifier showed. */
static void
explain(struct dmarc_outcome *o, const struct dmarc_input *in, const struct dmarc_record *rec,
    const struct orgdomain *od)
{
	const char *sd = in->spf_domain ? in->spf_domain : "";

	if (*sd)
		say(o, "SPF %s for %s (%s, %s)", spf_result_name(in->spf), sd,
		    dmarc_aligned(od, o->from_domain, sd, rec->aspf) ? "aligned" : "not aligned",
		    mode_name(rec->aspf));
	else
		say(o, "no SPF domain");
	if (in->ndkim == 0) {
		say(o, "; no DKIM signature");
		return;
	}
	for (size_t i = 0; i < in->ndkim && i < DMARC_DKIM_MAX; i++) {
		const struct dmarc_dkim *d = &in->dkim[i];
		say(o, "; DKIM %s for %s (%s, %s)", dmarc_dkim_result_name(d->result), d->domain,
		    dmarc_aligned(od, o->from_domain, d->domain, rec->adkim) ? "aligned"
		                                                             : "not aligned",
		    mode_name(rec->adkim));
	}
}

void
dmarc_eval(const struct dmarc_input *in, const struct dmarc_discovery *disc,
    const struct orgdomain *od, unsigned sample, struct dmarc_outcome *out)
{
	const struct dmarc_record *rec = &disc->rec;
	int spf_temp = 0, dkim_temp = 0;
	const char *sd = in->spf_domain ? in->spf_domain : "";

	memset(out, 0, sizeof(*out));
	/* the form discovery asked for (A-labels), as reports and header.from carry it */
	if (orgdomain_ascii(in->from_domain ? in->from_domain : "", out->from_domain,
	        sizeof(out->from_domain)) < 0) {
		str_copy(out->from_domain, sizeof(out->from_domain),
		    in->from_domain ? in->from_domain : "");
		str_lower(out->from_domain);
	}
	str_copy(out->policy_domain, sizeof(out->policy_domain), disc->policy_domain);
	out->sec = disc->sec;
	out->pct = 100;
	out->policy = DMARC_POLICY_NONE;
	out->disposition = DMARC_POLICY_NONE;

	switch (disc->status) {
	case DMARC_DISC_NONE: out->result = DMARC_NONE; break;
	case DMARC_DISC_TEMPERROR: out->result = DMARC_TEMPERROR; break;
	case DMARC_DISC_PERMERROR: out->result = DMARC_PERMERROR; break;
	case DMARC_DISC_FOUND: break;
	}
	if (disc->status != DMARC_DISC_FOUND) {
		str_copy(out->reason, sizeof(out->reason), disc->reason);
		return;
	}

	out->has_policy = 1;
	out->pct = rec->pct;
	/* RFC 7489 6.3 sp=: the subdomain policy applies to mail from below
	 * the domain where the record was found, which discovery only does at
	 * the organizational domain (6.6.3 step 3). */
	if (disc->at_org && !dns_name_eq(out->from_domain, disc->policy_domain)) {
		out->policy = rec->sp;
		out->subdomain_policy = rec->sp_given;
	} else {
		out->policy = rec->p;
	}

	/* 6.6.2 step 5: any aligned, authenticated identifier passes. */
	if (*sd && dmarc_aligned(od, out->from_domain, sd, rec->aspf)) {
		if (in->spf == SPF_PASS)
			out->spf_aligned = 1;
		else if (in->spf == SPF_TEMPERROR)
			spf_temp = 1;
	}
	for (size_t i = 0; i < in->ndkim && i < DMARC_DKIM_MAX; i++) {
		const struct dmarc_dkim *d = &in->dkim[i];
		if (!dmarc_aligned(od, out->from_domain, d->domain, rec->adkim))
			continue;
		if (d->result == DMARC_DKIM_PASS && !out->dkim_aligned) {
			out->dkim_aligned = 1;
			str_copy(out->dkim_domain, sizeof(out->dkim_domain), d->domain);
		} else if (d->result == DMARC_DKIM_TEMPERROR) {
			dkim_temp = 1;
		}
	}

	if (out->dkim_aligned || out->spf_aligned) {
		out->result = DMARC_PASS;
		if (out->dkim_aligned)
			say(out, "DKIM passed for %s, aligned with %s (%s)", out->dkim_domain,
			    out->from_domain, mode_name(rec->adkim));
		if (out->spf_aligned)
			say(out, "%sSPF passed for %s, aligned with %s (%s)",
			    out->dkim_aligned ? "; " : "", sd, out->from_domain,
			    mode_name(rec->aspf));
		return;
	}
	if (spf_temp || dkim_temp) {
		/* A later attempt might pass: a temporary result, not a failure. */
		out->result = DMARC_TEMPERROR;
		say(out,
		    "no aligned identifier passed, and an aligned %s check failed "
		    "temporarily: ",
		    spf_temp ? "SPF" : "DKIM");
		explain(out, in, rec, od);
		return;
	}

	out->result = DMARC_FAIL;
	/* 6.6.4: at most pct percent of failing mail gets the policy; the rest
	 * is treated one step milder (reject -> quarantine -> none). */
	if (sample < rec->pct || out->policy == DMARC_POLICY_NONE) {
		out->disposition = out->policy;
	} else {
		out->disposition = out->policy == DMARC_POLICY_REJECT ? DMARC_POLICY_QUARANTINE
		                                                      : DMARC_POLICY_NONE;
		out->override = DMARC_OVERRIDE_SAMPLED_OUT;
	}
	say(out, "no aligned identifier passed for %s (policy %s%s at %s%s): ", out->from_domain,
	    out->subdomain_policy ? "sp=" : "p=", dmarc_policy_name(out->policy),
	    disc->policy_domain,
	    out->override == DMARC_OVERRIDE_SAMPLED_OUT ? ", sampled out by pct" : "");
	explain(out, in, rec, od);
}

void
dmarc_authres(
    const struct dmarc_outcome *out, struct authres_entry *e, char *comment, size_t commentsz)
{
	memset(e, 0, sizeof(*e));
	e->method = "dmarc";
	e->result = dmarc_result_name(out->result);
	if (out->has_policy) {
		/* The published request, and what it meant here when that differs. */
		const char *p = dmarc_policy_name(out->policy);
		size_t used;

		if (out->subdomain_policy)
			str_fmt(comment, commentsz, "sp=%s", p);
		else
			str_fmt(comment, commentsz, "p=%s", p);
		used = strlen(comment);
		if (out->pct < 100 && used < commentsz)
			used +=
			    (size_t)snprintf(comment + used, commentsz - used, " pct=%u", out->pct);
		if (out->result == DMARC_FAIL && out->disposition != out->policy &&
		    used < commentsz)
			snprintf(comment + used, commentsz - used, " dis=%s",
			    dmarc_policy_name(out->disposition));
	} else {
		str_copy(comment, commentsz, out->reason);
	}
	e->reason = comment;
	if (out->from_domain[0]) {
		e->ptype = "header.from";
		e->value = out->from_domain;
	}
}
