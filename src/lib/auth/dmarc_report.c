/*
 * dmarc_report: collecting aggregate report rows in the store, loading
 * the reports of finished periods, rate limits (see dmarc_report.h).
 *
 * The store holds, per (period, policy domain):
 *   ns "dmarc-rep", key "<begin>|<domain>"  -> "<begin> <end> <policy record>"
 *   ns "dmarc-rows|<begin>|<domain>", key <row hash> -> the row's text
 *   counter "dmarc-n|<begin>|<domain>|<row hash>"   messages of that row
 *   counter "dmarc-nrows|<begin>|<domain>"          distinct rows (max_rows)
 *   counter "dmarc-left|<begin>|<domain>"           messages over max_rows
 *   counter "dmarc-ndom|<begin>"                    reports (max_domains)
 * Counters use hour buckets like the rest of vouch's counters, and are
 * summed from the period's first hour. Records expire `keep` seconds
 * after their period, so data that is never sent does not stay.
 */
#include "auth/dmarc_report.h"

#include <arpa/inet.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/dmarc_record.h"
#include "store/store.h"
#include "util/str.h"
#include "util/xmalloc.h"

#define HOUR 3600
#define ROW_TEXT_MAX 4096

void
dmarc_report_config_default(struct dmarc_report_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->period = 86400;
	cfg->max_rows = 10000;
	cfg->max_domains = 10000;
	cfg->per_dest_day = 20;
	cfg->per_hour = 500;
	cfg->max_size = 10u << 20;
	cfg->keep = 7 * 86400;
}

int
dmarc_report_config_check(const struct dmarc_report_config *cfg, char *err, size_t errsz)
{
	if (cfg->org_name == NULL || cfg->org_name[0] == '\0' || cfg->email == NULL ||
	    strchr(cfg->email, '@') == NULL || cfg->submitter == NULL ||
	    cfg->submitter[0] == '\0') {
		snprintf(err, errsz,
		    "DMARC reports need an organization name, a reporting address "
		    "and the submitting domain");
		return -1;
	}
	/* RFC 7489 7.2: daily reports are a MUST, hourly ones a SHOULD;
	 * shorter periods (down to 10 s) are for tests */
	if (cfg->period < 10 || cfg->period > 86400 || 86400 % cfg->period != 0) {
		snprintf(err, errsz, "the DMARC report period must divide a day, 10 s to 24 hours");
		return -1;
	}
	if (cfg->max_rows == 0 || cfg->max_domains == 0 || cfg->per_dest_day == 0 ||
	    cfg->per_hour == 0 || cfg->max_size == 0 || cfg->keep < 0) {
		snprintf(err, errsz, "DMARC report limits must be positive");
		return -1;
	}
	return 0;
}

/* ---- rows as text ---------------------------------------------------- */

static const char *const override_names[] = { "-", "sampled_out", "arc", "local_policy" };

const char *
dmarc_override_name(enum dmarc_override o)
{
	return (size_t)o < sizeof(override_names) / sizeof(override_names[0]) ? override_names[o]
	                                                                      : "-";
}

int
dmarc_override_parse(const char *s, enum dmarc_override *o)
{
	for (size_t i = 0; i < sizeof(override_names) / sizeof(override_names[0]); i++)
		if (strcmp(s, override_names[i]) == 0) {
			*o = (enum dmarc_override)i;
			return 0;
		}
	return -1;
}

/* A field of a row: printable, no tab (UTF-8 allowed), bounded. */
static int
put_field(struct strbuf *out, const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n > max)
		return -1;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] == 0x7f)
			return -1;
	strbuf_puts(out, "\t");
	return strbuf_puts(out, s);
}

