/*
 * dkim_verify: the streaming verifier (see dkim_verify.h). Its ARC half
 * is arc_verify.c; the pieces both use are in dkim_verify_int.h.
 */
#include "auth/dkim_verify.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "auth/dkim_crypt.h"
#include "auth/dkim_hash.h"
#include "auth/dkim_verify_int.h"
#include "util/str.h"
#include "util/xmalloc.h"

#define DEF_MAX_SIGNATURES 8
#define DEF_MAX_KEY_LOOKUPS 16
#define DEF_MAX_HEADER (256 * 1024)
#define DEF_CLOCK_SKEW 300
/* TXT records of one answer tried as key records (3.6.2.2: the verifier
 * may try each; a bound keeps a hostile answer cheap). */
#define KEY_RECORDS_TRIED 4

struct dkim_verify *
dkim_verify_new(const struct dkim_verify_opts *opts)
{
	struct dkim_verify *v = xcalloc(1, sizeof(*v));

	if (opts)
		v->o = *opts;
	if (v->o.now == 0)
		v->o.now = (long long)time(NULL);
	if (v->o.max_signatures == 0)
		v->o.max_signatures = DEF_MAX_SIGNATURES;
	if (v->o.max_key_lookups == 0)
		v->o.max_key_lookups = DEF_MAX_KEY_LOOKUPS;
	if (v->o.max_header == 0)
		v->o.max_header = DEF_MAX_HEADER;
	/* RFC 8301 3.2: never accept less than 1024 bits */
	if (v->o.min_rsa_bits < DKIM_RSA_MIN_BITS)
		v->o.min_rsa_bits = DKIM_RSA_MIN_BITS;
	if (v->o.clock_skew == 0)
		v->o.clock_skew = DEF_CLOCK_SKEW;
	v->ams_sig = -1;
	dkim_hdr_init(&v->hdr, v->o.max_header);
	return v;
}

void
dkim_verify_free(struct dkim_verify *v)
{
	if (v == NULL)
		return;
	dkim_hdr_free(&v->hdr);
	for (size_t i = 0; i < v->nsigs; i++)
		free(v->sigs[i]);
	free(v->sigs);
	for (size_t i = 0; i < v->nkeys; i++)
		dkim_pubkey_clear(&v->keys[i].pk);
	free(v->keys);
	for (size_t i = 0; i < v->nbodies; i++) {
		dkim_bodyhash_free(&v->bodies[i]->h);
		free(v->bodies[i]);
	}
	free(v->bodies);
	free(v->results);
	free(v->sets);
	free(v);
}

struct vsig *
dkim_verify_add(struct dkim_verify *v, enum dkim_sig_kind kind, long field)
{
	struct vsig *s = xcalloc(1, sizeof(*s));

	if (v->nsigs == v->capsigs) {
		v->capsigs = v->capsigs ? v->capsigs * 2 : 8;
		v->sigs = xrealloc(v->sigs, v->capsigs * sizeof(*v->sigs));
	}
	v->sigs[v->nsigs++] = s;
	s->sig.kind = kind;
	s->sig.timestamp = s->sig.expiration = -1;
	s->field = field;
	s->key = s->body = -1;
	return s;
}

void
dkim_verify_decide(struct vsig *s, enum dkim_result r, enum dkim_reason why, const char *detail)
{
	s->decided = 1;
	s->result = r;
	s->reason = why;
	str_copy(s->detail, sizeof(s->detail), detail ? detail : dkim_reason_text(why));
}

void
dkim_verify_need_key(struct dkim_verify *v, struct vsig *s)
{
	char name[DKIM_DOMAIN_MAX + 1];

	if (dkim_key_name(s->sig.selector, s->sig.domain, name, sizeof(name)) < 0) {
		dkim_verify_decide(s, DKIM_PERMERROR, DKIM_R_BAD_TAG, "key name too long");
		return;
	}
	for (size_t i = 0; i < v->nkeys; i++) {
		if (strcmp(v->keys[i].name, name) == 0) {
			s->key = (int)i;
			return;
		}
	}
	if (v->nkeys >= v->o.max_key_lookups) {
		dkim_verify_decide(s, DKIM_POLICY, DKIM_R_LOOKUP_LIMIT, NULL);
		return;
	}
	v->keys = xrealloc(v->keys, (v->nkeys + 1) * sizeof(*v->keys));
	memset(&v->keys[v->nkeys], 0, sizeof(v->keys[0]));
	str_copy(v->keys[v->nkeys].name, sizeof(v->keys[0].name), name);
	s->key = (int)v->nkeys++;
}

