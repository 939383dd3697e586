/*
 * vouchctl dkim: the message commands (the key commands are cmd_dkim.c).
 *
 *   dkim sign DOMAIN:SELECTOR[:KEYFILE]... [--in FILE] [--canon H/B]
 *             [--simple] [--expire SECONDS] [--dir DIR] [--now T]
 *       writes the message (FILE or stdin) to stdout with one
 *       DKIM-Signature per key at the top. Keys come from KEYFILE, else
 *       from the key folder (DIR/DOMAIN/SELECTOR.key).
 *   dkim verify [FILE] [--resolver HOST:PORT] [--trust-anchor FILE]
 *               [--no-arc] [--now T] [--authserv-id ID]
 *       one line per DKIM-Signature:
 *         dkim=RESULT reason=WORD d=D s=S a=ALG c=H/B bits=N dnssec=STATE
 *         [l=L body=OCTETS] [testing] detail="..."
 *       then "arc=STATUS instances=N [failed=I reason=WORD]" and the
 *       Authentication-Results field vouchd would add. Exit 0 when a
 *       signature passed, 75 when the best was a temperror, else 1.
 *   dkim arc-seal DOMAIN:SELECTOR[:KEYFILE] [--in FILE]
 *                 (--authres TEXT --cv none|pass|fail
 *                  | --authserv-id ID [--resolver HOST:PORT])
 *       writes the message with a new ARC set on top. With --authserv-id
 *       the message is verified first (DKIM and ARC, as vouchd does on
 *       arrival) and the results become the AAR and cv=.
 *
 * Verification runs through dkim_check on an event loop over the DNS
 * client of the configuration, vouchd's own path. A message whose first
 * line ends in a bare LF (a file written on Unix) gets its new fields
 * with LF too, so the output stays in one convention.
 */
#include <event2/event.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/arc_seal.h"
#include "auth/dkim_authres.h"
#include "auth/dkim_check.h"
#include "auth/dkim_config.h"
#include "auth/dkim_keys.h"
#include "auth/dkim_sign.h"
#include "cmd_dkim.h"
#include "config/config.h"
#include "dns/dns.h"
#include "msg/authres.h"
#include "util/str.h"
#include "util/xmalloc.h"
#include "vouchctl.h"

/* Messages larger than this are refused (a command-line tool keeps the
 * message in memory; vouchd streams). */
#define MSG_MAX (64u * 1024 * 1024)

static int
msg_usage(const char *cmd)
{
	fprintf(stderr, "vouchctl dkim %s: bad arguments (vouchctl dkim for usage)\n", cmd);
	return 2;
}

/* The whole of path (stdin when NULL or "-") into *out. 0 or -1. */
static int
read_msg(const char *path, struct strbuf *out)
{
	FILE *f = stdin;
	char buf[65536];
	size_t n;
	int rc = 0;

	if (path && strcmp(path, "-") != 0 && (f = fopen(path, "rb")) == NULL) {
		perror(path);
		return -1;
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		if (strbuf_append(out, buf, n) < 0) {
			fprintf(
			    stderr, "vouchctl: the message is larger than %u octets\n", MSG_MAX);
			rc = -1;
			break;
		}
	}
	if (ferror(f)) {
		perror(path ? path : "stdin");
		rc = -1;
	}
	if (f != stdin)
		fclose(f);
	return rc;
}

/* True when the message's first line ends in a bare LF. */
static int
lf_only(const struct strbuf *m)
{
	const char *nl = memchr(m->s, '\n', m->len);
	return nl != NULL && (nl == m->s || nl[-1] != '\r');
}

/* Write fields (CRLF line ends) in the message's convention. */
static void
put_fields(const struct strbuf *fields, int lf)
{
	for (size_t i = 0; i < fields->len; i++) {
		if (lf && fields->s[i] == '\r' && i + 1 < fields->len && fields->s[i + 1] == '\n')
			continue;
		putchar(fields->s[i]);
	}
}

/* Load the key of "DOMAIN:SELECTOR[:KEYFILE]" into kr. 0, or -1 after
 * printing why. */
