/*
 * dmarcrep: DMARC aggregate reports from vouchd (see dmarcrep.h).
 */
#include "dmarcrep.h"

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vouchd.h"
#include "inject.h"
#include "auth/dmarc_config.h"
#include "auth/dmarc_report.h"
#include "auth/dmarc_rua.h"
#include "util/log.h"
#include "util/xmalloc.h"

/* Reports loaded per run; the rest come at the next. */
#define DUE_MAX 32
/* The largest XML a report makes before compression (its rows are
 * bounded by the library's max_rows). */
#define XML_MAX (256u << 20)

struct job {
	struct dmarcrep *rp;
	struct dmarc_report *r;
	struct dmarc_rua_check *chk;
	struct job *next;
};

struct dmarcrep {
	struct vouchd *d;
	struct event *timer;
	struct job *jobs; /* destinations being checked */
};

/* The reporter's settings now (reload may change them); 0 when off. */
static int
settings(const struct vouchd *d, struct dmarc_report_config *rc)
{
	char err[200];

	dmarc_config_report(&d->cfg->dmarc, d->cfg->hostname, rc);
	return d->cfg->dmarc.report && d->cfg->dmarc.verify && d->psl &&
	    dmarc_report_config_check(rc, err, sizeof(err)) == 0;
}

void
dmarcrep_add(struct vouchd *d, const struct dmarc_discovery *disc, const struct dmarc_input *in,
    const struct dmarc_outcome *out, const char *source_ip, const char *envelope_to)
{
	struct dmarc_report_config rc;

	if (d->dmarcrep == NULL || !settings(d, &rc) || source_ip == NULL)
		return;
	if (dmarc_report_add(d->store, &rc, disc, in, out, source_ip, envelope_to, time(NULL)) < 0)
		log_err("event=dmarc_report_error error=\"cannot record a result in the state "
		        "database\"");
}

static void
job_free(struct job *j)
{
	struct job **pp;

	for (pp = &j->rp->jobs; *pp; pp = &(*pp)->next)
		if (*pp == j) {
			*pp = j->next;
			break;
		}
	dmarc_rua_check_free(j->chk);
	dmarc_report_free(j->r);
	free(j);
}

static const char *
state_name(enum dmarc_rua_state s)
{
	switch (s) {
	case DMARC_RUA_OK: return "ok";
	case DMARC_RUA_PENDING: return "pending";
	case DMARC_RUA_REFUSED: return "not_authorized";
	default: return "temperror";
	}
}

