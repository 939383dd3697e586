/*
 * arc_seal: sealing (see arc_seal.h).
 */
#include "auth/arc_seal.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/dkim_hash.h"
#include "util/xmalloc.h"

struct arc_seal {
	struct arc_seal_opts o;
	struct dkim_sign *sign; /* header section and the relaxed body hash */
	const char **names;     /* AMS h= candidates */
	size_t nnames;
};

struct arc_seal *
arc_seal_new(const struct arc_seal_opts *opts)
{
	struct arc_seal *s = xcalloc(1, sizeof(*s));
	struct dkim_sign_opts so = { 0 };

	s->o = *opts;
	if (s->o.now == 0)
		s->o.now = (long long)time(NULL);
	so.now = s->o.now;
	so.max_header = s->o.max_header;
	s->sign = dkim_sign_new(&so); /* relaxed/relaxed, as ARC asks */
	if (s->o.headers) {
		s->names = xcalloc(s->o.nheaders ? s->o.nheaders : 1, sizeof(*s->names));
		for (size_t i = 0; i < s->o.nheaders; i++)
			s->names[i] = s->o.headers[i];
		s->nnames = s->o.nheaders;
	} else {
		/* what DKIM signs, and the DKIM signatures themselves */
		s->names = xcalloc(dkim_sign_default_nheaders + 1, sizeof(*s->names));
		for (size_t i = 0; i < dkim_sign_default_nheaders; i++)
			s->names[i] = dkim_sign_default_headers[i];
		s->names[dkim_sign_default_nheaders] = "DKIM-Signature";
		s->nnames = dkim_sign_default_nheaders + 1;
	}
	return s;
}

void
arc_seal_free(struct arc_seal *s)
{
	if (s == NULL)
		return;
	dkim_sign_free(s->sign);
	free(s->names);
	free(s);
}

void
arc_seal_feed(struct arc_seal *s, const char *p, size_t n)
{
	dkim_sign_feed(s->sign, p, n);
}

void
arc_seal_set(struct arc_seal *s, const struct arc_seal_opts *opts)
{
	s->o.key = opts->key;
	s->o.authres = opts->authres;
	s->o.cv = opts->cv;
}

int
arc_seal_prepend(struct arc_seal *s, const char *text, size_t len)
{
	return dkim_sign_prepend(s->sign, text, len);
}

/* The AAR payload may be folded (CRLF then white space) but hold no other
 * line break or control character. */
static int
authres_ok(const char *a)
{
	for (size_t i = 0; a[i]; i++) {
		unsigned char c = (unsigned char)a[i];
		if (c == '\r') {
			if (a[i + 1] != '\n' || (a[i + 2] != ' ' && a[i + 2] != '\t'))
				return 0;
			i++;
		} else if ((c < 0x20 && c != '\t') || c == 0x7f) {
			return 0;
		}
	}
	return a[0] != '\0';
}

/* One field of out (which ends with it): its text without the final CRLF. */
static void
hash_last(void *md, const struct strbuf *f, size_t start)
{
	dkim_hash_field(md, DKIM_CANON_RELAXED, f->s + start, f->len - start - 2, 1);
}

