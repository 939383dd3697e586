/*
 * smtp_data: message text decoder (see smtp_data.h).
 */
#include "smtp/smtp_data.h"

#include <string.h>

enum {
	ST_BOL,    /* at the start of a line (after CRLF, or first line) */
	ST_DOT,    /* DATA: "." at the start of a line */
	ST_DOT_CR, /* DATA: "." CR at the start of a line */
	ST_TEXT,   /* inside a line */
	ST_CR,     /* inside a line, after CR */
};

void
smtp_data_init(struct smtp_data *d, enum smtp_data_mode mode, size_t max_line)
{
	memset(d, 0, sizeof(*d));
	d->mode = mode;
	d->max_line = max_line;
	d->state = ST_BOL;
}

static void
fail(struct smtp_data *d, enum smtp_data_err e)
{
	if (d->err == SMTP_DATA_OK)
		d->err = e;
}

static void
emit(struct smtp_data *d, char *out, size_t *o, const char *p, size_t n)
{
	if (d->err != SMTP_DATA_OK)
		return;
	memcpy(out + *o, p, n);
	*o += n;
	d->out_total += n;
}

/* Count one octet of line text and check the line limit. */
static void
count(struct smtp_data *d, size_t n)
{
	d->line_len += n;
	/* RFC 5321 4.5.3.1.6: the limit counts the CRLF too. */
	if (d->line_len + 2 > d->max_line)
		fail(d, SMTP_DATA_E_LINE_LONG);
}

size_t
smtp_data_feed(struct smtp_data *d, const char *in, size_t inlen, char *out, size_t *outlen)
{
	size_t i, o = 0;

	for (i = 0; i < inlen && !d->done; i++) {
		char c = in[i];

		if (c == '\0')
			fail(d, SMTP_DATA_E_NUL);
		switch (d->state) {
		case ST_BOL:
			if (c == '.' && d->mode == SMTP_DATA_DOT) {
				d->state = ST_DOT;
				break;
			}
			d->state = ST_TEXT;
			/* FALLTHROUGH */
		case ST_TEXT:
		text:
			if (c == '\r') {
				d->state = ST_CR;
			} else if (c == '\n') {
				/* bare LF: bad; after an error it is just an octet */
				fail(d, SMTP_DATA_E_BARE_LF);
				d->state = ST_TEXT;
			} else {
				count(d, 1);
				emit(d, out, &o, &c, 1);
			}
			break;
		case ST_DOT:
			if (c == '\r') {
				d->state = ST_DOT_CR;
				break;
			}
			/* RFC 5321 4.5.2: drop the stuffed dot, keep the rest
			 * (the dot still counts toward the line's length). */
			count(d, 1);
			d->state = ST_TEXT;
			goto text;
		case ST_DOT_CR:
			if (c == '\n') {
				d->done = 1;
				break;
			}
			/* ".\r" then something else: a bare CR on a dot line. */
			fail(d, SMTP_DATA_E_BARE_CR);
			count(d, 2);
			d->state = ST_TEXT;
			goto text;
		case ST_CR:
			if (c == '\n') {
				emit(d, out, &o, "\r\n", 2);
				d->line_len = 0;
				d->state = ST_BOL;
				break;
			}
			fail(d, SMTP_DATA_E_BARE_CR);
			count(d, 1);
			d->state = ST_TEXT;
			goto text;
		}
	}
	*outlen = o;
	return i;
}

void
smtp_data_finish(struct smtp_data *d, char *out, size_t *outlen)
{
	size_t o = 0;

	*outlen = 0;
	if (d->state == ST_CR) {
		fail(d, SMTP_DATA_E_BARE_CR);
		return;
	}
	/* RFC 3030 permits a chunk to end mid-line; terminate the message. */
	if (d->state == ST_TEXT)
		emit(d, out, &o, "\r\n", 2);
	d->state = ST_BOL;
	*outlen = o;
}

const char *
smtp_data_strerror(enum smtp_data_err e)
{
	switch (e) {
	case SMTP_DATA_OK: return "ok";
	case SMTP_DATA_E_BARE_CR:
		return "Message rejected: bare CR in message text (RFC 5321 2.3.8)";
	case SMTP_DATA_E_BARE_LF:
		return "Message rejected: bare LF in message text (RFC 5321 2.3.8)";
	case SMTP_DATA_E_NUL: return "Message rejected: NUL octet in message text";
	case SMTP_DATA_E_LINE_LONG: return "Message rejected: line too long (RFC 5321 4.5.3.1.6)";
	}
	return "Message rejected";
}
