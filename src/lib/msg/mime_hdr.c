/*
 * mime_hdr: header sections and MIME fields (see mime_hdr.h).
 */
#include "msg/mime_hdr.h"

#include <string.h>
#include <strings.h>

#include "msg/mime_text.h"
#include "util/str.h"

size_t
mime_line(const char *buf, size_t pos, size_t end, size_t *eol)
{
	size_t i = pos;

	while (i < end && buf[i] != '\n' && buf[i] != '\r')
		i++;
	if (i == end)
		*eol = 0;
	else if (buf[i] == '\r' && i + 1 < end && buf[i + 1] == '\n')
		*eol = 2;
	else
		*eol = 1;
	return i - pos;
}

void
mime_hdrs_init(struct mime_hdrs *h, const char *buf, size_t start, size_t end, size_t max_line)
{
	memset(h, 0, sizeof(*h));
	h->buf = buf;
	h->pos = start;
	h->end = end;
	h->max_line = max_line;
	h->body = end;
}

/* RFC 5322 3.6.8: a field name is printable US-ASCII except the colon,
 * followed directly by the colon (what Python's email package accepts). */
static size_t
field_name(const char *p, size_t n)
{
	size_t i = 0;

	while (i < n && (unsigned char)p[i] >= 33 && (unsigned char)p[i] <= 126 && p[i] != ':')
		i++;
	return i > 0 && i < n && p[i] == ':' ? i : 0;
}

static void
note_line(struct mime_hdrs *h, size_t len)
{
	if (len > h->longest)
		h->longest = len;
	if (h->max_line && len > h->max_line)
		h->flags |= MIME_HDR_LONG_LINE;
}

int
mime_hdrs_next(struct mime_hdrs *h, struct mime_field *f)
{
	size_t eol, len, name;

	if (h->pos >= h->end) {
		h->flags |= MIME_HDR_NO_BLANK;
		h->body = h->end;
		return 0;
	}
	len = mime_line(h->buf, h->pos, h->end, &eol);
	if (len == 0) {
		/* the empty line: the body follows it */
		h->body = h->pos + eol;
		h->pos = h->body;
		return 0;
	}
	name = field_name(h->buf + h->pos, len);
	if (name == 0) {
		/* not a field (nor a continuation of one): the body starts here */
		h->flags |= MIME_HDR_JUNK;
		h->body = h->pos;
		return 0;
	}
	note_line(h, len);
	f->off = h->pos;
	f->name_len = name;
	f->value_off = h->pos + name + 1;
	f->value_len = len - name - 1;
	h->pos += len + eol;
	/* continuation lines (RFC 5322 2.2.3) */
	while (eol && h->pos < h->end && (h->buf[h->pos] == ' ' || h->buf[h->pos] == '\t')) {
		size_t i;
		len = mime_line(h->buf, h->pos, h->end, &eol);
		note_line(h, len);
		for (i = 0; i < len && (h->buf[h->pos + i] == ' ' || h->buf[h->pos + i] == '\t');
		     i++)
			;
		if (i == len)
			h->flags |= MIME_HDR_WS_LINE;
		f->value_len = h->pos + len - f->value_off;
		h->pos += len + eol;
	}
	f->len = h->pos - f->off;
	return 1;
}

int
mime_field_is(const char *buf, const struct mime_field *f, const char *name)
{
	return str_nieq(buf + f->off, f->name_len, name);
}

/* --- structured values: RFC 2045 5.1 tokens, RFC 822 comments and quotes --- */

struct lex {
	const char *s;
	size_t i, end;
};

static int
is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Skip white space and (nested) comments. */
static void
skip_cfws(struct lex *x)
{
	int depth = 0;

	while (x->i < x->end) {
		char c = x->s[x->i];
		if (depth == 0 && is_ws(c)) {
			x->i++;
		} else if (c == '(') {
			depth++;
			x->i++;
		} else if (depth > 0 && c == ')') {
			depth--;
			x->i++;
		} else if (depth > 0 && c == '\\' && x->i + 1 < x->end) {
			x->i += 2;
		} else if (depth > 0) {
			x->i++;
		} else {
			break;
		}
	}
}