/* The body hash for (canon, l=), shared between signatures. */
static int
need_body(struct dkim_verify *v, const struct dkim_sig *sig)
{
	for (size_t i = 0; i < v->nbodies; i++) {
		struct vbody *b = v->bodies[i];
		if (b->canon == sig->bcanon && b->has_limit == sig->has_length &&
		    (!b->has_limit || b->limit == sig->length))
			return (int)i;
	}
	v->bodies = xrealloc(v->bodies, (v->nbodies + 1) * sizeof(*v->bodies));
	struct vbody *b = xcalloc(1, sizeof(*b));
	v->bodies[v->nbodies] = b;
	b->canon = sig->bcanon;
	b->has_limit = sig->has_length;
	b->limit = sig->length;
	dkim_bodyhash_init(&b->h, sig->bcanon, sig->has_length, sig->length);
	return (int)v->nbodies++;
}

/* Parse a DKIM-Signature or AMS field, decide what can be decided without
 * the key, hash the header fields it signs, attach its key and body. */
void
dkim_verify_prepare(struct dkim_verify *v, struct vsig *s)
{
	size_t flen, vlen;
	const char *f = dkim_hdr_field(&v->hdr, (size_t)s->field, &flen);
	const char *val = dkim_hdr_value(&v->hdr, (size_t)s->field, &vlen);
	size_t voff = (size_t)(val - f);
	enum dkim_reason why;
	char err[160];

	if (dkim_sig_parse(s->sig.kind, val, vlen, &s->sig, &why, err, sizeof(err)) < 0) {
		dkim_verify_decide(s, DKIM_PERMERROR, why, err);
		return;
	}
	/* RFC 8301 3.1: rsa-sha1 signatures are never valid */
	if (s->sig.alg == DKIM_ALG_RSA_SHA1) {
		dkim_verify_decide(s, DKIM_FAIL, DKIM_R_SHA1, NULL);
		return;
	}
	if (s->sig.expiration >= 0 && s->sig.expiration < v->o.now) {
		dkim_verify_decide(s, DKIM_FAIL, DKIM_R_EXPIRED, NULL);
		return;
	}
	if (v->o.clock_skew >= 0 && s->sig.timestamp > v->o.now + v->o.clock_skew) {
		dkim_verify_decide(s, DKIM_PERMERROR, DKIM_R_FUTURE, NULL);
		return;
	}
	dkim_hash_signed(&v->hdr, s->sig.hcanon, s->sig.h, s->sig.nh, s->field, f, flen,
	    voff + s->sig.b_start, voff + s->sig.b_end, s->hdigest);
	s->body = need_body(v, &s->sig);
	dkim_verify_need_key(v, s);
}

static void
header_done(struct dkim_verify *v)
{
	v->header_done = 1;
	if (v->hdr.overflow) {
		/* nothing can be judged on an incomplete header section */
		struct vsig *s = dkim_verify_add(v, DKIM_SIG_DKIM, -1);
		char why[120];
		str_fmt(why, sizeof(why), "header section longer than %zu octets", v->o.max_header);
		dkim_verify_decide(s, DKIM_PERMERROR, DKIM_R_HEADER_LIMIT, why);
		v->ndkim = v->nsigs;
		v->arc.status = v->o.arc ? ARC_CV_FAIL : ARC_CV_NONE;
		str_copy(v->arc.detail, sizeof(v->arc.detail), why);
		return;
	}
	for (size_t i = 0; i < v->hdr.nf; i++) {
		if (!dkim_hdr_is(&v->hdr, i, "DKIM-Signature", 14))
			continue;
		if (v->nsigs >= v->o.max_signatures) {
			v->skipped++;
			continue;
		}
		dkim_verify_prepare(v, dkim_verify_add(v, DKIM_SIG_DKIM, (long)i));
	}
	v->ndkim = v->nsigs;
	if (v->o.arc)
		arc_verify_header(v);
	/* a body that came with the header's last chunk: the prefix first */
	if (v->hdr.prefix_len)
		for (size_t b = 0; b < v->nbodies; b++)
			dkim_bodyhash_feed(&v->bodies[b]->h, v->hdr.prefix, v->hdr.prefix_len);
}

void
dkim_verify_feed(struct dkim_verify *v, const char *p, size_t n)
{
	if (v->ended)
		return;
	if (!v->header_done) {
		size_t used = dkim_hdr_feed(&v->hdr, p, n);
		if (!v->hdr.done)
			return;
		header_done(v);
		p += used;
		n -= used;
	}
	for (size_t b = 0; b < v->nbodies; b++)
		dkim_bodyhash_feed(&v->bodies[b]->h, p, n);
}

int
dkim_verify_header_done(const struct dkim_verify *v)
{
	return v->header_done;
}

size_t
dkim_verify_nkeys(const struct dkim_verify *v)
{
	return v->nkeys;
}

const char *
dkim_verify_key_name(const struct dkim_verify *v, size_t i)
{
	return i < v->nkeys ? v->keys[i].name : "";
}

