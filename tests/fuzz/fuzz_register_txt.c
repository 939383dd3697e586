/*
 * Fuzz target: the register's TXT record parser (register_txt.c). Any
 * bytes in; a record that parses must hold only values the parser
 * promises (a known or well-formed class, a real date, a valid host
 * name), and a refused one must leave nothing behind but a reason.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/register.h"
#include "dns/dns_name.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct register_txt t, again;
	char err[200];

	err[0] = '\0';
	if (register_txt_parse((const char *)data, size, &t, err, sizeof(err)) < 0) {
		if (err[0] == '\0' || t.klass != REGISTER_CLASS_NONE || t.host[0] || t.has_since)
			abort();
		return 0;
	}
	if ((unsigned)t.klass > REGISTER_CLASS_OTHER)
		abort();
	if (t.klass != REGISTER_CLASS_NONE && (t.class_text[0] == '\0' ||
	    strlen(t.class_text) >= sizeof(t.class_text)))
		abort();
	if (t.klass != REGISTER_CLASS_NONE && t.klass != REGISTER_CLASS_OTHER &&
	    strcmp(register_class_name(t.klass), t.class_text) != 0)
		abort();
	if (t.has_since && (t.year < 1970 || t.year > 9999 || t.month < 1 || t.month > 12 ||
	    t.day < 1 || t.day > 31))
		abort();
	if (t.host[0] && dns_name_check(t.host) < 0)
		abort();
	if (t.has_sponsors && t.sponsors > 999999999UL)
		abort();
	/* Deterministic: the same bytes give the same record. */
	if (register_txt_parse((const char *)data, size, &again, err, sizeof(err)) < 0 ||
	    memcmp(&t, &again, sizeof(t)) != 0)
		abort();
	return 0;
}
