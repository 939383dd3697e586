/*
 * config: vouchd's effective configuration, an immutable value built from
 * the embedded defaults and an optional file (util/conf.h syntax).
 *
 * A loaded struct config is never modified; SIGHUP builds a new one and
 * swaps the pointer, so a session keeps the settings it started with.
 * Each setting is a row in a table in config.c (or in the table of the
 * subsystem that owns it); docs/configuration.md describes every row.
 */
#ifndef VOUCH_CONFIG_CONFIG_H
#define VOUCH_CONFIG_CONFIG_H

#include "auth/callout_config.h"
#include "auth/dkim_config.h"
#include "auth/dmarc_config.h"
#include "auth/srs_config.h"
#include "auth/dnslist_config.h"
#include "auth/register_config.h"
#include "auth/spf_config.h"
#include "dns/dns_config.h"
#include "msg/mime_config.h"
#include "policy/challenge_config.h"
#include "policy/stats_config.h"
#include "store/store_config.h"
#include "util/conf.h"
#include "util/str.h"

enum config_log_to { CONFIG_LOG_STDERR, CONFIG_LOG_SYSLOG, CONFIG_LOG_BOTH };
enum config_outbound_tls { CONFIG_OUTBOUND_TLS_NONE, CONFIG_OUTBOUND_TLS_MAY };

/* What a check's result leads to, from mildest to strictest. */
enum config_action {
	CONFIG_ACT_IGNORE,   /* recorded in the headers, nothing else */
	CONFIG_ACT_TAG,      /* delivered with a tagged subject */
	CONFIG_ACT_UNSAFE,   /* delivered to the .Unsafe folder */
	CONFIG_ACT_TEMPFAIL, /* 4xx: try again later */
	CONFIG_ACT_REJECT,   /* 5xx */
	CONFIG_ACT_MODE,     /* what the mode says: reject (hard), unsafe (soft), ignore (off) */
};

/* How unverified mail is treated (DESIGN 6). */
enum config_mode { CONFIG_MODE_OFF, CONFIG_MODE_SOFT, CONFIG_MODE_HARD };
extern const char *const config_mode_names[];
extern const char *const config_action_names[];

enum listener_tls { LISTENER_TLS_NONE, LISTENER_TLS_STARTTLS, LISTENER_TLS_IMPLICIT };

/* One "listener NAME { ... }" block: a socket vouchd accepts SMTP on. */
struct listener_config {
	char *name;    /* the block's label */
	int line;      /* of the block in the file (0: the embedded default); not a setting */
	char *address; /* host:port, [v6]:port */
	long long backlog;
	int tls;        /* enum listener_tls */
	int submission; /* MAIL needs AUTH; users may relay */
	int auth;       /* offer AUTH (after TLS) */
	/* what to do with each SPF result (enum config_action) */
	int spf_fail, spf_softfail, spf_neutral, spf_none, spf_temperror, spf_permerror;
	/* the trust layer */
	int mode;   /* enum config_mode */
	int strict; /* refuse HELO names that do not check out; XSTRICT */
	int xvouch; /* offer XVOUCH */
	int xvouch_fail, xvouch_none, xvouch_temperror;
	int register_suspended, register_unregistered, register_temperror;
	int xgen_invalid, xgen_too_old;
	int xgen_none;        /* no XGEN from the client, when we offer generations */
	int tls_cert_fail;    /* a client certificate that proves nothing (tls_trust_ca) */
	int tls_cert_revoked; /* a trusted CA's client certificate, revoked by its CRL */
	struct conf_list refuse_classes;   /* register mail classes refused (DESIGN 5.3) */
	int dnsbl_listed, dnsbl_temperror; /* DNS block lists (dnsbl_zones) */
	int callout;                       /* call back the return path's MX (CBV) */
	int callout_fail, callout_nodomain, callout_catchall, callout_temperror;
	/* end of data: a message that fails DMARC, by what its domain asks */
	int dmarc_reject, dmarc_quarantine, dmarc_temperror;
};

/* "domain NAME { ... }": per recipient domain overrides. */
struct domain_config {
	char *name;
	int mode;                        /* enum config_mode */
	struct conf_list refuse_classes; /* "inherit": the listener's */
	int challenge;                   /* challenge/response for its recipients by default */
};

