/*
 * arc_seal: adding an ARC set (RFC 8617 5.1) to a message vouch forwards:
 * ARC-Authentication-Results (what vouch verified when the message
 * arrived), ARC-Message-Signature (a DKIM-like signature of the message
 * as it leaves) and ARC-Seal (over every ARC set), in one pass over the
 * written message, like dkim_sign.h.
 *
 *	s = arc_seal_new(&(struct arc_seal_opts){ .key = k,
 *	    .authres = "mx.example.org; dkim=pass header.d=a.example; spf=pass ...; arc=none",
 *	    .cv = arrival_arc_status });
 *	... arc_seal_feed(s, buf, n) over the message ...
 *	rc = arc_seal_finish(s, &fields, err, sizeof(err));  // put fields at the top
 *
 * cv is the chain's status as vouch validated it on arrival
 * (dkim_verify_arc()->status); a message without ARC sets is sealed with
 * cv=none whatever cv says. A chain that is broken (by structure) or
 * that arrived failed is sealed with cv=fail, its seal covering only the
 * new set (RFC 8617 5.1.2). A chain whose newest seal already says
 * cv=fail, or that has 50 sets, is not extended.
 */
#ifndef VOUCH_AUTH_ARC_SEAL_H
#define VOUCH_AUTH_ARC_SEAL_H

#include <stddef.h>

#include "auth/arc.h"
#include "auth/dkim_sign.h"
#include "util/str.h"

struct arc_seal_opts {
	const struct dkim_signkey *key; /* the sealer's domain, selector and key (borrowed) */
	const char *authres;            /* the AAR payload: "authserv-id; results" */
	enum arc_cv cv;                 /* the chain on arrival */
	const char *const *headers;     /* AMS h= names; NULL: DKIM's defaults + DKIM-Signature */
	size_t nheaders;
	long long now; /* t=; 0: the clock */
	size_t max_header;
};

struct arc_seal;

/* opts is copied (its strings and key are borrowed until arc_seal_free). */
struct arc_seal *arc_seal_new(const struct arc_seal_opts *opts);
void arc_seal_free(struct arc_seal *s);
void arc_seal_feed(struct arc_seal *s, const char *p, size_t n);
/* The key, AAR payload and arrival cv of opts (for a sealer made before
 * they were known; the rest of opts is ignored). Borrowed as in new. */
void arc_seal_set(struct arc_seal *s, const struct arc_seal_opts *opts);
/* Fields added on top of the message after it was fed (our DKIM
 * signatures: the AMS signs them). 0 or -1. */
int arc_seal_prepend(struct arc_seal *s, const char *text, size_t len);
/*
 * End of the message: append ARC-Seal, ARC-Message-Signature and
 * ARC-Authentication-Results (each with CRLF) to out. Returns 0; 1 when
 * the chain may not be extended (nothing appended, the reason in err);
 * -1 on errors (err says which: no From, a chain not validated, ...).
 */
int arc_seal_finish(struct arc_seal *s, struct strbuf *out, char *err, size_t errsz);

#endif
