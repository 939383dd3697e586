/*
 * msgauth: an inbound message's DKIM and DMARC (see msgauth.h).
 */
#include "msgauth.h"

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#include "vouchd.h"
#include "auth/arc_origin.h"
#include "dmarcrep.h"
#include "auth/dkim_authres.h"
#include "auth/dkim_check.h"
#include "auth/dkim_config.h"
#include "auth/dkim_key.h"
#include "auth/dmarc_check.h"
#include "auth/dmarc_eval.h"
#include "auth/dmarc_from.h"
#include "auth/orgdomain.h"
#include "config/config.h"
#include "policy/verdict.h"
#include "util/log.h"
#include "util/xmalloc.h"

struct msgauth {
	struct vouchd *d;
	uint64_t sid;
	int with_arc;
	struct dkim_check *dkim;   /* NULL when dkim_verify is off */
	int dkim_done;             /* its callback came (or there is none) */
	int dmarc_on;              /* dmarc_verify, with a suffix list */
	struct dmarc_check *dmarc; /* the policy discovery, once From is known */
	struct dmarc_discovery disc;
	int disc_done;
	unsigned nfrom;                         /* From fields seen */
	enum dmarc_from_status from_status;     /* of the first */
	char from_domain[DMARC_DOMAIN_MAX + 1]; /* of the first, "" if unreadable */
	/* the transaction's SPF, read at the end */
	enum spf_result spf;
	char spf_domain[SPF_DOMAIN_MAX + 1];
	int spf_helo;
	int ended, evaluated, notified;
	struct dmarc_outcome out;
	struct arc_origin origin;               /* what the oldest ARC set says passed */
	char remote_ip[64];                     /* smtp.remote-ip of the arc entry */
	char arc_override[DKIM_DOMAIN_MAX + 1]; /* the verdict's: newest trusted sealer */
	/* what DMARC was evaluated with, for the aggregate report */
	struct dmarc_input in;
	struct dmarc_dkim sigs[DMARC_DKIM_MAX];
	int has_input;
	struct event *ev; /* the deferred done, when nothing was in flight */
	msgauth_cb done;
};

void
msgauth_service_start(struct vouchd *d)
{
	char err[300];
	const struct config *cfg = d->cfg;

	/* the same keys sign most mail: parse each record once */
	d->dkim_keys = dkim_keycache_new(256);
	if (!cfg->dmarc.verify)
		return;
	d->psl = orgdomain_open(cfg->dmarc.psl, err, sizeof(err));
	if (d->psl == NULL) {
		char esc[LOG_ESC_MAX];
		log_err("event=dmarc_off reason=%s", log_str(esc, sizeof(esc), err));
	}
}

void
msgauth_service_reload(struct vouchd *d)
{
	char err[300], esc[LOG_ESC_MAX];
	const struct config *cfg = d->cfg;
	struct orgdomain *od;

	if (!cfg->dmarc.verify)
		return;
	/* A new list (a publicsuffix upgrade, another file) takes effect now.
	 * Nothing keeps the old one past a call: dmarc_check_start() and
	 * arc_origin_read() use it at once, msgauth at its evaluation. */
	od = orgdomain_open(cfg->dmarc.psl, err, sizeof(err));
	if (od == NULL) {
		log_err("event=psl_reload_failed reason=%s%s", log_str(esc, sizeof(esc), err),
		    d->psl ? " (the list loaded before stays in use)" : "");
		return;
	}
	orgdomain_free(d->psl);
	d->psl = od;
	log_info("event=psl_loaded list=%s", log_token(esc, sizeof(esc), cfg->dmarc.psl));
}

void
msgauth_service_stop(struct vouchd *d)
{
	orgdomain_free(d->psl);
	d->psl = NULL;
	dkim_keycache_free(d->dkim_keys); /* verifiers hold their own references */
	d->dkim_keys = NULL;
}

static void finish(struct msgauth *m);

static void
on_dkim(struct dkim_check *chk, void *arg)
{
	struct msgauth *m = arg;

	(void)chk;
	m->dkim_done = 1;
	finish(m); /* may free m */
}

static void
on_dmarc(const struct dmarc_discovery *disc, void *arg)
{
	struct msgauth *m = arg;

	m->disc = *disc; /* disc dies with the check */
	m->disc_done = 1;
	finish(m); /* may free m */
}

static void
on_deferred(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	finish(arg);
}

