/*
 * dmarc_report_xml: writing an aggregate report — the XML of RFC 7489
 * appendix C, its gzip, and the message that carries it (7.2.1.1).
 * Pure: a loaded report and the settings in, bytes out.
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "auth/dmarc_report.h"
#include "msg/received.h"
#include "util/str.h"

/* Reports are built whole in a buffer of this bound, then appended to the
 * caller's in one step, so a report that does not fit is refused whole,
 * never cut. max_rows bounds a report far below it. */
#define BUILD_MAX (256u << 20)

/* Append all of tmp to out (or nothing), and free tmp. */
static int
hand_over(struct strbuf *tmp, struct strbuf *out, int ok)
{
	int rc =
	    ok && tmp->len < tmp->max ? strbuf_append(out, tmp->s ? tmp->s : "", tmp->len) : -1;

	strbuf_free(tmp);
	return rc;
}

/* XML character data: markup characters escaped, controls and bad UTF-8 dropped. */
static void
xml_text(struct strbuf *out, const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		size_t seq;
		switch (c) {
		case '&': strbuf_puts(out, "&amp;"); break;
		case '<': strbuf_puts(out, "&lt;"); break;
		case '>': strbuf_puts(out, "&gt;"); break;
		case '"': strbuf_puts(out, "&quot;"); break;
		case '\'': strbuf_puts(out, "&apos;"); break;
		default:
			if (c >= 0x80) {
				/* XML 1.0 2.2: only well-formed characters */
				seq = str_utf8_seq((const unsigned char *)s + i, n - i);
				if (seq == 0)
					seq = 1;
				else
					strbuf_append(out, s + i, seq);
				i += seq;
				continue;
			}
			if (c >= 0x20 && c != 0x7f)
				strbuf_append(out, s + i, 1);
			break;
		}
		i++;
	}
}

static void
elem(struct strbuf *out, const char *indent, const char *name, const char *text)
{
	strbuf_printf(out, "%s<%s>", indent, name);
	xml_text(out, text);
	strbuf_printf(out, "</%s>\n", name);
}

static const char *
fo_text(unsigned fo, char *buf, size_t bufsz)
{
	static const struct {
		unsigned bit;
		char c;
	} names[] = { { DMARC_FO_0, '0' }, { DMARC_FO_1, '1' }, { DMARC_FO_D, 'd' },
		{ DMARC_FO_S, 's' } };
	size_t n = 0;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]) && n + 2 < bufsz; i++) {
		if (fo & names[i].bit) {
			if (n)
				buf[n++] = ':';
			buf[n++] = names[i].c;
		}
	}
	if (n == 0)
		buf[n++] = '0';
	buf[n] = '\0';
	return buf;
}

static void
record(struct strbuf *out, const struct dmarc_report_row *row)
{
	char num[32];

	strbuf_puts(out, "  <record>\n    <row>\n");
	elem(out, "      ", "source_ip", row->source_ip);
	snprintf(num, sizeof(num), "%llu", (unsigned long long)row->count);
	elem(out, "      ", "count", num);
	strbuf_puts(out, "      <policy_evaluated>\n");
	elem(out, "        ", "disposition", dmarc_policy_name(row->disposition));
	elem(out, "        ", "dkim", row->dkim_pass ? "pass" : "fail");
	elem(out, "        ", "spf", row->spf_pass ? "pass" : "fail");
	/* appendix C PolicyOverrideType; an override by ARC is local policy
	 * with "arc=pass" as its comment (RFC 8617 7.2.2) */
	switch (row->override) {
	case DMARC_OVERRIDE_SAMPLED_OUT:
		strbuf_puts(out,
		    "        <reason>\n          <type>sampled_out</type>\n"
		    "        </reason>\n");
		break;
	case DMARC_OVERRIDE_ARC:
		strbuf_puts(out,
		    "        <reason>\n          <type>local_policy</type>\n"
		    "          <comment>arc=pass</comment>\n        </reason>\n");
		break;
	case DMARC_OVERRIDE_LOCAL_POLICY:
		strbuf_puts(out,
		    "        <reason>\n          <type>local_policy</type>\n"
		    "        </reason>\n");
		break;
	case DMARC_OVERRIDE_NONE: break;
	}
	strbuf_puts(out, "      </policy_evaluated>\n    </row>\n    <identifiers>\n");
	if (row->envelope_to[0])
		elem(out, "      ", "envelope_to", row->envelope_to);
	elem(out, "      ", "envelope_from", row->envelope_from);
	elem(out, "      ", "header_from", row->header_from);
	strbuf_puts(out, "    </identifiers>\n    <auth_results>\n");
	for (size_t i = 0; i < row->ndkim; i++) {
		strbuf_puts(out, "      <dkim>\n");
		elem(out, "        ", "domain", row->dkim[i].domain);
		if (row->dkim[i].selector[0])
			elem(out, "        ", "selector", row->dkim[i].selector);
		elem(out, "        ", "result", dmarc_dkim_result_name(row->dkim[i].result));
		strbuf_puts(out, "      </dkim>\n");
	}
	/* appendix C: "There will always be at least one SPF result." */
	strbuf_puts(out, "      <spf>\n");
	elem(out, "        ", "domain", row->spf_domain);
	elem(out, "        ", "scope", row->spf_helo ? "helo" : "mfrom");
	elem(out, "        ", "result", spf_result_name(row->spf));
	strbuf_puts(out, "      </spf>\n    </auth_results>\n  </record>\n");
}