static int
load_key(struct dkim_keyring *kr, const char *spec, const char *dir)
{
	char domain[DKIM_DOMAIN_MAX + 1], sel[DKIM_DOMAIN_MAX + 1], err[600];
	const char *c1 = strchr(spec, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	char *text = NULL;
	size_t len;
	int rc;

	if (c1 == NULL || (size_t)(c1 - spec) > DKIM_DOMAIN_MAX ||
	    (size_t)((c2 ? c2 : c1 + strlen(c1)) - c1 - 1) > DKIM_DOMAIN_MAX) {
		fprintf(stderr, "vouchctl: not DOMAIN:SELECTOR[:KEYFILE]: %s\n", spec);
		return -1;
	}
	str_fmt(domain, sizeof(domain), "%.*s", (int)(c1 - spec), spec);
	str_fmt(sel, sizeof(sel), "%.*s", (int)((c2 ? c2 : c1 + strlen(c1)) - c1 - 1), c1 + 1);
	if (c2 == NULL) {
		rc = dkim_keyring_load(kr, dir, domain, sel, err, sizeof(err));
	} else if ((rc = dkim_key_file_read(c2 + 1, &text, &len, err, sizeof(err))) == 0) {
		rc = dkim_keyring_add_text(kr, domain, sel, text, len, err, sizeof(err));
		explicit_bzero(text, len);
		free(text);
	}
	if (rc < 0)
		fprintf(stderr, "vouchctl: %s\n", err);
	return rc;
}

struct dns_client *
dkimctl_dns(struct config *cfg, const char *resolver, const char *anchor, struct event_base **basep)
{
	char *saved = cfg->dns.trust_anchor;
	struct dns_client *dns;

	if (anchor)
		cfg->dns.trust_anchor = (char *)anchor; /* restored below: cfg owns its own */
	dns = vouchctl_dns(cfg, resolver, basep, "dkim");
	cfg->dns.trust_anchor = saved;
	return dns;
}

/* The verification of one message over the DNS client. */
struct vrun {
	struct event_base *base;
	int done;
};

static void
on_checked(struct dkim_check *chk, void *arg)
{
	struct vrun *r = arg;
	(void)chk;
	r->done = 1;
	event_base_loopbreak(r->base);
}

/* Verify msg; the finished check (caller frees), or NULL after printing why. */
static struct dkim_check *
run_verify(struct config *cfg, const struct dkim_verify_opts *vo, const struct strbuf *msg,
    const char *resolver, const char *anchor, struct dns_client **dnsp, struct event_base **basep)
{
	struct vrun r = { 0 };
	struct dkim_check *chk;

	if ((*dnsp = dkimctl_dns(cfg, resolver, anchor, basep)) == NULL)
		return NULL;
	r.base = *basep;
	chk = dkim_check_new(*dnsp, vo, on_checked, &r);
	/* in pieces, as the SMTP receiver hands them over */
	for (size_t off = 0; off < msg->len; off += 16384)
		dkim_check_feed(chk, msg->s + off, msg->len - off < 16384 ? msg->len - off : 16384);
	dkim_check_end(chk);
	while (!r.done)
		event_base_dispatch(r.base);
	return chk;
}

/* Print text on one line, control characters as '?', quotes escaped. */
static void
put_quoted(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			putchar('\\');
		putchar((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s);
	}
	putchar('"');
}

static void
print_result(const struct dkim_sig_result *r)
{
	printf("dkim=%s reason=%s d=%s s=%s a=%s c=%s/%s bits=%u dnssec=%s",
	    dkim_result_name(r->result), dkim_reason_name(r->reason),
	    r->domain[0] ? r->domain : "-", r->selector[0] ? r->selector : "-",
	    r->alg ? dkim_alg_name(r->alg) : "-", dkim_canon_name(r->hcanon),
	    dkim_canon_name(r->bcanon), r->key_bits, dns_sec_name(r->key_sec));
	if (r->has_length)
		printf(" l=%llu body=%llu", r->length, r->body_octets);
	if (r->key_testing)
		printf(" testing");
	printf(" detail=");
	put_quoted(r->detail);
	putchar('\n');
}

/* The Authentication-Results field for v's results (CRLF line ends). */
static void
format_authres(const struct dkim_verify *v, int arc, const char *id, struct strbuf *out)
{
	struct dkim_authres *a = dkim_authres_new(v, arc);
	const struct authres_multi *m;
	size_t n;

	m = dkim_authres_entries(a, &n);
	authres_format_multi(id, NULL, 0, m, n, out);
	dkim_authres_free(a);
}

static int
parse_now(const char *s, long long *now)
{
	if (str_to_ll(s, 1, 1LL << 40, now) < 0) {
		fprintf(stderr, "vouchctl: --now wants seconds since 1970\n");
		return -1;
	}
	return 0;
}

int
dkimctl_verify(const struct vouchctl_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "resolver", required_argument, NULL, 'r' },
		{ "trust-anchor", required_argument, NULL, 't' },
		{ "no-arc", no_argument, NULL, 'A' },
		{ "now", required_argument, NULL, 'n' },
		{ "authserv-id", required_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 },
	};
	const char *resolver = NULL, *anchor = NULL, *id = NULL;
	struct dkim_verify_opts vo;
	struct event_base *base = NULL;
	struct dns_client *dns = NULL;
	struct dkim_check *chk;
	struct strbuf msg, ar;
	struct config *cfg;
	long long now = 0;
	int c, noarc = 0, rc = 1;

	optind = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': resolver = optarg; break;
		case 't': anchor = optarg; break;
		case 'A': noarc = 1; break;
		case 'n':
			if (parse_now(optarg, &now) < 0)
				return 2;
			break;
		case 'i': id = optarg; break;
		default: return msg_usage("verify");
		}
	}
	if (argc - optind > 1)
		return msg_usage("verify");
	if ((cfg = vouchctl_config(o)) == NULL)
		return 1;
	dkim_config_verify_opts(&cfg->dkim, &vo);
	vo.now = now;
	vo.arc = !noarc;
	strbuf_init(&msg, MSG_MAX);
	if (read_msg(argc > optind ? argv[optind] : NULL, &msg) < 0)
		goto out;
	if ((chk = run_verify(cfg, &vo, &msg, resolver, anchor, &dns, &base)) == NULL)
		goto out;
	const struct dkim_verify *v = dkim_check_verify(chk);
	for (size_t i = 0; i < dkim_verify_nresults(v); i++)
		print_result(dkim_verify_result(v, i));
	if (dkim_verify_nresults(v) == 0)
		printf("dkim=none reason=ok detail=\"no signatures\"\n");
	if (dkim_verify_skipped(v))
		printf("skipped=%u (more signatures than dkim_max_signatures)\n",
		    dkim_verify_skipped(v));
	if (vo.arc) {
		const struct arc_result *a = dkim_verify_arc(v);
		printf("arc=%s instances=%u", arc_cv_name(a->status), a->instances);
		if (a->status == ARC_CV_FAIL)
			printf(" failed=%u reason=%s", a->failed, dkim_reason_name(a->reason));
		printf(" detail=");
		put_quoted(a->detail);
		putchar('\n');
	}
	strbuf_init(&ar, 64 * 1024);
	format_authres(v, vo.arc, id ? id : cfg->hostname, &ar);
	fputs(ar.s, stdout);
	strbuf_free(&ar);
	switch (dkim_verify_summary(v)) {
	case DKIM_PASS: rc = 0; break;
	case DKIM_TEMPERROR: rc = 75; break; /* EX_TEMPFAIL */
	default: rc = 1; break;
	}
	dkim_check_free(chk);
