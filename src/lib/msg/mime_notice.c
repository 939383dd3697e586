/*
 * mime_notice: notices and the changed header fields (see mime_notice.h).
 */
#include "msg/mime_notice.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "msg/mime_text.h"

int
mime_notice_fields(struct strbuf *out)
{
	return strbuf_puts(out,
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n");
}

static void
human_size(uint64_t n, char *buf, size_t bufsz)
{
	if (n < 1024)
		snprintf(buf, bufsz, "%llu byte%s", (unsigned long long)n, n == 1 ? "" : "s");
	else if (n < 1024 * 1024)
		snprintf(buf, bufsz, "about %llu KB", (unsigned long long)((n + 512) / 1024));
	else
		snprintf(buf, bufsz, "about %llu.%llu MB", (unsigned long long)(n / (1024 * 1024)),
		    (unsigned long long)(n % (1024 * 1024) * 10 / (1024 * 1024)));
}

int
mime_notice_body(const struct mime_notice *n, struct strbuf *out)
{
	struct strbuf t;
	char size[64];
	int rc;

	strbuf_init(&t, MIME_NOTICE_MAX + n->textlen + 64);
	human_size(n->size, size, sizeof(size));
	if (n->whole)
		strbuf_printf(&t, "vouch removed the body of this unverified message%s%s.\n",
		    n->why ? ": " : "", n->why ? n->why : "");
	else if (n->top)
		strbuf_puts(&t, "vouch removed the content of this unverified message.\n");
	else
		strbuf_puts(&t, "vouch removed this part of an unverified message.\n");
	strbuf_printf(&t, "  Type: %.100s\n", n->type && n->type[0] ? n->type : "unknown");
	if (n->name && n->name[0])
		strbuf_printf(&t, "  File name: %.300s\n", n->name);
	strbuf_printf(&t, "  Size: %s\n", size);
	if (n->why && !n->whole)
		strbuf_printf(&t, "  Reason: %.200s\n", n->why);
	if (n->whole)
		strbuf_puts(&t, "The header fields of the message are kept above.\n");
	if (n->text && n->textlen) {
		strbuf_puts(&t, "Its text, without formatting, pictures or links:\n\n");
		/* a line of the text that starts like uuencoded or yEnc data
		 * would be decoded as an attachment by some readers */
		for (size_t i = 0; i < n->textlen;) {
			const char *nl = memchr(n->text + i, '\n', n->textlen - i);
			size_t l = nl ? (size_t)(nl - (n->text + i)) + 1 : n->textlen - i;
			if ((l >= 6 && memcmp(n->text + i, "begin ", 6) == 0) ||
			    (l >= 7 && memcmp(n->text + i, "=ybegin", 7) == 0))
				strbuf_puts(&t, "> ");
			strbuf_append(&t, n->text + i, l);
			i += l;
		}
		strbuf_puts(&t, "\n");
	}
	rc = mime_text_qp_encode(t.s ? t.s : "", t.len, out);
	strbuf_free(&t);
	return rc;
}

void
mime_notice_tag(const char *tag, char *out, size_t outsz)
{
	struct strbuf s;
	int ascii = 1;

	out[0] = '\0';
	if (tag == NULL || tag[0] == '\0')
		return;
	for (size_t i = 0; tag[i]; i++)
		if ((unsigned char)tag[i] >= 0x80)
			ascii = 0;
	strbuf_init(&s, MIME_NOTICE_TAG_MAX + 4);
	/* 45 octets make 60 in base64: the encoded word stays under 75 */
	mime_text_sanitize(tag, strlen(tag), 0, ascii ? MIME_NOTICE_TAG_MAX : 45, &s);
	if (s.len == 0) {
		/* nothing printable */
	} else if (ascii) {
		str_copy(out, outsz, s.s);
	} else {
		/* RFC 2047 4.1: one B-encoded word (the tag fits in 75 octets) */
		struct strbuf w;
		strbuf_init(&w, 200);
		strbuf_puts(&w, "=?UTF-8?B?");
		mime_text_b64_encode(s.s, s.len, &w);
		if (w.len >= 2 && w.s[w.len - 2] == '\r')
			w.len -= 2;
		w.s[w.len] = '\0';
		strbuf_puts(&w, "?=");
		str_copy(out, outsz, w.s);
		strbuf_free(&w);
	}
	strbuf_free(&s);
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Skip one "Re:"-like prefix at v[*i..n); 1 if one was there. */
static int
skip_reply_prefix(const char *v, size_t n, size_t *i)
{
	static const char *const words[] = { "re", "fwd", "fw", "aw", "wg", "sv", "antw", "tr",
		"rif", "vs", NULL };

	for (int k = 0; words[k]; k++) {
		size_t wl = strlen(words[k]), j = *i + wl;
		if (j > n || strncasecmp(v + *i, words[k], wl) != 0)
			continue;
		if (j < n && v[j] == '[') {
			/* "Re[2]:" */
			while (j < n && v[j] != ']' && j - *i < 16)
				j++;
			if (j < n && v[j] == ']')
				j++;
		}
		if (j < n && v[j] == ':') {
			j++;
			while (j < n && is_space(v[j]))
				j++;
			*i = j;
			return 1;
		}
	}
	return 0;
}

int
mime_notice_subject(
    const char *buf, const struct mime_field *f, const char *tag, struct strbuf *out)
{
	const char *v = buf + f->value_off;
	size_t n = f->value_len, i = 0, tl = strlen(tag), first = 0;
	const char *term = buf + f->value_off + f->value_len;
	size_t terml = f->off + f->len - (f->value_off + f->value_len);

	if (tl == 0)
		return strbuf_append(out, buf + f->off, f->len);
	while (i < n && is_space(v[i]))
		i++;
	for (int k = 0; k < 10 && skip_reply_prefix(v, n, &i); k++)
		;
	if (n - i >= tl && strncasecmp(v + i, tag, tl) == 0)
		return strbuf_append(out, buf + f->off, f->len);
	while (first < f->len && buf[f->off + first] != '\r' && buf[f->off + first] != '\n')
		first++;
	if (strbuf_append(out, buf + f->off, f->name_len + 1) < 0 || strbuf_puts(out, " ") < 0 ||
	    strbuf_append(out, tag, tl) < 0)
		return -1;
	if (first + tl + 1 > 78) {
		/* RFC 5322 2.1.1: fold after the tag rather than make a long line */
		i = 0;
		while (i < n && is_space(v[i]))
			i++;
		if (i < n &&
		    (strbuf_puts(out, "\r\n ") < 0 || strbuf_append(out, v + i, n - i) < 0))
			return -1;
	} else {
		if (n > 0 && !is_space(v[0]) && strbuf_puts(out, " ") < 0)
			return -1;
		if (strbuf_append(out, v, n) < 0)
			return -1;
	}
	return terml ? strbuf_append(out, term, terml) : strbuf_puts(out, "\r\n");
}

/* Append words, folding before a word that would pass column 78. */
static int
fold_words(const char *text, size_t *col, struct strbuf *out)
{
	const char *p = text;

	while (*p) {
		const char *sp = strchr(p, ' ');
		size_t wl = sp ? (size_t)(sp - p) : strlen(p);
		if (*col > 1 && *col + 1 + wl > 78) {
			if (strbuf_puts(out, "\r\n\t") < 0)
				return -1;
			*col = 8;
		} else if (*col > 0) {
			if (strbuf_puts(out, " ") < 0)
				return -1;
			(*col)++;
		}
		if (strbuf_append(out, p, wl) < 0)
			return -1;
		*col += wl;
		p += wl;
		while (*p == ' ')
			p++;
	}
	return 0;
}

int
mime_notice_summary(const char *summary, const char *reason, struct strbuf *out)
{
	size_t col = 15;
	int rc = strbuf_puts(out, "X-Vouch-Unsafe:");

	rc |= fold_words(summary, &col, out);
	if (reason && reason[0]) {
		/* the reason as a quoted string of printable ASCII */
		struct strbuf q;
		strbuf_init(&q, 512);
		strbuf_puts(&q, "; reason=\"");
		for (size_t i = 0; reason[i] && i < 200; i++) {
			unsigned char c = (unsigned char)reason[i];
			char ch = c >= 32 && c < 127 ? (char)c : '?';
			if (ch == '"' || ch == '\\')
				strbuf_puts(&q, "\\");
			strbuf_append(&q, &ch, 1);
		}
		strbuf_puts(&q, "\"");
		/* the "; " belongs to the previous word */
		if (out->len > 0 && strbuf_puts(out, ";") == 0)
			col++;
		rc |= fold_words(q.s + 2, &col, out);
		strbuf_free(&q);
	}
	rc |= strbuf_puts(out, "\r\n");
	return rc ? -1 : 0;
}

/* A boundary that is not in msg: "=_" cannot occur in base64 and starts
 * no quoted-printable soft line (RFC 2045 6.7, RFC 2046 5.1.1). */
static void
wrap_boundary(const char *msg, size_t len, const char *seed, char *out, size_t outsz)
{
	for (unsigned n = 0;; n++) {
		snprintf(out, outsz, "=_vouch-notice-%.40s-%u", seed && seed[0] ? seed : "x", n);
		if (memmem(msg, len, out, strlen(out)) == NULL)
			return;
	}
}

int
mime_notice_wrap(
    const char *msg, size_t len, const char *text, const char *seed, struct strbuf *out)
{
	struct mime_hdrs h;
	struct mime_field f;
	struct strbuf inner;
	char b[MIME_BOUNDARY_MAX + 1];
	int rc = 0;

	wrap_boundary(msg, len, seed, b, sizeof(b));
	strbuf_init(&inner, len + 64);
	mime_hdrs_init(&h, msg, 0, len, 0);
	while (mime_hdrs_next(&h, &f)) {
		int mime = mime_field_is(msg, &f, "MIME-Version") ||
		    (f.name_len >= 8 && strncasecmp(msg + f.off, "Content-", 8) == 0);
		if (mime_field_is(msg, &f, "MIME-Version"))
			continue;
		rc |= strbuf_append(mime ? &inner : out, msg + f.off, f.len);
	}
	rc |= strbuf_printf(out,
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: multipart/mixed; boundary=\"%s\"\r\n"
	    "\r\n"
	    "This is a message in MIME format; a notice is at its top.\r\n"
	    "\r\n--%s\r\n",
	    b, b);
	rc |= mime_notice_fields(out);
	rc |= strbuf_puts(out, "Content-Disposition: inline\r\n\r\n");
	rc |= mime_text_qp_encode(text, strlen(text), out);
	rc |= strbuf_printf(out, "\r\n--%s\r\n", b);
	if (inner.len)
		rc |= strbuf_append(out, inner.s, inner.len);
	strbuf_free(&inner);
	rc |= strbuf_puts(out, "\r\n");
	/* the body, without the empty line that ended the header section */
	if (h.body < len)
		rc |= strbuf_append(out, msg + h.body, len - h.body);
	if (len > 0 && msg[len - 1] != '\n')
		rc |= strbuf_puts(out, "\r\n");
	rc |= strbuf_printf(out, "\r\n--%s--\r\n", b);
	return rc ? -1 : 0;
}
