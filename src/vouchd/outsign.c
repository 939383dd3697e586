/*
 * outsign: DKIM signing and ARC sealing of mail that leaves (see
 * outsign.h).
 */
#include "outsign.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "vouchd.h"
#include "auth/arc_seal.h"
#include "auth/dkim_config.h"
#include "auth/dkim_keys.h"
#include "auth/dkim_sign.h"
#include "auth/dmarc.h"
#include "auth/dmarc_from.h"
#include "auth/srs.h"
#include "auth/srs_config.h"
#include "config/config.h"
#include "util/log.h"
#include "util/xmalloc.h"

/* Keys of one domain that sign one message: RSA and Ed25519, and a spare. */
#define SIGN_KEYS_MAX 4

struct outsign {
	struct vouchd *d;
	struct dkim_sign *sign; /* NULL: not signing */
	struct arc_seal *seal;  /* NULL: not sealing */
	size_t skip;            /* octets still to pass unseen */
};

static struct srs_keys *
load_srs(const struct config *cfg, struct strbuf *errs)
{
	char path[4096], err[600];
	struct srs_options o;
	struct srs_keys *k;
	struct stat st;

	if (!cfg->srs.enabled)
		return NULL;
	srs_config_options(&cfg->srs, cfg->hostname, &o);
	if (srs_options_check(&o, err, sizeof(err)) < 0) {
		strbuf_printf(errs, "srs: %s\n", err);
		return NULL;
	}
	srs_config_key_file(&cfg->srs, cfg->data_dir, path, sizeof(path));
	/* like postsrsd's package, a key is made the first time */
	if (stat(path, &st) < 0 && errno == ENOENT) {
		char esc[LOG_ESC_MAX];
		if (srs_keys_create(path, err, sizeof(err)) < 0) {
			strbuf_printf(errs, "srs_key_file: %s\n", err);
			return NULL;
		}
		log_info("event=srs_key_created file=%s", log_str(esc, sizeof(esc), path));
	}
	k = srs_keys_load(path, err, sizeof(err));
	if (k == NULL)
		strbuf_printf(errs, "srs_key_file: %s\n", err);
	return k;
}

int
outsign_load(struct vouchd *d, const struct config *cfg, char *err, size_t errsz)
{
	struct dkim_keyring *sign = NULL, *seal = NULL;
	struct srs_keys *srs;
	struct strbuf errs;
	int bad;

	strbuf_init(&errs, 64 * 1024);
	bad = dkim_config_keyring(&cfg->dkim, cfg->data_dir, &sign, &seal, &errs) < 0;
	srs = load_srs(cfg, &errs);
	if (cfg->srs.enabled && srs == NULL)
		bad = 1;
	if (bad) {
		str_fmt(err, errsz, "%s", errs.s ? str_trim(errs.s) : "cannot load keys");
		strbuf_free(&errs);
		dkim_keyring_free(sign);
		dkim_keyring_free(seal);
		srs_keys_free(srs);
		return -1;
	}
	strbuf_free(&errs);
	outsign_unload(d);
	d->dkim_sign = sign;
	d->dkim_seal = seal;
	d->srs = srs;
	log_info("event=outbound_keys dkim_keys=%zu arc_seal=%s srs=%s", dkim_keyring_count(sign),
	    dkim_keyring_count(seal) ? "yes" : "no", srs ? "yes" : "no");
	return 0;
}

void
outsign_unload(struct vouchd *d)
{
	dkim_keyring_free(d->dkim_sign);
	dkim_keyring_free(d->dkim_seal);
	srs_keys_free(d->srs);
	d->dkim_sign = d->dkim_seal = NULL;
	d->srs = NULL;
}

struct outsign *
outsign_new(struct vouchd *d, const struct config *cfg, int sign, int seal)
{
	struct outsign *o;

	sign = sign && d->dkim_sign && dkim_keyring_count(d->dkim_sign) > 0;
	seal = seal && d->dkim_seal && dkim_keyring_count(d->dkim_seal) > 0;
	if (!sign && !seal)
		return NULL;
	o = xcalloc(1, sizeof(*o));
	o->d = d;
	if (sign) {
		struct dkim_sign_opts so;
		dkim_config_sign_opts(&cfg->dkim, &so);
		o->sign = dkim_sign_new(&so);
	}
	if (seal) {
		struct arc_seal_opts ao = { 0 };
		ao.max_header = (size_t)cfg->dkim.max_header;
		o->seal = arc_seal_new(&ao); /* its key and AAR come at the end */
	}
	return o;
}

void
outsign_skip(struct outsign *o, size_t n)
{
	if (o)
		o->skip += n;
}

void
outsign_feed(struct outsign *o, const char *p, size_t n)
{
	if (o == NULL)
		return;
	if (o->skip) {
		size_t k = n < o->skip ? n : o->skip;
		o->skip -= k;
		p += k;
		n -= k;
	}
	if (n == 0)
		return;
	if (o->sign)
		dkim_sign_feed(o->sign, p, n);
	if (o->seal)
		arc_seal_feed(o->seal, p, n);
}

