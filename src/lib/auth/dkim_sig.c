/*
 * dkim_sig: DKIM-Signature, ARC-Message-Signature and ARC-Seal fields
 * (see dkim_sig.h).
 */
#include "auth/dkim_sig.h"

#include <limits.h>
#include <string.h>

#include "auth/dkim_tag.h"
#include "util/str.h"

enum dkim_alg
dkim_alg_parse(const char *s, size_t len)
{
	if (str_nieq(s, len, "rsa-sha256"))
		return DKIM_ALG_RSA_SHA256;
	if (str_nieq(s, len, "ed25519-sha256"))
		return DKIM_ALG_ED25519_SHA256;
	if (str_nieq(s, len, "rsa-sha1"))
		return DKIM_ALG_RSA_SHA1;
	return DKIM_ALG_NONE;
}

const char *
arc_cv_name(enum arc_cv cv)
{
	switch (cv) {
	case ARC_CV_PASS: return "pass";
	case ARC_CV_FAIL: return "fail";
	case ARC_CV_NONE: break;
	}
	return "none";
}

int
dkim_key_name(const char *selector, const char *domain, char *out, size_t outsz)
{
	size_t n = strlen(selector) + strlen("._domainkey.") + strlen(domain);

	if (n > DKIM_DOMAIN_MAX || n >= outsz)
		return -1;
	str_fmt(out, outsz, "%s._domainkey.%s", selector, domain);
	return 0;
}

/* A domain name or selector (RFC 6376 3.5 sub-domain labels), lower-cased
 * into out. Underscores are allowed: selectors and test names use them. */
static int
name_copy(const char *s, size_t len, char *out, size_t outsz)
{
	size_t label = 0;

	if (len == 0 || len > DKIM_DOMAIN_MAX || len >= outsz)
		return -1;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '.') {
			if (label == 0)
				return -1;
			label = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
		    c == '_') {
			label++;
		} else if (c >= 'A' && c <= 'Z') {
			c = (unsigned char)(c - 'A' + 'a');
			label++;
		} else {
			return -1;
		}
		if (label > 63)
			return -1;
		out[i] = (char)c;
	}
	if (label == 0)
		return -1;
	out[len] = '\0';
	return 0;
}

/* Decimal digits, at most maxdig of them; saturates at ULLONG_MAX. */
static int
digits(const struct dkim_tag *t, size_t maxdig, unsigned long long *out)
{
	unsigned long long v = 0;

	if (t->value_len == 0 || t->value_len > maxdig)
		return -1;
	for (size_t i = 0; i < t->value_len; i++) {
		unsigned d = (unsigned)(t->value[i] - '0');
		if (d > 9)
			return -1;
		v = v > (ULLONG_MAX - d) / 10 ? ULLONG_MAX : v * 10 + d;
	}
	*out = v;
	return 0;
}

static int
is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* h=: field names separated by ':' with folding white space around. */
static int
parse_h(const struct dkim_tag *t, struct dkim_sig *sig, char *err, size_t errsz)
{
	size_t i = 0, n = t->value_len;
	const char *v = t->value;

	sig->nh = 0;
	for (;;) {
		while (i < n && is_ws(v[i]))
			i++;
		size_t start = i;
		while (i < n && v[i] != ':' && !is_ws(v[i])) {
			unsigned char c = (unsigned char)v[i];
			if (c < 33 || c > 126) {
				str_fmt(err, errsz, "invalid octet in h=");
				return -1;
			}
			i++;
		}
		if (i == start) {
			str_fmt(err, errsz, "empty field name in h=");
			return -1;
		}
		if (sig->nh >= DKIM_H_MAX) {
			str_fmt(err, errsz, "h= lists more than %d fields", DKIM_H_MAX);
			return -1;
		}
		sig->h[sig->nh].name = v + start;
		sig->h[sig->nh].len = i - start;
		sig->nh++;
		while (i < n && is_ws(v[i]))
			i++;
		if (i >= n)
			return 0;
		if (v[i] != ':') {
			str_fmt(err, errsz, "':' expected in h=");
			return -1;
		}
		i++;
	}
}

