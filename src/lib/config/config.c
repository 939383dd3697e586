/*
 * config: the settings tables and loading of vouchd's configuration.
 */
#include "config/config.h"
#include "config/config_int.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "auth/dmarc_report.h"
#include "auth/gen.h"
#include "auth/register.h"
#include "auth/spf_known.h"
#include "dns/dns_name.h"
#include "smtp/smtp_cmd.h"
#include "util/log.h"
#include "util/xmalloc.h"

#define G(f) offsetof(struct config, f)
#define L(f) offsetof(struct listener_config, f)
#define KB 1024LL
#define MB (1024LL * 1024LL)
#define SEC 1000LL
#define MIN (60LL * SEC)
#define HOUR (60LL * MIN)

const char *const config_action_names[] = { "ignore", "tag", "unsafe", "tempfail", "reject", "mode",
	NULL };
const char *const config_mode_names[] = { "off", "soft", "hard", NULL };
static const char *const outbound_tls_modes[] = { "none", "may", NULL };
static const char *const tls_modes[] = { "none", "starttls", "implicit", NULL };
static const char *const log_levels[] = { "err", "warn", "notice", "info", "debug", NULL };
static const char *const log_sinks[] = { "stderr", "syslog", "both", NULL };

const struct conf_key config_global_keys[] = {
	{ "hostname", CONF_STR, G(hostname), "", 0, 0, NULL,
	    "name used in the greeting, EHLO and Received headers; empty = the system's name" },
	{ "data_dir", CONF_STR, G(data_dir), "var", 0, 0, NULL,
	    "directory for the queue, mailboxes, state and the control socket" },
	{ "user", CONF_STR, G(user), "vouch", 0, 0, NULL,
	    "unprivileged account vouchd switches to for good when started as root" },
	{ "control_socket", CONF_STR, G(control_socket), "", 0, 0, NULL,
	    "path of vouchctl's control socket; empty = <data_dir>/control.sock" },
	{ "aliases", CONF_STR, G(aliases), "", 0, 0, NULL,
	    "alias table (\"address: target, target\"); empty = none" },
	{ "users", CONF_STR, G(users), "", 0, 0, NULL,
	    "local users file managed by vouchctl; empty = <data_dir>/users" },
	{ "log_level", CONF_ENUM, G(log_level), "info", 0, 0, log_levels,
	    "least important events logged" },
	{ "log_to", CONF_ENUM, G(log_to), "stderr", 0, 0, log_sinks, "where log lines go" },
	{ "domains", CONF_LIST, G(domains), "localhost", 0, 0, NULL,
	    "domains vouchd accepts mail for and delivers locally" },
	{ "postmaster", CONF_STR, G(postmaster), "", 0, 0, NULL,
	    "address told about locked accounts and other incidents; empty = postmaster@<first domain>" },
	{ "tls_cert", CONF_STR, G(tls_cert), "", 0, 0, NULL,
	    "PEM certificate chain for STARTTLS and implicit TLS; empty = no TLS" },
	{ "tls_key", CONF_STR, G(tls_key), "", 0, 0, NULL,
	    "PEM private key of tls_cert (readable by vouchd's user for SIGHUP reloads)" },
	{ "tls_ciphers", CONF_STR, G(tls_ciphers),
	    "ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM:DHE+CHACHA20:!aNULL:!MD5:!DSS", 0, 0, NULL,
	    "OpenSSL cipher list for TLS 1.2 (TLS 1.3 uses OpenSSL's suites)" },
	{ "tls_client_ca", CONF_STR, G(tls_client_ca), "", 0, 0, NULL,
	    "PEM CA file: ask clients for certificates and verify them (a proof, never a refusal)" },
	{ "tls_trust_ca", CONF_LIST, G(tls_trust_ca), NULL, 0, 0, NULL,
	    "trusted CAs: \"FILE [as NAME]\", more with +=; a client certificate from one that names the HELO name proves the server (like XVOUCH)" },
	{ "tls_trust_crl", CONF_LIST, G(tls_trust_crl), NULL, 0, 0, NULL,
	    "PEM CRL files of the trusted CAs: a revoked client certificate proves nothing" },
	{ "auth_max_failures_ip", CONF_INT, G(auth_max_failures_ip), "10", 1, 100000, NULL,
	    "failed AUTH attempts from one address before it is locked out for auth_lockout" },
	{ "auth_max_failures_user", CONF_INT, G(auth_max_failures_user), "5", 1, 100000, NULL,
	    "failed AUTH attempts for one user from one address before that pair is locked out" },
	{ "auth_lockout", CONF_DURATION, G(auth_lockout), "15m", 1 * SEC, 7 * 24 * HOUR, NULL,
	    "how long an AUTH lockout lasts (and the window failures are counted in)" },
	{ "auth_user_per_minute", CONF_INT, G(auth_user_per_minute), "10", 1, 100000, NULL,
	    "password checks per minute for one user from addresses it has not logged in from (all together); more wait" },
	{ "auth_user_max_wait", CONF_DURATION, G(auth_user_max_wait), "15s", 0, 5 * MIN, NULL,
	    "longest an AUTH attempt waits for its turn under auth_user_per_minute before it gets 454 4.7.0" },
	{ "submission_max_rcpt_msg", CONF_INT, G(submission_max_rcpt_msg), "100", 1, 100000, NULL,
	    "recipients per submitted message (per-user max_rcpt_msg overrides)" },
	{ "submission_max_rcpt_day", CONF_INT, G(submission_max_rcpt_day), "300", 1, 100000000,
	    NULL,
	    "recipients a user may send to in 24 hours before the account is locked for sending" },
	{ "future_release_max", CONF_DURATION, G(future_release_max), "7d", 0, 366 * 24 * HOUR,
	    NULL,
	    "longest a submitted message may be held with HOLDFOR/HOLDUNTIL (RFC 4865 FUTURERELEASE); 0 = not offered" },
	{ "transition_date", CONF_STR, G(transition_date), "", 0, 0, NULL,
	    "the transition day (YYYY-MM-DD, UTC, or an RFC 3339 date-time) after which mail from unregistered servers gets transition_action; empty = no transition" },
	{ "transition_action", CONF_ENUM, G(transition_action), "mode", 0, 0, config_action_names,
	    "what mail from a server no registrar lists gets after transition_date (needs registrar_zones)" },
	{ "transition_notice", CONF_BOOL, G(transition_notice), "no", 0, 0, NULL,
	    "before transition_date: add a notice part at the top of mail from unregistered servers" },
	{ "transition_reply", CONF_BOOL, G(transition_reply), "no", 0, 0, NULL,
	    "before transition_date: tell the proven sender of such mail, once per transition_reply_period" },
	{ "transition_reply_period", CONF_DURATION, G(transition_reply_period), "30d", 1 * HOUR,
	    366 * 24 * HOUR, NULL, "how often one sender gets the transition_reply" },
	{ "transition_url", CONF_STR, G(transition_url), "", 0, 0, NULL,
	    "a page listing the registered mail providers, named in the notice and the reply" },
	{ "relayhost", CONF_STR, G(relayhost), "", 0, 0, NULL,
	    "send all remote mail through this host[:port] (a smarthost); empty = deliver by MX" },
	{ "relayhost_user", CONF_STR, G(relayhost_user), "", 0, 0, NULL,
	    "user name for AUTH PLAIN at the relayhost (requires TLS there)" },
	{ "relayhost_password_file", CONF_STR, G(relayhost_password_file), "", 0, 0, NULL,
	    "file holding the relayhost password (first line); readable by vouchd's user only" },
	{ "outbound_port", CONF_INT, G(outbound_port), "25", 1, 65535, NULL,
	    "port remote MX hosts are contacted on" },
	{ "outbound_bind", CONF_STR, G(outbound_bind), "", 0, 0, NULL,
	    "local IP address outbound connections come from; empty = the system's choice" },
	{ "outbound_max_connections", CONF_INT, G(outbound_max_connections), "100", 1, 100000, NULL,
	    "outbound SMTP connections at once, in total" },
	{ "outbound_max_per_destination", CONF_INT, G(outbound_max_per_destination), "10", 1, 10000,
	    NULL, "outbound SMTP connections at once to one destination domain" },
	{ "outbound_reuse_limit", CONF_INT, G(outbound_reuse_limit), "0", 0, 1000000, NULL,
	    "messages one outbound connection carries before it is closed; 0 = no limit (as Postfix's smtp_connection_reuse_count_limit)" },
	{ "outbound_tls", CONF_ENUM, G(outbound_tls), "may", 0, 0, outbound_tls_modes,
	    "STARTTLS when the server offers it (may), or never (none)" },
	{ "tls_required_domains", CONF_LIST, G(tls_required_domains), "", 0, 0, NULL,
	    "destinations that get mail only over TLS with a certificate that verifies for the MX name" },
	{ "outbound_tls_ca", CONF_STR, G(outbound_tls_ca), "", 0, 0, NULL,
	    "CA file for verifying servers' certificates; empty = the system's store" },
	{ "outbound_timeout_connect", CONF_DURATION, G(outbound_timeout_connect), "30s", 1 * SEC,
	    10 * MIN, NULL, "time to establish an outbound connection" },
	{ "outbound_timeout_command", CONF_DURATION, G(outbound_timeout_command), "5m", 1 * SEC,
	    1 * HOUR, NULL, "time a remote server has to answer a command (RFC 5321 4.5.3.2)" },
	{ "outbound_timeout_data", CONF_DURATION, G(outbound_timeout_data), "10m", 1 * SEC,
	    1 * HOUR, NULL,
	    "time a remote server has to answer the end of a message (RFC 5321 4.5.3.2.6)" },
	{ "delay_warning", CONF_DURATION, G(delay_warning), "4h", 1 * SEC, 30 * 24 * HOUR, NULL,
	    "a message still undelivered after this gets one delay notification (DSN)" },
	{ "dsn_max_full", CONF_SIZE, G(dsn_max_full), "100k", 0, 100 * MB, NULL,
	    "a bounce returns the whole message up to this size, otherwise its headers" },
	{ "allow_networks", CONF_LIST, G(allow_networks), "127.0.0.0/8 ::1", 0, 0, NULL,
	    "client networks trusted as verified (no XVOUCH needed, SPF not enforced)" },
	{ "xvouch_port", CONF_INT, G(xvouch_port), "25", 1, 65535, NULL,
	    "port of the vouching callback to the host the client's EHLO name resolves to" },
	{ "xvouch_timeout", CONF_DURATION, G(xvouch_timeout), "15s", 1 * SEC, 5 * MIN, NULL,
	    "time a whole vouching callback may take before it is a temporary failure" },
	{ "xvouch_allow_private", CONF_BOOL, G(xvouch_allow_private), "no", 0, 0, NULL,
	    "allow callbacks to loopback, private, link-local addresses (test worlds only)" },
	{ "xvouch_max_concurrent", CONF_INT, G(xvouch_max_concurrent), "2", 1, 1000, NULL,
	    "callback connections open at once to one target address (checks on an open one do not count)" },
	{ "xvouch_max_per_minute", CONF_INT, G(xvouch_max_per_minute), "20", 1, 100000, NULL,
	    "callback connections opened per minute to one target address (checks on an open one do not count)" },
	{ "xvouch_idle", CONF_DURATION, G(xvouch_idle), "60s", 1 * SEC, 1 * HOUR, NULL,
	    "how long an idle callback connection is kept open for the next session's check" },
	{ "xvouch_max_checks", CONF_INT, G(xvouch_max_checks), "1000", 1, 1000000, NULL,
	    "checks one callback connection carries before it is closed" },
	{ "xvouch_check_max_failures", CONF_INT, G(xvouch_check_max_failures), "1000", 1, 10000000,
	    NULL,
	    "as the vouching host: unknown ids one asking address may ask about per minute before it gets 421 (known ids are always confirmed)" },
	{ "xvouch_required_time", CONF_DURATION, G(xvouch_required_time), "24h", 0, 30 * 24 * HOUR,
	    NULL,
	    "in hard mode, how long a client address whose session was denied must vouch for every session (0 = never marked)" },
	{ "xvouch_session_ttl", CONF_DURATION, G(xvouch_session_ttl), "1h", 1 * MIN, 24 * HOUR,
	    NULL, "longest life of an outbound session's id in our session table" },
	{ "xvouch_send", CONF_BOOL, G(xvouch_send), "yes", 0, 0, NULL,
	    "vouch for our own outbound sessions when the receiver offers XVOUCH" },
	{ "xgen_generation", CONF_INT, G(xgen_generation), "-1", -1, 1000000, NULL,
	    "our software generation (DESIGN 5.2); -1 = XGEN off" },
	{ "xgen_cookie", CONF_STR, G(xgen_cookie), "", 0, 0, NULL,
	    "the cookie of xgen_generation, 64 hex digits (vouchctl gen cookie)" },
	{ "xgen_tolerance", CONF_INT, G(xgen_tolerance), "10", 0, 1000000, NULL,
	    "how many generations older than ours a client may be" },
	{ "xgen_max_newer", CONF_INT, G(xgen_max_newer), "1000", 0, 1000000, NULL,
	    "how many generations newer than ours a client's cookie is checked (hashed) for; newer is too-new" },
	{ "xgen_publish_name", CONF_STR, G(xgen_publish_name), "", 0, 0, NULL,
	    "DNS name whose TXT record holds the authority's signed release of the next generation (docs/protocol.md); empty = none" },
	{ "xgen_authority_key", CONF_STR, G(xgen_authority_key), "", 0, 0, NULL,
	    "PEM file of the authority's Ed25519 public key that signs its releases (readable by vouchd's user)" },
	{ "xgen_refresh", CONF_DURATION, G(xgen_refresh), "1h", 1 * SEC, 24 * HOUR, NULL,
	    "how often xgen_publish_name is looked up" },
	{ "helo_timeout", CONF_DURATION, G(helo_timeout), "10s", 1 * SEC, 5 * MIN, NULL,
	    "time for the HELO name and reverse DNS checks" },
	{ "max_command_line", CONF_SIZE, G(max_command_line), "512", 512, 64 * KB, NULL,
	    "longest command line, CRLF included (RFC 5321 4.5.3.1.4: at least 512)" },
	{ "max_text_line", CONF_SIZE, G(max_text_line), "1000", 1000, 1 * MB, NULL,
	    "longest line of message text, CRLF included (RFC 5321 4.5.3.1.6: at least 1000)" },
	{ "max_recipients", CONF_INT, G(max_recipients), "100", 100, 100000, NULL,
	    "recipients per message (RFC 5321 4.5.3.1.8: at least 100)" },
	{ "max_message_size", CONF_SIZE, G(max_message_size), "25m", 1 * KB, 2048 * MB, NULL,
	    "largest message accepted, announced with SIZE" },
	{ "max_errors", CONF_INT, G(max_errors), "20", 1, 1000, NULL,
	    "protocol errors in one session before it is closed with 421" },
	{ "max_junk_commands", CONF_INT, G(max_junk_commands), "100", 1, 1000000, NULL,
	    "NOOP, RSET, VRFY and HELP a session may send between two messages before it is closed with 421" },
	{ "max_connections", CONF_INT, G(max_connections), "4000", 1, 1000000, NULL,
	    "concurrent SMTP sessions in total" },
	{ "max_connections_per_ip", CONF_INT, G(max_connections_per_ip), "50", 1, 1000000, NULL,
	    "concurrent SMTP sessions from one client address" },
	{ "fd_reserve", CONF_INT, G(fd_reserve), "0", 0, 1000000, NULL,
	    "file descriptors kept for all but SMTP sessions (queue, deliveries, DNS, control); 0 = 64 + outbound_max_connections + callout_max_total + 2 per delivery thread" },
	{ "min_free_space", CONF_SIZE, G(min_free_space), "100m", 0, 1024LL * 1024 * MB, NULL,
	    "free space the queue's filesystem must keep; below it MAIL gets 452 4.3.1" },
	{ "timeout_command", CONF_DURATION, G(timeout_command), "5m", 1 * SEC, 1 * HOUR, NULL,
	    "time a client has to send a whole command (RFC 5321 4.5.3.2.7: 5 minutes)" },
	{ "timeout_data_block", CONF_DURATION, G(timeout_data_block), "3m", 1 * SEC, 1 * HOUR, NULL,
	    "longest silence inside DATA or BDAT (RFC 5321 4.5.3.2.5: 3 minutes)" },
	{ "timeout_data", CONF_DURATION, G(timeout_data), "10m", 1 * SEC, 24 * HOUR, NULL,
	    "longest time for one whole message body (RFC 5321 4.5.3.2.6: 10 minutes)" },
	{ "min_data_rate", CONF_SIZE, G(min_data_rate), "500", 0, 1024 * MB, NULL,
	    "bytes per second a client must average in DATA/BDAT after data_rate_grace; 0 = off" },
	{ "data_rate_grace", CONF_DURATION, G(data_rate_grace), "30s", 0, 1 * HOUR, NULL,
	    "time into a message before min_data_rate is enforced" },
	{ "shutdown_timeout", CONF_DURATION, G(shutdown_timeout), "30s", 0, 1 * HOUR, NULL,
	    "on SIGTERM, time open sessions get to finish before they are closed with 421" },
	{ "commit_delay", CONF_DURATION, G(commit_delay), "0ms", 0, 100, NULL,
	    "extra time a group commit waits for more messages to share its flush" },
	{ "retry_min", CONF_DURATION, G(retry_min), "1m", 1 * SEC, 24 * HOUR, NULL,
	    "wait before the first retry of a deferred delivery; doubles each time" },
	{ "retry_max", CONF_DURATION, G(retry_max), "1h", 1 * SEC, 7 * 24 * HOUR, NULL,
	    "longest wait between two delivery attempts" },
	{ "queue_lifetime", CONF_DURATION, G(queue_lifetime), "5d", 1 * SEC, 365 * 24 * HOUR, NULL,
	    "how long a message is retried before it is returned to its sender" },
	{ "max_local_deliveries", CONF_INT, G(max_local_deliveries), "256", 1, 100000, NULL,
	    "messages being written to mailboxes at once" },
	{ "local_delivery_threads", CONF_INT, G(local_delivery_threads), "2", 1, 64, NULL,
	    "threads writing Maildir deliveries" },
	{ NULL, 0, 0, NULL, 0, 0, NULL, NULL },
};