/* The domain whose keys sign: the single From field's, else the sender's. */
static size_t
choose_keys(struct outsign *o, const char *sender, const struct dkim_signkey **keys, char *domain,
    size_t dsz)
{
	struct dkim_hdr *h;
	size_t n = 0, nfrom = 0, from = 0;

	dkim_sign_end(o->sign);
	h = dkim_sign_header(o->sign);
	for (size_t i = 0; i < h->nf; i++)
		if (dkim_hdr_is(h, i, "From", 4))
			from = i, nfrom++;
	domain[0] = '\0';
	if (nfrom == 1) {
		size_t vl;
		const char *v = dkim_hdr_value(h, from, &vl);
		if (dmarc_from_parse(v, vl, domain, dsz, NULL) != DMARC_FROM_OK)
			domain[0] = '\0';
	}
	if (domain[0])
		n = dkim_keyring_find(o->d->dkim_sign, domain, keys, SIGN_KEYS_MAX);
	if (n == 0 && sender && strrchr(sender, '@')) {
		str_copy(domain, dsz, strrchr(sender, '@') + 1);
		n = dkim_keyring_find(o->d->dkim_sign, domain, keys, SIGN_KEYS_MAX);
	}
	return n;
}

static int
do_sign(struct outsign *o, const struct outsign_msg *m, struct strbuf *fields)
{
	const struct dkim_signkey *keys[SIGN_KEYS_MAX];
	char domain[DMARC_DOMAIN_MAX + 1], err[300], esc[LOG_ESC_MAX];
	size_t n = choose_keys(o, m->sender, keys, domain, sizeof(domain));

	if (n == 0) {
		log_info("sid=%016llx qid=%s event=dkim_not_signed reason=no_key domain=%s",
		    (unsigned long long)m->sid, m->qid, log_token(esc, sizeof(esc), domain));
		return 0;
	}
	if (dkim_sign_finish(o->sign, keys, n, fields, err, sizeof(err)) < 0) {
		log_warn("sid=%016llx qid=%s event=dkim_sign_failed reason=%s",
		    (unsigned long long)m->sid, m->qid, log_str(esc, sizeof(esc), err));
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		char e2[LOG_ESC_MAX];
		log_info("sid=%016llx qid=%s event=dkim_signed d=%s s=%s a=%s",
		    (unsigned long long)m->sid, m->qid,
		    log_token(esc, sizeof(esc), keys[i]->domain),
		    log_token(e2, sizeof(e2), keys[i]->selector), dkim_alg_name(keys[i]->alg));
	}
	return 1;
}

static int
do_seal(struct outsign *o, const struct outsign_msg *m, const struct strbuf *dkim,
    struct strbuf *fields)
{
	const struct dkim_signkey *key = dkim_keyring_key(o->d->dkim_seal, 0);
	struct arc_seal_opts ao = { 0 };
	char err[300], esc[LOG_ESC_MAX];
	int rc;

	if (key == NULL)
		return 0;
	/* the AMS signs our DKIM signatures, which go above the message */
	if (dkim->len && arc_seal_prepend(o->seal, dkim->s, dkim->len) < 0) {
		log_warn(
		    "sid=%016llx qid=%s event=arc_seal_failed reason=\"header section too long\"",
		    (unsigned long long)m->sid, m->qid);
		return 0;
	}
	/* the options given at the start had no key or AAR yet */
	ao.key = key;
	ao.authres = m->authres;
	ao.cv = m->arc_cv;
	arc_seal_set(o->seal, &ao);
	rc = arc_seal_finish(o->seal, fields, err, sizeof(err));
	if (rc != 0) {
		log_warn("sid=%016llx qid=%s event=arc_not_sealed reason=%s",
		    (unsigned long long)m->sid, m->qid, log_str(esc, sizeof(esc), err));
		return 0;
	}
	char e2[LOG_ESC_MAX];
	log_info("sid=%016llx qid=%s event=arc_sealed d=%s s=%s arrival=%s",
	    (unsigned long long)m->sid, m->qid, log_token(esc, sizeof(esc), key->domain),
	    log_token(e2, sizeof(e2), key->selector), arc_cv_name(m->arc_cv));
	return 1;
}

int
outsign_finish(struct outsign *o, const struct outsign_msg *m, struct strbuf *head)
{
	struct strbuf dkim, arc;
	int n = 0;

	if (o == NULL)
		return 0;
	strbuf_init(&dkim, 256 * 1024);
	strbuf_init(&arc, 256 * 1024);
	if (o->sign)
		n += do_sign(o, m, &dkim);
	if (o->seal)
		n += do_seal(o, m, &dkim, &arc);
	/* RFC 8617 5.1: the ARC set of the last hop on top */
	strbuf_append(head, arc.s, arc.len);
	strbuf_append(head, dkim.s, dkim.len);
	strbuf_free(&dkim);
	strbuf_free(&arc);
	return n;
}

void
outsign_free(struct outsign *o)
{
	if (o == NULL)
		return;
	dkim_sign_free(o->sign);
	arc_seal_free(o->seal);
	free(o);
}
