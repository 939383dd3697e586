/*
 * dkim_hash: header hashes (see dkim_hash.h).
 */
#include "auth/dkim_hash.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "auth/dkim_canon.h"
#include "util/log.h"
#include "util/xmalloc.h"

void *
dkim_hash_new(void)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();

	if (md == NULL || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1)
		log_panic("cannot start SHA-256");
	return md;
}

void
dkim_hash_end(void *md, uint8_t out[32])
{
	unsigned len = 0;

	if (EVP_DigestFinal_ex(md, out, &len) != 1 || len != 32)
		log_panic("SHA-256 failed");
	EVP_MD_CTX_free(md);
}

void
dkim_hash_field(void *md, enum dkim_canon hcanon, const char *field, size_t len, int crlf)
{
	dkim_canon_header(hcanon, field, len, crlf, dkim_sink_md, md);
}

void
dkim_hash_field_cut(void *md, enum dkim_canon hcanon, const char *field, size_t len,
    size_t cut_start, size_t cut_end)
{
	char stack[4096];
	char *tmp = stack;
	size_t n;

	if (cut_start > cut_end || cut_end > len)
		log_panic("dkim_hash_field_cut: bad cut %zu..%zu of %zu", cut_start, cut_end, len);
	n = len - (cut_end - cut_start);
	if (n > sizeof(stack))
		tmp = xmalloc(n);
	memcpy(tmp, field, cut_start);
	memcpy(tmp + cut_start, field + cut_end, len - cut_end);
	dkim_canon_header(hcanon, tmp, n, 0, dkim_sink_md, md);
	if (tmp != stack)
		free(tmp);
}

void
dkim_hash_signed(struct dkim_hdr *hdr, enum dkim_canon hcanon, const struct dkim_hname *names,
    size_t n, long self, const char *field, size_t len, size_t cut_start, size_t cut_end,
    uint8_t out[32])
{
	void *md = dkim_hash_new();

	dkim_hdr_pick_reset(hdr);
	if (self >= 0)
		hdr->f[self].used = 1;
	for (size_t i = 0; i < n; i++) {
		long k = dkim_hdr_pick(hdr, names[i].name, names[i].len);
		size_t flen;
		/* 5.4.2: a name listed more often than present is the null string */
		if (k < 0)
			continue;
		const char *f = dkim_hdr_field(hdr, (size_t)k, &flen);
		dkim_hash_field(md, hcanon, f, flen, 1);
	}
	dkim_hash_field_cut(md, hcanon, field, len, cut_start, cut_end);
	dkim_hash_end(md, out);
}