const struct conf_key config_listener_keys[] = {
	{ "address", CONF_ADDR, L(address), "127.0.0.1:2525", 0, 0, NULL,
	    "IP:port, [IPv6]:port or *:port to accept SMTP on; port 0 = a free port the kernel picks (logged as event=listening, shown by vouchctl status)" },
	{ "backlog", CONF_INT, L(backlog), "511", 1, 65535, NULL, "listen(2) backlog" },
	{ "tls", CONF_ENUM, L(tls), "starttls", 0, 0, tls_modes,
	    "none; starttls (offered when tls_cert is set); implicit (TLS from the first byte, port 465)" },
	{ "submission", CONF_BOOL, L(submission), "no", 0, 0, NULL,
	    "a submission port: MAIL needs AUTH, and authenticated users may relay" },
	{ "auth", CONF_BOOL, L(auth), "no", 0, 0, NULL,
	    "offer AUTH PLAIN/LOGIN (only ever after TLS); submission implies it" },
	{ "spf_fail", CONF_ENUM, L(spf_fail), "reject", 0, 0, config_action_names,
	    "SPF fail (HELO or MAIL FROM): ignore, tag, unsafe, tempfail or reject (550 5.7.23)" },
	{ "spf_softfail", CONF_ENUM, L(spf_softfail), "ignore", 0, 0, config_action_names,
	    "SPF softfail: ignore, tag, unsafe, tempfail or reject" },
	{ "spf_neutral", CONF_ENUM, L(spf_neutral), "ignore", 0, 0, config_action_names,
	    "SPF neutral: ignore, tag, unsafe, tempfail or reject" },
	{ "spf_none", CONF_ENUM, L(spf_none), "ignore", 0, 0, config_action_names,
	    "no SPF record: ignore, tag, unsafe, tempfail or reject" },
	{ "spf_temperror", CONF_ENUM, L(spf_temperror), "tempfail", 0, 0, config_action_names,
	    "SPF temperror (DNS trouble): tempfail (451 4.7.24) by default" },
	{ "spf_permerror", CONF_ENUM, L(spf_permerror), "ignore", 0, 0, config_action_names,
	    "SPF permerror (a broken record): ignore, tag, unsafe, tempfail or reject (550 5.7.24)" },
	{ "mode", CONF_ENUM, L(mode), "soft", 0, 0, config_mode_names,
	    "unverified mail: soft = delivered to .Unsafe, hard = refused (550 5.7.x), off = no trust checks" },
	{ "strict", CONF_BOOL, L(strict), "no", 0, 0, NULL,
	    "refuse a HELO name that is not an FQDN or does not resolve to the client (announced as XSTRICT)" },
	{ "xvouch", CONF_BOOL, L(xvouch), "yes", 0, 0, NULL,
	    "offer XVOUCH: senders may have their session confirmed by a callback" },
	{ "xvouch_fail", CONF_ENUM, L(xvouch_fail), "mode", 0, 0, config_action_names,
	    "the callback denied the session (in hard mode the address also becomes vouch-required for xvouch_required_time)" },
	{ "xvouch_none", CONF_ENUM, L(xvouch_none), "mode", 0, 0, config_action_names,
	    "the client did not vouch for its session" },
	{ "xvouch_temperror", CONF_ENUM, L(xvouch_temperror), "tempfail", 0, 0, config_action_names,
	    "the callback could not be completed (the host did not answer)" },
	{ "register_suspended", CONF_ENUM, L(register_suspended), "mode", 0, 0, config_action_names,
	    "the vouched server is suspended by the registrar" },
	{ "register_unregistered", CONF_ENUM, L(register_unregistered), "mode", 0, 0,
	    config_action_names,
	    "the vouched server is not in any registrar zone (when zones are set)" },
	{ "register_temperror", CONF_ENUM, L(register_temperror), "tempfail", 0, 0,
	    config_action_names, "the registrar zone could not be asked" },
	{ "xgen_invalid", CONF_ENUM, L(xgen_invalid), "ignore", 0, 0, config_action_names,
	    "the client's XGEN cookie is not part of the generation chain" },
	{ "xgen_too_old", CONF_ENUM, L(xgen_too_old), "ignore", 0, 0, config_action_names,
	    "the client's software generation is older than xgen_tolerance allows" },
	{ "xgen_none", CONF_ENUM, L(xgen_none), "ignore", 0, 0, config_action_names,
	    "the client gave no XGEN though we offer generations (not ignore: announced as XGEN <g> REQUIRED)" },
	{ "tls_cert_fail", CONF_ENUM, L(tls_cert_fail), "ignore", 0, 0, config_action_names,
	    "the client's certificate proves nothing: not from a trusted CA (tls_trust_ca), or for another name" },
	{ "tls_cert_revoked", CONF_ENUM, L(tls_cert_revoked), "ignore", 0, 0, config_action_names,
	    "the client's certificate is from a trusted CA but revoked by its CRL (tls_trust_crl)" },
	{ "refuse_classes", CONF_LIST, L(refuse_classes), NULL, 0, 0, NULL,
	    "mail classes of the registrar's register refused at RCPT (550 5.7.1), e.g. bulk; none = refuse none" },
	{ "dnsbl_listed", CONF_ENUM, L(dnsbl_listed), "reject", 0, 0, config_action_names,
	    "the client address is listed in one of dnsbl_zones (reject: 554 5.7.1 at MAIL)" },
	{ "dnsbl_temperror", CONF_ENUM, L(dnsbl_temperror), "ignore", 0, 0, config_action_names,
	    "a DNS block list could not be asked" },
	{ "callout", CONF_BOOL, L(callout), "no", 0, 0, NULL,
	    "verify return paths with a sender callout (skipped after SPF pass, for verified servers, allow-listed senders and <>)" },
	{ "callout_fail", CONF_ENUM, L(callout_fail), "mode", 0, 0, config_action_names,
	    "the sender's mail server says the return path does not exist (reject: 550 5.1.7)" },
	{ "callout_nodomain", CONF_ENUM, L(callout_nodomain), "mode", 0, 0, config_action_names,
	    "the return path's domain does not exist or has a null MX (reject: 550 5.1.8 / 5.7.27)" },
	{ "callout_catchall", CONF_ENUM, L(callout_catchall), "ignore", 0, 0, config_action_names,
	    "the return path's domain accepts any address, so it cannot be verified" },
	{ "callout_temperror", CONF_ENUM, L(callout_temperror), "tempfail", 0, 0,
	    config_action_names, "the callout could not be completed (451 4.1.7 by default)" },
	{ "dmarc_reject", CONF_ENUM, L(dmarc_reject), "mode", 0, 0, config_action_names,
	    "the message fails DMARC and its domain asks for rejection (p=reject; hard: 550 5.7.1)" },
	{ "dmarc_quarantine", CONF_ENUM, L(dmarc_quarantine), "unsafe", 0, 0, config_action_names,
	    "the message fails DMARC and its domain asks for quarantine (p=quarantine)" },
	{ "dmarc_temperror", CONF_ENUM, L(dmarc_temperror), "ignore", 0, 0, config_action_names,
	    "the DMARC policy or an aligned check could not be known now (never a reason to refuse for good)" },
	{ NULL, 0, 0, NULL, 0, 0, NULL, NULL },
};

