/*
 * Fuzz target: SRS addresses (srs.c). Any bytes as an address: taking it
 * apart stays inside it; reversing it is bounded and, when it succeeds,
 * gives local@domain (or the SRS0 address of an SRS1's first forwarder).
 * The same bytes as a sender: a rewrite that succeeds reverses to the
 * sender (SRS0) or to the forwarder's SRS0 (SRS1), under the same key.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/srs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW 1700000000LL

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct srs_keys *keys;
	struct srs_options o;
	struct srs_addr a;
	char out[SRS_ADDR_MAX + 1], back[SRS_ADDR_MAX + 1];
	char *s;
	enum srs_status st;

	if (keys == NULL) {
		const char *k[] = { "fuzz-key", "older-key" };
		keys = srs_keys_new(k, 2);
	}
	srs_options_default(&o);
	o.domain = "srs.example";
	if (size > 0) {
		/* the first byte picks options, so the fuzzer sees them all */
		o.separator = "=+-="[data[0] & 3];
		o.classic_base64 = (data[0] >> 2) & 1;
		o.hash_length = 1 + ((data[0] >> 3) % SRS_HASH_MAX);
		o.hash_min = o.hash_length;
		data++;
		size--;
	}
	s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	size = strlen(s);

	st = srs_parse(s, size, &a);
	if (st == SRS_OK) {
		const char *end = s + size;
		if (a.hash + a.hash_len > end || a.host + a.host_len > end ||
		    a.user + a.user_len > end || a.host_len == 0 || a.user_len == 0 ||
		    (a.stamp && a.stamp + a.stamp_len > end) ||
		    (a.domain && a.domain + a.domain_len > end))
			abort();
		if (memchr(a.host, '=', a.host_len) || memchr(a.user, '@', a.user_len))
			abort();
	}
	st = srs_reverse(keys, &o, s, NOW, out, sizeof(out));
	if (strnlen(out, sizeof(out)) > SRS_ADDR_MAX || (st != SRS_OK && out[0]))
		abort();
	if (st == SRS_OK && strchr(out, '@') == NULL)
		abort();

	st = srs_forward(keys, &o, s, NOW, out, sizeof(out));
	if (strnlen(out, sizeof(out)) > SRS_ADDR_MAX)
		abort();
	if (st == SRS_UNCHANGED && strcmp(out, s) != 0)
		abort();
	if (st == SRS_OK) {
		if (srs_reverse(keys, &o, out, NOW + 86400, back, sizeof(back)) != SRS_OK)
			abort(); /* what we write, we read back */
		if (strncmp(out, "SRS0", 4) == 0 && strcmp(back, s) != 0)
			abort(); /* SRS0 gives the sender back */
		if (strncmp(out, "SRS1", 4) == 0 && strncmp(back, "SRS0", 4) != 0)
			abort(); /* SRS1 gives the forwarder's SRS0 back */
	} else if (out[0] && st != SRS_UNCHANGED) {
		abort();
	}
	free(s);
	return 0;
}
