/*
 * hdrfilter: removes header fields from a message as it streams past,
 * e.g. Authentication-Results that claim to come from us (RFC 8601 5).
 * Pure and incremental: bytes in (CRLF text, any chunking), bytes out.
 *
 * Each field (its first line and continuation lines) is collected whole
 * and given to the caller's judge, which keeps or drops it. A field longer
 * than HDRFILTER_FIELD_MAX is passed on unjudged (never truncated). After
 * the empty line that ends the header section everything passes through.
 */
#ifndef VOUCH_MSG_HDRFILTER_H
#define VOUCH_MSG_HDRFILTER_H

#include <stddef.h>

#include "util/str.h"

#define HDRFILTER_FIELD_MAX (64 * 1024)

/* Return 1 to keep the field, 0 to drop it. field holds name, colon,
 * value and continuation lines, with their CRLFs. */
typedef int (*hdrfilter_judge)(void *arg, const char *field, size_t len);

struct hdrfilter {
	int state;           /* internal */
	struct strbuf field; /* the field being collected */
	hdrfilter_judge judge;
	void *arg;
	unsigned dropped;
};

void hdrfilter_init(struct hdrfilter *f, hdrfilter_judge judge, void *arg);
void hdrfilter_free(struct hdrfilter *f);
/* Feed input; whatever is to be kept is appended to out. */
int hdrfilter_feed(struct hdrfilter *f, const char *in, size_t len, struct strbuf *out);
/* End of message: flush what is held. */
int hdrfilter_finish(struct hdrfilter *f, struct strbuf *out);
/*
 * For judges: the field's name is name (case-insensitive)? If so, and
 * value is not NULL, value and valuelen point at the text after the colon.
 */
int hdrfilter_field_is(
    const char *field, size_t len, const char *name, const char **value, size_t *valuelen);

#endif
