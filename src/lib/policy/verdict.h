/*
 * verdict: the policy engine (DESIGN 2 and 6). It reads what was proven
 * (auth/proofs.h) under the listener's and the recipient's policy and
 * says what to do, at each stage of a session:
 *
 *   connect   the local block list (an allow-listed client is never
 *             blocked): 554, or greet
 *   HELO      nothing is decided on the name here (RFC 5321 4.1.4); the
 *             strict rule is applied at MAIL, once the checks are in
 *   XVOUCH    the answer to the client's XVOUCH; a denied session in hard
 *             mode is refused, closed, and its address made vouch-required
 *   XGEN      the answer to the client's XGEN: 250 for a generation that
 *             verifies, 550 otherwise; what it leads to for mail is said
 *             at RCPT (xgen_invalid, xgen_too_old)
 *   MAIL      the strict HELO rule, vouch-required addresses, DNS block
 *             lists, SPF of both identities, then the sender callout:
 *             explicit reject and tempfail answer MAIL itself; whether a
 *             callout is to be made or skipped is said here too
 *   RCPT      a mail class the recipient refuses (refuse_classes: the
 *             register's class of the vouched, registered name, never
 *             anything the client says) is 550 5.7.1 in any mode; then:
 *             is the server verified? per recipient domain's mode:
 *             soft -> unsafe, hard -> 550, off -> accept; "mode" actions
 *             of the MAIL stage are resolved here, per recipient domain;
 *             after the transition day, an unregistered server gets
 *             transition_action
 *   end of data  the message's own proofs: DMARC (with SPF and DKIM in
 *             it) -- p=reject: dmarc_reject ("mode": 550 5.7.1 hard,
 *             unsafe soft), p=quarantine: dmarc_quarantine (unsafe);
 *             unsafe comes back with code 250 for every recipient (550
 *             when one takes no unsafe mail); tag too, though vouchd
 *             cannot tag a Subject already queued. A DMARC failure is
 *             forgiven (accept, rule ARC) when the message's ARC chain
 *             validates, every sealer in it is in arc_trusted, and its
 *             oldest set records an aligned pass for the same From
 *             domain (RFC 8617 7.2; verdict_data.c says why every one)
 *
 * A session is verified when its client is authenticated or allow-listed
 * (locally or by a DNS allow list), or vouched for itself with XVOUCH and,
 * when registrar zones are configured, its vouched name is registered and
 * active, or showed a certificate for its HELO name from a trusted CA
 * (tls_trust_ca; the admin's word on that CA, as allow lists are). But a proof of a name is not a proof for other domains: SPF is
 * forgiven and the callout skipped only for a trusted forwarder --
 * allow-listed, authenticated, or vouched and registered active.
 *
 * Pure: no I/O, no globals, no clock. The same proofs under the same
 * policy give the same verdict, so the RCPT stage recomputes what the MAIL
 * stage found instead of carrying it.
 */
#ifndef VOUCH_POLICY_VERDICT_H
#define VOUCH_POLICY_VERDICT_H

#include "auth/dmarc_eval.h"
#include "auth/proofs.h"
#include "config/config.h"
#include "util/str.h"

/* What to do with the command, from mildest to strictest (the order of
 * enum config_action: ACCEPT is its IGNORE). */
enum verdict_act {
	VERDICT_ACCEPT = CONFIG_ACT_IGNORE,
	VERDICT_TAG = CONFIG_ACT_TAG,           /* accept; tag the subject */
	VERDICT_UNSAFE = CONFIG_ACT_UNSAFE,     /* accept into the .Unsafe folder */
	VERDICT_TEMPFAIL = CONFIG_ACT_TEMPFAIL, /* 4xx */
	VERDICT_REJECT = CONFIG_ACT_REJECT,     /* 5xx */
};