int
dmarc_report_row_format(const struct dmarc_report_row *row, struct strbuf *out)
{
	int rc = 0;

	if (row->source_ip[0] == '\0' || row->header_from[0] == '\0')
		return -1; /* what parse requires */
	strbuf_puts(out, "r1");
	rc |= put_field(out, row->source_ip, INET6_ADDRSTRLEN + 7);
	rc |= put_field(out, dmarc_policy_name(row->disposition), 16);
	rc |= put_field(out, row->dkim_pass ? "pass" : "fail", 4);
	rc |= put_field(out, row->spf_pass ? "pass" : "fail", 4);
	rc |= put_field(out, dmarc_override_name(row->override), 16);
	rc |= put_field(out, row->envelope_to[0] ? row->envelope_to : "-", DMARC_DOMAIN_MAX);
	rc |= put_field(out, row->envelope_from[0] ? row->envelope_from : "-", DMARC_DOMAIN_MAX);
	rc |= put_field(out, row->header_from, DMARC_DOMAIN_MAX);
	rc |= put_field(out, row->spf_domain[0] ? row->spf_domain : "-", DMARC_DOMAIN_MAX);
	rc |= put_field(out, row->spf_helo ? "helo" : "mfrom", 5);
	rc |= put_field(out, spf_result_name(row->spf), 16);
	strbuf_printf(out, "\t%zu", row->ndkim);
	for (size_t i = 0; i < row->ndkim && i < DMARC_REPORT_DKIM_MAX; i++) {
		if (row->dkim[i].domain[0] == '\0')
			rc = -1;
		rc |= put_field(out, row->dkim[i].domain, DMARC_DOMAIN_MAX);
		rc |= put_field(out, row->dkim[i].selector[0] ? row->dkim[i].selector : "-",
		    DMARC_SELECTOR_MAX);
		rc |= put_field(out, dmarc_dkim_result_name(row->dkim[i].result), 16);
	}
	return rc ? -1 : 0;
}

/* Copy a field into dst ("-" is empty); -1 if it does not fit or is empty. */
static int
get_field(const char *s, size_t n, char *dst, size_t dstsz)
{
	if (n == 0 || n >= dstsz)
		return -1;
	if (n == 1 && s[0] == '-') {
		dst[0] = '\0';
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] == 0x7f)
			return -1;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 0;
}

int
dmarc_report_row_parse(const char *text, struct dmarc_report_row *row)
{
	const char *f[13 + 3 * DMARC_REPORT_DKIM_MAX];
	size_t fl[13 + 3 * DMARC_REPORT_DKIM_MAX];
	size_t nf = 0, n = strlen(text), start = 0;
	char w[24];
	enum spf_result spf;
	long long nd;

	memset(row, 0, sizeof(*row));
	if (n > ROW_TEXT_MAX)
		return -1;
	while (start <= n) {
		const char *tab = memchr(text + start, '\t', n - start);
		size_t end = tab ? (size_t)(tab - text) : n;
		if (nf == sizeof(f) / sizeof(f[0]))
			return -1;
		f[nf] = text + start;
		fl[nf++] = end - start;
		start = end + 1;
	}
	if (nf < 13 || fl[0] != 2 || memcmp(f[0], "r1", 2) != 0)
		return -1;
	/* "-" would read as an empty source, which format cannot write back
	 * (found by fuzz_dmarc_report_row); every row has a source */
	if (get_field(f[1], fl[1], row->source_ip, sizeof(row->source_ip)) < 0 ||
	    row->source_ip[0] == '\0' || dmarc_policy_parse(f[2], fl[2], &row->disposition) < 0)
		return -1;
	if (get_field(f[3], fl[3], w, sizeof(w)) < 0 || (strcmp(w, "pass") && strcmp(w, "fail")))
		return -1;
	row->dkim_pass = strcmp(w, "pass") == 0;
	if (get_field(f[4], fl[4], w, sizeof(w)) < 0 || (strcmp(w, "pass") && strcmp(w, "fail")))
		return -1;
	row->spf_pass = strcmp(w, "pass") == 0;
	if (get_field(f[5], fl[5], w, sizeof(w)) < 0 ||
	    dmarc_override_parse(w[0] ? w : "-", &row->override) < 0)
		return -1;
	if (get_field(f[6], fl[6], row->envelope_to, sizeof(row->envelope_to)) < 0 ||
	    get_field(f[7], fl[7], row->envelope_from, sizeof(row->envelope_from)) < 0 ||
	    get_field(f[8], fl[8], row->header_from, sizeof(row->header_from)) < 0 ||
	    row->header_from[0] == '\0' ||
	    get_field(f[9], fl[9], row->spf_domain, sizeof(row->spf_domain)) < 0)
		return -1;
	if (get_field(f[10], fl[10], w, sizeof(w)) < 0 || (strcmp(w, "helo") && strcmp(w, "mfrom")))
		return -1;
	row->spf_helo = strcmp(w, "helo") == 0;
	if (get_field(f[11], fl[11], w, sizeof(w)) < 0 || spf_result_parse(w, &spf) < 0)
		return -1;
	row->spf = spf;
	if (get_field(f[12], fl[12], w, sizeof(w)) < 0 ||
	    str_to_ll(w, 0, DMARC_REPORT_DKIM_MAX, &nd))
		return -1;
	if (nf != 13 + 3 * (size_t)nd)
		return -1;
	row->ndkim = (size_t)nd;
	for (size_t i = 0; i < row->ndkim; i++) {
		struct dmarc_dkim *d = &row->dkim[i];
		size_t b = 13 + 3 * i;
		if (get_field(f[b], fl[b], d->domain, sizeof(d->domain)) < 0 ||
		    d->domain[0] == '\0' ||
		    get_field(f[b + 1], fl[b + 1], d->selector, sizeof(d->selector)) < 0 ||
		    get_field(f[b + 2], fl[b + 2], w, sizeof(w)) < 0 ||
		    dmarc_dkim_result_parse(w, &d->result) < 0)
			return -1;
	}
	return 0;
}

