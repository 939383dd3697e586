/*
 * proofs: proof sets, and each check's outcome as a proof (see proofs.h).
 */
#include "auth/proofs.h"

#include <stdlib.h>
#include <string.h>

#include "policy/lists.h"
#include "util/str.h"
#include "util/xmalloc.h"

void
proofs_init(struct proofs *ps)
{
	memset(ps, 0, sizeof(*ps));
}

void
proofs_clear(struct proofs *ps)
{
	free(ps->v);
	proofs_init(ps);
}

void
proofs_add(struct proofs *ps, const struct proof *p)
{
	if (ps->n == ps->cap) {
		ps->cap = ps->cap ? 2 * ps->cap : 4;
		ps->v = xrealloc(ps->v, ps->cap * sizeof(*ps->v));
	}
	ps->v[ps->n++] = *p;
}

void
proofs_del(struct proofs *ps, enum proof_method m)
{
	size_t k = 0;

	for (size_t i = 0; i < ps->n; i++)
		if (ps->v[i].method != m)
			ps->v[k++] = ps->v[i];
	ps->n = k;
}

void
proofs_put(struct proofs *ps, const struct proof *p)
{
	proofs_del(ps, p->method);
	proofs_add(ps, p);
}

const struct proof *
proofs_get(const struct proofs *ps, enum proof_method m)
{
	for (size_t i = 0; ps && i < ps->n; i++)
		if (ps->v[i].method == m)
			return &ps->v[i];
	return NULL;
}

const struct proof *
proofs_has(const struct proofs *ps, enum proof_method m, enum proof_result r)
{
	for (size_t i = 0; ps && i < ps->n; i++)
		if (ps->v[i].method == m && ps->v[i].result == r)
			return &ps->v[i];
	return NULL;
}

size_t
proofs_count(const struct proofs *ps)
{
	return ps ? ps->n : 0;
}

const struct proof *
proofs_at(const struct proofs *ps, size_t i)
{
	return ps && i < ps->n ? &ps->v[i] : NULL;
}

const char *
proof_result_name(enum proof_result r)
{
	static const char *const names[] = { "none", "pass", "fail", "softfail", "neutral",
		"temperror", "permerror", "listed", "notlisted", "registered", "unregistered",
		"suspended", "catchall", "nomx", "nxdomain", "current", "newer", "older", "too-old",
		"invalid", "too-new", "policy" };

	return (unsigned)r < sizeof(names) / sizeof(names[0]) ? names[r] : "?";
}

const char *
proof_method_name(enum proof_method m)
{
	static const char *const names[PROOF_METHOD_COUNT] = { "block", "allow", "dnsbl", "dnswl",
		"register-addr", "helo", "iprev", "spf-helo", "tls-cert", "xvouch", "register-name",
		"xgen", "auth", "spf-mailfrom", "required", "allow-sender", "callout", "dkim",
		"dmarc", "arc" };

	return (unsigned)m < PROOF_METHOD_COUNT ? names[m] : "?";
}

/* ---- from each check's outcome ------------------------------------------- */

static void
start(struct proof *p, enum proof_method m, enum proof_identity about, const char *identity)
{
	memset(p, 0, sizeof(*p));
	p->method = m;
	p->about = about;
	str_copy(p->identity, sizeof(p->identity), identity ? identity : "");
}

void
proofs_from_list(
    struct proof *p, enum proof_method m, const char *identity, const struct list_entry *e)
{
	start(p, m, m == PROOF_ALLOW_SENDER ? PROOF_ID_MAILFROM : PROOF_ID_CLIENT, identity);
	p->result = PROOF_LISTED;
	str_copy(p->reason, sizeof(p->reason), e->reason);
	str_copy(p->u.list.entry, sizeof(p->u.list.entry), e->text);
	p->u.list.expires = e->expires;
}

void
proofs_from_dnslist(
    struct proof *p, enum proof_method m, const char *client, const struct dnslist_outcome *o)
{
	enum proof_result r = PROOF_NOT_LISTED;
	const struct dnslist_zone_result *z = NULL;

