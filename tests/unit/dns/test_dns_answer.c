/*
 * test_dns_answer: decoding answers into struct dns_result
 * (src/lib/dns/dns_answer.c): each record type from its RDATA, names
 * compressed against a message, TXT of zero character-strings, and whole
 * messages with CNAME chains, case differences, NXDOMAIN, loops and
 * truncation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dns/dns_answer.h"
#include "dns/dns_result.h"
#include "dns/dns_wire.h"

static void
test_rdata_types(void **state)
{
	static const uint8_t a[] = { 192, 0, 2, 1 };
	static const uint8_t mx[] = { 0, 10, 4, 'm', 'a', 'i', 'l', 2, 'E', 'x', 0 };
	static const uint8_t nullmx[] = { 0, 0, 0 };
	static const uint8_t ptr[] = { 3, 'F', 'o', 'o', 3, 'c', 'o', 'm', 0 };
	static const uint8_t dotted[] = { 3, 'a', '.', 'b', 3, 'c', 'o', 'm', 0 };
	static const uint8_t txt[] = { 3, 'v', '=', 's', 2, 'p', 'f', 0 };
	static const uint8_t overrun[] = { 5, 'a', 'b' };
	struct dns_result *res = dns_result_new("x.example", DNS_T_TXT, DNS_NODATA);

	(void)state;
	assert_int_equal(dns_answer_add_rdata(res, DNS_T_A, a, 4, 0, 4), 0);
	assert_int_equal(dns_answer_add_rdata(res, DNS_T_A, a, 4, 0, 3), -1);
	assert_int_equal(dns_answer_add_rdata(res, DNS_T_AAAA, a, 4, 0, 4), -1);
	assert_int_equal(dns_answer_add_rdata(res, DNS_T_MX, mx, sizeof(mx), 0, sizeof(mx)), 0);
	assert_int_equal(
	    dns_answer_add_rdata(res, DNS_T_MX, nullmx, sizeof(nullmx), 0, sizeof(nullmx)), 0);
	assert_int_equal(dns_answer_add_rdata(res, DNS_T_PTR, ptr, sizeof(ptr), 0, sizeof(ptr)), 0);
	/* a label holding '.' cannot be written as dotted text */
	assert_int_equal(
	    dns_answer_add_rdata(res, DNS_T_PTR, dotted, sizeof(dotted), 0, sizeof(dotted)), -1);
	/* a name that does not end where the RDATA does */
	assert_int_equal(
	    dns_answer_add_rdata(res, DNS_T_PTR, ptr, sizeof(ptr), 0, sizeof(ptr) - 1), -1);
	assert_int_equal(dns_answer_add_rdata(res, DNS_T_TXT, txt, sizeof(txt), 0, sizeof(txt)), 0);
	/* RDATA of length 0: a TXT record of no character-strings */
	assert_int_equal(dns_answer_add_rdata(res, DNS_T_TXT, txt, sizeof(txt), 0, 0), 0);
	assert_int_equal(
	    dns_answer_add_rdata(res, DNS_T_TXT, overrun, sizeof(overrun), 0, sizeof(overrun)), -1);
	/* RDATA beyond the buffer */
	assert_int_equal(dns_answer_add_rdata(res, DNS_T_A, a, 4, 2, 4), -1);

	assert_int_equal(res->nrr, 6);
	assert_int_equal(res->rr[0].type, DNS_T_A);
	assert_int_equal(res->rr[1].u.mx.pref, 10);
	assert_string_equal(res->rr[1].u.mx.host, "mail.Ex");
	assert_string_equal(res->rr[2].u.mx.host, "");
	assert_string_equal(res->rr[3].u.name, "Foo.com");
	assert_int_equal(res->rr[4].u.txt.len, 5);
	assert_int_equal(res->rr[4].u.txt.nstrings, 3);
	assert_memory_equal(res->rr[4].u.txt.data, "v=spf", 5);
	assert_int_equal(res->rr[5].u.txt.len, 0);
	assert_int_equal(res->rr[5].u.txt.nstrings, 0);
	dns_result_free(res);
}

/* A response message: question, then the answers given. */
struct rr_spec {
	const char *owner;
	uint16_t type;
	const uint8_t *rdata; /* NULL: only the name */
	size_t rdlen;
	const char *name;
};

static size_t
build(uint8_t *buf, size_t cap, int rcode, const char *qname, uint16_t qtype,
    const struct rr_spec *rrs, size_t n)
{
	struct dns_wire_writer w;
	struct dns_wire_header h = { 0x1234, (uint16_t)(DNS_FLAG_QR | DNS_FLAG_RD | rcode), 1,
		(uint16_t)n, 0, 0 };
	struct dns_wire_name qn, on, tn;

	dns_wire_writer_init(&w, buf, cap);
	assert_int_equal(dns_wire_put_header(&w, &h), DNS_WIRE_OK);
	assert_int_equal(dns_wire_name_from_text(qname, &qn), DNS_WIRE_OK);
	assert_int_equal(dns_wire_put_question(&w, &qn, qtype, DNS_CLASS_IN), DNS_WIRE_OK);
	for (size_t i = 0; i < n; i++) {
		size_t at;
		assert_int_equal(dns_wire_name_from_text(rrs[i].owner, &on), DNS_WIRE_OK);
		assert_int_equal(
		    dns_wire_rr_begin(&w, &on, rrs[i].type, DNS_CLASS_IN, 300 - (uint32_t)i, &at),
		    DNS_WIRE_OK);
		if (rrs[i].rdata)
			assert_int_equal(
			    dns_wire_put_bytes(&w, rrs[i].rdata, rrs[i].rdlen), DNS_WIRE_OK);
		if (rrs[i].name) {
			assert_int_equal(dns_wire_name_from_text(rrs[i].name, &tn), DNS_WIRE_OK);
			/* MX hosts compressed, other names as written */
			assert_int_equal(
			    dns_wire_put_name(&w, &tn, rrs[i].type == DNS_TYPE_MX), DNS_WIRE_OK);
		}
		assert_int_equal(dns_wire_rr_end(&w, at), DNS_WIRE_OK);
	}
	return w.len;
}

