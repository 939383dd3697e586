/*
 * test_dns_wire: the DNS wire format (src/lib/dns/dns_wire.c): names in
 * text and wire form, compression on write, decompression with bounds and
 * loop checks on read, headers, questions, RRs, TXT and rollback.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dns/dns_wire.h"

static void
roundtrip(const char *in, const char *want, int wanterr)
{
	struct dns_wire_name n;
	char out[DNS_WIRE_TEXT_MAX];
	int e = dns_wire_name_from_text(in, &n);

	assert_int_equal(e, wanterr);
	if (e != DNS_WIRE_OK)
		return;
	assert_int_equal(dns_wire_name_to_text(&n, out, sizeof(out)), DNS_WIRE_OK);
	assert_string_equal(out, want);
}

static void
test_name_text(void **state)
{
	static const struct { const char *in, *want; int err; } cases[] = {
		{ "example.com", "example.com.", DNS_WIRE_OK },
		{ "Example.COM.", "Example.COM.", DNS_WIRE_OK },
		{ ".", ".", DNS_WIRE_OK },
		{ "a\\.b.c", "a\\.b.c.", DNS_WIRE_OK },
		{ "a\\032b.c", "a\\032b.c.", DNS_WIRE_OK },
		{ "a\\256.c", NULL, DNS_WIRE_ETEXT },
		{ "a..b", NULL, DNS_WIRE_ETEXT },
		{ ".a", NULL, DNS_WIRE_ETEXT },
		{ "", NULL, DNS_WIRE_ETEXT },
		{ "a\\", NULL, DNS_WIRE_ETEXT },
		{ "a\\1.b", NULL, DNS_WIRE_ETEXT },
		/* 64-octet label */
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.b", NULL, DNS_WIRE_ETEXT },
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.b",
		  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.b.", DNS_WIRE_OK },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		roundtrip(cases[i].in, cases[i].want, cases[i].err);
}

static void
test_name_length_limit(void **state)
{
	char text[600];
	struct dns_wire_name n;
	size_t o = 0;

	(void)state;
	/* 127 labels "a." = 254 octets of text, 255 wire octets: fits */
	for (int i = 0; i < 127; i++) {
		text[o++] = 'a';
		text[o++] = '.';
	}
	text[o] = '\0';
	assert_int_equal(dns_wire_name_from_text(text, &n), DNS_WIRE_OK);
	assert_int_equal(n.len, 255);
	text[o++] = 'b';
	text[o] = '\0';
	assert_int_equal(dns_wire_name_from_text(text, &n), DNS_WIRE_ETEXT);
}

static void
test_name_ops(void **state)
{
	struct dns_wire_name a, b, zone;

	(void)state;
	dns_wire_name_from_text("Mail.Example.NET", &a);
	dns_wire_name_from_text("mail.example.net", &b);
	dns_wire_name_from_text("example.net", &zone);
	assert_true(dns_wire_name_eq(&a, &b));
	assert_true(dns_wire_name_is_under(&a, &zone));
	assert_true(dns_wire_name_is_under(&zone, &zone));
	assert_false(dns_wire_name_is_under(&zone, &a));
	dns_wire_name_from_text("xexample.net", &b);
	assert_false(dns_wire_name_is_under(&b, &zone));
	assert_int_equal(dns_wire_name_labels(&a), 3);
	assert_int_equal(dns_wire_name_parent(&a), 0);
	assert_true(dns_wire_name_eq(&a, &zone));
	assert_int_equal(dns_wire_name_prepend(&a, "ip", 2), DNS_WIRE_OK);
	dns_wire_name_from_text("ip.example.net", &b);
	assert_true(dns_wire_name_eq(&a, &b));
	dns_wire_name_lower(&a);

	/* RFC 4034 6.1 example order */
	static const char *order[] = { "example", "a.example", "yljkjljk.a.example",
		"Z.a.example", "zABC.a.EXAMPLE", "z.example", "\\001.z.example",
		"*.z.example", "\\200.z.example" };
	for (size_t i = 0; i + 1 < sizeof(order) / sizeof(order[0]); i++) {
		dns_wire_name_from_text(order[i], &a);
		dns_wire_name_from_text(order[i + 1], &b);
		assert_true(dns_wire_name_cmp(&a, &b) < 0);
		assert_true(dns_wire_name_cmp(&b, &a) > 0);
	}
	dns_wire_name_from_text("A.Example", &a);
	dns_wire_name_from_text("a.example", &b);
	assert_int_equal(dns_wire_name_cmp(&a, &b), 0);
}