/* Every table of top-level settings, the core's first. */
const struct config_part config_parts[] = {
	{ "core", config_global_keys, 0 },
	{ "dns", dns_config_keys, offsetof(struct config, dns) },
	{ "spf", spf_config_keys, offsetof(struct config, spf) },
	{ "callout", callout_config_keys, offsetof(struct config, callout) },
	{ "dnslist", dnslist_config_keys, offsetof(struct config, dnslist) },
	{ "register", register_config_keys, offsetof(struct config, reg) },
	{ "unsafe", mime_config_keys, offsetof(struct config, unsafe) },
	{ "stats", stats_config_keys, offsetof(struct config, stats) },
	{ "dkim", dkim_config_keys, offsetof(struct config, dkim) },
	{ "dmarc", dmarc_config_keys, offsetof(struct config, dmarc) },
	{ "challenge", challenge_config_keys, offsetof(struct config, challenge) },
	{ "srs", srs_config_keys, offsetof(struct config, srs) },
	{ "store", store_config_keys, offsetof(struct config, store) },
	{ NULL, NULL, 0 },
};

static void
parts_defaults(struct config *cfg)
{
	for (const struct config_part *p = config_parts; p->name; p++)
		conf_defaults(p->keys, (char *)cfg + p->offset);
}

/* Apply the top-level block: each key belongs to exactly one part. */
/* Settings vouch once had: naming one is an error that says why. */
static const struct {
	const char *name;
	const char *why;
} retired_keys[] = {
	{ "xvouch_cache_ttl",
	    "every session is called back now (a remembered answer let a bot behind a real server's address through); callback connections are reused instead (xvouch_idle, xvouch_max_checks)" },
	{ "xvouch_block_time",
	    "a denied session no longer blocks the address (that blocked the honest server behind it); it becomes vouch-required instead: use xvouch_required_time" },
};

