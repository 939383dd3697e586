/*
 * outbound: destinations, connections and jobs (see outbound.h). Name
 * resolution for a destination is in outbound_mx.c.
 */
#include "outbound.h"
#include "outbound_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "vouchd.h"
#include "xgen.h"
#include "xvouch.h"
#include "msg/authres.h"
#include "tls/tls_ctx.h"
#include "util/hmap.h"
#include "util/log.h"
#include "util/xmalloc.h"

void
outbound_job_free(struct outbound_job *j)
{
	if (j == NULL)
		return;
	if (j->fd >= 0)
		close(j->fd);
	for (size_t i = 0; i < j->msg.nrcpts; i++) {
		free((char *)j->msg.rcpts[i].addr);
		free((char *)j->msg.rcpts[i].orcpt);
	}
	free(j->msg.rcpts);
	free((char *)j->msg.sender);
	free((char *)j->msg.head);
	free((char *)j->msg.envid);
	free(j->rcpt_index);
	free(j->dest);
	free(j->body_path);
	free(j->remote_mta);
	free(j);
}

static void
job_finish(struct outbound_job *j)
{
	if (j->fd >= 0) {
		close(j->fd);
		j->fd = -1;
	}
	j->done(j, j->arg);
}

/* Every job of the destination ends with the same error. */
void
outbound_dest_fail_all(
    struct outbound *o, struct dest *dst, int code, const char *status, const char *text)
{
	while (dst->head) {
		struct outbound_job *j = dst->head;
		dst->head = j->next;
		j->dest_error.code = code;
		str_copy(j->dest_error.status, sizeof(j->dest_error.status), status);
		str_copy(j->dest_error.text, sizeof(j->dest_error.text), text);
		for (size_t i = 0; i < j->msg.nrcpts; i++)
			j->msg.rcpts[i].reply = j->dest_error;
		job_finish(j);
	}
	dst->tail = &dst->head;
	(void)o;
}

static void conn_event(struct smtp_client *c, enum smtp_client_event ev, void *arg);

static void
dest_maybe_free(struct outbound *o, struct dest *dst)
{
	if (dst->head || dst->nconn || dst->resolving)
		return;
	hmap_del(o->dests, dst->name, strlen(dst->name));
	outbound_mx_clear(dst);
	free(dst->name);
	free(dst);
}

static void
conn_free(struct outbound *o, struct conn *cn)
{
	struct dest *dst = cn->dst;

	if (cn->xvouch_id[0])
		xvouch_unregister(o->d, cn->xvouch_id);
	smtp_client_free(cn->client);
	for (struct conn **pp = &o->conns; *pp; pp = &(*pp)->next) {
		if (*pp == cn) {
			*pp = cn->next;
			break;
		}
	}
	o->nconn--;
	dst->nconn--;
	free(cn);
	dest_maybe_free(o, dst);
}

/* Open a connection to the destination's address number ai. */
static void
conn_open(struct outbound *o, struct dest *dst, struct conn *cn)
{
	const struct config *cfg = o->d->cfg;
	const struct mx_addr *a = &dst->addrs[cn->ai];
	struct smtp_client_params p;
	int required = dst->relay ? 0 : conf_list_has(&cfg->tls_required_domains, dst->name);

	memset(&p, 0, sizeof(p));
	p.helo = cfg->hostname;
	p.peer_name = a->host;
	p.tls = cfg->outbound_tls == CONFIG_OUTBOUND_TLS_NONE || cn->no_tls ? NULL : o->tls;
	p.tls_required = required || (dst->relay && o->relay_user != NULL);
	p.tls_verify = required;
	if (dst->relay && o->relay_user) {
		p.auth_user = o->relay_user;
		p.auth_pass = o->relay_pass;
	}
	if (o->bind_len) {
		p.bind_src = (const struct sockaddr *)&o->bind;
		p.bind_srclen = o->bind_len;
	}
	/* DESIGN 5.1 step 2: a fresh id for this session, in our table for
	 * as long as the connection lives. */
	if (cn->xvouch_id[0]) {
		xvouch_unregister(o->d, cn->xvouch_id);
		cn->xvouch_id[0] = '\0';
	}
	if (cfg->xvouch_send && xvouch_register(o->d, a->text, cn->xvouch_id) == 0)
		p.xvouch_id = cn->xvouch_id;
	char gen[128];
	p.xgen = xgen_client_arg(o->d, cfg, gen, sizeof(gen));
	p.timeout_connect = cfg->outbound_timeout_connect;
	p.timeout_command = cfg->outbound_timeout_command;
	p.timeout_data = cfg->outbound_timeout_data;
	if (log_enabled(LOG_LVL_DEBUG)) {
		char esc[LOG_ESC_MAX], host_esc[LOG_ESC_MAX];
		log_debug("event=outbound_connect dest=%s host=%s addr=%s",
		    log_token(esc, sizeof(esc), dst->name),
		    log_token(host_esc, sizeof(host_esc), a->host), a->text);
	}
	cn->client = smtp_client_new(
	    o->d->base, (const struct sockaddr *)&a->sa, a->salen, &p, conn_event, cn);
}