static int
parse_c(const struct dkim_tag *t, struct dkim_sig *sig)
{
	const char *v = t->value, *slash = memchr(v, '/', t->value_len);
	size_t hl = slash ? (size_t)(slash - v) : t->value_len;

	if (str_nieq(v, hl, "simple"))
		sig->hcanon = DKIM_CANON_SIMPLE;
	else if (str_nieq(v, hl, "relaxed"))
		sig->hcanon = DKIM_CANON_RELAXED;
	else
		return -1;
	sig->bcanon = DKIM_CANON_SIMPLE;
	if (slash) {
		size_t bl = t->value_len - hl - 1;
		if (str_nieq(slash + 1, bl, "simple"))
			sig->bcanon = DKIM_CANON_SIMPLE;
		else if (str_nieq(slash + 1, bl, "relaxed"))
			sig->bcanon = DKIM_CANON_RELAXED;
		else
			return -1;
	}
	return 0;
}

#define FAIL(r, ...) \
	do { \
		*why = (r); \
		str_fmt(err, errsz, __VA_ARGS__); \
		return -1; \
	} while (0)

/* The tags every kind reads: a, b, d, s (and their results' fields). */
static int
parse_common(const struct dkim_tags *tags, struct dkim_sig *sig, enum dkim_reason *why, char *err,
    size_t errsz)
{
	const struct dkim_tag *a = dkim_tags_get(tags, "a"), *b = dkim_tags_get(tags, "b");
	const struct dkim_tag *d = dkim_tags_get(tags, "d"), *s = dkim_tags_get(tags, "s");
	char keyname[DKIM_DOMAIN_MAX + 1];
	long n;

	if (d && name_copy(d->value, d->value_len, sig->domain, sizeof(sig->domain)) < 0)
		FAIL(DKIM_R_BAD_TAG, "d= is not a domain name");
	if (s && name_copy(s->value, s->value_len, sig->selector, sizeof(sig->selector)) < 0)
		FAIL(DKIM_R_BAD_TAG, "s= is not a selector");
	if (b) {
		sig->b_start = b->eq_off + 1;
		sig->b_end = b->end_off;
		if (dkim_tag_compact(b, sig->bprefix, sizeof(sig->bprefix)) < 0) {
			/* longer than kept: cut (it is a prefix) */
			size_t o = 0;
			for (size_t i = 0; i < b->value_len && o < DKIM_BPREFIX_MAX; i++)
				if (!is_ws(b->value[i]))
					sig->bprefix[o++] = b->value[i];
			sig->bprefix[o] = '\0';
		}
	}
	if (a == NULL || b == NULL || d == NULL || s == NULL)
		FAIL(DKIM_R_MISSING_TAG, "missing %s=",
		    a == NULL       ? "a"
		        : b == NULL ? "b"
		        : d == NULL ? "d"
		                    : "s");
	if (dkim_key_name(sig->selector, sig->domain, keyname, sizeof(keyname)) < 0)
		FAIL(DKIM_R_BAD_TAG, "s= and d= make a key name over %d characters",
		    DKIM_DOMAIN_MAX);
	sig->alg = dkim_alg_parse(a->value, a->value_len);
	if (sig->alg == DKIM_ALG_NONE)
		FAIL(DKIM_R_ALG_UNKNOWN, "unknown algorithm a=%.*s",
		    (int)(a->value_len > 30 ? 30 : a->value_len), a->value);
	n = dkim_b64_decode(b->value, b->value_len, sig->b, sizeof(sig->b));
	if (n <= 0)
		FAIL(DKIM_R_BAD_TAG, "b= is not base64 of at most %d octets", DKIM_SIG_B_MAX);
	sig->b_len = (size_t)n;
	return 0;
}

