/*
 * spf_mech: the mechanisms of RFC 7208 section 5 for the evaluator
 * (spf_eval.c), the client's PTR names and their validation (shared by the
 * "ptr" mechanism and the %{p} macro), and target-name expansion. Each
 * mechanism is resumable: it keeps its progress in the frame (stage, idx)
 * and returns M_NEED after asking one DNS query.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "auth/spf_eval_impl.h"
#include "dns/dns_name.h"
#include "dns/dns_result.h"
#include "util/str.h"
#include "util/xmalloc.h"

static enum dns_type
addr_type(const struct spf_eval *ev)
{
	return ev->ip.family == AF_INET ? DNS_T_A : DNS_T_AAAA;
}

/* Does an A/AAAA answer hold an address inside ip/cidr? */
static int
answer_matches(
    const struct spf_eval *ev, const struct dns_result *res, unsigned cidr4, unsigned cidr6)
{
	for (size_t i = 0; i < res->nrr; i++) {
		const struct dns_rr *rr = &res->rr[i];
		if (rr->type == DNS_T_A &&
		    spf_ip_in_net(&ev->ip, AF_INET, (const uint8_t *)&rr->u.a, cidr4))
			return 1;
		if (rr->type == DNS_T_AAAA &&
		    spf_ip_in_net(&ev->ip, AF_INET6, rr->u.aaaa.s6_addr, cidr6))
			return 1;
	}
	return 0;
}

/* ---- PTR names and their validation (RFC 7208 5.5) ---- */

/* 0 when the PTR names are known, -1 after asking for them. */
static int
ptr_names(struct spf_eval *ev)
{
	struct dns_result *res;
	char rev[80];

	if (ev->ptr.have)
		return 0;
	if ((res = spf_eval_take(ev, ASK_PTR, 0)) != NULL) {
		ev->ptr.have = 1;
		ev->ptr.status = res->status;
		for (size_t i = 0; i < res->nrr && ev->ptr.n < SPF_NAMES_LIMIT; i++) {
			if (res->rr[i].type != DNS_T_PTR)
				continue;
			ev->ptr.valid[ev->ptr.n] = -1;
			ev->ptr.names[ev->ptr.n++] = xstrdup(res->rr[i].u.name);
		}
		dns_result_free(res);
		return 0;
	}
	dns_name_reverse(ev->ip.family, ev->ip.addr, rev, sizeof(rev));
	spf_eval_ask(ev, ASK_PTR, 0, rev, DNS_T_PTR);
	return -1;
}

/* 1 if names[i] resolves back to the client, 0 if not, -1 after asking. */
static int
ptr_validate(struct spf_eval *ev, int i)
{
	struct dns_result *res;

	if (ev->ptr.valid[i] >= 0)
		return ev->ptr.valid[i];
	if (dns_name_check(ev->ptr.names[i]) < 0)
		return ev->ptr.valid[i] = 0;
	if ((res = spf_eval_take(ev, ASK_PTR_ADDR, (size_t)i)) != NULL) {
		/* RFC 7208 5.5: a DNS error on this lookup skips the name. */
		ev->ptr.valid[i] =
		    (signed char)(res->status == DNS_ANSWER && answer_matches(ev, res, 32, 128));
		dns_result_free(res);
		return ev->ptr.valid[i];
	}
	spf_eval_ask(ev, ASK_PTR_ADDR, (size_t)i, ev->ptr.names[i], addr_type(ev));
	return -1;
}

/*
 * RFC 7208 7.3: %{p} is a validated name of the client: <domain> itself if
 * it validates, else a subdomain of it, else any; "unknown" if none.
 * 0 when ev->pval holds it for domain, -1 after asking a query.
 */