static void
test_decompress_checks(void **state)
{
	struct dns_wire_name n;
	size_t end;
	/* 12-octet header, then names */
	uint8_t good[] = { 0,0,0,0,0,0,0,0,0,0,0,0,
		3,'c','o','m',0,		/* @12 com. */
		7,'e','x','a','m','p','l','e',0xc0,12,	/* @17 example.com. */
		3,'w','w','w',0xc0,17 };	/* @27 www.example.com. */
	uint8_t self[] = { 0,0,0,0,0,0,0,0,0,0,0,0, 0xc0,12 };
	uint8_t fwd[] = { 0,0,0,0,0,0,0,0,0,0,0,0, 0xc0,14, 0 };
	uint8_t loop2[] = { 0,0,0,0,0,0,0,0,0,0,0,0, 1,'a',0xc0,16, 1,'b',0xc0,12 };
	uint8_t shortlabel[] = { 5,'a','b' };
	uint8_t badtype[] = { 0x40, 0 };
	uint8_t shortptr[] = { 0xc0 };
	char text[DNS_WIRE_TEXT_MAX];

	(void)state;
	assert_int_equal(dns_wire_name_at(good, sizeof(good), 27, &n, &end), DNS_WIRE_OK);
	assert_int_equal(end, sizeof(good));
	dns_wire_name_to_text(&n, text, sizeof(text));
	assert_string_equal(text, "www.example.com.");
	assert_int_equal(dns_wire_name_at(self, sizeof(self), 12, &n, &end), DNS_WIRE_ELOOP);
	assert_int_equal(dns_wire_name_at(fwd, sizeof(fwd), 12, &n, &end), DNS_WIRE_ELOOP);
	assert_int_equal(dns_wire_name_at(loop2, sizeof(loop2), 16, &n, &end), DNS_WIRE_ELOOP);
	assert_int_equal(dns_wire_name_at(shortlabel, sizeof(shortlabel), 0, &n, &end), DNS_WIRE_ESHORT);
	assert_int_equal(dns_wire_name_at(badtype, sizeof(badtype), 0, &n, &end), DNS_WIRE_EFORMAT);
	assert_int_equal(dns_wire_name_at(shortptr, sizeof(shortptr), 0, &n, &end), DNS_WIRE_ESHORT);
	assert_int_equal(dns_wire_name_at(good, 12, 12, &n, &end), DNS_WIRE_ESHORT);
}

static void
test_decompress_too_long(void **state)
{
	/* a chain of pointers each adding a 63-octet label: > 255 octets */
	uint8_t msg[12 + 5 * 66 + 1];
	size_t o = 12, prev = 0;
	struct dns_wire_name n;
	size_t end;

	(void)state;
	memset(msg, 0, sizeof(msg));
	msg[o] = 0;	/* root at 12 */
	prev = o++;
	for (int i = 0; i < 5; i++) {
		size_t start = o;
		msg[o++] = 63;
		memset(msg + o, 'x', 63);
		o += 63;
		msg[o++] = (uint8_t)(0xc0 | (prev >> 8));
		msg[o++] = (uint8_t)prev;
		prev = start;
	}
	assert_int_equal(dns_wire_name_at(msg, o, prev, &n, &end), DNS_WIRE_EFORMAT);
}

