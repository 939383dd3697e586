/*
 * Fuzz target: the header filter that streams every message received
 * (msg/hdrfilter) with vouchd's kind of judge: Authentication-Results
 * fields claiming our authserv-id (authres_authserv_id) and our own
 * verdict fields are dropped, the Subject is tagged (mime_notice_subject)
 * and written by the judge into the same output, as vouchd does. The
 * first octet picks the chunk size. Checks: the message cut into chunks
 * comes out exactly as the message fed whole; nothing appears that was
 * not there but the tag; filtering the output again changes nothing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "msg/authres.h"
#include "msg/hdrfilter.h"
#include "msg/mime_hdr.h"
#include "msg/mime_notice.h"
#include "util/str.h"

#define OURS "mx.example"
#define TAG "[UNSAFE]"

struct judge {
	struct strbuf *out;	/* where the filter is writing now */
	int tagged;
};

static int
judge(void *arg, const char *field, size_t len)
{
	struct judge *j = arg;
	const char *v;
	size_t vl;
	char id[256];

	if (hdrfilter_field_is(field, len, "Authentication-Results", &v, &vl) &&
	    authres_authserv_id(v, vl, id, sizeof(id)) == 0 && strcmp(id, OURS) == 0)
		return 0;
	if (hdrfilter_field_is(field, len, "X-Vouch-Verdict", NULL, NULL))
		return 0;
	if (!j->tagged && hdrfilter_field_is(field, len, "Subject", NULL, NULL)) {
		struct mime_hdrs h;
		struct mime_field f;
		mime_hdrs_init(&h, field, 0, len, len + 1);
		if (mime_hdrs_next(&h, &f) == 1 && f.off == 0 && f.len == len &&
		    mime_notice_subject(field, &f, TAG, j->out) == 0) {
			j->tagged = 1;
			return 0;
		}
	}
	return 1;
}

static void
run(const char *in, size_t len, size_t chunk, struct strbuf *out)
{
	struct hdrfilter f;
	struct judge j = { out, 0 };

	hdrfilter_init(&f, judge, &j);
	for (size_t o = 0; o < len; o += chunk) {
		size_t n = len - o < chunk ? len - o : chunk;
		if (hdrfilter_feed(&f, in + o, n, out) < 0)
			__builtin_trap();
	}
	if (hdrfilter_finish(&f, out) < 0)
		__builtin_trap();
	hdrfilter_free(&f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf whole, cut, again;
	size_t chunk;
	const char *in;

	if (size < 1 || size > (1 << 20))
		return 0;
	chunk = (size_t)data[0] % 64 + 1;
	in = (const char *)data + 1;
	size--;
	strbuf_init(&whole, 4 << 20);
	strbuf_init(&cut, 4 << 20);
	strbuf_init(&again, 4 << 20);
	run(in, size, size ? size : 1, &whole);
	run(in, size, chunk, &cut);
	if (whole.len != cut.len || (whole.len && memcmp(whole.s, cut.s, whole.len) != 0))
		__builtin_trap();
	/* at most the tag, a space and a fold were added */
	if (whole.len > size + sizeof(TAG) + 8)
		__builtin_trap();
	run(whole.s ? whole.s : "", whole.len, chunk, &again);
	if (again.len != whole.len || (whole.len && memcmp(again.s, whole.s, whole.len) != 0))
		__builtin_trap();
	strbuf_free(&whole);
	strbuf_free(&cut);
	strbuf_free(&again);
	return 0;
}
