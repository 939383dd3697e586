/*
 * dkim_authres: Authentication-Results entries (RFC 8601 2.7.1, RFC 8617
 * 7.2) for a verifier's results, for msg/authres.h to format:
 *
 *	dkim=pass (2048-bit key) header.d=example.com header.s=sel header.b=AbCdEfGh
 *	dkim=fail (body hash mismatch) header.d=... header.s=... header.b=...
 *	dkim=none (no signatures)
 *	arc=pass (2 ARC sets verified)
 *
 * header.b is the shortest prefix of b= (8 characters at least, RFC 6008)
 * that tells the message's signatures apart.
 */
#ifndef VOUCH_AUTH_DKIM_AUTHRES_H
#define VOUCH_AUTH_DKIM_AUTHRES_H

#include <stddef.h>

#include "auth/dkim_verify.h"
#include "msg/authres.h"

struct dkim_authres;

/* Entries for v's results (final: dkim_verify_done), and an "arc" entry
 * when with_arc. Free with dkim_authres_free(); the entries' strings live
 * in it (copies: v may be freed first). */
struct dkim_authres *dkim_authres_new(const struct dkim_verify *v, int with_arc);
void dkim_authres_free(struct dkim_authres *a);
/* The entries (count in *n), valid until dkim_authres_free(): give them
 * to authres_format_multi() beside the other checks' entries. */
const struct authres_multi *dkim_authres_entries(const struct dkim_authres *a, size_t *n);

#endif
