/*
 * reg_certify: certification tests (see reg_certify.h).
 */
#include "reg_certify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/rand.h>

#include "reg_err.h"
#include "reg_probe.h"
#include "util/log.h"
#include "util/str.h"
#include "util/xmalloc.h"

#define MAX_TARGETS 4
#define TRANSCRIPT_MAX (32 * 1024)

struct run {
	json_t *tests; /* array of {name, verdict, detail} */
	int failed, total;
	char first_fail[64];
};

static void verdict(struct run *r, const char *name, int pass, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
verdict(struct run *r, const char *name, int pass, const char *fmt, ...)
{
	char detail[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	json_array_append_new(r->tests,
	    json_pack("{s:s, s:s, s:s}", "name", name, "verdict", pass ? "pass" : "fail", "detail",
	        detail));
	r->total++;
	if (!pass) {
		if (r->failed == 0)
			str_copy(r->first_fail, sizeof(r->first_fail), name);
		r->failed++;
	}
}

static const char *const relay_names[] = {
	"relay_foreign",
	"relay_unqualified",
	"relay_percent_hack",
	"relay_bang_path",
	"relay_bang_path_plain",
	"relay_source_route",
	"relay_quoted_local",
};
#define NRELAY (sizeof(relay_names) / sizeof(relay_names[0]))

/* The tests of a session in order; after a fatal failure the rest are
 * recorded as failed ("not reached") so every run has the full list. */
static const char *const session_tests[] = { "smtp_banner", "ehlo", "helo_fcrdns", "starttls",
	"xvouch_check" };

static void
not_reached(struct run *r, const char *from, const char *why)
{
	size_t i = 0;

	while (i < 5 && strcmp(session_tests[i], from) != 0)
		i++;
	for (; i < 5; i++)
		verdict(r, session_tests[i], 0, "not reached: %s", why);
	for (size_t k = 0; k < NRELAY; k++)
		verdict(r, relay_names[k], 0, "not reached: %s", why);
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

/* The name a server gives in its EHLO reply: the first word of line one. */
static void
ehlo_name(const struct reg_probe_reply *r, char *out, size_t outsz)
{
	size_t n = 0;

	while (r->text[n] && r->text[n] != ' ' && r->text[n] != '\n' && n + 1 < outsz) {
		out[n] = r->text[n];
		n++;
	}
	out[n] = '\0';
}

static void
relay_tests(
    struct reg_probe *p, struct run *r, const char *host, const char *helo, const char *target)
{
	char user[128], dom[256], rcpt[8][600], mail[400];
	const char *at = strrchr(target, '@');
	struct reg_probe_reply *rep = xmalloc(sizeof(*rep));

	if (at == NULL) {
		str_copy(user, sizeof(user), "relaytest");
		str_copy(dom, sizeof(dom), "example.com");
	} else {
		size_t ul = (size_t)(at - target) < sizeof(user) - 1 ? (size_t)(at - target)
		                                                     : sizeof(user) - 1;
		memcpy(user, target, ul);
		user[ul] = '\0';
		str_copy(dom, sizeof(dom), at + 1);
	}
	snprintf(rcpt[0], sizeof(rcpt[0]), "<%s@%s>", user, dom);
	snprintf(rcpt[1], sizeof(rcpt[1]), "<%s>", user);
	snprintf(rcpt[2], sizeof(rcpt[2]), "<%s%%%s@%s>", user, dom, host);
	snprintf(rcpt[3], sizeof(rcpt[3]), "<%s!%s@%s>", dom, user, host);
	snprintf(rcpt[4], sizeof(rcpt[4]), "<%s!%s>", dom, user);
	snprintf(rcpt[5], sizeof(rcpt[5]), "<@%s:%s@%s>", host, user, dom);
	snprintf(rcpt[6], sizeof(rcpt[6]), "<\"%s@%s\"@%s>", user, dom, host);
	snprintf(mail, sizeof(mail), "MAIL FROM:<certify@%s>", helo);

	for (size_t i = 0; i < NRELAY; i++) {
		char cmd[sizeof(rcpt[0]) + 16];

		if (reg_probe_cmd(p, "RSET", rep) != REG_OK) {
			verdict(r, relay_names[i], 0, "session lost before the test");
			continue;
		}
		if (reg_probe_cmd(p, mail, rep) != REG_OK) {
			verdict(r, relay_names[i], 0, "session lost at MAIL");
			continue;
		}
		if (rep->code >= 500) {
			verdict(r, relay_names[i], 1,
			    "MAIL FROM refused (%d): nothing can be relayed", rep->code);
			continue;
		}
		snprintf(cmd, sizeof(cmd), "RCPT TO:%.590s", rcpt[i]);
		if (reg_probe_cmd(p, cmd, rep) != REG_OK) {
			verdict(r, relay_names[i], 0, "no reply to RCPT TO:%s", rcpt[i]);
			continue;
		}
		if (rep->code >= 500)
			verdict(
			    r, relay_names[i], 1, "RCPT TO:%s refused with %d", rcpt[i], rep->code);
		else if (rep->code >= 400)
			verdict(r, relay_names[i], 0,
			    "RCPT TO:%s only deferred with %d; a relay attempt must get 5xx",
			    rcpt[i], rep->code);
		else
			verdict(r, relay_names[i], 0, "RCPT TO:%s accepted with %d: open relay",
			    rcpt[i], rep->code);
	}
	free(rep);
}

/* One session against addr from source. */
static json_t *
run_one(const struct reg_config *cfg, struct reg_resolve *resolver, const char *host,
    const char *addr, const char *source, struct run *r)
{
	struct reg_probe_reply *rep = xmalloc(sizeof(*rep)), *ehlo = xmalloc(sizeof(*ehlo));
	struct reg_probe *p = NULL;
	struct strbuf tr;
	char err[256], name[256], cmd[300], id[129];
	const char *helo = cfg->certify_helo[0] ? cfg->certify_helo : cfg->zone;
	json_t *o;
	int rc;

	strbuf_init(&tr, TRANSCRIPT_MAX);
	r->tests = json_array();
	rc = reg_probe_open(&p, addr, (int)cfg->certify_port, source, cfg->certify_timeout, &tr,
	    rep, err, sizeof(err));
	if (rc != REG_OK) {
		verdict(r, "smtp_banner", 0, "%s", err);
		not_reached(r, "ehlo", "no SMTP session");
		goto out;
	}
	if (rep->code != 220) {
		verdict(r, "smtp_banner", 0, "greeting was %d, not 220", rep->code);
		not_reached(r, "ehlo", "no SMTP session");
		goto out;
	}
	verdict(r, "smtp_banner", 1, "220 greeting on port %lld", cfg->certify_port);

	snprintf(cmd, sizeof(cmd), "EHLO %s", helo);
	if (reg_probe_cmd(p, cmd, ehlo) != REG_OK || ehlo->code != 250) {
		verdict(r, "ehlo", 0, "EHLO answered %d", ehlo->code);
		not_reached(r, "helo_fcrdns", "EHLO refused");
		goto out;
	}
	verdict(r, "ehlo", 1, "EHLO accepted");

	/* forward confirmation of the name the server calls itself */
	ehlo_name(ehlo, name, sizeof(name));
	{
		char addrs[16][REG_ADDR_MAX];
		size_t n = 0;
		int found = 0;

		rc = reg_resolve_addrs(resolver, name, addrs, 16, &n);
		for (size_t i = 0; rc == REG_OK && i < n; i++)
			found |= strcmp(addrs[i], addr) == 0;
		if (rc != REG_OK)
			verdict(r, "helo_fcrdns", 0,
			    "the server's name '%.200s' does not resolve (%s)", name,
			    reg_err_str(rc));
		else if (!found)
			verdict(r, "helo_fcrdns", 0,
			    "the server's name '%.200s' does not resolve to %s", name, addr);
		else
			verdict(r, "helo_fcrdns", 1, "'%.200s' resolves to %s%s", name, addr,
			    str_ieq(name, host) ? "" : " (differs from the registered name)");
	}

	if (!reg_probe_has_ext(ehlo, "STARTTLS")) {
		verdict(r, "starttls", 0, "STARTTLS is not offered");
	} else if (reg_probe_cmd(p, "STARTTLS", rep) != REG_OK || rep->code != 220) {
		verdict(r, "starttls", 0, "STARTTLS answered %d", rep->code);
	} else {
		struct reg_probe_tls tls;
		if (reg_probe_tls(p, host, cfg->certify_tls_verify, cfg->certify_ca_file, &tls, err,
		        sizeof(err)) != REG_OK) {
			verdict(r, "starttls", 0, "%s", err);
			not_reached(r, "xvouch_check", "TLS failed");
			goto out;
		}
		if (!tls.has_cert)
			verdict(r, "starttls", 0, "no certificate presented");
		else if (cfg->certify_tls_verify && !tls.verified)
			verdict(r, "starttls", 0, "certificate '%.150s' does not verify: %s",
			    tls.subject, tls.verify_error);
		else
			verdict(r, "starttls", 1, "%s, certificate '%.150s' (verify: %s)",
			    tls.version, tls.subject, tls.verify_error);
		/* RFC 3207 4.2: forget what was learnt before TLS and ask again */
		if (reg_probe_cmd(p, cmd, ehlo) != REG_OK || ehlo->code != 250) {
			not_reached(r, "xvouch_check", "EHLO after STARTTLS refused");
			goto out;
		}
	}

	random_id(id);
	snprintf(cmd, sizeof(cmd), "XVOUCH CHECK %s", id);
	if (reg_probe_cmd(p, cmd, rep) != REG_OK)
		verdict(r, "xvouch_check", 0, "no reply to XVOUCH CHECK");
	else if (rep->code == 550)
		verdict(r, "xvouch_check", 1, "unknown session id refused with 550");
	else if (rep->code >= 200 && rep->code < 300)
		verdict(
		    r, "xvouch_check", 0, "an unknown session id was confirmed (%d)", rep->code);
	else
		verdict(r, "xvouch_check", 0, "XVOUCH CHECK answered %d, expected 550", rep->code);

	relay_tests(p, r, host, helo, cfg->certify_relay_target);
out:
	reg_probe_close(p);
	o = json_pack("{s:s, s:s, s:o, s:s}", "address", addr, "source", source ? source : "",
	    "tests", r->tests, "transcript", tr.s ? tr.s : "");
	strbuf_free(&tr);
	free(rep);
	free(ehlo);
	return o;
}

void
reg_certify_run(const struct reg_config *cfg, struct reg_resolve *resolver, const char *hostname,
    struct reg_certify_result *res)
{
	char addrs[MAX_TARGETS][REG_ADDR_MAX];
	size_t naddr = 0, nsrc = cfg->certify_sources.n ? cfg->certify_sources.n : 1;
	json_t *runs = json_array(), *doc;
	int failed = 0, total = 0, rc;
	char first[64] = "";

	memset(res, 0, sizeof(*res));
	res->started = (long long)time(NULL);
	rc = reg_resolve_addrs(resolver, hostname, addrs, MAX_TARGETS, &naddr);
	if (rc != REG_OK) {
		struct run r = { json_array(), 0, 0, "" };
		verdict(&r, "resolve", 0, "%s does not resolve (%s, %s resolver)", hostname,
		    reg_err_str(rc), reg_resolve_kind(resolver));
		json_array_append_new(runs,
		    json_pack("{s:s, s:s, s:o, s:s}", "address", "", "source", "", "tests", r.tests,
		        "transcript", ""));
		failed = 1;
		total = 1;
		str_copy(first, sizeof(first), "resolve");
	}
	for (size_t a = 0; a < naddr; a++) {
		for (size_t s = 0; s < nsrc; s++) {
			struct run r = { NULL, 0, 0, "" };
			const char *src = cfg->certify_sources.n ? cfg->certify_sources.v[s] : NULL;
			json_array_append_new(
			    runs, run_one(cfg, resolver, hostname, addrs[a], src, &r));
			failed += r.failed;
			total += r.total;
			if (!first[0] && r.first_fail[0])
				str_copy(first, sizeof(first), r.first_fail);
		}
	}
	res->finished = (long long)time(NULL);
	res->passed = failed == 0 && total > 0;
	if (res->passed)
		snprintf(res->summary, sizeof(res->summary), "%d/%d tests passed", total, total);
	else
		snprintf(res->summary, sizeof(res->summary), "%d of %d tests failed (first: %s)",
		    failed, total, first);
	doc = json_pack("{s:s, s:I, s:I, s:b, s:s, s:I, s:o}", "hostname", hostname, "started",
	    (json_int_t)res->started, "finished", (json_int_t)res->finished, "passed", res->passed,
	    "summary", res->summary, "port", (json_int_t)cfg->certify_port, "runs", runs);
	res->report = json_dumps(doc, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	json_decref(doc);
	log_info("event=certified server=%s passed=%s summary=\"%s\"", hostname,
	    res->passed ? "yes" : "no", res->summary);
}
