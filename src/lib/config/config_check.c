/*
 * config_check: the checks of a configuration that need more than one row
 * of a table (see config_int.h), each error with its file and line.
 */
#include "config/config_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "auth/dkim_config.h"
#include "auth/dkim_keys.h"
#include "auth/srs.h"
#include "auth/srs_config.h"
#include "smtp/smtp_addr.h"
#include "util/xmalloc.h"

int
config_key_line(const struct conf_doc *doc, const char *kind, const char *label, const char *key)
{
	int line = 0;

	for (size_t b = 0; doc && b < doc->nblocks; b++) {
		const struct conf_block *blk = &doc->blocks[b];
		if (kind == NULL ? blk->kind != NULL
		                 : blk->kind == NULL || strcmp(blk->kind, kind) != 0 ||
		            (label && (blk->label == NULL || strcmp(blk->label, label) != 0)))
			continue;
		if (kind && line == 0)
			line = blk->line;
		for (size_t i = 0; i < blk->nitems; i++)
			if (strcmp(blk->items[i].key, key) == 0)
				line = blk->items[i].line;
	}
	return line;
}

void
config_err(struct strbuf *errs, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	if (line > 0)
		strbuf_printf(errs, "%s:%d: ", file, line);
	else
		strbuf_printf(errs, "%s: ", file);
	va_start(ap, fmt);
	strbuf_vprintf(errs, fmt, ap);
	va_end(ap);
	strbuf_puts(errs, "\n");
}

void
config_errs_at_keys(
    struct strbuf *errs, const char *file, const struct conf_doc *doc, const char *lines)
{
	const char *p = lines;

	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		const char *colon = memchr(p, ':', n);
		char key[128] = "";

		if (colon && (size_t)(colon - p) < sizeof(key)) {
			memcpy(key, p, (size_t)(colon - p));
			key[colon - p] = '\0';
		}
		config_err(errs, file, key[0] ? config_key_line(doc, NULL, NULL, key) : 0, "%.*s",
		    (int)n, p);
		p = nl ? nl + 1 : NULL;
	}
}

/* Writable by every user: anyone could put files (or symlinks) there. */
static int
others_may_write(const struct stat *st)
{
	return (st->st_mode & S_IWOTH) != 0;
}

int
config_check_identity(
    const struct config *cfg, const char *file, const struct conf_doc *doc, struct strbuf *errs)
{
	int nerr = 0, set = config_key_line(doc, NULL, NULL, "hostname");
	size_t n = strlen(cfg->hostname);
	struct stat st;

	/* RFC 5321 4.1.2: our name in the greeting, EHLO and Received is a
	 * domain name (LDH labels; A-labels for IDNs), one final dot allowed. */
	if (n > 1 && cfg->hostname[n - 1] == '.')
		n--;
	if (!smtp_addr_domain_ok(cfg->hostname, n, 0)) {
		config_err(errs, file, set,
		    "hostname: '%s'%s is not a domain name (letters, digits, hyphens and dots; "
		    "IDNs as A-labels)",
		    cfg->hostname, set ? "" : " (the system's name)");
		nerr++;
	}
	if (stat(cfg->data_dir, &st) == 0) {
		int line = config_key_line(doc, NULL, NULL, "data_dir");
		if (!S_ISDIR(st.st_mode)) {
			config_err(errs, file, line, "data_dir: %s is not a folder", cfg->data_dir);
			nerr++;
		} else if (others_may_write(&st)) {
			config_err(errs, file, line,
			    "data_dir: %s is writable by every user (mode %04o): vouch keeps its "
			    "queue, mail and state only in a folder others cannot write (chmod o-w)",
			    cfg->data_dir, (unsigned)(st.st_mode & 07777));
			nerr++;
		}
	}
	return nerr;
}