static const char *
retired(const char *key)
{
	for (size_t i = 0; i < sizeof(retired_keys) / sizeof(retired_keys[0]); i++)
		if (strcmp(retired_keys[i].name, key) == 0)
			return retired_keys[i].why;
	return NULL;
}

static int
parts_apply(struct config *cfg, const struct conf_block *blk, const char *name, struct strbuf *errs)
{
	int nerr = 0;
	char err[512];

	for (size_t i = 0; i < blk->nitems; i++) {
		const struct conf_item *it = &blk->items[i];
		const struct conf_key *k = NULL;
		const struct config_part *p;

		for (p = config_parts; p->name; p++)
			if ((k = conf_find(p->keys, it->key)) != NULL)
				break;
		if (k == NULL && retired(it->key)) {
			strbuf_printf(errs, "%s:%d: '%s' is no longer supported: %s\n", name,
			    it->line, it->key, retired(it->key));
			nerr++;
		} else if (k == NULL) {
			strbuf_printf(
			    errs, "%s:%d: unknown setting '%s'\n", name, it->line, it->key);
			nerr++;
		} else if (conf_set(k, (char *)cfg + p->offset, it->value, it->append, err,
		               sizeof(err)) < 0) {
			strbuf_printf(errs, "%s:%d: %s\n", name, it->line, err);
			nerr++;
		}
	}
	return nerr;
}

