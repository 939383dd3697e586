/*
 * Fuzz target: DKIM tag=value lists (dkim_tag.c, RFC 6376 3.2) and the
 * signature fields read from them (dkim_sig.c): DKIM-Signature,
 * ARC-Message-Signature and ARC-Seal. The first octet picks the kind, the
 * rest is the field's value. Every tag found lies inside the input, names
 * are unique, and a field that parses holds only what the parser promises
 * (a key name DNS can hold, h= with From for DKIM, an instance 1..50 for
 * ARC, b= within its bounds); a refused one says why. Parsing is
 * deterministic.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/dkim_sig.h"
#include "auth/dkim_tag.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_tags(const char *s, size_t len)
{
	struct dkim_tags t, again;
	char err[200] = "";

	if (dkim_tags_parse(s, len, &t, err, sizeof(err)) < 0) {
		if (err[0] == '\0')
			abort();
		return;
	}
	if (t.n > DKIM_TAGS_MAX)
		abort();
	for (size_t i = 0; i < t.n; i++) {
		const struct dkim_tag *g = &t.t[i];
		if (g->name_len == 0 || g->name < s || g->name + g->name_len > s + len ||
		    g->value < s || g->value + g->value_len > s + len || g->eq_off >= len ||
		    s[g->eq_off] != '=' || g->end_off > len || g->eq_off >= g->end_off + 1)
			abort();
		if (g->end_off < len && s[g->end_off] != ';')
			abort();
		for (size_t k = 0; k < i; k++)
			if (t.t[k].name_len == g->name_len &&
			    memcmp(t.t[k].name, g->name, g->name_len) == 0)
				abort();
		/* a value neither starts nor ends with white space */
		if (g->value_len &&
		    (g->value[0] == ' ' || g->value[0] == '\t' ||
		        g->value[g->value_len - 1] == ' ' || g->value[g->value_len - 1] == '\n'))
			abort();
	}
	if (dkim_tags_parse(s, len, &again, err, sizeof(err)) < 0 || again.n != t.n)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dkim_sig sig;
	enum dkim_sig_kind kind;
	enum dkim_reason why;
	char err[200] = "", name[DKIM_DOMAIN_MAX + 1];
	const char *s;
	size_t len;

	if (size < 1)
		return 0;
	kind = (enum dkim_sig_kind)(data[0] % 3);
	s = (const char *)data + 1;
	len = size - 1;
	check_tags(s, len);
	why = DKIM_R__COUNT;
	if (dkim_sig_parse(kind, s, len, &sig, &why, err, sizeof(err)) < 0) {
		if (why == DKIM_R_OK || why >= DKIM_R__COUNT || err[0] == '\0')
			abort();
		return 0;
	}
	if (why != DKIM_R_OK || sig.kind != kind)
		abort();
	if (sig.alg == DKIM_ALG_NONE || sig.domain[0] == '\0' || sig.selector[0] == '\0')
		abort();
	for (const char *p = sig.domain; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			abort();
	if (dkim_key_name(sig.selector, sig.domain, name, sizeof(name)) < 0)
		abort();
	if (sig.b_len > DKIM_SIG_B_MAX || sig.bh_len > sizeof(sig.bh) ||
	    strlen(sig.bprefix) > DKIM_BPREFIX_MAX)
		abort();
	if (sig.b_start > sig.b_end || sig.b_end > len)
		abort();
	if (sig.nh > DKIM_H_MAX)
		abort();
	if (kind == DKIM_SIG_DKIM) {
		int from = 0;
		for (size_t i = 0; i < sig.nh; i++)
			from |= sig.h[i].len == 4 && strncasecmp(sig.h[i].name, "from", 4) == 0;
		if (!from)
			abort();
		if (sig.identity[0] && strchr(sig.identity, '@') == NULL)
			abort();
	} else if (sig.instance < 1 || sig.instance > ARC_MAX_INSTANCES) {
		abort();
	}
	if (kind == DKIM_SIG_AS && sig.nh != 0)
		abort();
	if (sig.expiration >= 0 && sig.timestamp >= 0 && sig.expiration <= sig.timestamp)
		abort();
	for (size_t i = 0; i < sig.nh; i++)
		if (sig.h[i].len == 0 || sig.h[i].name < s ||
		    sig.h[i].name + sig.h[i].len > s + len)
			abort();
	return 0;
}