static void
test_write_read_message(void **state)
{
	uint8_t buf[512];
	struct dns_wire_writer w;
	struct dns_wire_header h = { 0x1234, DNS_FLAG_QR | DNS_FLAG_AA, 1, 3, 0, 0 }, h2;
	struct dns_wire_name q, ns;
	struct dns_wire_reader r;
	struct dns_wire_question qq;
	struct dns_wire_rr rr;
	size_t at;
	uint8_t a[4] = { 127, 0, 0, 2 };
	char text[DNS_WIRE_TEXT_MAX];

	(void)state;
	dns_wire_name_from_text("mx.example.com.reg.example.net", &q);
	dns_wire_name_from_text("ns1.example.net", &ns);
	dns_wire_writer_init(&w, buf, sizeof(buf));
	assert_int_equal(dns_wire_put_header(&w, &h), DNS_WIRE_OK);
	assert_int_equal(dns_wire_put_question(&w, &q, DNS_TYPE_A, DNS_CLASS_IN), DNS_WIRE_OK);
	size_t after_q = w.len;
	assert_int_equal(dns_wire_put_rr(&w, &q, DNS_TYPE_A, DNS_CLASS_IN, 300, a, 4), DNS_WIRE_OK);
	/* the owner is a pointer back to the question: 2 + 10 + 4 */
	assert_int_equal(w.len - after_q, 16);
	assert_int_equal(dns_wire_rr_begin(&w, &q, DNS_TYPE_NS, DNS_CLASS_IN, 300, &at), DNS_WIRE_OK);
	assert_int_equal(dns_wire_put_name(&w, &ns, 1), DNS_WIRE_OK);
	assert_int_equal(dns_wire_rr_end(&w, at), DNS_WIRE_OK);
	assert_int_equal(dns_wire_rr_begin(&w, &q, DNS_TYPE_TXT, DNS_CLASS_IN, 300, &at), DNS_WIRE_OK);
	assert_int_equal(dns_wire_put_txt(&w, "v=vouch1; class=isp", 19), DNS_WIRE_OK);
	assert_int_equal(dns_wire_rr_end(&w, at), DNS_WIRE_OK);

	dns_wire_reader_init(&r, buf, w.len);
	assert_int_equal(dns_wire_read_header(&r, &h2), DNS_WIRE_OK);
	assert_int_equal(h2.id, 0x1234);
	assert_int_equal(h2.flags, DNS_FLAG_QR | DNS_FLAG_AA);
	assert_int_equal(h2.ancount, 3);
	assert_int_equal(dns_wire_read_question(&r, &qq), DNS_WIRE_OK);
	assert_true(dns_wire_name_eq(&qq.name, &q));
	assert_int_equal(qq.qtype, DNS_TYPE_A);
	assert_int_equal(dns_wire_read_rr(&r, &rr), DNS_WIRE_OK);
	assert_int_equal(rr.type, DNS_TYPE_A);
	assert_int_equal(rr.ttl, 300);
	assert_int_equal(rr.rdlength, 4);
	assert_memory_equal(buf + rr.rdoff, a, 4);
	assert_int_equal(dns_wire_read_rr(&r, &rr), DNS_WIRE_OK);
	assert_int_equal(rr.type, DNS_TYPE_NS);
	{
		struct dns_wire_name got;
		size_t end;
		assert_int_equal(dns_wire_name_at(buf, w.len, rr.rdoff, &got, &end), DNS_WIRE_OK);
		dns_wire_name_to_text(&got, text, sizeof(text));
		assert_string_equal(text, "ns1.example.net.");
		/* "ns1" then a pointer to example.net inside the question */
		assert_int_equal(rr.rdlength, 6);
	}
	assert_int_equal(dns_wire_read_rr(&r, &rr), DNS_WIRE_OK);
	assert_int_equal(rr.type, DNS_TYPE_TXT);
	assert_int_equal(buf[rr.rdoff], 19);
	assert_memory_equal(buf + rr.rdoff + 1, "v=vouch1; class=isp", 19);
	assert_int_equal(r.off, w.len);
	assert_int_equal(dns_wire_read_rr(&r, &rr), DNS_WIRE_ESHORT);
}

static void
test_write_limits(void **state)
{
	uint8_t buf[40];
	struct dns_wire_writer w;
	struct dns_wire_header h = { 1, 0, 1, 0, 0, 0 };
	struct dns_wire_name q;
	uint8_t a[4] = { 1, 2, 3, 4 };
	char big[600];

	(void)state;
	dns_wire_name_from_text("host.example.com", &q);
	dns_wire_writer_init(&w, buf, sizeof(buf));
	dns_wire_put_header(&w, &h);
	assert_int_equal(dns_wire_put_question(&w, &q, 1, 1), DNS_WIRE_OK);
	size_t before = w.len;
	/* 2 (pointer) + 10 + 4 = 16 > 40 - 34 */
	assert_int_equal(dns_wire_put_rr(&w, &q, 1, 1, 60, a, 4), DNS_WIRE_ESPACE);
	assert_int_equal(w.len, before);

	/* TXT longer than 255 octets becomes several character-strings */
	uint8_t big_buf[1024];
	memset(big, 'x', sizeof(big));
	dns_wire_writer_init(&w, big_buf, sizeof(big_buf));
	assert_int_equal(dns_wire_put_txt(&w, big, 600), DNS_WIRE_OK);
	assert_int_equal(w.len, 603);
	assert_int_equal(big_buf[0], 255);
	assert_int_equal(big_buf[256], 255);
	assert_int_equal(big_buf[512], 90);
}

static void
test_header_short(void **state)
{
	uint8_t m[11] = { 0 };
	struct dns_wire_reader r;
	struct dns_wire_header h;
	struct dns_wire_question q;

	(void)state;
	dns_wire_reader_init(&r, m, sizeof(m));
	assert_int_equal(dns_wire_read_header(&r, &h), DNS_WIRE_ESHORT);
	uint8_t m2[] = { 0,0,0,0,0,1,0,0,0,0,0,0, 0, 0, 1 };
	dns_wire_reader_init(&r, m2, sizeof(m2));
	assert_int_equal(dns_wire_read_header(&r, &h), DNS_WIRE_OK);
	assert_int_equal(dns_wire_read_question(&r, &q), DNS_WIRE_ESHORT);
	assert_string_equal(dns_wire_strerror(DNS_WIRE_ELOOP), "bad compression pointer");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_text),
		cmocka_unit_test(test_name_length_limit),
		cmocka_unit_test(test_name_ops),
		cmocka_unit_test(test_decompress_checks),
		cmocka_unit_test(test_decompress_too_long),
		cmocka_unit_test(test_write_read_message),
		cmocka_unit_test(test_write_limits),
		cmocka_unit_test(test_header_short),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