/* ---- collection ------------------------------------------------------- */

static int
has_mailto(const struct dmarc_record *rec)
{
	char addr[DMARC_URI_MAX + 1];

	for (size_t i = 0; i < rec->nrua; i++)
		if (dmarc_uri_mailto(rec->rua[i].uri, addr, sizeof(addr)) == 0)
			return 1;
	return 0;
}

/* The source address in the form the report's schema takes: dotted IPv4,
 * or IPv6 as eight groups (appendix C's IPAddress pattern has no "::"). */
static int
normal_ip(const char *text, char *out, size_t outsz)
{
	unsigned char a[16];

	if (inet_pton(AF_INET, text, a) == 1)
		return inet_ntop(AF_INET, a, out, (socklen_t)outsz) ? 0 : -1;
	if (inet_pton(AF_INET6, text, a) != 1)
		return -1;
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	if (memcmp(a, mapped, 12) == 0)
		return inet_ntop(AF_INET, a + 12, out, (socklen_t)outsz) ? 0 : -1;
	return str_fmt(out, outsz, "%x:%x:%x:%x:%x:%x:%x:%x", a[0] << 8 | a[1], a[2] << 8 | a[3],
	           a[4] << 8 | a[5], a[6] << 8 | a[7], a[8] << 8 | a[9], a[10] << 8 | a[11],
	           a[12] << 8 | a[13], a[14] << 8 | a[15])
	    ? -1
	    : 0;
}

static void
hexdigest(const void *data, size_t len, char *out, size_t nhex)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;

	EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
	for (size_t i = 0; i < nhex / 2 && i < mdlen; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	out[nhex] = '\0';
}

static void
lower_copy(char *dst, size_t dstsz, const char *src)
{
	str_copy(dst, dstsz, src ? src : "");
	str_lower(dst);
}

