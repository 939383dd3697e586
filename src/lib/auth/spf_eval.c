/*
 * spf_eval: check_host() (RFC 7208 4-7) as an explicit state machine.
 *
 * The evaluation is a stack of frames, one per check_host() invocation in
 * progress: the identity's domain at the bottom, one more per "include"
 * being evaluated. "redirect" replaces the frame's domain and record in
 * place (RFC 7208 6.1: the result is the redirect target's). Each frame
 * walks its record's terms; a term that needs DNS keeps its progress in the
 * frame (stage, index) and the evaluator returns SPF_EVAL_NEED_DNS. The
 * answer comes back tagged with what asked for it (enum ask), and the same
 * step runs again and consumes it.
 *
 * PTR data (the reverse names of the client and which of them validate) is
 * shared by the "ptr" mechanism and the %{p} macro (RFC 7208 5.5, 7.3).
 */
#include "auth/spf_eval_impl.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "auth/spf_known.h"
#include "auth/spf_macro.h"
#include "auth/spf_record.h"
#include "dns/dns_name.h"
#include "dns/dns_result.h"
#include "util/log.h"
#include "util/xmalloc.h"

struct frame *
spf_eval_top(struct spf_eval *ev)
{
	return ev->frames[ev->depth - 1];
}

struct frame *
spf_eval_push(struct spf_eval *ev, const char *domain)
{
	struct frame *c;

	if (ev->depth >= MAX_DEPTH)
		return NULL;
	c = xcalloc(1, sizeof(*c));
	str_copy(c->domain, sizeof(c->domain), domain);
	c->is_include = 1;
	ev->frames[ev->depth++] = c;
	return c;
}

void
spf_eval_why(struct spf_eval *ev, const char *a, const char *b, const char *c, const char *d)
{
	const char *parts[4] = { a, b, c, d };
	size_t o = 0;

	/* Plain concatenation: reasons are built for every evaluation, and
	 * printf-style formatting showed up in profiles. */
	for (int i = 0; i < 4 && parts[i]; i++) {
		size_t n = strlen(parts[i]);
		if (n > sizeof(ev->why) - 1 - o)
			n = sizeof(ev->why) - 1 - o;
		memcpy(ev->why + o, parts[i], n);
		o += n;
	}
	ev->why[o] = '\0';
}

static void
frame_clear(struct frame *f)
{
	spf_record_free(f->rec);
	dns_result_free(f->mx);
	memset(f, 0, sizeof(*f));
}

/* Ask for a DNS answer; the caller returns M_NEED / NEED at once. */
void
spf_eval_ask(struct spf_eval *ev, enum ask what, size_t idx, const char *name, enum dns_type type)
{
	/* An answer nobody consumed is a bug; never leak it. */
	dns_result_free(ev->answer);
	ev->answer = NULL;
	str_copy(ev->qname, sizeof(ev->qname), name);
	ev->qtype = type;
	ev->ask = what;
	ev->ask_idx = idx;
	ev->out.queries++;
}

/* The answer to (what, idx) if it is the one waiting; the caller frees it. */
struct dns_result *
spf_eval_take(struct spf_eval *ev, enum ask what, size_t idx)
{
	struct dns_result *res = ev->answer;

	if (res == NULL || ev->answer_for != what || ev->answer_idx != idx)
		return NULL;
	ev->answer = NULL;
	return res;
}

/* RFC 7208 4.3: a usable <domain> is a valid multi-label name, not a literal. */
static int
domain_ok(const char *d)
{
	return d[0] != '[' && dns_name_check(d) == 0 && dns_name_labels(d) >= 2;
}

/* ---- frames: check_host() itself (RFC 7208 4) ---- */

static void
set_why(struct spf_eval *ev, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
set_why(struct spf_eval *ev, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ev->why, sizeof(ev->why), fmt, ap);
	va_end(ap);
}

/* The frame on top is finished with r (reason in ev->why). */
static void
finish(struct spf_eval *ev, enum spf_result r, const char *mech)
{
	struct frame *f = spf_eval_top(ev);

	if (f->redirected && r == SPF_NONE) {
		/* RFC 7208 6.1: a redirect to a domain without a record. */
		r = SPF_PERMERROR;
		set_why(ev, "redirect target %.100s has no SPF record", f->domain);
	}
	if (f->is_include) {
		ev->frames[ev->depth - 2]->child = r;
		frame_clear(f);
		free(f);
		ev->depth--;
		return;
	}
	ev->out.result = r;
	str_copy(ev->out.reason, sizeof(ev->out.reason), ev->why);
	str_copy(ev->out.mechanism, sizeof(ev->out.mechanism), mech ? mech : "");
	if (r == SPF_FAIL) {
		f->phase = PH_EXPLAIN;
		f->stage = 0;
		return;
	}
	ev->done = 1;
}

