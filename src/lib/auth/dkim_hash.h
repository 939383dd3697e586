/*
 * dkim_hash: the header hash of a signature (RFC 6376 3.7): the fields
 * h= names, picked bottom-up, canonicalized, then the signature field
 * itself with its b= value removed and no final CRLF, all into SHA-256.
 * Shared by the verifier, the signer and ARC.
 */
#ifndef VOUCH_AUTH_DKIM_HASH_H
#define VOUCH_AUTH_DKIM_HASH_H

#include <stddef.h>
#include <stdint.h>

#include "auth/dkim.h"
#include "auth/dkim_hdr.h"
#include "auth/dkim_sig.h"

/*
 * Hash for a signature: names[0..n) are h=; self is the index of the
 * signature's own field in hdr (never picked for h=, as it did not exist
 * when the signer hashed), or -1. field[0..len) is the signature field
 * (name through its end, no final CRLF); its octets [cut_start, cut_end)
 * are the b= value, left out. Writes the SHA-256 digest into out.
 */
void dkim_hash_signed(struct dkim_hdr *hdr, enum dkim_canon hcanon, const struct dkim_hname *names,
    size_t n, long self, const char *field, size_t len, size_t cut_start, size_t cut_end,
    uint8_t out[32]);

/* Feed one field into md, canonicalized, with or without its CRLF. */
void dkim_hash_field(void *md, enum dkim_canon hcanon, const char *field, size_t len, int crlf);
/* Feed field without the octets [cut_start, cut_end) and no final CRLF. */
void dkim_hash_field_cut(void *md, enum dkim_canon hcanon, const char *field, size_t len,
    size_t cut_start, size_t cut_end);
/* A SHA-256 context, started; and its end (frees it). */
void *dkim_hash_new(void);
void dkim_hash_end(void *md, uint8_t out[32]);

#endif
