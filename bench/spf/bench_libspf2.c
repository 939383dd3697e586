/*
 * bench_libspf2: libspf2 (Debian libspf2-dev) over the whole openspf suite,
 * answering from its own zone DNS layer (SPF_dns_zone) loaded with the same
 * zone data as bench_vouch. Prints cases passed and evaluations per second.
 *
 * The zone layer has no CNAME type and takes TXT data as a C string, so
 * the driver flattens CNAME chains at load time (a loop becomes TRY_AGAIN,
 * a resolver's SERVFAIL) and joins TXT strings; a TXT holding a NUL byte is
 * cut there (libspf2's API cannot carry it). A name marked TIMEOUT gets a
 * catch-all TRY_AGAIN entry after its records, so types it has no records
 * of fail temporarily.
 *
 * usage: bench_libspf2 SUITE.yml [SECONDS]
 */
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include <spf2/spf.h>
#include <spf2/spf_dns_zone.h>

#include "spf_suite.h"

static void
quiet(const char *file, int line, const char *msg)
{
	(void)file;
	(void)line;
	(void)msg;
}

static const struct suite_name *
find_name(const struct suite_group *g, const char *name)
{
	size_t n = strlen(name);

	if (n > 0 && name[n - 1] == '.')
		n--;
	for (size_t i = 0; i < g->nnames; i++)
		if (strlen(g->names[i].name) == n && strncasecmp(g->names[i].name, name, n) == 0)
			return &g->names[i];
	return NULL;
}

static void
add_records(SPF_dns_server_t *z, const char *owner, const struct suite_name *nm)
{
	char buf[4096], mx[300];

	for (size_t k = 0; k < nm->nrr; k++) {
		const struct suite_rr *rr = &nm->rr[k];
		if (strcmp(rr->type, "TXT") == 0) {
			size_t o = 0;
			for (size_t s = 0; s < rr->nstrs && o < sizeof(buf) - 1; s++) {
				size_t l = rr->lens[s] < sizeof(buf) - 1 - o ? rr->lens[s] :
				    sizeof(buf) - 1 - o;
				memcpy(buf + o, rr->strs[s], l);
				o += l;
			}
			buf[o] = '\0';
			SPF_dns_zone_add_str(z, owner, ns_t_txt, NETDB_SUCCESS, buf);
		} else if (strcmp(rr->type, "A") == 0) {
			SPF_dns_zone_add_str(z, owner, ns_t_a, NETDB_SUCCESS, rr->text);
		} else if (strcmp(rr->type, "AAAA") == 0) {
			SPF_dns_zone_add_str(z, owner, ns_t_aaaa, NETDB_SUCCESS, rr->text);
		} else if (strcmp(rr->type, "PTR") == 0) {
			SPF_dns_zone_add_str(z, owner, ns_t_ptr, NETDB_SUCCESS, rr->text);
		} else if (strcmp(rr->type, "MX") == 0) {
			/* The zone layer takes "priority host" (and drops the priority). */
			snprintf(mx, sizeof(mx), "%u %s", rr->pref, rr->text);
			SPF_dns_zone_add_str(z, owner, ns_t_mx, NETDB_SUCCESS, mx);
		}
	}
}

