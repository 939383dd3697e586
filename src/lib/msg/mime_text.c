/*
 * mime_text: MIME text codecs (see mime_text.h).
 */
#include "msg/mime_text.h"

#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <string.h>

static int
b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int
mime_text_b64_decode(const char *in, size_t len, struct strbuf *out)
{
	uint32_t acc = 0;
	int bits = 0;
	char buf[256];
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		int v;
		if (in[i] == '=')
			break;
		if ((v = b64val((unsigned char)in[i])) < 0)
			continue;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf[n++] = (char)((acc >> bits) & 0xff);
			if (n == sizeof(buf)) {
				if (strbuf_append(out, buf, n) < 0)
					return -1;
				n = 0;
			}
		}
	}
	return n ? strbuf_append(out, buf, n) : 0;
}

int
mime_text_qp_decode(const char *in, size_t len, struct strbuf *out)
{
	char buf[256];
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		char c = in[i];
		if (c == '=') {
			int h, l;
			size_t j = i + 1;
			/* "=" then optional white space then a line break: soft break */
			while (j < len && (in[j] == ' ' || in[j] == '\t'))
				j++;
			if (j == len || in[j] == '\r' || in[j] == '\n') {
				if (j < len && in[j] == '\r')
					j++;
				if (j < len && in[j] == '\n')
					j++;
				i = j - 1;
				continue;
			}
			if (i + 2 < len && (h = str_hexval((unsigned char)in[i + 1])) >= 0 &&
			    (l = str_hexval((unsigned char)in[i + 2])) >= 0) {
				c = (char)(h * 16 + l);
				i += 2;
			}
		}
		buf[n++] = c;
		if (n == sizeof(buf)) {
			if (strbuf_append(out, buf, n) < 0)
				return -1;
			n = 0;
		}
	}
	return n ? strbuf_append(out, buf, n) : 0;
}

int
mime_text_qp_encode(const char *in, size_t len, struct strbuf *out)
{
	static const char hex[] = "0123456789ABCDEF";
	char line[128];
	size_t n = 0;

	for (size_t i = 0; i <= len; i++) {
		unsigned char c = i < len ? (unsigned char)in[i] : '\n';
		char enc[3];
		size_t el;

		if (c == '\r' && i + 1 < len && in[i + 1] == '\n')
			continue;
		if (c == '\n') {
			/* RFC 2045 6.7 (3): white space at a line's end is encoded */
			if (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t')) {
				unsigned char w = (unsigned char)line[n - 1];
				if (n + 2 > 75) {
					line[n - 1] = '=';
					if (strbuf_append(out, line, n) < 0 ||
					    strbuf_puts(out, "\r\n") < 0)
						return -1;
					n = 0;
				} else {
					n--;
				}
				line[n++] = '=';
				line[n++] = hex[w >> 4];
				line[n++] = hex[w & 15];
			}
			if (i == len && n == 0)
				break;
			if (strbuf_append(out, line, n) < 0 || strbuf_puts(out, "\r\n") < 0)
				return -1;
			n = 0;
			continue;
		}
		/* room for the longest encoding first: what a line starts with matters */
		if (n + 3 > 75) {
			line[n++] = '=';
			if (strbuf_append(out, line, n) < 0 || strbuf_puts(out, "\r\n") < 0)
				return -1;
			n = 0;
		}
		/* At a line's start "From " is mangled by mbox readers, "--"
		 * could look like a MIME boundary and "begin " like uuencoded
		 * data: encode the first octet. */
		if ((c >= 33 && c <= 126 && c != '=' && !(n == 0 && strchr("F.-b", c))) ||
		    c == ' ' || c == '\t') {
			enc[0] = (char)c;
			el = 1;
		} else {
			enc[0] = '=';
			enc[1] = hex[c >> 4];
			enc[2] = hex[c & 15];
			el = 3;
		}
		memcpy(line + n, enc, el);
		n += el;
	}
	return 0;
}

int
mime_text_b64_encode(const char *in, size_t len, struct strbuf *out)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char line[80];
	size_t n = 0;

	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)(unsigned char)in[i] << 16;
		size_t k = len - i < 3 ? len - i : 3;
		if (k > 1)
			v |= (uint32_t)(unsigned char)in[i + 1] << 8;
		if (k > 2)
			v |= (unsigned char)in[i + 2];
		line[n++] = tab[(v >> 18) & 63];
		line[n++] = tab[(v >> 12) & 63];
		line[n++] = k > 1 ? tab[(v >> 6) & 63] : '=';
		line[n++] = k > 2 ? tab[v & 63] : '=';
		if (n == 76 || i + 3 >= len) {
			if (strbuf_append(out, line, n) < 0 || strbuf_puts(out, "\r\n") < 0)
				return -1;
			n = 0;
		}
	}
	return 0;
}