	start(p, m, PROOF_ID_CLIENT, client);
	for (size_t i = 0; i < o->nzones; i++)
		if (o->zones[i].result == DNSLIST_LISTED && r != PROOF_LISTED) {
			r = PROOF_LISTED;
			z = &o->zones[i];
		}
	for (size_t i = 0; r == PROOF_NOT_LISTED && i < o->nzones; i++)
		if (o->zones[i].result == DNSLIST_TEMPERROR) {
			r = PROOF_TEMPERROR;
			z = &o->zones[i];
		}
	p->result = r;
	str_copy(p->u.zone.zone, sizeof(p->u.zone.zone), z ? z->zone : "");
	str_copy(p->reason, sizeof(p->reason), z ? z->reason : "not listed");
}

void
proofs_from_register(
    struct proof *p, enum proof_method m, const char *identity, const struct register_outcome *o)
{
	const struct register_zone_result *z = o->decided_by >= 0 ? &o->zones[o->decided_by] : NULL;

	start(p, m, m == PROOF_REGISTER_ADDR ? PROOF_ID_CLIENT : PROOF_ID_VOUCHED, identity);
	switch (o->status) {
	case REGISTER_ACTIVE: p->result = PROOF_REGISTERED; break;
	case REGISTER_SUSPENDED: p->result = PROOF_SUSPENDED; break;
	case REGISTER_TEMPERROR: p->result = PROOF_TEMPERROR; break;
	default: p->result = PROOF_UNREGISTERED; break;
	}
	str_copy(p->u.zone.zone, sizeof(p->u.zone.zone), z ? z->zone : "");
	if (z && z->has_txt && !o->by_address)
		str_copy(
		    p->u.zone.klass, sizeof(p->u.zone.klass), register_class_name(z->txt.klass));
	str_copy(p->reason, sizeof(p->reason), o->reason);
}

enum proof_result
proofs_helo_result(enum helo_result r)
{
	switch (r) {
	case HELO_PASS: return PROOF_PASS;
	case HELO_FAIL: return PROOF_FAIL;
	case HELO_TEMPERROR: return PROOF_TEMPERROR;
	default: return PROOF_NONE;
	}
}

void
proofs_from_helo(struct proof *name, struct proof *iprev, const char *helo, const char *client,
    const struct helo_outcome *o)
{
	int literal = helo && helo[0] == '[';

	start(name, PROOF_HELO, PROOF_ID_HELO, helo);
	name->u.helo.syntax = o->syntax;
	name->u.helo.literal = o->literal;
	name->u.helo.forward = o->forward;
	/* the name checks out when its syntax does and it is the client's:
	 * as a literal, or by its A/AAAA records */
	if (o->syntax == HELO_PASS && (literal ? o->literal : o->forward) == HELO_PASS)
		name->result = PROOF_PASS;
	else if (o->forward == HELO_TEMPERROR)
		name->result = PROOF_TEMPERROR;
	else
		name->result = PROOF_FAIL;
	str_copy(name->reason, sizeof(name->reason), o->reason);

	start(iprev, PROOF_IPREV, PROOF_ID_CLIENT, client);
	iprev->result = proofs_helo_result(o->fcrdns);
	str_copy(
	    iprev->u.iprev.verified_name, sizeof(iprev->u.iprev.verified_name), o->verified_name);
	str_copy(iprev->reason, sizeof(iprev->reason),
	    o->verified_name[0] ? o->verified_name : "no reverse name resolves back to the client");
}

enum proof_result
proofs_spf_result(enum spf_result r)
{
	switch (r) {
	case SPF_PASS: return PROOF_PASS;
	case SPF_FAIL: return PROOF_FAIL;
	case SPF_SOFTFAIL: return PROOF_SOFTFAIL;
	case SPF_NEUTRAL: return PROOF_NEUTRAL;
	case SPF_TEMPERROR: return PROOF_TEMPERROR;
	case SPF_PERMERROR: return PROOF_PERMERROR;
	default: return PROOF_NONE;
	}
}