struct config {
	char *path; /* file loaded, or NULL for the embedded default */
	int refs;   /* holders (vouchd sessions); not a setting */

	/* identity and files */
	char *hostname;       /* our name in greeting, EHLO, Received */
	char *data_dir;       /* absolute after config_load */
	char *user;           /* account to drop to when started as root */
	char *control_socket; /* default <data_dir>/control.sock */
	char *aliases;        /* alias table path; "" = none */
	char *users;          /* local users file; default <data_dir>/users */
	int log_level;        /* enum log_level */
	int log_to;           /* enum config_log_to */

	/* what we accept mail for */
	struct conf_list domains;
	char *postmaster; /* who hears about locked accounts; "" = postmaster@<first domain> */

	/* TLS */
	char *tls_cert;
	char *tls_key;
	char *tls_ciphers;
	char *tls_client_ca;
	struct conf_list tls_trust_ca;  /* "FILE [as NAME]" words (tls/tls_trust.h) */
	struct conf_list tls_trust_crl; /* PEM CRL files of the trusted CAs */

	/* submission */
	long long auth_max_failures_ip;
	long long auth_max_failures_user;
	long long auth_lockout;         /* ms */
	long long auth_user_per_minute; /* checks for one user from new addresses */
	long long auth_user_max_wait;   /* ms an attempt may wait for its turn */
	long long submission_max_rcpt_msg;
	long long submission_max_rcpt_day;
	long long future_release_max; /* ms a submission may be held (RFC 4865); 0 = off */

	/* the transition period ("S-DAY") for mail from unregistered servers */
	char *transition_date;             /* as written; "" = no transition */
	long long transition_at;           /* transition_date as unix s (validated); 0 = none */
	int transition_action;             /* enum config_action after the date */
	int transition_notice;             /* before it: a notice block in the message */
	int transition_reply;              /* before it: one auto-reply per sender per period */
	long long transition_reply_period; /* ms */
	char *transition_url;              /* where the registered providers are listed */

	/* outbound */
	char *relayhost; /* host[:port] for all remote mail; "" = direct (MX) */
	char *relayhost_user;
	char *relayhost_password_file;
	long long outbound_port;
	char *outbound_bind; /* local address to send from; "" = any */
	long long outbound_max_connections;
	long long outbound_max_per_destination;
	long long outbound_reuse_limit; /* messages per connection, 0 = no limit */
	int outbound_tls;               /* enum config_outbound_tls */
	struct conf_list tls_required_domains;
	char *outbound_tls_ca; /* CA file for verifying servers; "" = system store */
	long long outbound_timeout_connect;
	long long outbound_timeout_command;
	long long outbound_timeout_data;
	long long delay_warning; /* ms: send a delay DSN once after this */
	long long dsn_max_full;  /* longer originals are returned as headers */

	/* limits: RFC 5321 4.5.3 minimums are the floors */
	long long max_command_line;
	long long max_text_line;
	long long max_recipients;
	long long max_message_size;
	long long max_errors;
	long long max_junk_commands;
	long long max_connections;
	long long max_connections_per_ip;
	long long fd_reserve; /* descriptors kept for all but sessions; 0 = automatic */
	long long min_free_space;
	long long timeout_command;    /* ms */
	long long timeout_data_block; /* ms */
	long long timeout_data;       /* ms */
	long long min_data_rate;      /* bytes per second, after data_rate_grace */
	long long data_rate_grace;    /* ms */
	long long shutdown_timeout;   /* ms */

	/* queue */
	long long commit_delay;         /* ms a commit batch may wait to grow */
	long long retry_min;            /* ms before the first retry */
	long long retry_max;            /* ms: the back-off stops growing here */
	long long queue_lifetime;       /* ms a message may stay before it bounces */
	long long max_local_deliveries; /* messages in local delivery at once */
	long long local_delivery_threads;

