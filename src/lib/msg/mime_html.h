/*
 * mime_html: the readable text of an HTML document, for the notice that
 * replaces an HTML body in an unsafe message. Not a browser: tags are
 * dropped (script, style and head with their contents), block elements
 * break lines, white space collapses and common character references
 * are decoded. Links, images and forms leave nothing behind, so the text
 * cannot load or point to anything. Pure and linear; the output goes to
 * a bounded strbuf and is cut (not failed) at its limit.
 */
#ifndef VOUCH_MSG_MIME_HTML_H
#define VOUCH_MSG_MIME_HTML_H

#include <stddef.h>

#include "util/str.h"

/* Append the text of the UTF-8 HTML html[0..len) to out, sanitised
 * (mime_text_sanitize with line breaks kept). 0, or -1 if cut. */
int mime_html_text(const char *html, size_t len, struct strbuf *out);

#endif