void
proofs_from_spf(
    struct proof *p, enum proof_method m, const char *identity, const struct spf_outcome *o)
{
	start(p, m, m == PROOF_SPF_HELO ? PROOF_ID_HELO : PROOF_ID_MAILFROM, identity);
	p->result = proofs_spf_result(o->result);
	str_copy(p->reason, sizeof(p->reason), o->reason);
	str_copy(p->u.spf.domain, sizeof(p->u.spf.domain), o->domain);
	str_copy(p->u.spf.mechanism, sizeof(p->u.spf.mechanism), o->mechanism);
	str_copy(p->u.spf.explanation, sizeof(p->u.spf.explanation), o->explanation);
	p->u.spf.from_table = o->from_table;
}

void
proofs_from_tls(struct proof *p, const char *helo, int verified, const char *subject,
    const char *ca, int revoked, const char *why)
{
	start(p, PROOF_TLS_CERT, PROOF_ID_HELO, helo);
	p->result = verified && !revoked ? PROOF_PASS : PROOF_FAIL;
	str_copy(p->u.tls.subject, sizeof(p->u.tls.subject), subject);
	if (p->result == PROOF_PASS && ca)
		str_copy(p->u.tls.ca, sizeof(p->u.tls.ca), ca);
	p->u.tls.revoked = revoked != 0;
	str_copy(p->reason, sizeof(p->reason), why && why[0] ? why : subject);
}

void
proofs_from_xvouch(struct proof *p, const char *name, enum proof_result r, const char *reason)
{
	start(p, PROOF_XVOUCH, PROOF_ID_VOUCHED, name);
	p->result = r;
	str_copy(p->reason, sizeof(p->reason), reason);
}

enum proof_result
proofs_gen_result(enum gen_result r)
{
	switch (r) {
	case GEN_CURRENT: return PROOF_CURRENT;
	case GEN_NEWER: return PROOF_NEWER;
	case GEN_OLDER: return PROOF_OLDER;
	case GEN_TOO_OLD: return PROOF_TOO_OLD;
	case GEN_INVALID: return PROOF_INVALID;
	case GEN_TOO_NEW: return PROOF_TOO_NEW;
	default: return PROOF_NONE;
	}
}

void
proofs_from_gen(struct proof *p, enum gen_result r, long long peer, long long ours,
    long long tolerance, long long max_newer)
{
	start(p, PROOF_XGEN, PROOF_ID_CLIENT, NULL);
	p->result = proofs_gen_result(r);
	p->u.gen.peer = peer;
	p->u.gen.ours = ours;
	p->u.gen.tolerance = tolerance;
	p->u.gen.max_newer = max_newer;
}

void
proofs_from_auth(struct proof *p, const char *user)
{
	start(p, PROOF_AUTH, PROOF_ID_USER, user);
	p->result = PROOF_PASS;
}

void
proofs_from_callout(struct proof *p, const struct callout_outcome *o)
{
	static const enum proof_result map[CALLOUT_RESULT_COUNT] = { PROOF_PASS, PROOF_FAIL,
		PROOF_CATCHALL, PROOF_NOMX, PROOF_NXDOMAIN, PROOF_TEMPERROR };

	start(p, PROOF_CALLOUT, PROOF_ID_MAILFROM, o->address);
	p->result = (unsigned)o->result < CALLOUT_RESULT_COUNT ? map[o->result] : PROOF_TEMPERROR;
	str_copy(p->reason, sizeof(p->reason), o->reason);
	str_copy(p->u.callout.source, sizeof(p->u.callout.source), callout_source_name(o->source));
}

void
proofs_from_callout_skip(struct proof *p, const char *sender, enum callout_skip why)
{
	start(p, PROOF_CALLOUT, PROOF_ID_MAILFROM, sender);
	p->result = PROOF_NONE;
	p->u.callout.skipped = 1;
	p->u.callout.skip = why;
	str_copy(p->reason, sizeof(p->reason), callout_skip_name(why));
}

