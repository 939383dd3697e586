/*
 * reg_probe: a small blocking SMTP client for the certification tests
 * (RFC 5321 client side, STARTTLS per RFC 3207 with OpenSSL). Every read
 * and write has a time limit, every reply a size limit, and the whole
 * dialogue is kept in a bounded transcript ("C: ..." / "S: ...") for the
 * stored report. Meant to run on a worker thread, never the event loop.
 *
 * The reply parser (reg_probe_parse_reply) is pure and unit-tested.
 */
#ifndef VOUCH_REGISTRY_REG_PROBE_H
#define VOUCH_REGISTRY_REG_PROBE_H

#include <stddef.h>

#include "util/str.h"

#define REG_PROBE_REPLY_MAX 16384 /* a reply longer than this is refused */

struct reg_probe;

struct reg_probe_reply {
	int code;                       /* 100..599, or 0 when none arrived */
	char text[REG_PROBE_REPLY_MAX]; /* the lines' text after the code, '\n'-joined */
	size_t nlines;
};

struct reg_probe_tls {
	char version[32], cipher[64];
	char subject[256], issuer[256], not_after[64];
	int has_cert;
	int verified; /* chain and host name verified */
	char verify_error[128];
};

/*
 * Parse one complete reply from buf[0..len): 1 with *r and *used (octets
 * consumed), 0 if more input is needed, -1 if malformed (bad code, codes
 * differing between lines, too long).
 */
int reg_probe_parse_reply(const char *buf, size_t len, struct reg_probe_reply *r, size_t *used);

/*
 * Connect to addr:port (from local address source when not NULL/empty)
 * within timeout_ms and read the greeting into greeting. Returns REG_OK
 * and *out, or an error with a reason in err; transcript (not owned) gets
 * the dialogue.
 */
int reg_probe_open(struct reg_probe **out, const char *addr, int port, const char *source,
    long long timeout_ms, struct strbuf *transcript, struct reg_probe_reply *greeting, char *err,
    size_t errsz);
/* Send one command line (CRLF added) and read the reply. */
int reg_probe_cmd(struct reg_probe *p, const char *line, struct reg_probe_reply *r);
/* After a 220 to STARTTLS: handshake, SNI = host; verify when asked. */
int reg_probe_tls(struct reg_probe *p, const char *host, int verify, const char *ca_file,
    struct reg_probe_tls *info, char *err, size_t errsz);
/* Close (sends QUIT if the session is still up); NULL-safe. */
void reg_probe_close(struct reg_probe *p);
/* True if an EHLO reply's text lists keyword (first word of a line). */
int reg_probe_has_ext(const struct reg_probe_reply *ehlo, const char *keyword);

#endif
