/*
 * arc_origin: the oldest ARC set's results for the From domain (see
 * arc_origin.h).
 */
#include "auth/arc_origin.h"

#include <string.h>

#include "auth/dmarc_eval.h"
#include "dns/dns_name.h"
#include "util/str.h"

/* A result segment (RFC 8601 2.2 resinfo), comments gone, "k = v" as
 * "k=v"; kept to the AAR's own bound. */
#define SEG_MAX 600

const char *
arc_origin_name(enum arc_origin_pass p)
{
	switch (p) {
	case ARC_ORIGIN_SPF: return "spf";
	case ARC_ORIGIN_DKIM: return "dkim";
	case ARC_ORIGIN_DMARC: return "dmarc";
	default: return "none";
	}
}

static int
is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The value of "name=" among the segment's words, or NULL (copied into
 * out, lower case, at most outsz-1). */
static const char *
prop(const char *seg, const char *name, char *out, size_t outsz)
{
	size_t nl = strlen(name);
	const char *p = seg;

	while (*p) {
		while (is_ws(*p))
			p++;
		const char *w = p;
		while (*p && !is_ws(*p))
			p++;
		if ((size_t)(p - w) > nl && w[nl] == '=' && str_nieq(w, nl, name)) {
			size_t n = (size_t)(p - w) - nl - 1;
			if (n >= outsz)
				n = outsz - 1;
			memcpy(out, w + nl + 1, n);
			out[n] = '\0';
			str_lower(out);
			return out;
		}
	}
	return NULL;
}

static int
aligned(const struct orgdomain *od, const char *from, const char *d, enum dmarc_align mode)
{
	if (d == NULL || *d == '\0')
		return 0;
	if (od == NULL)
		return dns_name_eq(from, d);
	return dmarc_aligned(od, from, d, mode);
}

struct ctx {
	const char *from;
	const struct orgdomain *od;
	enum dmarc_align adkim, aspf;
	struct arc_origin *o;
};

static void
take(struct ctx *c, enum arc_origin_pass p, const char *domain)
{
	if (p <= c->o->pass)
		return;
	c->o->pass = p;
	str_copy(c->o->domain, sizeof(c->o->domain), domain);
}

/* One resinfo: "method[/version]=result [reason=...] ptype.prop=value ...". */
static void
resinfo(struct ctx *c, const char *seg)
{
	char method[32], result[32], v[DMARC_DOMAIN_MAX + 80];
	const char *p = seg;
	size_t n = 0;

	while (is_ws(*p))
		p++;
	while (p[n] && p[n] != '=' && !is_ws(p[n]))
		n++;
	if (p[n] != '=' || n == 0 || n >= sizeof(method))
		return;
	memcpy(method, p, n);
	method[n] = '\0';
	char *slash = strchr(method, '/');
	if (slash)
		*slash = '\0';
	p += n + 1;
	for (n = 0; p[n] && !is_ws(p[n]) && n + 1 < sizeof(result); n++)
		result[n] = p[n];
	result[n] = '\0';
	if (!str_ieq(result, "pass"))
		return;
	if (str_ieq(method, "dmarc")) {
		if (prop(seg, "header.from", v, sizeof(v)) && dns_name_eq(v, c->from))
			take(c, ARC_ORIGIN_DMARC, v);
	} else if (str_ieq(method, "dkim")) {
		const char *d = prop(seg, "header.d", v, sizeof(v));
		if (d == NULL && (d = prop(seg, "header.i", v, sizeof(v))) != NULL) {
			const char *at = strrchr(d, '@');
			d = at ? at + 1 : d;
		}
		if (aligned(c->od, c->from, d, c->adkim))
			take(c, ARC_ORIGIN_DKIM, d);
	} else if (str_ieq(method, "spf")) {
		const char *d = prop(seg, "smtp.mailfrom", v, sizeof(v));
		if (d) {
			const char *at = strrchr(d, '@');
			d = at ? at + 1 : d;
		}
		if (aligned(c->od, c->from, d, c->aspf))
			take(c, ARC_ORIGIN_SPF, d);
	}
}

enum arc_origin_pass
arc_origin_read(const char *aar, const char *from, const struct orgdomain *od,
    enum dmarc_align adkim, enum dmarc_align aspf, struct arc_origin *o)
{
	struct ctx c = { from, od, adkim, aspf, o };
	char seg[SEG_MAX + 1];
	size_t n = 0;
	int depth = 0, quoted = 0, nseg = 0;

	memset(o, 0, sizeof(*o));
	if (aar == NULL || from == NULL || *from == '\0')
		return ARC_ORIGIN_NONE;
	for (const char *p = aar;; p++) {
		char ch = *p;
		if (ch == '\0' || (ch == ';' && depth == 0 && !quoted)) {
			seg[n] = '\0';
			if (nseg == 0) {
				/* RFC 8601 2.2: authserv-id [version] */
				const char *s = seg;
				size_t k = 0;
				while (is_ws(*s))
					s++;
				while (s[k] && !is_ws(s[k]) && k < ARC_ORIGIN_ID_MAX) {
					o->authserv_id[k] = s[k];
					k++;
				}
				o->authserv_id[k] = '\0';
			} else {
				resinfo(&c, seg);
			}
			nseg++;
			n = 0;
			if (ch == '\0')
				break;
			continue;
		}
		if (ch == '\\' && (depth || quoted) && p[1]) {
			p++; /* a quoted-pair: the next character is plain text */
			if (!depth && n < SEG_MAX)
				seg[n++] = *p;
			continue;
		}
		if (quoted) {
			if (ch == '"')
				quoted = 0;
			else if (n < SEG_MAX)
				seg[n++] = ch;
			continue;
		}
		if (ch == '(') {
			depth++;
			continue;
		}
		if (ch == ')' && depth > 0) {
			depth--;
			if (depth == 0 && n < SEG_MAX)
				seg[n++] = ' ';
			continue;
		}
		if (depth)
			continue;
		if (ch == '"') {
			quoted = 1;
			continue;
		}
		if (ch == '=' || ch == '/') {
			/* RFC 8601 2.2 allows CFWS around '=' and a method's '/':
			 * "k = v" reads as "k=v" */
			while (n > 0 && is_ws(seg[n - 1]))
				n--;
			if (n < SEG_MAX)
				seg[n++] = ch;
			while (is_ws(p[1]))
				p++;
			continue;
		}
		if (n < SEG_MAX)
			seg[n++] = is_ws(ch) ? ' ' : ch;
	}
	return o->pass;
}