#define D(f) offsetof(struct domain_config, f)
/* config_mode_names, and "listener": a block that sets only other keys
 * (challenge) leaves the listener's mode alone */
static const char *const domain_mode_names[] = { "off", "soft", "hard", "listener", NULL };
#define DOMAIN_MODE_LISTENER 3
const struct conf_key config_domain_keys[] = {
	{ "mode", CONF_ENUM, D(mode), "listener", 0, 0, domain_mode_names,
	    "unverified mail for this recipient domain: soft, hard or off (overrides the listener); listener = the listener's" },
	{ "refuse_classes", CONF_LIST, D(refuse_classes), "inherit", 0, 0, NULL,
	    "register mail classes refused for this domain's recipients; inherit = the listener's, none = none" },
	{ "challenge", CONF_BOOL, D(challenge), "no", 0, 0, NULL,
	    "hold mail from senders not on a recipient's whitelist and challenge them (users' challenge= overrides)" },
	{ NULL, 0, 0, NULL, 0, 0, NULL, NULL },
};

int
config_mode_for(const struct config *cfg, const struct listener_config *l, const char *domain)
{
	for (size_t i = 0; domain && i < cfg->ndomain_overrides; i++)
		if (strcasecmp(cfg->domain_overrides[i].name, domain) == 0 &&
		    cfg->domain_overrides[i].mode != DOMAIN_MODE_LISTENER)
			return cfg->domain_overrides[i].mode;
	return l->mode;
}

