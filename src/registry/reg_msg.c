/*
 * reg_msg: header section reading (see reg_msg.h).
 */
#include "reg_msg.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/str.h"

void
reg_msg_reader_init(struct reg_msg_reader *r, const char *text, size_t len)
{
	r->text = text;
	r->len = len;
	r->off = 0;
	r->done = 0;
}

/* Length of the line at off without its terminator; *next after it. */
static size_t
line_at(const char *t, size_t len, size_t off, size_t *next)
{
	const char *nl = memchr(t + off, '\n', len - off);
	size_t end = nl ? (size_t)(nl - t) : len;

	*next = nl ? end + 1 : len;
	if (end > off && t[end - 1] == '\r')
		end--;
	return end - off;
}

int
reg_msg_next(struct reg_msg_reader *r, struct reg_msg_field *f)
{
	size_t next, l, o = 0, i;
	const char *line;

	if (r->done || r->off >= r->len)
		return 0;
	/* skip an mbox "From " separator line at the very start */
	if (r->off == 0 && r->len >= 5 && memcmp(r->text, "From ", 5) == 0)
		line_at(r->text, r->len, 0, &r->off);
	l = line_at(r->text, r->len, r->off, &next);
	line = r->text + r->off;
	if (l == 0) {
		r->done = 1;
		r->off = next;
		return 0;
	}
	for (i = 0; i < l && line[i] != ':'; i++)
		if (line[i] <= ' ' || line[i] > '~')
			break;
	if (i == 0 || i >= l || line[i] != ':') {
		r->done = 1; /* not a field: the body starts here */
		return 0;
	}
	str_copy(f->name, sizeof(f->name), "");
	{
		size_t nl = i < sizeof(f->name) - 1 ? i : sizeof(f->name) - 1;
		memcpy(f->name, line, nl);
		f->name[nl] = '\0';
	}
	f->truncated = 0;
	i++;
	while (i < l && (line[i] == ' ' || line[i] == '\t'))
		i++;
	for (;;) {
		for (; i < l; i++) {
			if (o + 1 >= sizeof(f->value)) {
				f->truncated = 1;
				break;
			}
			f->value[o++] = line[i];
		}
		r->off = next;
		if (r->off >= r->len || (r->text[r->off] != ' ' && r->text[r->off] != '\t'))
			break;
		/* continuation: the folding CRLF goes, the blank stays */
		l = line_at(r->text, r->len, r->off, &next);
		line = r->text + r->off;
		i = 0;
	}
	f->value[o] = '\0';
	return 1;
}

size_t
reg_msg_body_offset(const char *text, size_t len)
{
	size_t off = 0;

	while (off < len) {
		size_t next, l = line_at(text, len, off, &next);
		if (l == 0)
			return next;
		off = next;
	}
	return len;
}

int
reg_msg_find(const char *text, size_t len, const char *name, char *out, size_t outsz)
{
	struct reg_msg_reader r;
	struct reg_msg_field *f = malloc(sizeof(*f));
	int found = 0;

	if (f == NULL)
		return 0;
	reg_msg_reader_init(&r, text, len);
	while (reg_msg_next(&r, f)) {
		if (str_ieq(f->name, name)) {
			str_copy(out, outsz, f->value);
			found = 1;
			break;
		}
	}
	free(f);
	return found;
}

int
reg_msg_param(const char *value, const char *param, char *out, size_t outsz)
{
	size_t pl = strlen(param);
	const char *p = value;

	while ((p = strchr(p, ';')) != NULL) {
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncasecmp(p, param, pl) == 0) {
			const char *q = p + pl;
			while (*q == ' ' || *q == '\t')
				q++;
			if (*q != '=')
				continue;
			q++;
			while (*q == ' ' || *q == '\t')
				q++;
			size_t o = 0;
			if (*q == '"') {
				q++;
				while (*q && *q != '"' && o + 1 < outsz) {
					if (*q == '\\' && q[1])
						q++;
					out[o++] = *q++;
				}
			} else {
				while (*q && *q != ';' && *q != ' ' && *q != '\t' && o + 1 < outsz)
					out[o++] = *q++;
			}
			out[o] = '\0';
			return o > 0;
		}
	}
	return 0;
}

void
reg_msg_media_type(const char *value, char *out, size_t outsz)
{
	size_t o = 0;

	while (*value == ' ' || *value == '\t')
		value++;
	while (*value && *value != ';' && *value != ' ' && *value != '\t' && o + 1 < outsz)
		out[o++] = (char)tolower((unsigned char)*value++);
	out[o] = '\0';
}