int
spf_mech_need_p(struct spf_eval *ev, const char *domain)
{
	if (ev->p_ready && strcmp(ev->p_for, domain) == 0)
		return 0;
	if (ptr_names(ev) < 0)
		return -1;
	for (int pref = 0; pref < 3; pref++) {
		for (int i = 0; i < ev->ptr.n; i++) {
			const char *name = ev->ptr.names[i];
			int eq = dns_name_eq(name, domain);
			int sub = !eq && dns_name_is_sub(name, domain);
			if ((pref == 0 && !eq) || (pref == 1 && !sub) || (pref == 2 && (eq || sub)))
				continue;
			int v = ptr_validate(ev, i);
			if (v < 0)
				return -1;
			if (v) {
				str_copy(ev->pval, sizeof(ev->pval), name);
				goto found;
			}
		}
	}
	str_copy(ev->pval, sizeof(ev->pval), "unknown");
found:
	str_copy(ev->p_for, sizeof(ev->p_for), domain);
	ev->p_ready = 1;
	return 0;
}

/* Point the per-use macro values (d, p) at the frame's domain. */
void
spf_mech_set_domain(struct spf_eval *ev, const char *domain)
{
	SPF_MACRO_VAR(&ev->vars, 'd') = domain;
	SPF_MACRO_VAR(&ev->vars, 'p') = ev->p_ready ? ev->pval : "unknown";
}

/* Expand a term's domain-spec (NULL: the current domain) into f->target. */
enum tgt
spf_mech_target(struct spf_eval *ev, struct frame *f, const char *spec, size_t len)
{
	if (spec == NULL) {
		str_copy(f->target, sizeof(f->target), f->domain);
		return TGT_OK;
	}
	if (spf_macro_uses(spec, len, 'p') && spf_mech_need_p(ev, f->domain) < 0)
		return TGT_NEED;
	spf_mech_set_domain(ev, f->domain);
	if (spf_macro_expand_domain(spec, len, &ev->vars, f->target, sizeof(f->target)) < 0)
		return TGT_BAD;
	/* RFC 7208 4.8/5: a target that is not a valid name cannot match. */
	return dns_name_check(f->target) == 0 ? TGT_OK : TGT_BAD;
}

/* ---- mechanisms (RFC 7208 5) ---- */

static enum mres term_error(struct spf_eval *ev, enum spf_result r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static enum mres
term_error(struct spf_eval *ev, enum spf_result r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ev->why, sizeof(ev->why), fmt, ap);
	va_end(ap);
	ev->err = r;
	return M_ERROR;
}

/* RFC 7208 4.6.4: a term whose lookup found nothing; past the limit: permerror. */
static enum mres
void_lookup(struct spf_eval *ev, const char *name)
{
	if (++ev->voids > (unsigned)ev->void_limit)
		return term_error(ev, SPF_PERMERROR,
		    "more than %d void lookups, the last for %.80s (RFC 7208 4.6.4)",
		    ev->void_limit, name);
	return M_NOMATCH;
}

static enum mres
dns_failed(struct spf_eval *ev, const struct dns_result *res)
{
	/* RFC 7208 5: a DNS error other than NXDOMAIN ends in temperror. */
	return term_error(ev, SPF_TEMPERROR, "DNS lookup of %s %.80s failed: %s",
	    dns_type_name(res->qtype), res->qname, res->why ? res->why : "error");
}

/*
 * Stages 0-1 shared by a, mx, exists, ptr and include: count the lookup
 * (RFC 7208 4.6.4: past 10 DNS-querying terms is a permerror), then expand
 * the target. Returns M_MATCH when f->target is ready (stage 2), M_NOMATCH
 * when the target is not a usable name, or M_NEED / M_ERROR.
 */
