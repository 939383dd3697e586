/*
 * config_trust: the settings of the trust policies that need more than a
 * table row (see config_int.h): refused mail classes, the trusted CAs
 * and their CRLs, the authority's releases of generations.
 */
#include "config/config.h"
#include "config/config_int.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth/gen_publish.h"
#include "auth/register.h"
#include "dns/dns_name.h"
#include "smtp/smtp_cmd.h"
#include "tls/tls_trust.h"
#include "util/str.h"

const struct conf_list *
config_refuse_classes_for(
    const struct config *cfg, const struct listener_config *l, const char *domain)
{
	for (size_t i = 0; domain && i < cfg->ndomain_overrides; i++) {
		const struct domain_config *dc = &cfg->domain_overrides[i];
		if (strcasecmp(dc->name, domain) == 0 &&
		    !conf_list_has(&dc->refuse_classes, "inherit"))
			return &dc->refuse_classes;
	}
	return &l->refuse_classes;
}

int
config_class_ok(const char *word)
{
	return register_class_known(word);
}

/* A refuse_classes list: known classes, or "none" (or "inherit", where
 * allowed) alone. 0, or -1 with a reason. */
static int
classes_check(struct conf_list *l, int inherit_ok, char *err, size_t errsz)
{
	for (size_t i = 0; i < l->n; i++) {
		const char *w = l->v[i];
		str_lower(l->v[i]);
		if (strcmp(w, "none") == 0 || (inherit_ok && strcmp(w, "inherit") == 0)) {
			if (l->n != 1) {
				snprintf(err, errsz, "refuse_classes: '%s' stands alone", w);
				return -1;
			}
			continue;
		}
		if (!config_class_ok(w)) {
			snprintf(err, errsz,
			    "refuse_classes: unknown mail class '%.60s' (business, individual, isp, government, education, bulk, other%s)",
			    w, inherit_ok ? ", none, inherit" : ", none");
			return -1;
		}
	}
	return 0;
}

int
config_check_classes(
    struct config *cfg, const char *name, const struct conf_doc *doc, struct strbuf *errs)
{
	int nerr = 0;

	for (size_t i = 0; i < cfg->nlisteners; i++) {
		char err[200];
		struct listener_config *l = &cfg->listeners[i];
		if (classes_check(&l->refuse_classes, 0, err, sizeof(err)) < 0) {
			int line = config_key_line(doc, "listener", l->name, "refuse_classes");
			config_err(errs, name, line ? line : l->line, "%s", err);
			nerr++;
		}
	}
	for (size_t i = 0; i < cfg->ndomain_overrides; i++) {
		char err[200];
		struct domain_config *dc = &cfg->domain_overrides[i];
		if (classes_check(&dc->refuse_classes, 1, err, sizeof(err)) < 0) {
			config_err(errs, name,
			    config_key_line(doc, "domain", dc->name, "refuse_classes"), "%s", err);
			nerr++;
		}
	}
	return nerr;
}

/* tls_trust_ca and tls_trust_crl: files made absolute (not the names
 * after "as"), and the CAs and CRLs loaded once to see they can be. */
int
config_check_trust(
    struct config *cfg, const char *name, const struct conf_doc *doc, struct strbuf *errs)
{
	struct tls_trust *t;
	char err[400];

	for (size_t i = 0; i < cfg->tls_trust_ca.n; i++) {
		if (strcmp(cfg->tls_trust_ca.v[i], "as") == 0) {
			i++;
			continue;
		}
		char *abs = config_make_absolute(cfg->tls_trust_ca.v[i]);
		free(cfg->tls_trust_ca.v[i]);
		cfg->tls_trust_ca.v[i] = abs;
	}
	for (size_t i = 0; i < cfg->tls_trust_crl.n; i++) {
		char *abs = config_make_absolute(cfg->tls_trust_crl.v[i]);
		free(cfg->tls_trust_crl.v[i]);
		cfg->tls_trust_crl.v[i] = abs;
	}
	t = tls_trust_new((const char *const *)cfg->tls_trust_ca.v, cfg->tls_trust_ca.n,
	    (const char *const *)cfg->tls_trust_crl.v, cfg->tls_trust_crl.n, err, sizeof(err));
	int have = t != NULL;
	tls_trust_free(t);
	if (!have && err[0]) {
		config_err(errs, name,
		    strncmp(err, "tls_trust_crl", 13) == 0
		        ? config_line2(doc, "tls_trust_crl", "tls_trust_ca")
		        : config_line2(doc, "tls_trust_ca", "tls_trust_crl"),
		    "%s", err);
		return 1;
	}
	if (have && (cfg->tls_cert == NULL || !*cfg->tls_cert)) {
		config_err(errs, name, config_line2(doc, "tls_trust_ca", "tls_cert"),
		    "tls_trust_ca is set but tls_cert is not: client certificates need TLS");
		return 1;
	}
	return 0;
}

int
config_check_xgen_publish(
    const struct config *cfg, const char *name, const struct conf_doc *doc, struct strbuf *errs)
{
	int nerr = 0;

	if (cfg->xgen_publish_name && *cfg->xgen_publish_name) {
		char err[300];
		EVP_PKEY *k = NULL;
		if (cfg->xgen_generation < 0) {
			config_err(errs, name,
			    config_line2(doc, "xgen_publish_name", "xgen_generation"),
			    "xgen_publish_name needs xgen_generation and xgen_cookie (the release to start from)");
			nerr++;
		} else if (dns_name_check(cfg->xgen_publish_name) != 0) {
			config_err(errs, name,
			    config_line2(doc, "xgen_publish_name", "xgen_generation"),
			    "xgen_publish_name: '%.80s' is not a domain name",
			    cfg->xgen_publish_name);
			nerr++;
		} else if ((k = gen_publish_key_load(
		                cfg->xgen_authority_key, 0, err, sizeof(err))) == NULL) {
			config_err(errs, name,
			    config_line2(doc, "xgen_authority_key", "xgen_publish_name"),
			    "xgen_authority_key: %s", err);
			nerr++;
		}
		EVP_PKEY_free(k);
	}
	return nerr;
}

/* The transition day ("S-DAY"): a date or a date-time, and a registrar
 * to tell registered servers from the others. Returns the errors. */
int
config_check_transition(
    struct config *cfg, const char *name, const struct conf_doc *doc, struct strbuf *errs)
{
	const char *s = cfg->transition_date ? cfg->transition_date : "";
	char full[64];
	long long t;

	cfg->transition_at = 0;
	if (*s == '\0')
		return 0;
	/* a bare date is that day's midnight, UTC */
	str_fmt(full, sizeof(full), strlen(s) == 10 ? "%sT00:00:00Z" : "%s", s);
	if (strlen(s) > 40 || smtp_datetime_parse(full, strlen(full), &t) < 0 || t <= 0) {
		config_err(errs, name, config_key_line(doc, NULL, NULL, "transition_date"),
		    "transition_date: '%.40s' is not a date (YYYY-MM-DD) or an RFC 3339 date-time",
		    s);
		return 1;
	}
	if (cfg->reg.zones.n == 0) {
		config_err(errs, name, config_key_line(doc, NULL, NULL, "transition_date"),
		    "transition_date is set but registrar_zones is not: no server can be told registered");
		return 1;
	}
	cfg->transition_at = t;
	return 0;
}
