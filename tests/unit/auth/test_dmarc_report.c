/*
 * Unit tests for DMARC aggregate reports (dmarc_report.c,
 * dmarc_report_xml.c, dmarc_rua.c): rows collected in the store and
 * counted, reports of finished periods only, the XML against RFC 7489
 * appendix C's schema (xmllint), gzip that decompresses to it, the MIME
 * message with its Subject and file name, the limits (rows, domains,
 * rate), and the destinations with the external check of 7.1 over the
 * in-memory DNS.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <event2/event.h>
#include <openssl/evp.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "auth/dmarc_check.h"
#include "auth/dmarc_eval.h"
#include "auth/dmarc_record.h"
#include "auth/dmarc_report.h"
#include "auth/dmarc_rua.h"
#include "auth/orgdomain.h"
#include "dns/dns.h"
#include "dns/dns_mem.h"
#include "store/store.h"

extern char **environ;

#define DAY 86400LL
/* 2100-01-01 00:00:00 UTC, a period start: the store expires records by
 * the wall clock, so the test's time must lie ahead of it */
#define T0 (47482 * DAY)

static struct orgdomain *od;

static int
setup(void **state)
{
	char err[200];

	od = orgdomain_open(NULL, err, sizeof(err));
	return od ? 0 : -1;
}

static int
teardown(void **state)
{
	orgdomain_free(od);
	return 0;
}

static void
config(struct dmarc_report_config *cfg)
{
	dmarc_report_config_default(cfg);
	cfg->org_name = "Vouch & Co <test>";
	cfg->email = "dmarc-reports@mx.vouch.example";
	cfg->submitter = "mx.vouch.example";
	cfg->extra_contact = "https://vouch.example/dmarc";
}

/* A discovery that found txt at domain. */
static void
found(struct dmarc_discovery *d, const char *domain, const char *txt)
{
	char err[200];

	memset(d, 0, sizeof(*d));
	d->status = DMARC_DISC_FOUND;
	snprintf(d->from_domain, sizeof(d->from_domain), "%s", domain);
	snprintf(d->policy_domain, sizeof(d->policy_domain), "%s", domain);
	snprintf(d->org_domain, sizeof(d->org_domain), "%s", domain);
	assert_int_equal(dmarc_record_parse(txt, strlen(txt), &d->rec, err, sizeof(err)), 0);
}

/* Evaluate one message and add it to the reports. */
static int
add(struct store *st, const struct dmarc_report_config *cfg, const struct dmarc_discovery *d,
    const char *from, enum spf_result spf, const char *spf_domain, const char *dkim_domain,
    enum dmarc_dkim_result dkim, unsigned sample, const char *ip, int64_t now)
{
	struct dmarc_dkim sig = { .result = dkim };
	struct dmarc_input in = {
		.from_domain = from,
		.spf = spf,
		.spf_domain = spf_domain,
		.dkim = &sig,
		.ndkim = dkim_domain ? 1 : 0,
	};
	struct dmarc_outcome out;

	if (dkim_domain) {
		snprintf(sig.domain, sizeof(sig.domain), "%s", dkim_domain);
		snprintf(sig.selector, sizeof(sig.selector), "sel1");
	}
	dmarc_eval(&in, d, od, sample, &out);
	return dmarc_report_add(st, cfg, d, &in, &out, ip, "vouch.example", now);
}

static char *
inflate_all(const void *gz, size_t len, size_t *outlen)
{
	z_stream z;
	size_t cap = 1 << 20;
	char *out = malloc(cap);

	memset(&z, 0, sizeof(z));
	assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK); /* gzip only */
	z.next_in = (unsigned char *)(uintptr_t)gz;
	z.avail_in = (uInt)len;
	z.next_out = (unsigned char *)out;
	z.avail_out = (uInt)cap - 1;
	assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
	*outlen = z.total_out;
	out[*outlen] = '\0';
	inflateEnd(&z);
	return out;
}

