/*
 * dns_result: result construction and description (see dns_result.h).
 */
#include "dns/dns_result.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"
#include "util/xmalloc.h"

struct dns_result *
dns_result_new(const char *name, enum dns_type type, enum dns_status status)
{
	size_t n = strlen(name);
	/* One allocation: the name lives right after the struct. */
	struct dns_result *res = xmalloc(sizeof(*res) + n + 1);

	memset(res, 0, sizeof(*res));
	res->qname = (char *)(res + 1);
	memcpy(res->qname, name, n + 1);
	res->qtype = type;
	res->status = status;
	res->rcode = -1;
	return res;
}

struct dns_result *
dns_result_fail(const char *name, enum dns_type type, enum dns_status status, const char *why)
{
	struct dns_result *res = dns_result_new(name, type, status);

	dns_result_set_why(res, why);
	return res;
}

static void
rr_release(struct dns_rr *rr)
{
	switch (rr->type) {
	case DNS_T_MX: free(rr->u.mx.host); break;
	case DNS_T_PTR:
	case DNS_T_CNAME:
	case DNS_T_NS: free(rr->u.name); break;
	case DNS_T_TXT: free(rr->u.txt.data); break;
	default: break;
	}
}

void
dns_result_free(struct dns_result *res)
{
	if (res == NULL)
		return;
	for (size_t i = 0; i < res->nrr; i++)
		rr_release(&res->rr[i]);
	free(res->rr);
	free(res->canon);
	free(res->why);
	free(res);
}

void
dns_result_set_why(struct dns_result *res, const char *why)
{
	free(res->why);
	res->why = why ? xstrdup(why) : NULL;
}

static struct dns_rr *
rr_push(struct dns_result *res, enum dns_type type)
{
	struct dns_rr *rr;

	/* Grow in powers of two: answers are small, realloc is cheap. */
	if ((res->nrr & (res->nrr - 1)) == 0) {
		size_t cap = res->nrr ? res->nrr * 2 : 1;
		res->rr = xrealloc(res->rr, cap * sizeof(*res->rr));
	}
	rr = &res->rr[res->nrr++];
	memset(rr, 0, sizeof(*rr));
	rr->type = type;
	return rr;
}

void
dns_result_add_a(struct dns_result *res, const struct in_addr *a)
{
	rr_push(res, DNS_T_A)->u.a = *a;
}

void
dns_result_add_aaaa(struct dns_result *res, const struct in6_addr *a)
{
	rr_push(res, DNS_T_AAAA)->u.aaaa = *a;
}

void
dns_result_add_mx(struct dns_result *res, unsigned pref, const char *host)
{
	struct dns_rr *rr = rr_push(res, DNS_T_MX);

	rr->u.mx.pref = pref;
	rr->u.mx.host = xstrdup(host);
}

void
dns_result_add_name(struct dns_result *res, enum dns_type type, const char *name)
{
	rr_push(res, type)->u.name = xstrdup(name);
}

void
dns_result_add_txt(struct dns_result *res, const void *data, size_t len, unsigned nstrings)
{
	struct dns_rr *rr = rr_push(res, DNS_T_TXT);

	rr->u.txt.data = xmemdup(data, len);
	rr->u.txt.len = len;
	rr->u.txt.nstrings = nstrings;
}

void
dns_result_settle(struct dns_result *res)
{
	if (res->nrr > 0)
		res->status = DNS_ANSWER;
}

struct dns_result *
dns_result_copy(const struct dns_result *src)
{
	return dns_result_copy_as(src, src->qname);
}

struct dns_result *
dns_result_copy_as(const struct dns_result *src, const char *qname)
{
	struct dns_result *res = dns_result_new(qname, src->qtype, src->status);

	res->sec = src->sec;
	res->rcode = src->rcode;
	res->ttl = src->ttl;
	res->canon = src->canon ? xstrdup(src->canon) : NULL;
	res->why = src->why ? xstrdup(src->why) : NULL;
	for (size_t i = 0; i < src->nrr; i++) {
		const struct dns_rr *rr = &src->rr[i];
		switch (rr->type) {
		case DNS_T_A: dns_result_add_a(res, &rr->u.a); break;
		case DNS_T_AAAA: dns_result_add_aaaa(res, &rr->u.aaaa); break;
		case DNS_T_MX: dns_result_add_mx(res, rr->u.mx.pref, rr->u.mx.host); break;
		case DNS_T_TXT:
			dns_result_add_txt(res, rr->u.txt.data, rr->u.txt.len, rr->u.txt.nstrings);
			break;
		case DNS_T_PTR:
		case DNS_T_CNAME:
		case DNS_T_NS: dns_result_add_name(res, rr->type, rr->u.name); break;
		}
	}
	return res;
}

/* Cap on what one description prints of the records. */
#define DESCRIBE_MAX 600

void
dns_result_describe(const struct dns_result *res, struct strbuf *out)
{
	char buf[INET6_ADDRSTRLEN];
	char esc[LOG_ESC_MAX];
	size_t start = out->len;

	strbuf_puts(out, dns_status_name(res->status));
	if (res->status != DNS_ANSWER) {
		if (res->why)
			strbuf_printf(
			    out, " (%s)", log_escape(esc, sizeof(esc), res->why, strlen(res->why)));
		if (res->sec != DNS_SEC_INSECURE)
			strbuf_printf(out, " %s", dns_sec_name(res->sec));
		return;
	}
	strbuf_printf(out, " %zu", res->nrr);
	if (res->sec != DNS_SEC_INSECURE)
		strbuf_printf(out, " %s", dns_sec_name(res->sec));
	strbuf_puts(out, ":");
	for (size_t i = 0; i < res->nrr; i++) {
		const struct dns_rr *rr = &res->rr[i];
		if (out->len - start > DESCRIBE_MAX) {
			strbuf_puts(out, " ...");
			break;
		}
		switch (rr->type) {
		case DNS_T_A:
			inet_ntop(AF_INET, &rr->u.a, buf, sizeof(buf));
			strbuf_printf(out, " %s", buf);
			break;
		case DNS_T_AAAA:
			inet_ntop(AF_INET6, &rr->u.aaaa, buf, sizeof(buf));
			strbuf_printf(out, " %s", buf);
			break;
		case DNS_T_MX:
			strbuf_printf(out, " %u %s", rr->u.mx.pref,
			    log_escape(esc, sizeof(esc), rr->u.mx.host, strlen(rr->u.mx.host)));
			break;
		case DNS_T_TXT:
			strbuf_printf(out, " %s",
			    log_escape(esc, sizeof(esc), rr->u.txt.data, rr->u.txt.len));
			break;
		default:
			strbuf_printf(out, " %s",
			    log_escape(esc, sizeof(esc), rr->u.name, strlen(rr->u.name)));
			break;
		}
	}
}