/* Returns 1 when a query was asked, 0 to keep going. */
static int
frame_start(struct spf_eval *ev, struct frame *f)
{
	char esc[LOG_ESC_MAX];
	enum spf_result known;

	if (ev->depth == 1 && !f->redirected &&
	    spf_known_lookup(ev->known, f->domain, &ev->ip, &known)) {
		ev->out.from_table = 1;
		spf_eval_why(
		    ev, f->domain, " is in the local table of known SPF results", NULL, NULL);
		finish(ev, known, NULL);
		return 0;
	}
	if (!domain_ok(f->domain)) {
		/* RFC 7208 4.3: a malformed <domain> gives "none". */
		set_why(ev, "%s is not a valid domain name",
		    log_escape(esc, sizeof(esc), f->domain, strlen(f->domain)));
		finish(ev, SPF_NONE, NULL);
		return 0;
	}
	f->phase = PH_TXT;
	spf_eval_ask(ev, ASK_TXT, 0, f->domain, DNS_T_TXT);
	return 1;
}

/* RFC 7208 4.4, 4.5: fetch the TXT records and pick the one v=spf1. */
static int
frame_txt(struct spf_eval *ev, struct frame *f)
{
	struct dns_result *res = spf_eval_take(ev, ASK_TXT, 0);
	const struct dns_rr *found = NULL;
	char err[300];
	int count = 0;

	if (res == NULL)
		return 1;
	switch (res->status) {
	case DNS_TEMPFAIL:
		set_why(ev, "DNS lookup of TXT %.100s failed: %.80s", f->domain,
		    res->why ? res->why : "error");
		finish(ev, SPF_TEMPERROR, NULL);
		break;
	case DNS_ANSWER:
		for (size_t i = 0; i < res->nrr; i++) {
			const struct dns_rr *rr = &res->rr[i];
			if (rr->type == DNS_T_TXT &&
			    spf_record_is_spf1(rr->u.txt.data, rr->u.txt.len)) {
				count++;
				found = rr;
			}
		}
		if (count == 0) {
			spf_eval_why(ev, f->domain, " has no SPF record", NULL, NULL);
			finish(ev, SPF_NONE, NULL);
		} else if (count > 1) {
			set_why(
			    ev, "%.150s has %d v=spf1 records (RFC 7208 4.5)", f->domain, count);
			finish(ev, SPF_PERMERROR, NULL);
		} else if (spf_record_parse(found->u.txt.data, found->u.txt.len, &f->rec, err,
		               sizeof(err)) < 0) {
			set_why(ev, "the record of %.80s: %s", f->domain, err);
			finish(ev, SPF_PERMERROR, NULL);
		} else {
			f->phase = PH_TERMS;
			f->term = 0;
			f->stage = 0;
		}
		break;
	default:
		spf_eval_why(
		    ev, f->domain, " has no SPF record (", dns_status_name(res->status), ")");
		finish(ev, SPF_NONE, NULL);
		break;
	}
	dns_result_free(res);
	return 0;
}

