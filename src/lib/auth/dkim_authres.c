/*
 * dkim_authres: Authentication-Results entries (see dkim_authres.h).
 */
#include "auth/dkim_authres.h"

#include <stdlib.h>
#include <string.h>

#include "util/str.h"
#include "util/xmalloc.h"

/* RFC 6008 2: at least 8 characters of b= */
#define BPREFIX_MIN 8

struct one {
	char domain[DKIM_DOMAIN_MAX + 1], selector[DKIM_DOMAIN_MAX + 1];
	char reason[200];
	char b[DKIM_BPREFIX_MAX + 1];
};

struct dkim_authres {
	struct authres_multi *e;
	struct one *o;
	size_t n;
};

/* The shortest prefix of r's b= of at least 8 characters that no other
 * signature of the message shares. */
static void
bprefix(const struct dkim_verify *v, size_t i, char *out, size_t outsz)
{
	const char *b = dkim_verify_result(v, i)->bprefix;
	size_t len = strlen(b), want = len < BPREFIX_MIN ? len : BPREFIX_MIN;

	for (size_t j = 0; j < dkim_verify_nresults(v); j++) {
		const char *o = dkim_verify_result(v, j)->bprefix;
		if (j == i)
			continue;
		while (want < len && strncmp(b, o, want) == 0)
			want++;
	}
	str_fmt(out, outsz, "%.*s", (int)want, b);
}

static void
reason(const struct dkim_sig_result *r, char *out, size_t outsz)
{
	if (r->result == DKIM_PASS) {
		str_fmt(out, outsz, "%u-bit %s key%s%s", r->key_bits,
		    r->alg == DKIM_ALG_ED25519_SHA256 ? "ed25519" : "rsa",
		    r->key_sec == DNS_SEC_SECURE ? ", DNSSEC" : "",
		    r->key_testing ? ", testing" : "");
		if (r->has_length)
			str_fmt(out + strlen(out), outsz - strlen(out), "; l=%llu of %llu octets",
			    r->length, r->body_octets);
		return;
	}
	str_fmt(out, outsz, "%s%s", r->detail, r->key_testing ? "; testing key" : "");
}

struct dkim_authres *
dkim_authres_new(const struct dkim_verify *v, int with_arc)
{
	struct dkim_authres *a = xcalloc(1, sizeof(*a));
	size_t nr = dkim_verify_nresults(v);
	size_t cap = nr + 2;

	a->e = xcalloc(cap, sizeof(*a->e));
	a->o = xcalloc(cap, sizeof(*a->o));
	if (nr == 0)
		a->e[a->n++] = (struct authres_multi){ "dkim", "none", "no signatures", { { 0 } } };
	for (size_t i = 0; i < nr; i++) {
		const struct dkim_sig_result *r = dkim_verify_result(v, i);
		struct one *o = &a->o[a->n];
		reason(r, o->reason, sizeof(o->reason));
		bprefix(v, i, o->b, sizeof(o->b));
		struct authres_multi *m = &a->e[a->n++];
		size_t np = 0;
		*m = (struct authres_multi){ "dkim", dkim_result_name(r->result), o->reason,
			{ { 0 } } };
		str_copy(o->domain, sizeof(o->domain), r->domain);
		str_copy(o->selector, sizeof(o->selector), r->selector);
		if (o->domain[0])
			m->props[np++] = (struct authres_prop){ "header.d", o->domain };
		if (o->selector[0])
			m->props[np++] = (struct authres_prop){ "header.s", o->selector };
		if (o->b[0])
			m->props[np++] = (struct authres_prop){ "header.b", o->b };
	}
	if (with_arc) {
		const struct arc_result *arc = dkim_verify_arc(v);
		struct one *o = &a->o[a->n];
		str_copy(o->reason, sizeof(o->reason), arc->detail);
		a->e[a->n++] =
		    (struct authres_multi){ "arc", arc_cv_name(arc->status), o->reason, { { 0 } } };
	}
	return a;
}

void
dkim_authres_free(struct dkim_authres *a)
{
	if (a == NULL)
		return;
	free(a->e);
	free(a->o);
	free(a);
}

const struct authres_multi *
dkim_authres_entries(const struct dkim_authres *a, size_t *n)
{
	*n = a->n;
	return a->e;
}
