/*
 * srs: SRS0/SRS1 rewriting in postsrsd's format (see srs.h). The scheme
 * is libsrs2's (Shevek, 2004), which postsrsd carries; this is a separate
 * implementation of the same format, checked against postsrsd in the
 * tests.
 */
#include "auth/srs.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth/srs_keys.h"
#include "util/str.h"

/* The timestamp: days, 2 base32 characters, so it wraps every 1024 days. */
#define DAY 86400
#define STAMP_SLOTS 1024
static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
/* The hash: base64url as postsrsd >= 2.2.6 writes it; libsrs2's base64 on request. */
static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void
srs_options_default(struct srs_options *o)
{
	memset(o, 0, sizeof(*o));
	o->separator = '=';
	o->hash_length = 4;
	o->hash_min = 4;
	o->max_age = 21;
}

int
srs_options_check(const struct srs_options *o, char *err, size_t errsz)
{
	if (o->domain == NULL || o->domain[0] == '\0' || strchr(o->domain, '@')) {
		snprintf(err, errsz, "SRS needs a domain (not an address)");
		return -1;
	}
	if (o->separator != '=' && o->separator != '+' && o->separator != '-') {
		snprintf(err, errsz, "the SRS separator must be '=', '+' or '-'");
		return -1;
	}
	if (o->hash_length < 1 || o->hash_length > SRS_HASH_MAX || o->hash_min < 1 ||
	    o->hash_min > o->hash_length) {
		snprintf(err, errsz,
		    "SRS hash length %u (minimum %u): 1 <= minimum <= length <= %d", o->hash_length,
		    o->hash_min, SRS_HASH_MAX);
		return -1;
	}
	if (o->max_age < 1 || o->max_age >= STAMP_SLOTS) {
		snprintf(
		    err, errsz, "SRS maximum age %u days: 1 to %d", o->max_age, STAMP_SLOTS - 1);
		return -1;
	}
	return 0;
}

const char *
srs_status_name(enum srs_status st)
{
	static const char *const names[] = {
		"ok",
		"unchanged",
		"not an SRS address",
		"malformed SRS address",
		"local part cannot be rewritten",
		"hash too short",
		"hash invalid",
		"bad timestamp",
		"timestamp expired",
		"address too long",
		"SRS not configured",
	};
	return (unsigned)st < sizeof(names) / sizeof(names[0]) ? names[st] : "?";
}

int
srs_is_srs(const char *addr, size_t len)
{
	/* "SRS" then "0" or "1" then one of the separators, any case */
	return len >= 5 && strncasecmp(addr, "SRS", 3) == 0 && (addr[3] == '0' || addr[3] == '1') &&
	    (addr[4] == '=' || addr[4] == '+' || addr[4] == '-');
}

/* The next field of s[*pos..end) up to '=' (which must be there). */
static int
field(const char *s, size_t end, size_t *pos, const char **f, size_t *flen)
{
	const char *eq = memchr(s + *pos, '=', end - *pos);

	if (eq == NULL)
		return -1;
	*f = s + *pos;
	*flen = (size_t)(eq - (s + *pos));
	*pos = (size_t)(eq - s) + 1;
	return 0;
}

enum srs_status
srs_parse(const char *addr, size_t len, struct srs_addr *out)
{
	const char *at;
	size_t local, pos = 5;

	memset(out, 0, sizeof(*out));
	if (len > SRS_ADDR_MAX)
		return SRS_E_TOO_LONG;
	if (!srs_is_srs(addr, len))
		return SRS_NOT_SRS;
	/* postsrsd splits at the first "@": the host of a reversal is not used */
	at = memchr(addr, '@', len);
	local = at ? (size_t)(at - addr) : len;
	if (at) {
		out->domain = at + 1;
		out->domain_len = len - local - 1;
	}
	out->srs1 = addr[3] == '1';
	out->separator = addr[4];
	if (local < 5 || field(addr, local, &pos, &out->hash, &out->hash_len) < 0)
		return SRS_E_SYNTAX;
	/* SRS0=HASH=TT=host=user, SRS1=HASH=host=rest: the user is the rest and
	 * may hold "=" itself */
	if (!out->srs1 && field(addr, local, &pos, &out->stamp, &out->stamp_len) < 0)
		return SRS_E_SYNTAX;
	if (field(addr, local, &pos, &out->host, &out->host_len) < 0)
		return SRS_E_SYNTAX;
	out->user = addr + pos;
	out->user_len = local - pos;
	if (out->host_len == 0 || out->user_len == 0)
		return SRS_E_SYNTAX;
	return SRS_OK;
}

/* Append s[0..n) lower-cased (ASCII) to buf at *len; -1 if it does not fit. */
static int
put_lower(char *buf, size_t bufsz, size_t *len, const char *s, size_t n)
{
	if (*len + n > bufsz)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		buf[(*len)++] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
	}
	return 0;
}