static void
test_message_chain(void **state)
{
	static const uint8_t txt1[] = { 5, 'v', '=', 's', 'p', 'f' };
	static const uint8_t pref[] = { 0, 5 };
	/* owners in other cases than asked; a record of another name between */
	const struct rr_spec rrs[] = {
		{ "NULL.example.com", DNS_TYPE_CNAME, NULL, 0, "Target.Example.com" },
		{ "other.example.com", DNS_TYPE_TXT, txt1, sizeof(txt1), NULL },
		{ "target.example.COM", DNS_TYPE_TXT, txt1, 0, NULL },
		{ "target.example.com", DNS_TYPE_TXT, txt1, sizeof(txt1), NULL },
		{ "target.example.com", DNS_TYPE_MX, pref, sizeof(pref), "mx.example.com" },
	};
	uint8_t msg[512];
	size_t len = build(msg, sizeof(msg), 0, "null.example.com", DNS_TYPE_TXT, rrs, 5);
	struct dns_result *res = dns_result_new("null.example.com", DNS_T_TXT, DNS_NODATA);

	(void)state;
	assert_int_equal(dns_answer_from_message(res, msg, len), 2);
	assert_int_equal(res->rcode, 0);
	assert_string_equal(res->canon, "Target.Example.com");
	assert_int_equal(res->nrr, 2);
	assert_int_equal(res->rr[0].u.txt.len, 0);
	assert_int_equal(res->rr[1].u.txt.len, 5);
	assert_int_equal(res->ttl, 297);
	dns_result_free(res);

	/* asking for the CNAME itself follows nothing */
	res = dns_result_new("null.example.com", DNS_T_CNAME, DNS_NODATA);
	assert_int_equal(dns_answer_from_message(res, msg, len), 1);
	assert_null(res->canon);
	assert_string_equal(res->rr[0].u.name, "Target.Example.com");
	dns_result_free(res);

	/* the MX's host name is compressed against the message */
	res = dns_result_new("NULL.EXAMPLE.COM", DNS_T_MX, DNS_NODATA);
	assert_int_equal(dns_answer_from_message(res, msg, len), 1);
	assert_string_equal(res->rr[0].u.mx.host, "mx.example.com");
	dns_result_free(res);

	/* nothing of the type at the end of the chain: NODATA for the caller */
	res = dns_result_new("null.example.com", DNS_T_A, DNS_NODATA);
	assert_int_equal(dns_answer_from_message(res, msg, len), 0);
	assert_int_equal(res->nrr, 0);
	dns_result_free(res);

	/* cut short anywhere: unreadable */
	for (size_t cut = 0; cut < len; cut += 7) {
		res = dns_result_new("null.example.com", DNS_T_TXT, DNS_NODATA);
		assert_int_equal(dns_answer_from_message(res, msg, cut), -1);
		dns_result_free(res);
	}
}

static void
test_message_rcode_and_loop(void **state)
{
	const struct rr_spec loop[] = {
		{ "a.example.com", DNS_TYPE_CNAME, NULL, 0, "b.example.com" },
		{ "b.example.com", DNS_TYPE_CNAME, NULL, 0, "a.example.com" },
	};
	const struct rr_spec dangling[] = {
		{ "a.example.com", DNS_TYPE_CNAME, NULL, 0, "gone.example.com" },
	};
	uint8_t msg[512];
	size_t len;
	struct dns_result *res;

	(void)state;
	len = build(msg, sizeof(msg), DNS_RCODE_SERVFAIL, "a.example.com", DNS_TYPE_A, loop, 2);
	res = dns_result_new("a.example.com", DNS_T_A, DNS_NODATA);
	assert_int_equal(dns_answer_from_message(res, msg, len), -1);
	assert_int_equal(res->rcode, DNS_RCODE_SERVFAIL);
	dns_result_free(res);

	len = build(msg, sizeof(msg), DNS_RCODE_NXDOMAIN, "a.example.com", DNS_TYPE_A, dangling, 1);
	res = dns_result_new("a.example.com", DNS_T_A, DNS_NODATA);
	assert_int_equal(dns_answer_from_message(res, msg, len), 0);
	assert_int_equal(res->rcode, DNS_RCODE_NXDOMAIN);
	assert_string_equal(res->canon, "gone.example.com");
	dns_result_free(res);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rdata_types),
		cmocka_unit_test(test_message_chain),
		cmocka_unit_test(test_message_rcode_and_loop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
