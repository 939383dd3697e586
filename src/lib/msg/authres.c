/*
 * authres: Authentication-Results and Received-SPF (see authres.h).
 */
#include "msg/authres.h"

#include <string.h>
#include <strings.h>

/* RFC 5322 3.2.2 comment text: escape what would end or nest it. */
static void
comment(struct strbuf *out, const char *s)
{
	strbuf_puts(out, " (");
	for (size_t i = 0; s[i] && i < 400; i++) {
		char c = s[i];
		if ((unsigned char)c < 32 || c == 127)
			c = ' ';
		if (c == '(' || c == ')' || c == '\\')
			strbuf_puts(out, "\\");
		strbuf_append(out, &c, 1);
	}
	strbuf_puts(out, ")");
}

/* A value as a token, or quoted when it holds anything else. */
static void
value(struct strbuf *out, const char *v)
{
	int plain = *v != '\0';

	for (const char *p = v; *p && plain; p++) {
		unsigned char c = (unsigned char)*p;
		/* RFC 8601 2.2 pvalue: a token, or local-part@domain as it is */
		plain = c > 32 && c < 127 && !strchr("()<>,;:\\\"[]= ", c);
	}
	if (plain) {
		strbuf_puts(out, v);
		return;
	}
	strbuf_puts(out, "\"");
	for (size_t i = 0; v[i] && i < 400; i++) {
		char c = v[i];
		if ((unsigned char)c < 32 || c == 127)
			c = ' ';
		if (c == '"' || c == '\\')
			strbuf_puts(out, "\\");
		strbuf_append(out, &c, 1);
	}
	strbuf_puts(out, "\"");
}

int
authres_format(const char *authserv_id, const struct authres_entry *e, size_t n, struct strbuf *out)
{
	return authres_format_multi(authserv_id, e, n, NULL, 0, out);
}

int
authres_format_multi(const char *authserv_id, const struct authres_entry *e, size_t n,
    const struct authres_multi *m, size_t nm, struct strbuf *out)
{
	strbuf_printf(out, "Authentication-Results: %s", authserv_id);
	if (n == 0 && nm == 0)
		strbuf_puts(out, "; none"); /* RFC 8601 2.2: no results */
	for (size_t i = 0; i < n; i++) {
		strbuf_printf(out, ";\r\n\t%s=%s", e[i].method, e[i].result);
		if (e[i].reason && *e[i].reason)
			comment(out, e[i].reason);
		if (e[i].ptype && e[i].value) {
			strbuf_printf(out, " %s=", e[i].ptype);
			value(out, e[i].value);
		}
	}
	for (size_t i = 0; i < nm; i++) {
		strbuf_printf(out, ";\r\n\t%s=%s", m[i].method, m[i].result);
		if (m[i].reason && *m[i].reason)
			comment(out, m[i].reason);
		for (size_t k = 0; k < AUTHRES_PROPS_MAX && m[i].props[k].ptype; k++) {
			if (m[i].props[k].value == NULL)
				continue;
			strbuf_printf(out, " %s=", m[i].props[k].ptype);
			value(out, m[i].props[k].value);
		}
	}
	return strbuf_puts(out, "\r\n");
}

int
authres_received_spf(const struct authres_spf *s, struct strbuf *out)
{
	strbuf_printf(out, "Received-SPF: %s", s->result);
	if (s->comment && *s->comment)
		comment(out, s->comment);
	/* RFC 7208 9.1: key-value-list */
	strbuf_puts(out, "\r\n\tclient-ip=");
	value(out, s->client_ip);
	strbuf_puts(out, "; envelope-from=");
	value(out, *s->envelope_from ? s->envelope_from : "<>");
	strbuf_puts(out, "; helo=");
	value(out, s->helo && *s->helo ? s->helo : "unknown");
	strbuf_puts(out, ";\r\n\treceiver=");
	value(out, s->receiver);
	strbuf_printf(out, "; identity=%s;", s->identity);
	if (s->mechanism && *s->mechanism) {
		strbuf_puts(out, " mechanism=");
		value(out, s->mechanism);
		strbuf_puts(out, ";");
	}
	return strbuf_puts(out, "\r\n");
}

/* RFC 5322 3.2.2 CFWS: white space and (nested) comments. */
static size_t
skip_cfws(const char *v, size_t len, size_t i)
{
	for (;;) {
		while (i < len && (v[i] == ' ' || v[i] == '\t' || v[i] == '\r' || v[i] == '\n'))
			i++;
		if (i >= len || v[i] != '(')
			return i;
		int depth = 0;
		for (; i < len; i++) {
			if (v[i] == '\\') {
				i++;
				continue;
			}
			if (v[i] == '(')
				depth++;
			else if (v[i] == ')' && --depth == 0) {
				i++;
				break;
			}
		}
	}
}

int
authres_authserv_id(const char *v, size_t len, char *id, size_t idsz)
{
	size_t i = skip_cfws(v, len, 0), o = 0;

	if (idsz == 0)
		return -1;
	/* RFC 8601 2.2: authserv-id = value; RFC 2045 5.1: value = token /
	 * quoted-string. The quoted form is the same id once its quoting is
	 * read (RFC 5322 3.2.4: quoted-pairs stand for the character). */
	if (i < len && v[i] == '"') {
		for (i++; i < len && v[i] != '"'; i++) {
			char c = v[i];
			if (c == '\\' && i + 1 < len)
				c = v[++i];
			if (c == '\r' || c == '\n')
				continue; /* folding inside the quotes */
			if (o + 1 >= idsz)
				return -1;
			id[o++] = c;
		}
		if (i >= len)
			return -1; /* unterminated */
		id[o] = '\0';
		return o ? 0 : -1;
	}
	while (i < len && v[i] != ';' && v[i] != ' ' && v[i] != '\t' && v[i] != '\r' &&
	    v[i] != '\n' && v[i] != '(') {
		if (o + 1 >= idsz)
			return -1;
		id[o++] = v[i++];
	}
	id[o] = '\0';
	return o ? 0 : -1;
}

/* A domain name without its root dot: "mx.example." names "mx.example". */
static size_t
name_len(const char *s)
{
	size_t n = strlen(s);

	return n > 1 && s[n - 1] == '.' ? n - 1 : n;
}

int
authres_is_ours(const char *value, size_t len, const char *ours)
{
	char id[256];
	size_t n;

	if (authres_authserv_id(value, len, id, sizeof(id)) < 0)
		return 0;
	n = name_len(id);
	return n == name_len(ours) && strncasecmp(id, ours, n) == 0;
}

size_t
authres_own_prefix(const char *msg, size_t len, const char *ours)
{
	static const char name[] = "Authentication-Results:";
	size_t pos = 0;

	for (;;) {
		size_t end = pos, n = sizeof(name) - 1;
		if (len - pos < n || strncasecmp(msg + pos, name, n) != 0)
			return pos;
		/* RFC 5322 2.2.3: the field ends at a CRLF not followed by WSP */
		for (;;) {
			const char *lf = memchr(msg + end, '\n', len - end);
			if (lf == NULL || (size_t)(lf - msg) + 1 >= len)
				return pos; /* not all of it is here: keep it */
			end = (size_t)(lf - msg) + 1;
			if (msg[end] != ' ' && msg[end] != '\t')
				break;
		}
		if (!authres_is_ours(msg + pos + n, end - pos - n, ours))
			return pos;
		pos = end;
	}
}
