/*
 * reg_notice: the mails the registrar sends owners (issue 17): on
 * suspension, on bond forfeit and on reinstatement the owner and the
 * admin contact get a mail saying what happened and what to do, with the
 * confirmed reports attached as received (message/rfc822).
 *
 * A notice is queued in the database inside the transaction that changes
 * the status (so the CLI's changes are told too), and sent later by the
 * serve loop through notice_relay (reg_mailer). The text comes from a
 * template, notice-<kind>.txt in notice_dir (default: the configuration
 * file's folder), or the shipped default: a "Subject:" line, an empty
 * line, the body, with ${name} placeholders.
 *
 * Owns the notices table, the templates and composing the message
 * (reg_notice_render and reg_notice_compose are pure).
 */
#ifndef VOUCH_REGISTRY_REG_NOTICE_H
#define VOUCH_REGISTRY_REG_NOTICE_H

#include <stddef.h>

#include "reg_config.h"
#include "reg_db.h"
#include "util/str.h"

enum reg_notice_kind { REG_NOTICE_SUSPENDED, REG_NOTICE_FORFEITED, REG_NOTICE_REINSTATED };

#define REG_NOTICE_MAX_REPORTS 5        /* newest confirmed reports attached */
#define REG_NOTICE_MAX_SIZE (32u << 20) /* reports attached: a quarter of it */

/* "suspended", "forfeited", "reinstated". */
const char *reg_notice_kind_name(enum reg_notice_kind k);
/* The shipped template for a kind. */
const char *reg_notice_default_template(enum reg_notice_kind k);

/*
 * Inside the caller's transaction: queue a notice of kind for server_id,
 * with the server's unsettled confirmed reports as they are now. Nothing
 * when notice_relay is empty. ETEMP.
 */
int reg_notice_queue(struct reg_db *db, const struct reg_config *cfg, long long server_id,
    enum reg_notice_kind kind, const char *reason);

/* A queued notice as the sender sees it. */
struct reg_notice {
	long long id, server_id, created_at;
	int tries;
	enum reg_notice_kind kind;
	char reason[512];
	char report_ids[128]; /* "12,9" */
};

/* The oldest notice due at now (ENOTFOUND: none). */
int reg_notice_next_due(struct reg_db *db, long long now, struct reg_notice *out);
/* Record an attempt: status "sent", "failed" or "queued" (retry at next_try). */
int reg_notice_update(
    struct reg_db *db, long long id, const char *status, long long next_try, const char *error);

/* One placeholder's value (${name}). */
struct reg_notice_var {
	const char *name, *value;
};

/*
 * Pure: fill tmpl's placeholders from vars (unknown ones stay as written),
 * splitting off the "Subject:" line into subject (defaults to "Notice from
 * the registry") and the rest into body. Values lose control characters;
 * the subject keeps printable ASCII only. -1 if a buffer's limit is hit.
 */
int reg_notice_render(const char *tmpl, size_t len, const struct reg_notice_var *vars, size_t nvars,
    struct strbuf *subject, struct strbuf *body);

/* An attachment: a reported message as received. */
struct reg_notice_part {
	long long report_id;
	const char *msg;
	size_t len;
};

/* Everything a notice mail holds. */
struct reg_notice_mail {
	const char *from_name, *from; /* display name and address */
	const char *const *to;
	size_t nto;
	const char *subject, *body;
	const char *message_id; /* without <> */
	long long date;         /* Unix time */
	const struct reg_notice_part *parts;
	size_t nparts;
	const char *boundary; /* NULL: random, never a line of a part */
};

/*
 * Pure but for the random boundary: the RFC 5322 message, CRLF line
 * ends, multipart/mixed (RFC 2046) with a text/plain part and one
 * message/rfc822 part per report (line ends made CRLF, otherwise as
 * received). -1 if out's limit is hit.
 */
int reg_notice_compose(const struct reg_notice_mail *m, struct strbuf *out);

/*
 * Build notice n's mail from the database and templates: the message
 * into msg and its recipients (owner, admin contact; one if the same)
 * into rcpt. ENOTFOUND if the server is gone, ETEMP.
 */
int reg_notice_build(struct reg_db *db, const struct reg_config *cfg, const struct reg_notice *n,
    struct strbuf *msg, char rcpt[2][320], size_t *nrcpt);

#endif