/* Give waiting jobs to idle connections, and open more while allowed. */
/* The connection has carried outbound_reuse_limit messages. */
static int
reuse_spent(const struct outbound *o, const struct conn *cn)
{
	long long limit = o->d->cfg->outbound_reuse_limit;

	return limit > 0 && cn->nmsg >= (unsigned)limit;
}

void
outbound_dest_kick(struct outbound *o, struct dest *dst)
{
	const struct config *cfg = o->d->cfg;

	if (dst->resolving)
		return;
	if (!dst->resolved) {
		outbound_mx_resolve(o, dst);
		return;
	}
	if (dst->naddrs == 0) {
		outbound_dest_fail_all(o, dst, dst->fail.code, dst->fail.status, dst->fail.text);
		dst->resolved = 0; /* try the names again next time */
		dest_maybe_free(o, dst);
		return;
	}
	for (struct conn *cn = o->conns; cn && dst->head; cn = cn->next) {
		if (cn->dst == dst && cn->ready && !cn->quitting && cn->job == NULL &&
		    !reuse_spent(o, cn)) {
			struct outbound_job *j = dst->head;
			dst->head = j->next;
			if (dst->head == NULL)
				dst->tail = &dst->head;
			outbound_conn_send(o, cn, j);
		}
	}
	while (dst->head && dst->nconn < cfg->outbound_max_per_destination &&
	    o->nconn < (size_t)cfg->outbound_max_connections) {
		struct conn *cn = xcalloc(1, sizeof(*cn));
		cn->o = o;
		cn->dst = dst;
		/* Spread connections over the first preference's addresses. */
		cn->ai = 0;
		cn->id = ++o->next_conn_id;
		cn->next = o->conns;
		o->conns = cn;
		o->nconn++;
		dst->nconn++;
		conn_open(o, dst, cn);
		/* One connection at a time until the first proves the way. */
		if (!dst->proven)
			break;
	}
}

void
outbound_conn_send(struct outbound *o, struct conn *cn, struct outbound_job *j)
{
	j->fd = open(j->body_path, O_RDONLY | O_CLOEXEC);
	if (j->fd < 0) {
		struct smtp_client_reply r = { 451, "4.3.0", "cannot read the queued message" };
		for (size_t i = 0; i < j->msg.nrcpts; i++)
			j->msg.rcpts[i].reply = r;
		job_finish(j);
		return;
	}
	j->msg.body_fd = j->fd;
	/* Mail that leaves goes without our own Authentication-Results: they
	 * are for the site's readers, and they named the submitting user
	 * (issue 13 item 17; the Received field's tracking id stays). */
	char head[16384];
	ssize_t got = pread(j->fd, head, sizeof(head), 0);
	j->msg.body_start =
	    got > 0 ? authres_own_prefix(head, (size_t)got, o->d->cfg->hostname) : 0;
	cn->nmsg++;
	free(j->remote_mta);
	j->remote_mta = xstrdup(cn->dst->addrs[cn->ai].host);
	cn->job = j;
	smtp_client_send(cn->client, &j->msg);
}

