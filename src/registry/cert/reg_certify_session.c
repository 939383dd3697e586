/*
 * reg_certify_session: one certification session against one address
 * from one source, through libvouch's SMTP client: the opening dialogue
 * (banner, EHLO, STARTTLS, XVOUCH CHECK) is the client's own, each relay
 * trick is an address probe (smtp_client_msg.probe: MAIL, RCPT, RSET),
 * and the name the server gives in its EHLO reply is forward-confirmed
 * afterwards (see reg_certify.h for the tests).
 */
#include "reg_certify_int.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "dns/dns.h"
#include "dns/dns_result.h"
#include "util/str.h"

#define TRANSCRIPT_MAX (32 * 1024)

const char *const cert_test_names[T_COUNT] = {
	"smtp_banner",
	"ehlo",
	"helo_fcrdns",
	"starttls",
	"xvouch_check",
	"relay_foreign",
	"relay_unqualified",
	"relay_percent_hack",
	"relay_bang_path",
	"relay_bang_path_plain",
	"relay_source_route",
	"relay_quoted_local",
};

static void verdict(struct cert_session *s, enum cert_test t, int pass, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
verdict(struct cert_session *s, enum cert_test t, int pass, const char *fmt, ...)
{
	va_list ap;

	if (s->v[t].set)
		return;
	s->v[t].set = 1;
	s->v[t].pass = pass;
	va_start(ap, fmt);
	vsnprintf(s->v[t].detail, sizeof(s->v[t].detail), fmt, ap);
	va_end(ap);
}

/* The tests from first on that have no verdict yet cannot be run. */
static void
not_reached(struct cert_session *s, enum cert_test first, const char *why)
{
	for (int t = first; t < T_COUNT; t++)
		verdict(s, (enum cert_test)t, 0, "not reached: %.400s", why);
}

static void
random_id(char out[129])
{
	static const char alnum[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char b[128];

	if (RAND_bytes(b, sizeof(b)) != 1)
		memset(b, 7, sizeof(b));
	for (int i = 0; i < 128; i++)
		out[i] = alnum[b[i] % 62]; /* slight bias is harmless for a probe id */
	out[128] = '\0';
}

static int
make_addr(const char *addr, int port, struct sockaddr_storage *ss, socklen_t *sl)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		*sl = sizeof(*s4);
		return 0;
	}
	if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		*sl = sizeof(*s6);
		return 0;
	}
	return -1;
}

/* The relay tricks for target user@dom on this host (RFC 5321 3.6, 4.1.1.3). */
static void
relay_rcpts(struct cert_session *s)
{
	const struct reg_config *cfg = s->run->env.cfg;
	const char *target = cfg->certify_relay_target, *at = strrchr(target, '@');
	const char *host = s->run->hostname;
	const char *helo = cfg->certify_helo[0] ? cfg->certify_helo : cfg->zone;
	char user[128] = "relaytest", dom[256] = "example.com";

	if (at) {
		size_t ul = (size_t)(at - target) < sizeof(user) - 1 ? (size_t)(at - target)
		                                                     : sizeof(user) - 1;
		memcpy(user, target, ul);
		user[ul] = '\0';
		str_copy(dom, sizeof(dom), at + 1);
	}
	snprintf(s->rcpt[0], sizeof(s->rcpt[0]), "%s@%s", user, dom);
	snprintf(s->rcpt[1], sizeof(s->rcpt[1]), "%s", user);
	snprintf(s->rcpt[2], sizeof(s->rcpt[2]), "%s%%%s@%s", user, dom, host);
	snprintf(s->rcpt[3], sizeof(s->rcpt[3]), "%s!%s@%s", dom, user, host);
	snprintf(s->rcpt[4], sizeof(s->rcpt[4]), "%s!%s", dom, user);
	snprintf(s->rcpt[5], sizeof(s->rcpt[5]), "@%s:%s@%s", host, user, dom);
	snprintf(s->rcpt[6], sizeof(s->rcpt[6]), "\"%s@%s\"@%s", user, dom, host);
	snprintf(s->sender, sizeof(s->sender), "certify@%s", helo);
}

/*
 * The opening dialogue's verdicts from what the client saw; err is the
 * failure that ended it, or NULL after READY. Returns 1 when the session
 * cannot go on to the relay tests.
 */