static enum mres
prepare(struct spf_eval *ev, struct frame *f, const struct spf_term *t)
{
	if (f->stage == 0) {
		if (++ev->lookups > SPF_LOOKUP_LIMIT)
			return term_error(ev, SPF_PERMERROR,
			    "more than %d DNS-querying terms (RFC 7208 4.6.4)", SPF_LOOKUP_LIMIT);
		f->stage = 1;
	}
	if (f->stage == 1) {
		switch (spf_mech_target(ev, f, t->spec, t->spec_len)) {
		case TGT_NEED: return M_NEED;
		case TGT_BAD: return M_NOMATCH;
		case TGT_OK: break;
		}
		f->stage = 2;
	}
	return M_MATCH;
}

/* a, exists (RFC 7208 5.3, 5.7): one address lookup. */
static enum mres
mech_addr(struct spf_eval *ev, struct frame *f, const struct spf_term *t)
{
	struct dns_result *res;
	enum mres r;
	int exists = t->mech == SPF_M_EXISTS;

	if (f->stage < 2) {
		if ((r = prepare(ev, f, t)) != M_MATCH)
			return r;
		/* exists always asks for A, whatever the client's family. */
		spf_eval_ask(ev, ASK_MECH, 0, f->target, exists ? DNS_T_A : addr_type(ev));
		return M_NEED;
	}
	if ((res = spf_eval_take(ev, ASK_MECH, 0)) == NULL)
		return M_NEED;
	switch (res->status) {
	case DNS_TEMPFAIL: r = dns_failed(ev, res); break;
	case DNS_NXDOMAIN:
	case DNS_NODATA: r = void_lookup(ev, f->target); break;
	case DNS_PERMFAIL: r = M_NOMATCH; break;
	default:
		r = (exists || answer_matches(ev, res, t->cidr4, t->cidr6)) ? M_MATCH : M_NOMATCH;
		break;
	}
	dns_result_free(res);
	return r;
}

/* mx (RFC 7208 5.4): the MX hosts' addresses, at most 10 hosts. */
static enum mres
mech_mx(struct spf_eval *ev, struct frame *f, const struct spf_term *t)
{
	struct dns_result *res;
	enum mres r;

	if (f->stage < 2) {
		if ((r = prepare(ev, f, t)) != M_MATCH)
			return r;
		spf_eval_ask(ev, ASK_MECH, 0, f->target, DNS_T_MX);
		return M_NEED;
	}
	if (f->stage == 2) {
		if ((res = spf_eval_take(ev, ASK_MECH, 0)) == NULL)
			return M_NEED;
		if (res->status != DNS_ANSWER) {
			r = res->status == DNS_TEMPFAIL   ? dns_failed(ev, res)
			    : res->status == DNS_PERMFAIL ? M_NOMATCH
			                                  : void_lookup(ev, f->target);
			dns_result_free(res);
			return r;
		}
		/* RFC 7208 4.6.4: more than 10 MX names is a permerror. */
		if (res->nrr > SPF_NAMES_LIMIT) {
			dns_result_free(res);
			return term_error(ev, SPF_PERMERROR,
			    "%.80s has more than %d MX records (RFC 7208 4.6.4)", f->target,
			    SPF_NAMES_LIMIT);
		}
		f->mx = res;
		f->idx = 0;
		f->stage = 3;
	}
	if (f->stage == 4) {
		if ((res = spf_eval_take(ev, ASK_MX_ADDR, f->idx)) == NULL)
			return M_NEED;
		if (res->status == DNS_TEMPFAIL) {
			r = dns_failed(ev, res);
			dns_result_free(res);
			return r;
		}
		r = res->status == DNS_ANSWER && answer_matches(ev, res, t->cidr4, t->cidr6)
		    ? M_MATCH
		    : M_NOMATCH;
		dns_result_free(res);
		if (r == M_MATCH)
			return r;
		f->idx++;
		f->stage = 3;
	}
	for (; f->idx < f->mx->nrr; f->idx++) {
		const char *host = f->mx->rr[f->idx].u.mx.host;
		/* A null MX (RFC 7505) or an unusable name has no address. */
		if (f->mx->rr[f->idx].type != DNS_T_MX || dns_name_check(host) < 0)
			continue;
		f->stage = 4;
		spf_eval_ask(ev, ASK_MX_ADDR, f->idx, host, addr_type(ev));
		return M_NEED;
	}
	return M_NOMATCH;
}