int
config_challenge_for(const struct config *cfg, const char *domain)
{
	for (size_t i = 0; domain && i < cfg->ndomain_overrides; i++)
		if (strcasecmp(cfg->domain_overrides[i].name, domain) == 0)
			return cfg->domain_overrides[i].challenge;
	return 0;
}

static void
listener_add(struct config *cfg, const char *name)
{
	struct listener_config *l;

	cfg->listeners = xrealloc(cfg->listeners, (cfg->nlisteners + 1) * sizeof(*cfg->listeners));
	l = &cfg->listeners[cfg->nlisteners++];
	memset(l, 0, sizeof(*l));
	l->name = xstrdup(name);
	conf_defaults(config_listener_keys, l);
}

char *
config_make_absolute(const char *path)
{
	char cwd[PATH_MAX];
	struct strbuf sb;

	if (path[0] == '/' || getcwd(cwd, sizeof(cwd)) == NULL)
		return xstrdup(path);
	strbuf_init(&sb, PATH_MAX);
	if (strbuf_printf(&sb, "%s/%s", strcmp(cwd, "/") == 0 ? "" : cwd, path) < 0) {
		strbuf_free(&sb);
		return xstrdup(path);
	}
	return strbuf_steal(&sb);
}

static void
set_derived_path(char **field, const char *dir, const char *leaf)
{
	struct strbuf sb;

	if (*field && **field) {
		char *abs = config_make_absolute(*field);
		free(*field);
		*field = abs;
		return;
	}
	if (leaf == NULL)
		return;
	strbuf_init(&sb, PATH_MAX);
	strbuf_printf(&sb, "%s/%s", dir, leaf);
	free(*field);
	*field = strbuf_steal(&sb);
}

int
config_line2(const struct conf_doc *doc, const char *key, const char *other)
{
	int l = config_key_line(doc, NULL, NULL, key);

	return l ? l : config_key_line(doc, NULL, NULL, other);
}

/* Cross-setting checks that no single row can express; every error with
 * the line of the setting it is about. */
static int
config_validate(
    struct config *cfg, const char *name, const struct conf_doc *doc, struct strbuf *errs)
{
	int nerr = 0;

