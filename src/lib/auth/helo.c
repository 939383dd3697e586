/*
 * helo: HELO name and reverse DNS checks (see helo.h).
 */
#include "auth/helo.h"

#include <arpa/inet.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns.h"
#include "dns/dns_result.h"
#include "smtp/smtp_addr.h"
#include "util/str.h"
#include "util/xmalloc.h"

/* RFC 7208-like bound on names we follow from one PTR answer. */
#define PTR_NAMES_MAX 10

enum { Q_FWD_A, Q_FWD_AAAA, Q_PTR, Q_PTR_A, Q_PTR_AAAA };

struct helo_query {
	struct helo_check *chk;
	int kind;
	size_t name; /* PTR name index for Q_PTR_* */
	uint64_t id;
};

struct helo_check {
	struct dns_client *dns;
	helo_check_cb cb;
	void *arg;
	struct sockaddr_storage peer;
	char name[256];
	struct helo_outcome out;
	struct helo_query *q[2 + 1 + 2 * PTR_NAMES_MAX];
	size_t nq;
	unsigned pending;
	int fwd_temp, fwd_hit;
	int ptr_temp;
	char ptr[PTR_NAMES_MAX][256];
	unsigned char confirmed[PTR_NAMES_MAX]; /* ptr[i] resolves to the client */
	size_t nptr;
	struct event *timer;
	int done;
	int in_cb;
	int dead;
};

const char *
helo_result_name(enum helo_result r)
{
	switch (r) {
	case HELO_PASS: return "pass";
	case HELO_FAIL: return "fail";
	case HELO_TEMPERROR: return "temperror";
	default: return "none";
	}
}

int
helo_syntax_ok(const char *name)
{
	struct smtp_addr a;
	char buf[300];

	if (name[0] == '[') {
		if (snprintf(buf, sizeof(buf), "x@%s", name) >= (int)sizeof(buf))
			return 0;
		return smtp_addr_parse_mailbox(buf, strlen(buf), 0, &a) == SMTP_ADDR_OK;
	}
	/* RFC 5321 4.1.1.1: a fully qualified domain: at least one dot. */
	return strchr(name, '.') != NULL && smtp_addr_domain_ok(name, strlen(name), 0);
}

