/*
 * dkim_tag: the tag=value lists of DKIM-Signature fields, key records and
 * ARC fields (RFC 6376 3.2). Pure: text in, tags pointing into the text
 * out; nothing is allocated, and a list holds at most DKIM_TAGS_MAX tags.
 *
 *	tag-list  = tag-spec *( ";" tag-spec ) [ ";" ]
 *	tag-spec  = [FWS] tag-name [FWS] "=" [FWS] tag-value [FWS]
 *	tag-name  = ALPHA *( ALPHA / DIGIT / "_" )
 *	tag-value = [ tval *( 1*( WSP / FWS ) tval ) ], tval = 1*( %x21-3A / %x3C-7E )
 *
 * Octets above 0x7e are taken as value characters (RFC 8616 lets UTF-8
 * into values); control characters other than folding white space are
 * errors, and so are duplicate tags (3.2: "MUST be interpreted as a
 * permanent error").
 */
#ifndef VOUCH_AUTH_DKIM_TAG_H
#define VOUCH_AUTH_DKIM_TAG_H

#include <stddef.h>

#define DKIM_TAGS_MAX 64

struct dkim_tag {
	const char *name; /* tag-name (not NUL-terminated) */
	size_t name_len;
	const char *value; /* tag-value without surrounding white space */
	size_t value_len;
	size_t eq_off;  /* offset of the '=' in the input */
	size_t end_off; /* offset of the ';' ending the spec, or the input's length */
};

struct dkim_tags {
	struct dkim_tag t[DKIM_TAGS_MAX];
	size_t n;
};

/*
 * Parse s[0..len) into *out. Returns 0, or -1 with a reason in err (the
 * offending octet's offset or the tag's name).
 */
int dkim_tags_parse(const char *s, size_t len, struct dkim_tags *out, char *err, size_t errsz);
/* The tag named name (case-sensitive, 3.2), or NULL. */
const struct dkim_tag *dkim_tags_get(const struct dkim_tags *t, const char *name);
/* True if the tag's value is exactly word (case-sensitive). */
int dkim_tag_is(const struct dkim_tag *t, const char *word);
/* True if the tag's value, a colon-separated list (white space allowed
 * around items), holds word (case-insensitive): h=, s=, t= of a key
 * record, q= of a signature. */
int dkim_tag_list_has(const struct dkim_tag *t, const char *word);
/* Copy the value, with every white space octet removed, into out (NUL
 * terminated); returns its length, or -1 when it does not fit. */
long dkim_tag_compact(const struct dkim_tag *t, char *out, size_t outsz);

#endif