static int
opening(
    struct cert_session *s, const struct smtp_client_info *in, const struct smtp_client_reply *err)
{
	const struct reg_config *cfg = s->run->env.cfg;
	const char *why = err ? err->text : "session lost";

	if (in->banner.code == 0) {
		verdict(s, T_BANNER, 0, "%s", err ? err->text : "no greeting");
		not_reached(s, T_EHLO, "no SMTP session");
		return 1;
	}
	if (in->banner.code != 220) {
		verdict(s, T_BANNER, 0, "greeting was %d, not 220", in->banner.code);
		not_reached(s, T_EHLO, "no SMTP session");
		return 1;
	}
	verdict(s, T_BANNER, 1, "220 greeting on port %lld", cfg->certify_port);
	if (in->ehlo.code != 250) {
		if (in->ehlo.code == 0)
			verdict(s, T_EHLO, 0, "no reply to EHLO: %s", why);
		else
			verdict(s, T_EHLO, 0, "EHLO answered %d", in->ehlo.code);
		not_reached(s, T_FCRDNS, "EHLO refused");
		return 1;
	}
	verdict(s, T_EHLO, 1, "EHLO accepted");
	/* the first word of the reply's first line is the server's name */
	{
		size_t n = strcspn(in->ehlo.text, " ;");
		if (n >= sizeof(s->helo_name))
			n = sizeof(s->helo_name) - 1;
		memcpy(s->helo_name, in->ehlo.text, n);
		s->helo_name[n] = '\0';
	}
	if (!in->starttls_offered) {
		verdict(s, T_STARTTLS, 0, "STARTTLS is not offered");
	} else if (in->starttls.code == 0) {
		verdict(s, T_STARTTLS, 0, "no reply to STARTTLS: %s", why);
		not_reached(s, T_XVOUCH, why);
		return 1;
	} else if (in->starttls.code != 220) {
		verdict(s, T_STARTTLS, 0, "STARTTLS answered %d", in->starttls.code);
	} else if (!in->tls) {
		verdict(s, T_STARTTLS, 0, "%s", why);
		not_reached(s, T_XVOUCH, "TLS failed");
		return 1;
	} else if (!in->tls_cert) {
		verdict(s, T_STARTTLS, 0, "no certificate presented");
	} else if (cfg->certify_tls_verify && !in->tls_verified) {
		verdict(s, T_STARTTLS, 0, "certificate '%.150s' does not verify for %s",
		    in->tls_subject, s->run->hostname);
	} else {
		verdict(s, T_STARTTLS, 1, "%s, certificate '%.150s' (%s)", in->tls_version,
		    in->tls_subject, in->tls_verified ? "verified" : "not verified");
	}
	if (s->xcheck.code == 0) {
		verdict(s, T_XVOUCH, 0, "no reply to XVOUCH CHECK: %s", why);
		not_reached(s, T_RELAY0, why);
		return 1;
	}
	if (s->xcheck.code == 550)
		verdict(s, T_XVOUCH, 1, "unknown session id refused with 550");
	else if (s->xcheck.code >= 200 && s->xcheck.code < 300)
		verdict(s, T_XVOUCH, 0, "an unknown session id was confirmed (%d)", s->xcheck.code);
	else
		verdict(s, T_XVOUCH, 0, "XVOUCH CHECK answered %d, expected 550", s->xcheck.code);
	if (err) {
		not_reached(s, T_RELAY0, why);
		return 1;
	}
	return 0;
}

static void
send_probe(struct cert_session *s)
{
	memset(&s->mrcpt, 0, sizeof(s->mrcpt));
	memset(&s->msg, 0, sizeof(s->msg));
	s->mrcpt.addr = s->rcpt[s->relay];
	s->msg.sender = s->sender;
	s->msg.rcpts = &s->mrcpt;
	s->msg.nrcpts = 1;
	s->msg.probe = 1; /* MAIL, RCPT, RSET: nothing is ever sent */
	smtp_client_send(s->cli, &s->msg);
}