static int
is_tspecial(char c)
{
	return strchr("()<>@,;:\\\"/[]?=", c) != NULL;
}

/* A token: its length (0 if none) at x->i, which moves past it. */
static size_t
token(struct lex *x, size_t *start)
{
	*start = x->i;
	while (x->i < x->end) {
		unsigned char c = (unsigned char)x->s[x->i];
		if (c <= ' ' || c == 127 || is_tspecial((char)c))
			break;
		x->i++;
	}
	return x->i - *start;
}

/* A parameter value: token or quoted string, as a raw range. */
struct pval {
	size_t off, len;
	int quoted;
};

static int
value(struct lex *x, struct pval *v)
{
	if (x->i < x->end && x->s[x->i] == '"') {
		v->off = ++x->i;
		v->quoted = 1;
		while (x->i < x->end && x->s[x->i] != '"') {
			if (x->s[x->i] == '\\' && x->i + 1 < x->end)
				x->i++;
			x->i++;
		}
		v->len = x->i - v->off;
		if (x->i < x->end)
			x->i++; /* the closing quote */
		return 0;
	}
	v->quoted = 0;
	v->len = token(x, &v->off);
	return v->len ? 0 : -1;
}

/* Append a value, unquoted (quoted pairs resolved, folding removed). */
static int
unquote(const char *s, const struct pval *v, struct strbuf *out)
{
	for (size_t i = v->off; i < v->off + v->len; i++) {
		if (v->quoted && s[i] == '\\' && i + 1 < v->off + v->len)
			i++;
		else if (v->quoted && (s[i] == '\r' || s[i] == '\n'))
			continue;
		if (strbuf_append(out, s + i, 1) < 0)
			return -1;
	}
	return 0;
}

/* RFC 2231 3: name*N[*] segments of one parameter, gathered in order. */
#define SEGS_MAX 32
struct pname {
	const char *want;  /* "name" or "filename" */
	struct pval plain; /* name=value */
	int has_plain;
	struct pval seg[SEGS_MAX]; /* name*N or name* (N = 0) */
	unsigned char seg_ext[SEGS_MAX];
	unsigned have; /* bit per segment present */
};

static void
pname_add(struct pname *p, const char *name, size_t nlen, const struct pval *v)
{
	size_t wl = strlen(p->want);
	long idx = 0;
	int ext = 0;
	size_t i;

	if (nlen < wl || strncasecmp(name, p->want, wl) != 0)
		return;
	if (nlen == wl) {
		if (!p->has_plain) {
			p->plain = *v;
			p->has_plain = 1;
		}
		return;
	}
	if (name[wl] != '*')
		return;
	i = wl + 1;
	if (i == nlen) {
		ext = 1; /* name*=charset'lang'value */
	} else {
		size_t d0 = i;
		while (i < nlen && name[i] >= '0' && name[i] <= '9' && idx < SEGS_MAX) {
			idx = idx * 10 + (name[i] - '0');
			i++;
		}
		if (i == d0 || idx >= SEGS_MAX)
			return;
		if (i < nlen && name[i] == '*' && i + 1 == nlen)
			ext = 1;
		else if (i != nlen)
			return;
	}
	if (p->have & (1u << idx))
		return;
	p->have |= 1u << idx;
	p->seg[idx] = *v;
	p->seg_ext[idx] = (unsigned char)ext;
}

/* Percent-decode (RFC 2231 4) and append. */
static int
pct_decode(const char *s, size_t len, struct strbuf *out)
{
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		int h, l;
		if (c == '%' && i + 2 < len && (h = str_hexval(s[i + 1])) >= 0 &&
		    (l = str_hexval(s[i + 2])) >= 0) {
			c = (char)(h * 16 + l);
			i += 2;
		}
		if (strbuf_append(out, &c, 1) < 0)
			return -1;
	}
	return 0;
}

