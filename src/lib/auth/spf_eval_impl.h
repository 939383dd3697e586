/*
 * spf_eval_impl: the evaluator's internals, shared by spf_eval.c (frames,
 * explanation, API) and spf_mech.c (mechanisms, PTR data, targets). Not a
 * public header: only those two files include it.
 */
#ifndef VOUCH_AUTH_SPF_EVAL_IMPL_H
#define VOUCH_AUTH_SPF_EVAL_IMPL_H

#include "auth/spf_eval.h"
#include "auth/spf_macro.h"
#include "auth/spf_record.h"

/* Frames: one per nested include; the lookup limit keeps it below this. */
#define MAX_DEPTH (SPF_LOOKUP_LIMIT + 2)
/* Safety net on queries per evaluation; the RFC limits stay well below. */
#define MAX_QUERIES 300

/* What the outstanding query is for. */
enum ask {
	ASK_NONE = 0,
	ASK_TXT,      /* the frame's SPF record */
	ASK_MECH,     /* a / mx / exists primary lookup */
	ASK_MX_ADDR,  /* address of the idx-th MX host */
	ASK_PTR,      /* PTR names of the client */
	ASK_PTR_ADDR, /* address of the idx-th PTR name */
	ASK_EXP,      /* the exp= explanation TXT */
};

enum phase { PH_START = 0, PH_TXT, PH_TERMS, PH_EXPLAIN };

/* Outcome of one step of a mechanism. */
enum mres { M_MATCH, M_NOMATCH, M_ERROR, M_NEED, M_PUSHED };

struct frame {
	char domain[SPF_DOMAIN_MAX + 1];
	int is_include; /* evaluated for a parent's include */
	int redirected; /* reached by redirect: none is permerror */
	enum phase phase;
	struct spf_record *rec;
	size_t term;                     /* index of the term being evaluated */
	int stage;                       /* progress within that term */
	size_t idx;                      /* MX host / PTR name being checked */
	struct dns_result *mx;           /* the MX answer being walked */
	char target[SPF_DOMAIN_MAX + 1]; /* the term's expanded domain */
	enum spf_result child;           /* result of the include child */
};

struct ptr_cache {
	int have; /* the PTR query has been answered */
	enum dns_status status;
	int n;
	char *names[SPF_NAMES_LIMIT];       /* RFC 7208 4.6.4: first 10 only */
	signed char valid[SPF_NAMES_LIMIT]; /* -1 unknown, 0 no, 1 yes */
};

struct spf_eval {
	/* inputs and macro values */
	struct spf_ip ip;
	char sender[2 * SPF_SENDER_MAX + 2];
	char local[SPF_SENDER_MAX + 1];
	char odomain[SPF_SENDER_MAX + 1];
	char helo[SPF_HELO_MAX + 1];
	char ip_i[80];
	char ip_c[48];
	char now[24];
	struct spf_macro_vars vars;
	char pval[SPF_DOMAIN_MAX + 1];  /* %{p} ... */
	char p_for[SPF_DOMAIN_MAX + 1]; /* ... computed for this <domain> */
	int p_ready;
	const char *default_exp;
	int void_limit;
	const struct spf_known *known;
	int log_queries;

	struct frame frame0;             /* the identity's check_host() */
	struct frame *frames[MAX_DEPTH]; /* [0] = &frame0; includes malloc'd */
	int depth;
	unsigned lookups, voids;

	/* the outstanding query and its answer */
	char qname[SPF_DOMAIN_MAX + 1];
	enum dns_type qtype;
	enum ask ask;
	size_t ask_idx;
	struct dns_result *answer;
	enum ask answer_for;
	size_t answer_idx;

	struct ptr_cache ptr;
	char *exp_text;      /* explanation TXT awaiting expansion */
	char why[256];       /* reason of the latest finished frame */
	enum spf_result err; /* result of a term that ended in error */
	int done;
	struct spf_outcome out;
	struct spf_query *qlog;
	size_t nqlog;
};

/* spf_eval.c */
struct frame *spf_eval_top(struct spf_eval *ev);
/* Push a frame for an include of domain; NULL when nested too deep. */
struct frame *spf_eval_push(struct spf_eval *ev, const char *domain);
/* Set ev->why to the concatenation of up to four strings (NULL ends). */
void spf_eval_why(struct spf_eval *ev, const char *a, const char *b, const char *c, const char *d);
void
spf_eval_ask(struct spf_eval *ev, enum ask what, size_t idx, const char *name, enum dns_type type);
struct dns_result *spf_eval_take(struct spf_eval *ev, enum ask what, size_t idx);

/* spf_mech.c */
enum tgt { TGT_OK, TGT_NEED, TGT_BAD };
/* Evaluate term t of frame f (resumable: progress is in f->stage/idx). */
enum mres spf_mech_eval(struct spf_eval *ev, struct frame *f, const struct spf_term *t);
/* Expand a domain-spec (NULL: the frame's domain) into f->target. */
enum tgt spf_mech_target(struct spf_eval *ev, struct frame *f, const char *spec, size_t len);
/* Make %{p} available for domain: 0, or -1 after asking a query. */
int spf_mech_need_p(struct spf_eval *ev, const char *domain);
/* Point the %{d} and %{p} macro values at domain. */
void spf_mech_set_domain(struct spf_eval *ev, const char *domain);

#endif