/* A relay probe is done: refused with 5xx is the only pass. */
static void
relay_verdict(struct cert_session *s)
{
	enum cert_test t = (enum cert_test)(T_RELAY0 + s->relay);
	const struct smtp_client_reply *mail = &s->msg.reply, *r = &s->mrcpt.reply;
	const char *to = s->rcpt[s->relay];

	if (mail->code >= 500)
		verdict(s, t, 1, "MAIL FROM refused (%d): nothing can be relayed", mail->code);
	else if (mail->code != 0)
		verdict(s, t, 0, "MAIL FROM answered %d; a relay attempt must get 5xx", mail->code);
	else if (r->code == 0)
		verdict(s, t, 0, "no reply to RCPT TO:<%.500s>", to);
	else if (r->code >= 500)
		verdict(s, t, 1, "RCPT TO:<%.500s> refused with %d", to, r->code);
	else if (r->code >= 400)
		verdict(s, t, 0,
		    "RCPT TO:<%.500s> only deferred with %d; a relay attempt must get 5xx", to,
		    r->code);
	else
		verdict(s, t, 0, "RCPT TO:<%.500s> accepted with %d: open relay", to, r->code);
}

static void
on_fcrdns(struct dns_result *res, void *arg)
{
	struct cert_session *s = arg;
	char a[REG_ADDR_MAX];

	s->q[res->qtype == DNS_T_A ? 0 : 1] = 0;
	for (size_t i = 0; res->status == DNS_ANSWER && i < res->nrr; i++) {
		const struct dns_rr *rr = &res->rr[i];
		if ((rr->type == DNS_T_A && inet_ntop(AF_INET, &rr->u.a, a, sizeof(a))) ||
		    (rr->type == DNS_T_AAAA && inet_ntop(AF_INET6, &rr->u.aaaa, a, sizeof(a))))
			s->fcrdns_found |= strcmp(a, s->addr) == 0 ? 2 : 1;
	}
	s->fcrdns_temp |= res->status == DNS_TEMPFAIL;
	dns_result_free(res);
	if (--s->qpending > 0)
		return;
	if (s->fcrdns_found & 2)
		verdict(s, T_FCRDNS, 1, "'%.200s' resolves to %s%s", s->helo_name, s->addr,
		    str_ieq(s->helo_name, s->run->hostname)
		        ? ""
		        : " (differs from the registered name)");
	else if (s->fcrdns_found)
		verdict(s, T_FCRDNS, 0, "the server's name '%.200s' does not resolve to %s",
		    s->helo_name, s->addr);
	else
		verdict(s, T_FCRDNS, 0, "the server's name '%.200s' does not resolve (%s)",
		    s->helo_name, s->fcrdns_temp ? "temporary DNS failure" : "not found");
	not_reached(s, T_BANNER, "session lost");
	reg_certify_next(s->run);
}

/* The connection is over: forward-confirm the EHLO name, then report. */
static void
session_over(struct cert_session *s)
{
	struct dns_client *dns = s->run->env.dns;

	if (s->v[T_FCRDNS].set || s->helo_name[0] == '\0') {
		not_reached(s, T_BANNER, "session lost");
		reg_certify_next(s->run);
		return;
	}
	s->qpending = 2;
	s->q[0] = dns_client_lookup(dns, s->helo_name, DNS_T_A, on_fcrdns, s);
	s->q[1] = dns_client_lookup(dns, s->helo_name, DNS_T_AAAA, on_fcrdns, s);
}

static void
on_client(struct smtp_client *c, enum smtp_client_event ev, void *arg)
{
	struct cert_session *s = arg;

	switch (ev) {
	case SMTP_CLIENT_READY: {
		/* DESIGN 5.1 step 4: the check goes even if XVOUCH is not offered */
		char line[160];
		snprintf(line, sizeof(line), "XVOUCH CHECK %s", s->xvouch_id);
		s->opened = 1;
		s->xcheck_sent = 1;
		if (smtp_client_command(c, line, 1) < 0) {
			opening(s, smtp_client_info(c), NULL);
			smtp_client_quit(c);
		}
		return;
	}
	case SMTP_CLIENT_REPLY:
		s->xcheck = *smtp_client_reply_of(c, NULL);
		if (opening(s, smtp_client_info(c), NULL) || s->xcheck.code == 421) {
			if (s->xcheck.code != 421) /* after 421 the server closes: FAILED follows */
				smtp_client_quit(c);
			return;
		}
		s->relay = 0;
		send_probe(s);
		return;
	case SMTP_CLIENT_DONE:
		relay_verdict(s);
		if (++s->relay < CERT_NRELAY)
			send_probe(s);
		else
			smtp_client_quit(c);
		return;
	case SMTP_CLIENT_FAILED:
		if (!s->opened) {
			opening(s, smtp_client_info(c), smtp_client_error(c));
		} else if (s->relay < CERT_NRELAY) {
			verdict(s, (enum cert_test)(T_RELAY0 + s->relay), 0, "session lost: %.400s",
			    smtp_client_error(c)->text);
			not_reached(s, T_RELAY0, "session lost");
		}
		break;
	case SMTP_CLIENT_CLOSED: break;
	}
	/* FAILED or CLOSED: the client is finished with */
	smtp_client_free(c);
	s->cli = NULL;
	session_over(s);
}

