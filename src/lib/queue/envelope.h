/*
 * envelope: the queue's record of a message's sender, recipients and
 * delivery state, kept in a text file beside the message body.
 *
 * The format is line-based and versioned ("vouch-envelope 1" first,
 * "end" last: a file without "end" is incomplete and never trusted).
 * Values are percent-encoded, so no value can forge a line. Parsing is
 * pure and strict; serialising and parsing round-trip exactly.
 */
#ifndef VOUCH_QUEUE_ENVELOPE_H
#define VOUCH_QUEUE_ENVELOPE_H

#include <stddef.h>
#include <stdint.h>

#include "util/str.h"

#define ENVELOPE_ID_MAX 32

enum env_rcpt_status {
	ENV_RCPT_PENDING = 0, /* still to deliver */
	ENV_RCPT_DONE,        /* delivered */
	ENV_RCPT_FAILED,      /* permanently failed; bounce sent or not needed */
};

struct env_rcpt {
	char *addr;      /* mailbox delivered to (after aliases) */
	char *orig;      /* address as given in RCPT TO, or NULL if same */
	char *orcpt;     /* DSN ORCPT "type;xtext", or NULL */
	unsigned notify; /* enum smtp_notify bits, 0 = default */
	enum env_rcpt_status status;
	int local;  /* delivered to a local mailbox */
	int unsafe; /* deliver to the unsafe folder */
	int attempts;
	char *error;      /* last error text, or NULL */
	char *dsn_status; /* last enhanced status, or NULL */
	char *remote_mta; /* host that answered last, or NULL */
	int64_t done_at;  /* when it reached DONE/FAILED (unix s) */
	/* Held until this challenge is confirmed (policy/challenge.h), or
	 * NULL: a held recipient is not delivered, nor expired by
	 * queue_lifetime; confirming releases it, expiry discards it. */
	char *challenge;
};

struct envelope {
	char id[ENVELOPE_ID_MAX + 1];
	int64_t arrival; /* unix seconds */
	char *sender;    /* "" for the null reverse-path */
	int body_8bit;   /* BODY=8BITMIME */
	int smtputf8;
	int ret;     /* enum smtp_ret */
	char *envid; /* DSN ENVID (xtext), or NULL */
	char *helo;  /* client's HELO, or NULL (locally generated) */
	char *client_addr;
	char *auth_user; /* submission user, or NULL */
	/* Our Authentication-Results field as it is at the end of data (with
	 * the message's DKIM and DMARC), or NULL: local delivery puts it in
	 * place of the first trace_skip octets of the body file (the field as
	 * it was written when DATA began). Kept here so the body is written
	 * in one pass as it arrives. */
	char *trace;
	uint64_t trace_skip;
	/* Header fields put on top of the message when it leaves for a
	 * remote host, or NULL: our DKIM signatures and ARC set, made once
	 * when the message was queued, so every attempt sends the same. */
	char *out_head;
	/* The envelope sender for recipients it was forwarded to (an alias
	 * to a remote address, a bounce to an SRS address): the SRS form of
	 * sender, or NULL when it is not rewritten. */
	char *srs_sender;
	uint64_t size;        /* octets of the body file */
	int64_t next_attempt; /* unix seconds; 0 = now */
	int attempts;
	int hold;              /* held by the admin: not delivered */
	int64_t release_at;    /* RFC 4865: not delivered before (unix s); 0 = at once */
	int transition_notice; /* local copies get the transition period's notice */
	int delay_notified;    /* a delay DSN was sent */
	int is_bounce;         /* a DSN vouch generated */
	int sender_spf_fail;   /* the return path failed SPF: never send it DSNs */
	struct env_rcpt *rcpts;
	size_t nrcpts;
};

/* Zero an envelope before use. */
void envelope_init(struct envelope *e);
/* Free what the envelope owns (not e itself). NULL-safe. */
void envelope_clear(struct envelope *e);
/* Add a recipient (strings copied; orig and orcpt may be NULL). */
struct env_rcpt *envelope_add_rcpt(struct envelope *e, const char *addr, const char *orig,
    const char *orcpt, unsigned notify, int local);
/* Set a recipient's last error text and status (copied; NULL clears). */
void envelope_rcpt_set_error(
    struct env_rcpt *r, const char *dsn_status, const char *text, const char *remote_mta);
/* Append the serialised envelope to out; -1 if out's limit is hit. */
int envelope_write(const struct envelope *e, struct strbuf *out);
/*
 * Parse text into e (initialised by the call). Returns 0, or -1 with a
 * reason in err (the file is incomplete or corrupt).
 */
int envelope_parse(const char *text, size_t len, struct envelope *e, char *err, size_t errsz);
/* Recipients still pending. */
size_t envelope_pending(const struct envelope *e);
/* Deep copy. */
void envelope_copy(struct envelope *dst, const struct envelope *src);

#endif