enum proof_result
proofs_dkim_result(enum dkim_result r)
{
	switch (r) {
	case DKIM_PASS: return PROOF_PASS;
	case DKIM_FAIL: return PROOF_FAIL;
	case DKIM_POLICY: return PROOF_POLICY;
	case DKIM_NEUTRAL: return PROOF_NEUTRAL;
	case DKIM_TEMPERROR: return PROOF_TEMPERROR;
	case DKIM_PERMERROR: return PROOF_PERMERROR;
	default: return PROOF_NONE;
	}
}

enum proof_result
proofs_dmarc_result(enum dmarc_result r)
{
	switch (r) {
	case DMARC_PASS: return PROOF_PASS;
	case DMARC_FAIL: return PROOF_FAIL;
	case DMARC_TEMPERROR: return PROOF_TEMPERROR;
	case DMARC_PERMERROR: return PROOF_PERMERROR;
	default: return PROOF_NONE;
	}
}

void
proofs_from_dkim(struct proof *p, const struct dkim_sig_result *r)
{
	start(p, PROOF_DKIM, PROOF_ID_SIGNER, r->domain);
	p->result = proofs_dkim_result(r->result);
	str_copy(
	    p->reason, sizeof(p->reason), r->detail[0] ? r->detail : dkim_reason_text(r->reason));
	str_copy(p->u.dkim.selector, sizeof(p->u.dkim.selector), r->selector);
}

void
proofs_from_dmarc(struct proof *p, const struct dmarc_outcome *o)
{
	start(p, PROOF_DMARC, PROOF_ID_FROM, o->from_domain);
	p->result = proofs_dmarc_result(o->result);
	str_copy(p->reason, sizeof(p->reason), o->reason);
	p->u.dmarc.has_policy = o->has_policy;
	p->u.dmarc.policy = o->policy;
	p->u.dmarc.disposition = o->disposition;
	p->u.dmarc.subdomain = o->subdomain_policy;
	p->u.dmarc.spf_aligned = o->spf_aligned;
	p->u.dmarc.dkim_aligned = o->dkim_aligned;
	str_copy(p->u.dmarc.dkim_domain, sizeof(p->u.dmarc.dkim_domain), o->dkim_domain);
}

void
proofs_from_arc(struct proof *p, const struct arc_result *r, const struct arc_set *sets, size_t n,
    const char *from_domain, const struct arc_origin *o)
{
	size_t len = 0;

	start(p, PROOF_ARC, PROOF_ID_SIGNER, n ? sets[n - 1].seal_domain : "");
	p->result = r->status == ARC_CV_PASS ? PROOF_PASS
	    : r->status == ARC_CV_FAIL       ? PROOF_FAIL
	                                     : PROOF_NONE;
	str_copy(p->reason, sizeof(p->reason), r->detail);
	p->u.arc.instances = r->instances;
	p->u.arc.failed = r->failed;
	for (size_t i = n; i-- > 0;) {
		const char *d = sets[i].seal_domain[0] ? sets[i].seal_domain : "?";
		size_t dl = strlen(d);
		if (len + dl + 2 > sizeof(p->u.arc.sealers)) {
			p->u.arc.sealers_cut = 1;
			break;
		}
		if (len)
			p->u.arc.sealers[len++] = ' ';
		memcpy(p->u.arc.sealers + len, d, dl + 1);
		len += dl;
	}
	if (n < r->instances)
		p->u.arc.sealers_cut = 1;
	if (o && o->pass != ARC_ORIGIN_NONE) {
		p->u.arc.origin = o->pass;
		str_copy(p->u.arc.origin_domain, sizeof(p->u.arc.origin_domain),
		    from_domain ? from_domain : "");
	}
	if (o)
		str_copy(
		    p->u.arc.origin_authserv, sizeof(p->u.arc.origin_authserv), o->authserv_id);
}
