/* Fuzz target: the users file and the alias table, and resolution
 * through whatever aliases parse. */
#include <stdint.h>
#include <string.h>

#include "local/resolve.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf errs;
	struct users *u;
	struct aliases *a;
	char *dv[] = { "example.com" };
	struct conf_list domains = { dv, 1 };
	struct resolved r;

	strbuf_init(&errs, 1 << 20);
	u = users_parse((const char *)data, size, "users", &errs);
	a = aliases_parse((const char *)data, size, "aliases", &errs);
	if (a) {
		static const char *const names[] = { "postmaster", "a", "team", "x" };
		for (size_t i = 0; i < 4; i++)
			if (resolve_address(u, a, &domains, names[i], "example.com", &r) == RESOLVE_OK)
				resolved_clear(&r);
	}
	users_free(u);
	aliases_free(a);
	strbuf_free(&errs);
	return 0;
}