static void
log_results(const struct outbound_job *j, const struct conn *cn)
{
	const struct smtp_client_info *in = smtp_client_info(cn->client);

	if (!log_enabled(LOG_LVL_INFO))
		return;
	for (size_t i = 0; i < j->msg.nrcpts; i++) {
		const struct smtp_client_rcpt *r = &j->msg.rcpts[i];
		char to_esc[LOG_ESC_MAX], relay_esc[LOG_ESC_MAX], esc[LOG_ESC_MAX];
		log_info(
		    "qid=%s event=%s to=%s relay=%s[%s] tls=%s%s dsn=%s conn=%u msg=%u code=%d "
		    "reply=%s",
		    j->qid,
		    r->reply.code >= 200 && r->reply.code < 300 ? "sent"
		        : r->reply.code >= 500                  ? "bounced"
		                                                : "deferred",
		    log_token(to_esc, sizeof(to_esc), r->addr),
		    log_token(relay_esc, sizeof(relay_esc), cn->dst->addrs[cn->ai].host),
		    cn->dst->addrs[cn->ai].text, in->tls ? in->tls_version : "no",
		    in->tls && in->tls_verified ? " verified" : "",
		    j->msg.dsn_passed ? "passed" : "no", cn->id, cn->nmsg, r->reply.code,
		    log_str(esc, sizeof(esc), r->reply.text));
	}
}

static void
conn_event(struct smtp_client *c, enum smtp_client_event ev, void *arg)
{
	struct conn *cn = arg;
	struct outbound *o = cn->o;
	struct dest *dst = cn->dst;

	(void)c;
	switch (ev) {
	case SMTP_CLIENT_REPLY: return; /* it sends no commands of its own */
	case SMTP_CLIENT_READY:
		cn->ready = 1;
		dst->proven = 1;
		if (dst->head) {
			struct outbound_job *j = dst->head;
			dst->head = j->next;
			if (dst->head == NULL)
				dst->tail = &dst->head;
			outbound_conn_send(o, cn, j);
			outbound_dest_kick(o, dst);
		} else {
			cn->quitting = 1;
			smtp_client_quit(c);
		}
		return;
	case SMTP_CLIENT_DONE: {
		struct outbound_job *j = cn->job;
		cn->job = NULL;
		log_results(j, cn);
		job_finish(j);
		/* Reuse the connection for the next message to this destination. */
		if (dst->head && !reuse_spent(o, cn)) {
			struct outbound_job *n = dst->head;
			dst->head = n->next;
			if (dst->head == NULL)
				dst->tail = &dst->head;
			outbound_conn_send(o, cn, n);
		} else {
			cn->quitting = 1;
			smtp_client_quit(c);
			if (dst->head) /* spent: the rest on a new connection */
				outbound_dest_kick(o, dst);
		}
		return;
	}
	case SMTP_CLIENT_FAILED: {
		const struct smtp_client_reply *e = smtp_client_error(c);
		struct outbound_job *j = cn->job;
		if (j) {
			/* The client filled in the replies it did not get. */
			cn->job = NULL;
			log_results(j, cn);
			job_finish(j);
			/* conn_free frees the destination too when nothing waits for
			 * it: look before, not at the freed one after (a 421 to MAIL
			 * and a close did exactly that) */
			int waiting = dst->head != NULL;
			conn_free(o, cn);
			if (waiting)
				outbound_dest_kick(o, dst);
			return;
		}
		if (log_enabled(LOG_LVL_INFO)) {
			char esc[LOG_ESC_MAX], host_esc[LOG_ESC_MAX], why_esc[LOG_ESC_MAX];
			log_info("event=outbound_connect_failed dest=%s host=%s addr=%s code=%d "
			         "reason=%s",
			    log_token(esc, sizeof(esc), dst->name),
			    log_token(host_esc, sizeof(host_esc), dst->addrs[cn->ai].host),
			    dst->addrs[cn->ai].text, e->code,
			    log_str(why_esc, sizeof(why_esc), e->text));
		}
		/* Opportunistic TLS that broke: the same address, in the clear. */
		if (!cn->ready && !cn->no_tls && strcmp(e->status, "4.7.5") == 0 &&
		    !conf_list_has(&o->d->cfg->tls_required_domains, dst->name) && !dst->relay) {
			cn->no_tls = 1;
			smtp_client_free(cn->client);
			conn_open(o, dst, cn);
			return;
		}
		/* Next address (RFC 5321 5.1: every address of every MX in order). */
		if (!cn->ready && cn->ai + 1 < dst->naddrs) {
			smtp_client_free(cn->client);
			cn->ai++;
			cn->no_tls = 0;
			conn_open(o, dst, cn);
			return;
		}
		dst->last_error = *e;
		if (!cn->ready && dst->nconn == 1) {
			/*
			 * Nobody could be reached: everything waiting fails. A 5xx
			 * greeting from the last host is its answer for good; all
			 * else (refused, timed out, 4xx) is temporary.
			 */
			char text[1100];
			int perm = e->code >= 500;
			if (snprintf(text, sizeof(text), "%s (%s): %s", dst->name,
			        dst->addrs[cn->ai].host, e->text) >= (int)sizeof(text))
				text[sizeof(text) - 1] = '\0';
			outbound_dest_fail_all(o, dst, perm ? e->code : 451,
			    e->status[0] ? e->status : (perm ? "5.0.0" : "4.4.1"), text);
		}
		conn_free(o, cn);
		return;
	}
	case SMTP_CLIENT_CLOSED: {
		/* Jobs that came while this connection was quitting may have
		 * found every connection slot taken: they go now. */
		int waiting = dst->head != NULL;
		conn_free(o, cn);
		if (waiting)
			outbound_dest_kick(o, dst);
		return;
	}
	}
}