/* The parameter's value as displayable UTF-8 into name; 1 if it had one. */
static int
pname_value(const char *s, const struct pname *p, char *name, size_t namesz)
{
	struct strbuf raw, utf;
	char charset[40] = "";
	int rc = 0;

	if (!p->has_plain && !(p->have & 1))
		return 0;
	strbuf_init(&raw, 4096);
	strbuf_init(&utf, 4 * 4096);
	if (p->have & 1) {
		/* segments 0, 1, ... up to the first gap */
		for (int k = 0; k < SEGS_MAX && (p->have & (1u << k)); k++) {
			struct strbuf seg;
			strbuf_init(&seg, 4096);
			unquote(s, &p->seg[k], &seg);
			const char *t = seg.s ? seg.s : "";
			size_t tl = seg.len;
			if (k == 0 && p->seg_ext[0]) {
				/* charset'language'text */
				const char *q1 = memchr(t, '\'', tl);
				const char *q2 =
				    q1 ? memchr(q1 + 1, '\'', tl - (size_t)(q1 + 1 - t)) : NULL;
				if (q2) {
					size_t cl = (size_t)(q1 - t);
					if (cl < sizeof(charset)) {
						memcpy(charset, t, cl);
						charset[cl] = '\0';
					}
					tl -= (size_t)(q2 + 1 - t);
					t = q2 + 1;
				}
			}
			if (p->seg_ext[k])
				pct_decode(t, tl, &raw);
			else
				strbuf_append(&raw, t, tl);
			strbuf_free(&seg);
		}
		mime_text_to_utf8(
		    charset[0] ? charset : "us-ascii", raw.s ? raw.s : "", raw.len, &utf);
	} else {
		unquote(s, &p->plain, &raw);
		/* RFC 2047 words are not allowed here, but every mailer writes them */
		mime_text_decode_words(raw.s ? raw.s : "", raw.len, &utf);
	}
	if (utf.len > 0) {
		struct strbuf san;
		strbuf_init(&san, namesz - 1);
		mime_text_sanitize(utf.s, utf.len, 0, namesz - 1, &san);
		str_copy(name, namesz, san.s ? san.s : "");
		strbuf_free(&san);
		rc = name[0] != '\0';
	}
	strbuf_free(&raw);
	strbuf_free(&utf);
	return rc;
}

/* Walk "; name=value" parameters, calling fn for each. */
static void
params(struct lex *x, void (*fn)(void *arg, const char *name, size_t nlen, const struct pval *v),
    void *arg)
{
	while (x->i < x->end) {
		size_t nstart, nlen;
		struct pval v;

		skip_cfws(x);
		if (x->i >= x->end)
			break;
		if (x->s[x->i] != ';') {
			/* garbage: resynchronise at the next ';' outside quotes */
			int q = 0;
			while (x->i < x->end && (q || x->s[x->i] != ';')) {
				if (x->s[x->i] == '"')
					q = !q;
				else if (q && x->s[x->i] == '\\')
					x->i++;
				x->i++;
			}
			continue;
		}
		x->i++;
		skip_cfws(x);
		nlen = token(x, &nstart);
		skip_cfws(x);
		if (nlen == 0 || x->i >= x->end || x->s[x->i] != '=')
			continue;
		x->i++;
		skip_cfws(x);
		if (value(x, &v) < 0)
			continue;
		fn(arg, x->s + nstart, nlen, &v);
	}
}

struct ctype_ctx {
	const char *s;
	struct mime_ctype *ct;
	struct pname name;
	int boundaries;
};

static void
ctype_param(void *arg, const char *name, size_t nlen, const struct pval *v)
{
	struct ctype_ctx *c = arg;
	struct mime_ctype *ct = c->ct;

	if (str_nieq(name, nlen, "boundary")) {
		struct strbuf b;
		strbuf_init(&b, MIME_BOUNDARY_MAX);
		/* one boundary, 1..70 octets, not ending in a space (RFC 2046 5.1.1) */
		int ok = c->boundaries++ == 0 && unquote(c->s, v, &b) == 0 && b.len > 0 &&
		    b.s[b.len - 1] != ' ';
		/* printable ASCII without quote or backslash: it can be written
		 * back quoted, and no reader splits it differently */
		for (size_t i = 0; ok && i < b.len; i++)
			if ((unsigned char)b.s[i] < 0x20 || (unsigned char)b.s[i] > 0x7e ||
			    b.s[i] == '"' || b.s[i] == '\\')
				ok = 0;
		if (!ok) {
			ct->boundary_bad = 1;
			ct->boundary_len = 0;
		} else {
			memcpy(ct->boundary, b.s, b.len);
			ct->boundary[b.len] = '\0';
			ct->boundary_len = b.len;
		}
		strbuf_free(&b);
	} else if (str_nieq(name, nlen, "charset")) {
		struct strbuf b;
		strbuf_init(&b, sizeof(ct->charset) - 1);
		if (unquote(c->s, v, &b) == 0 && b.len)
			str_copy(ct->charset, sizeof(ct->charset), b.s);
		str_lower(ct->charset);
		strbuf_free(&b);
	} else {
		pname_add(&c->name, name, nlen, v);
	}
}

