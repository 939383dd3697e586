/*
 * header_fields: header fields through libvouch's MIME header reader (see
 * header_fields.h).
 */
#include "msg/header_fields.h"

#include <stdlib.h>
#include <string.h>

#include "util/str.h"

/* Where the header section starts: after an mbox "From " line. */
static size_t
start_of(const char *text, size_t len)
{
	size_t eol, l;

	if (len < 5 || memcmp(text, "From ", 5) != 0)
		return 0;
	l = mime_line(text, 0, len, &eol);
	return l + eol;
}

void
header_fields_init(struct header_fields *r, const char *text, size_t len)
{
	r->text = text;
	r->done = 0;
	mime_hdrs_init(&r->h, text, start_of(text, len), len, 0);
}

int
header_fields_next(struct header_fields *r, struct header_field *f)
{
	struct mime_field mf;
	const char *v;
	size_t nl, o = 0, i = 0;

	if (r->done)
		return 0;
	if (!mime_hdrs_next(&r->h, &mf)) {
		r->done = 1;
		return 0;
	}
	nl = mf.name_len < sizeof(f->name) - 1 ? mf.name_len : sizeof(f->name) - 1;
	memcpy(f->name, r->text + mf.off, nl);
	f->name[nl] = '\0';
	f->truncated = 0;
	v = r->text + mf.value_off;
	while (i < mf.value_len && (v[i] == ' ' || v[i] == '\t'))
		i++;
	/* unfold: the line breaks go, the blanks that follow them stay */
	for (; i < mf.value_len; i++) {
		if (v[i] == '\r' || v[i] == '\n')
			continue;
		if (o + 1 >= sizeof(f->value)) {
			f->truncated = 1;
			break;
		}
		f->value[o++] = v[i];
	}
	f->value[o] = '\0';
	return 1;
}

size_t
header_fields_body_offset(const char *text, size_t len)
{
	struct mime_hdrs h;
	struct mime_field f;

	mime_hdrs_init(&h, text, start_of(text, len), len, 0);
	while (mime_hdrs_next(&h, &f))
		;
	return h.body;
}

int
header_fields_find(const char *text, size_t len, const char *name, char *out, size_t outsz)
{
	struct header_fields r;
	struct header_field *f = malloc(sizeof(*f));
	int found = 0;

	if (f == NULL)
		return 0;
	header_fields_init(&r, text, len);
	while (header_fields_next(&r, f)) {
		if (str_ieq(f->name, name)) {
			str_copy(out, outsz, f->value);
			found = 1;
			break;
		}
	}
	free(f);
	return found;
}