	/* trust layer (global) */
	struct conf_list allow_networks; /* clients trusted as verified */
	long long xvouch_port;
	long long xvouch_timeout;            /* ms for a whole callback */
	int xvouch_allow_private;            /* call back loopback/private addresses (tests) */
	long long xvouch_max_concurrent;     /* callback connections open to one target */
	long long xvouch_max_per_minute;     /* callback connections opened to one target */
	long long xvouch_idle;               /* ms an idle callback connection is kept */
	long long xvouch_max_checks;         /* checks per callback connection */
	long long xvouch_check_max_failures; /* unknown ids per asker per minute, then 421 */
	long long xvouch_required_time;      /* ms a denied client must vouch (hard mode) */
	long long xvouch_session_ttl;        /* ms an outbound session id stays valid at most */
	int xvouch_send;                     /* vouch for our own outbound sessions */
	long long helo_timeout;              /* ms for the HELO and reverse DNS checks */
	long long xgen_generation;           /* our software generation, -1 = none */
	char *xgen_cookie;                   /* its cookie, 64 hex digits */
	long long xgen_tolerance;            /* generations older than ours still accepted */
	long long xgen_max_newer;            /* generations newer than ours still checked */
	char *xgen_publish_name;             /* TXT name of the authority's releases; "" = none */
	char *xgen_authority_key;            /* its Ed25519 public key (PEM) */
	long long xgen_refresh;              /* ms between looks at xgen_publish_name */

	struct listener_config *listeners;
	size_t nlisteners;
	struct domain_config *domain_overrides;
	size_t ndomain_overrides;

	/* subsystems' own settings (config_parts[]) */
	struct dns_config dns;
	struct spf_config spf;
	struct spf_known *spf_known; /* built from spf.known when loading */
	struct callout_config callout;
	struct dnslist_config dnslist;
	struct register_config reg;
	struct mime_config unsafe;         /* the copy that goes to .Unsafe */
	struct stats_config stats;         /* the Prometheus endpoint */
	struct dkim_config dkim;           /* DKIM and ARC */
	struct dmarc_config dmarc;         /* DMARC of inbound mail */
	struct challenge_config challenge; /* challenge/response (policy/challenge.h) */
	struct srs_config srs;             /* SRS of forwarded mail */
	struct store_config store;         /* shared state: SQLite or Redis (a cluster) */
};

/*
 * Build a configuration: the embedded defaults, then the file at path
 * (NULL: none). Relative paths are made absolute against the current
 * directory. On error, every problem is appended to errs as
 * "file:line: message" and NULL is returned.
 */
struct config *config_load(const char *path, struct strbuf *errs);
/* Same, then "key=value" overrides (vouchd -o) applied over the file. */
struct config *config_load_overrides(
    const char *path, char *const *overrides, size_t noverrides, struct strbuf *errs);
/* Same, from text already in memory (for tests); name is used in errors. */
struct config *
config_load_text(const char *text, size_t len, const char *name, struct strbuf *errs);
/* The address told about account problems. */
const char *config_postmaster(const struct config *cfg, char *buf, size_t bufsz);
void config_free(struct config *cfg);
/* Take and drop a reference (event loop thread only); the last unref frees. */
struct config *config_ref(struct config *cfg);
void config_unref(struct config *cfg);
/* Print the effective configuration in the file's syntax. */
void config_print(const struct config *cfg, struct strbuf *out);
/* The mode for mail to domain through listener l (a domain block wins). */
int config_mode_for(const struct config *cfg, const struct listener_config *l, const char *domain);
/*
 * The register mail classes refused for mail to domain through l: the
 * domain block's refuse_classes unless it says "inherit", else the
 * listener's; an empty list (or "none") refuses none.
 */
const struct conf_list *config_refuse_classes_for(
    const struct config *cfg, const struct listener_config *l, const char *domain);
/* Is word a mail class refuse_classes may name (register.h's, or "other")? */
int config_class_ok(const char *word);
/* Challenge/response for mail to domain by default (its domain block). */
int config_challenge_for(const struct config *cfg, const char *domain);
/* True if domain is one we accept mail for (ASCII case-insensitive). */
int config_is_local_domain(const struct config *cfg, const char *domain);

/*
 * A subsystem that owns settings (dns, spf, tls, ...) declares its own
 * struct and conf_key table in its own files and adds one row to
 * config_parts[] in config.c naming the table and where its struct sits in
 * struct config. Top-level keys are looked up across all parts.
 */
struct config_part {
	const char *name;
	const struct conf_key *keys;
	size_t offset; /* offsetof(struct config, <member>) */
};
extern const struct config_part config_parts[];

extern const struct conf_key config_global_keys[];
extern const struct conf_key config_listener_keys[];
extern const struct conf_key config_domain_keys[];

#endif
