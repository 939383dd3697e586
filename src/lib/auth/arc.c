/*
 * arc: ARC sets, their structure and the seal's hash (see arc.h).
 */
#include "auth/arc.h"

#include <string.h>

#include "auth/dkim_hash.h"
#include "auth/dkim_tag.h"
#include "util/str.h"

enum arc_field { AF_NONE, AF_AAR, AF_AMS, AF_AS };

static enum arc_field
field_kind(const struct dkim_hdr *h, size_t i)
{
	if (dkim_hdr_is(h, i, "ARC-Authentication-Results", 26))
		return AF_AAR;
	if (dkim_hdr_is(h, i, "ARC-Message-Signature", 21))
		return AF_AMS;
	if (dkim_hdr_is(h, i, "ARC-Seal", 8))
		return AF_AS;
	return AF_NONE;
}

static int
is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int
arc_aar_instance(const char *v, size_t len, unsigned *inst, size_t *payload_off)
{
	size_t i = 0;
	unsigned n = 0, digits = 0;

	while (i < len && is_ws(v[i]))
		i++;
	if (i >= len || v[i] != 'i')
		return -1;
	i++;
	while (i < len && is_ws(v[i]))
		i++;
	if (i >= len || v[i] != '=')
		return -1;
	i++;
	while (i < len && is_ws(v[i]))
		i++;
	while (i < len && v[i] >= '0' && v[i] <= '9' && digits < 3) {
		n = n * 10 + (unsigned)(v[i] - '0');
		digits++;
		i++;
	}
	while (i < len && is_ws(v[i]))
		i++;
	if (digits == 0 || n < 1 || n > ARC_MAX_INSTANCES || i >= len || v[i] != ';')
		return -1;
	*inst = n;
	*payload_off = i + 1;
	return 0;
}

/* The i= of an AMS or AS (and cv= of an AS) from its tag list. */
static int
sig_instance(const char *v, size_t len, unsigned *inst, enum arc_cv *cv)
{
	struct dkim_tags tags;
	const struct dkim_tag *i, *c;
	char err[80];
	unsigned n = 0;

	if (dkim_tags_parse(v, len, &tags, err, sizeof(err)) < 0 ||
	    (i = dkim_tags_get(&tags, "i")) == NULL || i->value_len == 0 || i->value_len > 2)
		return -1;
	for (size_t k = 0; k < i->value_len; k++) {
		if (i->value[k] < '0' || i->value[k] > '9')
			return -1;
		n = n * 10 + (unsigned)(i->value[k] - '0');
	}
	if (n < 1 || n > ARC_MAX_INSTANCES)
		return -1;
	*inst = n;
	if (cv) {
		c = dkim_tags_get(&tags, "cv");
		if (c == NULL)
			return -1;
		if (str_nieq(c->value, c->value_len, "none"))
			*cv = ARC_CV_NONE;
		else if (str_nieq(c->value, c->value_len, "pass"))
			*cv = ARC_CV_PASS;
		else if (str_nieq(c->value, c->value_len, "fail"))
			*cv = ARC_CV_FAIL;
		else
			return -1;
	}
	return 0;
}

static const char *const field_names[] = { "", "ARC-Authentication-Results",
	"ARC-Message-Signature", "ARC-Seal" };

int
arc_chain_collect(const struct dkim_hdr *h, struct arc_chain *c)
{
	enum arc_cv cvs[ARC_MAX_INSTANCES + 1];
	int broken = 0;

	memset(c, 0, sizeof(*c));
	for (size_t k = 0; k <= ARC_MAX_INSTANCES; k++) {
		c->aar[k] = c->ams[k] = c->as[k] = -1;
		cvs[k] = ARC_CV_NONE;
	}
	for (size_t i = 0; i < h->nf; i++) {
		enum arc_field kind = field_kind(h, i);
		size_t vlen, off;
		unsigned inst = 0;
		enum arc_cv cv = ARC_CV_NONE;
		long *slot;

		if (kind == AF_NONE)
			continue;
		const char *val = dkim_hdr_value(h, i, &vlen);
		int rc = kind == AF_AAR
		    ? arc_aar_instance(val, vlen, &inst, &off)
		    : sig_instance(val, vlen, &inst, kind == AF_AS ? &cv : NULL);
		if (rc < 0) {
			if (!broken)
				str_fmt(c->why, sizeof(c->why), "%s without a valid instance",
				    field_names[kind]);
			broken = 1;
			c->n = c->n ? c->n : 1;
			continue;
		}
		slot = kind == AF_AAR ? &c->aar[inst]
		    : kind == AF_AMS  ? &c->ams[inst]
		                      : &c->as[inst];
		if (*slot >= 0) {
			if (!broken)
				str_fmt(c->why, sizeof(c->why), "two %s fields for instance %u",
				    field_names[kind], inst);
			broken = 1;
		} else {
			*slot = (long)i;
		}
		if (kind == AF_AS)
			cvs[inst] = cv;
		if (inst > c->n)
			c->n = inst;
	}
	if (c->n == 0) {
		c->ok = 1;
		return 0;
	}
	c->last_cv = c->as[c->n] >= 0 ? cvs[c->n] : ARC_CV_NONE;
	/* RFC 8617 5.2 step 4: instances 1..N, each set whole */
	for (unsigned k = 1; k <= c->n && !broken; k++) {
		const char *miss = c->aar[k] < 0 ? field_names[AF_AAR]
		    : c->ams[k] < 0              ? field_names[AF_AMS]
		    : c->as[k] < 0               ? field_names[AF_AS]
		                                 : NULL;
		if (miss) {
			str_fmt(c->why, sizeof(c->why), "instance %u has no %s", k, miss);
			broken = 1;
		} else if (k == 1 && cvs[k] != ARC_CV_NONE) {
			str_fmt(c->why, sizeof(c->why), "ARC-Seal i=1 has cv=%s, not none",
			    arc_cv_name(cvs[k]));
			broken = 1;
		} else if (k > 1 && cvs[k] != ARC_CV_PASS &&
		    !(k == c->n && cvs[k] == ARC_CV_FAIL)) {
			str_fmt(c->why, sizeof(c->why), "ARC-Seal i=%u has cv=%s, not pass", k,
			    arc_cv_name(cvs[k]));
			broken = 1;
		}
	}
	c->ok = !broken;
	return broken ? -1 : 0;
}

void
arc_hash_sets(void *md, const struct dkim_hdr *h, const struct arc_chain *c, unsigned upto)
{
	for (unsigned k = 1; k <= upto && k <= c->n; k++) {
		long idx[3] = { c->aar[k], c->ams[k], c->as[k] };
		for (int j = 0; j < 3; j++) {
			size_t len;
			if (idx[j] < 0)
				continue;
			const char *f = dkim_hdr_field(h, (size_t)idx[j], &len);
			dkim_hash_field(md, DKIM_CANON_RELAXED, f, len, 1);
		}
	}
}

void
arc_aar_copy(const char *v, size_t len, char out[ARC_AAR_MAX + 1])
{
	size_t o = 0;
	int space = 0;

	for (size_t i = 0; i < len && o < ARC_AAR_MAX; i++) {
		unsigned char ch = (unsigned char)v[i];
		if (ch < 0x20 || ch == 0x7f || ch == ' ') {
			space = 1;
			continue;
		}
		if (space && o > 0 && o < ARC_AAR_MAX)
			out[o++] = ' ';
		space = 0;
		if (o < ARC_AAR_MAX)
			out[o++] = (char)ch;
	}
	out[o] = '\0';
}