	for (size_t i = 0; i < cfg->nlisteners; i++) {
		for (size_t j = 0; j < i; j++) {
			if (strcmp(cfg->listeners[i].name, cfg->listeners[j].name) == 0) {
				config_err(errs, name, cfg->listeners[i].line,
				    "listener '%s' is defined twice (also at line %d)",
				    cfg->listeners[i].name, cfg->listeners[j].line);
				nerr++;
			}
		}
	}
	for (size_t i = 0; i < cfg->nlisteners; i++) {
		const struct listener_config *l = &cfg->listeners[i];
		if (l->tls == LISTENER_TLS_IMPLICIT && (cfg->tls_cert == NULL || !*cfg->tls_cert)) {
			config_err(errs, name, config_key_line(doc, "listener", l->name, "tls"),
			    "listener '%s' has tls = implicit but tls_cert is not set", l->name);
			nerr++;
		}
		if ((l->submission || l->auth) && (cfg->tls_cert == NULL || !*cfg->tls_cert)) {
			config_err(errs, name,
			    config_key_line(
			        doc, "listener", l->name, l->submission ? "submission" : "auth"),
			    "listener '%s' offers AUTH, which needs TLS: set tls_cert", l->name);
			nerr++;
		}
	}
	nerr += config_check_classes(cfg, name, doc, errs);
	nerr += config_check_trust(cfg, name, doc, errs);
	if (cfg->xgen_generation >= 0) {
		uint8_t c[GEN_COOKIE_LEN];
		if (gen_unhex(cfg->xgen_cookie, strlen(cfg->xgen_cookie), c) < 0) {
			config_err(errs, name, config_line2(doc, "xgen_cookie", "xgen_generation"),
			    "xgen_generation is set but xgen_cookie is not 64 hex digits");
			nerr++;
		}
	}
	nerr += config_check_xgen_publish(cfg, name, doc, errs);
	nerr += config_check_transition(cfg, name, doc, errs);
	if (store_config_url_error(cfg->store.url)) {
		config_err(errs, name, config_line2(doc, "store", "store"), "%s",
		    store_config_url_error(cfg->store.url));
		nerr++;
	}
	if ((cfg->tls_cert && *cfg->tls_cert) != (cfg->tls_key && *cfg->tls_key)) {
		config_err(errs, name, config_line2(doc, "tls_cert", "tls_key"),
		    "tls_cert and tls_key go together");
		nerr++;
	}
	for (size_t i = 0; i < cfg->domains.n; i++) {
		str_lower(cfg->domains.v[i]);
		/* A trailing dot names the same domain; store it without. */
		size_t n = strlen(cfg->domains.v[i]);
		if (n > 1 && cfg->domains.v[i][n - 1] == '.')
			cfg->domains.v[i][n - 1] = '\0';
	}
	if (cfg->hostname == NULL || cfg->hostname[0] == '\0') {
		char host[256];
		if (gethostname(host, sizeof(host)) != 0)
			str_copy(host, sizeof(host), "localhost");
		host[sizeof(host) - 1] = '\0';
		free(cfg->hostname);
		cfg->hostname = xstrdup(host);
	}
	char *abs = config_make_absolute(cfg->data_dir);
	free(cfg->data_dir);
	cfg->data_dir = abs;
	set_derived_path(&cfg->control_socket, cfg->data_dir, "control.sock");
	set_derived_path(&cfg->users, cfg->data_dir, "users");
	set_derived_path(&cfg->aliases, cfg->data_dir, NULL);
	set_derived_path(&cfg->tls_cert, cfg->data_dir, NULL);
	set_derived_path(&cfg->tls_key, cfg->data_dir, NULL);
	set_derived_path(&cfg->tls_client_ca, cfg->data_dir, NULL);
	set_derived_path(&cfg->xgen_authority_key, cfg->data_dir, NULL);
	set_derived_path(&cfg->outbound_tls_ca, cfg->data_dir, NULL);
	set_derived_path(&cfg->relayhost_password_file, cfg->data_dir, NULL);
	set_derived_path(&cfg->srs.key_file, cfg->data_dir, "srs.key");
	set_derived_path(&cfg->challenge.key_file, cfg->data_dir, "state/challenge.key");
	nerr += config_check_identity(cfg, name, doc, errs);
	nerr += config_check_outbound_auth(cfg, name, doc, errs);
	nerr += config_check_msgauth(cfg, name, doc, errs);
	return nerr;
}

static struct config *
load_text(const char *text, size_t len, const char *name, char *const *overrides, size_t noverrides,
    struct strbuf *errs)
{
	struct config *cfg = xcalloc(1, sizeof(*cfg));
	struct conf_doc doc;
	int nerr = 0;

	parts_defaults(cfg);
	if (conf_parse(text, len, name, &doc, errs) < 0)
		nerr++;
	if (doc.nblocks > 0)
		nerr += parts_apply(cfg, &doc.blocks[0], name, errs);
	if (noverrides > 0) {
		/* "-o key=value" on the command line wins over the file. */
		struct conf_block ob;
		memset(&ob, 0, sizeof(ob));
		ob.items = xcalloc(noverrides, sizeof(*ob.items));
		for (size_t i = 0; i < noverrides; i++) {
			const char *eq = strchr(overrides[i], '=');
			ob.items[ob.nitems].line = (int)i + 1;
			if (eq == NULL) {
				strbuf_printf(errs, "-o %s: expected key=value\n", overrides[i]);
				nerr++;
				continue;
			}
			ob.items[ob.nitems].key =
			    xstrndup(overrides[i], (size_t)(eq - overrides[i]));
			ob.items[ob.nitems].value = xstrdup(eq + 1);
			ob.nitems++;
		}
		nerr += parts_apply(cfg, &ob, "-o", errs);
		for (size_t i = 0; i < ob.nitems; i++) {
			free(ob.items[i].key);
			free(ob.items[i].value);
		}
		free(ob.items);
	}
	for (size_t i = 1; i < doc.nblocks; i++) {
		const struct conf_block *b = &doc.blocks[i];
		if (strcmp(b->kind, "listener") == 0) {
			if (b->label == NULL) {
				strbuf_printf(errs,
				    "%s:%d: a listener block needs a name: listener NAME {\n", name,
				    b->line);
				nerr++;
				continue;
			}
			listener_add(cfg, b->label);
			cfg->listeners[cfg->nlisteners - 1].line = b->line;
			nerr += conf_apply(config_listener_keys,
			    &cfg->listeners[cfg->nlisteners - 1], b, name, errs);
		} else if (strcmp(b->kind, "domain") == 0 && b->label) {
			cfg->domain_overrides = xrealloc(cfg->domain_overrides,
			    (cfg->ndomain_overrides + 1) * sizeof(*cfg->domain_overrides));
			struct domain_config *dc = &cfg->domain_overrides[cfg->ndomain_overrides++];
			memset(dc, 0, sizeof(*dc));
			dc->name = str_lower(xstrdup(b->label));
			conf_defaults(config_domain_keys, dc);
			nerr += conf_apply(config_domain_keys, dc, b, name, errs);
		} else {
			strbuf_printf(errs,
			    "%s:%d: unknown block '%s' (known: listener NAME, domain NAME)\n", name,
			    b->line, b->kind);
			nerr++;
		}
	}
	/* Without listener blocks, the embedded default listener serves. */
	if (cfg->nlisteners == 0)
		listener_add(cfg, "smtp");
	nerr += config_validate(cfg, name, &doc, errs);
	/* Settings their subsystems check; their "key: ..." errors get the
	 * file and line of the key. */
	struct strbuf sub;
	strbuf_init(&sub, 1 << 20);
	if (spf_config_known(&cfg->spf, &cfg->spf_known, &sub) < 0)
		nerr++;
	if (dnslist_config_check(&cfg->dnslist, &sub) < 0)
		nerr++;
	if (register_config_check(&cfg->reg, &sub) < 0)
		nerr++;
	if (challenge_config_check(&cfg->challenge, &sub) < 0)
		nerr++;
	config_errs_at_keys(errs, name, &doc, sub.s);
	strbuf_free(&sub);
	conf_doc_free(&doc);
	if (nerr) {
		config_free(cfg);
		return NULL;
	}
	return cfg;
}

