/*
 * srs_keys: the HMAC keys of SRS (see srs.h for loading and freeing);
 * this header is the one accessor srs.c needs.
 */
#ifndef VOUCH_AUTH_SRS_KEYS_H
#define VOUCH_AUTH_SRS_KEYS_H

#include <stddef.h>

#include "auth/srs.h"

/* Key i's octets in *key (valid while k lives); returns its length. */
size_t srs_keys_get(const struct srs_keys *k, size_t i, const unsigned char **key);

#endif