int
dmarc_report_add(struct store *st, const struct dmarc_report_config *cfg,
    const struct dmarc_discovery *disc, const struct dmarc_input *in,
    const struct dmarc_outcome *out, const char *source_ip, const char *envelope_to, int64_t now)
{
	struct dmarc_report_row row;
	struct strbuf text, pol, key;
	char hash[33], ns[DMARC_DOMAIN_MAX + 48], idx[DMARC_DOMAIN_MAX + 32];
	char *old = NULL;
	int64_t bucket, begin, end, hour = now / HOUR;
	int rc = -1, got;
	char cerr[8];

	/* Off until configured: the defaults name no reporter, so nothing is
	 * collected for a report that could never be sent. */
	if (dmarc_report_config_check(cfg, cerr, sizeof(cerr)) < 0)
		return 0;
	if (disc->status != DMARC_DISC_FOUND || !has_mailto(&disc->rec) || !out->has_policy)
		return 0;
	memset(&row, 0, sizeof(row));
	if (normal_ip(source_ip, row.source_ip, sizeof(row.source_ip)) < 0)
		return 0;
	row.disposition = out->disposition;
	row.dkim_pass = out->dkim_aligned;
	row.spf_pass = out->spf_aligned;
	row.override = out->override;
	lower_copy(row.envelope_to, sizeof(row.envelope_to), envelope_to);
	lower_copy(row.envelope_from, sizeof(row.envelope_from), in->spf_domain);
	lower_copy(row.header_from, sizeof(row.header_from), out->from_domain);
	lower_copy(row.spf_domain, sizeof(row.spf_domain), in->spf_domain);
	row.spf_helo = in->spf_helo;
	row.spf = in->spf;
	for (size_t i = 0; i < in->ndkim && row.ndkim < DMARC_REPORT_DKIM_MAX; i++) {
		struct dmarc_dkim *d = &row.dkim[row.ndkim];
		if (in->dkim[i].domain[0] == '\0')
			continue;
		*d = in->dkim[i];
		str_lower(d->domain);
		row.ndkim++;
	}

	bucket = now / cfg->period;
	begin = bucket * cfg->period;
	end = begin + cfg->period;
	strbuf_init(&text, ROW_TEXT_MAX);
	strbuf_init(&pol, DMARC_RECORD_MAX * 2);
	strbuf_init(&key, 1024);
	if (dmarc_report_row_format(&row, &text) < 0 || text.s == NULL) {
		rc = 0; /* a field a report cannot carry */
		goto out;
	}
	hexdigest(text.s, text.len, hash, 32);
	str_fmt(idx, sizeof(idx), "%lld|%s", (long long)begin, disc->policy_domain);
	str_fmt(ns, sizeof(ns), "dmarc-rows|%s", idx);
	strbuf_printf(&pol, "%lld %lld ", (long long)begin, (long long)end);
	dmarc_record_format(&disc->rec, &pol);

	/* A new report in this period counts against max_domains. */
	got = store_get(st, "dmarc-rep", idx, &old, NULL);
	if (got < 0)
		goto out;
	if (got == 0) {
		strbuf_printf(&key, "dmarc-ndom|%lld", (long long)begin);
		int r = store_counter_reserve(
		    st, key.s, hour, 1, begin / HOUR, (int64_t)cfg->max_domains, NULL);
		if (r <= 0) {
			rc = r;
			goto out;
		}
	}
	if ((got == 0 || strcmp(old, pol.s) != 0) &&
	    store_put(st, "dmarc-rep", idx, pol.s, end + cfg->keep) < 0)
		goto out;

	/* A new row counts against max_rows; past it the message is only counted. */
	got = store_get(st, ns, hash, NULL, NULL);
	if (got < 0)
		goto out;
	if (got == 0) {
		strbuf_reset(&key);
		strbuf_printf(&key, "dmarc-nrows|%s", idx);
		int r = store_counter_reserve(
		    st, key.s, hour, 1, begin / HOUR, (int64_t)cfg->max_rows, NULL);
		if (r < 0)
			goto out;
		if (r == 0) {
			strbuf_reset(&key);
			strbuf_printf(&key, "dmarc-left|%s", idx);
			rc = store_counter_add(st, key.s, hour, 1) < 0 ? -1 : 0;
			goto out;
		}
		if (store_put(st, ns, hash, text.s, end + cfg->keep) < 0)
			goto out;
	}
	strbuf_reset(&key);
	strbuf_printf(&key, "dmarc-n|%s|%s", idx, hash);
	rc = store_counter_add(st, key.s, hour, 1) < 0 ? -1 : 1;
out:
	free(old);
	strbuf_free(&text);
	strbuf_free(&pol);
	strbuf_free(&key);
	return rc;
}

/* ---- loading finished periods ---------------------------------------- */

struct pending {
	char **keys, **values;
	size_t n, cap;
	int64_t now;
};

static void
collect(void *arg, const char *key, const char *value, int64_t expires)
{
	struct pending *p = arg;

	if (p->n == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 16;
		p->keys = xrealloc(p->keys, p->cap * sizeof(*p->keys));
		p->values = xrealloc(p->values, p->cap * sizeof(*p->values));
	}
	p->keys[p->n] = xstrdup(key);
	p->values[p->n++] = xstrdup(value);
}

static void
pending_free(struct pending *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->keys[i]);
		free(p->values[i]);
	}
	free(p->keys);
	free(p->values);
}

/* Fill r from its index entry; 0, or -1 if the entry is not one of ours. */
static int
load_head(struct dmarc_report *r, const char *key, const char *value,
    const struct dmarc_report_config *cfg)
{
	const char *bar = strchr(key, '|');
	long long begin, end;
	int used = 0;
	char err[64];

	if (bar == NULL || sscanf(value, "%lld %lld %n", &begin, &end, &used) != 2 || used == 0 ||
	    end <= begin)
		return -1;
	if (str_copy(r->domain, sizeof(r->domain), bar + 1) >= sizeof(r->domain))
		return -1;
	r->begin = begin;
	r->end = end;
	r->bucket = begin / (end - begin);
	if (dmarc_record_parse(value + used, strlen(value + used), &r->policy, err, sizeof(err)) !=
	    DMARC_RECORD_OK)
		return -1;
	/* The id is the same whenever this report is built, so a report sent
	 * twice (a crash between sending and forgetting) is seen as a duplicate
	 * (7.2.1.1 Report-ID). */
	char seed[DMARC_DOMAIN_MAX * 2 + 48], hex[17];
	int n = snprintf(seed, sizeof(seed), "%s|%lld|%s", r->domain, begin,
	    cfg->submitter ? cfg->submitter : "");
	hexdigest(seed, n > 0 ? (size_t)n : 0, hex, 16);
	str_fmt(r->id, sizeof(r->id), "%s.%lld@%s", hex, begin,
	    cfg->submitter ? cfg->submitter : "localhost");
	return 0;
}