/*
 * The hash of parts under key i: base64 of HMAC-SHA1 over the parts
 * lower-cased and joined, cut to hlen characters. 0, or -1 if too long.
 */
static int
make_hash(const struct srs_keys *k, size_t i, const char *const *parts, const size_t *lens,
    size_t nparts, unsigned hlen, int classic, char *out)
{
	char data[2 * SRS_ADDR_MAX];
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	size_t n = 0;
	const char *alpha = classic ? b64 : b64url;
	const unsigned char *key;
	size_t keylen = srs_keys_get(k, i, &key);

	for (size_t p = 0; p < nparts; p++)
		if (put_lower(data, sizeof(data), &n, parts[p], lens[p]) < 0)
			return -1;
	if (HMAC(EVP_sha1(), key, (int)keylen, (const unsigned char *)data, n, md, &mdlen) ==
	        NULL ||
	    mdlen < 20)
		return -1;
	OPENSSL_cleanse(data, sizeof(data));
	for (unsigned c = 0; c < hlen; c++) {
		/* the c-th 6-bit group of the digest, as base64 reads it */
		unsigned bit = 6 * c, b = bit / 8, off = bit % 8;
		unsigned v = ((unsigned)md[b] << 8 | md[b + 1]) >> (10 - off);
		out[c] = alpha[v & 63];
	}
	out[hlen] = '\0';
	OPENSSL_cleanse(md, sizeof(md));
	return 0;
}

/* A hash character in canonical form: letters folded, '+' = '-', '/' = '_'; 0 if invalid. */
static int
canon(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 'a';
	if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
		return c;
	if (c == '+' || c == '-')
		return '-';
	if (c == '/' || c == '_')
		return '_';
	return 0;
}

/* Check a given hash against every key, in time independent of where it differs. */
static enum srs_status
check_hash(const struct srs_keys *k, const struct srs_options *o, const char *given,
    size_t given_len, const char *const *parts, const size_t *lens, size_t nparts)
{
	char want[SRS_HASH_MAX + 1];
	size_t n = given_len;

	if (given_len < o->hash_min)
		return SRS_E_HASH_SHORT;
	if (n > o->hash_length)
		n = o->hash_length; /* as postsrsd: only hash_length characters count */
	for (size_t i = 0; i < srs_keys_count(k); i++) {
		int diff = 0;
		if (make_hash(k, i, parts, lens, nparts, o->hash_length, 0, want) < 0)
			return SRS_E_TOO_LONG;
		for (size_t c = 0; c < n; c++) {
			int g = canon((unsigned char)given[c]), w = canon((unsigned char)want[c]);
			diff |= (g ^ w) | (g == 0);
		}
		if (diff == 0)
			return SRS_OK;
	}
	return SRS_E_HASH;
}

static void
make_stamp(int64_t now, char out[3])
{
	uint64_t day = now > 0 ? (uint64_t)now / DAY : 0;

	out[1] = b32[day & 31];
	out[0] = b32[(day >> 5) & 31];
	out[2] = '\0';
}

/* RFC-less but postsrsd-exact: valid when at most max_age days old, modulo 1024 days. */
static enum srs_status
check_stamp(const struct srs_options *o, const char *s, size_t n, int64_t now)
{
	uint64_t then = 0, today;

	if (n != 2)
		return SRS_E_EXPIRED; /* postsrsd: "Time stamp out of date." */
	for (size_t i = 0; i < 2; i++) {
		char c = s[i] >= 'a' && s[i] <= 'z' ? (char)(s[i] - 'a' + 'A') : s[i];
		const char *p = c ? strchr(b32, c) : NULL;
		if (p == NULL)
			return SRS_E_STAMP;
		then = then << 5 | (uint64_t)(p - b32);
	}
	today = (now > 0 ? (uint64_t)now / DAY : 0) % STAMP_SLOTS;
	if (today < then)
		today += STAMP_SLOTS; /* it wrapped (or the stamp is from the future) */
	return today <= then + o->max_age ? SRS_OK : SRS_E_EXPIRED;
}

/* Keys and options in bounds; reversing needs no domain. */
static int
ready(const struct srs_keys *k, const struct srs_options *o, int need_domain)
{
	struct srs_options chk = *o;
	char err[8];

	if (!need_domain)
		chk.domain = "srs.invalid";
	return k != NULL && srs_keys_count(k) > 0 && srs_options_check(&chk, err, sizeof(err)) == 0;
}

/* snprintf into out, bounded by outsz and SRS_ADDR_MAX. */
static enum srs_status __attribute__((format(printf, 3, 4)))
emit(char *out, size_t outsz, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, outsz, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= outsz || n > SRS_ADDR_MAX) {
		if (outsz)
			out[0] = '\0';
		return SRS_E_TOO_LONG;
	}
	return SRS_OK;
}

/* Characters a local part may hold to travel inside an SRS local part. */
static int
plain_local(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= 0x20 || c == 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' ||
		    c == '(' || c == ')' || c == ',' || c == ';' || c == ':' || c == '[' ||
		    c == ']')
			return 0;
	}
	return 1;
}

