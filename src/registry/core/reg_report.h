/*
 * reg_report: abuse reports in the database. Filing a report analyses the
 * submitted mail (arf), parses the reported message's Received chain
 * (received_chain), finds the registered server that handed the message on
 * and its own queue id for the message, checks the recipients against the
 * verified spam traps (reg_trap: a hit is a confirmed report only when it
 * came through the trap owner's own server), and stores everything.
 * Confirming a report may suspend the server (reg_workflow).
 */
#ifndef VOUCH_REGISTRY_REG_REPORT_H
#define VOUCH_REGISTRY_REG_REPORT_H

#include <stddef.h>

#include "reg_config.h"
#include "reg_db.h"
#include "msg/received_chain.h"
#include "reg_workflow.h"

struct reg_report {
	long long id, server_id; /* server_id 0: not linked */
	char *server;            /* its host name or "" */
	long long received_at, decided_at;
	char *source, *reporter, *comment, *feedback_type;
	char *handoff_host, *handoff_ip, *tracking_id, *subject;
	char *status, *decided_by, *decision_reason;
	char *client;    /* the reporter's address, as seen */
	char *trap_note; /* a spam trap was hit: whether and why it counted */
	char *message;   /* only from reg_report_get */
	size_t message_len;
};

/* What a new report is. */
struct reg_report_new {
	const char *msg;
	size_t len;
	const char *source;   /* "api", "web", "mail" */
	const char *reporter; /* may be NULL: taken from the mail's From */
	const char *comment;
	const char *rcpt; /* envelope recipient of the report mail, or NULL */
	const char
	    *client; /* the reporter's address (HTTP peer; mail: the MTA's client), or NULL */
	long long via_server_id; /* the server whose owner token filed it, or 0 */
};

/* What filing found. */
struct reg_report_filed {
	long long id;
	char server[256]; /* linked server or "" */
	char handoff_host[256], handoff_ip[46], tracking_id[128];
	char status[16];            /* "new" or "confirmed" (a trap hit that counts) */
	char trap_note[300];        /* a trap was hit: whether and why it counted */
	char kind[16];              /* arf_kind_name */
	int hop;                    /* index of the Received field used, -1 if none */
	struct reg_workflow_res wf; /* suspension, if a trap hit caused one */
};

/* Store and link a report. Errors: EINVAL (empty), ETEMP. */
int reg_report_file(struct reg_db *db, const struct reg_config *cfg,
    const struct reg_report_new *in, struct reg_report_filed *out);
/* Confirm or dismiss a new report, as actor, with a reason; a confirmation
 * may suspend the server (res says). ENOTFOUND, ECONFLICT if decided. */
int reg_report_decide(struct reg_db *db, const struct reg_config *cfg, long long id, int confirm,
    const char *actor, const char *reason, struct reg_workflow_res *res);
/* Reports with status (NULL = all) or of one server (server_id > 0), newest
 * first, without message text. Free with reg_report_list_free. */
int reg_report_list(
    struct reg_db *db, const char *status, long long server_id, struct reg_report **out, size_t *n);
void reg_report_list_free(struct reg_report *v, size_t n);
/* One report with its message. */
int reg_report_get(struct reg_db *db, long long id, struct reg_report *out);
/* Free what a report holds. NULL-safe. */
void reg_report_clear(struct reg_report *r);

/*
 * Pure: pick the hop that names the handing-off server. match(ctx, host,
 * ip) says whether a host name or address belongs to a registered server
 * (and fills its canonical name into name). Prefers ARF's Source-IP when
 * given. Returns the hop index, -1 if none, and the server's own queue id
 * in tracking (from the field its host added, just below).
 */
int reg_report_find_handoff(const struct received_chain *c, const char *source_ip,
    int (*match)(void *ctx, const char *host, const char *ip, char *name, size_t namesz), void *ctx,
    char *name, size_t namesz, char *tracking, size_t trsz);

#endif
