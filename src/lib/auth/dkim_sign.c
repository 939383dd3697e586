/*
 * dkim_sign: the signer (see dkim_sign.h).
 */
#include "auth/dkim_sign.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "auth/dkim_canon.h"
#include "auth/dkim_crypt.h"
#include "auth/dkim_hash.h"
#include "util/xmalloc.h"

#define DEF_MAX_HEADER (256 * 1024)
/* Fold signature fields before this column (RFC 5322 2.1.1: 78). */
#define FOLD_COL 76

/* Fields a reader sees or that shape the message. */
const char *const dkim_sign_default_headers[] = { "From", "Reply-To", "Sender", "Subject", "Date",
	"To", "Cc", "Message-ID", "In-Reply-To", "References", "MIME-Version", "Content-Type",
	"Content-Transfer-Encoding", "Content-Disposition", "Content-ID", "Content-Description",
	"Resent-Date", "Resent-From", "Resent-Sender", "Resent-To", "Resent-Cc",
	"Resent-Message-ID", "List-Id", "List-Help", "List-Unsubscribe", "List-Unsubscribe-Post",
	"List-Subscribe", "List-Post", "List-Owner", "List-Archive", "Autocrypt" };
const size_t dkim_sign_default_nheaders =
    sizeof(dkim_sign_default_headers) / sizeof(dkim_sign_default_headers[0]);
/* Of those, the ones nobody on the way may add: mailing lists add List-*
 * fields, which are therefore signed when present but not oversigned. */
const char *const dkim_sign_default_oversign[] = { "From", "Reply-To", "Sender", "Subject", "Date",
	"To", "Cc", "Message-ID", "In-Reply-To", "References", "MIME-Version", "Content-Type",
	"Content-Transfer-Encoding" };
const size_t dkim_sign_default_noversign =
    sizeof(dkim_sign_default_oversign) / sizeof(dkim_sign_default_oversign[0]);

struct dkim_sign {
	struct dkim_sign_opts o;
	struct dkim_hdr hdr;
	int header_done, ended;
	enum dkim_canon hcanon, bcanon;
	struct dkim_bodyhash body;
};

struct dkim_sign *
dkim_sign_new(const struct dkim_sign_opts *opts)
{
	struct dkim_sign *s = xcalloc(1, sizeof(*s));

	if (opts)
		s->o = *opts;
	if (s->o.now == 0)
		s->o.now = (long long)time(NULL);
	if (s->o.max_header == 0)
		s->o.max_header = DEF_MAX_HEADER;
	if (s->o.headers == NULL) {
		s->o.headers = dkim_sign_default_headers;
		s->o.nheaders = dkim_sign_default_nheaders;
	}
	if (s->o.oversign == NULL) {
		s->o.oversign = dkim_sign_default_oversign;
		s->o.noversign = dkim_sign_default_noversign;
	}
	s->hcanon = s->o.simple_header ? DKIM_CANON_SIMPLE : DKIM_CANON_RELAXED;
	s->bcanon = s->o.simple_body ? DKIM_CANON_SIMPLE : DKIM_CANON_RELAXED;
	dkim_hdr_init(&s->hdr, s->o.max_header);
	dkim_bodyhash_init(&s->body, s->bcanon, 0, 0);
	return s;
}

void
dkim_sign_free(struct dkim_sign *s)
{
	if (s == NULL)
		return;
	dkim_hdr_free(&s->hdr);
	dkim_bodyhash_free(&s->body);
	free(s);
}

void
dkim_sign_feed(struct dkim_sign *s, const char *p, size_t n)
{
	if (s->ended)
		return;
	if (!s->header_done) {
		size_t used = dkim_hdr_feed(&s->hdr, p, n);
		if (!s->hdr.done)
			return;
		s->header_done = 1;
		if (s->hdr.prefix_len)
			dkim_bodyhash_feed(&s->body, s->hdr.prefix, s->hdr.prefix_len);
		p += used;
		n -= used;
	}
	dkim_bodyhash_feed(&s->body, p, n);
}