struct msgauth *
msgauth_new(struct vouchd *d, uint64_t sid, const struct config *cfg)
{
	struct msgauth *m;

	if (!cfg->dkim.verify && !(cfg->dmarc.verify && d->psl))
		return NULL;
	m = xcalloc(1, sizeof(*m));
	m->d = d;
	m->sid = sid;
	m->dmarc_on = cfg->dmarc.verify && d->psl;
	m->dkim_done = 1;
	m->disc_done = 1;
	if (cfg->dkim.verify) {
		struct dkim_verify_opts o;
		dkim_config_verify_opts(&cfg->dkim, &o);
		o.keycache = d->dkim_keys;
		m->with_arc = o.arc;
		m->dkim = dkim_check_new(d->dns, &o, on_dkim, m);
		m->dkim_done = 0;
	}
	return m;
}

void
msgauth_feed(struct msgauth *m, const char *p, size_t n)
{
	if (m && m->dkim)
		dkim_check_feed(m->dkim, p, n);
}

void
msgauth_from(struct msgauth *m, const char *value, size_t len)
{
	if (m == NULL || m->ended || m->nfrom++ > 0)
		return; /* RFC 7489 6.6.1: only a single From is evaluated */
	m->from_status = dmarc_from_parse(value, len, m->from_domain, sizeof(m->from_domain), NULL);
	if (m->from_status != DMARC_FROM_OK)
		m->from_domain[0] = '\0';
	if (m->dmarc_on && m->from_domain[0]) {
		/* the policy is looked up while the body still arrives */
		m->disc_done = 0;
		m->dmarc = dmarc_check_start(m->d->dns, m->d->psl, m->from_domain, on_dmarc, m);
	}
}

/* The SPF proof's result, as SPF said it. */
static enum spf_result
spf_of(const struct proof *p)
{
	switch (p ? p->result : PROOF_NONE) {
	case PROOF_PASS: return SPF_PASS;
	case PROOF_FAIL: return SPF_FAIL;
	case PROOF_SOFTFAIL: return SPF_SOFTFAIL;
	case PROOF_NEUTRAL: return SPF_NEUTRAL;
	case PROOF_TEMPERROR: return SPF_TEMPERROR;
	case PROOF_PERMERROR: return SPF_PERMERROR;
	default: return SPF_NONE;
	}
}

void
msgauth_end(struct msgauth *m, const struct proofs *sess, const struct proofs *msg, msgauth_cb done)
{
	const struct proof *spf = proofs_get(msg, PROOF_SPF_MAILFROM);

	m->ended = 1;
	m->done = done;
	/* RFC 7489 3.1.2: the MAIL FROM identity; for <> the HELO's. */
	if (spf && spf->identity[0] == '\0') {
		const struct proof *h = proofs_get(sess, PROOF_SPF_HELO);
		m->spf_helo = 1;
		spf = h ? h : spf;
	}
	m->spf = spf_of(spf);
	str_copy(m->spf_domain, sizeof(m->spf_domain), spf ? spf->u.spf.domain : "");
	if (m->dkim)
		dkim_check_end(m->dkim);
	/* done always comes from the loop, even when nothing is in flight */
	m->ev = event_new(m->d->base, -1, 0, on_deferred, m);
	event_active(m->ev, 0, 0);
}

/*
 * RFC 8617 7.2: what the oldest ARC set's AAR says the message passed,
 * for its From domain under the domain's own alignment modes; whether
 * to believe it is the policy engine's question.
 */
static void
evaluate_arc(struct msgauth *m, const struct dkim_verify *v)
{
	const struct arc_set *first = v && m->with_arc ? dkim_verify_arc_set(v, 1) : NULL;
	int rec = m->disc.status == DMARC_DISC_FOUND;

	memset(&m->origin, 0, sizeof(m->origin));
	if (first == NULL || m->nfrom != 1 || m->from_domain[0] == '\0')
		return;
	arc_origin_read(first->aar, m->from_domain, m->d->psl,
	    rec ? m->disc.rec.adkim : DMARC_ALIGN_RELAXED,
	    rec ? m->disc.rec.aspf : DMARC_ALIGN_RELAXED, &m->origin);
}

