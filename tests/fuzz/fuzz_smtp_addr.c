/* Fuzz target: the RFC 5321/6531 path and mailbox grammar. */
#include <stdint.h>
#include <string.h>

#include "smtp/smtp_addr.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smtp_addr a;
	size_t used;
	char buf[700];
	int opts = size ? data[0] & 7 : 0;
	const char *s = (const char *)data + (size ? 1 : 0);
	size_t n = size ? size - 1 : 0;

	if (smtp_addr_parse_path(s, n, opts, &a, &used) == SMTP_ADDR_OK) {
		if (used > n || strlen(a.local) >= sizeof(a.local) || strlen(a.domain) > SMTP_DOMAIN_MAX)
			__builtin_trap();
		smtp_addr_format(&a, buf, sizeof(buf));
	}
	if (smtp_addr_parse_mailbox(s, n, opts, &a) == SMTP_ADDR_OK)
		smtp_addr_format(&a, buf, sizeof(buf));
	smtp_addr_domain_ok(s, n, opts & 2);
	return 0;
}
