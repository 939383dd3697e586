/*
 * Fuzz target: the arguments of vouch's own SMTP verbs, read from any
 * client: XVOUCH (vouch_cmd_parse: "<id>" or "CHECK <id>") and XGEN
 * (gen_parse: "<generation> <64 hex digits>"). An id that parses is
 * exactly VOUCH_ID_LEN characters that vouch_id_ok accepts; a generation
 * that parses is not negative and its cookie writes back to the hex
 * digits given.
 */
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "auth/gen.h"
#include "auth/vouch.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	enum vouch_cmd kind;
	char id[VOUCH_ID_LEN + 1];
	long long g;
	uint8_t cookie[GEN_COOKIE_LEN];
	char hex[GEN_COOKIE_HEX + 1];

	if (vouch_cmd_parse(s, size, &kind, id) == 0) {
		if (strlen(id) != VOUCH_ID_LEN || !vouch_id_ok(id, VOUCH_ID_LEN))
			__builtin_trap();
		if (kind != VOUCH_CMD_OFFER && kind != VOUCH_CMD_CHECK)
			__builtin_trap();
	}
	if (gen_parse(s, size, &g, cookie) == 0) {
		if (g < 0 || size < GEN_COOKIE_HEX)
			__builtin_trap();
		gen_hex(cookie, hex);
		if (strncasecmp(hex, s + size - GEN_COOKIE_HEX, GEN_COOKIE_HEX) != 0)
			__builtin_trap();
	}
	return 0;
}
