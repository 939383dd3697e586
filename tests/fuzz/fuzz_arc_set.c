/*
 * Fuzz target: ARC sets (arc.c, arc_verify.c, RFC 8617) and every
 * signature field beside them, through the whole verifier: the input is a
 * message; every key lookup is answered with RFC 8463's Ed25519 key, or
 * NXDOMAIN, as the input's first octet says. The verifier finishes, its
 * results stay within its limits and enums, the chain's status agrees
 * with its structure (arc_chain_collect on the same header), and feeding
 * the message in pieces gives the same results as feeding it whole.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/arc.h"
#include "auth/dkim_hdr.h"
#include "auth/dkim_verify.h"
#include "dns/dns_result.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char KEY[] = "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";

static struct dkim_verify *
run(const char *p, size_t n, size_t step, int answer_key)
{
	struct dkim_verify_opts o = { .now = 1800000000, .arc = 1, .max_header = 64 * 1024 };
	struct dkim_verify *v = dkim_verify_new(&o);

	for (size_t off = 0; off < n; off += step)
		dkim_verify_feed(v, p + off, n - off < step ? n - off : step);
	dkim_verify_end(v);
	if (!dkim_verify_header_done(v) || dkim_verify_nkeys(v) > 16)
		abort();
	for (size_t i = 0; i < dkim_verify_nkeys(v); i++) {
		const char *name = dkim_verify_key_name(v, i);
		struct dns_result *r =
		    dns_result_new(name, DNS_T_TXT, answer_key ? DNS_NODATA : DNS_NXDOMAIN);
		if (answer_key) {
			dns_result_add_txt(r, KEY, sizeof(KEY) - 1, 1);
			dns_result_settle(r);
		}
		dkim_verify_key_answer(v, i, r);
		dns_result_free(r);
	}
	if (!dkim_verify_done(v))
		abort();
	return v;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const char *p = (const char *)data + 1;
	size_t n = size - 1;
	int answer_key = data[0] & 1;
	size_t step = 1 + (data[0] >> 1);

	struct dkim_verify *a = run(p, n, n ? n : 1, answer_key);
	struct dkim_verify *b = run(p, n, step, answer_key);
	const struct arc_result *ra = dkim_verify_arc(a), *rb = dkim_verify_arc(b);

	if (ra->status > ARC_CV_FAIL || ra->instances > ARC_MAX_INSTANCES ||
	    ra->failed > ra->instances || ra->reason >= DKIM_R__COUNT)
		abort();
	if (ra->status != rb->status || ra->instances != rb->instances ||
	    ra->failed != rb->failed || ra->reason != rb->reason)
		abort();
	if (ra->status == ARC_CV_NONE && ra->instances != 0)
		abort();
	/* the chain's structure, read on its own */
	struct dkim_hdr h;
	struct arc_chain c;
	dkim_hdr_init(&h, 64 * 1024);
	dkim_hdr_feed(&h, p, n);
	dkim_hdr_finish(&h);
	int rc = arc_chain_collect(&h, &c);
	if (c.n != ra->instances || (rc < 0 && ra->status != ARC_CV_FAIL) ||
	    (c.n && (rc == 0) != c.ok))
		abort();
	if (c.ok)
		for (unsigned k = 1; k <= c.n; k++)
			if (c.aar[k] < 0 || c.ams[k] < 0 || c.as[k] < 0)
				abort();
	for (unsigned k = 1; k <= ra->instances; k++)
		if (dkim_verify_arc_set(a, k) == NULL || dkim_verify_arc_set(a, k)->instance != k)
			abort();
	dkim_hdr_free(&h);

	if (dkim_verify_nresults(a) != dkim_verify_nresults(b) || dkim_verify_nresults(a) > 8)
		abort();
	for (size_t i = 0; i < dkim_verify_nresults(a); i++) {
		const struct dkim_sig_result *x = dkim_verify_result(a, i),
		                             *y = dkim_verify_result(b, i);
		if (x->result != y->result || x->reason != y->reason ||
		    x->result > DKIM_PERMERROR || x->reason >= DKIM_R__COUNT ||
		    x->body_octets != y->body_octets)
			abort();
		/* nothing verifies that the fuzzer did not sign: a pass would be a bug,
		 * unless the input carries a real signature by RFC 8463's key */
		if (x->result == DKIM_PASS && !answer_key)
			abort();
	}
	dkim_verify_free(a);
	dkim_verify_free(b);
	return 0;
}
