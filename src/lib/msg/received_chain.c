/*
 * received_chain: Received field parsing (see received_chain.h).
 */
#include "msg/received_chain.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "msg/header_fields.h"
#include "util/str.h"

enum tok_kind { TOK_WORD, TOK_COMMENT };

struct tok {
	enum tok_kind kind;
	const char *p;
	size_t n;
};

#define MAX_TOKS 96

/*
 * Split the clause part into words and comments. Comments nest and take
 * backslash quoting (RFC 5322 3.2.2); quoted strings and <...> stay
 * inside one word.
 */
static size_t
tokenize(const char *s, size_t len, struct tok *t, size_t max)
{
	size_t i = 0, n = 0;

	while (i < len && n < max) {
		while (i < len && isspace((unsigned char)s[i]))
			i++;
		if (i >= len)
			break;
		if (s[i] == '(') {
			size_t start = ++i;
			int depth = 1;
			while (i < len && depth > 0) {
				if (s[i] == '\\' && i + 1 < len)
					i++;
				else if (s[i] == '(')
					depth++;
				else if (s[i] == ')')
					depth--;
				i++;
			}
			t[n].kind = TOK_COMMENT;
			t[n].p = s + start;
			t[n].n = (i - start) - (depth == 0 ? 1 : 0);
			n++;
			continue;
		}
		{
			size_t start = i;
			int quoted = 0, angle = 0;
			while (i < len) {
				char c = s[i];
				if (quoted) {
					if (c == '\\' && i + 1 < len)
						i++;
					else if (c == '"')
						quoted = 0;
				} else if (c == '"') {
					quoted = 1;
				} else if (c == '<') {
					angle = 1;
				} else if (c == '>') {
					angle = 0;
				} else if (!angle && (isspace((unsigned char)c) || c == '(')) {
					break;
				}
				i++;
			}
			t[n].kind = TOK_WORD;
			t[n].p = s + start;
			t[n].n = i - start;
			n++;
		}
	}
	return n;
}

static void
copy_tok(char *out, size_t outsz, const char *p, size_t n)
{
	if (n >= outsz)
		n = outsz - 1;
	memcpy(out, p, n);
	out[n] = '\0';
}

static int
tok_is(const struct tok *t, const char *word)
{
	return t->kind == TOK_WORD && str_nieq(t->p, t->n, word);
}

/* An address literal "[1.2.3.4]" or "[IPv6:...]": copy the address. */
static int
literal_ip(const char *p, size_t n, char *out, size_t outsz)
{
	char tmp[64];
	unsigned char bin[16];
	const char *a;

	if (n < 3 || p[0] != '[')
		return 0;
	{
		const char *close = memchr(p, ']', n);
		if (close == NULL)
			return 0;
		n = (size_t)(close - p) + 1;
	}
	copy_tok(tmp, sizeof(tmp), p + 1, n - 2);
	a = tmp;
	if (strncasecmp(a, "IPv6:", 5) == 0)
		a += 5;
	if (inet_pton(AF_INET, a, bin) != 1 && inet_pton(AF_INET6, a, bin) != 1)
		return 0;
	str_copy(out, outsz, a);
	return 1;
}

static int
looks_like_host(const char *p, size_t n)
{
	int dot = 0;

	if (n == 0 || n > 253)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		if (c == '.')
			dot = 1;
		else if (!(isalnum((unsigned char)c) || c == '-' || c == '_'))
			return 0;
	}
	return dot || n > 0;
}

/*
 * The TCP-info comment after "from": "name [ip]", "[ip]", "name",
 * Exim's "helo=name", "HELO name" or "EHLO name", Gmail's "name. [ip]".
 */
static void
parse_tcp_info(const char *p, size_t n, struct received_hop *hop)
{
	struct tok t[16];
	size_t k = tokenize(p, n, t, 16);

	for (size_t i = 0; i < k; i++) {
		const char *w = t[i].p;
		size_t wn = t[i].n;

		if (t[i].kind != TOK_WORD)
			continue;
		if (wn > 5 && strncasecmp(w, "helo=", 5) == 0) {
			if (hop->from_helo[0] == '\0' || hop->from_helo[0] == '[')
				copy_tok(hop->from_helo, sizeof(hop->from_helo), w + 5, wn - 5);
			continue;
		}
		if ((str_nieq(w, wn, "helo") || str_nieq(w, wn, "ehlo")) && i + 1 < k) {
			i++;
			copy_tok(hop->from_helo, sizeof(hop->from_helo), t[i].p, t[i].n);
			continue;
		}
		if (w[0] == '[') {
			if (hop->from_ip[0] == '\0')
				literal_ip(w, wn, hop->from_ip, sizeof(hop->from_ip));
			continue;
		}
		/* "name.example.com." (Gmail adds the root dot) */
		while (wn > 1 && w[wn - 1] == '.')
			wn--;
		{
			char tmp[64];
			unsigned char bin[16];
			copy_tok(tmp, sizeof(tmp), w, wn);
			if (inet_pton(AF_INET, tmp, bin) == 1 ||
			    inet_pton(AF_INET6, tmp, bin) == 1) {
				if (hop->from_ip[0] == '\0')
					str_copy(hop->from_ip, sizeof(hop->from_ip), tmp);
				continue;
			}
		}
		if (hop->from_rdns[0] == '\0' && looks_like_host(w, wn) && memchr(w, '.', wn) &&
		    !str_nieq(w, wn, "unknown"))
			copy_tok(hop->from_rdns, sizeof(hop->from_rdns), w, wn);
	}
}