int
helo_ptr_name(const struct sockaddr *sa, char *out, size_t outsz)
{
	if (sa->sa_family == AF_INET) {
		const unsigned char *b =
		    (const unsigned char *)&((const struct sockaddr_in *)(const void *)sa)
		        ->sin_addr;
		return snprintf(out, outsz, "%u.%u.%u.%u.in-addr.arpa", b[3], b[2], b[1], b[0]) <
		        (int)outsz
		    ? 0
		    : -1;
	}
	if (sa->sa_family == AF_INET6) {
		static const char hex[] = "0123456789abcdef";
		const unsigned char *b =
		    ((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr.s6_addr;
		size_t o = 0;
		if (outsz < 73)
			return -1;
		if (IN6_IS_ADDR_V4MAPPED((const struct in6_addr *)b)) {
			return snprintf(out, outsz, "%u.%u.%u.%u.in-addr.arpa", b[15], b[14], b[13],
			           b[12]) < (int)outsz
			    ? 0
			    : -1;
		}
		for (int i = 15; i >= 0; i--) {
			out[o++] = hex[b[i] & 15];
			out[o++] = '.';
			out[o++] = hex[b[i] >> 4];
			out[o++] = '.';
		}
		memcpy(out + o, "ip6.arpa", 9);
		return 0;
	}
	return -1;
}

/* Does an A/AAAA answer hold the client's address? */
static int
answer_has(const struct dns_result *res, const struct sockaddr *sa)
{
	for (size_t i = 0; i < res->nrr; i++) {
		const struct dns_rr *rr = &res->rr[i];
		if (rr->type == DNS_T_A && sa->sa_family == AF_INET &&
		    memcmp(&rr->u.a, &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
		        4) == 0)
			return 1;
		if (rr->type == DNS_T_A && sa->sa_family == AF_INET6) {
			const struct in6_addr *a6 =
			    &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
			if (IN6_IS_ADDR_V4MAPPED(a6) && memcmp(&rr->u.a, &a6->s6_addr[12], 4) == 0)
				return 1;
		}
		if (rr->type == DNS_T_AAAA && sa->sa_family == AF_INET6 &&
		    memcmp(&rr->u.aaaa, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
		        16) == 0)
			return 1;
	}
	return 0;
}

static void finish(struct helo_check *chk);
static void on_answer(struct dns_result *res, void *arg);

static void
ask(struct helo_check *chk, const char *name, enum dns_type t, int kind, size_t idx)
{
	struct helo_query *q;

	if (chk->nq >= sizeof(chk->q) / sizeof(chk->q[0]))
		return;
	q = xcalloc(1, sizeof(*q));
	q->chk = chk;
	q->kind = kind;
	q->name = idx;
	chk->q[chk->nq++] = q;
	chk->pending++;
	q->id = dns_client_lookup(chk->dns, name, t, on_answer, q);
}

static void
on_answer(struct dns_result *res, void *arg)
{
	struct helo_query *q = arg;
	struct helo_check *chk = q->chk;
	const struct sockaddr *sa = (const struct sockaddr *)&chk->peer;

	q->id = 0;
	switch (q->kind) {
	case Q_FWD_A:
	case Q_FWD_AAAA:
		if (res->status == DNS_ANSWER && answer_has(res, sa))
			chk->fwd_hit = 1;
		else if (res->status == DNS_TEMPFAIL)
			chk->fwd_temp = 1;
		break;
	case Q_PTR:
		if (res->status == DNS_ANSWER) {
			for (size_t i = 0; i < res->nrr && chk->nptr < PTR_NAMES_MAX; i++) {
				if (res->rr[i].type != DNS_T_PTR)
					continue;
				str_copy(
				    chk->ptr[chk->nptr], sizeof(chk->ptr[0]), res->rr[i].u.name);
				ask(chk, res->rr[i].u.name, DNS_T_A, Q_PTR_A, chk->nptr);
				ask(chk, res->rr[i].u.name, DNS_T_AAAA, Q_PTR_AAAA, chk->nptr);
				chk->nptr++;
			}
		} else if (res->status == DNS_TEMPFAIL) {
			chk->ptr_temp = 1;
		}
		break;
	case Q_PTR_A:
	case Q_PTR_AAAA:
		if (res->status == DNS_ANSWER && answer_has(res, sa))
			chk->confirmed[q->name] = 1;
		else if (res->status == DNS_TEMPFAIL)
			chk->ptr_temp = 1;
		break;
	}
	dns_result_free(res);
	if (--chk->pending == 0)
		finish(chk);
}

static void
report(struct helo_check *chk)
{
	if (chk->done)
		return;
	chk->done = 1;
	if (chk->timer)
		evtimer_del(chk->timer);
	chk->in_cb = 1;
	chk->cb(&chk->out, chk->arg);
	chk->in_cb = 0;
	if (chk->dead)
		helo_check_free(chk);
}

/*
 * The verified name is the first PTR name, in the order of the PTR answer,
 * that resolves back to the client: not the first whose address answer
 * happened to arrive, which over the wire changes from one session to the
 * next. 1 if there is one.
 */
static int
pick_verified(struct helo_check *chk)
{
	for (size_t i = 0; i < chk->nptr; i++) {
		if (chk->confirmed[i]) {
			str_copy(
			    chk->out.verified_name, sizeof(chk->out.verified_name), chk->ptr[i]);
			return 1;
		}
	}
	return 0;
}

static void
finish(struct helo_check *chk)
{
	struct helo_outcome *o = &chk->out;

	pick_verified(chk);
	if (o->literal == HELO_NONE && chk->name[0] != '[') {
		o->forward = chk->fwd_hit ? HELO_PASS : chk->fwd_temp ? HELO_TEMPERROR : HELO_FAIL;
		/* A syntax failure, found first, is the more telling reason. */
		if (o->forward == HELO_FAIL && o->reason[0] == '\0')
			snprintf(o->reason, sizeof(o->reason),
			    "%.200s does not resolve to the client's address", chk->name);
	}
	o->fcrdns = o->verified_name[0] ? HELO_PASS : chk->ptr_temp ? HELO_TEMPERROR : HELO_FAIL;
	if (o->fcrdns == HELO_FAIL && o->reason[0] == '\0')
		snprintf(o->reason, sizeof(o->reason), "the client's address has no %s",
		    chk->nptr ? "reverse name that resolves back to it" : "reverse DNS name");
	report(chk);
}

static void
on_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct helo_check *chk = arg;

	(void)fd;
	(void)what;
	for (size_t i = 0; i < chk->nq; i++)
		if (chk->q[i]->id)
			dns_client_cancel(chk->dns, chk->q[i]->id);
	chk->pending = 0;
	if (chk->out.forward == HELO_NONE && chk->name[0] != '[')
		chk->fwd_temp = chk->fwd_hit ? 0 : 1;
	chk->ptr_temp = pick_verified(chk) ? 0 : 1;
	finish(chk);
}

struct helo_check *
helo_check_start(struct dns_client *dns, const char *name, const struct sockaddr *peer,
    long long timeout_ms, helo_check_cb cb, void *arg)
{
	struct helo_check *chk = xcalloc(1, sizeof(*chk));
	char ptr[80];
	struct timeval tv;

	chk->dns = dns;
	chk->cb = cb;
	chk->arg = arg;
	memcpy(&chk->peer, peer,
	    peer->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in));
	str_copy(chk->name, sizeof(chk->name), name);
	chk->out.syntax = helo_syntax_ok(name) ? HELO_PASS : HELO_FAIL;
	if (chk->out.syntax == HELO_FAIL)
		snprintf(chk->out.reason, sizeof(chk->out.reason),
		    "%.180s is neither a fully qualified domain nor an address literal", name);
	if (name[0] == '[') {
		/* RFC 5321 4.1.3: the literal should be the client's address. */
		char lit[80], want[INET6_ADDRSTRLEN];
		size_t n = strlen(name);
		const struct sockaddr *sa = (const struct sockaddr *)&chk->peer;
		const char *l = lit;
		if (n >= 2 && n - 2 < sizeof(lit)) {
			memcpy(lit, name + 1, n - 2);
			lit[n - 2] = '\0';
		} else {
			lit[0] = '\0';
		}
		if (strncasecmp(lit, "IPv6:", 5) == 0)
			l = lit + 5;
		want[0] = '\0';
		if (sa->sa_family == AF_INET)
			inet_ntop(AF_INET,
			    &((const struct sockaddr_in *)(const void *)sa)->sin_addr, want,
			    sizeof(want));
		else
			inet_ntop(AF_INET6,
			    &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, want,
			    sizeof(want));
		unsigned char x[16], y[16];
		int fam = strchr(l, ':') ? AF_INET6 : AF_INET;
		int same = inet_pton(fam, l, x) == 1 && inet_pton(fam, want, y) == 1 &&
		    memcmp(x, y, fam == AF_INET ? 4 : 16) == 0;
		chk->out.literal = same ? HELO_PASS : HELO_FAIL;
		if (!same)
			snprintf(chk->out.reason, sizeof(chk->out.reason),
			    "address literal %.60s is not the client's address %s", name, want);
	} else if (chk->out.syntax == HELO_PASS) {
		ask(chk, name, DNS_T_A, Q_FWD_A, 0);
		ask(chk, name, DNS_T_AAAA, Q_FWD_AAAA, 0);
	}
	if (helo_ptr_name(peer, ptr, sizeof(ptr)) == 0)
		ask(chk, ptr, DNS_T_PTR, Q_PTR, 0);
	chk->timer = evtimer_new(dns_client_base(dns), on_timeout, chk);
	tv.tv_sec = (timeout_ms ? timeout_ms : 10000) / 1000;
	tv.tv_usec = ((timeout_ms ? timeout_ms : 10000) % 1000) * 1000;
	evtimer_add(chk->timer, &tv);
	if (chk->pending == 0) {
		/* Nothing to ask (cannot happen with a PTR name), finish from the loop. */
		struct timeval now = { 0, 0 };
		evtimer_add(chk->timer, &now);
	}
	return chk;
}

void
helo_check_free(struct helo_check *chk)
{
	if (chk == NULL)
		return;
	if (chk->in_cb) {
		chk->dead = 1;
		return;
	}
	for (size_t i = 0; i < chk->nq; i++) {
		if (chk->q[i]->id)
			dns_client_cancel(chk->dns, chk->q[i]->id);
		free(chk->q[i]);
	}
	if (chk->timer)
		event_free(chk->timer);
	free(chk);
}
