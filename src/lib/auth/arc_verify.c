/*
 * arc_verify: the ARC half of the verifier (RFC 8617 5.2): after the
 * header section, the chain's structure and the signatures to check
 * (AMS(N), every AS); after they are judged, the chain's status.
 */
#include <stdlib.h>
#include <string.h>

#include "auth/arc.h"
#include "auth/dkim_hash.h"
#include "auth/dkim_tag.h"
#include "auth/dkim_verify_int.h"
#include "util/str.h"
#include "util/xmalloc.h"

/* A tag's value (d=, s=) copied, for sets whose fields are not parsed. */
static void
tag_copy(const struct dkim_hdr *h, long field, const char *name, char *out, size_t outsz)
{
	struct dkim_tags tags;
	const struct dkim_tag *t;
	size_t vlen;
	char err[80];

	out[0] = '\0';
	if (field < 0)
		return;
	const char *val = dkim_hdr_value(h, (size_t)field, &vlen);
	if (dkim_tags_parse(val, vlen, &tags, err, sizeof(err)) == 0 &&
	    (t = dkim_tags_get(&tags, name)) != NULL) {
		size_t n = t->value_len < outsz - 1 ? t->value_len : outsz - 1;
		for (size_t i = 0; i < n; i++) {
			char c = t->value[i];
			out[i] = (unsigned char)c < 0x21 || c == 0x7f ? '?' : c;
		}
		out[n] = '\0';
		str_lower(out);
	}
}

static void
fill_sets(struct dkim_verify *v)
{
	const struct arc_chain *c = &v->chain;

	v->sets = xcalloc(c->n, sizeof(*v->sets));
	for (unsigned k = 1; k <= c->n; k++) {
		struct arc_set *s = &v->sets[k - 1];
		size_t vlen, off;
		unsigned inst;
		s->instance = k;
		tag_copy(&v->hdr, c->as[k], "d", s->seal_domain, sizeof(s->seal_domain));
		tag_copy(&v->hdr, c->as[k], "s", s->seal_selector, sizeof(s->seal_selector));
		tag_copy(&v->hdr, c->ams[k], "d", s->ams_domain, sizeof(s->ams_domain));
		char cv[8];
		tag_copy(&v->hdr, c->as[k], "cv", cv, sizeof(cv));
		s->cv = strcmp(cv, "pass") == 0 ? ARC_CV_PASS
		    : strcmp(cv, "fail") == 0   ? ARC_CV_FAIL
		                                : ARC_CV_NONE;
		if (c->aar[k] >= 0) {
			const char *val = dkim_hdr_value(&v->hdr, (size_t)c->aar[k], &vlen);
			if (arc_aar_instance(val, vlen, &inst, &off) == 0)
				arc_aar_copy(val + off, vlen - off, s->aar);
		}
	}
}

static void
fail(struct dkim_verify *v, unsigned inst, enum dkim_reason why, const char *detail)
{
	v->arc.status = ARC_CV_FAIL;
	v->arc.failed = inst;
	v->arc.reason = why;
	str_copy(v->arc.detail, sizeof(v->arc.detail), detail);
}