static void
lower_copy(char *dst, size_t dstsz, const char *s, size_t n)
{
	if (n >= dstsz)
		n = dstsz - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
	str_lower(dst);
}

void
mime_ctype_parse(const char *buf, size_t off, size_t len, struct mime_ctype *ct)
{
	struct lex x = { buf, off, off + len };
	struct ctype_ctx c;
	size_t ts, tl, ss, sl;

	memset(&c, 0, sizeof(c));
	c.s = buf;
	c.ct = ct;
	c.name.want = "name";
	skip_cfws(&x);
	tl = token(&x, &ts);
	skip_cfws(&x);
	if (tl == 0 || tl >= sizeof(ct->type) || x.i >= x.end || buf[x.i] != '/') {
		ct->bad = 1;
		ct->type[0] = ct->subtype[0] = '\0';
	} else {
		x.i++;
		skip_cfws(&x);
		sl = token(&x, &ss);
		if (sl == 0 || sl >= sizeof(ct->subtype)) {
			ct->bad = 1;
		} else {
			lower_copy(ct->type, sizeof(ct->type), buf + ts, tl);
			lower_copy(ct->subtype, sizeof(ct->subtype), buf + ss, sl);
		}
	}
	params(&x, ctype_param, &c);
	if (ct->name[0] == '\0')
		pname_value(buf, &c.name, ct->name, sizeof(ct->name));
}

struct disp_ctx {
	const char *s;
	struct pname name;
};

static void
disp_param(void *arg, const char *name, size_t nlen, const struct pval *v)
{
	struct disp_ctx *c = arg;

	pname_add(&c->name, name, nlen, v);
}

void
mime_disposition_parse(const char *buf, size_t off, size_t len, struct mime_ctype *ct)
{
	struct lex x = { buf, off, off + len };
	struct disp_ctx c;
	char fname[MIME_NAME_MAX];
	size_t ts, tl;

	memset(&c, 0, sizeof(c));
	c.s = buf;
	c.name.want = "filename";
	skip_cfws(&x);
	tl = token(&x, &ts);
	if (tl == 0)
		ct->disposition = MIME_DISP_OTHER;
	else if (str_nieq(buf + ts, tl, "inline"))
		ct->disposition = MIME_DISP_INLINE;
	else if (str_nieq(buf + ts, tl, "attachment"))
		ct->disposition = MIME_DISP_ATTACHMENT;
	else
		ct->disposition = MIME_DISP_OTHER;
	params(&x, disp_param, &c);
	if (pname_value(buf, &c.name, fname, sizeof(fname)))
		str_copy(ct->name, sizeof(ct->name), fname);
}

enum mime_cte
mime_cte_parse(const char *buf, size_t off, size_t len)
{
	struct lex x = { buf, off, off + len };
	size_t ts, tl;

	skip_cfws(&x);
	tl = token(&x, &ts);
	skip_cfws(&x);
	if (x.i != x.end || tl == 0)
		return MIME_CTE_OTHER;
	if (str_nieq(buf + ts, tl, "7bit"))
		return MIME_CTE_7BIT;
	if (str_nieq(buf + ts, tl, "8bit"))
		return MIME_CTE_8BIT;
	if (str_nieq(buf + ts, tl, "binary"))
		return MIME_CTE_BINARY;
	if (str_nieq(buf + ts, tl, "quoted-printable"))
		return MIME_CTE_QP;
	if (str_nieq(buf + ts, tl, "base64"))
		return MIME_CTE_BASE64;
	return MIME_CTE_OTHER;
}
