/*
 * reg_html: building the web UI's pages: HTML escaping of every value
 * that is not a literal of ours, the common page frame (title, navigation,
 * stylesheet link) and sending a page. Pages are built in a bounded strbuf.
 */
#ifndef VOUCH_REGISTRY_REG_HTML_H
#define VOUCH_REGISTRY_REG_HTML_H

#include <stddef.h>

#include "reg_http.h"
#include "util/str.h"

struct reg_server;

#define REG_HTML_MAX (4 * 1024 * 1024)

/* Append s with & < > " ' escaped (safe in text and quoted attributes). */
void reg_html_esc(struct strbuf *sb, const char *s);
/* Same for n octets that may hold anything (NUL shown as U+FFFD). */
void reg_html_escn(struct strbuf *sb, const char *s, size_t n);
/* Append literal markup of ours (never input). */
void reg_html_raw(struct strbuf *sb, const char *s);
/* Start a page: doctype, head with title, header and navigation. */
void reg_html_begin(struct strbuf *sb, const struct reg_req *q, const char *title);
/* Close the page. */
void reg_html_end(struct strbuf *sb);
/* Send the page with status and free its buffer. */
void reg_html_send(struct reg_req *q, int status, struct strbuf *sb);
/* A <span class="status-X">X</span> badge for a status name. */
void reg_html_status(struct strbuf *sb, const char *status);
/* Open a <dl> with the server's status, certification, class and
 * addresses; the caller adds its own rows and closes the last <dd>. */
void reg_html_server_facts(struct strbuf *sb, const struct reg_server *s);
/* Format a Unix time as "YYYY-MM-DD HH:MM UTC" ("-" for 0). */
void reg_html_time(struct strbuf *sb, long long t);

#endif