int
dkim_verify_key_answered(const struct dkim_verify *v, size_t i)
{
	return i < v->nkeys && v->keys[i].answered;
}

static void compute(struct dkim_verify *v);

void
dkim_verify_key_answer(struct dkim_verify *v, size_t i, const struct dns_result *res)
{
	struct vkey *k;
	enum dkim_reason why = DKIM_R_KEY_SYNTAX;
	char err[160] = "";

	if (i >= v->nkeys || v->keys[i].answered)
		return;
	k = &v->keys[i];
	k->answered = 1;
	k->sec = res->sec;
	switch (res->status) {
	case DNS_ANSWER: {
		size_t tried = 0;
		for (size_t r = 0; r < res->nrr && tried < KEY_RECORDS_TRIED; r++) {
			enum dkim_reason rwhy;
			char rerr[160];
			if (res->rr[r].type != DNS_T_TXT)
				continue;
			if (dkim_key_parse_cached(v->o.keycache, res->rr[r].u.txt.data,
			        res->rr[r].u.txt.len, &k->pk, &rwhy, rerr, sizeof(rerr)) == 0)
				break;
			if (tried++ == 0) {
				why = rwhy;
				str_copy(err, sizeof(err), rerr);
			}
		}
		if (k->pk.pkey == NULL) {
			k->result = DKIM_PERMERROR;
			k->reason = tried ? why : DKIM_R_KEY_MISSING;
			str_copy(k->detail, sizeof(k->detail), tried ? err : "no TXT record");
		}
		break;
	}
	case DNS_NXDOMAIN:
	case DNS_NODATA:
	case DNS_PERMFAIL:
		/* 6.1.2: PERMFAIL (no key for signature) */
		k->result = DKIM_PERMERROR;
		k->reason = DKIM_R_KEY_MISSING;
		str_fmt(k->detail, sizeof(k->detail), "no key for signature (%s)",
		    dns_status_name(res->status));
		break;
	case DNS_TEMPFAIL:
		k->result = DKIM_TEMPERROR;
		k->reason = DKIM_R_KEY_DNS;
		str_fmt(k->detail, sizeof(k->detail), "key lookup failed (%s)",
		    res->why ? res->why : "temporary DNS failure");
		break;
	}
	compute(v);
}

void
dkim_verify_end(struct dkim_verify *v)
{
	if (v->ended)
		return;
	if (!v->header_done) {
		dkim_hdr_finish(&v->hdr);
		header_done(v);
	}
	for (size_t b = 0; b < v->nbodies; b++)
		dkim_bodyhash_finish(&v->bodies[b]->h);
	v->ended = 1;
	compute(v);
}

int
dkim_verify_done(const struct dkim_verify *v)
{
	return v->computed;
}

void
dkim_verify_judge(struct dkim_verify *v, struct vsig *s)
{
	struct vkey *k;
	const struct dkim_sig *g = &s->sig;
	enum dkim_keytype want =
	    g->alg == DKIM_ALG_ED25519_SHA256 ? DKIM_KEY_ED25519 : DKIM_KEY_RSA;
	char d[160];

	if (s->decided || s->key < 0)
		return;
	k = &v->keys[s->key];
	s->key_sec = k->sec;
	if (k->pk.pkey == NULL) {
		dkim_verify_decide(s, k->result, k->reason, k->detail);
		return;
	}
	s->key_bits = k->pk.bits;
	s->key_testing = k->pk.testing;
	/* 6.1.2: the key record must suit the signature */
	if (k->pk.type != want) {
		dkim_verify_decide(s, DKIM_PERMERROR, DKIM_R_KEY_TYPE, NULL);
		return;
	}
	if (!k->pk.sha256_ok) {
		dkim_verify_decide(s, DKIM_PERMERROR, DKIM_R_KEY_HASH, NULL);
		return;
	}
	if (!k->pk.email_ok) {
		dkim_verify_decide(s, DKIM_PERMERROR, DKIM_R_KEY_SERVICE, NULL);
		return;
	}
	if (k->pk.strict && g->kind == DKIM_SIG_DKIM && g->identity[0]) {
		const char *at = strrchr(g->identity, '@');
		if (at == NULL || strcasecmp(at + 1, g->domain) != 0) {
			dkim_verify_decide(s, DKIM_PERMERROR, DKIM_R_KEY_STRICT, NULL);
			return;
		}
	}
	/* RFC 8301 3.2 */
	if (k->pk.type == DKIM_KEY_RSA && k->pk.bits < v->o.min_rsa_bits) {
		str_fmt(d, sizeof(d), "%u-bit key, %u required (RFC 8301)", k->pk.bits,
		    v->o.min_rsa_bits);
		dkim_verify_decide(s, DKIM_FAIL, DKIM_R_KEY_TOO_SHORT, d);
		return;
	}
	if (s->body >= 0) {
		const struct dkim_bodyhash *bh = &v->bodies[s->body]->h;
		if (g->has_length && g->length > bh->total) {
			str_fmt(d, sizeof(d), "l=%llu but the body has %llu octets", g->length,
			    bh->total);
			dkim_verify_decide(s, DKIM_FAIL, DKIM_R_BODY_SHORT, d);
			return;
		}
		if (g->bh_len != 32 || memcmp(g->bh, bh->digest, 32) != 0) {
			dkim_verify_decide(s, DKIM_FAIL, DKIM_R_BODY_HASH, NULL);
			return;
		}
	}
	if (!dkim_crypt_verify(k->pk.pkey, g->alg, s->hdigest, g->b, g->b_len)) {
		dkim_verify_decide(s, DKIM_FAIL, DKIM_R_SIGNATURE, NULL);
		return;
	}
	if (s->body >= 0 && g->has_length && g->length < v->bodies[s->body]->h.total &&
	    !v->o.partial_body_pass && g->kind == DKIM_SIG_DKIM) {
		/* a signature over part of the body says nothing of the rest */
		str_fmt(d, sizeof(d), "body only partly signed: l=%llu of %llu octets", g->length,
		    v->bodies[s->body]->h.total);
		dkim_verify_decide(s, DKIM_POLICY, DKIM_R_PARTIAL_BODY, d);
		return;
	}
	dkim_verify_decide(s, DKIM_PASS, DKIM_R_OK, NULL);
	if (g->has_length && s->body >= 0 && g->length < v->bodies[s->body]->h.total)
		str_fmt(s->detail, sizeof(s->detail), "verified; l=%llu of %llu octets signed",
		    g->length, v->bodies[s->body]->h.total);
}

