/*
 * spf_macro: the SPF macro language (RFC 7208 section 7): syntax checks of
 * macro-strings and domain-specs, and expansion with transformers,
 * delimiters and URL escaping. Pure functions over bounded buffers: no
 * allocation, no DNS (the evaluator supplies %{p} once it has it).
 */
#ifndef VOUCH_AUTH_SPF_MACRO_H
#define VOUCH_AUTH_SPF_MACRO_H

#include <stddef.h>

/* Flags: the string is explanation text (RFC 7208 6.2 explain-string):
 * the letters c, r and t are allowed and so is SP. */
#define SPF_MACRO_EXP 0x1

/* Longest expansion produced; longer ones fail with SPF_MACRO_ETOOLONG. */
#define SPF_MACRO_MAX 4096

enum spf_macro_err {
	SPF_MACRO_OK = 0,
	SPF_MACRO_ESYNTAX = -1,  /* not a valid macro-string */
	SPF_MACRO_ETOOLONG = -2, /* expansion exceeds the output buffer */
};

/*
 * Values of the macro letters, indexed by letter ('s' - 'a' ...): s l o d
 * i p v h c r t. The evaluator fills them; a NULL value expands to "".
 */
struct spf_macro_vars {
	const char *v[26];
};
#define SPF_MACRO_VAR(vars, letter) ((vars)->v[(letter) - 'a'])

/*
 * Check that s[0..len) is a macro-string (or explain-string with
 * SPF_MACRO_EXP). Returns 0, or -1 with a static reason in *why.
 */
int spf_macro_check(const char *s, size_t len, int flags, const char **why);
/*
 * Check a domain-spec: macro-string domain-end, where domain-end is
 * "." toplabel ["."] or a macro-expand (RFC 7208 7.1). Returns 0 or -1.
 */
int spf_macro_check_domain(const char *s, size_t len, const char **why);
/* True if a syntactically valid s refers to macro letter (either case). */
int spf_macro_uses(const char *s, size_t len, char letter);

/*
 * Expand s[0..len) into out (outsz bytes, NUL-terminated), *outlen set to
 * the length. Returns SPF_MACRO_OK or an spf_macro_err.
 */
int spf_macro_expand(const char *s, size_t len, const struct spf_macro_vars *vars, int flags,
    char *out, size_t outsz, size_t *outlen);
/*
 * Expand a domain-spec for a DNS query: expand, drop one trailing dot
 * (RFC 7208 7.1 "trailing dot is ignored"), and if longer than 253
 * characters remove labels from the left until it fits (RFC 7208 7.3).
 * out must hold SPF_DOMAIN_MAX + 1 bytes. Returns SPF_MACRO_OK or an error
 * (SPF_MACRO_ETOOLONG when no cut fits, e.g. one label over 253).
 */
int spf_macro_expand_domain(
    const char *s, size_t len, const struct spf_macro_vars *vars, char *out, size_t outsz);

#endif
