/*
 * Fuzz target: the whole SPF evaluator over hostile DNS data. The input is
 * a tiny world: line 0 is the TXT record of d0.example (the identity's
 * domain), line k the TXT record of dk.example; every other name answers
 * from a hash of the name and the input (A, AAAA, MX and PTR records
 * pointing back into the world, NXDOMAIN, NODATA or failures). The
 * evaluation must end, within the RFC 7208 limits, without touching memory
 * it should not (ASan/UBSan), for IPv4 and IPv6 clients.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/spf_eval.h"
#include "dns/dns_result.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_LINES 16

struct world {
	const char *line[MAX_LINES];
	size_t len[MAX_LINES];
	int n;
	uint32_t seed;
};

static uint32_t
hash(const char *s, uint32_t h)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static struct dns_result *
answer(const struct world *w, const char *name, enum dns_type type)
{
	uint32_t h = hash(name, w->seed ^ (uint32_t)type * 2654435761u);
	struct dns_result *res = dns_result_new(name, type, DNS_NODATA);
	char buf[64];
	int k;

	if (type == DNS_T_TXT && sscanf(name, "d%d.example", &k) == 1 && k >= 0 &&
	    k < w->n) {
		dns_result_add_txt(res, w->line[k], w->len[k], 1);
		/* Sometimes a second record, to exercise selection. */
		if ((h & 15) == 0)
			dns_result_add_txt(res, w->line[(k + 1) % w->n], w->len[(k + 1) % w->n], 1);
		dns_result_settle(res);
		return res;
	}
	switch (h % 7) {
	case 0:
		res->status = DNS_NXDOMAIN;
		return res;
	case 1:
		return res;	/* NODATA */
	case 2:
		dns_result_free(res);
		return dns_result_fail(name, type, DNS_TEMPFAIL, "timeout");
	default:
		break;
	}
	for (unsigned i = 0; i < 1 + (h >> 8) % 12; i++) {
		uint32_t x = h + i * 7919u;
		snprintf(buf, sizeof(buf), "d%u.example", x % (unsigned)(w->n + 2));
		switch (type) {
		case DNS_T_A: {
			struct in_addr a = { htonl(0xc0000200u | (x & 3)) };
			dns_result_add_a(res, &a);
			break;
		}
		case DNS_T_AAAA: {
			struct in6_addr a6;
			memset(&a6, 0, sizeof(a6));
			a6.s6_addr[0] = 0x20;
			a6.s6_addr[1] = 0x01;
			a6.s6_addr[15] = (uint8_t)(x & 3);
			dns_result_add_aaaa(res, &a6);
			break;
		}
		case DNS_T_MX:
			dns_result_add_mx(res, x & 0xff, (x & 8) ? buf : "");
			break;
		case DNS_T_PTR:
			dns_result_add_name(res, DNS_T_PTR, buf);
			break;
		default:
			break;
		}
	}
	dns_result_settle(res);
	return res;
}

static void
run(const struct world *w, const char *ip)
{
	struct spf_request req = { 0 };
	struct spf_options opts = { 0 };
	struct spf_eval *ev;
	int steps = 0;

	spf_ip_parse(ip, &req.ip);
	req.sender = "user+x@d0.example";
	req.helo = "helo.example";
	opts.now = 1;
	opts.log_queries = (w->seed & 1) != 0;
	ev = spf_eval_new(&req, &opts);
	while (spf_eval_run(ev) == SPF_EVAL_NEED_DNS) {
		if (++steps > 400)
			abort();	/* the limits must end it far earlier */
		spf_eval_answer(ev, answer(w, spf_eval_qname(ev), spf_eval_qtype(ev)));
	}
	const struct spf_outcome *o = spf_eval_outcome(ev);
	if (o->lookups > SPF_LOOKUP_LIMIT + 1 || o->result > SPF_PERMERROR)
		abort();
	if (o->result != SPF_FAIL && o->explanation[0] != '\0')
		abort();
	spf_eval_free(ev);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct world w;
	size_t start = 0;

	memset(&w, 0, sizeof(w));
	for (size_t i = 0; i <= size && w.n < MAX_LINES; i++) {
		if (i == size || data[i] == '\n') {
			w.line[w.n] = (const char *)data + start;
			w.len[w.n++] = i - start;
			start = i + 1;
		}
	}
	if (w.n == 0)
		return 0;
	w.seed = hash("seed", (uint32_t)size);
	run(&w, "192.0.2.1");
	run(&w, "2001::2");
	return 0;
}