static int
key_entry_ok(const char *entry)
{
	char d[DKIM_DOMAIN_MAX + 1], sel[DKIM_DOMAIN_MAX + 1];

	return dkim_config_split(entry, d, sizeof(d), sel, sizeof(sel)) == 0 &&
	    dkim_keyring_name_ok(d) && dkim_keyring_name_ok(sel);
}

int
config_check_outbound_auth(
    const struct config *cfg, const char *file, const struct conf_doc *doc, struct strbuf *errs)
{
	const struct srs_config *srs = &cfg->srs;
	int nerr = 0;

	for (size_t i = 0; i < cfg->dkim.sign_keys.n; i++) {
		if (key_entry_ok(cfg->dkim.sign_keys.v[i]))
			continue;
		config_err(errs, file, config_key_line(doc, NULL, NULL, "dkim_sign_keys"),
		    "dkim_sign_keys: '%.80s' is not DOMAIN:SELECTOR", cfg->dkim.sign_keys.v[i]);
		nerr++;
	}
	if (cfg->dkim.arc_seal_key[0] && !key_entry_ok(cfg->dkim.arc_seal_key)) {
		config_err(errs, file, config_key_line(doc, NULL, NULL, "arc_seal_key"),
		    "arc_seal_key: '%.80s' is not DOMAIN:SELECTOR", cfg->dkim.arc_seal_key);
		nerr++;
	}
	if (srs->domain[0] && !smtp_addr_domain_ok(srs->domain, strlen(srs->domain), 0)) {
		config_err(errs, file, config_key_line(doc, NULL, NULL, "srs_domain"),
		    "srs_domain: '%.80s' is not a domain name", srs->domain);
		nerr++;
	}
	if (srs->hash_min > srs->hash_length) {
		int line = config_key_line(doc, NULL, NULL, "srs_hash_min");
		config_err(errs, file,
		    line ? line : config_key_line(doc, NULL, NULL, "srs_hash_length"),
		    "srs_hash_min: %lld is more than srs_hash_length (%lld)", srs->hash_min,
		    srs->hash_length);
		nerr++;
	}
	if (srs->enabled) {
		char path[4096], err[600];
		struct stat st;
		srs_config_key_file(srs, cfg->data_dir, path, sizeof(path));
		/* a missing file is made by vouchd; one that is there must load */
		if (stat(path, &st) == 0) {
			struct srs_keys *k = srs_keys_load(path, err, sizeof(err));
			if (k == NULL) {
				int line = config_key_line(doc, NULL, NULL, "srs_key_file");
				config_err(errs, file,
				    line ? line : config_key_line(doc, NULL, NULL, "srs"),
				    "srs_key_file: %s", err);
				nerr++;
			}
			srs_keys_free(k);
		}
	}
	return nerr;
}

int
config_check_file(const char *path, struct strbuf *errs)
{
	struct stat st;
	char dir[4096];
	const char *slash = strrchr(path, '/');
	int nerr = 0;

	if (stat(path, &st) == 0 && others_may_write(&st)) {
		config_err(errs, path, 0,
		    "the configuration file is writable by every user (mode %04o): chmod o-w",
		    (unsigned)(st.st_mode & 07777));
		nerr++;
	}
	if (slash == NULL)
		str_copy(dir, sizeof(dir), ".");
	else if (slash == path)
		str_copy(dir, sizeof(dir), "/");
	else if ((size_t)(slash - path) < sizeof(dir)) {
		memcpy(dir, path, (size_t)(slash - path));
		dir[slash - path] = '\0';
	} else
		return nerr;
	/* A sticky folder (/tmp) keeps others from replacing the file. */
	if (stat(dir, &st) == 0 && others_may_write(&st) && !(st.st_mode & S_ISVTX)) {
		config_err(errs, path, 0,
		    "the folder %s holding the configuration is writable by every user "
		    "(mode %04o): anyone could replace the file",
		    dir, (unsigned)(st.st_mode & 07777));
		nerr++;
	}
	return nerr;
}
