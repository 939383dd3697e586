/*
 * gen: hash-chain generations (see gen.h).
 */
#include "auth/gen.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <string.h>

#include "util/str.h"

const char *
gen_result_name(enum gen_result r)
{
	switch (r) {
	case GEN_CURRENT: return "current";
	case GEN_NEWER: return "newer";
	case GEN_OLDER: return "older";
	case GEN_TOO_OLD: return "too-old";
	case GEN_INVALID: return "invalid";
	case GEN_TOO_NEW: return "too-new";
	default: return "none";
	}
}

int
gen_seed_new(uint8_t c0[GEN_COOKIE_LEN])
{
	return RAND_bytes(c0, GEN_COOKIE_LEN) == 1 ? 0 : -1;
}

static void
hash_n(uint8_t c[GEN_COOKIE_LEN], long long n)
{
	for (long long i = 0; i < n; i++)
		SHA256(c, GEN_COOKIE_LEN, c);
}

int
gen_cookie(const uint8_t c0[GEN_COOKIE_LEN], long long g, uint8_t out[GEN_COOKIE_LEN])
{
	if (g < 0 || g > GEN_MAX)
		return -1;
	memcpy(out, c0, GEN_COOKIE_LEN);
	hash_n(out, g);
	return 0;
}

void
gen_hex(const uint8_t c[GEN_COOKIE_LEN], char out[GEN_COOKIE_HEX + 1])
{
	static const char hex[] = "0123456789abcdef";

	for (int i = 0; i < GEN_COOKIE_LEN; i++) {
		out[2 * i] = hex[c[i] >> 4];
		out[2 * i + 1] = hex[c[i] & 15];
	}
	out[GEN_COOKIE_HEX] = '\0';
}

int
gen_unhex(const char *hex, size_t len, uint8_t out[GEN_COOKIE_LEN])
{
	if (len != GEN_COOKIE_HEX)
		return -1;
	for (int i = 0; i < GEN_COOKIE_LEN; i++) {
		int h = str_hexval(hex[2 * i]), l = str_hexval(hex[2 * i + 1]);
		if (h < 0 || l < 0)
			return -1;
		out[i] = (uint8_t)(h * 16 + l);
	}
	return 0;
}

enum gen_result
gen_verify(long long g, const uint8_t cg[GEN_COOKIE_LEN], long long tolerance, long long max_newer,
    long long peer_g, const uint8_t peer_cookie[GEN_COOKIE_LEN])
{
	uint8_t x[GEN_COOKIE_LEN];

	if (peer_g < 0 || peer_g > GEN_MAX || g < 0 || g > GEN_MAX)
		return GEN_INVALID;
	/* Far newer than us: checking would mean hashing g - g' times on the
	 * event loop (a million for XGEN 0 against generation 1000000). */
	if (peer_g < g && g - peer_g > max_newer)
		return GEN_TOO_NEW;
	if (peer_g < g) {
		/* The peer is newer: its cookie hashes forward to ours. */
		memcpy(x, peer_cookie, GEN_COOKIE_LEN);
		hash_n(x, g - peer_g);
		return CRYPTO_memcmp(x, cg, GEN_COOKIE_LEN) == 0 ? GEN_NEWER : GEN_INVALID;
	}
	/* Older than the tolerance: no need to hash (and a peer must not be
	 * able to make us hash a million times); too old either way. */
	if (peer_g - g > tolerance)
		return GEN_TOO_OLD;
	/* The peer is ours or older: ours hashes forward to its cookie. */
	memcpy(x, cg, GEN_COOKIE_LEN);
	hash_n(x, peer_g - g);
	if (CRYPTO_memcmp(x, peer_cookie, GEN_COOKIE_LEN) != 0)
		return GEN_INVALID;
	return peer_g == g ? GEN_CURRENT : GEN_OLDER;
}

int
gen_parse(const char *arg, size_t len, long long *g, uint8_t cookie[GEN_COOKIE_LEN])
{
	size_t i = 0;
	long long v = 0;

	if (len == 0 || arg[0] < '0' || arg[0] > '9')
		return -1;
	while (i < len && arg[i] >= '0' && arg[i] <= '9') {
		if (v > GEN_MAX)
			return -1;
		v = v * 10 + (arg[i] - '0');
		i++;
	}
	if (i >= len || arg[i] != ' ' || v > GEN_MAX)
		return -1;
	if (gen_unhex(arg + i + 1, len - i - 1, cookie) < 0)
		return -1;
	*g = v;
	return 0;
}

enum gen_result
gen_verify_cached(struct gen_cache *cache, long long g, const uint8_t cg[GEN_COOKIE_LEN],
    long long tolerance, long long max_newer, long long peer_g,
    const uint8_t peer_cookie[GEN_COOKIE_LEN])
{
	enum gen_result r;
	size_t victim = 0;

	/* Proven against our c_g: another generation or chain starts afresh. */
	if (!cache->ready || cache->g != g || CRYPTO_memcmp(cache->cg, cg, GEN_COOKIE_LEN) != 0) {
		memset(cache, 0, sizeof(*cache));
		for (size_t i = 0; i < GEN_CACHE_SLOTS; i++)
			cache->slot[i].g = -1;
		cache->g = g;
		memcpy(cache->cg, cg, GEN_COOKIE_LEN);
		cache->ready = 1;
	}
	for (size_t i = 0; peer_g >= 0 && i < GEN_CACHE_SLOTS; i++) {
		if (cache->slot[i].g != peer_g)
			continue;
		cache->slot[i].used = ++cache->tick;
		if (CRYPTO_memcmp(cache->slot[i].cookie, peer_cookie, GEN_COOKIE_LEN) != 0)
			return GEN_INVALID; /* one cookie per generation */
		if (peer_g < g)
			return g - peer_g > max_newer ? GEN_TOO_NEW : GEN_NEWER;
		return peer_g - g > tolerance ? GEN_TOO_OLD : GEN_OLDER;
	}
	r = gen_verify(g, cg, tolerance, max_newer, peer_g, peer_cookie);
	if (r != GEN_NEWER && r != GEN_OLDER)
		return r; /* current costs nothing; the rest proved nothing */
	for (size_t i = 1; i < GEN_CACHE_SLOTS; i++)
		if (cache->slot[i].used < cache->slot[victim].used)
			victim = i;
	cache->slot[victim].g = peer_g;
	memcpy(cache->slot[victim].cookie, peer_cookie, GEN_COOKIE_LEN);
	cache->slot[victim].used = ++cache->tick;
	return r;
}