/*
 * Charsets handed to iconv(3). Only these: glibc's converters for exotic
 * charsets are a needless attack surface for text nobody can read anyway.
 */
static const char *const iconv_ok[] = {
	"iso-8859-2",
	"iso-8859-3",
	"iso-8859-4",
	"iso-8859-5",
	"iso-8859-6",
	"iso-8859-7",
	"iso-8859-8",
	"iso-8859-9",
	"iso-8859-10",
	"iso-8859-13",
	"iso-8859-14",
	"iso-8859-15",
	"iso-8859-16",
	"windows-1250",
	"windows-1251",
	"windows-1252",
	"windows-1253",
	"windows-1254",
	"windows-1255",
	"windows-1256",
	"windows-1257",
	"windows-1258",
	"koi8-r",
	"koi8-u",
	"gb2312",
	"gbk",
	"gb18030",
	"big5",
	"shift_jis",
	"euc-jp",
	"euc-kr",
	"iso-2022-jp",
	NULL,
};

/* Append one code point as UTF-8. */
static int
put_cp(struct strbuf *out, uint32_t cp)
{
	char b[4];
	size_t n;

	n = str_utf8_put(cp, b);
	return strbuf_append(out, b, n);
}

/*
 * Decode one UTF-8 sequence at in[0..len): its code point, or -1 for an
 * invalid, overlong or surrogate sequence; *n is the octets consumed.
 */