/* RFC 7208 4.6, 4.7, 6.1: the terms in order, then redirect or neutral. */
static int
frame_terms(struct spf_eval *ev, struct frame *f)
{
	const char *redirect;

	if (f->term < spf_record_nterms(f->rec)) {
		const struct spf_term *t = spf_record_term(f->rec, f->term);
		switch (spf_mech_eval(ev, f, t)) {
		case M_NEED: return 1;
		case M_PUSHED: return 0;
		case M_MATCH:
			spf_eval_why(ev, "'", t->text, "' matched in the record of ", f->domain);
			finish(ev, t->qual, t->text);
			return 0;
		case M_ERROR: finish(ev, ev->err, t->text); return 0;
		case M_NOMATCH:
			dns_result_free(f->mx);
			f->mx = NULL;
			f->term++;
			f->stage = 0;
			f->idx = 0;
			return 0;
		}
	}
	if ((redirect = spf_record_redirect(f->rec)) == NULL) {
		spf_eval_why(ev, "no mechanism matched in the record of ", f->domain, NULL, NULL);
		finish(ev, SPF_NEUTRAL, NULL);
		return 0;
	}
	if (f->stage == 0) {
		/* RFC 7208 4.6.4: redirect counts as a DNS-querying term. */
		if (++ev->lookups > SPF_LOOKUP_LIMIT) {
			set_why(ev, "more than %d DNS-querying terms (RFC 7208 4.6.4)",
			    SPF_LOOKUP_LIMIT);
			finish(ev, SPF_PERMERROR, NULL);
			return 0;
		}
		f->stage = 1;
	}
	switch (spf_mech_target(ev, f, redirect, strlen(redirect))) {
	case TGT_NEED: return 1;
	case TGT_BAD:
		/* RFC 7208 6.1: a malformed target-name is a permerror. */
		set_why(ev, "redirect target of %.150s is not a valid domain", f->domain);
		finish(ev, SPF_PERMERROR, NULL);
		return 0;
	case TGT_OK: break;
	}
	str_copy(f->domain, sizeof(f->domain), f->target);
	spf_record_free(f->rec);
	f->rec = NULL;
	f->redirected = 1;
	f->phase = PH_START;
	f->term = 0;
	f->stage = 0;
	return 0;
}

/* Expand an explain-string into the outcome; 0, or -1 (syntax, length). */
static int
expand_explanation(struct spf_eval *ev, const char *text, size_t len)
{
	char buf[SPF_MACRO_MAX];
	size_t n;

	if (spf_macro_expand(text, len, &ev->vars, SPF_MACRO_EXP, buf, sizeof(buf), &n) != 0)
		return -1;
	str_copy(ev->out.explanation, sizeof(ev->out.explanation), buf);
	return 0;
}

/* RFC 7208 6.2: the explanation of a fail, from exp= or the default. */
static int
explain(struct spf_eval *ev, struct frame *f)
{
	const char *exp = f->rec ? spf_record_exp(f->rec) : NULL;
	const char *why;
	struct dns_result *res;

	if (f->stage == 0) {
		f->stage = 3;
		if (exp != NULL) {
			switch (spf_mech_target(ev, f, exp, strlen(exp))) {
			case TGT_NEED: f->stage = 0; return 1;
			case TGT_OK:
				/* Not a DNS-querying term: no lookup or void counting. */
				spf_eval_ask(ev, ASK_EXP, 0, f->target, DNS_T_TXT);
				f->stage = 1;
				return 1;
			case TGT_BAD: break;
			}
		}
	}
	if (f->stage == 1) {
		if ((res = spf_eval_take(ev, ASK_EXP, 0)) == NULL)
			return 1;
		f->stage = 3;
		/* Exactly one record, ASCII, valid syntax; otherwise the default. */
		if (res->status == DNS_ANSWER && res->nrr == 1 && res->rr[0].type == DNS_T_TXT) {
			const char *d = res->rr[0].u.txt.data;
			size_t n = res->rr[0].u.txt.len;
			if (spf_macro_check(d, n, SPF_MACRO_EXP, &why) == 0) {
				ev->exp_text = xmemdup(d, n);
				f->stage = 2;
			}
		}
		dns_result_free(res);
	}
	if (f->stage == 2) {
		size_t n = strlen(ev->exp_text);
		if (spf_macro_uses(ev->exp_text, n, 'p') && spf_mech_need_p(ev, f->domain) < 0)
			return 1;
		spf_mech_set_domain(ev, f->domain);
		if (expand_explanation(ev, ev->exp_text, n) == 0) {
			ev->done = 1;
			return 0;
		}
		f->stage = 3;
	}
	/* The default explanation. */
	size_t n = strlen(ev->default_exp);
	if (spf_macro_uses(ev->default_exp, n, 'p') && spf_mech_need_p(ev, f->domain) < 0)
		return 1;
	spf_mech_set_domain(ev, f->domain);
	if (expand_explanation(ev, ev->default_exp, n) < 0)
		str_copy(ev->out.explanation, sizeof(ev->out.explanation), ev->default_exp);
	ev->done = 1;
	return 0;
}

/* ---- public API ---- */

/* Decimal digits of v into out (room for 21); returns the length. */
static size_t
put_uint(char *out, unsigned long long v)
{
	char tmp[24];
	size_t n = 0, o = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		out[o++] = tmp[--n];
	out[o] = '\0';
	return o;
}