/* The destinations are known: send to those that may have it. */
static void
on_dests(const struct dmarc_rua_dest *dst, size_t n, void *arg)
{
	struct job *j = arg;
	struct vouchd *d = j->rp->d;
	struct dmarc_report *r = j->r;
	struct dmarc_report_config rc;
	struct strbuf xml, gz, msg;
	const char **to = xcalloc(n + 1, sizeof(*to));
	size_t nto = 0;
	int later = 0, sent = 0;
	int64_t now = (int64_t)time(NULL);
	char esc[LOG_ESC_MAX], esc2[LOG_ESC_MAX], esc3[LOG_ESC_MAX];

	if (!settings(d, &rc)) {
		free(to);
		job_free(j); /* turned off meanwhile: the data waits, or expires */
		return;
	}
	strbuf_init(&xml, XML_MAX);
	strbuf_init(&gz, XML_MAX);
	strbuf_init(&msg, XML_MAX);
	if (dmarc_report_xml(r, &rc, &xml) < 0 || dmarc_report_gzip(xml.s, xml.len, &gz) < 0) {
		log_err(
		    "event=dmarc_report_error domain=%s id=%s error=\"cannot build the report\"",
		    log_token(esc, sizeof(esc), r->domain), log_token(esc2, sizeof(esc2), r->id));
		goto done; /* forgotten: it would fail the same way again */
	}
	for (size_t i = 0; i < n; i++) {
		const struct dmarc_rua_dest *x = &dst[i];
		const char *why = NULL;
		if (x->state != DMARC_RUA_OK) {
			if (x->state != DMARC_RUA_REFUSED)
				later = 1;
			why = state_name(x->state);
		} else if (!dmarc_report_fits(&rc, x->limit, gz.len)) {
			why = "too_big"; /* RFC 7489 6.2: not sent there at all */
		} else {
			int ok = dmarc_report_reserve(d->store, &rc, x->domain, now);
			if (ok == 1) {
				to[nto++] = x->addr;
				continue;
			}
			later = 1;
			why = ok == 0 ? "rate_limited" : "store_error";
		}
		log_info("event=dmarc_report_skipped domain=%s id=%s to=%s reason=%s",
		    log_token(esc, sizeof(esc), r->domain), log_token(esc2, sizeof(esc2), r->id),
		    log_token(esc3, sizeof(esc3), x->addr), why);
	}
	if (nto > 0) {
		if (dmarc_report_message(r, &rc, to, nto, gz.s, gz.len, now, &msg) < 0 ||
		    inject_message(d, rc.email, to, nto, msg.s, msg.len, 0) < 0) {
			log_err("event=dmarc_report_error domain=%s id=%s error=\"cannot queue the "
			        "report\"",
			    log_token(esc, sizeof(esc), r->domain),
			    log_token(esc2, sizeof(esc2), r->id));
			later = 1;
		} else {
			sent = 1;
			log_info("event=dmarc_report domain=%s id=%s begin=%lld end=%lld rows=%zu "
			         "to=%zu size=%zu",
			    log_token(esc, sizeof(esc), r->domain),
			    log_token(esc2, sizeof(esc2), r->id), (long long)r->begin,
			    (long long)r->end, r->nrows, nto, gz.len);
		}
	}
done:
	/* Sent, or nobody can ever take it: forget. Nothing sent yet but
	 * worth another try (DNS, rate limits): it comes again next run. */
	if (sent || !later)
		dmarc_report_forget(d->store, r);
	strbuf_free(&xml);
	strbuf_free(&gz);
	strbuf_free(&msg);
	free(to);
	job_free(j); /* frees the check: allowed from its callback */
}

static int
in_flight(const struct dmarcrep *rp, const struct dmarc_report *r)
{
	for (const struct job *j = rp->jobs; j; j = j->next)
		if (strcmp(j->r->id, r->id) == 0)
			return 1;
	return 0;
}

static void
arm(struct dmarcrep *rp)
{
	struct dmarc_report_config rc;
	long long secs = 60;

	/* a few runs a period, at most a minute apart: a report leaves soon
	 * after its period ends */
	if (settings(rp->d, &rc) && rc.period / 5 < secs)
		secs = rc.period / 5 > 0 ? rc.period / 5 : 1;
	struct timeval tv = { (time_t)secs, 0 };
	evtimer_add(rp->timer, &tv);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct dmarcrep *rp = arg;
	struct vouchd *d = rp->d;
	struct dmarc_report_config rc;
	struct dmarc_report *due[DUE_MAX];
	int n;

	(void)fd;
	(void)what;
	if (settings(d, &rc) && !d->stopping) {
		n = dmarc_report_due(d->store, &rc, (int64_t)time(NULL), due, DUE_MAX);
		if (n < 0)
			log_err(
			    "event=dmarc_report_error error=\"cannot read the state database\"");
		for (int i = 0; i < n; i++) {
			if (in_flight(rp, due[i])) {
				dmarc_report_free(due[i]);
				continue;
			}
			struct job *j = xcalloc(1, sizeof(*j));
			j->rp = rp;
			j->r = due[i];
			j->next = rp->jobs;
			rp->jobs = j;
			/* the callback comes from the loop, never from here */
			j->chk = dmarc_rua_check_start(
			    d->dns, d->psl, j->r->domain, &j->r->policy, on_dests, j);
		}
	}
	arm(rp);
}

void
dmarcrep_start(struct vouchd *d)
{
	struct dmarcrep *rp = xcalloc(1, sizeof(*rp));

	rp->d = d;
	rp->timer = evtimer_new(d->base, on_timer, rp);
	d->dmarcrep = rp;
	arm(rp);
}

void
dmarcrep_stop(struct vouchd *d)
{
	struct dmarcrep *rp = d->dmarcrep;

	if (rp == NULL)
		return;
	while (rp->jobs)
		job_free(rp->jobs);
	event_free(rp->timer);
	free(rp);
	d->dmarcrep = NULL;
}
