/*
 * orgdomain: organizational domains (RFC 7489 3.2) from the Public Suffix
 * List, through libpsl and Debian's publicsuffix list.
 *
 * The organizational domain of a name is its public suffix plus one more
 * label ("mail.example.co.uk" -> "example.co.uk"); a name that is itself
 * a public suffix is its own. DMARC's relaxed alignment and its policy
 * discovery use it; so may DKIM and ARC.
 *
 * A loaded list is immutable: any number of lookups may share it, from
 * any thread. Names are compared in ASCII lower case without a trailing
 * dot; orgdomain_ascii() gives internationalized names one form.
 */
#ifndef VOUCH_AUTH_ORGDOMAIN_H
#define VOUCH_AUTH_ORGDOMAIN_H

#include <stddef.h>

struct orgdomain;

/* Debian's list (the publicsuffix package). */
#define ORGDOMAIN_SYSTEM_LIST "/usr/share/publicsuffix/public_suffix_list.dat"

/*
 * Load a list: path names a public_suffix_list.dat (or libpsl's .dafsa)
 * file; NULL takes the newer of libpsl's built-in list and the system's.
 * NULL on failure, with a reason in err. Free with orgdomain_free().
 */
struct orgdomain *orgdomain_open(const char *path, char *err, size_t errsz);
void orgdomain_free(struct orgdomain *od);

/*
 * The organizational domain of name into out (lower case, no trailing
 * dot). Returns 0, or -1 when name is empty or does not fit in outsz.
 */
int orgdomain_get(const struct orgdomain *od, const char *name, char *out, size_t outsz);
/* True if name is itself a public suffix ("com", "co.uk"). */
int orgdomain_is_suffix(const struct orgdomain *od, const char *name);
/*
 * name as DNS is asked for it (pure): lower case, no trailing dot, and
 * each label with non-ASCII characters as its A-label (IDNA2008 with the
 * UTS 46 non-transitional mapping, through libidn2), so "Exämple.COM"
 * and "xn--exmple-cua.com" are one name. 0, or -1 if name is empty, not
 * a valid internationalized name, or does not fit in outsz.
 */
int orgdomain_ascii(const char *name, char *out, size_t outsz);
/* True if a and b have the same organizational domain (relaxed alignment). */
int orgdomain_same(const struct orgdomain *od, const char *a, const char *b);

#endif
