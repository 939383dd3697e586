/*
 * dns_unbound: the libunbound backend of the DNS client (dns_backend.h).
 *
 * One ub_ctx per client, in libunbound's threaded async mode: a single
 * background worker resolves, and answers come back through ub_fd(), which
 * is a persistent read event on the client's event base; ub_process() then
 * runs our callback for each finished query on the loop's thread.
 *
 * Owns: the ub_ctx, the fd event, and one small record per query in flight
 * (struct ubq, the "mydata" of ub_resolve_async). A query cancelled with
 * ub_cancel() never calls back, so its record is freed at once; if
 * ub_cancel() fails (the answer is already on its way), the record is kept,
 * marked, and freed when the late callback arrives.
 *
 * Rdata decoding (A, AAAA, MX, PTR/CNAME/NS, TXT) is dns_answer's, from
 * libunbound's result->data (uncompressed rdata) or, when libunbound could
 * not build that from its own answer, from the answer message itself.
 *
 * Options set on every context (see setup_options): answers keep the order
 * the server gave (rrset-roundrobin off), so an evaluation over the wire
 * sees what the zone says, as the in-memory table does; when forwarding,
 * the forwarder answers for the private and documentation reverse zones
 * libunbound would otherwise answer NXDOMAIN for itself.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unbound.h>

#include "dns/dns_answer.h"
#include "dns/dns_backend.h"
#include "dns/dns_config.h"
#include "dns/dns_name.h"
#include "dns/dns_result.h"
#include "util/log.h"
#include "util/str.h"
#include "util/xmalloc.h"

struct ubq;

struct ub_backend {
	struct dns_client *client;
	struct ub_ctx *ctx;
	struct event *ev;
	struct ubq *live; /* every record not yet freed */
};

struct ubq {
	struct ub_backend *ub;
	uint64_t id;
	int async_id;
	int cancelled;
	char *name;
	enum dns_type type;
	struct ubq *prev, *next;
};

static void
ubq_free(struct ubq *q)
{
	struct ub_backend *ub = q->ub;

	if (q->prev)
		q->prev->next = q->next;
	else
		ub->live = q->next;
	if (q->next)
		q->next->prev = q->prev;
	free(q->name);
	free(q);
}

static const char *
rcode_name(int rcode)
{
	switch (rcode) {
	case 1: return "FORMERR";
	case 2: return "SERVFAIL";
	case 4: return "NOTIMP";
	case 5: return "REFUSED";
	default: return NULL;
	}
}

/*
 * libunbound said SERVFAIL, but its own answer message says otherwise:
 * it could not build its result from that answer (see dns_answer.h; a
 * record of zero-length rdata does it). True if the message is the one to
 * read.
 */
static int
answer_lost(const struct ub_result *r)
{
	const uint8_t *p = r->answer_packet;
	int rcode;

	if (r->rcode != 2 || p == NULL || r->answer_len < 12)
		return 0;
	rcode = p[3] & 0x0f;
	return rcode == 0 || rcode == 3;
}

/* Turn libunbound's answer into a typed result. */
static struct dns_result *
convert(const struct ubq *q, int err, struct ub_result *r)
{
	struct dns_result *res;
	char why[300];
	int nrecords = 0;

	if (err != 0 || r == NULL)
		return dns_result_fail(q->name, q->type, DNS_TEMPFAIL, ub_strerror(err));
	res = dns_result_new(q->name, q->type, DNS_NODATA);
	res->rcode = r->rcode;
	res->ttl = r->ttl > 0 ? (unsigned)r->ttl : 0;
	if (r->bogus) {
		/* RFC 4035 5.5: a validator answers SERVFAIL for bogus data. */
		res->status = DNS_TEMPFAIL;
		res->sec = DNS_SEC_BOGUS;
		snprintf(why, sizeof(why), "DNSSEC bogus: %.250s",
		    r->why_bogus ? r->why_bogus : "validation failed");
		dns_result_set_why(res, why);
		return res;
	}
	res->sec = r->secure ? DNS_SEC_SECURE : DNS_SEC_INSECURE;
	if (answer_lost(r)) {
		char esc[LOG_ESC_MAX];
		log_debug("event=dns_answer_from_packet name=%s type=%s",
		    log_token(esc, sizeof(esc), q->name), dns_type_name(q->type));
		res->ttl = 0;
		nrecords = dns_answer_from_message(res, r->answer_packet, (size_t)r->answer_len);
		if (nrecords < 0) {
			res->status = DNS_TEMPFAIL;
			dns_result_set_why(res, "malformed answer");
			return res;
		}
	} else {
		if (r->canonname && !dns_name_eq(r->canonname, q->name)) {
			size_t n = strlen(r->canonname);
			res->canon =
			    xstrndup(r->canonname, n > 0 && r->canonname[n - 1] == '.' ? n - 1 : n);
		}
		for (int i = 0; r->havedata && r->data[i] != NULL; i++, nrecords++) {
			if (dns_answer_add_rdata(res, q->type, (const uint8_t *)r->data[i],
			        (size_t)r->len[i], 0, (size_t)r->len[i]) < 0) {
				char esc[LOG_ESC_MAX];
				log_debug("event=dns_bad_rdata name=%s type=%s",
				    log_token(esc, sizeof(esc), q->name), dns_type_name(q->type));
			}
		}
	}
	if (res->rcode == 3 || r->nxdomain) {
		res->status = DNS_NXDOMAIN;
		return res;
	}
	if (res->rcode != 0) {
		const char *name = rcode_name(res->rcode);
		res->status = DNS_TEMPFAIL;
		if (name)
			dns_result_set_why(res, name);
		else {
			snprintf(why, sizeof(why), "rcode %d", res->rcode);
			dns_result_set_why(res, why);
		}
		return res;
	}
	if (res->nrr > 0) {
		res->status = DNS_ANSWER;
	} else if (nrecords > 0) {
		res->status = DNS_TEMPFAIL;
		dns_result_set_why(res, "malformed answer");
	}
	return res;
}