void
outbound_submit(struct outbound *o, struct outbound_job *j)
{
	struct dest *dst = hmap_get(o->dests, j->dest, strlen(j->dest));

	j->fd = -1;
	j->next = NULL;
	if (dst == NULL) {
		dst = xcalloc(1, sizeof(*dst));
		dst->name = xstrdup(j->dest);
		dst->tail = &dst->head;
		dst->relay = o->relay_host != NULL;
		hmap_put(o->dests, dst->name, strlen(dst->name), dst);
	}
	*dst->tail = j;
	dst->tail = &j->next;
	outbound_dest_kick(o, dst);
}

static int
load_settings(struct outbound *o, char *err, size_t errsz)
{
	const struct config *cfg = o->d->cfg;
	SSL_CTX *tls =
	    tls_ctx_client_new(cfg->outbound_tls_ca, cfg->tls_cert, cfg->tls_key, err, errsz);

	if (tls == NULL)
		return -1;
	if (o->tls)
		SSL_CTX_free(o->tls);
	o->tls = tls;
	free(o->relay_host);
	free(o->relay_user);
	if (o->relay_pass) {
		OPENSSL_cleanse(o->relay_pass, strlen(o->relay_pass));
		free(o->relay_pass);
	}
	o->relay_host = cfg->relayhost[0] ? xstrdup(cfg->relayhost) : NULL;
	if (o->relay_host) {
		/* host, host:port, [v6] or [v6]:port */
		const char *h = o->relay_host, *colon;
		o->relay_port = 25;
		if (h[0] == '[') {
			const char *close = strchr(h, ']');
			size_t n = close ? (size_t)(close - h - 1) : 0;
			if (close == NULL || n >= sizeof(o->relay_name)) {
				snprintf(err, errsz, "relayhost '%s' is not host[:port]", h);
				return -1;
			}
			memcpy(o->relay_name, h + 1, n);
			o->relay_name[n] = '\0';
			colon = close[1] == ':' ? close + 1 : NULL;
		} else {
			colon = strrchr(h, ':');
			size_t n = colon ? (size_t)(colon - h) : strlen(h);
			if (n >= sizeof(o->relay_name)) {
				snprintf(err, errsz, "relayhost '%s' is too long", h);
				return -1;
			}
			memcpy(o->relay_name, h, n);
			o->relay_name[n] = '\0';
		}
		if (colon) {
			long long port;
			if (str_to_ll(colon + 1, 1, 65535, &port) < 0) {
				snprintf(err, errsz, "relayhost '%s': bad port", h);
				return -1;
			}
			o->relay_port = (int)port;
		}
	}
	o->relay_user = cfg->relayhost_user[0] ? xstrdup(cfg->relayhost_user) : NULL;
	o->relay_pass = NULL;
	if (o->relay_user) {
		char line[600];
		FILE *f = fopen(cfg->relayhost_password_file, "r");
		if (f == NULL || fgets(line, sizeof(line), f) == NULL) {
			snprintf(err, errsz, "relayhost_password_file %s: %s",
			    cfg->relayhost_password_file, f ? "empty" : strerror(errno));
			if (f)
				fclose(f);
			return -1;
		}
		fclose(f);
		line[strcspn(line, "\r\n")] = '\0';
		o->relay_pass = xstrdup(line);
		OPENSSL_cleanse(line, sizeof(line));
	}
	o->bind_len = 0;
	if (cfg->outbound_bind[0]) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&o->bind;
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&o->bind;
		memset(&o->bind, 0, sizeof(o->bind));
		if (inet_pton(AF_INET, cfg->outbound_bind, &s4->sin_addr) == 1) {
			s4->sin_family = AF_INET;
			o->bind_len = sizeof(*s4);
		} else if (inet_pton(AF_INET6, cfg->outbound_bind, &s6->sin6_addr) == 1) {
			s6->sin6_family = AF_INET6;
			o->bind_len = sizeof(*s6);
		} else {
			snprintf(err, errsz, "outbound_bind '%s' is not an IP address",
			    cfg->outbound_bind);
			return -1;
		}
	}
	return 0;
}