static int
parse_times(const struct dkim_tags *tags, struct dkim_sig *sig, enum dkim_reason *why, char *err,
    size_t errsz)
{
	const struct dkim_tag *t = dkim_tags_get(tags, "t"), *x = dkim_tags_get(tags, "x");
	unsigned long long v;

	/* 3.5: 1*12DIGIT; more than 18 would not fit a time_t here */
	if (t) {
		if (digits(t, 18, &v) < 0)
			FAIL(DKIM_R_BAD_TAG, "t= is not a timestamp");
		sig->timestamp = (long long)v;
	}
	if (x) {
		if (digits(x, 18, &v) < 0)
			FAIL(DKIM_R_BAD_TAG, "x= is not a timestamp");
		sig->expiration = (long long)v;
	}
	/* 3.5 x=: "MUST be greater than the value of the t= tag" */
	if (t && x && sig->expiration <= sig->timestamp)
		FAIL(DKIM_R_BAD_TAG, "x= is not after t=");
	return 0;
}

static int
parse_instance(const struct dkim_tags *tags, struct dkim_sig *sig, enum dkim_reason *why, char *err,
    size_t errsz)
{
	const struct dkim_tag *i = dkim_tags_get(tags, "i");
	unsigned long long v;

	if (i == NULL)
		FAIL(DKIM_R_MISSING_TAG, "missing i=");
	if (digits(i, 2, &v) < 0 || v < 1 || v > ARC_MAX_INSTANCES)
		FAIL(DKIM_R_BAD_TAG, "i= is not an instance from 1 to %d", ARC_MAX_INSTANCES);
	sig->instance = (unsigned)v;
	return 0;
}

static int
parse_body_tags(const struct dkim_tags *tags, struct dkim_sig *sig, enum dkim_reason *why,
    char *err, size_t errsz)
{
	const struct dkim_tag *bh = dkim_tags_get(tags, "bh"), *h = dkim_tags_get(tags, "h");
	const struct dkim_tag *c = dkim_tags_get(tags, "c"), *l = dkim_tags_get(tags, "l");
	long n;

	if (bh == NULL || h == NULL)
		FAIL(DKIM_R_MISSING_TAG, "missing %s=", bh == NULL ? "bh" : "h");
	n = dkim_b64_decode(bh->value, bh->value_len, sig->bh, sizeof(sig->bh));
	if (n <= 0)
		FAIL(DKIM_R_BAD_TAG, "bh= is not base64 of a hash");
	sig->bh_len = (size_t)n;
	if (parse_h(h, sig, err, errsz) < 0) {
		*why = DKIM_R_BAD_TAG;
		return -1;
	}
	if (c && parse_c(c, sig) < 0)
		FAIL(DKIM_R_CANON_UNKNOWN, "unknown canonicalization c=%.*s",
		    (int)(c->value_len > 30 ? 30 : c->value_len), c->value);
	if (l) {
		/* 3.5: 1*76DIGIT */
		if (digits(l, 76, &sig->length) < 0)
			FAIL(DKIM_R_BAD_TAG, "l= is not a length");
		sig->has_length = 1;
	}
	return 0;
}