/* ptr (RFC 7208 5.5): a validated reverse name at or below the target. */
static enum mres
mech_ptr(struct spf_eval *ev, struct frame *f, const struct spf_term *t)
{
	enum mres r;

	if (f->stage < 2 && (r = prepare(ev, f, t)) != M_MATCH)
		return r;
	if (f->stage == 2) {
		if (ptr_names(ev) < 0)
			return M_NEED;
		f->stage = 3;
		/* RFC 7208 5.5: a DNS error on the PTR lookup: no match. */
		if (ev->ptr.status == DNS_TEMPFAIL || ev->ptr.status == DNS_PERMFAIL)
			return M_NOMATCH;
		if (ev->ptr.status != DNS_ANSWER)
			return void_lookup(ev, "the client's PTR");
	}
	for (int i = 0; i < ev->ptr.n; i++) {
		if (!dns_name_is_sub(ev->ptr.names[i], f->target))
			continue;
		int v = ptr_validate(ev, i);
		if (v < 0)
			return M_NEED;
		if (v)
			return M_MATCH;
	}
	return M_NOMATCH;
}

/* include (RFC 7208 5.2): a nested check_host() on the target. */
static enum mres
mech_include(struct spf_eval *ev, struct frame *f, const struct spf_term *t)
{
	enum mres r;

	if (f->stage < 2) {
		if ((r = prepare(ev, f, t)) == M_NOMATCH)
			return term_error(ev, SPF_PERMERROR,
			    "include target of '%.80s' is not a valid domain", t->text);
		if (r != M_MATCH)
			return r;
		if (spf_eval_push(ev, f->target) == NULL)
			return term_error(ev, SPF_PERMERROR, "includes nested too deep");
		f->stage = 3;
		return M_PUSHED;
	}
	/* RFC 7208 5.2: how the nested result maps. The child's reason is
	 * copied first: term_error writes ev->why. Only the outermost include
	 * of a chain is named. */
	char inner[sizeof(ev->why)];
	if (strncmp(ev->why, "include:", 8) == 0)
		str_copy(inner, sizeof(inner), ev->why);
	else
		snprintf(inner, sizeof(inner), "include:%.80s: %.160s", f->target, ev->why);
	switch (f->child) {
	case SPF_PASS: return M_MATCH;
	case SPF_FAIL:
	case SPF_SOFTFAIL:
	case SPF_NEUTRAL: return M_NOMATCH;
	case SPF_TEMPERROR: return term_error(ev, SPF_TEMPERROR, "%s", inner);
	case SPF_NONE:
		return term_error(ev, SPF_PERMERROR, "include:%.80s has no SPF record", f->target);
	default: return term_error(ev, SPF_PERMERROR, "%s", inner);
	}
}

enum mres
spf_mech_eval(struct spf_eval *ev, struct frame *f, const struct spf_term *t)
{
	switch (t->mech) {
	case SPF_M_ALL: return M_MATCH;
	case SPF_M_IP4:
		return spf_ip_in_net(&ev->ip, AF_INET, t->net, t->cidr4) ? M_MATCH : M_NOMATCH;
	case SPF_M_IP6:
		return spf_ip_in_net(&ev->ip, AF_INET6, t->net, t->cidr6) ? M_MATCH : M_NOMATCH;
	case SPF_M_A:
	case SPF_M_EXISTS: return mech_addr(ev, f, t);
	case SPF_M_MX: return mech_mx(ev, f, t);
	case SPF_M_PTR: return mech_ptr(ev, f, t);
	case SPF_M_INCLUDE: return mech_include(ev, f, t);
	}
	return M_NOMATCH;
}
