/*
 * gather_int: what gather.c and gather_xvouch.c share (not for others).
 */
#ifndef VOUCH_VOUCHD_GATHER_INT_H
#define VOUCH_VOUCHD_GATHER_INT_H

#include <sys/socket.h>

#include "gather.h"
#include "auth/spf_eval.h"
#include "auth/vouch.h"
#include "smtp/smtp_addr.h"

struct event;

/* The checks a session may have in flight, one of each at most. */
enum gather_kind {
	GJ_HELO,                /* HELO name and reverse DNS (auth/helo) */
	GJ_SPF_HELO,            /* SPF of the HELO identity */
	GJ_DNSBL,               /* DNS block lists */
	GJ_DNSWL,               /* DNS allow lists */
	GJ_REG_ADDR,            /* the registrar on the client address */
	GJ_REG_NAME,            /* the registrar on the vouched name */
	GJ_SPF_MAIL,            /* SPF of the return path */
	GJ_CALLOUT,             /* the sender callout */
	GJ_MAIL_LAST,           /* MAIL waits for the kinds before this one */
	GJ_XV_A = GJ_MAIL_LAST, /* XVOUCH: the EHLO name's addresses */
	GJ_XV_AAAA,
	GJ_XV_BUDGET, /* XVOUCH: the time budget */
	GJ_COUNT
};

/*
 * A check in flight: its callback's argument. It names the session by id
 * and lives exactly as long as the check: freed by the callback, or with
 * the check when the session cancels it.
 */
struct gather_job {
	struct vouchd *d;
	uint64_t sid;
	enum gather_kind kind;
	union {
		struct helo_check *helo;
		struct spf_check *spf;
		struct dnslist_check *dl;
		struct register_check *reg;
		struct callout_check *co;
		uint64_t q; /* a DNS query */
		struct event *ev;
	} h;
};

/* XVOUCH, the receiver's side (DESIGN 5.1). */
enum gather_xv_state { GXV_NONE = 0, GXV_RUNNING, GXV_DONE };
struct gather_xv {
	enum gather_xv_state state;
	char name[256]; /* the EHLO name vouched for */
	char id[VOUCH_ID_LEN + 1];
	unsigned pending; /* address lookups out */
	int dns_tempfail, temperror;
	char targets[8][64]; /* addresses of the EHLO name */
	size_t ntargets;
	char target[64]; /* X */
	uint64_t req;    /* the checker's request, or 0 */
	gather_cb cb;
};

struct gather {
	struct vouchd *d;
	uint64_t sid;
	const struct config *cfg;
	const struct listener_config *l;
	int submission; /* the listener is a submission port */
	struct sockaddr_storage peer;
	char client_ip[64];
	struct proofs sess, msg;
	struct gather_job *job[GJ_COUNT];
	struct spf_options spf_opts; /* borrowed by running SPF checks */
	/* MAIL */
	char sender[SMTP_PATH_MAX * 2];
	int mail_waiting;   /* MAIL waits for the checks */
	int mail_looked_up; /* the lists MAIL reads were looked up */
	gather_cb mail_cb;
	/* senders this session has had called out for (hashes): at most
	 * callout_max_senders_per_session */
	uint64_t *co_senders;
	size_t co_nsenders;
	struct gather_xv xv;
};

/* The session's gathering a job's callback belongs to, found by id; NULL
 * if the session has gone or the job is no longer its. */
struct gather *gather_job_owner(const struct gather_job *j);
/* A new job of a kind (an older one of that kind is cancelled). */
struct gather_job *gather_job_new(struct gather *g, enum gather_kind k);
/* Drop a kind's job: cancel its check if cancel, free the job. */
void gather_job_drop(struct gather *g, enum gather_kind k, int cancel);
/* A proof came in: MAIL may be waiting for it. */
void gather_proof_in(struct gather *g);
/* Count a check's result in the statistics (check, result). */
void gather_count(const struct gather *g, const char *check, const char *result);
/* The registrar's word on the vouched name, once vouched (with zones). */
void gather_register_name(struct gather *g);
/* Drop the XVOUCH state (session end, STARTTLS). */
void gather_xvouch_cancel(struct gather *g);

#endif
