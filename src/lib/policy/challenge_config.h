/*
 * challenge_config: the "challenge" part of vouchd's configuration
 * (config.h's config_parts[]): challenge/response for unknown
 * correspondents (policy/challenge.h). Who is challenged is said per
 * recipient (users: challenge=1) and per domain (domain NAME { challenge
 * = yes }); these are the site-wide settings. docs/configuration.md
 * "## Challenge/response" describes each key.
 */
#ifndef VOUCH_POLICY_CHALLENGE_CONFIG_H
#define VOUCH_POLICY_CHALLENGE_CONFIG_H

#include "util/conf.h"

struct challenge_config {
	long long expiry;     /* ms held mail waits for its confirmation */
	long long max_sender; /* challenges per sender per hour */
	long long max_domain; /* per sender domain per hour */
	long long max_hour;   /* in all per hour */
	char *policy_text;    /* the recipient's policy statement */
	char *reply_local;    /* local part prefix of reply addresses ("confirm") */
	char *http_listen;    /* host:port of the confirmation page; "" = no links */
	char *url;            /* the page's public URL (the link's base) */
	char *key_file;       /* HMAC key; "" = <data_dir>/state/challenge.key */
	long long sweep;      /* ms between sweeps for expired held mail */
	long long digest;     /* ms between a user's digests of held mail; 0 = none */
};

extern const struct conf_key challenge_config_keys[];

/* What the table cannot say: appends "key: message" lines to errs; -1 if any. */
int challenge_config_check(const struct challenge_config *c, struct strbuf *errs);

#endif