out:
	dns_client_free(dns);
	if (base)
		event_base_free(base);
	strbuf_free(&msg);
	config_free(cfg);
	return rc;
}

/* "relaxed/simple" and its kin into the two simple flags. */
static int
parse_canon(const char *s, int *sh, int *sb)
{
	const char *slash = strchr(s, '/');
	size_t hl = slash ? (size_t)(slash - s) : strlen(s);
	const char *b = slash ? slash + 1 : "simple"; /* RFC 6376 3.5: body defaults to simple */

	if (hl == 6 && strncmp(s, "simple", 6) == 0)
		*sh = 1;
	else if (hl == 7 && strncmp(s, "relaxed", 7) == 0)
		*sh = 0;
	else
		return -1;
	if (strcmp(b, "simple") == 0)
		*sb = 1;
	else if (strcmp(b, "relaxed") == 0)
		*sb = 0;
	else
		return -1;
	return 0;
}

int
dkimctl_sign(const struct vouchctl_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "in", required_argument, NULL, 'f' },
		{ "canon", required_argument, NULL, 'c' },
		{ "simple", no_argument, NULL, 'S' },
		{ "expire", required_argument, NULL, 'x' },
		{ "dir", required_argument, NULL, 'd' },
		{ "now", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	const char *in = NULL, *dir = NULL;
	struct dkim_sign_opts so;
	struct dkim_keyring *kr = NULL;
	const struct dkim_signkey **keys = NULL;
	struct dkim_sign *s = NULL;
	struct strbuf msg, fields;
	struct config *cfg;
	char keydir[4096], err[300];
	long long v;
	int c, rc = 1;

	if ((cfg = vouchctl_config(o)) == NULL)
		return 1;
	dkim_config_sign_opts(&cfg->dkim, &so);
	optind = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': in = optarg; break;
		case 'c':
			if (parse_canon(optarg, &so.simple_header, &so.simple_body) < 0) {
				config_free(cfg);
				return msg_usage("sign");
			}
			break;
		case 'S': so.simple_header = so.simple_body = 1; break;
		case 'x':
			if (str_to_ll(optarg, 1, 1LL << 32, &v) < 0) {
				config_free(cfg);
				return msg_usage("sign");
			}
			so.expire = v;
			break;
		case 'd': dir = optarg; break;
		case 'n':
			if (parse_now(optarg, &v) < 0) {
				config_free(cfg);
				return 2;
			}
			so.now = v;
			break;
		default: config_free(cfg); return msg_usage("sign");
		}
	}
	if (optind == argc) {
		config_free(cfg);
		return msg_usage("sign");
	}
	dkimctl_key_dir(cfg, dir, keydir, sizeof(keydir));
	kr = dkim_keyring_new();
	keys = xcalloc((size_t)(argc - optind), sizeof(*keys));
	for (int i = optind; i < argc; i++)
		if (load_key(kr, argv[i], keydir) < 0)
			goto out;
	for (size_t i = 0; i < dkim_keyring_count(kr); i++)
		keys[i] = dkim_keyring_key(kr, i);
	strbuf_init(&msg, MSG_MAX);
	strbuf_init(&fields, 1 << 20);
	if (read_msg(in, &msg) == 0) {
		s = dkim_sign_new(&so);
		dkim_sign_feed(s, msg.s, msg.len);
		if (dkim_sign_finish(s, keys, dkim_keyring_count(kr), &fields, err, sizeof(err)) <
		    0) {
			fprintf(stderr, "vouchctl: cannot sign: %s\n", err);
		} else {
			put_fields(&fields, lf_only(&msg));
			fwrite(msg.s, 1, msg.len, stdout);
			rc = fflush(stdout) == 0 ? 0 : 1;
		}
		dkim_sign_free(s);
	}
	strbuf_free(&msg);
	strbuf_free(&fields);