/* The rule that decided, for logs and statistics. */
enum verdict_rule {
	VERDICT_RULE_NONE = 0,
	VERDICT_RULE_BLOCKED,   /* connect: the local block list */
	VERDICT_RULE_XVOUCH,    /* XVOUCH's answer */
	VERDICT_RULE_XGEN,      /* XGEN's answer */
	VERDICT_RULE_STRICT,    /* MAIL: the strict HELO rule */
	VERDICT_RULE_REQUIRED,  /* MAIL: a vouch-required address that did not vouch */
	VERDICT_RULE_DNSBL,     /* MAIL: a DNS block list */
	VERDICT_RULE_SPF,       /* MAIL: SPF */
	VERDICT_RULE_CALLOUT,   /* MAIL: the sender callout */
	VERDICT_RULE_TRUST,     /* RCPT: what the checks say for the recipient's domain */
	VERDICT_RULE_NO_UNSAFE, /* RCPT: unsafe mail for a recipient who takes none */
	VERDICT_RULE_DMARC,     /* end of data: the From domain's DMARC policy */
	VERDICT_RULE_ARC,       /* end of data: accepted, a trusted ARC chain stands for DMARC */
	VERDICT_RULE_CLASS,     /* RCPT: the register's mail class is refused by the recipient */
};

/* What the caller does besides replying. */
#define VERDICT_CLOSE 0x1u         /* close the session after the reply */
#define VERDICT_REQUIRE_VOUCH 0x2u /* make the client's address vouch-required */

/* MAIL: the sender callout, when no callout proof is in yet. */
enum verdict_callout {
	VERDICT_CALLOUT_NONE = 0, /* none wanted (off, a submission, authenticated) */
	VERDICT_CALLOUT_RUN,      /* make it; ask again with its proof */
	VERDICT_CALLOUT_SKIP,     /* a cheaper proof settles the sender: skip says which */
};

#define VERDICT_TEXT_MAX 700
#define VERDICT_WHY_MAX 400

struct verdict {
	enum verdict_act act;
	int code;                     /* the SMTP reply code */
	char status[8];               /* its enhanced status code (RFC 3463), or "" */
	char text[VERDICT_TEXT_MAX];  /* the reply's text, a reason a human can act on */
	char why[VERDICT_WHY_MAX];    /* RCPT: the reason behind a non-accept act, for logs */
	enum verdict_rule rule;       /* what decided */
	unsigned flags;               /* VERDICT_CLOSE, VERDICT_REQUIRE_VOUCH */
	enum verdict_callout callout; /* MAIL only */
	enum callout_skip skip;       /* with VERDICT_CALLOUT_SKIP */
};

/* The policy a session runs under. Borrowed, read only. */
struct policy {
	const struct listener_config *l; /* actions per check and result, mode, strict, ... */
	int submission;                  /* a submission port: AUTH proves the client */
	int registrar;                   /* registrar zones are configured */
	const char *const *arc_trusted;  /* ARC sealer domains trusted (arc_trusted_sealers) */
	size_t narc_trusted;
	int xgen; /* we offer generations (XGEN in EHLO) */
	/* The transition day ("S-DAY"): the engine has no clock, so the
	 * caller says what time it is. */
	long long now;              /* unix s */
	long long transition_at;    /* the day, unix s; 0 = no transition */
	int transition_action;      /* enum config_action for unregistered servers after it */
	const char *transition_url; /* registered providers are listed there, or NULL */
};

/* Where a sending server stands in the transition period. */
enum policy_transition_state {
	POLICY_TRANSITION_NONE = 0, /* no transition, or the server is registered or verified */
	POLICY_TRANSITION_BEFORE,   /* unregistered, before the day: told, not judged */
	POLICY_TRANSITION_AFTER,    /* unregistered, the day has come: transition_action */
};

