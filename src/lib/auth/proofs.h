/*
 * proofs: what the checks proved about a session or a message (DESIGN 2),
 * kept apart from what policy makes of it (policy/verdict.h).
 *
 * A proof set holds typed proofs: each says which check made it (the
 * method), which identity it is about (the client address, the HELO name,
 * the return path, the vouched name, the authenticated user) and its
 * value, the result, and a reason for people, plus the few details the
 * method has of its own (the SPF mechanism, a DNS list's zone, the
 * registrar's class, ...). A proof never decides: it blocks, refuses or
 * whitelists nothing by itself.
 *
 * vouchd keeps two sets: one per session (what is known once the client
 * has connected, said EHLO, vouched, authenticated) and one per message
 * (the transaction's return path, the lists looked up at MAIL, the sender
 * callout; the message's own proofs such as DKIM, DMARC and ARC are
 * to join it at the end of data, several per method when a message has
 * several signatures: proofs_add keeps them all).
 *
 * Each check's outcome becomes a proof through its proofs_from_* function
 * (pure); an absent proof means the check was not run, or found nothing to
 * say (a client in no local list). The set owns its proofs; strings are
 * copied, and cut to the sizes below.
 */
#ifndef VOUCH_AUTH_PROOFS_H
#define VOUCH_AUTH_PROOFS_H

#include <stddef.h>
#include <stdint.h>

#include "auth/arc.h"
#include "auth/arc_origin.h"
#include "auth/callout.h"
#include "auth/dkim.h"
#include "auth/dmarc_eval.h"
#include "auth/dnslist.h"
#include "auth/gen.h"
#include "auth/helo.h"
#include "auth/register.h"
#include "auth/spf.h"
#include "dns/dns_name.h"

struct list_entry;

/* The check behind a proof. */
enum proof_method {
	/* the session */
	PROOF_BLOCK,         /* the client address is in the local block list */
	PROOF_ALLOW,         /* the client address is in the local allow list */
	PROOF_DNSBL,         /* DNS block lists (RFC 5782) */
	PROOF_DNSWL,         /* DNS allow lists */
	PROOF_REGISTER_ADDR, /* the registrar's word on the client address (DESIGN 5.3) */
	PROOF_HELO,          /* the HELO name: syntax, literal or forward-confirmed */
	PROOF_IPREV,         /* forward-confirmed reverse DNS (RFC 8601 2.7.3) */
	PROOF_SPF_HELO,      /* SPF of the HELO identity (RFC 7208 2.3) */
	PROOF_TLS_CERT,      /* a TLS client certificate naming the HELO name */
	PROOF_XVOUCH,        /* session vouching (DESIGN 5.1) */
	PROOF_REGISTER_NAME, /* the registrar's word on the vouched name */
	PROOF_XGEN,          /* the software generation (DESIGN 5.2) */
	PROOF_AUTH,          /* SMTP AUTH (RFC 4954) */
	/* the message */
	PROOF_SPF_MAILFROM, /* SPF of the return path (RFC 7208 2.4) */
	PROOF_REQUIRED,     /* the client address is vouch-required (DESIGN 5.1 step 6) */
	PROOF_ALLOW_SENDER, /* the return path is in the local allow list */
	PROOF_CALLOUT,      /* the sender callout, or why it was not made */
	PROOF_DKIM,         /* one DKIM signature of the message (RFC 6376), end of data */
	PROOF_DMARC,        /* DMARC for the From domain (RFC 7489), end of data */
	PROOF_ARC,          /* the message's ARC chain (RFC 8617), end of data */
	PROOF_METHOD_COUNT
};

/*
 * Results, one meaning each, whatever the method: the words of RFC 8601
 * and of each check's own outcome.
 */
enum proof_result {
	PROOF_NONE = 0, /* nothing to prove with (no record, not given) */
	PROOF_PASS,
	PROOF_FAIL,
	PROOF_SOFTFAIL,
	PROOF_NEUTRAL,
	PROOF_TEMPERROR,
	PROOF_PERMERROR,
	PROOF_LISTED, /* lists */
	PROOF_NOT_LISTED,
	PROOF_REGISTERED, /* the registrar */
	PROOF_UNREGISTERED,
	PROOF_SUSPENDED,
	PROOF_CATCHALL, /* the callout */
	PROOF_NOMX,
	PROOF_NXDOMAIN,
	PROOF_CURRENT, /* generations */
	PROOF_NEWER,
	PROOF_OLDER,
	PROOF_TOO_OLD,
	PROOF_INVALID,
	PROOF_TOO_NEW,
	PROOF_POLICY, /* DKIM: verified, but not taken (l= left part of the body unsigned) */
};