/* xmllint --noout --schema <appendix C> file: 0 when it validates. */
static int
xmllint(const char *xml, size_t len)
{
	char path[] = "/tmp/vouch-dmarc-report-XXXXXX", xsd[1024];
	const char *src = getenv("VOUCH_SOURCE");
	int fd = mkstemp(path), status = -1;
	pid_t pid;

	snprintf(xsd, sizeof(xsd), "%s/tests/unit/auth/dmarc_rfc7489.xsd", src ? src : ".");
	assert_true(fd >= 0);
	assert_int_equal(write(fd, xml, len), (ssize_t)len);
	close(fd);
	char *argv[] = { "xmllint", "--noout", "--schema", xsd, path, NULL };
	assert_int_equal(posix_spawnp(&pid, "xmllint", NULL, NULL, argv, environ), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	unlink(path);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void
test_collect_and_report(void **state)
{
	struct store *st = store_open_memory();
	struct dmarc_report_config cfg;
	struct dmarc_discovery d;
	struct dmarc_report *r[4];
	struct strbuf xml, gz, msg;

	config(&cfg);
	found(&d, "example.com",
	    "v=DMARC1; p=reject; sp=quarantine; pct=50; adkim=s; fo=1:d; "
	    "rua=mailto:agg@example.com!10m");
	/* two messages that say the same, one that passed by DKIM, one sampled out */
	assert_int_equal(add(st, &cfg, &d, "example.com", SPF_PASS, "example.com", NULL, 0, 0,
	                     "192.0.2.1", T0 + 10),
	    1);
	assert_int_equal(add(st, &cfg, &d, "example.com", SPF_PASS, "Example.COM", NULL, 0, 0,
	                     "192.0.2.1", T0 + 7200),
	    1);
	assert_int_equal(add(st, &cfg, &d, "example.com", SPF_FAIL, "bounce.example.net",
	                     "example.com", DMARC_DKIM_PASS, 0, "2001:db8::25", T0 + 20),
	    1);
	assert_int_equal(add(st, &cfg, &d, "example.com", SPF_SOFTFAIL, "evil.example",
	                     "evil.example", DMARC_DKIM_FAIL, 70, "::ffff:198.51.100.7", T0 + 30),
	    1);
	/* next period: another report */
	assert_int_equal(add(st, &cfg, &d, "example.com", SPF_PASS, "example.com", NULL, 0, 0,
	                     "192.0.2.1", T0 + DAY + 5),
	    1);

	/* nothing is due before its period ends */
	assert_int_equal(dmarc_report_due(st, &cfg, T0 + DAY - 1, r, 4), 0);
	assert_int_equal(dmarc_report_due(st, &cfg, T0 + DAY, r, 4), 1);
	assert_string_equal(r[0]->domain, "example.com");
	assert_int_equal(r[0]->begin, T0);
	assert_int_equal(r[0]->end, T0 + DAY);
	assert_int_equal(r[0]->nrows, 3);
	assert_int_equal(r[0]->policy.pct, 50);
	uint64_t total = 0;
	for (size_t i = 0; i < r[0]->nrows; i++)
		total += r[0]->rows[i].count;
	assert_int_equal(total, 4);

	strbuf_init(&xml, 1 << 20);
	assert_int_equal(dmarc_report_xml(r[0], &cfg, &xml), 0);
	/* the content, element by element */
	static const char *const want[] = {
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feedback>\n  <version>1.0</version>\n",
		"<org_name>Vouch &amp; Co &lt;test&gt;</org_name>",
		"<email>dmarc-reports@mx.vouch.example</email>",
		"<extra_contact_info>https://vouch.example/dmarc</extra_contact_info>",
		"<begin>4102444800</begin>\n      <end>4102531199</end>",
		"<domain>example.com</domain>\n    <adkim>s</adkim>\n    <aspf>r</aspf>\n    "
		"<p>reject</p>\n    <sp>quarantine</sp>\n    <pct>50</pct>\n    <fo>1:d</fo>",
		"<source_ip>192.0.2.1</source_ip>\n      <count>2</count>",
		"<disposition>none</disposition>\n        <dkim>fail</dkim>\n        <spf>pass</spf>",
		"<source_ip>2001:db8:0:0:0:0:0:25</source_ip>",
		"<dkim>pass</dkim>\n        <spf>fail</spf>",
		"<source_ip>198.51.100.7</source_ip>",
		"<disposition>quarantine</disposition>\n        <dkim>fail</dkim>\n        "
		"<spf>fail</spf>\n        <reason>\n          <type>sampled_out</type>",
		"<envelope_to>vouch.example</envelope_to>\n      "
		"<envelope_from>bounce.example.net</envelope_from>\n      "
		"<header_from>example.com</header_from>",
		"<dkim>\n        <domain>example.com</domain>\n        <selector>sel1</selector>\n"
		"        <result>pass</result>\n      </dkim>",
		"<spf>\n        <domain>evil.example</domain>\n        <scope>mfrom</scope>\n"
		"        <result>softfail</result>\n      </spf>",
		"</feedback>\n",
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (strstr(xml.s, want[i]) == NULL)
			fail_msg("the report lacks:\n%s\n---\n%s", want[i], xml.s);
	assert_int_equal(xmllint(xml.s, xml.len), 0);

	/* gzip that decompresses to the XML */
	strbuf_init(&gz, 1 << 20);
	assert_int_equal(dmarc_report_gzip(xml.s, xml.len, &gz), 0);
	assert_true(
	    gz.len > 18 && (unsigned char)gz.s[0] == 0x1f && (unsigned char)gz.s[1] == 0x8b);
	size_t plen;
	char *plain = inflate_all(gz.s, gz.len, &plen);
	assert_int_equal(plen, xml.len);
	assert_memory_equal(plain, xml.s, xml.len);
	free(plain);

	/* the message */
	const char *to[] = { "agg@example.com", "x@reports.example.net" };
	char fname[512];
	strbuf_init(&msg, 4 << 20);
	assert_int_equal(
	    dmarc_report_message(r[0], &cfg, to, 2, gz.s, gz.len, T0 + DAY + 60, &msg), 0);
	dmarc_report_filename(r[0], &cfg, fname, sizeof(fname));
	assert_int_equal(
	    strncmp(fname, "mx.vouch.example!example.com!4102444800!4102531199!", 51), 0);
	assert_non_null(strstr(fname, ".xml.gz"));
	static const char *const hdrs[] = {
		"From: <dmarc-reports@mx.vouch.example>\r\n",
		"To: <agg@example.com>,\r\n\t<x@reports.example.net>\r\n",
		("Subject: Report Domain: example.com\r\n\tSubmitter: mx.vouch.example\r\n"
		 "\tReport-ID: <"),
		"Date: Sat, 2 Jan 2100 00:01:00 +0000\r\n",
		"Auto-Submitted: auto-generated\r\n",
		"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"",
		"Content-Type: application/gzip\r\nContent-Transfer-Encoding: base64\r\n",
	};
	for (size_t i = 0; i < sizeof(hdrs) / sizeof(hdrs[0]); i++)
		if (strstr(msg.s, hdrs[i]) == NULL)
			fail_msg("the message lacks '%s':\n%s", hdrs[i], msg.s);
	char want_id[200];
	snprintf(want_id, sizeof(want_id), "Message-ID: <%s>\r\n", r[0]->id);
	assert_non_null(strstr(msg.s, want_id));
	char want_fn[600];
	snprintf(want_fn, sizeof(want_fn), "filename=\"%s\"\r\n\r\n", fname);
	const char *b64 = strstr(msg.s, want_fn);
	assert_non_null(b64);
	/* the attachment decodes (lines of 76) to the same gzip */
	b64 += strlen(want_fn);
	unsigned char *bin = malloc(gz.len + 64);
	size_t blen = 0;
	for (const char *line = b64; strncmp(line, "--", 2) != 0;) {
		const char *eol = strstr(line, "\r\n");
		assert_non_null(eol);
		assert_true(eol - line <= 76);
		int got =
		    EVP_DecodeBlock(bin + blen, (const unsigned char *)line, (int)(eol - line));
		assert_true(got >= 0);
		blen += (size_t)got;
		/* EVP_DecodeBlock counts the padding's zero octets */
		for (const char *p = eol - 1; p >= line && *p == '='; p--)
			blen--;
		line = eol + 2;
	}
	assert_int_equal(blen, gz.len);
	assert_memory_equal(bin, gz.s, gz.len);
	free(bin);
	/* every line of the message is short and CRLF-terminated */
	for (const char *p = msg.s; *p;) {
		const char *eol = strstr(p, "\r\n");
		assert_non_null(eol);
		assert_true(eol - p <= 998);
		assert_null(memchr(p, '\n', (size_t)(eol - p)));
		p = eol + 2;
	}

	/* the report id is stable: built again, it is the same */
	char id[sizeof(r[0]->id)];
	snprintf(id, sizeof(id), "%s", r[0]->id);
	dmarc_report_free(r[0]);
	assert_int_equal(dmarc_report_due(st, &cfg, T0 + DAY, r, 4), 1);
	assert_string_equal(r[0]->id, id);
	/* forgotten, it is gone; the next period's comes when it ends */
	dmarc_report_forget(st, r[0]);
	dmarc_report_free(r[0]);
	assert_int_equal(dmarc_report_due(st, &cfg, T0 + DAY, r, 4), 0);
	assert_int_equal(dmarc_report_due(st, &cfg, T0 + 2 * DAY, r, 4), 1);
	assert_int_equal(r[0]->nrows, 1);
	assert_int_equal(r[0]->begin, T0 + DAY);
	dmarc_report_forget(st, r[0]);
	dmarc_report_free(r[0]);

	strbuf_free(&xml);
	strbuf_free(&gz);
	strbuf_free(&msg);
	store_close(st);
}

static void
test_not_collected(void **state)
{
	struct store *st = store_open_memory();
	struct dmarc_report_config cfg;
	struct dmarc_discovery d;
	struct dmarc_report *r[2];

	config(&cfg);
	/* no rua=, or no mailto: in it: no report (6.3 rua: MUST NOT) */
	found(&d, "example.com", "v=DMARC1; p=reject");
	assert_int_equal(
	    add(st, &cfg, &d, "example.com", SPF_PASS, "example.com", NULL, 0, 0, "192.0.2.1", T0),
	    0);
	found(&d, "example.com", "v=DMARC1; p=reject; rua=https://example.com/dmarc");
	assert_int_equal(
	    add(st, &cfg, &d, "example.com", SPF_PASS, "example.com", NULL, 0, 0, "192.0.2.1", T0),
	    0);
	/* no record found */
	found(&d, "example.com", "v=DMARC1; p=reject; rua=mailto:a@example.com");
	d.status = DMARC_DISC_NONE;
	assert_int_equal(
	    add(st, &cfg, &d, "example.com", SPF_PASS, "example.com", NULL, 0, 0, "192.0.2.1", T0),
	    0);
	/* a source that is no address */
	d.status = DMARC_DISC_FOUND;
	assert_int_equal(
	    add(st, &cfg, &d, "example.com", SPF_PASS, "example.com", NULL, 0, 0, "not-an-ip", T0),
	    0);
	assert_int_equal(dmarc_report_due(st, &cfg, T0 + 2 * DAY, r, 2), 0);
	store_close(st);
}

static void
test_limits(void **state)
{
	struct store *st = store_open_memory();
	struct dmarc_report_config cfg;
	struct dmarc_discovery d, d2;
	struct dmarc_report *r[4];
	struct strbuf xml;

	config(&cfg);
	cfg.max_rows = 2;
	cfg.max_domains = 1;
	found(&d, "example.com", "v=DMARC1; p=none; rua=mailto:a@example.com");
	found(&d2, "example.org", "v=DMARC1; p=none; rua=mailto:a@example.org");
	assert_int_equal(
	    add(st, &cfg, &d, "example.com", SPF_PASS, "example.com", NULL, 0, 0, "192.0.2.1", T0),
	    1);
	assert_int_equal(
	    add(st, &cfg, &d, "example.com", SPF_PASS, "example.com", NULL, 0, 0, "192.0.2.2", T0),
	    1);
	/* a third distinct row is counted as left out; known rows still count */
	assert_int_equal(
	    add(st, &cfg, &d, "example.com", SPF_PASS, "example.com", NULL, 0, 0, "192.0.2.3", T0),
	    0);
	assert_int_equal(
	    add(st, &cfg, &d, "example.com", SPF_PASS, "example.com", NULL, 0, 0, "192.0.2.3", T0),
	    0);
	assert_int_equal(
	    add(st, &cfg, &d, "example.com", SPF_PASS, "example.com", NULL, 0, 0, "192.0.2.1", T0),
	    1);
	/* a second domain is over max_domains */
	assert_int_equal(
	    add(st, &cfg, &d2, "example.org", SPF_PASS, "example.org", NULL, 0, 0, "192.0.2.1", T0),
	    0);
	assert_int_equal(dmarc_report_due(st, &cfg, T0 + DAY, r, 4), 1);
	assert_int_equal(r[0]->nrows, 2);
	assert_int_equal(r[0]->left_out, 2);
	strbuf_init(&xml, 1 << 20);
	assert_int_equal(dmarc_report_xml(r[0], &cfg, &xml), 0);
	assert_non_null(strstr(xml.s, "<error>2 messages are not in this report"));
	assert_int_equal(xmllint(xml.s, xml.len), 0);
	/* a bounded output buffer is refused whole, never cut */
	struct strbuf small;
	strbuf_init(&small, 100);
	assert_int_equal(dmarc_report_xml(r[0], &cfg, &small), -1);
	assert_int_equal(small.len, 0);
	assert_int_equal(dmarc_report_gzip(xml.s, xml.len, &small), -1);
	assert_int_equal(small.len, 0);
	strbuf_free(&small);
	/* what a receiver's own policy or a trusted ARC chain did instead of
	 * the policy: appendix C's local_policy, with "arc=pass" for ARC
	 * (RFC 8617 7.2.2); the schema takes both */
	r[0]->rows[0].override = DMARC_OVERRIDE_ARC;
	r[0]->rows[1].override = DMARC_OVERRIDE_LOCAL_POLICY;
	r[0]->rows[1].disposition = DMARC_POLICY_QUARANTINE;
	strbuf_reset(&xml);
	assert_int_equal(dmarc_report_xml(r[0], &cfg, &xml), 0);
	assert_non_null(strstr(xml.s,
	    "<reason>\n          <type>local_policy</type>\n"
	    "          <comment>arc=pass</comment>\n        </reason>"));
	assert_non_null(strstr(xml.s,
	    "<disposition>quarantine</disposition>\n        <dkim>fail</dkim>\n        "
	    "<spf>pass</spf>\n        <reason>\n          <type>local_policy</type>\n"
	    "        </reason>"));
	assert_int_equal(xmllint(xml.s, xml.len), 0);
	strbuf_free(&xml);
	dmarc_report_free(r[0]);

	/* rates: per hour in all, per destination per 24 hours */
	cfg.per_hour = 3;
	cfg.per_dest_day = 2;
	int64_t h = T0 + 5 * 3600;
	assert_int_equal(dmarc_report_reserve(st, &cfg, "example.com", h), 1);
	assert_int_equal(dmarc_report_reserve(st, &cfg, "EXAMPLE.com", h), 1);
	assert_int_equal(dmarc_report_reserve(st, &cfg, "example.com", h), 0);
	assert_int_equal(dmarc_report_reserve(st, &cfg, "example.org", h), 1);
	assert_int_equal(dmarc_report_reserve(st, &cfg, "example.net", h), 0);
	/* the next hour the hourly limit is fresh; the day's is not */
	assert_int_equal(dmarc_report_reserve(st, &cfg, "example.com", h + 3600), 0);
	assert_int_equal(dmarc_report_reserve(st, &cfg, "example.net", h + 3600), 1);
	assert_int_equal(dmarc_report_reserve(st, &cfg, "example.com", h + 24 * 3600), 1);
	store_close(st);
}

static void
test_sqlite(void **state)
{
	char dir[] = "/tmp/vouch-dmarc-store-XXXXXX", path[256], err[200];
	struct dmarc_report_config cfg;
	struct dmarc_discovery d;
	struct dmarc_report *r[2];
	struct store *st;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/state.db", dir);
	config(&cfg);
	found(&d, "example.com", "v=DMARC1; p=quarantine; rua=mailto:a@example.com");
	st = store_open_sqlite(path, err, sizeof(err));
	assert_non_null(st);
	for (int i = 0; i < 5; i++)
		assert_int_equal(add(st, &cfg, &d, "example.com", SPF_PASS, "example.com", NULL, 0,
		                     0, "192.0.2.1", T0 + i * 3600),
		    1);
	store_close(st);
	/* the rows survive a restart */
	st = store_open_sqlite(path, err, sizeof(err));
	assert_int_equal(dmarc_report_due(st, &cfg, T0 + DAY, r, 2), 1);
	assert_int_equal(r[0]->nrows, 1);
	assert_int_equal(r[0]->rows[0].count, 5);
	assert_int_equal(r[0]->policy.p, DMARC_POLICY_QUARANTINE);
	dmarc_report_forget(st, r[0]);
	dmarc_report_free(r[0]);
	assert_int_equal(dmarc_report_due(st, &cfg, T0 + DAY, r, 2), 0);
	store_close(st);
	unlink(path);
	snprintf(path, sizeof(path), "%s/state.db-wal", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/state.db-shm", dir);
	unlink(path);
	rmdir(dir);
}

static void
test_rows(void **state)
{
	struct dmarc_report_row a = { 0 }, b;
	struct strbuf t;

	snprintf(a.source_ip, sizeof(a.source_ip), "192.0.2.1");
	a.disposition = DMARC_POLICY_REJECT;
	a.spf_pass = 1;
	a.override = DMARC_OVERRIDE_SAMPLED_OUT;
	snprintf(a.header_from, sizeof(a.header_from), "exämple.com");
	snprintf(a.spf_domain, sizeof(a.spf_domain), "helo.example.com");
	a.spf_helo = 1;
	a.spf = SPF_PERMERROR;
	a.ndkim = 2;
	snprintf(a.dkim[0].domain, sizeof(a.dkim[0].domain), "example.com");
	a.dkim[0].result = DMARC_DKIM_TEMPERROR;
	snprintf(a.dkim[1].domain, sizeof(a.dkim[1].domain), "x.example");
	snprintf(a.dkim[1].selector, sizeof(a.dkim[1].selector), "2024");
	a.dkim[1].result = DMARC_DKIM_POLICY;
	strbuf_init(&t, 4096);
	assert_int_equal(dmarc_report_row_format(&a, &t), 0);
	assert_int_equal(dmarc_report_row_parse(t.s, &b), 0);
	assert_memory_equal(&a, &b, sizeof(a));
	/* every override reads back as itself */
	static const enum dmarc_override ov[] = { DMARC_OVERRIDE_NONE, DMARC_OVERRIDE_SAMPLED_OUT,
		DMARC_OVERRIDE_ARC, DMARC_OVERRIDE_LOCAL_POLICY };
	for (size_t i = 0; i < sizeof(ov) / sizeof(ov[0]); i++) {
		a.override = ov[i];
		strbuf_reset(&t);
		assert_int_equal(dmarc_report_row_format(&a, &t), 0);
		assert_int_equal(dmarc_report_row_parse(t.s, &b), 0);
		assert_int_equal(b.override, ov[i]);
	}
	a.override = DMARC_OVERRIDE_SAMPLED_OUT;
	/* a field a row cannot carry */
	strbuf_reset(&t);
	snprintf(a.header_from, sizeof(a.header_from), "a\tb");
	assert_int_equal(dmarc_report_row_format(&a, &t), -1);
	/* rows without what parse requires are not written */
	snprintf(a.header_from, sizeof(a.header_from), "example.com");
	a.source_ip[0] = '\0';
	assert_int_equal(dmarc_report_row_format(&a, &t), -1);
	snprintf(a.source_ip, sizeof(a.source_ip), "192.0.2.1");
	a.dkim[1].domain[0] = '\0';
	assert_int_equal(dmarc_report_row_format(&a, &t), -1);
	strbuf_free(&t);
	static const char *const bad[] = {
		"",
		"r1",
		"r2\t192.0.2.1\tnone\tpass\tfail\t-\t-\t-\texample.com\t-\tmfrom\tnone\t0",
		"r1\t192.0.2.1\tmaybe\tpass\tfail\t-\t-\t-\texample.com\t-\tmfrom\tnone\t0",
		"r1\t192.0.2.1\tnone\tpass\tfail\t-\t-\t-\t-\t-\tmfrom\tnone\t0",
		"r1\t192.0.2.1\tnone\tpass\tfail\t-\t-\t-\texample.com\t-\tmfrom\tnone\t1",
		"r1\t192.0.2.1\tnone\tpass\tfail\t-\t-\t-\texample.com\t-\tmfrom\tnone\t9\ta\tb\tpass",
		"r1\t192.0.2.1\tnone\tpass\tfail\t-\t-\t-\texample.com\t-\tmfrom\tnone\t0\textra",
		"r1\t192.0.2.1\tnone\tpass\tfail\t\t-\t-\texample.com\t-\tmfrom\tnone\t0",
		/* an override vouch never writes */
		"r1\t192.0.2.1\tnone\tpass\tfail\tforwarded\t-\t-\texample.com\t-\tmfrom\tnone\t0",
		/* no source: format cannot write it back (found by fuzz_dmarc_report_row) */
		"r1\t-\tnone\tpass\tfail\t-\t-\t-\texample.com\t-\tmfrom\tnone\t0",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (dmarc_report_row_parse(bad[i], &b) == 0)
			fail_msg("row '%s' parsed", bad[i]);
	assert_int_equal(
	    dmarc_report_row_parse(
	        "r1\t192.0.2.1\tnone\tpass\tfail\t-\t-\t-\texample.com\t-\tmfrom\tnone\t0", &b),
	    0);
}

static void
test_config(void **state)
{
	struct dmarc_report_config cfg;
	char err[200];

	config(&cfg);
	assert_int_equal(dmarc_report_config_check(&cfg, err, sizeof(err)), 0);
	cfg.period = 3600;
	assert_int_equal(dmarc_report_config_check(&cfg, err, sizeof(err)), 0);
	cfg.period = 7 * 3600;
	assert_int_equal(dmarc_report_config_check(&cfg, err, sizeof(err)), -1);
	cfg.period = 10; /* the shortest, for tests */
	assert_int_equal(dmarc_report_config_check(&cfg, err, sizeof(err)), 0);
	cfg.period = 5;
	assert_int_equal(dmarc_report_config_check(&cfg, err, sizeof(err)), -1);
	cfg.period = 2 * 86400;
	assert_int_equal(dmarc_report_config_check(&cfg, err, sizeof(err)), -1);
	config(&cfg);
	cfg.email = "no-at-sign";
	assert_int_equal(dmarc_report_config_check(&cfg, err, sizeof(err)), -1);
	config(&cfg);
	cfg.max_rows = 0;
	assert_int_equal(dmarc_report_config_check(&cfg, err, sizeof(err)), -1);
}

static void
test_off_by_default(void **state)
{
	struct store *st = store_open_memory();
	struct dmarc_report_config cfg;
	struct dmarc_discovery d;
	struct dmarc_report *r[2];
	char err[200];

	/* the defaults name no reporter: refused, and nothing is collected */
	dmarc_report_config_default(&cfg);
	assert_int_equal(dmarc_report_config_check(&cfg, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "reporting address"));
	found(&d, "example.com", "v=DMARC1; p=reject; rua=mailto:agg@example.com");
	assert_int_equal(
	    add(st, &cfg, &d, "example.com", SPF_PASS, "example.com", NULL, 0, 0, "192.0.2.1", T0),
	    0);
	/* nor with a part of it */
	cfg.org_name = "Vouch";
	cfg.email = "dmarc-reports@mx.vouch.example";
	assert_int_equal(
	    add(st, &cfg, &d, "example.com", SPF_PASS, "example.com", NULL, 0, 0, "192.0.2.1", T0),
	    0);
	assert_int_equal(dmarc_report_due(st, &cfg, T0 + 2 * DAY, r, 2), 0);
	/* configured, the same message is collected */
	cfg.submitter = "mx.vouch.example";
	assert_int_equal(
	    add(st, &cfg, &d, "example.com", SPF_PASS, "example.com", NULL, 0, 0, "192.0.2.1", T0),
	    1);
	assert_int_equal(dmarc_report_due(st, &cfg, T0 + 2 * DAY, r, 2), 1);
	assert_int_equal(r[0]->rows[0].count, 1);
	dmarc_report_free(r[0]);
	store_close(st);
}

static void
test_size_limits(void **state)
{
	struct dmarc_report_config cfg;
	struct dmarc_record rec;
	struct dmarc_rua_dest d[DMARC_URIS_MAX];
	char err[200];
	const char *txt = "v=DMARC1; p=none; rua=mailto:a@example.com!1k,mailto:b@example.com";

	config(&cfg);
	/* RFC 7489 6.2: the destination's "!1k" (1024 octets), and our own maximum */
	assert_int_equal(dmarc_record_parse(txt, strlen(txt), &rec, err, sizeof(err)), 0);
	assert_int_equal(dmarc_rua_destinations(od, "example.com", &rec, d, DMARC_URIS_MAX), 2);
	assert_int_equal(d[0].limit, 1024);
	assert_int_equal(d[1].limit, 0);
	assert_true(dmarc_report_fits(&cfg, d[0].limit, 1024));
	assert_false(dmarc_report_fits(&cfg, d[0].limit, 1025));
	assert_true(dmarc_report_fits(&cfg, d[1].limit, 1025));
	cfg.max_size = 4096;
	assert_true(dmarc_report_fits(&cfg, d[1].limit, 4096));
	assert_false(dmarc_report_fits(&cfg, d[1].limit, 4097));
	assert_false(dmarc_report_fits(&cfg, 1u << 20, 4097));
	assert_true(dmarc_report_fits(&cfg, d[0].limit, 0));
}

static void
test_destinations(void **state)
{
	struct event_base *base = event_base_new();
	struct dns_mem *t = dns_mem_new();
	struct dns_client *dns;
	struct dmarc_record rec;
	struct dmarc_rua_dest d[DMARC_URIS_MAX];
	char err[200], name[600];
	const char *txt = "v=DMARC1; p=none; rua=mailto:agg@example.com!1m,"
	                  "mailto:dmarc@reports.example.net,mailto:x@unwilling.example,"
	                  "https://example.com/r,mailto:y@temp.example,mailto:a@Mail.Example.COM,"
	                  "mailto:moved@other.example";

	assert_int_equal(dmarc_record_parse(txt, strlen(txt), &rec, err, sizeof(err)), 0);
	assert_int_equal(
	    dns_mem_add(t, "example.com._report._dmarc.reports.example.net", DNS_T_TXT, "v=DMARC1"),
	    0);
	assert_int_equal(dns_mem_add(t, "example.com._report._dmarc.unwilling.example", DNS_T_TXT,
	                     "v=spf1 -all"),
	    0);
	/* 7.1 step 8: another address at the same host replaces ours; one at
	 * another host does not */
	assert_int_equal(dns_mem_add(t, "example.com._report._dmarc.other.example", DNS_T_TXT,
	                     "v=DMARC1; rua=mailto:evil@elsewhere.example,"
	                     "mailto:new@other.example!2k"),
	    0);
	dns_mem_add_timeout(t, "example.com._report._dmarc.temp.example");
	dns = dns_client_new_mem(base, t, 0);

	size_t n = dmarc_rua_destinations(od, "example.com", &rec, d, DMARC_URIS_MAX);
	assert_int_equal(n, 6);
	assert_string_equal(d[0].addr, "agg@example.com");
	assert_int_equal(d[0].limit, 1 << 20);
	assert_int_equal(d[0].external, 0);
	assert_int_equal(d[0].state, DMARC_RUA_OK);
	assert_int_equal(d[1].external, 1);
	assert_int_equal(d[1].state, DMARC_RUA_PENDING);
	assert_string_equal(d[4].domain, "mail.example.com");
	assert_int_equal(d[4].external, 0);

	assert_int_equal(dmarc_rua_check_sync(dns, od, "example.com", &rec, d, DMARC_URIS_MAX), 6);
	assert_int_equal(d[0].state, DMARC_RUA_OK);
	assert_int_equal(d[1].state, DMARC_RUA_OK);
	assert_string_equal(d[1].addr, "dmarc@reports.example.net");
	assert_int_equal(d[2].state, DMARC_RUA_REFUSED);
	assert_int_equal(d[3].state, DMARC_RUA_TEMPERROR);
	assert_int_equal(d[4].state, DMARC_RUA_OK);
	assert_int_equal(d[5].state, DMARC_RUA_OK);
	assert_string_equal(d[5].addr, "new@other.example");
	assert_int_equal(d[5].limit, 2048);

	assert_int_equal(
	    dmarc_rua_verify_name("example.com", "r.example.net", name, sizeof(name)), 0);
	assert_string_equal(name, "example.com._report._dmarc.r.example.net");
	memset(name, 'a', 250);
	name[250] = '\0';
	char longd[300];
	snprintf(longd, sizeof(longd), "%.200s", name);
	assert_int_equal(dmarc_rua_verify_name(longd, "r.example.net", name, sizeof(name)), -1);

	/* no external destination: the callback still comes from the loop */
	const char *own = "v=DMARC1; p=none; rua=mailto:agg@example.com";
	assert_int_equal(dmarc_record_parse(own, strlen(own), &rec, err, sizeof(err)), 0);
	assert_int_equal(dmarc_rua_check_sync(dns, od, "example.com", &rec, d, DMARC_URIS_MAX), 1);
	/* freed before the answers: nothing left pending */
	assert_int_equal(dmarc_record_parse(txt, strlen(txt), &rec, err, sizeof(err)), 0);
	struct dmarc_rua_check *chk =
	    dmarc_rua_check_start(dns, od, "example.com", &rec, (dmarc_rua_cb)abort, NULL);
	assert_true(dns_client_pending(dns) > 0);
	dmarc_rua_check_free(chk);
	assert_int_equal(dns_client_pending(dns), 0);
	event_base_loop(base, EVLOOP_NONBLOCK);

	dns_client_free(dns);
	dns_mem_free(t);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_collect_and_report),
		cmocka_unit_test(test_not_collected),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_sqlite),
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_off_by_default),
		cmocka_unit_test(test_size_limits),
		cmocka_unit_test(test_destinations),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