/* RCPT: the recipient's side. */
struct policy_rcpt {
	int mode;      /* the mode for the recipient's domain (config_mode_for) */
	int no_unsafe; /* a local recipient takes no unsafe mail (users: no_unsafe) */
	/* the register mail classes refused for this recipient (its own
	 * users entry, else config_refuse_classes_for), or NULL: none; and
	 * whose setting that is ("recipient", "domain", "listener"), or NULL */
	const struct conf_list *refuse_classes;
	const char *refuse_by;
};

/* The trust verdict on the sending server. */
struct policy_trust {
	int verified;       /* allow-listed, authenticated, vouched (+ registered) */
	const char *how;    /* why verified ("allow-listed", ...), or NULL; static */
	const char *detail; /* what proved it (the allow entry, the zone, the name), or NULL;
	                      * points into the proofs */
	int forwarder;      /* a trusted forwarder: SPF forgiven, no callout */
};

/* Each stage: (proofs, policy) in, verdict out. sess is the session's
 * proofs, msg the transaction's (may be NULL before MAIL). */
void policy_connect(const struct proofs *sess, const struct policy *p, struct verdict *v);
void policy_helo(const struct proofs *sess, const struct policy *p, struct verdict *v);
void policy_xvouch(const struct proofs *sess, const struct policy *p, struct verdict *v);
void policy_xgen(const struct proofs *sess, const struct policy *p, struct verdict *v);
/* MAIL from sender (the return path as given, "" for <>). */
void policy_mail(const struct proofs *sess, const struct proofs *msg, const struct policy *p,
    const char *sender, struct verdict *v);
void policy_rcpt(const struct proofs *sess, const struct proofs *msg, const struct policy *p,
    const struct policy_rcpt *r, struct verdict *v);
/* End of data: r (may be NULL) says for all recipients at once: mode is
 * not read (the listener's mode decides: one reply answers them all),
 * no_unsafe is set if any local recipient takes no unsafe mail. */
void policy_data_end(const struct proofs *sess, const struct proofs *msg, const struct policy *p,
    const struct policy_rcpt *r, struct verdict *v);

/* The transition period for this session's server: unregistered means no
 * registrar lists the vouched name or the client address as active. */
enum policy_transition_state policy_transition(const struct proofs *sess, const struct policy *p);
/* Who the sending server is proven to be. */
void policy_trust(const struct proofs *sess, const struct policy *p, struct policy_trust *t);
/* "mode" resolved for a mode (hard: reject, soft: unsafe, off: ignore). */
int policy_resolve(int act, int mode);
/* The message's verdict for people and filters: "X-Vouch-Verdict: ...".
 * With the message's own proofs (end of data) it says what DMARC adds:
 * "verified+dmarc (...)" for the strongest verdict (a vouched, registered
 * server, DMARC pass with an aligned DKIM signature), "unsafe (...)" when
 * DMARC made the message unsafe, the DMARC result in the comment else. */
void policy_verdict_header(const struct proofs *sess, const struct proofs *msg,
    const struct policy *p, struct strbuf *out);

/*
 * The DMARC aggregate report's view of the end-of-data verdict v (RFC
 * 7489 appendix C: "the policy actually applied") for a message DMARC
 * evaluated as out. For a message that failed DMARC, *applied is what v
 * did with it -- reject, quarantine (the Unsafe folder or a tagged
 * subject), none (delivered) -- and *why says why that differs from
 * what the policy asked: sampled_out (pct=), arc (a trusted ARC chain
 * stood for DMARC) or local_policy (the receiver's settings: soft mode,
 * dmarc_reject = unsafe, another check's refusal). A message that did
 * not fail has no disposition of its own: both stay as out has them.
 * Returns 0, or -1 when v is a temporary failure: the client sends the
 * message again, and that try is the one a report counts.
 */
int policy_dmarc_applied(const struct verdict *v, const struct dmarc_outcome *out,
    enum dmarc_policy *applied, enum dmarc_override *why);

/* "accept", "tag", "unsafe", "tempfail", "reject". */
const char *verdict_act_name(enum verdict_act a);

#endif