/* Which identity a proof is about. */
enum proof_identity {
	PROOF_ID_CLIENT,   /* the client address, as text */
	PROOF_ID_HELO,     /* the HELO/EHLO name */
	PROOF_ID_MAILFROM, /* the return path ("" for <>) */
	PROOF_ID_VOUCHED,  /* the name vouched for with XVOUCH */
	PROOF_ID_USER,     /* the authenticated user */
	PROOF_ID_SIGNER,   /* a DKIM signature's d= domain */
	PROOF_ID_FROM,     /* the RFC5322.From domain */
};

#define PROOF_IDENTITY_MAX 320
#define PROOF_REASON_MAX 400
/* The part of an SPF explanation a reply can hold (replies are capped at
 * 700 octets: a longer explanation never reaches the client). */
#define PROOF_SPF_EXPLANATION_MAX 700
/* The sealer domains an ARC proof lists (a longer chain is marked cut). */
#define PROOF_ARC_SEALERS_MAX 600

struct proof {
	enum proof_method method;
	enum proof_identity about;
	char identity[PROOF_IDENTITY_MAX];
	enum proof_result result;
	char reason[PROOF_REASON_MAX]; /* for people: logs, replies, headers */
	union {
		struct { /* BLOCK, ALLOW, ALLOW_SENDER, REQUIRED: the entry */
			char entry[300];
			int64_t expires; /* unix s; 0 = never */
		} list;
		struct { /* DNSBL, DNSWL, REGISTER_*: the zone that decided, "" if none */
			char zone[DNS_NAME_MAX + 1];
			char klass[32]; /* registrar: the class from the TXT record, "" if none */
		} zone;
		struct { /* HELO */
			enum helo_result syntax, literal, forward;
		} helo;
		struct {                         /* IPREV */
			char verified_name[256]; /* the PTR name that confirmed, "" if none */
		} iprev;
		struct { /* SPF_* */
			char domain[SPF_DOMAIN_MAX + 1];
			char mechanism[128];
			char explanation[PROOF_SPF_EXPLANATION_MAX];
			int from_table; /* decided by the local table, not DNS */
		} spf;
		struct { /* TLS_CERT */
			char subject[256];
			char ca
			    [64]; /* the trusted CA (tls_trust_ca) that proved the name, "" if none */
			int revoked; /* a trusted CA's certificate its CRL revokes (result fail) */
		} tls;
		struct {                     /* XGEN */
			long long peer;      /* the generation claimed */
			long long ours;      /* what it was judged against: our generation, */
			long long tolerance; /* the generations older still accepted, */
			long long max_newer; /* and newer still checked (xgen_*) */
		} gen;
		struct {                        /* CALLOUT */
			int skipped;            /* not made: skip says why (result none) */
			enum callout_skip skip; /* when skipped */
			char source[16];        /* callout_source_name(), when made */
		} callout;
		struct {                   /* DKIM */
			char selector[64]; /* s= */
		} dkim;
		struct {                          /* DMARC */
			int has_policy;           /* a record applied */
			enum dmarc_policy policy; /* p= (or sp=) */
			enum dmarc_policy
			    disposition;  /* what it asks for this message, after pct */
			int subdomain;    /* policy is the record's sp= */
			int spf_aligned;  /* what passed: SPF for an aligned domain, */
			int dkim_aligned; /* a DKIM signature with an aligned d= */
			char dkim_domain[DMARC_DOMAIN_MAX + 1]; /* that d=, or "" */
		} dmarc;
		struct {                    /* ARC: identity is the newest sealer */
			unsigned instances; /* ARC sets on the message (0: result none) */
			unsigned failed;    /* the instance that failed, 0 if none or structural */
			char sealers[PROOF_ARC_SEALERS_MAX]; /* ARC-Seal d= of each set, newest
			                                      * first, one space apart */
			int sealers_cut; /* some did not fit: not all of them are known */
			enum arc_origin_pass origin; /* what the oldest set's AAR says passed */
			char origin_domain[DMARC_DOMAIN_MAX + 1];    /* for which From domain */
			char origin_authserv[ARC_ORIGIN_ID_MAX + 1]; /* who wrote that AAR */
		} arc;
	} u;
};

/* A set of proofs: a session's or a message's. Zero it, or proofs_init. */
struct proofs {
	struct proof *v;
	size_t n, cap;
};