static void
format_ip_macro(const struct spf_ip *ip, char *out, size_t outsz)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	if (outsz < 64)
		return;
	if (ip->family == AF_INET) {
		for (int i = 0; i < 4; i++) {
			o += put_uint(out + o, ip->addr[i]);
			if (i < 3)
				out[o++] = '.';
		}
		out[o] = '\0';
		return;
	}
	/* RFC 7208 7.3: IPv6 %{i} is dot-separated nibbles. */
	for (int i = 0; i < 16; i++) {
		out[o++] = hex[ip->addr[i] >> 4];
		out[o++] = '.';
		out[o++] = hex[ip->addr[i] & 15];
		out[o++] = i < 15 ? '.' : '\0';
	}
}

struct spf_eval *
spf_eval_new(const struct spf_request *req, const struct spf_options *opts)
{
	static const struct spf_options defaults;
	struct spf_eval *ev = xcalloc(1, sizeof(*ev));
	const char *sender = req->sender ? req->sender : "";
	const char *helo = req->helo ? req->helo : "";
	const char *at = NULL, *domain;
	struct frame *f;
	size_t dl;

	if (opts == NULL)
		opts = &defaults;
	ev->ip = req->ip;
	ev->default_exp =
	    opts->default_explanation ? opts->default_explanation : SPF_DEFAULT_EXPLANATION;
	ev->void_limit = opts->void_limit > 0 ? opts->void_limit : SPF_VOID_LIMIT;
	ev->known = opts->known;
	ev->log_queries = opts->log_queries;
	str_copy(ev->helo, sizeof(ev->helo), strlen(helo) <= SPF_HELO_MAX ? helo : "");

	/* RFC 7208 2.3, 2.4, 4.3: the identity, <sender> and <domain>. */
	if (req->identity == SPF_ID_HELO || sender[0] == '\0') {
		str_copy(ev->local, sizeof(ev->local), "postmaster");
		domain = helo;
	} else {
		at = strrchr(sender, '@');
		if (at == NULL) {
			str_copy(ev->local, sizeof(ev->local), "postmaster");
			domain = sender;
		} else {
			size_t ll = (size_t)(at - sender);
			if (ll == 0 || ll > SPF_SENDER_MAX)
				str_copy(ev->local, sizeof(ev->local), "postmaster");
			else {
				memcpy(ev->local, sender, ll);
				ev->local[ll] = '\0';
			}
			domain = at + 1;
		}
	}
	dl = strlen(domain);
	if (dl <= SPF_SENDER_MAX)
		str_copy(ev->odomain, sizeof(ev->odomain), domain);
	{
		/* <sender>: local-part "@" domain (both bounded above). */
		size_t ll = strlen(ev->local), dl2 = strlen(ev->odomain);
		memcpy(ev->sender, ev->local, ll);
		ev->sender[ll] = '@';
		memcpy(ev->sender + ll + 1, ev->odomain, dl2 + 1);
	}
	format_ip_macro(&ev->ip, ev->ip_i, sizeof(ev->ip_i));
	spf_ip_format(&ev->ip, ev->ip_c, sizeof(ev->ip_c));
	{
		long long t = opts->now ? opts->now : (long long)time(NULL);
		put_uint(ev->now, t > 0 ? (unsigned long long)t : 0);
	}
	SPF_MACRO_VAR(&ev->vars, 's') = ev->sender;
	SPF_MACRO_VAR(&ev->vars, 'l') = ev->local;
	SPF_MACRO_VAR(&ev->vars, 'o') = ev->odomain;
	SPF_MACRO_VAR(&ev->vars, 'i') = ev->ip_i;
	SPF_MACRO_VAR(&ev->vars, 'v') = ev->ip.family == AF_INET ? "in-addr" : "ip6";
	SPF_MACRO_VAR(&ev->vars, 'h') = ev->helo;
	SPF_MACRO_VAR(&ev->vars, 'c') = ev->ip_c;
	SPF_MACRO_VAR(&ev->vars, 'r') = opts->receiver ? opts->receiver : "unknown";
	SPF_MACRO_VAR(&ev->vars, 't') = ev->now;

	ev->depth = 1;
	f = ev->frames[0] = &ev->frame0;
	dl = strlen(ev->odomain);
	if (dl > 1 && ev->odomain[dl - 1] == '.')
		dl--;
	/* Too long to be a name: leave it empty, which is "none" below. */
	if (dl <= SPF_DOMAIN_MAX) {
		memcpy(f->domain, ev->odomain, dl);
		f->domain[dl] = '\0';
	}
	str_copy(ev->out.domain, sizeof(ev->out.domain), f->domain);
	return ev;
}