/* A domain name: letters, digits, '-', '_', '.', UTF-8; no literal, no '=' (the
 * separator of the fields it goes into). */
static int
plain_host(const char *s)
{
	if (*s == '\0' || *s == '.')
		return 0;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		        c == '-' || c == '_' || c == '.' || c >= 0x80))
			return 0;
	}
	return 1;
}

enum srs_status
srs_forward(const struct srs_keys *k, const struct srs_options *o, const char *sender, int64_t now,
    char *out, size_t outsz)
{
	size_t len = strlen(sender), llen;
	const char *at = strchr(sender, '@'), *host;
	char hash[SRS_HASH_MAX + 1];

	if (outsz)
		out[0] = '\0';
	if (!ready(k, o, 1))
		return SRS_E_CONFIG;
	if (len > SRS_ADDR_MAX)
		return SRS_E_TOO_LONG;
	if (at == NULL || at == sender || at[1] == '\0')
		return SRS_E_SYNTAX;
	llen = (size_t)(at - sender);
	host = at + 1;
	if (!plain_local(sender, llen))
		return SRS_E_UNSUPPORTED; /* quoted, or spaces: beyond what SRS carries */
	if (!plain_host(host))
		return SRS_E_SYNTAX;
	/* Senders of the SRS domain need no rewriting (their bounces come here). */
	if (!o->always_rewrite && strcasecmp(host, o->domain) == 0)
		return emit(out, outsz, "%s", sender) == SRS_OK ? SRS_UNCHANGED : SRS_E_TOO_LONG;

	if (srs_is_srs(sender, llen) && sender[3] == '1') {
		/* Someone's SRS1: keep its first forwarder and rest, sign again. */
		struct srs_addr a;
		if (srs_parse(sender, llen, &a) != SRS_OK)
			return SRS_E_SYNTAX;
		const char *parts[] = { a.host, a.user };
		const size_t lens[] = { a.host_len, a.user_len };
		if (make_hash(k, 0, parts, lens, 2, o->hash_length, o->classic_base64, hash) < 0)
			return SRS_E_TOO_LONG;
		return emit(out, outsz, "SRS1%c%s=%.*s=%.*s@%s", o->separator, hash,
		    (int)a.host_len, a.host, (int)a.user_len, a.user, o->domain);
	}
	if (srs_is_srs(sender, llen)) {
		/* Someone's SRS0: SRS1 names that forwarder and carries the rest
		 * (from its separator on) unchanged. */
		const char *parts[] = { host, sender + 4 };
		const size_t lens[] = { strlen(host), llen - 4 };
		if (make_hash(k, 0, parts, lens, 2, o->hash_length, o->classic_base64, hash) < 0)
			return SRS_E_TOO_LONG;
		return emit(out, outsz, "SRS1%c%s=%s=%.*s@%s", o->separator, hash, host,
		    (int)(llen - 4), sender + 4, o->domain);
	}
	char stamp[3];
	make_stamp(now, stamp);
	const char *parts[] = { stamp, host, sender };
	const size_t lens[] = { 2, strlen(host), llen };
	if (make_hash(k, 0, parts, lens, 3, o->hash_length, o->classic_base64, hash) < 0)
		return SRS_E_TOO_LONG;
	return emit(out, outsz, "SRS0%c%s=%s=%s=%.*s@%s", o->separator, hash, stamp, host,
	    (int)llen, sender, o->domain);
}

enum srs_status
srs_reverse(const struct srs_keys *k, const struct srs_options *o, const char *addr, int64_t now,
    char *out, size_t outsz)
{
	struct srs_addr a;
	enum srs_status st;

	if (outsz)
		out[0] = '\0';
	st = srs_parse(addr, strlen(addr), &a);
	if (st != SRS_OK)
		return st;
	if (!ready(k, o, 0))
		return SRS_E_CONFIG;
	if (a.srs1) {
		const char *parts[] = { a.host, a.user };
		const size_t lens[] = { a.host_len, a.user_len };
		st = check_hash(k, o, a.hash, a.hash_len, parts, lens, 2);
		if (st != SRS_OK)
			return st;
		return emit(
		    out, outsz, "SRS0%.*s@%.*s", (int)a.user_len, a.user, (int)a.host_len, a.host);
	}
	/* postsrsd's order: the timestamp first, then the hash */
	st = check_stamp(o, a.stamp, a.stamp_len, now);
	if (st != SRS_OK)
		return st;
	const char *parts[] = { a.stamp, a.host, a.user };
	const size_t lens[] = { a.stamp_len, a.host_len, a.user_len };
	st = check_hash(k, o, a.hash, a.hash_len, parts, lens, 3);
	if (st != SRS_OK)
		return st;
	return emit(out, outsz, "%.*s@%.*s", (int)a.user_len, a.user, (int)a.host_len, a.host);
}