static int
build_xml(const struct dmarc_report *r, const struct dmarc_report_config *cfg, struct strbuf *out)
{
	const struct dmarc_record *p = &r->policy;
	char num[32], fo[16];

	strbuf_puts(out,
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feedback>\n"
	    "  <version>1.0</version>\n  <report_metadata>\n");
	elem(out, "    ", "org_name", cfg->org_name ? cfg->org_name : "");
	elem(out, "    ", "email", cfg->email ? cfg->email : "");
	if (cfg->extra_contact && cfg->extra_contact[0])
		elem(out, "    ", "extra_contact_info", cfg->extra_contact);
	elem(out, "    ", "report_id", r->id);
	strbuf_printf(out,
	    "    <date_range>\n      <begin>%lld</begin>\n      <end>%lld</end>\n"
	    "    </date_range>\n",
	    (long long)r->begin, (long long)r->end - 1);
	if (r->left_out) {
		snprintf(num, sizeof(num), "%llu", (unsigned long long)r->left_out);
		strbuf_printf(out,
		    "    <error>%s messages are not in this report: over its limit "
		    "of rows</error>\n",
		    num);
	}
	strbuf_puts(out, "  </report_metadata>\n  <policy_published>\n");
	elem(out, "    ", "domain", r->domain);
	elem(out, "    ", "adkim", dmarc_align_name(p->adkim));
	elem(out, "    ", "aspf", dmarc_align_name(p->aspf));
	elem(out, "    ", "p", dmarc_policy_name(p->p));
	elem(out, "    ", "sp", dmarc_policy_name(p->sp));
	snprintf(num, sizeof(num), "%u", p->pct);
	elem(out, "    ", "pct", num);
	elem(out, "    ", "fo", fo_text(p->fo, fo, sizeof(fo)));
	strbuf_puts(out, "  </policy_published>\n");
	for (size_t i = 0; i < r->nrows; i++)
		record(out, &r->rows[i]);
	return strbuf_puts(out, "</feedback>\n");
}

int
dmarc_report_xml(
    const struct dmarc_report *r, const struct dmarc_report_config *cfg, struct strbuf *out)
{
	struct strbuf tmp;

	strbuf_init(&tmp, BUILD_MAX);
	return hand_over(&tmp, out, build_xml(r, cfg, &tmp) == 0);
}

int
dmarc_report_gzip(const void *data, size_t len, struct strbuf *out)
{
	z_stream z;
	unsigned char buf[16384];
	int rc;

	memset(&z, 0, sizeof(z));
	/* windowBits 15 + 16: a gzip wrapper (RFC 1952), not zlib's own */
	if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
	    Z_OK)
		return -1;
	z.next_in = (unsigned char *)(uintptr_t)data;
	z.avail_in = (uInt)len;
	if ((size_t)z.avail_in != len) {
		deflateEnd(&z);
		return -1;
	}
	size_t before = out->len;
	do {
		z.next_out = buf;
		z.avail_out = sizeof(buf);
		rc = deflate(&z, Z_FINISH);
		if (rc == Z_STREAM_ERROR ||
		    strbuf_append(out, buf, sizeof(buf) - z.avail_out) < 0) {
			deflateEnd(&z);
			out->len = before; /* nothing half-written */
			if (out->s)
				out->s[before] = '\0';
			return -1;
		}
	} while (rc != Z_STREAM_END);
	deflateEnd(&z);
	return 0;
}

/* The report id's hexadecimal part (7.2.1.1 unique-id = 1*(ALPHA / DIGIT)). */
static void
uid(const struct dmarc_report *r, char *buf, size_t bufsz)
{
	size_t n = 0;

	while (r->id[n] && r->id[n] != '.' && n + 1 < bufsz) {
		buf[n] = r->id[n];
		n++;
	}
	buf[n] = '\0';
}

