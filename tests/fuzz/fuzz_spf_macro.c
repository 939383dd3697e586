/*
 * Fuzz target: the SPF macro language (spf_macro.c). The first byte picks
 * the context (explanation or not); the rest is the macro-string. Checks:
 * the syntax check and the expander agree (up to running out of room), output stays inside its buffer
 * (ASan), and domain expansion never exceeds 253 characters.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/spf.h"
#include "auth/spf_macro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct spf_macro_vars v;
	char out[SPF_MACRO_MAX];
	char dom[SPF_DOMAIN_MAX + 1];
	char small[32];
	const char *s, *why;
	size_t n, len;
	int flags, chk, r;

	if (size < 1)
		return 0;
	flags = (data[0] & 1) ? SPF_MACRO_EXP : 0;
	s = (const char *)data + 1;
	len = size - 1;
	memset(&v, 0, sizeof(v));
	SPF_MACRO_VAR(&v, 's') = "strong-bad+x=y@email.example.com";
	SPF_MACRO_VAR(&v, 'l') = "strong-bad+x=y";
	SPF_MACRO_VAR(&v, 'o') = "email.example.com";
	SPF_MACRO_VAR(&v, 'd') = "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.example";
	SPF_MACRO_VAR(&v, 'i') = "1.0.B.C.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.B.D.0.1.0.0.2";
	SPF_MACRO_VAR(&v, 'c') = "2001:db8::cb01";
	SPF_MACRO_VAR(&v, 'v') = "ip6";
	SPF_MACRO_VAR(&v, 'h') = "[192.0.2.1] %20 \"hostile\" helo/with-delims_,=";
	SPF_MACRO_VAR(&v, 'p') = "unknown";
	SPF_MACRO_VAR(&v, 'r') = "receiver.example.net";
	SPF_MACRO_VAR(&v, 't') = "1400000000";

	chk = spf_macro_check(s, len, flags, &why);
	r = spf_macro_expand(s, len, &v, flags, out, sizeof(out), &n);
	/* Valid strings never fail on syntax; invalid ones fail on syntax, or
	 * on length when the output fills before the error is reached. */
	if (chk == 0 ? r == SPF_MACRO_ESYNTAX : r == SPF_MACRO_OK)
		abort();
	if (r == SPF_MACRO_OK && (n >= sizeof(out) || strlen(out) != n))
		abort();
	r = spf_macro_expand(s, len, &v, flags, small, sizeof(small), &n);
	if (r == SPF_MACRO_OK && n >= sizeof(small))
		abort();
	if (spf_macro_check_domain(s, len, &why) == 0) {
		if (spf_macro_check(s, len, 0, &why) != 0)
			abort();
		r = spf_macro_expand_domain(s, len, &v, dom, sizeof(dom));
		if (r == SPF_MACRO_OK && strlen(dom) > SPF_DOMAIN_MAX)
			abort();
	}
	(void)spf_macro_uses(s, len, 'p');
	return 0;
}