static void
evaluate(struct msgauth *m)
{
	struct dmarc_dkim *sigs = m->sigs;
	struct dmarc_input in;
	const struct dkim_verify *v = m->dkim ? dkim_check_verify(m->dkim) : NULL;
	size_t n = v ? dkim_verify_nresults(v) : 0;

	m->evaluated = 1;
	memset(&m->out, 0, sizeof(m->out));
	evaluate_arc(m, v);
	if (!m->dmarc_on)
		return;
	if (m->nfrom != 1 || m->from_domain[0] == '\0') {
		/* Not a pass of anything (dmarc_from.h); the engine takes a
		 * permerror as "nothing to act on" for now. */
		m->out.result = DMARC_PERMERROR;
		str_fmt(m->out.reason, sizeof(m->out.reason), "%s",
		    m->nfrom == 0      ? "no From field"
		        : m->nfrom > 1 ? "more than one From field"
		                       : dmarc_from_status_name(m->from_status));
		return;
	}
	if (n > DMARC_DKIM_MAX)
		n = DMARC_DKIM_MAX;
	for (size_t i = 0; i < n; i++) {
		const struct dkim_sig_result *r = dkim_verify_result(v, i);
		memset(&sigs[i], 0, sizeof(sigs[i]));
		switch (r->result) {
		case DKIM_PASS: sigs[i].result = DMARC_DKIM_PASS; break;
		case DKIM_FAIL: sigs[i].result = DMARC_DKIM_FAIL; break;
		case DKIM_POLICY: sigs[i].result = DMARC_DKIM_POLICY; break;
		case DKIM_NEUTRAL: sigs[i].result = DMARC_DKIM_NEUTRAL; break;
		case DKIM_TEMPERROR: sigs[i].result = DMARC_DKIM_TEMPERROR; break;
		case DKIM_PERMERROR: sigs[i].result = DMARC_DKIM_PERMERROR; break;
		default: sigs[i].result = DMARC_DKIM_NONE; break;
		}
		str_copy(sigs[i].domain, sizeof(sigs[i].domain), r->domain);
		str_copy(sigs[i].selector, sizeof(sigs[i].selector), r->selector);
	}
	memset(&in, 0, sizeof(in));
	in.from_domain = m->from_domain;
	in.spf = m->spf;
	in.spf_domain = m->spf_domain;
	in.spf_helo = m->spf_helo;
	in.dkim = sigs;
	in.ndkim = n;
	/* a draw only when pct= can leave the message out: RAND_bytes costs
	 * a system call each time (OpenSSL's fork check), and with pct=100
	 * every draw gives the same answer */
	dmarc_eval(&in, &m->disc, m->d->psl, m->disc.rec.pct < 100 ? dmarc_sample() : 0, &m->out);
	m->in = in; /* its strings point into m */
	m->has_input = 1;
}

void
msgauth_report(const struct msgauth *m, const struct verdict *v, const char *source_ip,
    const char *envelope_to)
{
	struct dmarc_outcome out;

	if (m == NULL || !m->dmarc_on || !m->has_input)
		return;
	/* what was done with the message, not only what the policy asked */
	out = m->out;
	if (policy_dmarc_applied(v, &m->out, &out.disposition, &out.override) < 0)
		return;
	dmarcrep_add(m->d, &m->disc, &m->in, &out, source_ip, envelope_to);
}

static void
finish(struct msgauth *m)
{
	if (!m->ended || !m->dkim_done || !m->disc_done || m->notified)
		return;
	m->notified = 1;
	evaluate(m);
	m->done(m->d, m->sid); /* may free m: nothing after this */
}

void
msgauth_proofs(const struct msgauth *m, void (*add)(void *arg, const struct proof *p), void *arg)
{
	const struct dkim_verify *v = m->dkim ? dkim_check_verify(m->dkim) : NULL;
	struct proof p;

	for (size_t i = 0; v && i < dkim_verify_nresults(v); i++) {
		proofs_from_dkim(&p, dkim_verify_result(v, i));
		add(arg, &p);
	}
	if (v && m->with_arc) {
		const struct arc_result *r = dkim_verify_arc(v);
		struct arc_set *sets = xcalloc(r->instances + 1, sizeof(*sets));
		size_t n = 0;
		for (const struct arc_set *s;
		     (s = dkim_verify_arc_set(v, (unsigned)n + 1)) != NULL;)
			sets[n++] = *s;
		proofs_from_arc(&p, r, sets, n, m->from_domain, &m->origin);
		free(sets);
		add(arg, &p);
	}
	if (m->dmarc_on) {
		proofs_from_dmarc(&p, &m->out);
		if (p.identity[0] == '\0')
			str_copy(p.identity, sizeof(p.identity), m->from_domain);
		add(arg, &p);
	}
}

