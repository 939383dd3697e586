/*
 * config_int: what config.c and config_check.c share while a
 * configuration is being built. Private to src/lib/config.
 */
#ifndef VOUCH_CONFIG_CONFIG_INT_H
#define VOUCH_CONFIG_CONFIG_INT_H

#include "config/config.h"

/*
 * The line that set key in the file: in the top-level block (kind NULL),
 * or in the block "kind label". The last one wins, as in the file; 0 when
 * the key kept its default, the block's own line when only the block is
 * there.
 */
int
config_key_line(const struct conf_doc *doc, const char *kind, const char *label, const char *key);
/* "file:line: message\n" (or "file: message\n" without a line). */
void config_err(struct strbuf *errs, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/*
 * A subsystem's errors are "key: message" lines (spf_known, dnsbl_zones,
 * ...): append each to errs with the file and the line of its key.
 */
void config_errs_at_keys(
    struct strbuf *errs, const char *file, const struct conf_doc *doc, const char *lines);
/*
 * What only the finished configuration can show: the host name is a
 * domain name, data_dir is not a folder every user may write. Returns the
 * number of errors added.
 */
int config_check_identity(
    const struct config *cfg, const char *file, const struct conf_doc *doc, struct strbuf *errs);
/* What signs and rewrites outbound mail: the shape of dkim_sign_keys and
 * arc_seal_key entries (their files are read by vouchd), srs_domain, the
 * SRS hash bounds, and an existing SRS key file (others may not read it).
 * Returns the number of errors added. */
int config_check_outbound_auth(
    const struct config *cfg, const char *file, const struct conf_doc *doc, struct strbuf *errs);
/* The configuration file, and the folder it is in, may not be writable by
 * every user (they decide what vouchd and vouchctl do as root). */
int config_check_file(const char *path, struct strbuf *errs);

/* The line of a top-level key, or of another when the first is unset. */
int config_line2(const struct conf_doc *doc, const char *key, const char *other);
/* path made absolute against the current directory (a new string). */
char *config_make_absolute(const char *path);
/* config_trust.c: refuse_classes of listeners and domain blocks;
 * tls_trust_ca and tls_trust_crl (files made absolute, loaded once);
 * xgen_publish_name and its key. Each returns the errors added. */
int config_check_classes(
    struct config *cfg, const char *name, const struct conf_doc *doc, struct strbuf *errs);
int config_check_trust(
    struct config *cfg, const char *name, const struct conf_doc *doc, struct strbuf *errs);
int config_check_xgen_publish(
    const struct config *cfg, const char *name, const struct conf_doc *doc, struct strbuf *errs);
/* The transition day: transition_date parsed into transition_at, and a
 * registrar to tell registered servers by (config_trust.c). */
int config_check_transition(
    struct config *cfg, const char *name, const struct conf_doc *doc, struct strbuf *errs);
/* config_msgauth.c: arc_trusted_sealers (normalized), the DMARC suffix
 * list, the aggregate report settings. Returns the errors added. */
int config_check_msgauth(
    struct config *cfg, const char *name, const struct conf_doc *doc, struct strbuf *errs);

#endif