struct config *
config_load_text(const char *text, size_t len, const char *name, struct strbuf *errs)
{
	return load_text(text, len, name, NULL, 0, errs);
}

struct config *
config_load(const char *path, struct strbuf *errs)
{
	return config_load_overrides(path, NULL, 0, errs);
}

struct config *
config_load_overrides(
    const char *path, char *const *overrides, size_t noverrides, struct strbuf *errs)
{
	struct config *cfg;
	struct strbuf text;
	FILE *f;
	char buf[8192];
	size_t n;

	if (path == NULL)
		return load_text("", 0, "<default>", overrides, noverrides, errs);
	f = fopen(path, "r");
	if (f == NULL) {
		strbuf_printf(errs, "%s: cannot open: %s\n", path, strerror(errno));
		return NULL;
	}
	strbuf_init(&text, 4 * MB);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		if (strbuf_append(&text, buf, n) < 0) {
			strbuf_printf(errs, "%s: larger than 4 MiB\n", path);
			fclose(f);
			strbuf_free(&text);
			return NULL;
		}
	}
	if (ferror(f)) {
		strbuf_printf(errs, "%s: read error: %s\n", path, strerror(errno));
		fclose(f);
		strbuf_free(&text);
		return NULL;
	}
	fclose(f);
	if (config_check_file(path, errs) > 0) {
		strbuf_free(&text);
		return NULL;
	}
	cfg = load_text(text.s ? text.s : "", text.len, path, overrides, noverrides, errs);
	strbuf_free(&text);
	if (cfg)
		cfg->path = config_make_absolute(path);
	return cfg;
}

void
config_free(struct config *cfg)
{
	if (cfg == NULL)
		return;
	for (size_t i = 0; i < cfg->nlisteners; i++) {
		conf_release(config_listener_keys, &cfg->listeners[i]);
		free(cfg->listeners[i].name);
	}
	free(cfg->listeners);
	for (size_t i = 0; i < cfg->ndomain_overrides; i++) {
		conf_release(config_domain_keys, &cfg->domain_overrides[i]);
		free(cfg->domain_overrides[i].name);
	}
	free(cfg->domain_overrides);
	spf_known_free(cfg->spf_known);
	for (const struct config_part *p = config_parts; p->name; p++)
		conf_release(p->keys, (char *)cfg + p->offset);
	free(cfg->path);
	free(cfg);
}

struct config *
config_ref(struct config *cfg)
{
	cfg->refs++;
	return cfg;
}

void
config_unref(struct config *cfg)
{
	if (cfg && --cfg->refs <= 0)
		config_free(cfg);
}

void
config_print(const struct config *cfg, struct strbuf *out)
{
	strbuf_printf(
	    out, "# effective configuration (%s)\n", cfg->path ? cfg->path : "embedded defaults");
	for (const struct config_part *p = config_parts; p->name; p++)
		conf_print(p->keys, (const char *)cfg + p->offset, "", out);
	for (size_t i = 0; i < cfg->nlisteners; i++) {
		strbuf_printf(out, "\nlistener %s {\n", cfg->listeners[i].name);
		conf_print(config_listener_keys, &cfg->listeners[i], "    ", out);
		strbuf_puts(out, "}\n");
	}
	for (size_t i = 0; i < cfg->ndomain_overrides; i++) {
		strbuf_printf(out, "\ndomain %s {\n", cfg->domain_overrides[i].name);
		conf_print(config_domain_keys, &cfg->domain_overrides[i], "    ", out);
		strbuf_puts(out, "}\n");
	}
}

const char *
config_postmaster(const struct config *cfg, char *buf, size_t bufsz)
{
	if (cfg->postmaster && *cfg->postmaster)
		return cfg->postmaster;
	snprintf(buf, bufsz, "postmaster@%s", cfg->domains.n ? cfg->domains.v[0] : cfg->hostname);
	return buf;
}

int
config_is_local_domain(const struct config *cfg, const char *domain)
{
	size_t n = strlen(domain);

	if (n > 1 && domain[n - 1] == '.') {
		char tmp[256];
		if (n >= sizeof(tmp))
			return 0;
		memcpy(tmp, domain, n - 1);
		tmp[n - 1] = '\0';
		return conf_list_has(&cfg->domains, tmp);
	}
	return conf_list_has(&cfg->domains, domain);
}