static void
end(struct dkim_sign *s)
{
	if (s->ended)
		return;
	if (!s->header_done) {
		dkim_hdr_finish(&s->hdr);
		s->header_done = 1;
		if (s->hdr.prefix_len)
			dkim_bodyhash_feed(&s->body, s->hdr.prefix, s->hdr.prefix_len);
	}
	dkim_bodyhash_finish(&s->body);
	s->ended = 1;
}

void
dkim_sign_end(struct dkim_sign *s)
{
	end(s);
}

int
dkim_sign_prepend(struct dkim_sign *s, const char *text, size_t len)
{
	end(s);
	return dkim_hdr_prepend(&s->hdr, text, len);
}

struct dkim_hdr *
dkim_sign_header(struct dkim_sign *s)
{
	return &s->hdr;
}

int
dkim_sign_bodyhash(struct dkim_sign *s, enum dkim_canon c, struct strbuf *out)
{
	end(s);
	if (c != s->bcanon)
		return -1;
	return dkim_b64_encode(s->body.digest, 32, out);
}

void
dkim_sign_tag(struct strbuf *out, size_t *col, const char *tag, const char *value)
{
	size_t n = strlen(tag) + 1 + strlen(value) + 1;

	if (*col + 1 + n > FOLD_COL) {
		strbuf_puts(out, "\r\n\t");
		*col = 8;
	} else {
		strbuf_puts(out, " ");
		(*col)++;
	}
	strbuf_printf(out, "%s=%s;", tag, value);
	*col += n;
}

static int
listed(const char *const *list, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcasecmp(list[i], name) == 0)
			return 1;
	return 0;
}

long
dkim_sign_hlist(const struct dkim_hdr *h, const char *const *names, size_t nn,
    const char *const *over, size_t no, struct dkim_hname *hn, size_t max)
{
	size_t n = 0;

	for (int pass = 0; pass < 2; pass++) {
		const char *const *list = pass == 0 ? names : over;
		size_t count = pass == 0 ? nn : no;
		for (size_t i = 0; i < count; i++) {
			const char *name = list[i];
			size_t present = 0, len = strlen(name);
			/* each name once: the first pass did those in both lists */
			if ((pass == 1 && listed(names, nn, name)) || listed(list, i, name))
				continue;
			for (size_t k = 0; k < h->nf; k++)
				present += dkim_hdr_is(h, k, name, len);
			/* 5.4.2: one more than present: no field of the name can be added */
			size_t times = present + (listed(over, no, name) ? 1 : 0);
			for (size_t t = 0; t < times; t++) {
				if (n >= max)
					return -1;
				hn[n].name = name;
				hn[n++].len = len;
			}
		}
	}
	return (long)n;
}

static int
signs_from(const struct dkim_hname *hn, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (hn[i].len == 4 && strncasecmp(hn[i].name, "From", 4) == 0)
			return 1;
	return 0;
}

int
dkim_sign_field(const struct dkim_signkey *key, const char *text, size_t len,
    const uint8_t digest[32], struct strbuf *out)
{
	uint8_t sig[DKIM_SIG_B_MAX];
	size_t siglen = sizeof(sig);
	struct strbuf b64;
	int rc = -1;

	if (dkim_crypt_sign(key->pkey, key->alg, digest, sig, &siglen) < 0)
		return -1;
	strbuf_init(&b64, 2 * DKIM_SIG_B_MAX);
	if (dkim_b64_encode(sig, siglen, &b64) == 0 && strbuf_append(out, text, len) == 0) {
		rc = 0;
		/* the value folded in pieces: white space in base64 is ignored */
		for (size_t i = 0; i < b64.len && rc == 0; i += 64) {
			size_t piece = b64.len - i < 64 ? b64.len - i : 64;
			if (i && strbuf_puts(out, "\r\n\t ") < 0)
				rc = -1;
			else if (strbuf_append(out, b64.s + i, piece) < 0)
				rc = -1;
		}
		if (rc == 0)
			rc = strbuf_puts(out, "\r\n");
	}
	strbuf_free(&b64);
	return rc;
}

