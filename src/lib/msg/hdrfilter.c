/*
 * hdrfilter: streaming header-field removal (see hdrfilter.h).
 */
#include "msg/hdrfilter.h"

#include <string.h>
#include <strings.h>

enum {
	HF_LINE_START, /* at the start of a header line */
	HF_IN_FIELD,   /* collecting a field */
	HF_BODY,       /* past the header section: pass everything */
	HF_PASS_FIELD, /* a field too long to judge: pass it through */
};

void
hdrfilter_init(struct hdrfilter *f, hdrfilter_judge judge, void *arg)
{
	memset(f, 0, sizeof(*f));
	strbuf_init(&f->field, HDRFILTER_FIELD_MAX);
	f->judge = judge;
	f->arg = arg;
	f->state = HF_LINE_START;
}

void
hdrfilter_free(struct hdrfilter *f)
{
	strbuf_free(&f->field);
}

/* A whole field is in: keep or drop it. */
static int
settle(struct hdrfilter *f, struct strbuf *out)
{
	int rc = 0;

	if (f->field.len == 0)
		return 0;
	if (f->judge == NULL || f->judge(f->arg, f->field.s, f->field.len))
		rc = strbuf_append(out, f->field.s, f->field.len);
	else
		f->dropped++;
	strbuf_reset(&f->field);
	return rc;
}

int
hdrfilter_feed(struct hdrfilter *f, const char *in, size_t len, struct strbuf *out)
{
	size_t i = 0;

	while (i < len) {
		if (f->state == HF_BODY)
			return strbuf_append(out, in + i, len - i);
		/* The end of the current line in this chunk, if any. */
		const char *nl = memchr(in + i, '\n', len - i);
		size_t n = nl ? (size_t)(nl - (in + i)) + 1 : len - i;
		const char *p = in + i;

		if (f->state == HF_PASS_FIELD) {
			if (strbuf_append(out, p, n) < 0)
				return -1;
			i += n;
			if (nl)
				f->state = HF_LINE_START;
			continue;
		}
		if (f->state == HF_LINE_START) {
			if (p[0] == ' ' || p[0] == '\t') {
				/* a continuation line: part of the field being held */
				f->state = HF_IN_FIELD;
			} else {
				if (settle(f, out) < 0)
					return -1;
				if (p[0] == '\r' || p[0] == '\n') {
					/* the empty line: the body starts after it */
					f->state = HF_BODY;
					continue;
				}
				f->state = HF_IN_FIELD;
			}
		}
		/* HF_IN_FIELD: collect, unless the field grows too long. */
		if (strbuf_append(&f->field, p, n) < 0) {
			if (strbuf_append(out, f->field.s, f->field.len) < 0 ||
			    strbuf_append(out, p, n) < 0)
				return -1;
			strbuf_reset(&f->field);
			f->state = nl ? HF_LINE_START : HF_PASS_FIELD;
			i += n;
			continue;
		}
		i += n;
		if (nl)
			f->state = HF_LINE_START;
	}
	return 0;
}

int
hdrfilter_finish(struct hdrfilter *f, struct strbuf *out)
{
	if (f->state == HF_BODY || f->state == HF_PASS_FIELD)
		return 0;
	return settle(f, out);
}

int
hdrfilter_field_is(
    const char *field, size_t len, const char *name, const char **value, size_t *valuelen)
{
	size_t n = strlen(name);

	if (len <= n || strncasecmp(field, name, n) != 0)
		return 0;
	/* RFC 5322 2.2: the name, optional white space (obsolete), a colon */
	size_t i = n;
	while (i < len && (field[i] == ' ' || field[i] == '\t'))
		i++;
	if (i >= len || field[i] != ':')
		return 0;
	if (value) {
		*value = field + i + 1;
		*valuelen = len - i - 1;
	}
	return 1;
}
