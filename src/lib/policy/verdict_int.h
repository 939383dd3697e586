/*
 * verdict_int: what the engine's files share (not for its callers).
 */
#ifndef VOUCH_POLICY_VERDICT_INT_H
#define VOUCH_POLICY_VERDICT_INT_H

#include "policy/verdict.h"

/* One check's say about a transaction: an action (enum config_action,
 * "mode" kept unresolved until RCPT) and its reason. */
struct verdict_say {
	int act;
	char status[8]; /* enhanced status for a refusal, 5.x.x form */
	char why[VERDICT_WHY_MAX];
};

/* What the MAIL stage's checks say: the strictest explicit action, and
 * the first check whose action is "mode". */
struct verdict_says {
	struct verdict_say explicit_;
	struct verdict_say mode;
};

/*
 * The MAIL stage's rules, in order. Returns 1 if one refuses the command
 * (v holds the refusal), else 0 with what the checks say in says; v is
 * left alone then. For authenticated and submission sessions nothing is
 * said.
 */
int verdict_mail_rules(const struct proofs *sess, const struct proofs *msg, const struct policy *p,
    struct verdict_says *says, struct verdict *v);

/* What the end of data adds to the verdict header (verdict_data.c). */
enum verdict_note_kind {
	VERDICT_NOTE_NONE = 0, /* no message proofs, or nothing that changes the verdict */
	VERDICT_NOTE_PASS,     /* DMARC passed, or a trusted ARC chain stands for it */
	VERDICT_NOTE_FAILED,   /* DMARC failed and the listener acts on it (tag) */
	VERDICT_NOTE_UNSAFE,   /* DMARC failed: the message is unsafe */
};
struct verdict_note {
	enum verdict_note_kind kind;
	int strongest; /* PASS with an aligned DKIM signature, from a vouched, registered server */
	char text[VERDICT_WHY_MAX];
};
void verdict_data_note(const struct proofs *sess, const struct proofs *msg, const struct policy *p,
    struct verdict_note *n);
/* 1 if a trusted, validated ARC chain stands for the DMARC failure dm;
 * why says why (or why not, "" without an ARC chain). */
int verdict_arc_override(const struct proofs *msg, const struct policy *p, const struct proof *dm,
    char *why, size_t whysz);

/* Fill v: act, code, status and text (status and text may be NULL). */
void verdict_set(struct verdict *v, enum verdict_act act, int code, const char *status,
    const char *text, enum verdict_rule rule);

/* Small readers of the proofs. */
int verdict_authenticated(const struct proofs *sess);
const struct proof *verdict_allowed(const struct proofs *sess);
const struct proof *verdict_dnswl(const struct proofs *sess);
/* A client certificate for the HELO name from a trusted CA, or NULL. */
const struct proof *verdict_trusted_cert(const struct proofs *sess);

#endif
