/*
 * fuzz_received_chain: arbitrary bytes as a message: the header reader
 * (header_fields), the Received chain parser (received_chain) and the hand-off
 * picker (reg_report_find_handoff), checking every output stays
 * terminated and within its bounds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "msg/received_chain.h"
#include "reg_report.h"

static int
match(void *ctx, const char *host, const char *ip, char *name, size_t namesz)
{
	(void)ctx;
	/* pretend every third distinct-looking name is registered */
	const char *s = host ? host : ip;
	if (s == NULL || strlen(s) % 3 != 0)
		return 0;
	strncpy(name, s, namesz - 1);
	name[namesz - 1] = '\0';
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct received_chain *c = malloc(sizeof(*c));
	char name[256], tracking[128];

	if (c == NULL)
		return 0;
	received_chain_parse((const char *)data, size, c);
	if (c->n > RECEIVED_CHAIN_HOPS)
		abort();
	for (size_t i = 0; i < c->n; i++) {
		const struct received_hop *h = &c->hops[i];
		if (strlen(h->from_helo) >= sizeof(h->from_helo) || strlen(h->by) >= sizeof(h->by) ||
		    strlen(h->id) >= sizeof(h->id) || strlen(h->from_ip) >= sizeof(h->from_ip) ||
		    strlen(h->date) >= sizeof(h->date) || strlen(h->for_addr) >= sizeof(h->for_addr))
			abort();
	}
	{
		int hop = reg_report_find_handoff(c, size > 0 && data[0] == 'S' ? "192.0.2.1" : "",
		    match, NULL, name, sizeof(name), tracking, sizeof(tracking));
		if (hop >= (int)c->n && c->n > 0)
			abort();
	}
	/* one field value on its own, too */
	if (size < 4096) {
		char *v = malloc(size + 1);
		struct received_hop h;
		memcpy(v, data, size);
		v[size] = '\0';
		received_chain_parse_field(v, &h);
		free(v);
	}
	free(c);
	return 0;
}
