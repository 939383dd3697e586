/*
 * orgdomain: the Public Suffix List through libpsl (see orgdomain.h).
 */
#include "auth/orgdomain.h"

#include <idn2.h>
#include <libpsl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns_name.h"
#include "util/str.h"
#include "util/xmalloc.h"

struct orgdomain {
	psl_ctx_t *psl;
	int builtin; /* psl_builtin(): static, never freed */
};

struct orgdomain *
orgdomain_open(const char *path, char *err, size_t errsz)
{
	struct orgdomain *od = xcalloc(1, sizeof(*od));

	if (path) {
		od->psl = psl_load_file(path);
		if (od->psl == NULL || psl_suffix_count(od->psl) == 0) {
			snprintf(err, errsz, "cannot load the public suffix list %s", path);
			psl_free(od->psl);
			free(od);
			return NULL;
		}
		return od;
	}
	/* The newer of libpsl's own and PSL_DISTFILE (Debian's publicsuffix). */
	od->psl = psl_latest(NULL);
	if (od->psl == NULL) {
		od->psl = (psl_ctx_t *)psl_builtin();
		od->builtin = 1;
	}
	if (od->psl == NULL) {
		snprintf(err, errsz, "no public suffix list (install Debian's publicsuffix)");
		free(od);
		return NULL;
	}
	return od;
}

void
orgdomain_free(struct orgdomain *od)
{
	if (od == NULL)
		return;
	if (!od->builtin)
		psl_free(od->psl);
	free(od);
}

/* name in lower case without a trailing dot; 0, or -1 if empty or too long. */
static int
normal(const char *name, char *out, size_t outsz)
{
	size_t n = strlen(name);

	if (n > 0 && name[n - 1] == '.')
		n--;
	if (n == 0 || n >= outsz)
		return -1;
	memcpy(out, name, n);
	out[n] = '\0';
	str_lower(out);
	return 0;
}

int
orgdomain_ascii(const char *name, char *out, size_t outsz)
{
	char low[DNS_NAME_MAX + 2];
	char *a = NULL;
	int ascii = 1;

	if (normal(name, low, sizeof(low)) < 0)
		return -1;
	for (const char *p = low; *p; p++)
		if ((unsigned char)*p >= 0x80)
			ascii = 0;
	if (ascii)
		return str_copy(out, outsz, low) < outsz ? 0 : -1;
	/* RFC 5890/5891: DNS holds A-labels; a From or a d= may carry U-labels
	 * (RFC 6532, RFC 8616). Mapping first (UTS 46) folds the case of
	 * non-ASCII letters too. */
	if (idn2_to_ascii_8z(low, &a, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL) != IDN2_OK)
		return -1;
	size_t n = str_copy(out, outsz, a);
	idn2_free(a);
	if (n >= outsz)
		return -1;
	str_lower(out);
	return 0;
}

int
orgdomain_get(const struct orgdomain *od, const char *name, char *out, size_t outsz)
{
	char low[DNS_NAME_MAX + 2];
	const char *reg;

	if (normal(name, low, sizeof(low)) < 0)
		return -1;
	/* RFC 7489 3.2 steps 3-4: the longest matching public suffix plus one
	 * label; NULL when the name is a suffix itself (then it is its own). */
	reg = psl_registrable_domain(od->psl, low);
	if (str_copy(out, outsz, reg ? reg : low) >= outsz)
		return -1;
	return 0;
}

int
orgdomain_is_suffix(const struct orgdomain *od, const char *name)
{
	char low[DNS_NAME_MAX + 2];

	if (normal(name, low, sizeof(low)) < 0)
		return 0;
	return psl_is_public_suffix2(od->psl, low, PSL_TYPE_ANY) != 0;
}

int
orgdomain_same(const struct orgdomain *od, const char *a, const char *b)
{
	char oa[DNS_NAME_MAX + 2], ob[DNS_NAME_MAX + 2];

	if (orgdomain_get(od, a, oa, sizeof(oa)) < 0 || orgdomain_get(od, b, ob, sizeof(ob)) < 0)
		return 0;
	return strcmp(oa, ob) == 0;
}