/* An ARC-Seal of instance k: parsed, hashed over sets 1..k, keyed. */
static void
prepare_seal(struct dkim_verify *v, unsigned k)
{
	const struct arc_chain *c = &v->chain;
	struct vsig *s = dkim_verify_add(v, DKIM_SIG_AS, c->as[k]);
	size_t flen, vlen, alen, mlen;
	const char *f = dkim_hdr_field(&v->hdr, (size_t)c->as[k], &flen);
	const char *val = dkim_hdr_value(&v->hdr, (size_t)c->as[k], &vlen);
	enum dkim_reason why;
	char err[160];

	v->as_sig[k] = (long)v->nsigs - 1;
	if (dkim_sig_parse(DKIM_SIG_AS, val, vlen, &s->sig, &why, err, sizeof(err)) < 0) {
		dkim_verify_decide(s, DKIM_PERMERROR, why, err);
		return;
	}
	if (s->sig.alg == DKIM_ALG_RSA_SHA1) {
		dkim_verify_decide(s, DKIM_FAIL, DKIM_R_SHA1, NULL);
		return;
	}
	if (v->o.clock_skew >= 0 && s->sig.timestamp > v->o.now + v->o.clock_skew) {
		dkim_verify_decide(s, DKIM_PERMERROR, DKIM_R_FUTURE, NULL);
		return;
	}
	/* RFC 8617 5.1.1: AAR, AMS, AS of every set up to this one, relaxed,
	 * this seal last with its b= empty and without CRLF */
	void *md = dkim_hash_new();
	arc_hash_sets(md, &v->hdr, c, k - 1);
	const char *aar = dkim_hdr_field(&v->hdr, (size_t)c->aar[k], &alen);
	const char *ams = dkim_hdr_field(&v->hdr, (size_t)c->ams[k], &mlen);
	dkim_hash_field(md, DKIM_CANON_RELAXED, aar, alen, 1);
	dkim_hash_field(md, DKIM_CANON_RELAXED, ams, mlen, 1);
	size_t voff = (size_t)(val - f);
	dkim_hash_field_cut(
	    md, DKIM_CANON_RELAXED, f, flen, voff + s->sig.b_start, voff + s->sig.b_end);
	dkim_hash_end(md, s->hdigest);
	dkim_verify_need_key(v, s);
}

void
arc_verify_header(struct dkim_verify *v)
{
	struct arc_chain *c = &v->chain;
	char d[200];

	for (size_t k = 0; k <= ARC_MAX_INSTANCES; k++)
		v->as_sig[k] = -1;
	int rc = arc_chain_collect(&v->hdr, c);
	v->arc.instances = c->n;
	if (c->n == 0) {
		v->arc.status = ARC_CV_NONE;
		str_copy(v->arc.detail, sizeof(v->arc.detail), "no ARC sets");
		return;
	}
	fill_sets(v);
	if (rc < 0) {
		fail(v, 0, DKIM_R_OK, c->why);
		return;
	}
	/* 5.2 step 3: the newest seal says the chain failed before */
	if (c->last_cv == ARC_CV_FAIL) {
		str_fmt(d, sizeof(d), "ARC-Seal i=%u has cv=fail", c->n);
		fail(v, 0, DKIM_R_OK, d);
		return;
	}
	struct vsig *ams = dkim_verify_add(v, DKIM_SIG_AMS, c->ams[c->n]);
	v->ams_sig = (long)v->nsigs - 1;
	dkim_verify_prepare(v, ams);
	for (unsigned k = c->n; k >= 1; k--)
		prepare_seal(v, k);
}

void
arc_verify_decide(struct dkim_verify *v)
{
	const struct arc_chain *c = &v->chain;
	char d[200];

	if (v->ams_sig < 0)
		return; /* none, or failed before any signature */
	const struct vsig *ams = v->sigs[v->ams_sig];
	dkim_verify_fill(ams, &v->arc.ams);
	if (ams->body >= 0)
		v->arc.ams.body_octets = v->bodies[ams->body]->h.total;
	for (unsigned k = 1; k <= c->n; k++)
		if (v->as_sig[k] >= 0)
			v->sets[k - 1].seal_result = v->sigs[v->as_sig[k]]->result;
	/* 5.2 step 5: the newest AMS */
	if (ams->result != DKIM_PASS) {
		str_fmt(d, sizeof(d), "ARC-Message-Signature i=%u: %s", c->n, ams->detail);
		fail(v, c->n, ams->reason, d);
		return;
	}
	/* step 7: every seal, newest first */
	for (unsigned k = c->n; k >= 1; k--) {
		const struct vsig *as = v->sigs[v->as_sig[k]];
		if (as->result != DKIM_PASS) {
			str_fmt(d, sizeof(d), "ARC-Seal i=%u: %s", k, as->detail);
			fail(v, k, as->reason, d);
			return;
		}
	}
	v->arc.status = ARC_CV_PASS;
	str_fmt(v->arc.detail, sizeof(v->arc.detail), "%u ARC set%s verified", c->n,
	    c->n == 1 ? "" : "s");
}
