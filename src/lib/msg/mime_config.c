/*
 * mime_config: the unsafe-copy settings table (see mime_config.h).
 */
#include "msg/mime_config.h"

#include <stddef.h>

#define U(f) offsetof(struct mime_config, f)

const struct conf_key mime_config_keys[] = {
	{ "unsafe_subject_tag", CONF_STR, U(subject_tag), "[UNSAFE]", 0, 0, NULL,
	    "put in front of the Subject of mail delivered to .Unsafe; empty = no tag" },
	{ "unsafe_strip", CONF_BOOL, U(strip), "yes", 0, 0, NULL,
	    "unsafe mail keeps only its plain text: HTML and attachments become notices" },
	{ "unsafe_strip_messages", CONF_BOOL, U(strip_messages), "no", 0, 0, NULL,
	    "attached messages (message/rfc822) are removed whole instead of stripped inside" },
	{ "unsafe_html_text", CONF_BOOL, U(html_text), "yes", 0, 0, NULL,
	    "an HTML body without a plain-text alternative leaves its text in the notice" },
	{ "unsafe_max_size", CONF_SIZE, U(max_size), "25m", 1024, 2048LL * 1024 * 1024, NULL,
	    "unsafe messages larger than this keep only their header fields and a notice" },
	{ "unsafe_max_depth", CONF_INT, U(max_depth), "16", 1, 100, NULL,
	    "deepest nesting of multiparts and attached messages stripped part by part" },
	{ "unsafe_max_parts", CONF_INT, U(max_parts), "200", 1, 100000, NULL,
	    "most MIME parts in a message stripped part by part" },
	{ "unsafe_max_line", CONF_SIZE, U(max_line), "998", 78, 1024 * 1024, NULL,
	    "longest header line or kept text line (RFC 5322 2.1.1: 998)" },
	{ NULL, 0, 0, NULL, 0, 0, NULL, NULL },
};

void
mime_config_options(const struct mime_config *cfg, struct mime_strip_opts *o)
{
	mime_strip_defaults(o);
	o->subject_tag = cfg->subject_tag;
	o->strip = cfg->strip;
	o->strip_messages = cfg->strip_messages;
	o->html_text = cfg->html_text;
	o->max_size = (size_t)cfg->max_size;
	o->limits.max_depth = (size_t)cfg->max_depth;
	o->limits.max_parts = (size_t)cfg->max_parts;
	o->limits.max_line = (size_t)cfg->max_line;
}
