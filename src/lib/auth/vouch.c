/*
 * vouch: XVOUCH ids, grammar and the session table (see vouch.h).
 */
#include "auth/vouch.h"

#include <arpa/inet.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "store/store.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

int
vouch_id_new(char id[VOUCH_ID_LEN + 1])
{
	unsigned char buf[64];
	size_t o = 0;

	while (o < VOUCH_ID_LEN) {
		if (RAND_bytes(buf, sizeof(buf)) != 1)
			return -1;
		/* Rejection sampling keeps every character equally likely. */
		for (size_t i = 0; i < sizeof(buf) && o < VOUCH_ID_LEN; i++)
			if (buf[i] < 248)
				id[o++] = alphabet[buf[i] % 62];
	}
	id[VOUCH_ID_LEN] = '\0';
	return 0;
}

int
vouch_id_ok(const char *s, size_t len)
{
	if (len != VOUCH_ID_LEN)
		return 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
			return 0;
	}
	return 1;
}

int
vouch_cmd_parse(const char *arg, size_t len, enum vouch_cmd *kind, char id[VOUCH_ID_LEN + 1])
{
	if (len > 6 && strncasecmp(arg, "CHECK ", 6) == 0) {
		*kind = VOUCH_CMD_CHECK;
		arg += 6;
		len -= 6;
	} else {
		*kind = VOUCH_CMD_OFFER;
	}
	if (!vouch_id_ok(arg, len))
		return -1;
	memcpy(id, arg, VOUCH_ID_LEN);
	id[VOUCH_ID_LEN] = '\0';
	return 0;
}

int
vouch_addr_canonical(const char *addr, char *out, size_t outsz)
{
	struct in6_addr a6;
	struct in_addr a4;

	if (inet_pton(AF_INET, addr, &a4) == 1)
		return inet_ntop(AF_INET, &a4, out, (socklen_t)outsz) ? 0 : -1;
	if (inet_pton(AF_INET6, addr, &a6) != 1)
		return -1;
	if (IN6_IS_ADDR_V4MAPPED(&a6)) {
		memcpy(&a4, &a6.s6_addr[12], 4);
		return inet_ntop(AF_INET, &a4, out, (socklen_t)outsz) ? 0 : -1;
	}
	return inet_ntop(AF_INET6, &a6, out, (socklen_t)outsz) ? 0 : -1;
}

int
vouch_table_add(struct store *st, const char *id, const char *peer_addr, const char *helo,
    int64_t now, int64_t ttl)
{
	char addr[64], value[512];

	if (vouch_addr_canonical(peer_addr, addr, sizeof(addr)) < 0)
		return -1;
	if (snprintf(value, sizeof(value), "%s %s %lld", addr, helo, (long long)now) >=
	    (int)sizeof(value))
		return -1;
	/* nobody waits: the id goes out only after a connect and an EHLO,
	 * by which time the write has long been made; a failure is logged */
	store_req_put(st, "xvouch", id, value, now + ttl, store_done_log, "xvouch_add", 0);
	return 0;
}

int
vouch_table_del(struct store *st, const char *id)
{
	store_req_del(st, "xvouch", id, store_done_log, "xvouch_del", 0);
	return 0;
}

int
vouch_table_matches(const char *value, const char *addr)
{
	char want[64];

	if (vouch_addr_canonical(addr, want, sizeof(want)) < 0)
		return 0;
	/* The peer is the first word of the record. */
	size_t n = strcspn(value, " ");
	return n == strlen(want) && memcmp(value, want, n) == 0;
}

int
vouch_table_check(struct store *st, const char *id, const char *addr)
{
	char *value = NULL;
	int rc = store_get(st, "xvouch", id, &value, NULL);

	if (rc != 1)
		return rc;
	rc = vouch_table_matches(value, addr);
	free(value);
	return rc;
}