static int32_t
utf8_next(const unsigned char *in, size_t len, size_t *n)
{
	uint32_t cp;
	size_t need;

	*n = 1;
	if (in[0] < 0x80)
		return in[0];
	if (in[0] >= 0xc2 && in[0] <= 0xdf) {
		cp = in[0] & 0x1f;
		need = 1;
	} else if (in[0] >= 0xe0 && in[0] <= 0xef) {
		cp = in[0] & 0x0f;
		need = 2;
	} else if (in[0] >= 0xf0 && in[0] <= 0xf4) {
		cp = in[0] & 0x07;
		need = 3;
	} else {
		return -1;
	}
	if (len < need + 1)
		return -1;
	for (size_t i = 1; i <= need; i++) {
		if ((in[i] & 0xc0) != 0x80)
			return -1;
		cp = (cp << 6) | (in[i] & 0x3f);
	}
	if ((need == 2 && cp < 0x800) || (need == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return -1;
	*n = need + 1;
	return (int32_t)cp;
}

static int
utf8_copy(const char *in, size_t len, struct strbuf *out)
{
	size_t i = 0;

	while (i < len) {
		size_t n;
		int32_t cp = utf8_next((const unsigned char *)in + i, len - i, &n);
		if (cp < 0 ? strbuf_puts(out, "?") < 0 : strbuf_append(out, in + i, n) < 0)
			return -1;
		i += n;
	}
	return 0;
}

static int
via_iconv(const char *charset, const char *in, size_t len, struct strbuf *out)
{
	iconv_t cd = iconv_open("UTF-8", charset);
	char buf[1024];
	char *ip = (char *)(uintptr_t)in;
	size_t il = len;
	int rc = 0;

	if (cd == (iconv_t)-1)
		return 1;
	while (il > 0 && rc == 0) {
		char *op = buf;
		size_t ol = sizeof(buf);
		size_t r = iconv(cd, &ip, &il, &op, &ol);
		if (op > buf && strbuf_append(out, buf, (size_t)(op - buf)) < 0)
			rc = -1;
		if (r == (size_t)-1 && errno != E2BIG && rc == 0) {
			/* invalid or incomplete input: one '?' and move on */
			if (strbuf_puts(out, "?") < 0)
				rc = -1;
			ip++;
			il--;
			iconv(cd, NULL, NULL, NULL, NULL);
		}
	}
	iconv_close(cd);
	return rc;
}

int
mime_text_to_utf8(const char *charset, const char *in, size_t len, struct strbuf *out)
{
	if (charset == NULL)
		charset = "";
	if (str_ieq(charset, "utf-8") || str_ieq(charset, "utf8"))
		return utf8_copy(in, len, out);
	if (str_ieq(charset, "iso-8859-1") || str_ieq(charset, "latin1")) {
		for (size_t i = 0; i < len; i++)
			if (put_cp(out, (unsigned char)in[i]) < 0)
				return -1;
		return 0;
	}
	for (int k = 0; iconv_ok[k]; k++) {
		if (str_ieq(charset, iconv_ok[k])) {
			int rc = via_iconv(iconv_ok[k], in, len, out);
			if (rc <= 0)
				return rc;
			break;
		}
	}
	/* US-ASCII, or a charset we do not convert: ASCII survives. */
	for (size_t i = 0; i < len; i++)
		if (strbuf_append(out, (unsigned char)in[i] < 0x80 ? in + i : "?", 1) < 0)
			return -1;
	return 0;
}

/*
 * An RFC 2047 encoded word at in[0..len): "=?charset?B|Q?text?=". Returns
 * its length and sets the parts, or 0 when in does not start with one.
 */
static size_t
encoded_word(const char *in, size_t len, char *charset, size_t csz, char *enc, const char **text,
    size_t *textlen)
{
	size_t i = 2, c0, t0;

	if (len < 8 || in[0] != '=' || in[1] != '?')
		return 0;
	c0 = i;
	while (i < len && in[i] != '?' && in[i] > ' ' && in[i] < 127)
		i++;
	if (i >= len || in[i] != '?' || i == c0 || i - c0 >= csz)
		return 0;
	memcpy(charset, in + c0, i - c0);
	charset[i - c0] = '\0';
	/* RFC 2231 5: charset*language */
	char *star = strchr(charset, '*');
	if (star)
		*star = '\0';
	if (i + 2 >= len || in[i + 2] != '?')
		return 0;
	*enc = (char)(in[i + 1] | 0x20);
	if (*enc != 'b' && *enc != 'q')
		return 0;
	t0 = i + 3;
	for (i = t0; i + 1 < len; i++) {
		if (in[i] == '?' && in[i + 1] == '=') {
			*text = in + t0;
			*textlen = i - t0;
			return i + 2;
		}
		if ((unsigned char)in[i] <= ' ' || (unsigned char)in[i] >= 127)
			return 0;
	}
	return 0;
}

int
mime_text_decode_words(const char *in, size_t len, struct strbuf *out)
{
	size_t i = 0;
	int after_word = 0;

	while (i < len) {
		char charset[64], enc;
		const char *text;
		size_t textlen, wl;

		wl = encoded_word(in + i, len - i, charset, sizeof(charset), &enc, &text, &textlen);
		if (wl > 0) {
			struct strbuf raw;
			int rc;
			strbuf_init(&raw, textlen + 1);
			if (enc == 'b') {
				rc = mime_text_b64_decode(text, textlen, &raw);
			} else {
				rc = 0;
				for (size_t k = 0; k < textlen && rc == 0; k++) {
					int h, l;
					char c = text[k];
					if (c == '_')
						c = ' ';
					else if (c == '=' && k + 2 < textlen &&
					    (h = str_hexval((unsigned char)text[k + 1])) >= 0 &&
					    (l = str_hexval((unsigned char)text[k + 2])) >= 0) {
						c = (char)(h * 16 + l);
						k += 2;
					}
					rc = strbuf_append(&raw, &c, 1);
				}
			}
			if (rc == 0)
				rc = mime_text_to_utf8(charset, raw.s ? raw.s : "", raw.len, out);
			strbuf_free(&raw);
			if (rc < 0)
				return -1;
			i += wl;
			after_word = 1;
			continue;
		}
		if (after_word &&
		    (in[i] == ' ' || in[i] == '\t' || in[i] == '\r' || in[i] == '\n')) {
			/* RFC 2047 6.2: white space between encoded words is dropped */
			size_t j = i;
			while (j < len &&
			    (in[j] == ' ' || in[j] == '\t' || in[j] == '\r' || in[j] == '\n'))
				j++;
			if (encoded_word(in + j, len - j, charset, sizeof(charset), &enc, &text,
			        &textlen) > 0) {
				i = j;
				continue;
			}
		}
		after_word = 0;
		if (strbuf_append(out, in + i, 1) < 0)
			return -1;
		i++;
	}
	return 0;
}

/* Code points never shown: they hide or reorder what is around them. */
static int
invisible(uint32_t cp)
{
	return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) || cp == 0xad ||
	    cp == 0x061c || cp == 0x180e || (cp >= 0x200b && cp <= 0x200f) ||
	    (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x206f) || cp == 0xfeff ||
	    (cp >= 0xfff0 && cp <= 0xffff) || (cp >= 0xe0000 && cp <= 0xe007f);
}

int
mime_text_sanitize(const char *in, size_t len, unsigned flags, size_t max, struct strbuf *out)
{
	size_t i = 0, start = out->len;

	while (i < len) {
		size_t n;
		int32_t cp = utf8_next((const unsigned char *)in + i, len - i, &n);
		const char *put = in + i;
		size_t pl = n;

		if (cp == '\n' && (flags & MIME_SAN_NEWLINES)) {
			put = "\n";
			pl = 1;
		} else if (cp == '\t' || cp == '\n' || cp == '\r') {
			put = (flags & MIME_SAN_NEWLINES) && cp == '\r' ? "" : " ";
			pl = put[0] ? 1 : 0;
		} else if (cp < 0 || invisible((uint32_t)cp)) {
			put = "?";
			pl = 1;
		}
		if (out->len - start + pl + 3 > max) {
			/* cut on a character boundary, and say so */
			return strbuf_puts(out, "...");
		}
		if (pl && strbuf_append(out, put, pl) < 0)
			return -1;
		i += n;
	}
	return 0;
}