static void
resolved(void *mydata, int err, struct ub_result *r)
{
	struct ubq *q = mydata;

	if (!q->cancelled)
		dns_client_deliver(q->ub->client, q->id, convert(q, err, r));
	if (r)
		ub_resolve_free(r);
	ubq_free(q);
}

static void
fd_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ub_backend *ub = arg;
	int err = ub_process(ub->ctx);

	if (err != 0)
		log_warn("event=dns_process_failed error=\"%s\"", ub_strerror(err));
}

static int
ub_submit(void *state, uint64_t id, const char *name, enum dns_type type, void **qp)
{
	struct ub_backend *ub = state;
	char pres[DNS_NAME_MAX * 4 + 2];
	struct ubq *q;
	int err;

	if (dns_name_to_presentation(name, pres, sizeof(pres)) < 0)
		return -1;
	q = xcalloc(1, sizeof(*q));
	q->ub = ub;
	q->id = id;
	q->name = xstrdup(name);
	q->type = type;
	q->next = ub->live;
	if (ub->live)
		ub->live->prev = q;
	ub->live = q;
	err = ub_resolve_async(ub->ctx, pres, (int)type, 1, q, resolved, &q->async_id);
	if (err != 0) {
		char esc[LOG_ESC_MAX];
		log_warn("event=dns_submit_failed name=%s error=\"%s\"",
		    log_token(esc, sizeof(esc), pres), ub_strerror(err));
		ubq_free(q);
		return -1;
	}
	*qp = q;
	return 0;
}

static void
ub_cancel_query(void *state, uint64_t id, void *qp)
{
	struct ub_backend *ub = state;
	struct ubq *q = qp;

	if (q == NULL)
		return;
	if (ub_cancel(ub->ctx, q->async_id) == 0)
		ubq_free(q);
	else
		q->cancelled = 1; /* freed when its callback comes */
}

static void
ub_free_backend(void *state)
{
	struct ub_backend *ub = state;

	if (ub == NULL)
		return;
	if (ub->ev)
		event_free(ub->ev);
	/* ub_ctx_delete stops the worker; no callback runs after it. */
	if (ub->ctx)
		ub_ctx_delete(ub->ctx);
	while (ub->live)
		ubq_free(ub->live);
	free(ub);
}

const struct dns_backend_ops dns_unbound_ops = {
	"unbound",
	ub_submit,
	ub_cancel_query,
	ub_free_backend,
};

static int
set_option(struct ub_ctx *ctx, const char *opt, const char *val, char *err, size_t errsz)
{
	int e = ub_ctx_set_option(ctx, opt, val);

	if (e != 0) {
		snprintf(err, errsz, "libunbound option %s %s: %s", opt, val, ub_strerror(e));
		return -1;
	}
	return 0;
}

/* Forwarders: see PEERS.md for why localhost and test. need options. */
static int
setup_forwarders(struct ub_ctx *ctx, const struct dns_config *cfg, char *err, size_t errsz)
{
	char addr[INET6_ADDRSTRLEN + 8], why[200];
	int loopback = 0;

	for (size_t i = 0; i < cfg->resolver.n; i++) {
		if (dns_config_forwarder(cfg->resolver.v[i], addr, sizeof(addr), why, sizeof(why)) <
		    0) {
			snprintf(err, errsz, "dns_resolver: %s", why);
			return -1;
		}
		if (strncmp(addr, "127.", 4) == 0 || strncmp(addr, "::1@", 4) == 0)
			loopback = 1;
		int e = ub_ctx_set_fwd(ctx, addr);
		if (e != 0) {
			snprintf(err, errsz, "dns_resolver %s: %s", addr, ub_strerror(e));
			return -1;
		}
	}
	if (loopback && set_option(ctx, "do-not-query-localhost:", "no", err, errsz) < 0)
		return -1;
	return 0;
}

