/*
 * proofs_header: what the checks proved, written into the message for its
 * readers -- Authentication-Results (RFC 8601) with one entry per proof
 * and Received-SPF (RFC 7208 9.1) -- and the removal of such fields that
 * arrive with a message claiming to be ours. Pure formatting over a
 * session's and a message's proof sets (auth/proofs.h); the verdict the
 * message carries is policy/verdict.h's.
 */
#ifndef VOUCH_AUTH_PROOFS_HEADER_H
#define VOUCH_AUTH_PROOFS_HEADER_H

#include <stddef.h>

#include "auth/proofs.h"
#include "util/str.h"

/* The session's facts the fields name (borrowed for the call). */
struct proofs_header_in {
	const char *hostname;   /* ours: the authserv-id, Received-SPF's receiver */
	const char *client_ip;  /* the client's address as text */
	const char *helo;       /* the HELO/EHLO name, "" if none */
	const char *sender;     /* the return path as given, "" for <> */
	const char *named_user; /* the authenticated user named in smtp.auth, or NULL */
};

/* Append Authentication-Results and Received-SPF for the proofs. */
void proofs_header_write(const struct proofs *sess, const struct proofs *msg,
    const struct proofs_header_in *in, struct strbuf *out);
/* 1 if a trace field (name, colon, value, CRLFs) arriving with a message
 * claims to be ours: our Authentication-Results, X-Vouch-Verdict, or a
 * Received-SPF naming us as receiver. */
int proofs_header_forged(const char *field, size_t len, const char *hostname);

#endif