static SPF_server_t *
build_server(const struct suite_group *g)
{
	SPF_dns_server_t *z = SPF_dns_zone_new(NULL, "suite", 0);
	SPF_server_t *srv;
	SPF_response_t *resp = NULL;

	for (size_t i = 0; i < g->nnames; i++) {
		const struct suite_name *nm = &g->names[i], *t = nm;
		int hops = 0, cname = 0;
		/* Flatten CNAME chains: the zone layer has no CNAME. */
		for (;;) {
			const char *target = NULL;
			for (size_t k = 0; k < t->nrr; k++)
				if (strcmp(t->rr[k].type, "CNAME") == 0)
					target = t->rr[k].text;
			if (target == NULL)
				break;
			cname = 1;
			if (++hops > 8 || (t = find_name(g, target)) == NULL)
				break;
		}
		if (cname && (hops > 8 || t == NULL)) {
			if (hops > 8)
				SPF_dns_zone_add_str(z, nm->name, ns_t_any, TRY_AGAIN, NULL);
			continue;
		}
		add_records(z, nm->name, t);
		if (nm->timeout || t->timeout)
			SPF_dns_zone_add_str(z, nm->name, ns_t_any, TRY_AGAIN, NULL);
	}
	srv = SPF_server_new_dns(z, 0);
	SPF_server_set_rec_dom(srv, "receiver.example.org");
	SPF_server_set_explanation(srv, "DEFAULT", &resp);
	if (resp)
		SPF_response_free(resp);
	return srv;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Evaluate one case; returns the result name and the explanation. *errp
 * gets libspf2's return code: when it gives up (SPF_RESULT_INVALID) the
 * reason is only there.
 */
static const char *
eval(SPF_server_t *srv, const struct suite_case *c, char *exp, size_t expsz,
    SPF_errcode_t *errp)
{
	SPF_request_t *req = SPF_request_new(srv);
	SPF_response_t *resp = NULL;
	const char *res = "(error)";
	SPF_errcode_t err;

	if (exp)
		exp[0] = '\0';
	if (strchr(c->host, ':'))
		SPF_request_set_ipv6_str(req, c->host);
	else
		SPF_request_set_ipv4_str(req, c->host);
	SPF_request_set_helo_dom(req, c->helo ? c->helo : "");
	SPF_request_set_env_from(req, c->mailfrom ? c->mailfrom : "");
	err = SPF_request_query_mailfrom(req, &resp);
	if (errp)
		*errp = err;
	if (resp) {
		res = SPF_strresult(SPF_response_result(resp));
		if (exp && SPF_response_get_explanation(resp))
			snprintf(exp, expsz, "%s", SPF_response_get_explanation(resp));
		SPF_response_free(resp);
	}
	SPF_request_free(req);
	return res;
}

int
main(int argc, char **argv)
{
	struct suite s;
	SPF_server_t **servers;
	double seconds = argc > 2 ? atof(argv[2]) : 3.0, t0, t;
	size_t passed = 0, evals = 0, invalid = 0, mapped = 0;
	SPF_errcode_t errc;
	char err[512], exp[1024];

	if (argc < 2) {
		fprintf(stderr, "usage: bench_libspf2 SUITE.yml [SECONDS]\n");
		return 2;
	}
	SPF_warning_handler = quiet;
	SPF_info_handler = quiet;
	SPF_debug_handler = quiet;
	if (suite_load(argv[1], &s, err, sizeof(err)) < 0) {
		fprintf(stderr, "bench_libspf2: %s\n", err);
		return 1;
	}
	servers = calloc(s.ngroups, sizeof(*servers));
	for (size_t g = 0; g < s.ngroups; g++)
		servers[g] = build_server(&s.groups[g]);
	for (size_t i = 0; i < s.ncases; i++) {
		const struct suite_case *c = &s.cases[i];
		const char *r = eval(servers[c->gi], c, exp, sizeof(exp), &errc);
		int ok = suite_result_ok(c, r) && (c->explanation == NULL ||
		    strcmp(c->explanation, exp) == 0);
		if (ok) {
			passed++;
			mapped++;
		}
		else {
			fprintf(stderr, "libspf2: FAILED %s: %s: got %s \"%s\"\n", c->group, c->name,
			    r, exp);
			/* SPF_RESULT_INVALID: libspf2 gave up without a result. A
			 * careful integrator could read its error code instead: a
			 * DNS error as temperror, anything else as permerror. */
			if (strcmp(r, "(invalid)") == 0) {
				invalid++;
				if (suite_result_ok(c, errc == SPF_E_DNS_ERROR ? "temperror" :
				    "permerror") && c->explanation == NULL)
					mapped++;
			}
		}
	}
	t0 = now();
	do {
		for (size_t i = 0; i < s.ncases; i++)
			eval(servers[s.cases[i].gi], &s.cases[i], NULL, 0, NULL);
		evals += s.ncases;
		t = now();
	} while (t - t0 < seconds);
	printf("impl=libspf2 mode=zone cases=%zu passed=%zu evals=%zu seconds=%.3f evals_per_sec=%.0f"
	    " invalid=%zu passed_if_invalid_mapped_by_errcode=%zu\n",
	    s.ncases, passed, evals, t - t0, (double)evals / (t - t0), invalid, mapped);
	for (size_t g = 0; g < s.ngroups; g++)
		SPF_server_free(servers[g]);
	free(servers);
	suite_free(&s);
	return 0;
}