/*
 * When forwarding (listed forwarders or the system's), the forwarder is
 * the recursive resolver and answers for every zone. libunbound would
 * answer some itself and never ask: the RFC 6303 / AS112 reverse zones
 * (10/8, 172.16/12, 192.168/16, 100.64/10, the documentation prefixes
 * 192.0.2/24, 198.51.100/24, 203.0.113/24 and 2001:db8::/32, ...), where a
 * LAN's resolver or a test server does hold PTR records, and home.arpa.
 * (RFC 8375), test. (RFC 6761) and 127.in-addr.arpa. Only localhost.,
 * onion. and invalid. stay libunbound's. unblock-lan-zones removes the
 * AS112 list in one option (it is that whole list in libunbound 1.17);
 * the others become transparent (PEERS.md: "nodefault" does not work
 * through ub_ctx_set_option).
 */
static int
setup_forwarded_zones(struct ub_ctx *ctx, char *err, size_t errsz)
{
	static const char *const transparent[] = { "test. transparent",
		"127.in-addr.arpa. transparent", "home.arpa. transparent", NULL };

	if (set_option(ctx, "unblock-lan-zones:", "yes", err, errsz) < 0)
		return -1;
	for (int i = 0; transparent[i]; i++)
		if (set_option(ctx, "local-zone:", transparent[i], err, errsz) < 0)
			return -1;
	return 0;
}

void *
dns_unbound_new(struct dns_client *c, struct event_base *base, const struct dns_config *cfg,
    char *err, size_t errsz)
{
	struct ub_backend *ub = xcalloc(1, sizeof(*ub));
	int e, fd;

	ub->client = c;
	ub->ctx = ub_ctx_create();
	if (ub->ctx == NULL) {
		snprintf(err, errsz, "cannot create a libunbound context");
		goto fail;
	}
	if ((e = ub_ctx_async(ub->ctx, 1)) != 0) {
		snprintf(err, errsz, "libunbound async mode: %s", ub_strerror(e));
		goto fail;
	}
	/* Records in the order the server gave them, every time: libunbound
	 * 1.17 rotates them by default (rrset-roundrobin), which would make
	 * "the first 10 PTR names" (RFC 7208 4.6.4) differ from one answer
	 * to the next. (A recursive resolver upstream may still rotate;
	 * dns_mx spreads mail over equal MX hosts on its own.) */
	if (set_option(ub->ctx, "rrset-roundrobin:", "no", err, errsz) < 0)
		goto fail;
	if (dns_config_is_forward(cfg)) {
		if (setup_forwarders(ub->ctx, cfg, err, errsz) < 0 ||
		    setup_forwarded_zones(ub->ctx, err, errsz) < 0)
			goto fail;
	} else if (cfg->resolver.n == 0 || str_ieq(cfg->resolver.v[0], "system")) {
		if ((e = ub_ctx_resolvconf(ub->ctx, NULL)) != 0) {
			snprintf(err, errsz, "reading /etc/resolv.conf: %s", ub_strerror(e));
			goto fail;
		}
		if ((e = ub_ctx_hosts(ub->ctx, NULL)) != 0)
			log_warn("event=dns_hosts_unreadable error=\"%s\"", ub_strerror(e));
		if (setup_forwarded_zones(ub->ctx, err, errsz) < 0)
			goto fail;
	}
	if (cfg->trust_anchor && cfg->trust_anchor[0] != '\0') {
		/* libunbound reads the file only at the first query: a bad path
		 * must be a start-up error, not a failure of every lookup. */
		FILE *f = fopen(cfg->trust_anchor, "r");
		if (f == NULL) {
			snprintf(err, errsz, "dns_trust_anchor %.200s: %s", cfg->trust_anchor,
			    strerror(errno));
			goto fail;
		}
		fclose(f);
		if ((e = ub_ctx_add_ta_file(ub->ctx, cfg->trust_anchor)) != 0) {
			snprintf(err, errsz, "dns_trust_anchor %.200s: %s", cfg->trust_anchor,
			    ub_strerror(e));
			goto fail;
		}
	}
	fd = ub_fd(ub->ctx);
	if (fd < 0) {
		snprintf(err, errsz, "libunbound gave no file descriptor");
		goto fail;
	}
	ub->ev = event_new(base, fd, EV_READ | EV_PERSIST, fd_cb, ub);
	if (ub->ev == NULL || event_add(ub->ev, NULL) < 0) {
		snprintf(err, errsz, "cannot watch libunbound's descriptor");
		goto fail;
	}
	return ub;
fail:
	ub_free_backend(ub);
	return NULL;
}