void
spf_eval_free(struct spf_eval *ev)
{
	if (ev == NULL)
		return;
	for (int i = 0; i < ev->depth; i++) {
		frame_clear(ev->frames[i]);
		if (i > 0)
			free(ev->frames[i]);
	}
	for (int i = 0; i < ev->ptr.n; i++)
		free(ev->ptr.names[i]);
	for (size_t i = 0; i < ev->nqlog; i++) {
		free(ev->qlog[i].name);
		free(ev->qlog[i].why);
	}
	free(ev->qlog);
	free(ev->exp_text);
	dns_result_free(ev->answer);
	free(ev);
}

enum spf_eval_state
spf_eval_run(struct spf_eval *ev)
{
	while (!ev->done) {
		struct frame *f;
		int asked;

		if (ev->ask != ASK_NONE)
			return SPF_EVAL_NEED_DNS;
		if (ev->out.queries >= MAX_QUERIES) {
			/* Cannot happen within the RFC limits; a guard, not a rule. */
			ev->depth = 1;
			set_why(ev, "more than %d DNS queries", MAX_QUERIES);
			ev->out.result = SPF_PERMERROR;
			str_copy(ev->out.reason, sizeof(ev->out.reason), ev->why);
			ev->done = 1;
			break;
		}
		f = spf_eval_top(ev);
		switch (f->phase) {
		case PH_START: asked = frame_start(ev, f); break;
		case PH_TXT: asked = frame_txt(ev, f); break;
		case PH_TERMS: asked = frame_terms(ev, f); break;
		default: asked = explain(ev, f); break;
		}
		if (asked && ev->ask == ASK_NONE) {
			/* A step waited without asking anything: a bug. */
			char esc[LOG_ESC_MAX];
			log_err("event=spf_internal_error domain=%s phase=%d",
			    log_token(esc, sizeof(esc), f->domain), f->phase);
			ev->out.result = SPF_TEMPERROR;
			str_copy(ev->out.reason, sizeof(ev->out.reason), "internal error");
			ev->done = 1;
		}
	}
	ev->out.lookups = ev->lookups;
	ev->out.void_lookups = ev->voids;
	return SPF_EVAL_DONE;
}

const char *
spf_eval_qname(const struct spf_eval *ev)
{
	return ev->qname;
}

enum dns_type
spf_eval_qtype(const struct spf_eval *ev)
{
	return ev->qtype;
}

void
spf_eval_answer(struct spf_eval *ev, struct dns_result *res)
{
	if (ev->done || ev->ask == ASK_NONE) {
		dns_result_free(res);
		return;
	}
	if (ev->log_queries) {
		struct spf_query *q;
		ev->qlog = xrealloc(ev->qlog, (ev->nqlog + 1) * sizeof(*ev->qlog));
		q = &ev->qlog[ev->nqlog++];
		q->name = xstrdup(ev->qname);
		q->type = ev->qtype;
		q->status = res->status;
		q->nrr = res->nrr;
		q->why = res->why ? xstrdup(res->why) : NULL;
	}
	dns_result_free(ev->answer);
	ev->answer = res;
	ev->answer_for = ev->ask;
	ev->answer_idx = ev->ask_idx;
	ev->ask = ASK_NONE;
}

void
spf_eval_expire(struct spf_eval *ev)
{
	if (ev->done)
		return;
	dns_result_free(ev->answer);
	ev->answer = NULL;
	ev->ask = ASK_NONE;
	/* RFC 7208 4.6.4: past the time limit the result is temperror. */
	ev->out.result = SPF_TEMPERROR;
	ev->out.explanation[0] = '\0';
	str_copy(ev->out.reason, sizeof(ev->out.reason),
	    "SPF evaluation took longer than its time limit");
	ev->out.lookups = ev->lookups;
	ev->out.void_lookups = ev->voids;
	ev->done = 1;
}

const struct spf_outcome *
spf_eval_outcome(const struct spf_eval *ev)
{
	return &ev->out;
}

size_t
spf_eval_nqueries(const struct spf_eval *ev)
{
	return ev->nqlog;
}

const struct spf_query *
spf_eval_query(const struct spf_eval *ev, size_t i)
{
	return i < ev->nqlog ? &ev->qlog[i] : NULL;
}
