/*
 * Fuzz target: the unsafe copy of a message (msg/mime_strip). The first
 * octet picks options and limits, the rest is the message. Whatever the
 * input, the copy must stay within mime_strip_bound(), parse again as
 * clean MIME with plain text only (mime_strip_check), and stripping it a
 * second time must change nothing but the X-Vouch-Unsafe field.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg/mime_strip.h"

/* The copy without its first field (X-Vouch-Unsafe, always first). */
static const char *
after_first_field(const char *s, size_t len, size_t *rest)
{
	for (size_t i = 0; i + 2 < len; i++) {
		if (s[i] == '\r' && s[i + 1] == '\n' && s[i + 2] != ' ' && s[i + 2] != '\t') {
			*rest = len - i - 2;
			return s + i + 2;
		}
	}
	*rest = 0;
	return s + len;
}

/* Say which property broke, then crash. */
#define BROKEN(what) do { fprintf(stderr, "fuzz_mime_strip: %s\n", what); __builtin_trap(); } while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mime_strip_opts o;
	struct mime_strip_info info, info2;
	struct strbuf a, b;
	const char *why = NULL, *ra, *rb;
	size_t la, lb;
	size_t bound;

	if (size < 1)
		return 0;
	mime_strip_defaults(&o);
	o.strip_messages = data[0] & 1;
	o.html_text = !(data[0] & 2);
	if (data[0] & 4) {
		/* small limits, so that each is reached */
		o.limits.max_depth = 3;
		o.limits.max_parts = 8;
		o.limits.max_line = 100;
		o.max_size = 4096;
	}
	o.subject_tag = data[0] & 8 ? "[\xc3\xbcnsafe]" : "[UNSAFE]";
	o.reason = data[0] & 16 ? "SPF \"fail\"\r\n\x01 for example.com" : NULL;
	data++;
	size--;

	bound = mime_strip_bound(size, &o);
	strbuf_init(&a, bound);
	if (mime_strip((const char *)data, size, size, &o, &a, &info) != 0)
		BROKEN("the copy outgrew mime_strip_bound()");
	if (a.len > bound)
		BROKEN("the copy is larger than the bound");
	if (mime_strip_check(a.s, a.len, &o.limits, &why) != 0)
		BROKEN(why);

	if (a.len > o.max_size) {
		/* a second pass would only keep the header fields again */
		strbuf_free(&a);
		return 0;
	}
	strbuf_init(&b, mime_strip_bound(a.len, &o));
	if (mime_strip(a.s, a.len, a.len, &o, &b, &info2) != 0)
		BROKEN("the second pass failed");
	if (info2.removed != 0 || info2.replaced)
		BROKEN("the second pass removed something");
	ra = after_first_field(a.s, a.len, &la);
	rb = after_first_field(b.s, b.len, &lb);
	if (la != lb || memcmp(ra, rb, la) != 0)
		BROKEN("the second pass changed the copy");
	strbuf_free(&a);
	strbuf_free(&b);
	return 0;
}
