/*
 * outbound: the remote delivery agent. Jobs (one message, one
 * destination domain, some of its recipients) queue per destination; a
 * destination is resolved (MX in preference order, implicit MX, null MX
 * per RFC 7505, or the relayhost) and served by a bounded number of SMTP
 * client connections, each reused for the next job of the same
 * destination. The outcome for every recipient goes back to the queue
 * manager through the job's callback, on the loop.
 */
#ifndef VOUCH_VOUCHD_OUTBOUND_H
#define VOUCH_VOUCHD_OUTBOUND_H

#include <stddef.h>

#include "smtp/smtp_client.h"

struct vouchd;
struct outbound;

struct outbound_job {
	struct outbound_job *next; /* in its destination's queue */
	char qid[40];
	char *dest; /* lower-case domain */
	char *body_path;
	int fd;                     /* opened when sending */
	struct smtp_client_msg msg; /* sender, parameters, recipients, replies */
	size_t *rcpt_index;         /* envelope index of each msg.rcpts[i] */
	char *remote_mta;           /* the host that gave the answers, or NULL */
	/* Set when the whole destination failed before any transaction. */
	struct smtp_client_reply dest_error;
	void (*done)(struct outbound_job *j, void *arg);
	void *arg;
};

struct outbound *outbound_new(struct vouchd *d, char *err, size_t errsz);
/* Close every connection; pending jobs are reported as temporary failures. */
void outbound_free(struct outbound *o);
/* Hand a job over (taken); its done callback runs later, on the loop. */
void outbound_submit(struct outbound *o, struct outbound_job *j);
/* Free a finished job (its callback calls this). */
void outbound_job_free(struct outbound_job *j);
/* Connections open, and destinations known. */
size_t outbound_connections(const struct outbound *o);
/* The client TLS context outbound connections use (borrowed). */
SSL_CTX *outbound_tls_ctx(const struct outbound *o);
/* Rebuild TLS and relayhost settings after a reload. */
int outbound_reconfigure(struct outbound *o, char *err, size_t errsz);

#endif