int
dkim_sign_finish(struct dkim_sign *s, const struct dkim_signkey *const *keys, size_t n,
    struct strbuf *out, char *err, size_t errsz)
{
	struct dkim_hname hn[DKIM_H_MAX];
	struct strbuf bh, f;
	char num[32];
	long nh;
	int rc = 0;
	int from = 0;

	end(s);
	if (s->hdr.overflow) {
		str_fmt(err, errsz, "header section longer than %zu octets", s->o.max_header);
		return -1;
	}
	for (size_t k = 0; k < s->hdr.nf; k++)
		from |= dkim_hdr_is(&s->hdr, k, "From", 4);
	/* RFC 6376 5.4: From MUST be signed, so it must be there */
	if (!from) {
		str_fmt(err, errsz, "the message has no From field");
		return -1;
	}
	strbuf_init(&bh, 64);
	strbuf_init(&f, 128 * 1024);
	nh = dkim_sign_hlist(
	    &s->hdr, s->o.headers, s->o.nheaders, s->o.oversign, s->o.noversign, hn, DKIM_H_MAX);
	/* RFC 6376 5.4: From MUST be signed, whatever the configured lists say */
	if (nh >= 0 && !signs_from(hn, (size_t)nh)) {
		for (size_t k = 0; k < s->hdr.nf && nh >= 0; k++) {
			if (!dkim_hdr_is(&s->hdr, k, "From", 4))
				continue;
			if (nh >= DKIM_H_MAX)
				nh = -1;
			else
				hn[nh++] = (struct dkim_hname){ "From", 4 };
		}
	}
	if (nh < 0) {
		str_fmt(err, errsz, "more than %d fields to sign", DKIM_H_MAX);
		rc = -1;
	}
	dkim_b64_encode(s->body.digest, 32, &bh);
	for (size_t i = 0; i < n && rc == 0; i++) {
		const struct dkim_signkey *key = keys[i];
		uint8_t digest[32];
		size_t col = strlen("DKIM-Signature:");
		char c[32];

		strbuf_reset(&f);
		strbuf_puts(&f, "DKIM-Signature:");
		dkim_sign_tag(&f, &col, "v", "1");
		dkim_sign_tag(&f, &col, "a", dkim_alg_name(key->alg));
		str_fmt(
		    c, sizeof(c), "%s/%s", dkim_canon_name(s->hcanon), dkim_canon_name(s->bcanon));
		dkim_sign_tag(&f, &col, "c", c);
		dkim_sign_tag(&f, &col, "d", key->domain);
		dkim_sign_tag(&f, &col, "s", key->selector);
		str_fmt(num, sizeof(num), "%lld", s->o.now);
		dkim_sign_tag(&f, &col, "t", num);
		if (s->o.expire > 0) {
			str_fmt(num, sizeof(num), "%lld", s->o.now + s->o.expire);
			dkim_sign_tag(&f, &col, "x", num);
		}
		/* h= folded at its colons (FWS is allowed around them) */
		strbuf_puts(&f, "\r\n\th=");
		col = 10;
		for (long k = 0; k < nh; k++) {
			if (k && col + 1 + hn[k].len > FOLD_COL) {
				strbuf_puts(&f, ":\r\n\t");
				col = 8;
			} else if (k) {
				strbuf_puts(&f, ":");
				col++;
			}
			strbuf_append(&f, hn[k].name, hn[k].len);
			col += hn[k].len;
		}
		strbuf_puts(&f, ";\r\n\tbh=");
		strbuf_append(&f, bh.s, bh.len);
		if (strbuf_puts(&f, ";\r\n\tb=") < 0) {
			str_fmt(err, errsz, "signature field too long");
			rc = -1;
			break;
		}
		dkim_hash_signed(
		    &s->hdr, s->hcanon, hn, (size_t)nh, -1, f.s, f.len, f.len, f.len, digest);
		if (dkim_sign_field(key, f.s, f.len, digest, out) < 0) {
			str_fmt(err, errsz, "cannot sign with %s._domainkey.%s", key->selector,
			    key->domain);
			rc = -1;
		}
	}
	strbuf_free(&bh);
	strbuf_free(&f);
	return rc;
}
