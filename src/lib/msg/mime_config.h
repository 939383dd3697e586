/*
 * mime_config: the "unsafe" part of vouchd's configuration (config.h's
 * config_parts[]): how the copy of an unsafe message that goes to the
 * .Unsafe folder is made (msg/mime_strip.h). docs/configuration.md
 * "## Unsafe mail" describes each key.
 */
#ifndef VOUCH_MSG_MIME_CONFIG_H
#define VOUCH_MSG_MIME_CONFIG_H

#include "msg/mime_strip.h"
#include "util/conf.h"

struct mime_config {
	char *subject_tag;  /* "" = no tag */
	int strip;          /* keep plain text only */
	int strip_messages; /* attached messages go whole */
	int html_text;      /* HTML without a plain alternative keeps its text */
	long long max_size; /* bytes; larger messages keep their headers only */
	long long max_depth;
	long long max_parts;
	long long max_line; /* bytes, CRLF excluded */
};

extern const struct conf_key mime_config_keys[];

/* Fill strip options from cfg; strings stay borrowed from cfg. */
void mime_config_options(const struct mime_config *cfg, struct mime_strip_opts *o);

#endif