out:
	free(keys);
	dkim_keyring_free(kr);
	config_free(cfg);
	return rc;
}

/* The AAR payload from an Authentication-Results field: what follows the
 * field name, without the final CRLF. */
static void
aar_payload(const struct strbuf *field, struct strbuf *out)
{
	const char *p = strchr(field->s, ':');
	size_t len;

	p = p ? p + 1 : field->s;
	while (*p == ' ')
		p++;
	len = strlen(p);
	while (len && (p[len - 1] == '\n' || p[len - 1] == '\r'))
		len--;
	strbuf_append(out, p, len);
}

int
dkimctl_seal(const struct vouchctl_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "in", required_argument, NULL, 'f' },
		{ "authres", required_argument, NULL, 'a' },
		{ "cv", required_argument, NULL, 'v' },
		{ "authserv-id", required_argument, NULL, 'i' },
		{ "resolver", required_argument, NULL, 'r' },
		{ "trust-anchor", required_argument, NULL, 't' },
		{ "dir", required_argument, NULL, 'd' },
		{ "now", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	const char *in = NULL, *authres = NULL, *cvs = NULL, *id = NULL, *resolver = NULL;
	const char *anchor = NULL, *dir = NULL;
	struct arc_seal_opts ao = { 0 };
	struct dkim_keyring *kr = NULL;
	struct arc_seal *s;
	struct strbuf msg, fields, aar;
	struct config *cfg;
	char keydir[4096], err[300];
	long long now = 0;
	int c, rc = 1;

	optind = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': in = optarg; break;
		case 'a': authres = optarg; break;
		case 'v': cvs = optarg; break;
		case 'i': id = optarg; break;
		case 'r': resolver = optarg; break;
		case 't': anchor = optarg; break;
		case 'd': dir = optarg; break;
		case 'n':
			if (parse_now(optarg, &now) < 0)
				return 2;
			break;
		default: return msg_usage("arc-seal");
		}
	}
	/* either the results are given, or they are found */
	if (argc - optind != 1 || (authres == NULL) == (id == NULL) ||
	    (authres != NULL) != (cvs != NULL))
		return msg_usage("arc-seal");
	if (cvs) {
		if (strcmp(cvs, "none") == 0)
			ao.cv = ARC_CV_NONE;
		else if (strcmp(cvs, "pass") == 0)
			ao.cv = ARC_CV_PASS;
		else if (strcmp(cvs, "fail") == 0)
			ao.cv = ARC_CV_FAIL;
		else
			return msg_usage("arc-seal");
	}
	if ((cfg = vouchctl_config(o)) == NULL)
		return 1;
	dkimctl_key_dir(cfg, dir, keydir, sizeof(keydir));
	kr = dkim_keyring_new();
	strbuf_init(&msg, MSG_MAX);
	strbuf_init(&fields, 1 << 20);
	strbuf_init(&aar, 64 * 1024);
	if (load_key(kr, argv[optind], keydir) < 0 || read_msg(in, &msg) < 0)
		goto out;
	if (id) {
		/* what vouchd verified on arrival */
		struct dkim_verify_opts vo;
		struct event_base *base = NULL;
		struct dns_client *dns = NULL;
		struct dkim_check *chk;
		struct strbuf ar;
		dkim_config_verify_opts(&cfg->dkim, &vo);
		vo.now = now;
		vo.arc = 1;
		chk = run_verify(cfg, &vo, &msg, resolver, anchor, &dns, &base);
		if (chk) {
			const struct dkim_verify *v = dkim_check_verify(chk);
			strbuf_init(&ar, 64 * 1024);
			format_authres(v, 1, id, &ar);
			aar_payload(&ar, &aar);
			strbuf_free(&ar);
			ao.cv = dkim_verify_arc(v)->status;
			dkim_check_free(chk);
		}
		dns_client_free(dns);
		if (base)
			event_base_free(base);
		if (chk == NULL)
			goto out;
		authres = aar.s;
	}
	ao.key = dkim_keyring_key(kr, 0);
	ao.authres = authres;
	ao.now = now;
	ao.max_header = (size_t)cfg->dkim.max_header;
	s = arc_seal_new(&ao);
	arc_seal_feed(s, msg.s, msg.len);
	rc = arc_seal_finish(s, &fields, err, sizeof(err));
	arc_seal_free(s);
	if (rc != 0) {
		fprintf(stderr, "vouchctl: not sealed: %s\n", err);
		rc = 1;
		goto out;
	}
	put_fields(&fields, lf_only(&msg));
	fwrite(msg.s, 1, msg.len, stdout);
	rc = fflush(stdout) == 0 ? 0 : 1;
out:
	strbuf_free(&aar);
	strbuf_free(&fields);
	strbuf_free(&msg);
	dkim_keyring_free(kr);
	config_free(cfg);
	return rc;
}