void
cert_session_start(struct cert_session *s)
{
	const struct reg_certify_env *env = &s->run->env;
	const struct reg_config *cfg = env->cfg;
	struct smtp_client_params p;
	struct sockaddr_storage to, from;
	socklen_t tol, froml = 0;

	strbuf_init(&s->transcript, TRANSCRIPT_MAX);
	if (s->refused) {
		/* never connected to: reported as test "address" (cert_session_json) */
		reg_certify_next(s->run);
		return;
	}
	if (make_addr(s->addr, (int)cfg->certify_port, &to, &tol) < 0 ||
	    (s->source && s->source[0] &&
	        (make_addr(s->source, 0, &from, &froml) < 0 || from.ss_family != to.ss_family))) {
		verdict(s, T_BANNER, 0, "cannot test %s from %s", s->addr,
		    s->source ? s->source : "here");
		not_reached(s, T_EHLO, "no SMTP session");
		reg_certify_next(s->run);
		return;
	}
	relay_rcpts(s);
	random_id(s->xvouch_id);
	memset(&p, 0, sizeof(p));
	p.helo = cfg->certify_helo[0] ? cfg->certify_helo : cfg->zone;
	p.peer_name = s->run->hostname;
	p.tls = env->tls;
	p.bind_src = froml ? (const struct sockaddr *)&from : NULL;
	p.bind_srclen = froml;
	p.transcript = &s->transcript;
	p.timeout_connect = p.timeout_command = p.timeout_data = cfg->certify_timeout;
	strbuf_printf(&s->transcript, "-- connecting to %s port %lld%s%s\n", s->addr,
	    cfg->certify_port, froml ? " from " : "", froml ? s->source : "");
	s->cli = smtp_client_new(env->base, (const struct sockaddr *)&to, tol, &p, on_client, s);
}

json_t *
cert_session_json(struct cert_session *s, int *failed, int *total, char *first, size_t fsz)
{
	json_t *tests = json_array(), *o;

	if (s->refused) {
		char detail[400];
		snprintf(detail, sizeof(detail),
		    "refusing to test %s: %s is a special-purpose range (list it in "
		    "certify_allow_networks to allow it)",
		    s->addr, s->why);
		json_array_append_new(tests,
		    json_pack(
		        "{s:s, s:s, s:s}", "name", "address", "verdict", "fail", "detail", detail));
		(*failed)++;
		(*total)++;
		if (!first[0])
			str_copy(first, fsz, "address");
	} else {
		for (int t = 0; t < T_COUNT; t++) {
			const struct cert_verdict *v = &s->v[t];
			int pass = v->set && v->pass;
			json_array_append_new(tests,
			    json_pack("{s:s, s:s, s:s}", "name", cert_test_names[t], "verdict",
			        pass ? "pass" : "fail", "detail", v->set ? v->detail : "not run"));
			(*total)++;
			if (!pass) {
				if (!first[0])
					str_copy(first, fsz, cert_test_names[t]);
				(*failed)++;
			}
		}
	}
	o = json_pack("{s:s, s:s, s:o, s:s}", "address", s->addr, "source",
	    s->source ? s->source : "", "tests", tests, "transcript",
	    s->transcript.s ? s->transcript.s : "");
	return o;
}

void
cert_session_clear(struct cert_session *s)
{
	struct dns_client *dns = s->run ? s->run->env.dns : NULL;

	for (int i = 0; i < 2; i++)
		if (s->q[i] && dns)
			dns_client_cancel(dns, s->q[i]);
	s->q[0] = s->q[1] = 0;
	smtp_client_free(s->cli);
	s->cli = NULL;
	strbuf_free(&s->transcript);
}