void
dkim_verify_fill(const struct vsig *s, struct dkim_sig_result *r)
{
	const struct dkim_sig *g = &s->sig;

	memset(r, 0, sizeof(*r));
	r->result = s->result;
	r->reason = s->reason;
	r->alg = g->alg;
	r->hcanon = g->hcanon;
	r->bcanon = g->bcanon;
	str_copy(r->domain, sizeof(r->domain), g->domain);
	str_copy(r->selector, sizeof(r->selector), g->selector);
	str_copy(r->identity, sizeof(r->identity), g->identity);
	str_copy(r->bprefix, sizeof(r->bprefix), g->bprefix);
	r->key_bits = s->key_bits;
	r->key_sec = s->key_sec;
	r->key_testing = s->key_testing;
	r->has_length = g->has_length;
	r->length = g->length;
	r->timestamp = g->timestamp;
	r->expiration = g->expiration;
	str_copy(r->detail, sizeof(r->detail), s->detail);
}

static void
compute(struct dkim_verify *v)
{
	if (v->computed || !v->ended)
		return;
	for (size_t i = 0; i < v->nkeys; i++)
		if (!v->keys[i].answered)
			return;
	for (size_t i = 0; i < v->nsigs; i++)
		dkim_verify_judge(v, v->sigs[i]);
	v->results = xcalloc(v->ndkim ? v->ndkim : 1, sizeof(*v->results));
	for (size_t i = 0; i < v->ndkim; i++) {
		dkim_verify_fill(v->sigs[i], &v->results[i]);
		if (v->bodies && v->sigs[i]->body >= 0)
			v->results[i].body_octets = v->bodies[v->sigs[i]->body]->h.total;
	}
	if (v->o.arc)
		arc_verify_decide(v);
	v->computed = 1;
}

size_t
dkim_verify_nresults(const struct dkim_verify *v)
{
	return v->computed ? v->ndkim : 0;
}

const struct dkim_sig_result *
dkim_verify_result(const struct dkim_verify *v, size_t i)
{
	return v->computed && i < v->ndkim ? &v->results[i] : NULL;
}

unsigned
dkim_verify_skipped(const struct dkim_verify *v)
{
	return v->skipped;
}

enum dkim_result
dkim_verify_summary(const struct dkim_verify *v)
{
	/* best first: what the message can claim */
	static const enum dkim_result order[] = { DKIM_PASS, DKIM_POLICY, DKIM_FAIL, DKIM_TEMPERROR,
		DKIM_PERMERROR, DKIM_NEUTRAL };

	for (size_t o = 0; o < sizeof(order) / sizeof(order[0]); o++)
		for (size_t i = 0; i < dkim_verify_nresults(v); i++)
			if (v->results[i].result == order[o])
				return order[o];
	return DKIM_NONE;
}

const struct arc_result *
dkim_verify_arc(const struct dkim_verify *v)
{
	return &v->arc;
}

const struct arc_set *
dkim_verify_arc_set(const struct dkim_verify *v, unsigned i)
{
	if (v->sets == NULL || i < 1 || i > v->arc.instances)
		return NULL;
	return &v->sets[i - 1];
}