struct rowload {
	struct dmarc_report *r;
	struct store *st;
	const char *idx;
	size_t cap;
	int err;
};

static void
load_row(void *arg, const char *key, const char *value, int64_t expires)
{
	struct rowload *l = arg;
	struct dmarc_report_row row;
	char ckey[DMARC_DOMAIN_MAX + 96];

	if (dmarc_report_row_parse(value, &row) < 0)
		return; /* not ours: left to expire */
	str_fmt(ckey, sizeof(ckey), "dmarc-n|%s|%s", l->idx, key);
	row.count = (uint64_t)store_counter_sum(l->st, ckey, l->r->begin / HOUR);
	if (row.count == 0)
		return;
	if (l->r->nrows == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 32;
		l->r->rows = xrealloc(l->r->rows, l->cap * sizeof(*l->r->rows));
	}
	l->r->rows[l->r->nrows++] = row;
}

void
dmarc_report_free(struct dmarc_report *r)
{
	if (r == NULL)
		return;
	free(r->rows);
	free(r);
}

int
dmarc_report_due(struct store *st, const struct dmarc_report_config *cfg, int64_t now,
    struct dmarc_report **out, size_t max)
{
	struct pending p = { .now = now };
	size_t n = 0;

	if (store_list(st, "dmarc-rep", collect, &p) < 0) {
		pending_free(&p);
		return -1;
	}
	for (size_t i = 0; i < p.n && n < max; i++) {
		struct dmarc_report *r = xcalloc(1, sizeof(*r));
		char ns[DMARC_DOMAIN_MAX + 48], lkey[DMARC_DOMAIN_MAX + 48];

		if (load_head(r, p.keys[i], p.values[i], cfg) < 0 || r->end > now) {
			dmarc_report_free(r);
			continue;
		}
		struct rowload l = { .r = r, .st = st, .idx = p.keys[i] };
		str_fmt(ns, sizeof(ns), "dmarc-rows|%s", p.keys[i]);
		if (store_list(st, ns, load_row, &l) < 0) {
			dmarc_report_free(r);
			continue;
		}
		str_fmt(lkey, sizeof(lkey), "dmarc-left|%s", p.keys[i]);
		r->left_out = (uint64_t)store_counter_sum(st, lkey, r->begin / HOUR);
		if (r->nrows == 0) {
			/* nothing to say (appendix C wants a record): drop it */
			dmarc_report_forget(st, r);
			dmarc_report_free(r);
			continue;
		}
		out[n++] = r;
	}
	pending_free(&p);
	return (int)n;
}

void
dmarc_report_forget(struct store *st, const struct dmarc_report *r)
{
	struct pending p = { 0 };
	char idx[DMARC_DOMAIN_MAX + 32], ns[DMARC_DOMAIN_MAX + 48];

	str_fmt(idx, sizeof(idx), "%lld|%s", (long long)r->begin, r->domain);
	str_fmt(ns, sizeof(ns), "dmarc-rows|%s", idx);
	if (store_list(st, ns, collect, &p) == 0)
		for (size_t i = 0; i < p.n; i++)
			store_del(st, ns, p.keys[i]);
	pending_free(&p);
	store_del(st, "dmarc-rep", idx);
	/* the counters stay until the store's expiry: without their rows they
	 * are never read again */
}

int
dmarc_report_fits(const struct dmarc_report_config *cfg, uint64_t dest_limit, uint64_t size)
{
	/* RFC 7489 6.2: "!50m" asks that the report payload not exceed 50 MiB */
	return size <= cfg->max_size && (dest_limit == 0 || size <= dest_limit);
}

int
dmarc_report_reserve(
    struct store *st, const struct dmarc_report_config *cfg, const char *dest_domain, int64_t now)
{
	int64_t hour = now / HOUR;
	char key[DMARC_DOMAIN_MAX + 16];
	int rc;

	rc = store_counter_reserve(st, "dmarc-sent", hour, 1, hour, (int64_t)cfg->per_hour, NULL);
	if (rc <= 0)
		return rc;
	str_fmt(key, sizeof(key), "dmarc-dest|%s", dest_domain);
	str_lower(key);
	rc = store_counter_reserve(st, key, hour, 1, hour - 23, (int64_t)cfg->per_dest_day, NULL);
	if (rc <= 0)
		store_counter_reserve(st, "dmarc-sent", hour, -1, hour, INT64_MAX, NULL);
	return rc;
}