const char *
dmarc_report_filename(
    const struct dmarc_report *r, const struct dmarc_report_config *cfg, char *buf, size_t bufsz)
{
	char u[40];

	uid(r, u, sizeof(u));
	/* filename = receiver "!" policy-domain "!" begin "!" end [ "!" unique-id ] "." extension */
	str_fmt(buf, bufsz, "%s!%s!%lld!%lld!%s.xml.gz", cfg->submitter ? cfg->submitter : "",
	    r->domain, (long long)r->begin, (long long)r->end - 1, u);
	return buf;
}

/* Base64 in lines of 76 characters (RFC 2045 6.8). */
static int
base64_lines(struct strbuf *out, const unsigned char *p, size_t n)
{
	unsigned char line[80];

	for (size_t i = 0; i < n; i += 57) {
		size_t chunk = n - i < 57 ? n - i : 57;
		int len = EVP_EncodeBlock(line, p + i, (int)chunk);
		if (strbuf_append(out, line, (size_t)len) < 0 || strbuf_puts(out, "\r\n") < 0)
			return -1;
	}
	return 0;
}

/* An address for a header: printable ASCII without what would end it. */
static void
header_addr(struct strbuf *out, const char *a)
{
	for (; *a; a++)
		if ((unsigned char)*a > 0x20 && (unsigned char)*a < 0x7f && !strchr("<>,;\"()", *a))
			strbuf_append(out, a, 1);
}

static int
build_message(const struct dmarc_report *r, const struct dmarc_report_config *cfg,
    const char *const *to, size_t nto, const void *gz, size_t gzlen, int64_t now,
    struct strbuf *out)
{
	char name[DMARC_DOMAIN_MAX * 2 + 80], u[40], b[80], t0[40], t1[40];
	const char *sub = cfg->submitter ? cfg->submitter : "";
	time_t tb = (time_t)r->begin, te = (time_t)(r->end - 1);
	struct tm tm;

	uid(r, u, sizeof(u));
	str_fmt(b, sizeof(b), "=_dmarc_%s_%lld", u, (long long)r->begin);
	strftime(t0, sizeof(t0), "%Y-%m-%d %H:%M:%S", gmtime_r(&tb, &tm));
	strftime(t1, sizeof(t1), "%Y-%m-%d %H:%M:%S", gmtime_r(&te, &tm));

	strbuf_puts(out, "From: <");
	header_addr(out, cfg->email ? cfg->email : "");
	strbuf_puts(out, ">\r\nTo: ");
	for (size_t i = 0; i < nto; i++) {
		strbuf_puts(out, i ? ",\r\n\t<" : "<");
		header_addr(out, to[i]);
		strbuf_puts(out, ">");
	}
	/* 7.2.1.1 dmarc-subject: "Report" "Domain:" domain "Submitter:" domain "Report-ID:" msg-id */
	strbuf_printf(out,
	    "\r\nSubject: Report Domain: %s\r\n\tSubmitter: %s\r\n\tReport-ID: <%s>\r\n", r->domain,
	    sub, r->id);
	strbuf_puts(out, "Date: ");
	received_date((time_t)now, out);
	strbuf_printf(out, "\r\nMessage-ID: <%s>\r\n", r->id);
	/* RFC 3834 5: generated by a machine; nothing should answer it */
	strbuf_puts(out, "Auto-Submitted: auto-generated\r\nMIME-Version: 1.0\r\n");
	strbuf_printf(out, "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n", b);
	strbuf_puts(out, "This is a MIME-encapsulated message.\r\n\r\n");
	strbuf_printf(out, "--%s\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n", b);
	strbuf_printf(out,
	    "This is a DMARC aggregate report (RFC 7489) from %s\r\n"
	    "for the domain %s, covering %s to %s UTC:\r\n"
	    "%zu rows, in the attached gzip-compressed XML file.\r\n\r\n",
	    sub, r->domain, t0, t1, r->nrows);
	strbuf_printf(out,
	    "--%s\r\nContent-Type: application/gzip\r\n"
	    "Content-Transfer-Encoding: base64\r\n"
	    "Content-Disposition: attachment;\r\n\tfilename=\"%s\"\r\n\r\n",
	    b, dmarc_report_filename(r, cfg, name, sizeof(name)));
	if (base64_lines(out, gz, gzlen) < 0)
		return -1;
	return strbuf_printf(out, "--%s--\r\n", b);
}

int
dmarc_report_message(const struct dmarc_report *r, const struct dmarc_report_config *cfg,
    const char *const *to, size_t nto, const void *gz, size_t gzlen, int64_t now,
    struct strbuf *out)
{
	struct strbuf tmp;

	strbuf_init(&tmp, BUILD_MAX);
	return hand_over(&tmp, out, build_message(r, cfg, to, nto, gz, gzlen, now, &tmp) == 0);
}