int
arc_seal_finish(struct arc_seal *s, struct strbuf *out, char *err, size_t errsz)
{
	struct dkim_hdr *hdr;
	struct arc_chain chain;
	struct dkim_hname hn[DKIM_H_MAX];
	struct strbuf aar, ams, as, bh;
	const struct dkim_signkey *key = s->o.key;
	enum arc_cv cv = s->o.cv;
	uint8_t digest[32];
	char num[32], inst[8];
	size_t col;
	long nh;
	int rc = -1, from = 0;

	strbuf_init(&bh, 64);
	if (dkim_sign_bodyhash(s->sign, DKIM_CANON_RELAXED, &bh) < 0) {
		strbuf_free(&bh);
		str_fmt(err, errsz, "no body hash");
		return -1;
	}
	hdr = dkim_sign_header(s->sign);
	if (hdr->overflow) {
		strbuf_free(&bh);
		str_fmt(err, errsz, "header section too long");
		return -1;
	}
	for (size_t k = 0; k < hdr->nf; k++)
		from |= dkim_hdr_is(hdr, k, "From", 4);
	if (!from || s->o.authres == NULL || !authres_ok(s->o.authres)) {
		strbuf_free(&bh);
		str_fmt(err, errsz,
		    from ? "no usable Authentication-Results text for the AAR"
		         : "the message has no From field");
		return -1;
	}
	arc_chain_collect(hdr, &chain);
	if (chain.n >= ARC_MAX_INSTANCES) {
		strbuf_free(&bh);
		str_fmt(err, errsz, "the chain has %d sets already", ARC_MAX_INSTANCES);
		return 1;
	}
	if (chain.n && chain.ok && chain.last_cv == ARC_CV_FAIL) {
		strbuf_free(&bh);
		str_fmt(err, errsz, "the chain failed before (ARC-Seal i=%u cv=fail)", chain.n);
		return 1;
	}
	if (chain.n == 0)
		cv = ARC_CV_NONE;
	else if (!chain.ok)
		cv = ARC_CV_FAIL; /* 5.1.2: a broken chain is sealed as failed */
	else if (cv == ARC_CV_NONE) {
		strbuf_free(&bh);
		str_fmt(err, errsz, "the message has ARC sets but their validation was not given");
		return -1;
	}
	str_fmt(inst, sizeof(inst), "%u", chain.n + 1);
	str_fmt(num, sizeof(num), "%lld", s->o.now);
	strbuf_init(&aar, 64 * 1024);
	strbuf_init(&ams, 128 * 1024);
	strbuf_init(&as, 16 * 1024);

	/* ARC-Authentication-Results (RFC 8617 4.1.1) */
	strbuf_printf(&aar, "ARC-Authentication-Results: i=%s; %s\r\n", inst, s->o.authres);

	/* ARC-Message-Signature (4.1.2): no ARC field in h= */
	nh = dkim_sign_hlist(hdr, s->names, s->nnames, NULL, 0, hn, DKIM_H_MAX);
	if (nh < 0) {
		str_fmt(err, errsz, "more than %d fields to sign", DKIM_H_MAX);
		goto out;
	}
	strbuf_puts(&ams, "ARC-Message-Signature:");
	col = strlen("ARC-Message-Signature:");
	dkim_sign_tag(&ams, &col, "i", inst);
	dkim_sign_tag(&ams, &col, "a", dkim_alg_name(key->alg));
	dkim_sign_tag(&ams, &col, "c", "relaxed/relaxed");
	dkim_sign_tag(&ams, &col, "d", key->domain);
	dkim_sign_tag(&ams, &col, "s", key->selector);
	dkim_sign_tag(&ams, &col, "t", num);
	strbuf_puts(&ams, "\r\n\th=");
	for (long k = 0; k < nh; k++) {
		if (k)
			strbuf_puts(&ams, k % 6 == 0 ? ":\r\n\t" : ":");
		strbuf_append(&ams, hn[k].name, hn[k].len);
	}
	strbuf_puts(&ams, ";\r\n\tbh=");
	strbuf_append(&ams, bh.s, bh.len);
	strbuf_puts(&ams, ";\r\n\tb=");
	dkim_hash_signed(
	    hdr, DKIM_CANON_RELAXED, hn, (size_t)nh, -1, ams.s, ams.len, ams.len, ams.len, digest);
	size_t ams_text = ams.len;
	struct strbuf signed_ams;
	strbuf_init(&signed_ams, 128 * 1024);
	if (dkim_sign_field(key, ams.s, ams_text, digest, &signed_ams) < 0) {
		strbuf_free(&signed_ams);
		str_fmt(
		    err, errsz, "cannot sign with %s._domainkey.%s", key->selector, key->domain);
		goto out;
	}
	strbuf_free(&ams);
	ams = signed_ams;

	/* ARC-Seal (4.1.3, 5.1.1): the sets so far, then this one */
	strbuf_puts(&as, "ARC-Seal:");
	col = strlen("ARC-Seal:");
	dkim_sign_tag(&as, &col, "i", inst);
	dkim_sign_tag(&as, &col, "a", dkim_alg_name(key->alg));
	dkim_sign_tag(&as, &col, "cv", arc_cv_name(cv));
	dkim_sign_tag(&as, &col, "d", key->domain);
	dkim_sign_tag(&as, &col, "s", key->selector);
	dkim_sign_tag(&as, &col, "t", num);
	strbuf_puts(&as, "\r\n\tb=");
	void *md = dkim_hash_new();
	if (cv != ARC_CV_FAIL)
		arc_hash_sets(md, hdr, &chain, chain.n);
	hash_last(md, &aar, 0);
	hash_last(md, &ams, 0);
	dkim_hash_field_cut(md, DKIM_CANON_RELAXED, as.s, as.len, as.len, as.len);
	dkim_hash_end(md, digest);
	struct strbuf sealed;
	strbuf_init(&sealed, 16 * 1024);
	if (dkim_sign_field(key, as.s, as.len, digest, &sealed) < 0) {
		strbuf_free(&sealed);
		str_fmt(
		    err, errsz, "cannot sign with %s._domainkey.%s", key->selector, key->domain);
		goto out;
	}
	/* all three or nothing */
	size_t before = out->len;
	if (strbuf_append(out, sealed.s, sealed.len) < 0 ||
	    strbuf_append(out, ams.s, ams.len) < 0 || strbuf_append(out, aar.s, aar.len) < 0) {
		out->len = before;
		out->s[before] = '\0';
		str_fmt(err, errsz, "ARC set too long");
	} else {
		rc = 0;
	}
	strbuf_free(&sealed);
out:
	strbuf_free(&aar);
	strbuf_free(&ams);
	strbuf_free(&as);
	strbuf_free(&bh);
	return rc;
}