/*
 * RFC 8617 10.1 / RFC 8601 2.7: "arc=pass (2 ARC sets verified; as.2.d=
 * lists.example.org as.2.s=sel ...) smtp.remote-ip=192.0.2.1": the
 * result, the sealers newest first, and the client it came from.
 */
static void
arc_entry(const struct msgauth *m, const struct dkim_verify *v, char *comment, size_t csz,
    struct authres_multi *e)
{
	const struct arc_result *r = dkim_verify_arc(v);
	size_t len;

	str_copy(comment, csz, r->detail);
	for (unsigned i = r->instances; i >= 1; i--) {
		const struct arc_set *s = dkim_verify_arc_set(v, i);
		len = strlen(comment);
		if (s == NULL || len + 16 >= csz)
			break;
		str_fmt(comment + len, csz - len, "%sas.%u.d=%s as.%u.s=%s",
		    i == r->instances ? "; " : " ", i, s->seal_domain[0] ? s->seal_domain : "?", i,
		    s->seal_selector[0] ? s->seal_selector : "?");
	}
	*e = (struct authres_multi){ "arc", arc_cv_name(r->status), comment, { { 0 } } };
	if (m->remote_ip[0] && r->instances)
		e->props[0] = (struct authres_prop){ "smtp.remote-ip", m->remote_ip };
}

void
msgauth_authres(const struct msgauth *m, const char *authserv_id, struct strbuf *out)
{
	const struct dkim_verify *v = m->dkim ? dkim_check_verify(m->dkim) : NULL;
	struct dkim_authres *a = v ? dkim_authres_new(v, 0) : NULL;
	size_t n = 0;
	const struct authres_multi *de = a ? dkim_authres_entries(a, &n) : NULL;
	struct authres_multi *all = xcalloc(n + 2, sizeof(*all));
	struct authres_entry e;
	char comment[300], dcomment[400], arc_comment[400];
	size_t nall = 0;

	for (size_t i = 0; i < n; i++)
		all[nall++] = de[i];
	if (v && m->with_arc)
		arc_entry(m, v, arc_comment, sizeof(arc_comment), &all[nall++]);
	if (m->dmarc_on && m->out.from_domain[0]) {
		dmarc_authres(&m->out, &e, comment, sizeof(comment));
		struct authres_multi *d = &all[nall++];
		*d = (struct authres_multi){ e.method, e.result, e.reason,
			{ { e.ptype, e.value } } };
		if (m->arc_override[0]) {
			/* RFC 7489 appendix C PolicyOverrideType "local_policy", the
			 * reason being the trusted ARC chain (RFC 8617 7.2) */
			str_fmt(dcomment, sizeof(dcomment), "%s%soverridden by a trusted ARC chain",
			    e.reason ? e.reason : "", e.reason && e.reason[0] ? "; " : "");
			d->reason = dcomment;
			d->props[1] =
			    (struct authres_prop){ "policy.arc-override", m->arc_override };
		}
	} else if (m->dmarc_on) {
		all[nall++] =
		    (struct authres_multi){ "dmarc", "permerror", m->out.reason, { { 0 } } };
	}
	if (nall)
		authres_format_multi(authserv_id, NULL, 0, all, nall, out);
	free(all);
	dkim_authres_free(a);
}

enum arc_cv
msgauth_arc_cv(const struct msgauth *m)
{
	const struct dkim_verify *v = m && m->dkim ? dkim_check_verify(m->dkim) : NULL;
	const struct arc_result *a = v && m->with_arc ? dkim_verify_arc(v) : NULL;

	return a ? a->status : ARC_CV_NONE;
}

void
msgauth_remote(struct msgauth *m, const char *client_ip)
{
	if (m)
		str_copy(m->remote_ip, sizeof(m->remote_ip), client_ip ? client_ip : "");
}

void
msgauth_arc_override(struct msgauth *m, const char *sealer)
{
	if (m)
		str_copy(m->arc_override, sizeof(m->arc_override), sealer ? sealer : "");
}

void
msgauth_free(struct msgauth *m)
{
	if (m == NULL)
		return;
	dkim_check_free(m->dkim);
	dmarc_check_free(m->dmarc);
	if (m->ev)
		event_free(m->ev);
	free(m);
}