static int
parse_dkim(const struct dkim_tags *tags, struct dkim_sig *sig, enum dkim_reason *why, char *err,
    size_t errsz)
{
	const struct dkim_tag *v = dkim_tags_get(tags, "v"), *q = dkim_tags_get(tags, "q");
	const struct dkim_tag *i = dkim_tags_get(tags, "i");
	int from = 0;

	if (v == NULL)
		FAIL(DKIM_R_MISSING_TAG, "missing v=");
	if (!dkim_tag_is(v, "1"))
		FAIL(DKIM_R_VERSION, "unsupported version v=%.*s",
		    (int)(v->value_len > 10 ? 10 : v->value_len), v->value);
	if (parse_body_tags(tags, sig, why, err, errsz) < 0 ||
	    parse_times(tags, sig, why, err, errsz) < 0)
		return -1;
	if (q && !dkim_tag_list_has(q, "dns/txt")) /* q= must offer dns/txt (3.5) */
		FAIL(DKIM_R_QUERY_UNKNOWN, "q= does not offer dns/txt");
	for (size_t k = 0; k < sig->nh; k++)
		from |= str_nieq(sig->h[k].name, sig->h[k].len, "from");
	/* 6.1.1: a signature that does not cover From is ignored: PERMFAIL */
	if (!from)
		FAIL(DKIM_R_FROM_UNSIGNED, "h= does not include From");
	if (i) {
		const char *at = NULL;
		for (size_t k = 0; k < i->value_len; k++)
			if (i->value[k] == '@')
				at = i->value + k;
		char idom[DKIM_DOMAIN_MAX + 1];
		size_t dl = at ? i->value_len - (size_t)(at + 1 - i->value) : 0;
		if (at == NULL || name_copy(at + 1, dl, idom, sizeof(idom)) < 0)
			FAIL(DKIM_R_BAD_TAG, "i= is not an identity");
		size_t cut = i->value_len < DKIM_IDENTITY_MAX ? i->value_len : DKIM_IDENTITY_MAX;
		memcpy(sig->identity, i->value, cut);
		sig->identity[cut] = '\0';
		/* 6.1.1: the AUID's domain is d= or a subdomain of it */
		if (!dkim_domain_within(idom, sig->domain))
			FAIL(DKIM_R_DOMAIN_MISMATCH, "i= domain is not within d=");
	}
	return 0;
}

int
dkim_sig_parse(enum dkim_sig_kind kind, const char *value, size_t len, struct dkim_sig *sig,
    enum dkim_reason *why, char *err, size_t errsz)
{
	struct dkim_tags tags;

	memset(sig, 0, sizeof(*sig));
	sig->kind = kind;
	sig->timestamp = sig->expiration = -1;
	sig->hcanon = sig->bcanon = DKIM_CANON_SIMPLE;
	*why = DKIM_R_OK;
	if (dkim_tags_parse(value, len, &tags, err, errsz) < 0) {
		*why = DKIM_R_SYNTAX;
		return -1;
	}
	if (parse_common(&tags, sig, why, err, errsz) < 0)
		return -1;
	switch (kind) {
	case DKIM_SIG_DKIM: return parse_dkim(&tags, sig, why, err, errsz);
	case DKIM_SIG_AMS:
		if (parse_instance(&tags, sig, why, err, errsz) < 0 ||
		    parse_body_tags(&tags, sig, why, err, errsz) < 0 ||
		    parse_times(&tags, sig, why, err, errsz) < 0)
			return -1;
		return 0;
	case DKIM_SIG_AS: {
		const struct dkim_tag *cv = dkim_tags_get(&tags, "cv");
		if (parse_instance(&tags, sig, why, err, errsz) < 0 ||
		    parse_times(&tags, sig, why, err, errsz) < 0)
			return -1;
		/* RFC 8617 4.1.3: no h=; the seal covers the ARC sets alone */
		if (dkim_tags_get(&tags, "h"))
			FAIL(DKIM_R_BAD_TAG, "h= is not allowed in ARC-Seal");
		if (cv == NULL)
			FAIL(DKIM_R_MISSING_TAG, "missing cv=");
		if (str_nieq(cv->value, cv->value_len, "none"))
			sig->cv = ARC_CV_NONE;
		else if (str_nieq(cv->value, cv->value_len, "pass"))
			sig->cv = ARC_CV_PASS;
		else if (str_nieq(cv->value, cv->value_len, "fail"))
			sig->cv = ARC_CV_FAIL;
		else
			FAIL(DKIM_R_BAD_TAG, "cv= is not none, pass or fail");
		sig->hcanon = DKIM_CANON_RELAXED;
		return 0;
	}
	}
	FAIL(DKIM_R_SYNTAX, "unknown signature kind");
}