int
received_chain_parse_field(const char *value, struct received_hop *hop)
{
	struct tok t[MAX_TOKS];
	size_t len = strlen(value), semi = len, n;
	int depth = 0, quoted = 0, have = 0;

	memset(hop, 0, sizeof(*hop));
	/* the date follows the last ';' outside comments and quotes */
	for (size_t i = 0; i < len; i++) {
		char c = value[i];
		if (c == '\\' && i + 1 < len) {
			i++;
			continue;
		}
		if (quoted) {
			if (c == '"')
				quoted = 0;
		} else if (c == '"') {
			quoted = 1;
		} else if (c == '(') {
			depth++;
		} else if (c == ')' && depth > 0) {
			depth--;
		} else if (c == ';' && depth == 0) {
			semi = i;
		}
	}
	if (semi < len) {
		const char *d = value + semi + 1;
		while (*d == ' ' || *d == '\t')
			d++;
		str_copy(hop->date, sizeof(hop->date), d);
		str_trim(hop->date);
	}
	n = tokenize(value, semi, t, MAX_TOKS);
	for (size_t i = 0; i < n; i++) {
		if (tok_is(&t[i], "from") && i + 1 < n && t[i + 1].kind == TOK_WORD) {
			const struct tok *w = &t[++i];
			/* "from [192.0.2.1]" names no host: keep the literal and its address */
			literal_ip(w->p, w->n, hop->from_ip, sizeof(hop->from_ip));
			copy_tok(hop->from_helo, sizeof(hop->from_helo), w->p, w->n);
			while (i + 1 < n && t[i + 1].kind == TOK_COMMENT) {
				i++;
				parse_tcp_info(t[i].p, t[i].n, hop);
			}
			have = 1;
		} else if (tok_is(&t[i], "by") && i + 1 < n && t[i + 1].kind == TOK_WORD) {
			i++;
			copy_tok(hop->by, sizeof(hop->by), t[i].p, t[i].n);
			have = 1;
		} else if (tok_is(&t[i], "with") && i + 1 < n && t[i + 1].kind == TOK_WORD) {
			i++;
			copy_tok(hop->with, sizeof(hop->with), t[i].p, t[i].n);
		} else if (tok_is(&t[i], "id") && i + 1 < n && t[i + 1].kind == TOK_WORD &&
		    hop->id[0] == '\0') {
			i++;
			copy_tok(hop->id, sizeof(hop->id), t[i].p, t[i].n);
		} else if (tok_is(&t[i], "for") && i + 1 < n && t[i + 1].kind == TOK_WORD) {
			const struct tok *w = &t[++i];
			const char *p = w->p;
			size_t wn = w->n;
			if (wn >= 2 && p[0] == '<' && p[wn - 1] == '>') {
				p++;
				wn -= 2;
			}
			copy_tok(hop->for_addr, sizeof(hop->for_addr), p, wn);
		}
	}
	/* host names compare case-insensitively; keep them lower-case, no root dot */
	str_lower(hop->by);
	{
		size_t bl = strlen(hop->by);
		while (bl > 1 && hop->by[bl - 1] == '.')
			hop->by[--bl] = '\0';
	}
	if (hop->from_helo[0] != '[')
		str_lower(hop->from_helo);
	str_lower(hop->from_rdns);
	return have ? 0 : -1;
}

void
received_chain_parse(const char *msg, size_t len, struct received_chain *c)
{
	struct header_fields r;
	struct header_field *f = malloc(sizeof(*f));

	c->n = 0;
	c->dropped = 0;
	if (f == NULL)
		return;
	header_fields_init(&r, msg, len);
	while (header_fields_next(&r, f)) {
		if (!str_ieq(f->name, "Received"))
			continue;
		if (c->n >= RECEIVED_CHAIN_HOPS) {
			c->dropped++;
			continue;
		}
		if (received_chain_parse_field(f->value, &c->hops[c->n]) == 0)
			c->n++;
	}
	free(f);
}