struct outbound *
outbound_new(struct vouchd *d, char *err, size_t errsz)
{
	struct outbound *o = xcalloc(1, sizeof(*o));

	o->d = d;
	o->dests = hmap_new();
	if (load_settings(o, err, errsz) < 0) {
		outbound_free(o);
		return NULL;
	}
	return o;
}

int
outbound_reconfigure(struct outbound *o, char *err, size_t errsz)
{
	return load_settings(o, err, errsz);
}

SSL_CTX *
outbound_tls_ctx(const struct outbound *o)
{
	return o->tls;
}

size_t
outbound_connections(const struct outbound *o)
{
	return o->nconn;
}

static void
fail_dest_cb(const void *key, size_t keylen, void *value, void *arg)
{
	struct outbound *o = arg;
	struct dest *dst = value;

	(void)key;
	(void)keylen;
	outbound_dest_fail_all(o, dst, 451, "4.3.2", "mail system shutting down");
}

static void
collect_dest(const void *key, size_t keylen, void *value, void *arg)
{
	struct dest ***pp = arg;

	(void)key;
	(void)keylen;
	**pp = value;
	(*pp)++;
}

void
outbound_free(struct outbound *o)
{
	if (o == NULL)
		return;
	while (o->conns) {
		struct conn *cn = o->conns;
		struct outbound_job *j = cn->job;
		o->conns = cn->next;
		smtp_client_free(cn->client);
		if (j) {
			struct smtp_client_reply r = { 451, "4.3.2", "mail system shutting down" };
			for (size_t i = 0; i < j->msg.nrcpts; i++)
				if (j->msg.rcpts[i].reply.code < 200 ||
				    j->msg.rcpts[i].reply.code >= 300 || j->msg.reply.code == 0)
					j->msg.rcpts[i].reply = r;
			job_finish(j);
		}
		free(cn);
	}
	hmap_foreach(o->dests, fail_dest_cb, o);
	struct dest **all = xcalloc(hmap_count(o->dests) + 1, sizeof(*all)), **p = all;
	hmap_foreach(o->dests, collect_dest, &p);
	for (struct dest **q = all; q < p; q++) {
		outbound_mx_cancel(o, *q);
		outbound_mx_clear(*q);
		free((*q)->name);
		free(*q);
	}
	free(all);
	hmap_free(o->dests);
	if (o->tls)
		SSL_CTX_free(o->tls);
	free(o->relay_host);
	free(o->relay_user);
	if (o->relay_pass) {
		OPENSSL_cleanse(o->relay_pass, strlen(o->relay_pass));
		free(o->relay_pass);
	}
	free(o);
}