void proofs_init(struct proofs *ps);
/* Drop every proof and the memory they hold; the set is empty and usable. */
void proofs_clear(struct proofs *ps);
/* Add p (copied), keeping proofs of the same method (several signatures). */
void proofs_add(struct proofs *ps, const struct proof *p);
/* Add p (copied) in place of the proofs of its method. */
void proofs_put(struct proofs *ps, const struct proof *p);
/* Forget the proofs of a method (a new EHLO, STARTTLS). */
void proofs_del(struct proofs *ps, enum proof_method m);
/* The first proof of a method, or NULL. ps may be NULL. */
const struct proof *proofs_get(const struct proofs *ps, enum proof_method m);
/* The first proof of a method that has result r, or NULL. */
const struct proof *proofs_has(const struct proofs *ps, enum proof_method m, enum proof_result r);
size_t proofs_count(const struct proofs *ps);
const struct proof *proofs_at(const struct proofs *ps, size_t i);

/* "pass", "fail", "listed", "registered", "too-old", ... */
const char *proof_result_name(enum proof_result r);
/* "block", "allow", "dnsbl", "spf-helo", "xvouch", ... (for logs). */
const char *proof_method_name(enum proof_method m);

/*
 * From each check's outcome to its proof (pure). p is filled entirely.
 */
/* A local list's entry that matched the client address or the sender
 * (m: BLOCK, ALLOW, ALLOW_SENDER or REQUIRED). */
void proofs_from_list(
    struct proof *p, enum proof_method m, const char *identity, const struct list_entry *e);
/* A DNS list check (m: DNSBL or DNSWL): one zone decides, a listing
 * first, then a zone that could not answer. */
void proofs_from_dnslist(
    struct proof *p, enum proof_method m, const char *client, const struct dnslist_outcome *o);
/* The registrar's word (m: REGISTER_ADDR or REGISTER_NAME). */
void proofs_from_register(
    struct proof *p, enum proof_method m, const char *identity, const struct register_outcome *o);
/* The HELO name checks, as two proofs: the name (HELO) and the reverse
 * DNS of the client (IPREV). */
void proofs_from_helo(struct proof *name, struct proof *iprev, const char *helo, const char *client,
    const struct helo_outcome *o);
/* SPF of an identity (m: SPF_HELO or SPF_MAILFROM). */
void proofs_from_spf(
    struct proof *p, enum proof_method m, const char *identity, const struct spf_outcome *o);
/* A TLS client certificate: verified for the HELO name or not; ca is the
 * trusted CA that proved it ("" or NULL: none; tls/tls_trust.h), revoked
 * says a trusted CA's CRL revokes it; why (may be NULL) is the reason. */
void proofs_from_tls(struct proof *p, const char *helo, int verified, const char *subject,
    const char *ca, int revoked, const char *why);
/* XVOUCH's outcome for the vouched name (r: PASS, FAIL or TEMPERROR). */
void proofs_from_xvouch(struct proof *p, const char *name, enum proof_result r, const char *reason);
/* The client's XGEN claiming generation peer, judged against ours with
 * tolerance and max_newer. */
void proofs_from_gen(struct proof *p, enum gen_result r, long long peer, long long ours,
    long long tolerance, long long max_newer);
/* SMTP AUTH succeeded for user. */
void proofs_from_auth(struct proof *p, const char *user);
/* The sender callout's outcome, or the reason it was not made. */
void proofs_from_callout(struct proof *p, const struct callout_outcome *o);
void proofs_from_callout_skip(struct proof *p, const char *sender, enum callout_skip why);

/* One DKIM signature's result (its d= the identity). */
void proofs_from_dkim(struct proof *p, const struct dkim_sig_result *r);
/* DMARC's outcome for the From domain. */
void proofs_from_dmarc(struct proof *p, const struct dmarc_outcome *o);
/* The ARC chain's validation, its sets (n of them, oldest first) and
 * what the oldest says passed for from_domain (o, may be NULL). */
void proofs_from_arc(struct proof *p, const struct arc_result *r, const struct arc_set *sets,
    size_t n, const char *from_domain, const struct arc_origin *o);

/* Each check's own result as a proof result. */
enum proof_result proofs_spf_result(enum spf_result r);
enum proof_result proofs_helo_result(enum helo_result r);
enum proof_result proofs_gen_result(enum gen_result r);
enum proof_result proofs_dkim_result(enum dkim_result r);
enum proof_result proofs_dmarc_result(enum dmarc_result r);

#endif
